//! The physical frame allocator: a binary buddy allocator over 4 KiB frames,
//! blocks of 2^order frames for orders 0..=[`MAX_ORDER`] (4 KiB .. 4 MiB),
//! as Linux's page_alloc keeps them.
//!
//! - One free list per order, doubly linked through the first 16 bytes of
//!   each free block (next PPN, previous PPN, through the direct map).
//! - A map of one byte per frame of the managed span records the order of
//!   the free block that starts at that frame ([`NOT_FREE`] otherwise), so
//!   freeing a block finds whether its buddy (the block whose PPN differs in
//!   bit `order`, relative to the span's base) is free, of the same order,
//!   and coalesces them, repeatedly.
//! - Allocation takes the head of the smallest non-empty list of at least
//!   the wanted order and splits it, keeping the lower half and putting the
//!   upper halves on their lists; lists are LIFO, and the initial blocks are
//!   pushed highest first, so a fresh machine hands out frames in ascending
//!   address order and every run allocates the same frames (deterministic).
//!
//! svos writes into a free block only its first 16 bytes: RAM never used
//! stays untouched (svemu and QEMU back guest RAM lazily).
//!
//! [`FrameTracker`] owns one order-0 frame and returns it to the allocator on
//! drop; [`alloc_block`] / [`free_block`] hand out and take back larger
//! blocks (the kernel heap grows by them, [`super::heap`]).
//!
//! Watermarks ([`watermarks`]): min, low and high numbers of free frames,
//! derived from the RAM size as Linux derives them from min_free_kbytes
//! (mm/page_alloc.c: min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to
//! 128 KiB .. 256 MiB; low = min + min/4; high = min + min/2). User pages are
//! allocated only above low (after reclaim, [`super::reclaim`]); the kernel
//! (page tables, kernel stacks, heap, DMA) may go down to zero.

use super::address::{PhysAddr, PhysPageNum, PAGE_SIZE};
use spin::Mutex;

/// Largest block order: 2^10 frames = 4 MiB (Linux's MAX_ORDER 10, before 6.8's rename).
pub const MAX_ORDER: usize = 10;

const NIL: usize = usize::MAX;

/// Map value of a frame that does not start a free block.
const NOT_FREE: u8 = 0xff;

/// Map value of a frame inside a slab ([`tag_slab`]): this bit or'ed with
/// the slab's order (bits 4..6) and the frame's index in the slab (bits
/// 0..3). Distinct from free-block orders (0..=10) and [`NOT_FREE`].
const SLAB_TAG: u8 = 0x80;

/// Largest order of a slab that [`tag_slab`] can record (16 frames).
pub const MAX_SLAB_ORDER: usize = 4;

/// Free RAM ranges handed to [`init`], at most.
const MAX_RANGES: usize = 8;

struct Buddy {
    /// PPN of the span's first frame, aligned to 2^[`MAX_ORDER`] frames (the
    /// map's index 0; buddies are computed relative to it).
    base: usize,
    /// Frames in the span (free RAM and the holes between ranges).
    span: usize,
    /// One byte per frame of the span: the order of the free block starting there, or NOT_FREE.
    map: *mut u8,
    /// First free block of each order (PPN), or NIL.
    heads: [usize; MAX_ORDER + 1],
    /// Free blocks per order.
    nr_free: [usize; MAX_ORDER + 1],
    /// Free frames in all blocks.
    free: usize,
    /// Frames managed (excluding the map itself).
    total: usize,
}

// SAFETY: the map pointer is used only under the FRAMES lock.
unsafe impl Send for Buddy {}

static FRAMES: Mutex<Buddy> = Mutex::new(Buddy {
    base: 0,
    span: 0,
    map: core::ptr::null_mut(),
    heads: [NIL; MAX_ORDER + 1],
    nr_free: [0; MAX_ORDER + 1],
    free: 0,
    total: 0,
});

/// The links a free block keeps in its first two words.
fn links(ppn: usize) -> *mut [usize; 2] {
    PhysPageNum(ppn).addr().to_kva() as *mut [usize; 2]
}

impl Buddy {
    fn map_get(&self, ppn: usize) -> u8 {
        // SAFETY: callers pass PPNs inside the span.
        unsafe { *self.map.add(ppn - self.base) }
    }

    fn map_set(&mut self, ppn: usize, v: u8) {
        self.map_set_shared(ppn, v);
    }

    /// map_set for a frame of an allocated block (the map is written
    /// through its pointer; the caller holds the FRAMES lock).
    fn map_set_shared(&self, ppn: usize, v: u8) {
        // SAFETY: as map_get; the lock is held.
        unsafe { *self.map.add(ppn - self.base) = v };
    }

    /// Pushes the free block `ppn` of `order` at the head of its list.
    fn push(&mut self, ppn: usize, order: usize) {
        let head = self.heads[order];
        // SAFETY: the block is free RAM owned by the allocator, reachable through the direct map.
        unsafe {
            *links(ppn) = [head, NIL];
            if head != NIL {
                (*links(head))[1] = ppn;
            }
        }
        self.heads[order] = ppn;
        self.map_set(ppn, order as u8);
        self.nr_free[order] += 1;
        self.free += 1 << order;
    }

    /// Takes the free block `ppn` of `order` off its list.
    fn unlink(&mut self, ppn: usize, order: usize) {
        // SAFETY: as push; the block is on the list of `order`.
        unsafe {
            let [next, prev] = *links(ppn);
            if prev == NIL {
                self.heads[order] = next;
            } else {
                (*links(prev))[0] = next;
            }
            if next != NIL {
                (*links(next))[1] = prev;
            }
        }
        self.map_set(ppn, NOT_FREE);
        self.nr_free[order] -= 1;
        self.free -= 1 << order;
    }

    /// A block of 2^order frames, or `None`.
    fn take(&mut self, order: usize) -> Option<usize> {
        let from = (order..=MAX_ORDER).find(|&o| self.heads[o] != NIL)?;
        let ppn = self.heads[from];
        self.unlink(ppn, from);
        for o in (order..from).rev() {
            self.push(ppn + (1 << o), o);
        }
        super::vmstat::PGALLOC.add(1 << order);
        Some(ppn)
    }

    /// Returns the block `ppn` of `order`, merging it with its free buddies.
    fn give(&mut self, mut ppn: usize, mut order: usize) {
        super::vmstat::PGFREE.add(1 << order);
        while order < MAX_ORDER {
            let buddy = self.base + ((ppn - self.base) ^ (1 << order));
            if buddy + (1 << order) > self.base + self.span || self.map_get(buddy) != order as u8 {
                break;
            }
            self.unlink(buddy, order);
            ppn = ppn.min(buddy);
            order += 1;
        }
        self.push(ppn, order);
    }
}

/// Hands the frames fully inside each `[start, end)` range to the allocator
/// (the first frames of the first range hold the allocator's map). Ranges
/// must come lowest address first and hold at least the map.
///
/// # Safety
/// The ranges must be RAM that nothing else uses, reachable through the
/// direct map. Called once, before any allocation.
pub unsafe fn init(ranges: &[(PhysAddr, PhysAddr)]) {
    let ranges: alloc::vec::Vec<(usize, usize)> =
        ranges.iter().take(MAX_RANGES).map(|&(s, e)| (s.ceil().0, e.floor().0)).filter(|(f, l)| l > f).collect();
    let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else { return };
    let mut b = FRAMES.lock();
    // The span starts at a physical address aligned to the largest block,
    // so that a block of order n is aligned to 2^n frames in physical
    // memory too (an order-9 block can back a megapage, whose PPN[0] must
    // be zero: privileged spec 4.4.1); the frames below the first range are
    // never free.
    b.base = first.0 & !((1 << MAX_ORDER) - 1);
    b.span = last.1 - b.base;
    b.map = PhysPageNum(first.0).addr().to_kva() as *mut u8;
    core::ptr::write_bytes(b.map, NOT_FREE, b.span);
    let map_frames = b.span.div_ceil(PAGE_SIZE);
    for (i, &(mut f, mut l)) in ranges.iter().enumerate().rev() {
        if i == 0 {
            f += map_frames;
        }
        if f >= l {
            continue;
        }
        b.total += l - f;
        // The range as aligned blocks, from the top down, so the lowest block
        // is pushed last and sits at the head of its list.
        while l > f {
            let mut order = MAX_ORDER;
            while order > 0 && (l < f + (1 << order) || !(l - (1 << order) - b.base).is_multiple_of(1 << order)) {
                order -= 1;
            }
            l -= 1 << order;
            b.push(l, order);
        }
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
        FRAMES.lock().give(self.ppn.0, 0);
        crate::drivers::trace::frame_free(self.ppn.addr().0);
    }
}

/// Allocates one zero-filled frame, or `None` when physical memory is exhausted.
pub fn frame_alloc() -> Option<FrameTracker> {
    let ppn = FRAMES.lock().take(0)?;
    let mut f = FrameTracker { ppn: PhysPageNum(ppn) };
    crate::drivers::trace::frame_alloc(f.ppn.addr().0);
    f.bytes_mut().fill(0);
    Some(f)
}

/// Allocates a block of 2^`order` physically contiguous frames (order <=
/// [`MAX_ORDER`]), not zeroed; `None` if no block that large is free. The
/// caller frees it with [`free_block`] and the same order.
pub fn alloc_block(order: usize) -> Option<PhysPageNum> {
    if order > MAX_ORDER {
        return None;
    }
    FRAMES.lock().take(order).map(PhysPageNum)
}

/// Allocates a block of 2^`order` frames ([`alloc_block`]), zeroes it and
/// hands back one [`FrameTracker`] per frame, lowest first: each frees its
/// frame alone, and the buddy allocator coalesces them again once all are
/// free. Used for megapages ([`super::huge_memory`]), whose 4 KiB pages
/// outlive the megapage mapping once it is split. `None` if no block that
/// large is free.
pub fn alloc_block_frames(order: usize) -> Option<alloc::vec::Vec<FrameTracker>> {
    let first = alloc_block(order)?;
    let mut frames = alloc::vec::Vec::with_capacity(1 << order);
    for i in 0..1usize << order {
        let mut f = FrameTracker { ppn: PhysPageNum(first.0 + i) };
        crate::drivers::trace::frame_alloc(f.ppn.addr().0);
        f.bytes_mut().fill(0);
        frames.push(f);
    }
    Some(frames)
}

/// Frees a block from [`alloc_block`].
///
/// # Safety
/// `ppn` and `order` must be those of a block [`alloc_block`] returned,
/// which nothing uses any more.
pub unsafe fn free_block(ppn: PhysPageNum, order: usize) {
    FRAMES.lock().give(ppn.0, order);
}

/// Records that the block `ppn` of `order` (from [`alloc_block`], order
/// at most [`MAX_SLAB_ORDER`]) is a slab ([`super::slab`]): each frame's
/// map byte gets the order and its index in the block, so [`slab_base`]
/// finds the block from any frame of it (Linux finds the slab through
/// struct page).
pub fn tag_slab(ppn: PhysPageNum, order: usize) {
    assert!(order <= MAX_SLAB_ORDER, "slab of order {order}");
    let b = FRAMES.lock();
    for i in 0..1usize << order {
        b.map_set_shared(ppn.0 + i, SLAB_TAG | (order as u8) << 4 | i as u8);
    }
}

/// Clears what [`tag_slab`] recorded, before the block is freed.
pub fn untag_slab(ppn: PhysPageNum, order: usize) {
    let b = FRAMES.lock();
    for i in 0..1usize << order.min(MAX_SLAB_ORDER) {
        b.map_set_shared(ppn.0 + i, NOT_FREE);
    }
}

/// The first frame and the order of the slab that holds frame `ppn`, or
/// `None` if `ppn` is in no slab.
pub fn slab_base(ppn: PhysPageNum) -> Option<(PhysPageNum, usize)> {
    let b = FRAMES.lock();
    if ppn.0 < b.base || ppn.0 >= b.base + b.span {
        return None;
    }
    let v = b.map_get(ppn.0);
    (v & SLAB_TAG != 0 && v != NOT_FREE).then(|| (PhysPageNum(ppn.0 - (v & 0xf) as usize), (v >> 4 & 0x7) as usize))
}

/// The PPN of the first frame of the allocator's span (aligned to
/// 2^[`MAX_ORDER`] frames; 0 before [`init`]).
pub fn base_ppn() -> usize {
    FRAMES.lock().base
}

/// (free frames, total frames managed).
pub fn stats() -> (usize, usize) {
    let b = FRAMES.lock();
    (b.free, b.total)
}

/// [`stats`] unless the allocator's lock is taken (for the panic report,
/// which may run inside the allocator).
pub fn try_stats() -> Option<(usize, usize)> {
    FRAMES.try_lock().map(|b| (b.free, b.total))
}

/// Free blocks per order 0..=[`MAX_ORDER`] (the numbers of Linux's
/// /proc/buddyinfo, one zone).
pub fn buddyinfo() -> [usize; MAX_ORDER + 1] {
    FRAMES.lock().nr_free
}

/// The free-frame watermarks (min, low, high), in frames, for `total`
/// frames of RAM: Linux's min_free_kbytes = sqrt(16 * RAM in KiB), clamped
/// to [128, 262144] KiB; low = min * 5/4, high = min * 3/2 (mm/page_alloc.c,
/// init_per_zone_wmark_min and __setup_per_zone_wmarks with
/// watermark_scale_factor's floor).
pub fn watermarks() -> (usize, usize, usize) {
    let total = stats().1;
    let kib = (total * (PAGE_SIZE / 1024)) as u64;
    let min_kib = isqrt(kib * 16).clamp(128, 262_144) as usize;
    let min = min_kib / (PAGE_SIZE / 1024);
    (min, min + min / 4, min + min / 2)
}

fn isqrt(n: u64) -> u64 {
    let mut x = 0u64;
    let mut bit = 1u64 << 62;
    let mut n = n;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if n >= x + bit {
            n -= x + bit;
            x = (x >> 1) + bit;
        } else {
            x >>= 1;
        }
        bit >>= 2;
    }
    x
}
