//! The area operations behind brk, mmap, munmap and mprotect (Linux's
//! mm/mmap.c and mprotect.c) on an address space: creating areas, resizing
//! the heap, removing and re-protecting ranges (splitting areas), and the
//! frames and swap slots of the pages they drop.

use super::addr_space::AddrSpace;
use super::address::{page_ceil, page_floor, PhysPageNum, VirtAddr, VirtPageNum, PAGE_SIZE, USER_TOP};
use super::cow::PageFrame;
use super::page_table::{MapError, PteFlags};
use super::vma::{FileMap, Vma, VmaError, VmaKind};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Why [`AddrSpace::protect_anon`] refused a range.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProtectError {
    /// A page of the range is in no area.
    Unmapped,
    /// A page of the range is in an ELF, heap or stack area.
    NotAnonymous,
    /// Splitting areas would exceed [`super::vma::MAX_MAP_COUNT`], or the
    /// commit charge of making private pages writable was refused (both -ENOMEM).
    TooManyAreas,
}

impl AddrSpace {
    /// Records the area `[start, end)` (rounded out to pages) with user
    /// permissions `perm`. ELF areas get zeroed frames at once; the other
    /// kinds at the first access to each page ([`Self::handle_fault`]). Fails
    /// without leaving a partial mapping if the range is empty or leaves the
    /// user half ([`MapError::NotMapped`]), overlaps another area
    /// ([`MapError::AlreadyMapped`]), the space has
    /// [`super::vma::MAX_MAP_COUNT`] areas already or memory runs out
    /// ([`MapError::OutOfMemory`]), or the overcommit policy refuses the
    /// commit charge of a private writable area ([`MapError::NoCommit`],
    /// [`super::commit`]).
    pub fn map_area(&mut self, start: usize, end: usize, perm: PteFlags, kind: VmaKind) -> Result<(), MapError> {
        self.map_vma(start, end, perm, kind, None)
    }

    /// Records a file-backed area `[start, end)` (page aligned) over `file`
    /// with user permissions `perm`: its pages come from the file's page
    /// cache at their first access ([`Self::handle_fault`]). Errors as
    /// [`Self::map_area`].
    pub fn map_file(&mut self, start: usize, end: usize, perm: PteFlags, file: FileMap) -> Result<(), MapError> {
        self.map_vma(start, end, perm, VmaKind::File, Some(file))
    }

    /// Records an ELF segment's file part `[start, end)` (page aligned) as a
    /// private mapping of `file` (pages from the page cache at their first
    /// access, copied at their first store). Errors as [`Self::map_area`].
    pub fn map_elf_file(&mut self, start: usize, end: usize, perm: PteFlags, file: FileMap) -> Result<(), MapError> {
        self.map_vma(start, end, perm, VmaKind::Elf, Some(file))
    }

    fn map_vma(
        &mut self,
        start: usize,
        end: usize,
        perm: PteFlags,
        kind: VmaKind,
        file: Option<FileMap>,
    ) -> Result<(), MapError> {
        let (s, e) = (page_floor(start), page_ceil(end));
        if e > USER_TOP || s >= e {
            return Err(MapError::NotMapped);
        }
        if !self.vmas.is_free(s, e) {
            return Err(MapError::AlreadyMapped);
        }
        if self.vmas.len() >= super::vma::MAX_MAP_COUNT {
            return Err(MapError::OutOfMemory);
        }
        if kind == VmaKind::Elf && file.is_none() {
            self.populate(s, e, perm)?;
        }
        let locked = self.lock_future;
        let huge = super::vma::VmaHuge::Default;
        let account = Vma::accountable(perm, file.as_ref());
        if let Err(err) = self.vmas.insert(Vma { start: s, end: e, perm, kind, file, locked, account, huge }) {
            self.depopulate(s, e);
            return Err(if err == VmaError::NoCommit { MapError::NoCommit } else { MapError::OutOfMemory });
        }
        // A locked one (mlockall(MCL_FUTURE)) is populated by the caller
        // (mmap), as mlock's pages are.
        Ok(())
    }

    /// The area containing user address `va`, if any (O(log n)).
    pub fn vma_at(&self, va: usize) -> Option<&Vma> {
        self.vmas.find(va)
    }

    /// Maps zeroed frames over `[s, e)` (page aligned), all or nothing.
    fn populate(&mut self, s: usize, e: usize, perm: PteFlags) -> Result<(), MapError> {
        let mut va = s;
        while va < e {
            if self.populate_page(VirtAddr(va).floor(), perm).is_err() {
                self.depopulate(s, va);
                return Err(MapError::OutOfMemory);
            }
            va += PAGE_SIZE;
        }
        Ok(())
    }

    /// Unmaps and frees the frames over `[s, e)` (page aligned): unmaps
    /// them (flushing this hart's TLB per page), has every other hart that
    /// may cache them flush its TLB, then frees them. Swap entries of the
    /// range are cleared and their slots freed.
    pub(super) fn depopulate(&mut self, s: usize, e: usize) {
        if s >= e {
            return;
        }
        // Megapages: the ones covered in part are split, the whole ones go at once.
        self.split_huge_edges(s, e);
        self.zap_huge_range(s, e);
        let (first, end) = (VirtAddr(s).floor(), VirtAddr(e).ceil());
        for vpn in take_range(&mut self.swapped, first, end).into_keys() {
            self.pt.clear_swap_entry(vpn);
        }
        // Taken out of the map without copying keys: a range of any size
        // costs the heap only a few B-tree nodes.
        let freed = take_range(&mut self.frames, first, end);
        for vpn in freed.keys() {
            let _ = self.pt.unmap(*vpn);
        }
        let hugetlb = self.take_hugetlb(s, e);
        if !freed.is_empty() || !hugetlb.is_empty() {
            self.shootdown();
        }
        drop(freed);
        drop(hugetlb);
    }

    /// Moves the end of the brk heap (`kind` must be [`VmaKind::Heap`]) from
    /// its current end to `new_end` (page aligned): growing only extends the
    /// area (its pages get frames at their first access), shrinking frees
    /// the pages beyond the new end. Creates the area at `start` if it does
    /// not exist yet. [`MapError::AlreadyMapped`] if growing would overlap
    /// another area or leave the user half.
    pub fn resize_area(&mut self, kind: VmaKind, start: usize, new_end: usize, perm: PteFlags) -> Result<(), MapError> {
        if kind != VmaKind::Heap || new_end > USER_TOP {
            return Err(MapError::AlreadyMapped);
        }
        let (s, old_end) = self.vmas.heap().unwrap_or((start, start));
        self.vmas.resize_heap(start, new_end, perm).map_err(|e| match e {
            VmaError::TooMany => MapError::OutOfMemory,
            VmaError::NoCommit => MapError::NoCommit,
            _ => MapError::AlreadyMapped,
        })?;
        if new_end < old_end {
            self.depopulate(new_end.max(s), old_end);
        }
        Ok(())
    }

    /// True if no area overlaps `[s, e)`.
    pub fn is_free(&self, s: usize, e: usize) -> bool {
        self.vmas.is_free(s, e)
    }

    /// The highest page-aligned start of a free range of `len` bytes (page
    /// aligned, non-zero) inside `[lo, hi)`, searching down from `hi` (as
    /// Linux places mmap areas below the stack), or `None`. See
    /// [`super::vma::VmaSet::find_free`] for its cost.
    pub fn find_free(&mut self, len: usize, lo: usize, hi: usize) -> Option<usize> {
        self.vmas.find_free(len, lo, hi)
    }

    /// Removes `[s, e)` (page aligned) from the areas mmap made (anonymous
    /// and file mappings), splitting those that straddle an end, and frees
    /// its frames (with a TLB shootdown; page-cache frames stay in the
    /// cache). Ranges without areas are fine. Nothing changes on an
    /// error: [`MapError::AlreadyMapped`] if an ELF, heap or stack area
    /// overlaps the range, [`MapError::OutOfMemory`] if a split would exceed
    /// [`super::vma::MAX_MAP_COUNT`].
    pub fn unmap_anon(&mut self, s: usize, e: usize) -> Result<(), MapError> {
        self.vmas.remove_range(s, e).map_err(|err| match err {
            VmaError::TooMany => MapError::OutOfMemory,
            _ => MapError::AlreadyMapped,
        })?;
        self.depopulate(s, e);
        Ok(())
    }

    /// Whether [`Self::unmap_anon`] over `[s, e)` would succeed (as a
    /// whole): the same errors, nothing changed.
    pub fn check_unmap_anon(&self, s: usize, e: usize) -> Result<(), MapError> {
        if self.vmas.fixed_overlaps(s, e) {
            return Err(MapError::AlreadyMapped);
        }
        // Only an area straddling both ends adds one.
        let splits = usize::from(self.vmas.splits(s, e) == 1 && self.vmas.find(s).is_some_and(|v| e < v.end));
        if self.vmas.len() + splits > super::vma::MAX_MAP_COUNT {
            return Err(MapError::OutOfMemory);
        }
        Ok(())
    }

    /// The end of a bounded first step of unmapping `[s, e)`: at most
    /// `areas` areas and `pages` pages of address range from the first area
    /// of the range on (empty stretches cost nothing), page aligned.
    pub fn unmap_step_end(&self, s: usize, e: usize, areas: usize, pages: usize) -> usize {
        let mut it = self.vmas.overlapping(s, e);
        let Some(first) = it.next() else { return e };
        // Steps end on a megapage boundary, so that none is split for them.
        let mut end =
            first.start.max(s).saturating_add(pages * PAGE_SIZE).next_multiple_of(super::huge_memory::HPAGE_SIZE);
        if let Some(v) = self.vmas.overlapping(s, e).nth(areas) {
            end = end.min(v.start);
        }
        end.min(e).max(s + PAGE_SIZE)
    }

    /// Gives the anonymous and ELF areas over `[s, e)` (page aligned) the user
    /// permissions `perm` (possibly none), splitting areas that straddle an
    /// end, and rewrites the PTEs of the pages that have frames: a shared
    /// (copy-on-write) frame stays read-only, a page with no permission
    /// keeps its frame but loses its PTE. Other harts that ran the space
    /// flush their TLBs. Nothing changes on an error: a page of the range
    /// outside every area, or in a heap or stack area, or too many areas.
    pub fn protect_anon(&mut self, s: usize, e: usize, perm: PteFlags) -> Result<(), ProtectError> {
        // ELF segments too: C libraries make their RELRO part read-only after start-up.
        self.vmas.protect_range(s, e, perm, &[VmaKind::Anon, VmaKind::Elf, VmaKind::File]).map_err(
            |err| match err {
                VmaError::Unmapped => ProtectError::Unmapped,
                VmaError::TooMany | VmaError::NoCommit => ProtectError::TooManyAreas,
                _ => ProtectError::NotAnonymous,
            },
        )?;
        let (first, last) = (VirtAddr(s).floor(), VirtAddr(e - 1).floor());
        let pages: Vec<(VirtPageNum, PhysPageNum, bool)> = self
            .frames
            .range(first..=last)
            .map(|(vpn, f)| (*vpn, f.ppn(), matches!(f, PageFrame::Shared(_))))
            .collect();
        let rwx = PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0;
        // A megapage covered in part is split; one covered whole keeps its leaf.
        self.split_huge_edges(s, e);
        for (vpn, ppn, shared) in pages {
            let eff = if shared { PteFlags(perm.0 & rwx & !PteFlags::W.0) } else { PteFlags(perm.0 & rwx) };
            if eff.0 != 0 && self.pt.mega_leaf(vpn).is_some() {
                if vpn.0.is_multiple_of(super::huge_memory::HPAGE_PAGES) {
                    self.pt.protect_mega(vpn, eff | PteFlags::U);
                }
                continue;
            }
            let mapped = self.pt.translate(vpn.addr()).is_some();
            // The page's table pages exist (it had a PTE once, or fork made
            // them), so none of these allocates and none fails.
            let _ = match (eff.0 == 0, mapped) {
                (true, true) => self.pt.unmap(vpn).map(|old| {
                    // The PTE (and its D bit) goes: a written page's swap copy is stale.
                    if old.flags().contains(PteFlags::D) {
                        if let Some(PageFrame::Private(_, copy)) = self.frames.get_mut(&vpn) {
                            *copy = None;
                        }
                    }
                }),
                (true, false) => Ok(()),
                (false, true) => self.pt.remap(vpn, ppn, eff | PteFlags::U),
                (false, false) => self.pt.map(vpn, ppn, eff | PteFlags::U),
            };
        }
        self.protect_hugetlb(s, e, perm);
        self.shootdown();
        Ok(())
    }
}

/// Removes and returns the entries of `map` with keys in `[first, end)`.
fn take_range<V>(map: &mut BTreeMap<VirtPageNum, V>, first: VirtPageNum, end: VirtPageNum) -> BTreeMap<VirtPageNum, V> {
    map.extract_if(first..end, |_, _| true).collect()
}
