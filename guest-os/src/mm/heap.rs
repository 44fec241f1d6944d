//! The kernel heap (Rust's global allocator): routes each allocation by
//! size and alignment, as Linux's kmalloc does.
//!
//! - Small objects (up to [`super::slab::KMALLOC_MAX_CACHE_SIZE`] = 8 KiB,
//!   alignment up to a page) come from the slab caches `kmalloc-8` ..
//!   `kmalloc-8k` ([`super::slab`]), the smallest class that holds the
//!   size with the alignment; slabs come from the buddy allocator and go
//!   back to it when their last object is freed.
//! - Larger objects (vectors, DMA rings, hart stacks) get their own block
//!   of frames from [`super::frame::alloc_block`], of the smallest order
//!   that holds them, freed with the object (Linux's kmalloc_large).
//! - A static boot arena in .bss (a `buddy_system_allocator::Heap`) serves
//!   the allocations made before the frame allocator exists (the DTB's
//!   strings, the free-range list), and any the buddy allocator cannot.
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
use super::slab::{self, Slabs};
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::Mutex;

/// Size of the static boot arena: what boot allocates before the frame
/// allocator exists (the DTB's strings, the free-range list) and a little more.
pub const BOOT_ARENA_SIZE: usize = 64 * 1024;

#[repr(align(4096))]
struct BootArena(#[allow(dead_code)] [u8; BOOT_ARENA_SIZE]);

static mut BOOT_ARENA: BootArena = BootArena([0; BOOT_ARENA_SIZE]);

struct State {
    slabs: Slabs,
    boot: Heap<20>,
    /// The boot arena's address range.
    boot_start: usize,
    /// Bytes of live objects (as requested), the most at once, and the
    /// frames of large objects.
    bytes: usize,
    peak_bytes: usize,
    large_frames: usize,
}

static HEAP_STATE: Mutex<State> = Mutex::new(State {
    slabs: Slabs::new(),
    boot: Heap::new(),
    boot_start: 0,
    bytes: 0,
    peak_bytes: 0,
    large_frames: 0,
});

/// The kernel's global allocator (see the module doc).
pub struct KernelHeap;

#[global_allocator]
static HEAP: KernelHeap = KernelHeap;

/// Smallest order whose block holds `bytes`.
fn order_for(bytes: usize) -> usize {
    bytes.div_ceil(PAGE_SIZE).next_power_of_two().trailing_zeros() as usize
}

/// Where an object of `layout` comes from.
enum Source {
    /// The kmalloc cache of this index.
    Cache(usize),
    /// A block of frames of this order.
    Large(usize),
}

fn source(layout: &Layout) -> Source {
    match slab::kmalloc_index(layout.size().max(1), layout.align()) {
        Some(i) => Source::Cache(i),
        None => Source::Large(order_for(layout.size())),
    }
}

impl State {
    fn in_boot_arena(&self, p: usize) -> bool {
        (self.boot_start..self.boot_start + BOOT_ARENA_SIZE).contains(&p)
    }
}

// SAFETY: every block returned is exclusively the caller's until dealloc,
// aligned as asked (kmalloc classes are chosen by their objects'
// alignment; frame blocks are page aligned, and larger alignments are
// refused; the boot arena's heap honours the layout).
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        alloc_from(None, layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        dealloc_to(None, ptr, layout)
    }
}

/// An object of `layout` from named cache `cache`, or (`None`) from where
/// [`source`] routes it; from the boot arena when that has no memory; null
/// when neither has. Out of line: inlined, the routing was copied into
/// every allocation in the kernel (+130 KB of text).
#[inline(never)]
fn alloc_from(cache: Option<usize>, layout: Layout) -> *mut u8 {
    let src = cache.map_or_else(|| source(&layout), Source::Cache);
    let mut h = HEAP_STATE.lock();
    let mut p = match src {
        Source::Cache(i) => h.slabs.alloc(i),
        Source::Large(_) if layout.align() > PAGE_SIZE => return core::ptr::null_mut(),
        Source::Large(order) => match frame::alloc_block(order) {
            Some(ppn) => {
                h.large_frames += 1 << order;
                ppn.addr().to_kva() as *mut u8
            }
            None => core::ptr::null_mut(),
        },
    };
    if p.is_null() {
        p = h.boot.alloc(layout).map_or(core::ptr::null_mut(), |nn| nn.as_ptr());
    }
    if !p.is_null() {
        h.bytes += layout.size();
        h.peak_bytes = h.peak_bytes.max(h.bytes);
    }
    p
}

/// Gives back `ptr`, which [`alloc_from`] returned for `cache` and `layout`.
///
/// # Safety
/// `ptr` is unused from now on.
#[inline(never)]
unsafe fn dealloc_to(cache: Option<usize>, ptr: *mut u8, layout: Layout) {
    let src = cache.map_or_else(|| source(&layout), Source::Cache);
    let mut h = HEAP_STATE.lock();
    h.bytes -= layout.size();
    if h.in_boot_arena(ptr as usize) {
        if let Some(nn) = NonNull::new(ptr) {
            h.boot.dealloc(nn, layout);
        }
        return;
    }
    match src {
        Source::Cache(i) => h.slabs.free(i, ptr),
        Source::Large(order) => {
            h.large_frames -= 1 << order;
            frame::free_block(PhysPageNum((ptr as usize - super::PHYS_OFFSET) / PAGE_SIZE), order);
        }
    }
}

/// The index of the named cache `name` for objects of `layout`, created
/// at the first call (Linux's kmem_cache_create) and kept in `index`
/// (`usize::MAX` until then); the kmalloc class of `layout` if no more
/// caches can be made ([`slab::MAX_CACHES`]). `layout`'s size is a
/// multiple of its alignment, at least 8 and at most
/// [`slab::KMALLOC_MAX_CACHE_SIZE`] bytes (what [`super::kmem_cache`] asks).
pub(super) fn named_cache(index: &AtomicUsize, name: &'static str, layout: Layout) -> usize {
    let i = index.load(Ordering::Acquire);
    if i != usize::MAX {
        return i;
    }
    let mut h = HEAP_STATE.lock();
    // Another hart may have made it meanwhile.
    let i = index.load(Ordering::Acquire);
    if i != usize::MAX {
        return i;
    }
    let fallback = slab::kmalloc_index(layout.size(), layout.align()).expect("a named cache's object fits kmalloc");
    let i = h.slabs.create(name, layout.size()).unwrap_or(fallback);
    index.store(i, Ordering::Release);
    i
}

/// An object of `layout` from slab cache `cache` (a [`named_cache`]
/// index); null when no frame is left.
pub(super) fn cache_alloc(cache: usize, layout: Layout) -> *mut u8 {
    alloc_from(Some(cache), layout)
}

/// Gives back an object [`cache_alloc`] returned.
///
/// # Safety
/// `ptr` came from `cache_alloc(cache, layout)` and is unused from now on.
pub(super) unsafe fn cache_free(cache: usize, ptr: *mut u8, layout: Layout) {
    dealloc_to(Some(cache), ptr, layout)
}

/// Hands the static boot arena to the heap and creates the kmalloc caches.
/// Call once, before any allocation.
pub fn init() {
    let start = core::ptr::addr_of_mut!(BOOT_ARENA) as usize;
    let mut h = HEAP_STATE.lock();
    h.boot_start = start;
    // SAFETY: the arena is ours alone, used by nothing else.
    unsafe { h.boot.add_to_heap(start, start + BOOT_ARENA_SIZE) };
    h.slabs.create_kmalloc_caches();
}

/// Kernel heap figures, for the kernel's own reports, /proc/meminfo's
/// Slab lines and /proc/vmstat's nr_slab_unreclaimable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes of live objects (as requested).
    pub bytes: usize,
    /// Most bytes live at once since boot.
    pub peak_bytes: usize,
    /// Frames the heap holds from the frame allocator: slabs and large objects.
    pub frames: usize,
    /// The part of `frames` in slabs.
    pub slab_frames: usize,
}

/// The heap's figures now.
pub fn stats() -> HeapStats {
    HEAP_STATE.lock().stats()
}

/// [`stats`] unless the heap's lock is taken (for the panic report, which
/// may run inside the allocator).
pub fn try_stats() -> Option<HeapStats> {
    HEAP_STATE.try_lock().map(|h| h.stats())
}

/// Calls `f` with each slab cache that holds objects, unless the heap's
/// lock is taken (for the panic report: `f` must not allocate).
pub fn try_for_each_cache(mut f: impl FnMut(&slab::Cache)) {
    if let Some(h) = HEAP_STATE.try_lock() {
        h.slabs.caches().iter().filter(|c| c.active_objs > 0).for_each(&mut f);
    }
}

impl State {
    fn stats(&self) -> HeapStats {
        let slab_frames = self.slabs.frames();
        HeapStats {
            bytes: self.bytes,
            peak_bytes: self.peak_bytes,
            frames: slab_frames + self.large_frames,
            slab_frames,
        }
    }
}

/// /proc/slabinfo: the kmalloc and named caches in Linux's format ([`slab::slabinfo`]).
pub fn slabinfo() -> alloc::string::String {
    // Copied out first: formatting allocates, which takes the heap's lock.
    let mut caches = [slab::Cache::default(); slab::MAX_CACHES];
    let n = {
        let h = HEAP_STATE.lock();
        let c = h.slabs.caches();
        caches[..c.len()].copy_from_slice(c);
        c.len()
    };
    slab::slabinfo(&caches[..n])
}
