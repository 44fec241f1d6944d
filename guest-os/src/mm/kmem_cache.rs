//! Named slab caches for the kernel's fixed-size objects (Linux's
//! `KMEM_CACHE(task_struct, ...)`): a [`KmemCache<T>`] is a static that
//! owns one slab cache ([`super::slab`]) of objects of type `T`, shown
//! under its own name in /proc/slabinfo; [`KmemCache::alloc`] moves a value
//! into one of its objects and returns the owner, a [`KBox<T>`], which
//! gives the object back to the cache when dropped (kmem_cache_free).
//!
//! The cache is created at its first allocation. Its objects are
//! `size_of::<T>()` bytes rounded up to `T`'s alignment (at least 8), so
//! every object in a slab is aligned for `T`; `T` must fit in
//! [`super::slab::KMALLOC_MAX_CACHE_SIZE`] bytes (checked at compile time).
//! Bytes live in caches count in the heap's totals (the leak check at
//! power-off, /proc/meminfo's Slab) as kmalloc'd bytes do.
//!
//! Objects the kernel reaches through `Arc`/`Rc` (files, pipes, shared
//! frames, address spaces) stay in the kmalloc caches: stable Rust gives
//! those types no allocator of one's choosing.

use super::heap;
use super::slab::KMALLOC_MAX_CACHE_SIZE;
use core::alloc::Layout;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use core::sync::atomic::AtomicUsize;

/// A named cache of `T` objects (Linux's struct kmem_cache made by KMEM_CACHE).
pub struct KmemCache<T> {
    /// Its name in /proc/slabinfo (Linux's, where Linux has the object).
    name: &'static str,
    /// Its slab cache index, `usize::MAX` until the first allocation.
    index: AtomicUsize,
    _objects: PhantomData<fn() -> T>,
}

impl<T> KmemCache<T> {
    /// `size_of::<T>()` fits a slab cache (a compile-time check, made
    /// when `alloc` is instantiated for `T`).
    const FITS: () = assert!(core::mem::size_of::<T>() <= KMALLOC_MAX_CACHE_SIZE, "too large for a slab cache");

    /// A cache named `name`, made at its first allocation.
    pub const fn new(name: &'static str) -> Self {
        KmemCache { name, index: AtomicUsize::new(usize::MAX), _objects: PhantomData }
    }

    /// One object's layout: `T`'s size rounded up to its alignment, at least 8 bytes.
    fn layout() -> Layout {
        let align = core::mem::align_of::<T>().max(8);
        let size = core::mem::size_of::<T>().max(8).next_multiple_of(align);
        Layout::from_size_align(size, align).expect("a type's layout")
    }

    /// Moves `value` into an object of this cache (Linux's
    /// kmem_cache_alloc). When no frame is left for a new slab, Rust's
    /// allocation-error path panics, as for `Box::new` (the heap's module
    /// doc says why the kernel keeps frames for itself).
    pub fn alloc(&'static self, value: T) -> KBox<T> {
        let () = Self::FITS;
        let layout = Self::layout();
        let cache = heap::named_cache(&self.index, self.name, layout);
        let Some(ptr) = NonNull::new(heap::cache_alloc(cache, layout).cast::<T>()) else {
            alloc::alloc::handle_alloc_error(layout)
        };
        // SAFETY: the object is ours, sized and aligned for T (layout()).
        unsafe { ptr.as_ptr().write(value) };
        KBox { ptr, cache, _owns: PhantomData }
    }
}

/// A `T` in an object of a [`KmemCache<T>`], owned (as `Box<T>` owns its
/// heap block): dropping it drops the `T` and frees the object.
pub struct KBox<T> {
    ptr: NonNull<T>,
    /// The slab cache index the object came from.
    cache: usize,
    _owns: PhantomData<T>,
}

// SAFETY: a KBox owns its T as a Box does; the cache is used under the heap's lock.
unsafe impl<T: Send> Send for KBox<T> {}
// SAFETY: as above: shared access is to the T only.
unsafe impl<T: Sync> Sync for KBox<T> {}

impl<T> Deref for KBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the object holds a live T until drop.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for KBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref, and we own it.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for KBox<T> {
    fn drop(&mut self) {
        // SAFETY: the T is live and ours; the object came from cache_alloc(self.cache, layout).
        unsafe {
            core::ptr::drop_in_place(self.ptr.as_ptr());
            heap::cache_free(self.cache, self.ptr.as_ptr().cast(), KmemCache::<T>::layout());
        }
    }
}
