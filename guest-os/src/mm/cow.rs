//! Copy-on-write fork (Linux's fork.c dup_mmap and memory.c do_wp_page):
//! the frames behind user pages, private or shared between the spaces of a
//! fork, the copy of an address space for fork, and the copy made at the
//! first store to a shared page.

use super::addr_space::AddrSpace;
use super::address::{levels, PhysPageNum, VirtPageNum, PAGE_SIZE};
use super::fault::FaultError;
use super::frame::FrameTracker;
use super::page_table::{MapError, PteFlags};
use alloc::sync::Arc;

/// The frame behind one user page: owned by this address space alone, or
/// shared copy-on-write with the spaces of a fork (reference-counted; the
/// frame is freed with its last reference). Private frames need no heap
/// allocation, so demand-zero faults stay cheap.
#[derive(Debug)]
pub(super) enum PageFrame {
    /// Only this space maps the frame.
    Private(FrameTracker),
    /// Several spaces may map the frame, all read-only.
    Shared(Arc<FrameTracker>),
}

impl PageFrame {
    /// The frame's physical page number.
    pub(super) fn ppn(&self) -> PhysPageNum {
        match self {
            PageFrame::Private(f) => f.ppn(),
            PageFrame::Shared(f) => f.ppn(),
        }
    }

    /// Makes this frame a shared one (in place) and returns a second
    /// reference to it.
    pub(super) fn share(&mut self) -> PageFrame {
        if let PageFrame::Private(_) = self {
            // SAFETY: the tracker is moved out and the slot written back at
            // once; nothing in between can unwind (the kernel aborts on panic).
            unsafe {
                let PageFrame::Private(f) = core::ptr::read(self) else { unreachable!() };
                core::ptr::write(self, PageFrame::Shared(Arc::new(f)));
            }
        }
        match self {
            PageFrame::Shared(f) => PageFrame::Shared(f.clone()),
            PageFrame::Private(_) => unreachable!(),
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
        child.vmas = self.vmas.clone();
        let shared = self.share_pages_with(&mut child);
        self.shootdown();
        shared?;
        child.usage.peak_resident = child.frames.len();
        Ok(child)
    }

    /// An upper bound of the frames [`Self::fork_cow`] takes: the child's
    /// page-table pages (at most as many as this space has) and the kernel
    /// heap for its page records (a B-tree entry of at most 64 bytes per
    /// resident or swapped-out page, and a 32-byte shared-frame count for
    /// each private frame).
    pub fn fork_cost(&self) -> usize {
        let bytes = (self.frames.len() + self.swapped.len()) * 64 + self.frames.len() * 32;
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
            let theirs = frame.share();
            let ppn = theirs.ppn();
            child.frames.insert(vpn, theirs);
            let Some((_, flags)) = pt.translate(vpn.addr()) else {
                child.pt.walk_create_depth(vpn, levels() - 1)?;
                continue;
            };
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
        let (frame, copied) = match frame {
            PageFrame::Private(f) => (f, false),
            PageFrame::Shared(shared) => match Arc::try_unwrap(shared) {
                Ok(f) => (f, false),
                Err(shared) => {
                    let Some(mut copy) = self.alloc_user_frame() else {
                        self.frames.insert(vpn, PageFrame::Shared(shared));
                        return Err(FaultError::OutOfMemory);
                    };
                    // SAFETY: a shared frame is only read: every space maps it read-only.
                    copy.bytes_mut().copy_from_slice(unsafe { shared.ppn().bytes_mut() });
                    (copy, true)
                }
            },
        };
        let ppn = frame.ppn();
        self.frames.insert(vpn, PageFrame::Private(frame));
        self.pt.remap(vpn, ppn, perm | PteFlags::U).map_err(|_| FaultError::Segv)?;
        if copied {
            self.shootdown();
        }
        Ok(())
    }
}
