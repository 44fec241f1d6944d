//! Copy-on-write fork (Linux's fork.c dup_mmap and memory.c do_wp_page):
//! the frames behind user pages, private or shared between the spaces of a
//! fork, the copy of an address space for fork, and the copy made at the
//! first store to a shared page.

use super::addr_space::AddrSpace;
use super::address::{levels, PhysPageNum, VirtPageNum, PAGE_SIZE};
use super::fault::FaultError;
use super::frame::FrameTracker;
use super::page_table::{MapError, PteFlags};
use super::swap::SwapSlot;
use alloc::sync::Arc;
use spin::Mutex;

/// The frame behind one user page: owned by this address space alone, or
/// shared copy-on-write with the spaces of a fork (reference-counted; the
/// frame is freed with its last reference). Private frames need no heap
/// allocation, so demand-zero faults stay cheap.
///
/// Either kind may carry a *swap cache* copy: a swap slot that holds the
/// frame's exact contents (Linux's swap cache, mm/swap_state.c). A private
/// page keeps the slot it was read back from while its PTE's D bit stays
/// clear, and is then evicted without I/O; a shared frame (read-only in
/// every space, so its contents never change) gets one when the first of
/// its spaces evicts it, and every other space then evicts it without I/O.
#[derive(Debug)]
pub(super) enum PageFrame {
    /// Only this space maps the frame; the slot, if any, holds the same bytes
    /// unless the PTE's D bit is set.
    Private(FrameTracker, Option<Arc<SwapSlot>>),
    /// Several spaces may map the frame, all read-only: after a fork, or a
    /// page-cache frame mapped MAP_PRIVATE (an ELF segment, a private file
    /// mapping) until the first store copies it.
    Shared(Arc<SharedFrame>),
    /// A page-cache frame mapped MAP_SHARED (a file, or shared anonymous
    /// memory): mapped with the area's permissions, writable too, in every
    /// space that maps it; a fork shares it as it is. Never copied, never
    /// swapped: the page cache holds it.
    Cache(Arc<SharedFrame>),
}

/// A frame shared copy-on-write, and the swap slot holding the same bytes
/// once one of its spaces has evicted it.
#[derive(Debug)]
pub(super) struct SharedFrame {
    pub(super) frame: FrameTracker,
    pub(super) copy: Mutex<Option<Arc<SwapSlot>>>,
    /// The disk request reading `copy` into the frame (0 once the frame
    /// holds its bytes): the swap cache makes other faults on the slot
    /// wait for it ([`super::swap_cache`]).
    pub(super) read: core::sync::atomic::AtomicU64,
}

impl SharedFrame {
    /// A frame shared copy-on-write with swap copy `copy` (not entered in
    /// the swap cache).
    pub(super) fn new(frame: FrameTracker, copy: Option<Arc<SwapSlot>>) -> Arc<SharedFrame> {
        Arc::new(SharedFrame { frame, copy: Mutex::new(copy), read: core::sync::atomic::AtomicU64::new(0) })
    }

    /// A frame holding the bytes of `slot` (or about to, once read `read`
    /// completes: 0 if it does already), entered in the swap cache
    /// ([`super::swap_cache`]) so that every space holding the slot finds it.
    pub(super) fn swap_cached(frame: FrameTracker, slot: Arc<SwapSlot>, read: crate::drivers::virtio_blk::ReqId) -> Arc<SharedFrame> {
        let n = slot.number();
        let page = SharedFrame::new(frame, Some(slot));
        page.read.store(read, core::sync::atomic::Ordering::Release);
        super::swap_cache::add(n, &page);
        page
    }

    /// Gives this frame the swap copy `slot` (its exact contents: it is
    /// read-only everywhere) and enters it in the swap cache.
    pub(super) fn set_copy(self: &Arc<Self>, slot: Arc<SwapSlot>) {
        let n = slot.number();
        *self.copy.lock() = Some(slot);
        super::swap_cache::add(n, self);
    }

    /// Drops the swap copy (the slot no longer holds these bytes) and the
    /// swap cache entry with it.
    pub(super) fn forget_copy(&self) {
        if let Some(slot) = self.copy.lock().take() {
            super::swap_cache::remove(slot.number(), self);
        }
    }

    /// The frame of a shared frame no one else refers to any more, about
    /// to be written: it leaves the swap cache and its swap copy is dropped.
    pub(super) fn into_frame(self) -> FrameTracker {
        self.forget_copy();
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again; `copy` is None
        // (nothing to free) and the tracker is moved out exactly once.
        unsafe { core::ptr::read(&this.frame) }
    }
}

impl Drop for SharedFrame {
    /// The frame leaves the swap cache with its last reference.
    fn drop(&mut self) {
        if let Some(slot) = self.copy.get_mut().as_ref() {
            super::swap_cache::remove(slot.number(), self);
        }
    }
}

impl PageFrame {
    /// A private frame without a swap copy.
    pub(super) fn private(f: FrameTracker) -> PageFrame {
        PageFrame::Private(f, None)
    }

    /// The frame's physical page number.
    pub(super) fn ppn(&self) -> PhysPageNum {
        match self {
            PageFrame::Private(f, _) => f.ppn(),
            PageFrame::Shared(f) | PageFrame::Cache(f) => f.frame.ppn(),
        }
    }

    /// True if dropping this reference frees the frame: a private frame,
    /// or the last reference to a shared one (no other space maps it, no
    /// write or read holds it).
    pub(super) fn is_last_reference(&self) -> bool {
        match self {
            PageFrame::Private(..) => true,
            PageFrame::Shared(sf) | PageFrame::Cache(sf) => Arc::strong_count(sf) == 1,
        }
    }

    /// Makes this frame a shared one (in place) and returns a second
    /// reference to it. `clean`: the page was not written since its swap
    /// copy was made (its PTE's D bit is clear), so the copy stays.
    pub(super) fn share(&mut self, clean: bool) -> PageFrame {
        if let PageFrame::Cache(f) = self {
            return PageFrame::Cache(f.clone());
        }
        if let PageFrame::Private(..) = self {
            // SAFETY: the tracker is moved out and the slot written back at
            // once; nothing in between can unwind (the kernel aborts on panic).
            unsafe {
                let PageFrame::Private(frame, copy) = core::ptr::read(self) else { unreachable!() };
                let shared = match copy.filter(|_| clean) {
                    // Its swap copy is exact: the frame enters the swap cache,
                    // so a space that evicts it and faults again finds it
                    // while another still maps it.
                    Some(slot) => SharedFrame::swap_cached(frame, slot, 0),
                    None => SharedFrame::new(frame, None),
                };
                core::ptr::write(self, PageFrame::Shared(shared));
            }
        }
        match self {
            PageFrame::Shared(f) => PageFrame::Shared(f.clone()),
            PageFrame::Private(..) | PageFrame::Cache(_) => unreachable!(),
        }
    }
}

impl AddrSpace {
    /// A copy of this address space for fork, copy-on-write: the same areas,
    /// and every page that has a frame shares it, read-only in both spaces
    /// (writable pages lose W here; the first store in either space copies
    /// the frame, or just restores W if the other space has let it go: see
    /// [`Self::handle_fault`]). Pages not touched yet stay demand-zero in
    /// both. Other harts that ran this space flush their TLBs (they may hold
    /// writable translations). `Err` when memory for the child's page table
    /// runs out (the pages already made read-only stay so: harmless).
    pub fn fork_cow(&mut self) -> Result<AddrSpace, MapError> {
        let mut child = AddrSpace::new_user()?;
        // Charged as Linux's dup_mmap: refused (fork's -ENOMEM) under overcommit mode 2.
        child.vmas = self.vmas.fork_copy().map_err(|_| MapError::NoCommit)?;
        // Memory locks are not inherited (mlock(2)).
        child.vmas.clear_locks();
        child.replacement = self.replacement.for_child();
        let shared = self.share_pages_with(&mut child);
        self.shootdown();
        shared?;
        self.fork_hugetlb(&mut child)?;
        child.usage.peak_resident = child.frames.len();
        Ok(child)
    }

    /// An upper bound of the frames [`Self::fork_cow`] takes: the child's
    /// page-table pages (at most as many as this space has) and the kernel
    /// heap for its page records (a B-tree entry of at most 64 bytes per
    /// resident or swapped-out page, a 64-byte shared-frame record for
    /// each private frame, and 96 bytes of replacement records per
    /// resident page: a page record, a FIFO entry, a load-list entry).
    pub fn fork_cost(&self) -> usize {
        let bytes = (self.frames.len() + self.swapped.len()) * 64 + self.frames.len() * 160;
        self.pt.table_pages() + bytes.div_ceil(PAGE_SIZE) + 1
    }

    /// Maps every page of this space that has a frame into `child` at the
    /// same address, sharing the frame, both read-only where it was writable.
    /// A page made inaccessible by mprotect(PROT_NONE) keeps its frame
    /// without a PTE in both spaces; the child gets the page-table pages for
    /// it, so that a later mprotect can map it without allocating.
    fn share_pages_with(&mut self, child: &mut AddrSpace) -> Result<(), MapError> {
        for (vpn, slot) in &self.swapped {
            child.pt.set_swap_entry(*vpn, slot.number())?;
            child.swapped.insert(*vpn, slot.clone());
        }
        let AddrSpace { frames, pt, .. } = self;
        for (&vpn, frame) in frames.iter_mut() {
            let clean = pt.translate(vpn.addr()).is_some_and(|(_, f)| !f.contains(PteFlags::D));
            let theirs = frame.share(clean);
            let shared_mapping = matches!(theirs, PageFrame::Cache(_));
            let ppn = theirs.ppn();
            child.frames.insert(vpn, theirs);
            if let Some(leaf) = pt.mega_leaf(vpn) {
                // A megapage: shared as it is, read-only in both, at its first page.
                if vpn.0.is_multiple_of(super::huge_memory::HPAGE_PAGES) {
                    let perm = PteFlags(leaf.flags().0 & (PteFlags::R.0 | PteFlags::X.0)) | PteFlags::U;
                    pt.protect_mega(vpn, perm);
                    child.pt.map_mega(vpn, leaf.ppn(), perm)?;
                }
                continue;
            }
            let Some((_, flags)) = pt.translate(vpn.addr()) else {
                child.pt.walk_create_depth(vpn, levels() - 1)?;
                continue;
            };
            if shared_mapping {
                // MAP_SHARED: both spaces keep writing the same frame.
                child.pt.map(
                    vpn,
                    ppn,
                    PteFlags(flags.0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0)) | PteFlags::U,
                )?;
                continue;
            }
            let perm = PteFlags(flags.0 & (PteFlags::R.0 | PteFlags::X.0));
            if flags.contains(PteFlags::W) {
                pt.remap(vpn, ppn, perm | PteFlags::U)?;
            }
            child.pt.map(vpn, ppn, perm | PteFlags::U)?;
        }
        Ok(())
    }

    /// Makes the copy-on-write page `vpn` writable (`perm`, the area's
    /// permissions, which include W) for this space alone: in place if no
    /// other space shares its frame, else on a copy of the frame, after
    /// which the other harts that ran this space flush their TLBs (they may
    /// still map the page to the shared frame).
    pub(super) fn break_cow(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<(), FaultError> {
        let Some(frame) = self.frames.remove(&vpn) else { return Err(FaultError::Segv) };
        // The store about to happen makes any swap copy stale: dropped.
        let (frame, copied) = match frame {
            PageFrame::Private(f, _) => (f, false),
            // Writable in place already: no copy-on-write page.
            cache @ PageFrame::Cache(_) => {
                self.frames.insert(vpn, cache);
                return Err(FaultError::Segv);
            }
            PageFrame::Shared(shared) => match Arc::try_unwrap(shared) {
                // No one else refers to it: written in place, so it leaves
                // the swap cache (Linux's reuse of an exclusive swap-cache page).
                Ok(sf) => (sf.into_frame(), false),
                Err(shared) => {
                    let mut copy = match self.alloc_user_frame() {
                        Ok(f) => f,
                        Err(e) => {
                            self.frames.insert(vpn, PageFrame::Shared(shared));
                            return Err(e);
                        }
                    };
                    // SAFETY: a shared frame is only read: every space maps it read-only.
                    copy.bytes_mut().copy_from_slice(unsafe { shared.frame.ppn().bytes_mut() });
                    (copy, true)
                }
            },
        };
        let ppn = frame.ppn();
        self.frames.insert(vpn, PageFrame::private(frame));
        // A and D set: the faulting store is retried at once (as Linux's
        // wp_page_copy makes the PTE dirty).
        let ad = PteFlags::A | PteFlags::D;
        self.pt.remap(vpn, ppn, perm | PteFlags::U | ad).map_err(|_| FaultError::Segv)?;
        if copied {
            self.shootdown();
        }
        Ok(())
    }
}
