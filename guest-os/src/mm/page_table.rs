//! Sv39 and Sv48 page tables (privileged spec 4.4, 4.5; the level count is
//! [`super::address::levels`]) with xv6-like named operations:
//! [`PageTable::walk`], [`PageTable::map`], [`PageTable::unmap`],
//! [`PageTable::translate`].
//!
//! A `PageTable` owns the frames of its own page-table pages (root and
//! intermediate) and frees them on drop. It does not own the frames its leaves
//! point to: the address space does. A user page table shares the kernel's
//! upper-half subtrees (root entries 256..512), which it does not own.

use super::address::{levels, PhysAddr, PhysPageNum, VirtAddr, VirtPageNum};
use super::frame::{frame_alloc, FrameTracker};
use alloc::vec::Vec;

/// PTE permission and status bits (privileged spec 4.3.1, Figure 4.18).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PteFlags(pub usize);

impl PteFlags {
    pub const V: PteFlags = PteFlags(1 << 0);
    pub const R: PteFlags = PteFlags(1 << 1);
    pub const W: PteFlags = PteFlags(1 << 2);
    pub const X: PteFlags = PteFlags(1 << 3);
    pub const U: PteFlags = PteFlags(1 << 4);
    pub const G: PteFlags = PteFlags(1 << 5);
    pub const A: PteFlags = PteFlags(1 << 6);
    pub const D: PteFlags = PteFlags(1 << 7);
    /// Software bit (RSW, bit 9; privileged spec 4.3.1 leaves bits 8-9 to
    /// software): a megapage leaf of a hugetlb area ([`super::hugetlb`]),
    /// never split and not counted as a transparent megapage. Not among
    /// the 8 bits [`PageTableEntry::flags`] returns.
    pub const HUGETLB: PteFlags = PteFlags(1 << 9);
    /// No bits.
    pub const fn empty() -> Self {
        PteFlags(0)
    }
    /// True if every bit of `other` is set in `self`.
    pub const fn contains(self, other: PteFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for PteFlags {
    type Output = PteFlags;
    fn bitor(self, o: PteFlags) -> PteFlags {
        PteFlags(self.0 | o.0)
    }
}

/// One Sv39/Sv48 page-table entry: PPN in bits 53..10, flags in 7..0.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct PageTableEntry(pub usize);

impl PageTableEntry {
    /// A PTE pointing to `ppn` with `flags`.
    pub fn new(ppn: PhysPageNum, flags: PteFlags) -> Self {
        PageTableEntry((ppn.0 << 10) | flags.0)
    }
    /// The physical page number.
    pub fn ppn(self) -> PhysPageNum {
        PhysPageNum((self.0 >> 10) & ((1 << 44) - 1))
    }
    /// The low 8 flag bits.
    pub fn flags(self) -> PteFlags {
        PteFlags(self.0 & 0xff)
    }
    /// V set.
    pub fn is_valid(self) -> bool {
        self.flags().contains(PteFlags::V)
    }
    /// A leaf (any of R, W, X set) rather than a pointer to the next level.
    pub fn is_leaf(self) -> bool {
        self.0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0) != 0
    }
}

/// Why a page-table operation failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No free frame for a page-table page.
    OutOfMemory,
    /// The page already has a valid leaf.
    AlreadyMapped,
    /// The page has no valid leaf.
    NotMapped,
    /// A huge-page leaf sits where a 4 KiB mapping was expected.
    HugePage,
    /// The overcommit policy refused the area's commit charge
    /// ([`super::commit`]; -ENOMEM, and no reclaim can help).
    NoCommit,
}

/// The bits of a leaf svos writes for permissions `flags`: V always. A
/// kernel leaf (U clear) also gets A, and D when writable, so the hart never
/// updates or faults on them (privileged spec 4.3.1: with Svade, an access
/// with A clear or a store with D clear raises a page fault). A user leaf
/// gets A and D only if `flags` carries them: svos leaves them clear when it
/// maps a page, and the hart sets them (Svadu) or faults so svos sets them
/// (Svade); reclaim reads them back ([`PageTable::test_and_clear_accessed`]).
fn leaf_flags(flags: PteFlags) -> PteFlags {
    let f = flags | PteFlags::V;
    if f.contains(PteFlags::U) {
        f
    } else if flags.contains(PteFlags::W) {
        f | PteFlags::A | PteFlags::D
    } else {
        f | PteFlags::A
    }
}

/// The PTE at `pte` as an atomic word: harts update A and D in it
/// concurrently (Svadu), so svos reads-and-modifies it atomically.
fn atomic(pte: &mut PageTableEntry) -> &core::sync::atomic::AtomicUsize {
    // SAFETY: a PTE is an aligned usize in a page-table page.
    unsafe { core::sync::atomic::AtomicUsize::from_ptr(&mut pte.0) }
}

/// The software bit (RSW, bit 8) that marks a non-valid PTE as a swap entry.
const SWAP_ENTRY: usize = 1 << 8;

/// An Sv39 or Sv48 page table.
pub struct PageTable {
    root: PhysPageNum,
    frames: Vec<FrameTracker>,
}

impl Drop for PageTable {
    /// The user megapage leaves of the table stop counting as mapped
    /// ([`super::huge_memory::leaf_removed`]); the table pages are freed
    /// with `frames`.
    fn drop(&mut self) {
        fn visit(table: PhysPageNum, level: usize, entries: core::ops::Range<usize>) {
            for i in entries {
                // SAFETY: a page-table page reachable from the root being dropped.
                let pte = unsafe { table.ptes_mut()[i] };
                if !pte.is_valid() {
                    continue;
                }
                if pte.is_leaf() {
                    if level == levels() - 2 && pte.flags().contains(PteFlags::U) {
                        super::huge_memory::leaf_removed(pte);
                    }
                } else if level < levels() - 2 {
                    visit(pte.ppn(), level + 1, 0..512);
                }
            }
        }
        // The lower half: the upper is the kernel's, shared, never U.
        visit(self.root, 0, 0..256);
    }
}

/// `sfence.vma` for one virtual address, all ASIDs.
#[inline]
pub fn sfence_vma(va: usize) {
    unsafe { core::arch::asm!("sfence.vma {0}, zero", in(reg) va) };
}

/// `sfence.vma` for everything.
#[inline]
pub fn sfence_vma_all() {
    unsafe { core::arch::asm!("sfence.vma") };
}

impl PageTable {
    /// An empty page table (one zeroed root page).
    pub fn new() -> Result<Self, MapError> {
        let root = frame_alloc().ok_or(MapError::OutOfMemory)?;
        Ok(PageTable { root: root.ppn(), frames: alloc::vec![root] })
    }

    /// A page table for a user process: empty lower half, upper half (root
    /// entries 256..512) shared with the kernel page table rooted at `kernel_root`.
    pub fn new_user(kernel_root: PhysPageNum) -> Result<Self, MapError> {
        let pt = Self::new()?;
        // SAFETY: both are page-table pages; the kernel root is never freed.
        unsafe {
            let dst = pt.root.ptes_mut();
            let src = kernel_root.ptes_mut();
            dst[256..].copy_from_slice(&src[256..]);
        }
        Ok(pt)
    }

    /// Page-table pages this table owns (root and intermediate levels).
    pub fn table_pages(&self) -> usize {
        self.frames.len()
    }

    /// The root page-table page.
    pub fn root(&self) -> PhysPageNum {
        self.root
    }

    /// The satp value selecting this table: MODE = 8 (Sv39) or 9 (Sv48), ASID 0.
    pub fn satp(&self) -> usize {
        let mode = if levels() == 4 { 9usize } else { 8 };
        (mode << 60) | self.root.0
    }

    /// Makes this the active page table (writes satp, then `sfence.vma`).
    ///
    /// # Safety
    /// The table must map the running kernel (code, stack, data) exactly as the
    /// current one does.
    pub unsafe fn activate(&self) {
        core::arch::asm!("csrw satp, {0}", "sfence.vma", in(reg) self.satp());
    }

    /// Finds the level-0 PTE for `vpn` without creating anything (xv6 `walk`
    /// with alloc = 0). `None` if an intermediate level is missing or a huge
    /// leaf covers the page.
    pub fn walk(&mut self, vpn: VirtPageNum) -> Option<&mut PageTableEntry> {
        let idx = vpn.indexes();
        let n = levels();
        let mut ppn = self.root;
        for (level, &i) in idx.iter().enumerate().take(n) {
            // SAFETY: ppn is a page-table page reachable from our root.
            let pte = unsafe { &mut ppn.ptes_mut()[i] };
            if level == n - 1 {
                return Some(pte);
            }
            if !pte.is_valid() || pte.is_leaf() {
                return None;
            }
            ppn = pte.ppn();
        }
        None
    }

    /// Finds the PTE for `vpn` at `depth` (0 = root, levels-2 = the 2 MiB
    /// level, levels-1 = the 4 KiB level), allocating intermediate tables on the way.
    pub fn walk_create_depth(&mut self, vpn: VirtPageNum, depth: usize) -> Result<&mut PageTableEntry, MapError> {
        let idx = vpn.indexes();
        let mut ppn = self.root;
        for (level, &i) in idx.iter().enumerate().take(levels()) {
            // SAFETY: ppn is a page-table page reachable from our root.
            let pte = unsafe { &mut ppn.ptes_mut()[i] };
            if level == depth {
                return Ok(pte);
            }
            if pte.is_valid() && pte.is_leaf() && level == levels() - 2 && depth == levels() - 1 && self.split_mega(vpn)
            {
                // A user megapage was over the 4 KiB page wanted: split now.
                return self.walk_create_depth(vpn, depth);
            }
            if !pte.is_valid() {
                let f = frame_alloc().ok_or(MapError::OutOfMemory)?;
                *pte = PageTableEntry::new(f.ppn(), PteFlags::V);
                self.frames.push(f);
            } else if pte.is_leaf() {
                return Err(MapError::HugePage);
            }
            ppn = pte.ppn();
        }
        Err(MapError::HugePage)
    }

    /// The table page and index of the level-1 (2 MiB) PTE over `vpn`
    /// (levels-2 in Sv48's count), whatever it holds; `None` if an upper
    /// level has no table.
    fn mega_index(&self, vpn: VirtPageNum) -> Option<(PhysPageNum, usize)> {
        let idx = vpn.indexes();
        let n = levels();
        let mut ppn = self.root;
        for &i in idx.iter().take(n - 2) {
            // SAFETY: ppn is a page-table page reachable from our root.
            let pte = unsafe { ppn.ptes_mut()[i] };
            if !pte.is_valid() || pte.is_leaf() {
                return None;
            }
            ppn = pte.ppn();
        }
        Some((ppn, idx[n - 2]))
    }

    /// The level-1 PTE over `vpn` (see [`Self::mega_index`]).
    fn mega_slot(&mut self, vpn: VirtPageNum) -> Option<&mut PageTableEntry> {
        let (ppn, i) = self.mega_index(vpn)?;
        // SAFETY: a page-table page of this table.
        Some(unsafe { &mut ppn.ptes_mut()[i] })
    }

    /// The user megapage leaf (a level-1 leaf with U, privileged spec
    /// 4.4.1) that maps `vpn`, if one does.
    pub fn mega_leaf(&self, vpn: VirtPageNum) -> Option<PageTableEntry> {
        let (ppn, i) = self.mega_index(vpn)?;
        // SAFETY: a page-table page of this table.
        let pte = unsafe { ppn.ptes_mut()[i] };
        (pte.is_valid() && pte.is_leaf() && pte.flags().contains(PteFlags::U)).then_some(pte)
    }

    /// True if the 2 MiB range of `vpn` has no PTE at all at level 1 (no
    /// megapage, no table of 4 KiB PTEs): where a megapage may be mapped.
    pub fn mega_slot_empty(&self, vpn: VirtPageNum) -> bool {
        // SAFETY: a page-table page of this table.
        self.mega_index(vpn).is_none_or(|(ppn, i)| unsafe { ppn.ptes_mut()[i].0 } == 0)
    }

    /// Splits the user megapage over `vpn` into 512 4 KiB PTEs with its
    /// permissions and its A and D bits (Linux's __split_huge_pmd), in a new
    /// table page; fences the range on this hart (other harts: the caller's
    /// shootdown; their cached megapage entry translates as the new PTEs do
    /// until then). With no frame for the table the megapage is only removed:
    /// the pages keep their frames and get 4 KiB PTEs at their next access
    /// (as the clock's unmapped pages do). Counts `thp_split_page`. False if
    /// no megapage maps `vpn`, or a hugetlb one ([`PteFlags::HUGETLB`]).
    pub fn split_mega(&mut self, vpn: VirtPageNum) -> bool {
        if self.mega_leaf(vpn).is_none_or(|pte| pte.0 & PteFlags::HUGETLB.0 != 0) {
            return false;
        }
        let table = frame_alloc();
        let Some(slot) = self.mega_slot(vpn) else { return false };
        // Taken out atomically: a hart setting A or D meanwhile either did
        // it before (kept) or walks again and faults (the kernel lock
        // orders it after this split).
        let old = PageTableEntry(atomic(slot).swap(0, core::sync::atomic::Ordering::Relaxed));
        if let Some(t) = table {
            // SAFETY: a fresh table page.
            let ptes = unsafe { t.ppn().ptes_mut() };
            for (i, pte) in ptes.iter_mut().enumerate() {
                *pte = PageTableEntry::new(PhysPageNum(old.ppn().0 + i), old.flags());
            }
            atomic(slot).store(PageTableEntry::new(t.ppn(), PteFlags::V).0, core::sync::atomic::Ordering::Relaxed);
            self.frames.push(t);
        }
        super::huge_memory::leaf_removed(old);
        sfence_vma(vpn.addr().0 & !(super::huge_memory::HPAGE_SIZE - 1));
        super::vmstat::THP_SPLIT_PAGE.inc();
        true
    }

    /// Removes the user megapage over `vpn` whole (munmap or MADV_DONTNEED of
    /// all of it: no split, as Linux's zap_huge_pmd) and returns its leaf;
    /// fences it on this hart.
    pub fn zap_mega(&mut self, vpn: VirtPageNum) -> Option<PageTableEntry> {
        self.mega_leaf(vpn)?;
        let slot = self.mega_slot(vpn)?;
        let old = PageTableEntry(atomic(slot).swap(0, core::sync::atomic::Ordering::Relaxed));
        sfence_vma(vpn.addr().0 & !(super::huge_memory::HPAGE_SIZE - 1));
        super::huge_memory::leaf_removed(old);
        Some(old)
    }

    /// Gives the user megapage over `vpn` the permissions `flags` (R, W, X
    /// and U), keeping its frame and its A and D bits; fences it on this hart.
    pub fn protect_mega(&mut self, vpn: VirtPageNum, flags: PteFlags) -> bool {
        if self.mega_leaf(vpn).is_none() {
            return false;
        }
        let Some(slot) = self.mega_slot(vpn) else { return false };
        let keep = PteFlags::A.0 | PteFlags::D.0 | PteFlags::V.0;
        let mut cur = slot.0;
        loop {
            let new = (cur & !0xff) | (cur & keep) | leaf_flags(flags).0;
            match atomic(slot).compare_exchange(
                cur,
                new,
                core::sync::atomic::Ordering::Relaxed,
                core::sync::atomic::Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => cur = now,
            }
        }
        sfence_vma(vpn.addr().0 & !(super::huge_memory::HPAGE_SIZE - 1));
        true
    }

    /// The 4 KiB PTE of `vpn` for a change that concerns that page alone:
    /// a megapage over it is split first ([`Self::split_mega`]).
    fn walk_split(&mut self, vpn: VirtPageNum) -> Option<&mut PageTableEntry> {
        self.split_mega(vpn);
        self.walk(vpn)
    }

    /// The leaf that maps `vpn`: its 4 KiB PTE, or the megapage over it
    /// (for the A and D bits, which a megapage keeps for all its pages).
    fn leaf_or_mega(&mut self, vpn: VirtPageNum) -> Option<&mut PageTableEntry> {
        if self.mega_leaf(vpn).is_some() {
            return self.mega_slot(vpn);
        }
        self.walk(vpn)
    }

    /// Maps the 4 KiB page `vpn` to `ppn` with `flags` (V is added; A, and D
    /// for writable pages, are preset so hardware never needs to set them).
    /// Issues `sfence.vma` for the page.
    pub fn map(&mut self, vpn: VirtPageNum, ppn: PhysPageNum, flags: PteFlags) -> Result<(), MapError> {
        self.map_leaf(vpn, ppn, flags, levels() - 1)
    }

    /// Maps a 2 MiB megapage at `vpn` (must be 2 MiB aligned, as must `ppn`)
    /// with `flags` | V | A (| D if writable). Privileged spec 4.3.2: a leaf
    /// at level 1 whose PPN[0] must be zero.
    pub fn map_mega(&mut self, vpn: VirtPageNum, ppn: PhysPageNum, flags: PteFlags) -> Result<(), MapError> {
        if !vpn.0.is_multiple_of(512) || !ppn.0.is_multiple_of(512) {
            return Err(MapError::HugePage);
        }
        self.map_leaf(vpn, ppn, flags, levels() - 2)?;
        if flags.contains(PteFlags::U) && !flags.contains(PteFlags::HUGETLB) {
            super::huge_memory::leaf_added(ppn);
        }
        Ok(())
    }

    /// Installs a leaf for `vpn` -> `ppn` at `depth` (see
    /// [`Self::walk_create_depth`]) with `flags` | V | A (| D if writable), so
    /// hardware never needs to set A or D, then fences the page.
    fn map_leaf(&mut self, vpn: VirtPageNum, ppn: PhysPageNum, flags: PteFlags, depth: usize) -> Result<(), MapError> {
        let pte = self.walk_create_depth(vpn, depth)?;
        if pte.is_valid() {
            return Err(MapError::AlreadyMapped);
        }
        *pte = PageTableEntry::new(ppn, leaf_flags(flags));
        sfence_vma(vpn.addr().0);
        Ok(())
    }

    /// Replaces the valid 4 KiB leaf of `vpn` with one pointing to `ppn` with
    /// `flags` | V | A (| D if writable), then fences the page on this hart
    /// (other harts: the caller's shootdown). Used to change a page's
    /// permissions or frame in place (copy-on-write). [`MapError::NotMapped`]
    /// if `vpn` has no valid 4 KiB leaf. A megapage over `vpn` is split
    /// first ([`Self::split_mega`]).
    pub fn remap(&mut self, vpn: VirtPageNum, ppn: PhysPageNum, flags: PteFlags) -> Result<(), MapError> {
        let pte = self.walk_split(vpn).ok_or(MapError::NotMapped)?;
        if !pte.is_valid() {
            return Err(MapError::NotMapped);
        }
        // Same frame: A and D stay (they record the page's use so far).
        let keep = if pte.ppn() == ppn { pte.0 & (PteFlags::A.0 | PteFlags::D.0) } else { 0 };
        let new = PageTableEntry::new(ppn, leaf_flags(flags | PteFlags(keep)));
        atomic(pte).store(new.0, core::sync::atomic::Ordering::Relaxed);
        sfence_vma(vpn.addr().0);
        Ok(())
    }

    /// Removes the mapping of `vpn` and returns the leaf it had (its frame,
    /// which the caller owns and frees, and its final A/D bits). Issues
    /// `sfence.vma` for the page. A megapage over `vpn` is split first.
    pub fn unmap(&mut self, vpn: VirtPageNum) -> Result<PageTableEntry, MapError> {
        let pte = self.walk_split(vpn).ok_or(MapError::NotMapped)?;
        if !pte.is_valid() {
            return Err(MapError::NotMapped);
        }
        let old = PageTableEntry(atomic(pte).swap(0, core::sync::atomic::Ordering::Relaxed));
        sfence_vma(vpn.addr().0);
        Ok(old)
    }

    /// Clears A in the valid 4 KiB leaf of `vpn` (or the megapage over it,
    /// for all its 512 pages, without splitting it) and returns whether it was
    /// set (Linux's ptep_test_and_clear_young), fencing the page on this
    /// hart when it was: a hart keeps using a cached entry with A set and
    /// never sets A again. The other harts: the caller's shootdown.
    pub fn test_and_clear_accessed(&mut self, vpn: VirtPageNum) -> bool {
        let young = match self.leaf_or_mega(vpn) {
            Some(pte) if pte.is_valid() => {
                atomic(pte).fetch_and(!PteFlags::A.0, core::sync::atomic::Ordering::Relaxed) & PteFlags::A.0 != 0
            }
            _ => false,
        };
        if young {
            sfence_vma(vpn.addr().0);
        }
        young
    }

    /// Sets A, and D if `dirty`, in the valid 4 KiB leaf of `vpn` or the
    /// megapage over it (what the
    /// hart does under Svadu; svos does it for Svade faults and for its own
    /// writes through the direct map). False if `vpn` has no valid leaf.
    pub fn set_accessed(&mut self, vpn: VirtPageNum, dirty: bool) -> bool {
        let bits = if dirty { PteFlags::A.0 | PteFlags::D.0 } else { PteFlags::A.0 };
        match self.leaf_or_mega(vpn) {
            Some(pte) if pte.is_valid() => {
                atomic(pte).fetch_or(bits, core::sync::atomic::Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// Replaces the valid leaf of `vpn` by a swap entry for `slot` (a
    /// megapage over it is split first: swap is per 4 KiB page, as Linux
    /// splits a THP before swap-out; see
    /// [`Self::set_swap_entry`]) in one atomic exchange, and returns the old
    /// leaf: its D bit is final once every hart has flushed the page (a
    /// store through a cached entry with D clear must walk, and finds the
    /// swap entry). Fences the page on this hart (every ASID: this hart may
    /// have run the space before); the other harts: the caller's shootdown.
    pub fn replace_with_swap_entry(&mut self, vpn: VirtPageNum, slot: usize) -> Option<PageTableEntry> {
        let pte = self.walk_split(vpn)?;
        if !pte.is_valid() {
            return None;
        }
        let old = PageTableEntry(atomic(pte).swap((slot << 10) | SWAP_ENTRY, core::sync::atomic::Ordering::Relaxed));
        sfence_vma(vpn.addr().0);
        Some(old)
    }

    /// Replaces the 4 KiB PTE of `vpn` (valid or not) by a swap entry for
    /// swap slot `slot`: V clear, so any access faults (privileged spec
    /// 4.3.1: with V = 0 the other bits are free for software), bit 8 (the
    /// first RSW bit) set to tell it from an empty PTE, the slot number in
    /// the PPN field. Allocates table pages if the page has none.
    pub fn set_swap_entry(&mut self, vpn: VirtPageNum, slot: usize) -> Result<(), MapError> {
        let pte = self.walk_create_depth(vpn, levels() - 1)?;
        *pte = PageTableEntry((slot << 10) | SWAP_ENTRY);
        Ok(())
    }

    /// The swap slot of `vpn`'s PTE if it is a swap entry (see [`Self::set_swap_entry`]).
    pub fn swap_entry(&mut self, vpn: VirtPageNum) -> Option<usize> {
        let pte = *self.walk(vpn)?;
        (!pte.is_valid() && pte.0 & SWAP_ENTRY != 0).then(|| pte.ppn().0)
    }

    /// Clears the PTE of `vpn` if it is a swap entry (no fence needed: an
    /// invalid PTE is never cached).
    pub fn clear_swap_entry(&mut self, vpn: VirtPageNum) {
        if let Some(pte) = self.walk(vpn) {
            if !pte.is_valid() && pte.0 & SWAP_ENTRY != 0 {
                *pte = PageTableEntry(0);
            }
        }
    }

    /// Translates `va` in software: the physical address and the leaf's flags,
    /// or `None` if unmapped. Handles 4 KiB, 2 MiB and 1 GiB leaves.
    pub fn translate(&self, va: VirtAddr) -> Option<(PhysAddr, PteFlags)> {
        let vpn = VirtAddr(va.0).floor();
        let idx = vpn.indexes();
        let n = levels();
        let mut ppn = self.root;
        for (level, &i) in idx.iter().enumerate().take(n) {
            // SAFETY: ppn is a page-table page reachable from our root.
            let pte = unsafe { ppn.ptes_mut()[i] };
            if !pte.is_valid() {
                return None;
            }
            if pte.is_leaf() {
                let shift = 12 + 9 * (n - 1 - level);
                let mask = (1usize << shift) - 1;
                let pa = (pte.ppn().0 << 12) & !mask | (va.0 & mask);
                return Some((PhysAddr(pa), pte.flags()));
            }
            if level == n - 1 {
                return None;
            }
            ppn = pte.ppn();
        }
        None
    }
}
