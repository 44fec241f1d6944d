//! The kernel heap: grows from the frame allocator and gives frames back.
//!
//! - Small objects (at most [`SMALL_MAX`] bytes, alignment included) come
//!   from arenas: blocks of 2^[`ARENA_ORDER`] frames (64 KiB) from
//!   [`super::frame::alloc_block`] (a smaller block when none that large is
//!   free), each managed by a `buddy_system_allocator::Heap`. A static boot
//!   arena in .bss serves the allocations made before the frame allocator
//!   exists. When an arena (not the boot one) holds no object any more, its
//!   frames go back to the frame allocator.
//! - Larger objects (vectors, DMA rings, hart stacks) get their own block of
//!   frames, of the smallest order that holds them, freed with the object.
//!
//! Every byte the heap hands out lies in the direct map (PA = VA -
//! [`super::PHYS_OFFSET`]), which the virtio-blk driver relies on for DMA.
//! When no frame is left, an allocation fails: `alloc` returns null, and
//! Rust's allocation-error path panics. svos keeps frames for the kernel
//! (user pages are taken only above the min watermark, [`super::frame::watermarks`],
//! and reclaim runs before that), so this happens only when the kernel itself
//! has used all of RAM.

use super::address::{PhysPageNum, PAGE_SIZE};
use super::frame;
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use spin::Mutex;

/// Largest object (size, rounded up to its alignment) served from an arena.
pub const SMALL_MAX: usize = 2048;

/// Order of the frame blocks arenas are made of (2^4 frames = 64 KiB).
pub const ARENA_ORDER: usize = 4;

/// Size of the static boot arena: what boot allocates before the frame
/// allocator exists (the DTB's strings, the free-range list) and a little more.
pub const BOOT_ARENA_SIZE: usize = 64 * 1024;

/// Most arenas at once (boot arena included): 4096 x 64 KiB = 256 MiB of small objects.
const MAX_ARENAS: usize = 4096;

#[repr(align(4096))]
struct BootArena(#[allow(dead_code)] [u8; BOOT_ARENA_SIZE]);

static mut BOOT_ARENA: BootArena = BootArena([0; BOOT_ARENA_SIZE]);

#[derive(Clone, Copy)]
struct Arena {
    /// Start address (direct map), and the frame block's order (usize::MAX for the boot arena).
    start: usize,
    order: usize,
    /// Bytes handed out from it (sizes as allocated).
    used: usize,
}

struct Arenas {
    /// Sorted by start; `len` in use.
    list: [Arena; MAX_ARENAS],
    len: usize,
    /// One allocator per arena, parallel to `list`.
    heaps: [Heap<20>; MAX_ARENAS],
    /// The arena that served the last allocation (tried first).
    hint: usize,
    /// Bytes of live objects (small and large), and frames the heap holds.
    bytes: usize,
    frames: usize,
    peak_bytes: usize,
}

const EMPTY_ARENA: Arena = Arena { start: 0, order: 0, used: 0 };

static ARENAS: Mutex<Arenas> = Mutex::new(Arenas {
    list: [EMPTY_ARENA; MAX_ARENAS],
    len: 0,
    heaps: [const { Heap::new() }; MAX_ARENAS],
    hint: 0,
    bytes: 0,
    frames: 0,
    peak_bytes: 0,
});

/// The kernel's global allocator (see the module doc).
pub struct KernelHeap;

#[global_allocator]
static HEAP: KernelHeap = KernelHeap;

fn is_small(layout: &Layout) -> bool {
    layout.size().max(layout.align()) <= SMALL_MAX
}

/// Smallest order whose block holds `bytes`.
fn order_for(bytes: usize) -> usize {
    bytes.div_ceil(PAGE_SIZE).next_power_of_two().trailing_zeros() as usize
}

impl Arenas {
    fn size_of(&self, i: usize) -> usize {
        let a = &self.list[i];
        if a.order == usize::MAX {
            BOOT_ARENA_SIZE
        } else {
            PAGE_SIZE << a.order
        }
    }

    /// Index of the arena containing `addr`.
    fn find(&self, addr: usize) -> Option<usize> {
        let i = self.list[..self.len].partition_point(|a| a.start <= addr).checked_sub(1)?;
        (addr < self.list[i].start + self.size_of(i)).then_some(i)
    }

    /// Inserts an arena over `[start, start + size)`; returns its index.
    fn insert(&mut self, start: usize, order: usize) -> Option<usize> {
        if self.len == MAX_ARENAS {
            return None;
        }
        let i = self.list[..self.len].partition_point(|a| a.start < start);
        self.list.copy_within(i..self.len, i + 1);
        // Heaps hold no pointer into themselves: moving them is fine.
        for j in (i..self.len).rev() {
            self.heaps[j + 1] = core::mem::take(&mut self.heaps[j]);
        }
        self.len += 1;
        self.list[i] = Arena { start, order, used: 0 };
        self.heaps[i] = Heap::new();
        let size = self.size_of(i);
        // SAFETY: the range is ours alone (a fresh frame block or the boot arena).
        unsafe { self.heaps[i].add_to_heap(start, start + size) };
        Some(i)
    }

    fn remove(&mut self, i: usize) {
        let a = self.list[i];
        self.list.copy_within(i + 1..self.len, i);
        for j in i..self.len - 1 {
            self.heaps[j] = core::mem::take(&mut self.heaps[j + 1]);
        }
        self.len -= 1;
        self.hint = 0;
        self.frames -= 1 << a.order;
        // SAFETY: the arena's block came from alloc_block with this order and holds no object.
        unsafe { frame::free_block(PhysPageNum((a.start - super::PHYS_OFFSET) / PAGE_SIZE), a.order) };
    }

    fn alloc_small(&mut self, layout: Layout) -> *mut u8 {
        let mut order = None;
        let hint = self.hint.min(self.len.saturating_sub(1));
        for i in core::iter::once(hint).chain(0..self.len) {
            if i < self.len {
                if let Ok(p) = self.heaps[i].alloc(layout) {
                    order = Some((i, p));
                    break;
                }
            }
        }
        let (i, p) = match order {
            Some(x) => x,
            None => {
                // A new arena: 64 KiB if a block that large is free, else smaller.
                let need = order_for(layout.size().max(layout.align()));
                let Some((ppn, o)) = (need..=ARENA_ORDER).rev().find_map(|o| frame::alloc_block(o).map(|p| (p, o)))
                else {
                    return core::ptr::null_mut();
                };
                self.frames += 1 << o;
                let Some(i) = self.insert(ppn.addr().to_kva(), o) else {
                    self.frames -= 1 << o;
                    // SAFETY: just allocated, unused.
                    unsafe { frame::free_block(ppn, o) };
                    return core::ptr::null_mut();
                };
                match self.heaps[i].alloc(layout) {
                    Ok(p) => (i, p),
                    Err(()) => return core::ptr::null_mut(),
                }
            }
        };
        self.hint = i;
        self.list[i].used += layout.size();
        p.as_ptr()
    }

    fn dealloc_small(&mut self, ptr: *mut u8, layout: Layout) {
        let Some(i) = self.find(ptr as usize) else { return };
        let Some(nn) = NonNull::new(ptr) else { return };
        // SAFETY: the object came from this arena's heap with this layout.
        unsafe { self.heaps[i].dealloc(nn, layout) };
        self.list[i].used -= layout.size();
        if self.list[i].used == 0 && self.list[i].order != usize::MAX {
            self.remove(i);
        }
    }
}

// SAFETY: every block returned is exclusively the caller's until dealloc,
// aligned as asked (arena heaps honour the layout; frame blocks are page
// aligned and larger than any alignment a small-object test lets through).
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut a = ARENAS.lock();
        let p = if is_small(&layout) {
            a.alloc_small(layout)
        } else {
            if layout.align() > PAGE_SIZE {
                return core::ptr::null_mut();
            }
            let order = order_for(layout.size());
            match frame::alloc_block(order) {
                Some(ppn) => {
                    a.frames += 1 << order;
                    ppn.addr().to_kva() as *mut u8
                }
                None => core::ptr::null_mut(),
            }
        };
        if !p.is_null() {
            a.bytes += layout.size();
            a.peak_bytes = a.peak_bytes.max(a.bytes);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut a = ARENAS.lock();
        a.bytes -= layout.size();
        if is_small(&layout) {
            a.dealloc_small(ptr, layout);
        } else {
            let order = order_for(layout.size());
            a.frames -= 1 << order;
            frame::free_block(PhysPageNum((ptr as usize - super::PHYS_OFFSET) / PAGE_SIZE), order);
        }
    }
}

/// Hands the static boot arena to the heap. Call once, before any allocation.
pub fn init() {
    let start = core::ptr::addr_of_mut!(BOOT_ARENA) as usize;
    ARENAS.lock().insert(start, usize::MAX);
}

/// Kernel heap figures, for the kernel's own reports and /proc/meminfo's
/// Slab-like lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes of live objects (as requested).
    pub bytes: usize,
    /// Most bytes live at once since boot.
    pub peak_bytes: usize,
    /// Frames the heap holds from the frame allocator (arenas and large objects).
    pub frames: usize,
    /// Arenas, boot arena included.
    pub arenas: usize,
}

/// The heap's figures now.
pub fn stats() -> HeapStats {
    let a = ARENAS.lock();
    HeapStats { bytes: a.bytes, peak_bytes: a.peak_bytes, frames: a.frames, arenas: a.len }
}
