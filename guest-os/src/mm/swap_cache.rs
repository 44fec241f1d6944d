//! The swap cache (Linux's mm/swap_state.c): the pages in memory that hold
//! the exact contents of a swap slot, looked up by slot number
//! ([`lookup`], Linux's lookup_swap_cache; [`add`], add_to_swap_cache).
//!
//! A slot is shared by every address space that swapped out the same page
//! (fork shares swap entries as it shares frames), so the first fault on it
//! reads it back and the others must find that frame rather than read the
//! slot again into frames of their own. A page is in the cache, as a
//! [`SharedFrame`] whose `copy` is the slot, while:
//!
//! - it is being read back (entered when the read is sent, the request
//!   kept in the page: a fault on the slot meanwhile waits for that
//!   request, it never sends its own);
//! - it was read back and other spaces still hold the slot, or map the
//!   frame (read-only, copy-on-write, as every shared frame);
//! - it is under writeback (queued or sent: [`super::swap::queue_write`]):
//!   a fault maps the frame being written, without waiting or reading
//!   (entered at that fault, [`super::swap::writeback_page`], so that
//!   reclaim allocates nothing);
//! - it is a frame shared copy-on-write that one of its spaces evicted
//!   (written once; the others drop it without I/O).
//!
//! A fault that finds the page maps that frame read-only (a *minor* fault,
//! as Linux counts a swap cache hit) and lets go of its own reference to
//! the slot; the frame's copy keeps the slot (counted as `swap_cache_hits`
//! in the `svos.vmstat` line). The page leaves the cache when
//! its last reference goes (the frame is freed, and the slot with it if no
//! space holds it any more) or when it is dirtied: a store to it takes the
//! copy-on-write path ([`super::cow`]), which keeps the frame only if no
//! other reference exists (the swap copy is then dropped:
//! [`SharedFrame::into_frame`]) and copies it otherwise. A page that only
//! its faulting space wants (the slot held by no one else) is taken out of
//! the cache when its read completes and mapped private and writable, its
//! slot kept as its own swap copy, as before ([`super::fault`]).
//!
//! The index is one weak reference per slot, allocated when swap is
//! turned on ([`init`]: 8 bytes a slot, as Linux's swap_map is allocated
//! at swapon), so entering a page costs no allocation (reclaim adds pages
//! under writeback while frames are short). Weak references never keep a
//! frame alive, so reclaim needs no pass over the cache. The read request
//! filling a page is kept in the page ([`SharedFrame::read`]). Lock order:
//! this table's lock is taken last, and no frame is dropped while it is
//! held.

use super::cow::SharedFrame;
use crate::drivers::virtio_blk::{self, ReqId};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use spin::Mutex;

/// Slot number -> the page holding its contents (dangling: none).
static CACHE: Mutex<Vec<Weak<SharedFrame>>> = Mutex::new(Vec::new());

/// What [`lookup`] found for a slot.
pub(super) enum Lookup {
    /// The page, holding the slot's bytes: map it.
    Hit(Arc<SharedFrame>),
    /// The page is being read: wait for this request, then look again.
    Wait(ReqId),
    /// Not in memory (or its read failed): read the slot.
    Miss,
}

/// Makes the index for `slots` swap slots (when swap is turned on).
pub(super) fn init(slots: usize) {
    let mut index = Vec::with_capacity(slots);
    index.resize_with(slots, Weak::new);
    *CACHE.lock() = index;
}

/// Adds `page` (whose copy is slot `slot`) to the cache (Linux's
/// add_to_swap_cache), replacing an older entry of the slot. Never allocates.
pub(super) fn add(slot: usize, page: &Arc<SharedFrame>) {
    if let Some(e) = CACHE.lock().get_mut(slot) {
        *e = Arc::downgrade(page);
    }
}

/// Looks slot `slot` up (Linux's lookup_swap_cache).
pub(super) fn lookup(slot: usize) -> Lookup {
    let found = CACHE.lock().get(slot).and_then(Weak::upgrade);
    let Some(page) = found else { return Lookup::Miss };
    let read = page.read.load(Ordering::Acquire);
    if read != 0 {
        if !virtio_blk::is_done(read) {
            return Lookup::Wait(read);
        }
        if virtio_blk::has_failed(read) {
            // The reader forgets it (and reports its error).
            return Lookup::Miss;
        }
        page.read.store(0, Ordering::Release);
    }
    if page.copy.lock().as_ref().is_none_or(|s| s.number() != slot) {
        return Lookup::Miss;
    }
    super::vmstat::SWAP_CACHE_HITS.inc();
    Lookup::Hit(page)
}

/// True if slot `slot` has a page in the cache (read-ahead skips it).
pub(super) fn contains(slot: usize) -> bool {
    CACHE.lock().get(slot).is_some_and(|e| e.strong_count() > 0)
}

/// Removes the entry of `slot` if it is `page`'s (or its page is gone):
/// `page` no longer holds the slot's bytes, or is being freed.
pub(super) fn remove(slot: usize, page: *const SharedFrame) {
    if let Some(e) = CACHE.lock().get_mut(slot) {
        if e.as_ptr() == page || e.strong_count() == 0 {
            *e = Weak::new();
        }
    }
}
