//! Page faults (Linux's mm/memory.c): resolving an instruction, load or
//! store/AMO page fault of a user address (privileged spec 4.1.9, 4.3.2) by
//! mapping a zeroed frame (demand-zero, a *minor fault*), mapping a resident
//! frame again, copying a copy-on-write frame ([`super::cow`]) or reading a
//! swapped-out page back (a *major fault*), and the frame allocation for
//! user pages with its watermark and reclaim.

use super::addr_space::AddrSpace;
use super::address::{page_floor, VirtAddr, VirtPageNum, USER_TOP};
use super::cow::{PageFrame, SharedFrame};
use super::frame::{frame_alloc, FrameTracker};
use super::page_table::PteFlags;
use super::swap::{self, SwapSlot};
use super::swap_cache::{self, Lookup};
use super::vma::Vma;
use super::PAGE_SIZE;
use crate::drivers::trace::How;
use crate::drivers::virtio_blk::{self, ReqId};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Most pages a major fault reads in one request: the faulting page and
/// the following pages of its space whose slots follow its slot (Linux's
/// swap read-ahead, page-cluster 3: 8 pages).
pub const READAHEAD_PAGES: usize = 8;

/// A page being read back from swap (or read, not yet mapped): the frame
/// the disk fills, in the swap cache with its slot as its copy, and the
/// request.
#[derive(Debug)]
pub(super) struct Reading {
    page: Arc<SharedFrame>,
    req: ReqId,
}

impl Reading {
    /// Gives the page to swap, which lets go of it once the disk is done
    /// with it (the space is going away).
    pub(super) fn orphan(self) {
        swap::orphan_read(self.req, self.page);
    }

    /// The slot being read.
    fn slot(&self) -> Option<Arc<SwapSlot>> {
        self.page.copy.lock().clone()
    }
}

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
    /// The page needs disk request `.0` to complete first (its swap-in, the
    /// write of its slot, or the writes of direct reclaim that free
    /// frames): the caller waits for it without the kernel lock
    /// ([`crate::proc::sched::wait_io`]) and handles the fault again.
    Wait(ReqId),
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
        // A store to a private file page just read in, or to a page found
        // in the swap cache (mapped read-only): copied, or taken over if no
        // one else refers to it, in the same fault (as Linux's do_cow_fault,
        // and do_swap_page's call of do_wp_page), so the file never sees
        // it and the store does not fault twice.
        if access == Access::Store && matches!(self.frames.get(&vpn), Some(PageFrame::Shared(_))) {
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
            return self.swap_in(vpn, slot, perm);
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
        self.map_fresh(vpn, perm)?;
        crate::drivers::trace::resolved_as(How::ZeroFill);
        self.usage.minor_faults += 1;
        super::vmstat::PGFAULT_MINOR.inc();
        Ok(Resolved::Minor)
    }

    /// A fault of page `vpn` (area permissions `perm`), swapped out to
    /// `slot`. Asynchronous, in steps, each ending in [`FaultError::Wait`]
    /// until the page is mapped:
    ///
    /// 1. If the slot's page is in the swap cache ([`swap_cache::lookup`]:
    ///    read back by another space that shares the slot, read ahead,
    ///    under writeback, or shared copy-on-write and still mapped
    ///    elsewhere), map that frame read-only: a *minor* fault
    ///    ([`Self::map_swap_cached`]). If its read is in flight, wait for
    ///    that read (never a second read of the slot) and look again.
    /// 2. Otherwise take a frame and start reading the slot into it, with
    ///    read-ahead: up to [`READAHEAD_PAGES`] - 1 following pages of the
    ///    space swapped to the following slots (and not in the cache), in
    ///    one request, while free frames stay above the low watermark;
    ///    enter them in the swap cache and wait for the request.
    /// 3. Once it is done: map the page and the pages read ahead (A clear:
    ///    unused, the clock takes them first): [`Resolved::Major`]. A page
    ///    no other space refers to is mapped private and writable, its slot
    ///    kept as its swap cache copy (so evicting it again costs no write
    ///    while it stays clean); one whose slot other spaces still hold, or
    ///    that another space mapped meanwhile, stays in the cache, mapped
    ///    read-only copy-on-write.
    ///
    /// The process sleeps between the steps, the kernel lock released:
    /// nothing the steps hold changes meanwhile (the pages being read are in
    /// [`AddrSpace::reading`], not resident, so reclaim cannot take them).
    fn swap_in(&mut self, vpn: VirtPageNum, slot: Arc<SwapSlot>, perm: PteFlags) -> Result<Resolved, FaultError> {
        if let Some(r) = self.reading.get(&vpn) {
            let req = r.req;
            if !virtio_blk::is_done(req) {
                return Err(FaultError::Wait(req));
            }
            // Only the space's references to the slot remain counted.
            drop(slot);
            return self.finish_swap_in(vpn, req);
        }
        match swap_cache::lookup(slot.number()) {
            Lookup::Hit(page) => return self.map_swap_cached(vpn, page, perm),
            Lookup::Wait(req) => return Err(FaultError::Wait(req)),
            Lookup::Miss => {}
        }
        if let Some(frame) = swap::take_stranded(slot.number()) {
            // A failed write kept the page in memory.
            let eff = match frame {
                PageFrame::Shared(_) => PteFlags(perm.0 & !PteFlags::W.0),
                PageFrame::Private(..) | PageFrame::Cache(_) => perm,
            };
            self.pt.map(vpn, frame.ppn(), eff | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
            self.swapped.remove(&vpn);
            self.frames.insert(vpn, frame);
            self.note_loaded(vpn);
            crate::drivers::trace::resolved_as(How::Remap);
            self.usage.minor_faults += 1;
            super::vmstat::PGFAULT_MINOR.inc();
            return Ok(Resolved::Minor);
        }
        if let Some(page) = swap::writeback_page(slot.number()) {
            // Under writeback: the frame being written is the page.
            super::vmstat::SWAP_CACHE_HITS.inc();
            return self.map_swap_cached(vpn, page, perm);
        }
        match swap::writing(slot.number()) {
            Some(0) => return Err(FaultError::Wait(swap::flush_writes().or_else(swap::oldest_write).unwrap_or(0))),
            Some(req) => return Err(FaultError::Wait(req)),
            None => {}
        }
        let frame = self.alloc_user_frame()?;
        let mut batch = alloc::vec![(vpn, slot.clone(), frame)];
        let low = super::frame::watermarks().1;
        // Read-ahead stays within the resident-set limit (RLIMIT_RSS) and
        // never enters a replay region (local replacement keeps their
        // budgets exact).
        let room = self.fault_room(vpn);
        while batch.len() < READAHEAD_PAGES.min(room) && super::frame::stats().0 > low {
            let next = VirtPageNum(vpn.0 + batch.len());
            let Some(s) = self.swapped.get(&next) else { break };
            if s.number() != slot.number() + batch.len()
                || self.reading.contains_key(&next)
                || swap::writing(s.number()).is_some()
                || swap_cache::contains(s.number())
            {
                break;
            }
            let Some(f) = frame_alloc() else { break };
            batch.push((next, s.clone(), f));
        }
        let ppns: Vec<_> = batch.iter().map(|(_, _, f)| f.ppn()).collect();
        let req = match swap::read_pages(slot.number(), &ppns) {
            Ok(req) => req,
            // No room on the disk's ring: the frames go back, the fault
            // waits for a request to leave it and starts again.
            Err(virtio_blk::DiskError::Full) => return Err(FaultError::Wait(virtio_blk::oldest().unwrap_or(0))),
            Err(_) => return Err(FaultError::OutOfMemory),
        };
        for _ in 1..batch.len() {
            super::vmstat::SWAP_RA.inc();
        }
        for (v, slot, frame) in batch {
            // In the swap cache from now on: a fault on the slot in another
            // space waits for this read.
            let page = SharedFrame::swap_cached(frame, slot, req);
            self.reading.insert(v, Reading { page, req });
        }
        Err(FaultError::Wait(req))
    }

    /// Step 1 of [`Self::swap_in`]: maps `page`, found in the swap cache for
    /// the slot of `vpn`, read-only (copy-on-write; A and D clear) and lets
    /// go of this space's reference to the slot (the page's copy keeps it).
    /// A minor fault, as Linux counts a swap cache hit.
    fn map_swap_cached(
        &mut self,
        vpn: VirtPageNum,
        page: Arc<SharedFrame>,
        perm: PteFlags,
    ) -> Result<Resolved, FaultError> {
        let eff = PteFlags(perm.0 & !PteFlags::W.0);
        self.pt.map(vpn, page.frame.ppn(), eff | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
        self.swapped.remove(&vpn);
        self.frames.insert(vpn, PageFrame::Shared(page));
        self.note_loaded(vpn);
        super::page_table::sfence_vma(vpn.addr().0);
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        crate::drivers::trace::resolved_as(How::Remap);
        self.usage.minor_faults += 1;
        super::vmstat::PGFAULT_MINOR.inc();
        Ok(Resolved::Minor)
    }

    /// Step 3 of [`Self::swap_in`]: request `req` that read `vpn` is done.
    fn finish_swap_in(&mut self, vpn: VirtPageNum, req: ReqId) -> Result<Resolved, FaultError> {
        let failed = virtio_blk::has_failed(req);
        let pages: Vec<VirtPageNum> = self.reading.iter().filter(|(_, r)| r.req == req).map(|(v, _)| *v).collect();
        for v in pages {
            let Some(r) = self.reading.remove(&v) else { continue };
            let Some(slot) = r.slot() else { continue };
            let page = r.page;
            if failed {
                // The frame does not hold the slot: out of the cache (a
                // space waiting for this read reads the slot itself).
                page.forget_copy();
                continue;
            }
            // Still swapped to that slot (nothing unmapped it meanwhile)?
            let current = self.swapped.get(&v).is_some_and(|s| Arc::ptr_eq(s, &slot));
            let perm = self.vmas.find(v.addr().0).map(|a| a.perm);
            let (true, Some(perm)) = (current, perm) else { continue };
            crate::drivers::trace::swap_in(self.asid, v.addr().0, slot.number());
            // Only this space wants the page (no other space maps the frame
            // or holds the slot: the slot's references are the page's copy,
            // this space's swap entry and `slot`): out of the cache, private
            // and writable. The slot stays with the page as its swap cache
            // copy: while the PTE's D bit stays clear, evicting it again
            // needs no write. Not when swap is over half full (Linux's
            // vm_swap_full): the slot is freed then.
            let exclusive = Arc::strong_count(&page) == 1 && Arc::strong_count(&slot) == 3;
            drop(slot);
            let (frame, eff) = if exclusive {
                let Ok(sf) = Arc::try_unwrap(page) else { continue };
                let copy = sf.copy.lock().clone().filter(|_| !swap::nearly_full());
                (PageFrame::Private(sf.into_frame(), copy), perm)
            } else {
                (PageFrame::Shared(page), PteFlags(perm.0 & !PteFlags::W.0))
            };
            if self.pt.map(v, frame.ppn(), eff | PteFlags::U).is_err() {
                // The slot still holds the page (the space's swap entry).
                continue;
            }
            self.swapped.remove(&v);
            self.frames.insert(v, frame);
            self.note_loaded(v);
            if v != vpn {
                super::page_table::sfence_vma(v.addr().0);
            }
        }
        let _ = virtio_blk::take_error(req);
        if failed || !self.frames.contains_key(&vpn) {
            return Err(FaultError::OutOfMemory);
        }
        super::page_table::sfence_vma(vpn.addr().0);
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        self.usage.major_faults += 1;
        super::vmstat::PGMAJFAULT.inc();
        crate::drivers::trace::resolved_as(How::SwapIn);
        Ok(Resolved::Major)
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
                Err(FaultError::OutOfMemory | FaultError::Wait(_)) => break,
            }
        }
    }

    /// Maps a zeroed frame at `vpn` with `perm | U` and records it.
    pub(super) fn map_fresh(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<(), FaultError> {
        let f = self.alloc_user_frame()?;
        self.install_fresh(vpn, f, perm)
    }

    /// [`Self::map_fresh`] inside a method of the space (exec populating
    /// an anonymous ELF segment): waits for reclaim's writes there
    /// ([`AddrSpace::wait_disk`]).
    pub(super) fn populate_page(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<(), FaultError> {
        let f = self.alloc_user_frame_waiting()?;
        self.install_fresh(vpn, f, perm)
    }

    fn install_fresh(&mut self, vpn: VirtPageNum, f: FrameTracker, perm: PteFlags) -> Result<(), FaultError> {
        self.pt.map(vpn, f.ppn(), perm | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
        self.frames.insert(vpn, PageFrame::private(f));
        self.note_loaded(vpn);
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        Ok(())
    }

    /// A frame for a user page. User pages take frames only above the low
    /// watermark ([`super::frame::watermarks`]): the frames below are the
    /// kernel's (page tables, kernel stacks, heap, DMA, and the bookkeeping
    /// reclaim itself needs, e.g. when it evicts pages shared by a fork).
    /// At low, kswapd is woken ([`super::kswapd`]) and the caller waits for
    /// it: [`FaultError::Wait`] for its writes in flight, or `Wait(0)`
    /// (yield once, so it runs) when it has not started. Only when kswapd has
    /// nothing in flight, or the caller cannot sleep ([`AddrSpace::polling`]),
    /// does this space reclaim directly: it evicts at least
    /// [`swap::CLUSTER`] of its own pages and until the free frames plus
    /// those under writeback reach high, sends the writes and returns
    /// [`FaultError::Wait`] for them. With nothing to evict and no write in
    /// flight, the frames down to min may be taken; then
    /// [`FaultError::OutOfMemory`].
    pub(super) fn alloc_user_frame(&mut self) -> Result<FrameTracker, FaultError> {
        swap::reap();
        let (min, low, high) = super::frame::watermarks();
        let free = super::frame::stats().0;
        if !swap::active() {
            return if free > min {
                frame_alloc().ok_or(FaultError::OutOfMemory)
            } else {
                Err(FaultError::OutOfMemory)
            };
        }
        if free <= low {
            // Clean page-cache pages first: no I/O.
            super::filemap::shrink(high);
        }
        let free = super::frame::stats().0;
        if free <= low + 1 {
            super::kswapd::wake();
        }
        if free > low {
            return frame_alloc().ok_or(FaultError::OutOfMemory);
        }
        if !self.polling {
            if super::kswapd::pending() {
                return Err(FaultError::Wait(0));
            }
            if let Some(req) = swap::oldest_write() {
                return Err(FaultError::Wait(req));
            }
        }
        super::vmstat::set_reclaimer(super::vmstat::Reclaimer::Direct);
        let mut n = 0;
        // A write queue the disk has no room for stops the pass
        // (swap::throttle): the caller waits for the disk.
        while (n < swap::CLUSTER || super::frame::stats().0 + swap::writeback_pages() < high) && !swap::throttle() {
            let k = self.swap_out(swap::CLUSTER);
            if k == 0 {
                break;
            }
            n += k;
        }
        if n > 0 {
            super::kswapd::reclaimed();
        }
        match swap::flush_writes().or_else(swap::oldest_write) {
            Some(req) => Err(FaultError::Wait(req)),
            None if super::frame::stats().0 > min => frame_alloc().ok_or(FaultError::OutOfMemory),
            None => Err(FaultError::OutOfMemory),
        }
    }

    /// [`Self::alloc_user_frame`] inside a method of the space: waits for
    /// the disk with [`AddrSpace::wait_disk`] (sleeping, for exec's new
    /// space; else polling, and then it reclaims directly rather than
    /// waiting for kswapd).
    pub(super) fn alloc_user_frame_waiting(&mut self) -> Result<FrameTracker, FaultError> {
        let was = core::mem::replace(&mut self.polling, self.disk_waiter.is_none());
        let r = loop {
            match self.alloc_user_frame() {
                Err(FaultError::Wait(req)) => self.wait_disk(req),
                r => break r,
            }
        };
        self.polling = was;
        r
    }
}
