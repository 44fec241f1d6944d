//! The physical frame allocator: frames never used since boot, handed out
//! from the bottom of each free RAM range, and an intrusive free list of the
//! 4 KiB frames freed since.
//!
//! Each frame on the free list stores the physical page number of the next
//! one in its first 8 bytes (through the direct map). Frames never allocated
//! are not on the list: they are taken by advancing a per-range cursor, so
//! svos writes nothing into RAM it has not used (an emulator that reserves
//! guest RAM lazily, as svemu and QEMU do, keeps untouched RAM free on the
//! host). A freed frame is reused first (LIFO), then the lowest untouched
//! frame: the allocation order, and every physical address svos prints, is
//! deterministic (and the same as that of one list built lowest first).
//!
//! [`FrameTracker`] owns one frame and returns it to the allocator on drop.

use super::address::{PhysAddr, PhysPageNum, PAGE_SIZE};
use spin::Mutex;

const NIL: usize = usize::MAX;

/// Free RAM ranges whose untouched frames are handed out by cursor; frames
/// of further ranges go onto the free list at boot.
const MAX_RANGES: usize = 8;

struct FreeList {
    /// PPN of the first freed frame, or NIL.
    head: usize,
    /// Untouched frames: `[next, end)` PPNs per range, lowest range first.
    untouched: [(usize, usize); MAX_RANGES],
    free: usize,
    total: usize,
}

static FRAMES: Mutex<FreeList> = Mutex::new(FreeList { head: NIL, untouched: [(0, 0); MAX_RANGES], free: 0, total: 0 });

/// Adds the frames fully inside each `[start, end)` range to the allocator.
/// Ranges must come lowest address first; lower addresses are allocated first.
///
/// # Safety
/// The ranges must be RAM that nothing else uses, reachable through the direct map.
pub unsafe fn init(ranges: &[(PhysAddr, PhysAddr)]) {
    let mut fl = FRAMES.lock();
    for (i, &(start, end)) in ranges.iter().enumerate().rev() {
        let (first, last) = (start.ceil().0, end.floor().0);
        if last <= first {
            continue;
        }
        fl.total += last - first;
        if i < MAX_RANGES {
            fl.untouched[i] = (first, last);
            fl.free += last - first;
        } else {
            for ppn in (first..last).rev() {
                push(&mut fl, PhysPageNum(ppn));
            }
        }
    }
}

unsafe fn push(fl: &mut FreeList, ppn: PhysPageNum) {
    *(ppn.addr().to_kva() as *mut usize) = fl.head;
    fl.head = ppn.0;
    fl.free += 1;
}

impl FreeList {
    /// The next frame: the last one freed, else the lowest untouched one.
    fn take(&mut self) -> Option<PhysPageNum> {
        let ppn = if self.head != NIL {
            let ppn = PhysPageNum(self.head);
            // SAFETY: a frame on the free list holds the next link in its first word.
            self.head = unsafe { *(ppn.addr().to_kva() as *const usize) };
            ppn
        } else {
            let range = self.untouched.iter_mut().find(|(next, end)| next < end)?;
            range.0 += 1;
            PhysPageNum(range.0 - 1)
        };
        self.free -= 1;
        Some(ppn)
    }
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
        crate::drivers::trace::frame_free(self.ppn.addr().0);
    }
}

/// Allocates one zero-filled frame, or `None` when physical memory is exhausted.
pub fn frame_alloc() -> Option<FrameTracker> {
    let ppn = FRAMES.lock().take()?;
    let mut f = FrameTracker { ppn };
    crate::drivers::trace::frame_alloc(ppn.addr().0);
    f.bytes_mut().fill(0);
    Some(f)
}

/// (free frames, total frames managed).
pub fn stats() -> (usize, usize) {
    let fl = FRAMES.lock();
    (fl.free, fl.total)
}
