//! Slab caches for the kernel's fixed-size objects (Linux's kmem_cache, as
//! SLUB keeps them), on top of the buddy allocator ([`super::frame`]).
//!
//! - A cache hands out objects of one size. It takes memory from the buddy
//!   allocator a *slab* at a time: a block of 2^order frames cut into
//!   objects, `size` bytes apart from the block's first byte (so an object
//!   of a power-of-two size up to 4 KiB is aligned to its size, as Linux's
//!   kmalloc guarantees), with the slab's record ([`SlabHeader`], 64 bytes)
//!   in the block's last bytes. The order is the smallest (0..=4) that
//!   wastes at most an eighth of the slab; when the buddy allocator has no
//!   free block that large (RAM fragmented by user pages), the slab is
//!   made of the smallest block that holds one object (SLUB's oo_min).
//! - Each cache keeps its slabs on two lists, *partial* (some objects
//!   free) and *full*; an allocation takes an object from the first
//!   partial slab (a new slab when there is none), a free puts it back on
//!   its slab's free list (the free object's first word links the next
//!   one, SLUB's free pointer). Objects never handed out are carved from
//!   the slab in address order, so a new slab touches only the frames it
//!   uses. A slab whose last object is freed goes back to the buddy
//!   allocator at once (SLUB keeps a few empty slabs; svos keeps none, so
//!   every frame the heap no longer uses is free).
//! - The kernel heap's small allocations ([`super::heap`]) come from the
//!   `kmalloc-8` .. `kmalloc-8k` caches (Linux's size classes, 96 and 192
//!   included); [`kmalloc_index`] picks the class by size and alignment.
//! - The buddy allocator records which frames are slabs
//!   ([`super::frame::tag_slab`]), so a free finds an object's slab from
//!   its address alone (Linux looks it up in struct page).
//!
//! /proc/slabinfo ([`slabinfo`]) prints every cache in Linux's format
//! (version 2.1); meminfo's Slab/SUnreclaim and vmstat's
//! nr_slab_unreclaimable count the slabs' frames (and the heap's large
//! blocks, as Linux counts kmalloc_large there). No svos cache is
//! reclaimable: SReclaimable is 0.
//!
//! Not thread-safe by itself: the kernel heap calls it under its lock.

use super::address::{PhysPageNum, PAGE_SIZE, PHYS_OFFSET};
use super::frame;
use core::ptr::null_mut;

/// The kmalloc size classes (bytes), smallest first (Linux's kmalloc_info
/// for SLUB with 8-byte minimum alignment, up to KMALLOC_MAX_CACHE_SIZE = 2 pages).
pub const KMALLOC_SIZES: [usize; 13] = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/// Their cache names, as Linux names them.
const KMALLOC_NAMES: [&str; 13] = [
    "kmalloc-8",
    "kmalloc-16",
    "kmalloc-32",
    "kmalloc-64",
    "kmalloc-96",
    "kmalloc-128",
    "kmalloc-192",
    "kmalloc-256",
    "kmalloc-512",
    "kmalloc-1k",
    "kmalloc-2k",
    "kmalloc-4k",
    "kmalloc-8k",
];

/// Largest size a kmalloc cache serves (bytes); larger objects get their
/// own block of frames.
pub const KMALLOC_MAX_CACHE_SIZE: usize = 8192;

/// Most caches at once.
pub const MAX_CACHES: usize = 32;

/// Largest slab order (16 frames).
const MAX_SLAB_ORDER: usize = frame::MAX_SLAB_ORDER;

/// Bytes at the end of each slab that hold its [`SlabHeader`].
pub const SLAB_HEADER_SIZE: usize = 64;

/// A slab's record, in the last [`SLAB_HEADER_SIZE`] bytes of its block.
#[repr(C)]
struct SlabHeader {
    /// Neighbours on the cache's partial or full list.
    next: *mut SlabHeader,
    prev: *mut SlabHeader,
    /// First freed object (its first word links the next), or null.
    freelist: *mut u8,
    /// Objects handed out now.
    inuse: usize,
    /// Objects below this index have been handed out at least once.
    fresh: usize,
    /// Index of its cache (checked on free).
    cache: usize,
    /// Objects it holds, and its block's order (the cache's, or its smaller fallback).
    objs: usize,
    order: usize,
}

const _: () = assert!(core::mem::size_of::<SlabHeader>() <= SLAB_HEADER_SIZE);

/// One cache (Linux's struct kmem_cache).
#[derive(Clone, Copy)]
pub struct Cache {
    /// Its name in /proc/slabinfo.
    pub name: &'static str,
    /// Object size in bytes.
    pub size: usize,
    /// Slabs are 2^order frames (the preferred order).
    pub order: usize,
    /// The fallback order when no block of `order` is free: the smallest that holds one object.
    pub min_order: usize,
    /// Objects per slab of `order`.
    pub objs_per_slab: usize,
    /// Slabs the cache holds.
    pub slabs: usize,
    /// Frames of those slabs.
    pub frames: usize,
    /// Objects those slabs hold (num_objs).
    pub num_objs: usize,
    /// Objects handed out now.
    pub active_objs: usize,
    partial: *mut SlabHeader,
    full: *mut SlabHeader,
}

/// The caches.
pub struct Slabs {
    caches: [Cache; MAX_CACHES],
    len: usize,
}

// SAFETY: the raw pointers are slabs owned by the caches, used only under the heap's lock.
unsafe impl Send for Slabs {}

const NO_CACHE: Cache = Cache {
    name: "",
    size: 0,
    order: 0,
    min_order: 0,
    objs_per_slab: 0,
    slabs: 0,
    frames: 0,
    num_objs: 0,
    active_objs: 0,
    partial: null_mut(),
    full: null_mut(),
};

/// The alignment every object of a cache of `size` has: the largest power
/// of two dividing `size`, at most a page.
pub fn object_align(size: usize) -> usize {
    (1usize << size.trailing_zeros()).min(PAGE_SIZE)
}

/// The kmalloc class (index into [`KMALLOC_SIZES`]) for an object of
/// `size` bytes aligned to `align`: the smallest class that holds it and
/// whose objects are aligned enough; `None` if it needs more than
/// [`KMALLOC_MAX_CACHE_SIZE`] or a page's alignment.
pub fn kmalloc_index(size: usize, align: usize) -> Option<usize> {
    KMALLOC_SIZES.iter().position(|&s| s >= size && object_align(s) >= align)
}

/// Objects of `size` in a slab of 2^`order` frames.
fn objs_in(size: usize, order: usize) -> usize {
    ((PAGE_SIZE << order) - SLAB_HEADER_SIZE) / size
}

impl Slabs {
    /// No caches yet.
    pub const fn new() -> Self {
        Slabs { caches: [NO_CACHE; MAX_CACHES], len: 0 }
    }

    /// Creates the kmalloc caches (once, before the first allocation).
    pub fn create_kmalloc_caches(&mut self) {
        for (name, size) in KMALLOC_NAMES.iter().zip(KMALLOC_SIZES) {
            self.create(name, size);
        }
    }

    /// Creates a cache of objects of `size` bytes (8..=[`KMALLOC_MAX_CACHE_SIZE`],
    /// a multiple of 8) named `name` (Linux's kmem_cache_create); returns
    /// its index, `None` when [`MAX_CACHES`] exist.
    pub fn create(&mut self, name: &'static str, size: usize) -> Option<usize> {
        if self.len == MAX_CACHES || !(8..=KMALLOC_MAX_CACHE_SIZE).contains(&size) || !size.is_multiple_of(8) {
            return None;
        }
        // Smallest order wasting at most 1/8 of the slab (Linux's
        // calculate_order tries fractions 1/16, 1/8, 1/4 with a minimum
        // object count); the largest if none does.
        let order = (0..=MAX_SLAB_ORDER)
            .find(|&o| objs_in(size, o) > 0 && (PAGE_SIZE << o) - objs_in(size, o) * size <= (PAGE_SIZE << o) / 8)
            .unwrap_or(MAX_SLAB_ORDER);
        let min_order = (0..=order).find(|&o| objs_in(size, o) > 0).unwrap_or(order);
        self.caches[self.len] = Cache { name, size, order, min_order, objs_per_slab: objs_in(size, order), ..NO_CACHE };
        self.len += 1;
        Some(self.len - 1)
    }

    /// The caches, in creation order.
    pub fn caches(&self) -> &[Cache] {
        &self.caches[..self.len]
    }

    /// Frames held by every cache's slabs.
    pub fn frames(&self) -> usize {
        self.caches().iter().map(|c| c.frames).sum()
    }

    /// An object of cache `i` (Linux's kmem_cache_alloc), not zeroed; null
    /// when a new slab is needed and the buddy allocator has no block for it.
    pub fn alloc(&mut self, i: usize) -> *mut u8 {
        let c = &mut self.caches[i];
        if c.partial.is_null() {
            let block = frame::alloc_block(c.order).map(|p| (p, c.order));
            let Some((ppn, order)) = block.or_else(|| frame::alloc_block(c.min_order).map(|p| (p, c.min_order))) else {
                return null_mut();
            };
            frame::tag_slab(ppn, order);
            let h = header_of(ppn, order);
            let objs = objs_in(c.size, order);
            let rec = SlabHeader {
                next: null_mut(),
                prev: null_mut(),
                freelist: null_mut(),
                inuse: 0,
                fresh: 0,
                cache: i,
                objs,
                order,
            };
            // SAFETY: the block is ours; its last bytes hold the header.
            unsafe { h.write(rec) };
            push(&mut c.partial, h);
            c.slabs += 1;
            c.frames += 1 << order;
            c.num_objs += objs;
        }
        let h = c.partial;
        // SAFETY: h is a live slab header of this cache; objects lie inside its block.
        unsafe {
            let base = h as usize + SLAB_HEADER_SIZE - (PAGE_SIZE << (*h).order);
            let obj = if !(*h).freelist.is_null() {
                let obj = (*h).freelist;
                (*h).freelist = *(obj as *mut *mut u8);
                obj
            } else {
                let obj = (base + (*h).fresh * c.size) as *mut u8;
                (*h).fresh += 1;
                obj
            };
            (*h).inuse += 1;
            c.active_objs += 1;
            if (*h).inuse == (*h).objs {
                unlink(&mut c.partial, h);
                push(&mut c.full, h);
            }
            obj
        }
    }

    /// Returns `obj` to cache `i` (Linux's kmem_cache_free); a slab left
    /// empty goes back to the buddy allocator.
    ///
    /// # Safety
    /// `obj` must come from [`Self::alloc`] of the same cache and be unused.
    pub unsafe fn free(&mut self, i: usize, obj: *mut u8) {
        let c = &mut self.caches[i];
        let ppn = PhysPageNum((obj as usize - PHYS_OFFSET) / PAGE_SIZE);
        let (base, order) = frame::slab_base(ppn).expect("kfree of an object in no slab");
        let h = header_of(base, order);
        assert_eq!((*h).cache, i, "kfree of an object of another cache");
        let was_full = (*h).inuse == (*h).objs;
        *(obj as *mut *mut u8) = (*h).freelist;
        (*h).freelist = obj;
        (*h).inuse -= 1;
        c.active_objs -= 1;
        if (*h).inuse == 0 {
            unlink(if was_full { &mut c.full } else { &mut c.partial }, h);
            c.slabs -= 1;
            c.frames -= 1 << order;
            c.num_objs -= (*h).objs;
            frame::untag_slab(base, order);
            frame::free_block(base, order);
        } else if was_full {
            unlink(&mut c.full, h);
            push(&mut c.partial, h);
        }
    }
}

impl Default for Cache {
    fn default() -> Self {
        NO_CACHE
    }
}

impl Default for Slabs {
    fn default() -> Self {
        Self::new()
    }
}

/// The header of the slab whose block starts at `ppn`.
fn header_of(ppn: PhysPageNum, order: usize) -> *mut SlabHeader {
    (ppn.addr().to_kva() + (PAGE_SIZE << order) - SLAB_HEADER_SIZE) as *mut SlabHeader
}

/// Pushes `h` at the head of `list`.
fn push(list: &mut *mut SlabHeader, h: *mut SlabHeader) {
    // SAFETY: h and the list's slabs are live headers.
    unsafe {
        (*h).prev = null_mut();
        (*h).next = *list;
        if !list.is_null() {
            (**list).prev = h;
        }
    }
    *list = h;
}

/// Takes `h` off `list`.
fn unlink(list: &mut *mut SlabHeader, h: *mut SlabHeader) {
    // SAFETY: h is on the list; its neighbours are live headers.
    unsafe {
        if (*h).prev.is_null() {
            *list = (*h).next;
        } else {
            (*(*h).prev).next = (*h).next;
        }
        if !(*h).next.is_null() {
            (*(*h).next).prev = (*h).prev;
        }
    }
}

/// /proc/slabinfo (mm/slab_common.c, SLUB: no tunables, one node): the
/// version line, the column header, then one line per cache, the newest
/// first as Linux lists them. active_slabs = num_slabs (every slab svos
/// holds has an object in use).
pub fn slabinfo(caches: &[Cache]) -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::from(
        "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n",
    );
    for c in caches.iter().rev() {
        let _ = writeln!(
            s,
            "{:<17} {:6} {:6} {:6} {:4} {:4} : tunables {:4} {:4} {:4} : slabdata {:6} {:6} {:6}",
            c.name,
            c.active_objs,
            c.num_objs,
            c.size,
            c.objs_per_slab,
            1 << c.order,
            0,
            0,
            0,
            c.slabs,
            c.slabs,
            0
        );
    }
    s
}
