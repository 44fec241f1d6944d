//! Page faults (Linux's mm/memory.c): resolving an instruction, load or
//! store/AMO page fault of a user address (privileged spec 4.1.9, 4.3.2) by
//! mapping a zeroed frame (demand-zero, a *minor fault*), mapping a resident
//! frame again, copying a copy-on-write frame ([`super::cow`]) or reading a
//! swapped-out page back (a *major fault*), and the frame allocation for
//! user pages with its watermark and reclaim.

use super::addr_space::AddrSpace;
use super::address::{page_floor, VirtAddr, VirtPageNum, USER_TOP};
use super::cow::PageFrame;
use super::frame::{frame_alloc, FrameTracker};
use super::page_table::{MapError, PteFlags};
use super::swap;
use super::vma::Vma;
use super::PAGE_SIZE;
use crate::drivers::trace::How;

/// The kind of memory access that faulted (privileged spec 4.1.9, Table
/// 4.2: scause 12 instruction, 13 load, 15 store/AMO page fault).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch: needs X.
    Fetch,
    /// Load (or a kernel read of user memory): needs R.
    Load,
    /// Store or AMO (or a kernel write to user memory): needs W.
    Store,
}

impl Access {
    /// The access of a page-fault exception code (12, 13, 15), or `None`
    /// for any other code.
    pub fn of_page_fault(code: usize) -> Option<Access> {
        match code {
            12 => Some(Access::Fetch),
            13 => Some(Access::Load),
            15 => Some(Access::Store),
            _ => None,
        }
    }
    /// The PTE permission bit this access needs.
    pub fn needs(self) -> PteFlags {
        match self {
            Access::Fetch => PteFlags::X,
            Access::Load => PteFlags::R,
            Access::Store => PteFlags::W,
        }
    }
}

/// Why a page fault could not be resolved.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No area contains the address, or its permissions refuse the access:
    /// a segmentation violation (SIGSEGV).
    Segv,
    /// No free frame for the page (or for a page-table page).
    OutOfMemory,
}

/// How a page fault was resolved.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A zeroed frame was mapped, or a resident frame mapped again: a minor fault.
    Minor,
    /// The page was read back from its swap slot: a major fault.
    Major,
    /// The page was mapped with the needed permission but A was clear (or D,
    /// for a store): the hart does not update them (Svade), so svos set
    /// them, as Linux's handle_pte_fault does (pte_mkyoung, pte_mkdirty).
    AccessedDirty,
    /// The page was already mapped with the needed permission (a stale TLB
    /// entry of this hart): fenced, nothing mapped, not counted.
    Spurious,
}

impl AddrSpace {
    /// Resolves a page fault at user address `va` for `access` (privileged
    /// spec 4.3.2: the walk found no valid leaf, or one refusing the access).
    ///
    /// An address below the stack area, within [`super::vma::STACK_RLIMIT`]
    /// of its top and [`super::vma::STACK_GUARD_GAP`] above the next lower
    /// area, first grows the stack down to it.
    ///
    /// If an area contains `va` and its permissions allow `access`, the page
    /// gets a zeroed frame mapped with the area's permissions, A and D clear
    /// (the retried access sets them, or faults again under Svade:
    /// [`Resolved::AccessedDirty`]), and this hart's TLB entry for it
    /// fenced: [`Resolved::Minor`]. A store to
    /// a copy-on-write page (mapped read-only in a writable area, since a
    /// fork) is also a minor fault: if no other space shares the frame any
    /// more, W is restored; otherwise the page gets a copy of the frame. A
    /// page already mapped with the needed permission is a stale TLB entry:
    /// fenced, [`Resolved::Spurious`]. A resident page whose PTE the clock
    /// removed is mapped again (minor); a swapped-out page is read back
    /// ([`Resolved::Major`]). Otherwise [`FaultError::Segv`];
    /// [`FaultError::OutOfMemory`] when no frame is free (nor can be made
    /// free by swapping), or the swap disk fails.
    pub fn handle_fault(&mut self, va: usize, access: Access) -> Result<Resolved, FaultError> {
        if va >= USER_TOP {
            return Err(FaultError::Segv);
        }
        // Below the stack: it grows down to the page, within its limit and
        // guard gap (Linux's expand_stack).
        if self.vmas.find(va).is_none() && !self.vmas.grow_stack(page_floor(va)) {
            return Err(FaultError::Segv);
        }
        let vma = self.vmas.find(va).ok_or(FaultError::Segv)?.clone();
        if !vma.perm.contains(access.needs()) {
            return Err(FaultError::Segv);
        }
        if vma.huge == super::vma::VmaHuge::Hugetlb {
            return self.hugetlb_fault(va, access, &vma);
        }
        let vpn = VirtAddr(va).floor();
        if self.frames.contains_key(&vpn) {
            match self.pt.translate(VirtAddr(va)) {
                Some((_, flags)) if flags.contains(access.needs() | PteFlags::U) => {
                    let dirty = access == Access::Store;
                    let missing = !flags.contains(PteFlags::A) || (dirty && !flags.contains(PteFlags::D));
                    if missing {
                        self.pt.set_accessed(vpn, dirty);
                    }
                    super::page_table::sfence_vma(page_floor(va));
                    if missing {
                        super::vmstat::AD_FAULTS.inc();
                        crate::drivers::trace::resolved_as(How::AccessedDirty);
                        return Ok(Resolved::AccessedDirty);
                    }
                    crate::drivers::trace::resolved_as(How::Spurious);
                    return Ok(Resolved::Spurious);
                }
                Some(_) if access == Access::Store && !matches!(self.frames.get(&vpn), Some(PageFrame::Cache(_))) => {
                    self.break_cow(vpn, vma.perm)?;
                    crate::drivers::trace::resolved_as(How::CowCopy);
                    self.usage.minor_faults += 1;
                    return Ok(Resolved::Minor);
                }
                Some(_) => return Err(FaultError::Segv),
                None => {}
            }
        }
        let resolved = self.fault_in(vpn, &vma)?;
        // A store to a private file page just read in: copied at once (one
        // fault, as Linux's do_cow_fault), so the file never sees it.
        if access == Access::Store && vma.file.is_some() && matches!(self.frames.get(&vpn), Some(PageFrame::Shared(_)))
        {
            self.break_cow(vpn, vma.perm)?;
            crate::drivers::trace::resolved_as(How::CowCopy);
        }
        Ok(resolved)
    }

    /// Gives page `vpn` of area `vma` a valid PTE: maps its resident frame
    /// again (read-only if shared copy-on-write), reads it back from its
    /// swap slot (a major fault), maps its file page from the page cache
    /// (read in first if not cached: a *file read*; writable for
    /// MAP_SHARED, read-only copy-on-write for MAP_PRIVATE, with the
    /// fault-around of [`Self::fault_around`]; a minor fault, as the initrd
    /// is memory), or maps a fresh zeroed frame (a minor fault), and counts
    /// the fault.
    pub(super) fn fault_in(&mut self, vpn: VirtPageNum, vma: &Vma) -> Result<Resolved, FaultError> {
        let perm = vma.perm;
        if perm.0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0) == 0 {
            return Err(FaultError::Segv);
        }
        if vma.huge == super::vma::VmaHuge::Hugetlb {
            return self.hugetlb_fault(vpn.addr().0, Access::Load, vma);
        }
        self.before_fault(vpn);
        if let Some(frame) = self.frames.get(&vpn) {
            let eff = match frame {
                PageFrame::Shared(_) => PteFlags(perm.0 & !PteFlags::W.0),
                PageFrame::Private(..) | PageFrame::Cache(_) => perm,
            };
            // The page had a PTE before, so its table pages exist: no allocation.
            self.pt.map(vpn, frame.ppn(), eff | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
            crate::drivers::trace::resolved_as(How::Remap);
            self.usage.minor_faults += 1;
            super::vmstat::PGFAULT_MINOR.inc();
            return Ok(Resolved::Minor);
        }
        if let Some(slot) = self.swapped.get(&vpn).cloned() {
            if self.pt.swap_entry(vpn) != Some(slot.number()) {
                panic!("swap entry of page {:#x} disagrees with slot {}", vpn.addr().0, slot.number());
            }
            let mut frame = self.alloc_user_frame().ok_or(FaultError::OutOfMemory)?;
            slot.read(frame.bytes_mut()).ok_or(FaultError::OutOfMemory)?;
            crate::drivers::trace::swap_in(self.asid, vpn.addr().0, slot.number());
            self.pt.map(vpn, frame.ppn(), perm | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
            // The slot stays with the page as its swap cache copy: while the
            // PTE's D bit stays clear, evicting it again needs no write. Not
            // when swap is over half full (Linux's vm_swap_full): the slot
            // is freed then (with its last reference).
            self.swapped.remove(&vpn);
            let copy = (!swap::nearly_full()).then_some(slot);
            self.frames.insert(vpn, PageFrame::Private(frame, copy));
            self.note_loaded(vpn);
            self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
            self.usage.major_faults += 1;
            super::vmstat::PGMAJFAULT.inc();
            crate::drivers::trace::resolved_as(How::SwapIn);
            return Ok(Resolved::Major);
        }
        if vma.file.is_some() {
            self.map_file_page(vpn, vma)?;
            if !vma.file.as_ref().is_some_and(|f| f.shared) {
                self.fault_around(vpn, vma);
            }
            crate::drivers::trace::resolved_as(How::FileRead);
            self.usage.minor_faults += 1;
            super::vmstat::PGFAULT_MINOR.inc();
            return Ok(Resolved::Minor);
        }
        // A transparent megapage, where the area and the policy allow one.
        if let Some(resolved) = self.huge_fault(vpn, vma) {
            crate::drivers::trace::resolved_as(How::ZeroFill);
            self.usage.minor_faults += 1;
            super::vmstat::PGFAULT_MINOR.inc();
            return Ok(resolved);
        }
        self.map_fresh(vpn, perm).map_err(|_| FaultError::OutOfMemory)?;
        crate::drivers::trace::resolved_as(How::ZeroFill);
        self.usage.minor_faults += 1;
        super::vmstat::PGFAULT_MINOR.inc();
        Ok(Resolved::Minor)
    }

    /// Maps page `vpn` of file-backed area `vma` to its file page in the
    /// page cache (read in if not cached): writable for MAP_SHARED (the
    /// page counts as dirty then), read-only copy-on-write for MAP_PRIVATE.
    /// [`FaultError::Segv`] for a page wholly past the end of the file
    /// (Linux: SIGBUS), [`FaultError::OutOfMemory`] when no frame is free.
    fn map_file_page(&mut self, vpn: VirtPageNum, vma: &Vma) -> Result<(), FaultError> {
        let (Some(fm), Some(index)) = (vma.file.as_ref(), vma.file_page(vpn.addr().0)) else {
            return Err(FaultError::Segv);
        };
        let perm = vma.perm;
        let writable_shared = fm.shared && perm.contains(PteFlags::W);
        let (frame, _read_in) = {
            let mut file = fm.file.lock();
            if index >= file.len().div_ceil(PAGE_SIZE) {
                return Err(FaultError::Segv);
            }
            file.cache.page(index, writable_shared).ok_or(FaultError::OutOfMemory)?
        };
        let ppn = frame.frame.ppn();
        let (eff, pf) = if fm.shared {
            (perm, PageFrame::Cache(frame))
        } else {
            (PteFlags(perm.0 & !PteFlags::W.0), PageFrame::Shared(frame))
        };
        self.pt.map(vpn, ppn, eff | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
        self.frames.insert(vpn, pf);
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        Ok(())
    }

    /// Fault-around for a private file mapping (Linux's do_fault_around
    /// with its readahead, fault_around_bytes = 64 KiB): after a file
    /// fault at `vpn`, the other pages of the aligned 64 KiB window that lie
    /// in `vma`, inside the file and without a frame, PTE or swap slot are
    /// mapped too (read-only, copy-on-write), read into the page cache if
    /// needed, so a program's text and data fault once per window rather
    /// than once per page. Not counted as faults; stops when frames run short.
    fn fault_around(&mut self, vpn: VirtPageNum, vma: &Vma) {
        const WINDOW: usize = 16;
        let first = vpn.0 & !(WINDOW - 1);
        for v in (first..first + WINDOW).map(VirtPageNum) {
            let va = v.addr().0;
            if v == vpn || va < vma.start || va >= vma.end {
                continue;
            }
            if self.frames.contains_key(&v) || self.swapped.contains_key(&v) || self.pt.translate(v.addr()).is_some() {
                continue;
            }
            match self.map_file_page(v, vma) {
                Ok(()) | Err(FaultError::Segv) => {}
                Err(FaultError::OutOfMemory) => break,
            }
        }
    }

    /// Maps a zeroed frame at `vpn` with `perm | U` and records it.
    pub(super) fn map_fresh(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<(), MapError> {
        let f = self.alloc_user_frame().ok_or(MapError::OutOfMemory)?;
        self.pt.map(vpn, f.ppn(), perm | PteFlags::U)?;
        self.frames.insert(vpn, PageFrame::private(f));
        self.note_loaded(vpn);
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        Ok(())
    }

    /// A frame for a user page. At most the low watermark of free frames
    /// ([`super::frame::watermarks`]), clean page-cache pages are dropped
    /// ([`super::filemap::shrink`]); if that is not enough and swap is on, pages of this space are
    /// evicted ([`Self::swap_out_one`]) until the high watermark is
    /// reached or none can be. A user page never takes a frame at or below
    /// the min watermark: those are the kernel's (page tables, kernel
    /// stacks, heap, DMA), so kernel allocations find frames while user
    /// memory is reclaimed or its owner killed. `None` when no frame is free
    /// above min.
    pub(super) fn alloc_user_frame(&mut self) -> Option<FrameTracker> {
        let (min, low, high) = super::frame::watermarks();
        if super::frame::stats().0 <= low {
            // Clean page-cache pages first: no I/O.
            super::filemap::shrink(high);
        }
        if swap::active() && super::frame::stats().0 <= low {
            while super::frame::stats().0 < high && self.swap_out_one() {}
        }
        if super::frame::stats().0 <= min {
            return None;
        }
        frame_alloc()
    }
}
