//! What the pages of an address range hold, read from the real page table,
//! the frame records and the swap slots: the numbers of Linux's
//! /proc/PID/smaps (fs/proc/task_mmu.c, `struct mem_size_stats`), and from
//! them /proc/PID/status and the system-wide /proc/meminfo and /proc/vmstat.
//!
//! - Resident: a page with a frame. Its *map count* is the number of
//!   address spaces sharing the frame (1 for a private frame; the
//!   reference count of a frame shared copy-on-write after fork), which
//!   splits it between Shared_* (count > 1) and Private_*, and divides it
//!   for Pss (Linux's PSS_SHIFT fixed point: bytes << 12 / count).
//! - Dirty: the PTE's D bit (set by the hart under Svadu, by svos's A/D
//!   fault under Svade). Referenced: the PTE's A bit (the clock clears it).
//! - Swap: a page whose PTE is a swap entry; SwapPss divides the page by
//!   the references to its slot (spaces of a fork that share it).
//! - Swap cache: a resident page whose swap slot still holds its exact
//!   bytes (it can be evicted without a write): meminfo's SwapCached.
//!
//! The proportional figures (Pss and its parts) summed over every address
//! space count each frame exactly once, which is how the system-wide
//! AnonPages, Active and SwapCached are obtained without a frame table.
//!
//! Page-cache frames that file areas map are file pages (not Anonymous;
//! their map count leaves out the page cache's own reference); every
//! other frame is anonymous.

use super::addr_space::AddrSpace;
use super::address::{VirtAddr, VirtPageNum, PAGE_SIZE};
use super::cow::PageFrame;
use super::page_table::PteFlags;
use alloc::sync::Arc;

/// Linux's fixed-point shift for proportional sizes (fs/proc/task_mmu.c PSS_SHIFT).
pub const PSS_SHIFT: u32 = 12;

/// Page statistics of an address range, in bytes (Pss and SwapPss in bytes
/// << [`PSS_SHIFT`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemSizeStats {
    /// Bytes with a frame (Rss).
    pub resident: u64,
    /// Proportional set size, bytes << PSS_SHIFT.
    pub pss: u64,
    /// The dirty part of Pss, bytes << PSS_SHIFT.
    pub pss_dirty: u64,
    /// Resident, mapped by other spaces too, D clear.
    pub shared_clean: u64,
    /// Resident, mapped by other spaces too, D set.
    pub shared_dirty: u64,
    /// Resident, mapped only here, D clear.
    pub private_clean: u64,
    /// Resident, mapped only here, D set.
    pub private_dirty: u64,
    /// Resident with A set.
    pub referenced: u64,
    /// Resident anonymous bytes (not page-cache frames; see the module docs).
    pub anonymous: u64,
    /// Bytes swapped out (Swap).
    pub swap: u64,
    /// Proportional swap, bytes << PSS_SHIFT.
    pub swap_pss: u64,
    /// The anonymous part of Pss, bytes << PSS_SHIFT: summed over every
    /// space it counts each anonymous frame once (meminfo's AnonPages).
    pub pss_anon: u64,
    /// The referenced (A set) part of `pss_anon` (meminfo's Active(anon)).
    pub pss_referenced: u64,
    /// The part of Pss whose swap slot still holds the same contents (the
    /// swap cache), bytes << PSS_SHIFT (meminfo's SwapCached).
    pub pss_swap_cached: u64,
    /// Bytes mapped by transparent megapages (smaps' AnonHugePages).
    pub anon_huge: u64,
    /// Bytes of hugetlb pages (smaps' Private_Hugetlb; not in Rss).
    pub hugetlb: u64,
}

impl MemSizeStats {
    /// Adds `o` to these figures (smaps_rollup, per-process and system totals).
    pub fn add(&mut self, o: &MemSizeStats) {
        self.resident += o.resident;
        self.pss += o.pss;
        self.pss_dirty += o.pss_dirty;
        self.shared_clean += o.shared_clean;
        self.shared_dirty += o.shared_dirty;
        self.private_clean += o.private_clean;
        self.private_dirty += o.private_dirty;
        self.referenced += o.referenced;
        self.anonymous += o.anonymous;
        self.swap += o.swap;
        self.swap_pss += o.swap_pss;
        self.pss_anon += o.pss_anon;
        self.pss_referenced += o.pss_referenced;
        self.pss_swap_cached += o.pss_swap_cached;
        self.anon_huge += o.anon_huge;
        self.hugetlb += o.hugetlb;
    }
}

impl AddrSpace {
    /// True if `f`, mapped at `vpn`, is the page-cache frame of the file
    /// page the area maps there (a MAP_PRIVATE file page or ELF segment
    /// page before its first store), not a copy. A file whose lock is
    /// held elsewhere is taken as not (its page counts as anonymous).
    fn is_cache_page(&self, vpn: VirtPageNum, f: &Arc<super::cow::SharedFrame>) -> bool {
        let va = vpn.0 * PAGE_SIZE;
        let Some(v) = self.vmas.find(va) else { return false };
        let (Some(fm), Some(index)) = (v.file.as_ref(), v.file_page(va)) else { return false };
        fm.file.try_lock().is_some_and(|g| g.cache.holds(index, f))
    }

    /// The statistics of the pages of `[start, end)` (page-aligned byte
    /// addresses; normally one VMA). Reads PTEs without changing them.
    pub fn mem_size_stats(&self, start: usize, end: usize) -> MemSizeStats {
        let mut m = MemSizeStats::default();
        let page = PAGE_SIZE as u64;
        let (lo, hi) = (VirtPageNum(start / PAGE_SIZE), VirtPageNum(end / PAGE_SIZE));
        if lo >= hi {
            return m;
        }
        for (vpn, frame) in self.frames.range(lo..hi) {
            // (spaces mapping the frame, swap-cache copy, anonymous); a page-cache
            // frame's count less the cache's own reference.
            let (count, cached, anon) = match frame {
                PageFrame::Private(_, slot) => (1u64, slot.is_some(), true),
                // A private file page not written yet (program text, a
                // shared library's): the page cache's frame.
                PageFrame::Shared(f) if self.is_cache_page(*vpn, f) => {
                    (Arc::strong_count(f).saturating_sub(1) as u64, false, false)
                }
                PageFrame::Shared(f) => (Arc::strong_count(f) as u64, f.copy.lock().is_some(), true),
                PageFrame::Cache(f) => (Arc::strong_count(f).saturating_sub(1) as u64, false, false),
            };
            let flags = self.pt.translate(VirtAddr(vpn.0 * PAGE_SIZE)).map_or(PteFlags::empty(), |(_, f)| f);
            let dirty = flags.contains(PteFlags::D);
            let share = (page << PSS_SHIFT) / count.max(1);
            m.resident += page;
            m.pss += share;
            if anon {
                m.anonymous += page;
                m.pss_anon += share;
            }
            match (count > 1, dirty) {
                (true, true) => m.shared_dirty += page,
                (true, false) => m.shared_clean += page,
                (false, true) => m.private_dirty += page,
                (false, false) => m.private_clean += page,
            }
            if dirty {
                m.pss_dirty += share;
            }
            if flags.contains(PteFlags::A) {
                m.referenced += page;
                if anon {
                    m.pss_referenced += share;
                }
            }
            if cached {
                m.pss_swap_cached += share;
            }
            // A megapage, counted at its first page (the range holds it whole:
            // areas and their ends are never inside a megapage).
            let huge = super::huge_memory::HPAGE_PAGES;
            if anon && vpn.0.is_multiple_of(huge) && vpn.0 + huge <= hi.0 && self.pt.mega_leaf(*vpn).is_some() {
                m.anon_huge += page * huge as u64;
            }
        }
        m.hugetlb = self.hugetlb_bytes(start, end);
        for (_, slot) in self.swapped.range(lo..hi) {
            m.swap += page;
            m.swap_pss += (page << PSS_SHIFT) / Arc::strong_count(slot).max(1) as u64;
        }
        m
    }

    /// Pages swapped out of this space (status VmSwap, in pages).
    pub fn swapped_pages(&self) -> usize {
        self.swapped.len()
    }

    /// Page-table pages of this space (status VmPTE, in pages).
    pub fn page_table_pages(&self) -> usize {
        self.pt.table_pages()
    }
}
