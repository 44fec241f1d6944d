//! The physical frame allocator: an intrusive free list of 4 KiB frames.
//!
//! Each free frame stores the physical page number of the next free frame in
//! its first 8 bytes (through the direct map). Frames are handed out lowest
//! address first after boot, and a freed frame is reused first (LIFO), so the
//! allocation order, and every physical address svos prints, is deterministic.
//!
//! [`FrameTracker`] owns one frame and returns it to the allocator on drop.

use super::address::{PhysAddr, PhysPageNum, PAGE_SIZE};
use spin::Mutex;

const NIL: usize = usize::MAX;

struct FreeList {
    head: usize, // PPN or NIL
    free: usize,
    total: usize,
}

static FRAMES: Mutex<FreeList> = Mutex::new(FreeList { head: NIL, free: 0, total: 0 });

/// Adds the frames fully inside each `[start, end)` range to the allocator.
/// Ranges are added so that lower addresses are allocated first.
///
/// # Safety
/// The ranges must be RAM that nothing else uses, reachable through the direct map.
pub unsafe fn init(ranges: &[(PhysAddr, PhysAddr)]) {
    let mut fl = FRAMES.lock();
    for &(start, end) in ranges.iter().rev() {
        let (first, last) = (start.ceil().0, end.floor().0);
        let mut ppn = last;
        while ppn > first {
            ppn -= 1;
            push(&mut fl, PhysPageNum(ppn));
            fl.total += 1;
        }
    }
}

unsafe fn push(fl: &mut FreeList, ppn: PhysPageNum) {
    *(ppn.addr().to_kva() as *mut usize) = fl.head;
    fl.head = ppn.0;
    fl.free += 1;
}

/// An owned physical frame; dropping it frees the frame.
#[derive(Debug)]
pub struct FrameTracker {
    ppn: PhysPageNum,
}

impl FrameTracker {
    /// The frame's physical page number.
    pub fn ppn(&self) -> PhysPageNum {
        self.ppn
    }
    /// The frame's bytes through the direct map.
    pub fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        // SAFETY: the tracker owns the frame exclusively.
        unsafe { self.ppn.bytes_mut() }
    }
}

impl Drop for FrameTracker {
    fn drop(&mut self) {
        let mut fl = FRAMES.lock();
        // SAFETY: the frame came from this allocator and is no longer referenced.
        unsafe { push(&mut fl, self.ppn) };
    }
}

/// Allocates one zero-filled frame, or `None` when physical memory is exhausted.
pub fn frame_alloc() -> Option<FrameTracker> {
    let ppn = {
        let mut fl = FRAMES.lock();
        if fl.head == NIL {
            return None;
        }
        let ppn = PhysPageNum(fl.head);
        // SAFETY: a free frame holds the next link in its first word.
        fl.head = unsafe { *(ppn.addr().to_kva() as *const usize) };
        fl.free -= 1;
        ppn
    };
    let mut f = FrameTracker { ppn };
    f.bytes_mut().fill(0);
    Some(f)
}

/// (free frames, total frames managed).
pub fn stats() -> (usize, usize) {
    let fl = FRAMES.lock();
    (fl.free, fl.total)
}
