//! Transparent huge pages (Linux's mm/huge_memory.c): 2 MiB megapages
//! (Sv39 level-1 leaves, privileged spec 4.4.1: a leaf PTE at level 1
//! maps 2 MiB, its PPN[0] must be zero or the access faults) for anonymous
//! memory, mapped at a page fault and split back into 512 PTEs when a
//! change concerns only part of one.
//!
//! - **When.** A fault in an anonymous, demand-zero area (anonymous mmap,
//!   brk heap, stack; not file mappings or ELF segments) maps a megapage if
//!   the 2 MiB-aligned range around the address lies wholly inside the
//!   area, has no page with a frame or swap slot and no page table of 4 KiB
//!   PTEs yet, the policy allows it ([`Thp`], per area madvise
//!   MADV_HUGEPAGE / MADV_NOHUGEPAGE), the space's replay region and
//!   RLIMIT_RSS leave room for 512 pages, and an order-9 buddy block is free
//!   with the low watermark still kept afterwards. The block is zeroed and
//!   its 512 frames recorded as the area's pages (so RSS, smaps, mincore and
//!   exit see 512 pages), one fault for 2 MiB: `thp_fault_alloc`. When the
//!   block is missing the fault maps a 4 KiB page as usual:
//!   `thp_fault_fallback` (svos does not reclaim or compact for a megapage,
//!   as Linux's default `defrag` does not for an area without madvise).
//! - **Split** ([`super::page_table::PageTable::split_mega`], `thp_split_page`):
//!   munmap, MADV_DONTNEED, brk shrink or mprotect of part of a megapage, mremap of
//!   an area holding one, a copy-on-write store to one, reclaim picking one
//!   of its pages as the victim (swap is per 4 KiB page: Linux too splits a
//!   THP before swap-out). The 512 PTEs keep its permissions and its A and D
//!   bits; the frames stay where they are. Covered whole, munmap and
//!   MADV_DONTNEED remove the leaf and mprotect rewrites it, without a split.
//! - **fork** shares a megapage as it is (Linux's copy_huge_pmd): the leaf
//!   read-only in both spaces, its 512 frames shared copy-on-write; the first
//!   store in either space splits that space's megapage and copies the one
//!   4 KiB page (Linux since 5.8 does the same: do_huge_pmd_wp_page splits).
//! - **mlock** keeps a megapage whole and resident (reclaim never picks
//!   locked pages, so nothing splits it).
//! - **Reclaim** tests and clears the megapage's A bit for all its pages
//!   (one PTE); the first of its pages chosen as a victim splits it.
//! - **Counters**: /proc/meminfo AnonHugePages, /proc/PID/smaps
//!   AnonHugePages per area (both from the page tables:
//!   [`super::addr_space::AddrSpace::mem_size_stats`]), /proc/vmstat
//!   thp_fault_alloc, thp_fault_fallback, thp_split_page
//!   ([`super::vmstat`]).
//!
//! The policy ([`Thp`], Linux's /sys/kernel/mm/transparent_hugepage/enabled):
//! the bootarg `transparent_hugepage=always|madvise|never` (Linux's name) and
//! the writable /proc/sys/vm/transparent_hugepage (svos has no sysfs),
//! default `madvise`: only areas a program madvise(MADV_HUGEPAGE)d get
//! megapages, so programs that never ask run exactly as before.

use super::addr_space::AddrSpace;
use super::address::VirtPageNum;
use super::cow::PageFrame;
use super::fault::Resolved;
use super::page_table::PteFlags;
use super::vma::{Vma, VmaHuge};
use super::vmstat;
use core::sync::atomic::{AtomicU16, AtomicU8, AtomicUsize, Ordering::Relaxed};

/// Bytes of a megapage (Sv39 level-1 leaf): 2 MiB.
pub const HPAGE_SIZE: usize = 2 << 20;
/// 4 KiB pages in a megapage.
pub const HPAGE_PAGES: usize = 512;
/// The buddy order of a megapage's block (2^9 frames).
pub const HPAGE_ORDER: usize = 9;

/// Blocks of RAM (2 MiB each, from the buddy allocator's base) whose
/// megapage mappings are counted: 4 GiB of RAM; megapages above are mapped
/// but not counted in AnonHugePages.
const COUNTED_BLOCKS: usize = 2048;

/// Per 2 MiB block of RAM: the megapage leaves that map it now (several
/// after fork).
static LEAVES: [AtomicU16; COUNTED_BLOCKS] = [const { AtomicU16::new(0) }; COUNTED_BLOCKS];

/// Blocks mapped by at least one megapage leaf (Linux's NR_ANON_THPS).
static MAPPED_BLOCKS: AtomicUsize = AtomicUsize::new(0);

fn block_index(ppn: super::address::PhysPageNum) -> Option<usize> {
    let i = (ppn.0.wrapping_sub(super::frame::base_ppn())) / HPAGE_PAGES;
    (i < COUNTED_BLOCKS).then_some(i)
}

/// A user megapage leaf now maps the block at `ppn` (called by the page table).
pub(super) fn leaf_added(ppn: super::address::PhysPageNum) {
    if let Some(i) = block_index(ppn) {
        if LEAVES[i].fetch_add(1, Relaxed) == 0 {
            MAPPED_BLOCKS.fetch_add(1, Relaxed);
        }
    }
}

/// The user megapage leaf `leaf` is gone (split, zapped, or its page
/// table dropped); hugetlb leaves were never counted.
pub(super) fn leaf_removed(leaf: super::page_table::PageTableEntry) {
    if leaf.0 & PteFlags::HUGETLB.0 != 0 {
        return;
    }
    if let Some(i) = block_index(leaf.ppn()) {
        if LEAVES[i].fetch_sub(1, Relaxed) == 1 {
            MAPPED_BLOCKS.fetch_sub(1, Relaxed);
        }
    }
}

/// 4 KiB pages of anonymous memory mapped by megapages, each megapage once
/// however many spaces map it (meminfo's AnonHugePages, vmstat's
/// nr_anon_transparent_hugepages x 512).
pub fn anon_huge_pages() -> usize {
    MAPPED_BLOCKS.load(Relaxed) * HPAGE_PAGES
}

/// The transparent-huge-page policy (Linux's
/// /sys/kernel/mm/transparent_hugepage/enabled).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Thp {
    /// Every eligible anonymous area, unless madvise(MADV_NOHUGEPAGE)d.
    Always = 0,
    /// Only areas madvise(MADV_HUGEPAGE)d (the default).
    Madvise = 1,
    /// None.
    Never = 2,
}

const NAMES: [&str; 3] = ["always", "madvise", "never"];

static POLICY: AtomicU8 = AtomicU8::new(Thp::Madvise as u8);

impl Thp {
    /// The policy named `s` (surrounding white space ignored), or `None`.
    pub fn parse(s: &str) -> Option<Thp> {
        match s.trim() {
            "always" => Some(Thp::Always),
            "madvise" => Some(Thp::Madvise),
            "never" => Some(Thp::Never),
            _ => None,
        }
    }
}

/// The policy now.
pub fn policy() -> Thp {
    match POLICY.load(Relaxed) {
        0 => Thp::Always,
        2 => Thp::Never,
        _ => Thp::Madvise,
    }
}

/// Sets the policy (faults from now on; megapages mapped stay).
pub fn set_policy(p: Thp) {
    POLICY.store(p as u8, Relaxed);
}

/// The policy as Linux prints its sysfs file: every choice, the current one
/// in brackets (`always [madvise] never`), and a newline.
pub fn policy_text() -> alloc::string::String {
    let cur = policy() as usize;
    let words: alloc::vec::Vec<alloc::string::String> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| if i == cur { alloc::format!("[{}]", n) } else { alloc::string::String::from(*n) })
        .collect();
    alloc::format!("{}\n", words.join(" "))
}

/// Applies the bootarg `transparent_hugepage=always|madvise|never`; an
/// unknown value is reported (`[svos] unknown transparent_hugepage=X, using
/// madvise`) and the default kept.
pub fn init(bootargs: &str) {
    if let Some(v) = bootargs.split_whitespace().find_map(|a| a.strip_prefix("transparent_hugepage=")) {
        match Thp::parse(v) {
            Some(p) => set_policy(p),
            None => crate::println!("[svos] unknown transparent_hugepage={}, using {}", v, NAMES[policy() as usize]),
        }
    }
}

/// True if the policy lets area `vma` have transparent megapages: an
/// anonymous demand-zero area, `always` unless refused, `madvise` if advised.
pub fn thp_allowed(vma: &Vma) -> bool {
    if vma.file.is_some() || !vma.kind.is_demand_zero() {
        return false;
    }
    match (vma.huge, policy()) {
        (VmaHuge::Refused | VmaHuge::Hugetlb, _) | (_, Thp::Never) => false,
        (VmaHuge::Advised, _) => true,
        (VmaHuge::Default, p) => p == Thp::Always,
    }
}

/// The first page of the megapage-sized range holding `vpn`.
fn mega_base(vpn: VirtPageNum) -> VirtPageNum {
    VirtPageNum(vpn.0 & !(HPAGE_PAGES - 1))
}

impl AddrSpace {
    /// The transparent-huge-page fault (Linux's do_huge_pmd_anonymous_page):
    /// maps a zeroed megapage over the 2 MiB range of `vpn` if everything
    /// the module docs list allows it, and returns how the fault was
    /// resolved; `None` to map a 4 KiB page instead (counted as
    /// `thp_fault_fallback` when only the block was missing).
    pub(super) fn huge_fault(&mut self, vpn: VirtPageNum, vma: &Vma) -> Option<Resolved> {
        if !thp_allowed(vma) {
            return None;
        }
        let base = mega_base(vpn);
        let (start, end) = (base.addr().0, base.addr().0 + HPAGE_SIZE);
        let last = VirtPageNum(base.0 + HPAGE_PAGES);
        if start < vma.start
            || end > vma.end
            || self.frames.range(base..last).next().is_some()
            || self.swapped.range(base..last).next().is_some()
            || !self.pt.mega_slot_empty(base)
            || !self.room_for(base, HPAGE_PAGES)
        {
            return None;
        }
        let (_, low, _) = super::frame::watermarks();
        let block = (super::frame::stats().0 >= low + HPAGE_PAGES)
            .then(|| super::frame::alloc_block_frames(HPAGE_ORDER))
            .flatten();
        let Some(frames) = block else {
            vmstat::THP_FAULT_FALLBACK.inc();
            return None;
        };
        if self.pt.map_mega(base, frames[0].ppn(), vma.perm | PteFlags::U).is_err() {
            // No frame for an upper page-table level: the 4 KiB path reports it.
            vmstat::THP_FAULT_FALLBACK.inc();
            return None;
        }
        for (i, f) in frames.into_iter().enumerate() {
            let v = VirtPageNum(base.0 + i);
            self.frames.insert(v, PageFrame::private(f));
            self.note_loaded(v);
        }
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        vmstat::THP_FAULT_ALLOC.inc();
        Some(Resolved::Minor)
    }

    /// Splits the megapages that `[s, e)` (page aligned) covers only in
    /// part: the ones over `s` and over `e` when those are not 2 MiB aligned.
    pub(super) fn split_huge_edges(&mut self, s: usize, e: usize) {
        for a in [s, e] {
            if !a.is_multiple_of(HPAGE_SIZE) {
                self.pt.split_mega(super::address::VirtAddr(a).floor());
            }
        }
    }

    /// Splits every megapage over `[s, e)` (mremap moves 4 KiB PTEs).
    pub(super) fn split_huge_range(&mut self, s: usize, e: usize) {
        let mut a = s & !(HPAGE_SIZE - 1);
        while a < e {
            self.pt.split_mega(super::address::VirtAddr(a).floor());
            a += HPAGE_SIZE;
        }
    }

    /// Removes the megapage leaves wholly inside `[s, e)` (page aligned),
    /// after [`Self::split_huge_edges`]: their frames are the caller's to
    /// free (munmap, MADV_DONTNEED).
    pub(super) fn zap_huge_range(&mut self, s: usize, e: usize) {
        let mut a = s.next_multiple_of(HPAGE_SIZE);
        while a + HPAGE_SIZE <= e {
            self.pt.zap_mega(super::address::VirtAddr(a).floor());
            a += HPAGE_SIZE;
        }
    }

    /// madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE) over `[s, e)`: sets the
    /// advice of the areas there (split at the ends). It acts at the next
    /// fault: pages mapped already stay as they are (svos has no
    /// khugepaged to collapse them, nor splits megapages on NOHUGEPAGE). `Err(false)` if a page of the range is in no area
    /// (madvise's -ENOMEM after acting on the rest is not kept: nothing
    /// changes), `Err(true)` if splitting would exceed the area limit.
    pub fn advise_huge(&mut self, s: usize, e: usize, huge: VmaHuge) -> Result<(), bool> {
        self.vmas.advise_huge(s, e, huge).map_err(|err| err == super::vma::VmaError::TooMany)
    }
}
