//! Swap space: 4 KiB slots on the virtio-blk disk ([`crate::drivers::virtio_blk`]).
//!
//! Slot `n` is sectors `8n .. 8n+8` of the disk; a bitmap records the slots
//! in use, and the lowest free slot is taken first (deterministic). A
//! [`SwapSlot`] owns one slot and frees it on drop, like a
//! [`super::frame::FrameTracker`] for frames, so an address space that is
//! dropped (exit, exec) or unmaps pages (munmap, brk) frees its slots.
//!
//! The kernel totals of pages written out and read back are kept here; the
//! per-process major-fault counts live in [`super::addr_space::MemUsage`].
//!
//! Swap I/O is asynchronous ([`crate::drivers::virtio_blk`]):
//!
//! - **Writes** (Linux's swap_writepage under writeback): reclaim gives each
//!   victim a slot ([`alloc_slot`]: lowest free first, so the victims of one
//!   pass get neighbouring slots) and hands slot and frame to
//!   [`queue_write`]; [`flush_writes`] then sends the queued pages as
//!   clusters, one disk request per run of consecutive slots (up to
//!   [`virtio_blk::MAX_PAGES`] pages). Until its request completes a page
//!   is *under writeback*: its frame stays allocated and unchanged (no PTE
//!   maps it any more and nothing may write it) and its slot stays
//!   allocated even if every space drops it, so the slot is never reused or
//!   read half-written. The page is in the swap cache
//!   ([`super::swap_cache`]) meanwhile: a fault on its slot maps the frame
//!   being written (read-only) instead of waiting. [`reap`] frees them once
//!   the disk is done ([`writeback_pages`] counts them for reclaim's
//!   targets).
//! - **Reads** ([`read_pages`]): a major fault reads its slot, and may read
//!   ahead the neighbouring slots of the neighbouring pages, in one
//!   request, into frames entered in the swap cache at once (another space
//!   faulting on one of those slots waits for this read instead of sending
//!   its own), and sleeps until it completes ([`super::fault`]).
//! - A write the disk fails keeps its pages: they stay in memory
//!   ([`take_stranded`] gives the frame back at the next fault on the slot),
//!   so nothing is lost.

use super::cow::{PageFrame, SharedFrame};
use crate::drivers::virtio_blk::{self, ReqId, SECTORS_PER_PAGE};
use crate::mm::PhysPageNum;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

struct SwapSpace {
    /// Bit n set = slot n in use.
    used: Vec<u64>,
    slots: usize,
    in_use: usize,
    swapped_out: u64,
    swapped_in: u64,
}

static SWAP: Mutex<Option<SwapSpace>> = Mutex::new(None);

/// Turns swap on over a disk of `sectors` 512-byte sectors: one slot per
/// whole 4 KiB page. Returns the number of slots (0 leaves swap off).
pub fn init(sectors: u64) -> usize {
    let slots = (sectors / SECTORS_PER_PAGE) as usize;
    if slots > 0 {
        super::swap_cache::init(slots);
        // The write queue's room, taken once: queueing allocates nothing
        // while reclaim keeps it within its bound.
        IO.lock().queued.reserve(QUEUE_BOUND);
        *SWAP.lock() = Some(SwapSpace {
            used: alloc::vec![0; slots.div_ceil(64)],
            slots,
            in_use: 0,
            swapped_out: 0,
            swapped_in: 0,
        });
    }
    slots
}

/// Number of swap slots (0 without a disk).
pub fn slots() -> usize {
    SWAP.lock().as_ref().map_or(0, |s| s.slots)
}

/// True if more than half of the swap slots are in use (Linux's
/// vm_swap_full): pages read back then give up their slot instead of
/// keeping it as a swap cache copy, so cached copies never fill the disk.
pub fn nearly_full() -> bool {
    SWAP.lock().as_ref().is_some_and(|s| s.in_use * 2 > s.slots)
}

/// True if a swap disk is attached (page eviction is possible).
pub fn active() -> bool {
    SWAP.lock().is_some()
}

/// Kernel totals since boot: (pages swapped out, pages swapped in, slots in use).
pub fn stats() -> (u64, u64, usize) {
    SWAP.lock().as_ref().map_or((0, 0, 0), |s| (s.swapped_out, s.swapped_in, s.in_use))
}

/// One slot of swap space holding one page; dropping it frees the slot.
#[derive(Debug)]
pub struct SwapSlot {
    slot: usize,
}

impl SwapSlot {
    /// The slot number (0 .. slots).
    pub fn number(&self) -> usize {
        self.slot
    }
}

impl Drop for SwapSlot {
    fn drop(&mut self) {
        if let Some(s) = SWAP.lock().as_mut() {
            s.used[self.slot / 64] &= !(1 << (self.slot % 64));
            s.in_use -= 1;
        }
    }
}

/// Pages a reclaim pass evicts at least (when it can), so that its writes
/// leave as clusters of consecutive slots rather than page by page.
pub const CLUSTER: usize = 16;

/// Allocates the lowest free slot, or `None` if swap is off or full.
pub fn alloc_slot() -> Option<SwapSlot> {
    let mut guard = SWAP.lock();
    let s = guard.as_mut()?;
    let (word, bits) = s.used.iter().enumerate().find(|(_, w)| **w != u64::MAX)?;
    let slot = word * 64 + bits.trailing_ones() as usize;
    if slot >= s.slots {
        return None;
    }
    s.used[word] |= 1 << (slot % 64);
    s.in_use += 1;
    Some(SwapSlot { slot })
}

/// A page under writeback: its slot and its frame, both kept until the write completes.
struct Writeback {
    slot: Arc<SwapSlot>,
    frame: PageFrame,
}

/// Pages on their way to disk.
struct Io {
    /// Queued by reclaim, not yet sent ([`flush_writes`]).
    queued: Vec<Writeback>,
    /// Sent, by request.
    writing: BTreeMap<ReqId, Vec<Writeback>>,
    /// Slot number -> its write request (0 while queued).
    by_slot: BTreeMap<usize, ReqId>,
    /// Pages of failed writes, by slot: kept in memory ([`take_stranded`]).
    stranded: BTreeMap<usize, PageFrame>,
    /// Pages (frames and their slots) of reads whose address space went
    /// away before the read completed: let go by [`reap`] once the disk is
    /// done (another space may have found them in the swap cache).
    orphans: Vec<(ReqId, Arc<SharedFrame>)>,
}

static IO: Mutex<Io> = Mutex::new(Io {
    queued: Vec::new(),
    writing: BTreeMap::new(),
    by_slot: BTreeMap::new(),
    stranded: BTreeMap::new(),
    orphans: Vec::new(),
});

/// Queued pages at which [`queue_write`] sends the queue itself, so a
/// long reclaim pass never holds many frames (or much heap) in it, and
/// past which, while the disk's ring has no room for them, the queue makes
/// [`throttle`] true.
const QUEUE_MAX: usize = 4 * virtio_blk::MAX_PAGES;

/// Most pages the write queue holds while every reclaimer stops at
/// [`throttle`]: [`QUEUE_MAX`] - 1 and one batch of [`CLUSTER`] victims.
/// Room for them is reserved at [`init`].
const QUEUE_BOUND: usize = QUEUE_MAX + CLUSTER;

/// Queues the write of `frame` (no PTE maps it writable any more) to
/// `slot`; [`flush_writes`] sends it (or this call, once [`QUEUE_MAX`]
/// pages wait). Until the write is done, a fault on the slot maps this
/// frame ([`writeback_page`]). Allocates no queue room within
/// [`QUEUE_BOUND`] pages (reclaim runs when frames are short), only the
/// slot's entry in the index of pages under writeback.
pub(super) fn queue_write(slot: Arc<SwapSlot>, frame: PageFrame) {
    let full = {
        let mut io = IO.lock();
        io.by_slot.insert(slot.slot, 0);
        io.queued.push(Writeback { slot, frame });
        super::vmstat::SWAP_QUEUE_PEAK.max(io.queued.len() as u64);
        io.queued.len() >= QUEUE_MAX
    };
    if full {
        flush_writes();
    }
}

/// True while [`QUEUE_MAX`] or more pages wait in the write queue because
/// the disk's ring has no room for them: reclaim (kswapd and direct
/// reclaim) must stop evicting and wait for the disk, as Linux throttles
/// reclaim on writeback (reclaim_throttle, VMSCAN_THROTTLE_WRITEBACK).
/// Each true answer is counted as reclaim_throttled
/// ([`super::vmstat::RECLAIM_THROTTLED`]): a reclaimer asks once per
/// batch and stops at the first true.
///
/// Evicting a page still shared copy-on-write queues its write but frees
/// no frame, so without this a reclaim pass over forked processes queued a
/// write for nearly every page they share: 1,000 and more, whose queue
/// needed a block of 32 KiB and more of kernel heap that fragmented RAM
/// did not have (a kernel panic under heavy swap on 4 harts).
pub fn throttle() -> bool {
    let congested = IO.lock().queued.len() >= QUEUE_MAX;
    if congested {
        super::vmstat::RECLAIM_THROTTLED.inc();
    }
    congested
}

/// Sends the queued writes, one request per run of consecutive slots (a
/// cluster of up to [`virtio_blk::MAX_PAGES`] pages), and counts them as
/// swapped out. Never waits: when the disk's queue is full the rest stay
/// queued (still under writeback) and are sent by a later call, at the
/// latest by [`reap`] when a request completes. Returns a request to wait
/// for: the last one sent, or when nothing could be sent, the oldest in
/// flight (None: nothing was queued, or nothing is in flight).
pub fn flush_writes() -> Option<ReqId> {
    let mut io = IO.lock();
    io.queued.sort_unstable_by_key(|w| w.slot.slot);
    let mut last = None;
    while let Some(first) = io.queued.first().map(|w| w.slot.slot) {
        let run =
            io.queued.iter().take(virtio_blk::MAX_PAGES).zip(first..).take_while(|(w, s)| w.slot.slot == *s).count();
        let mut pages = [PhysPageNum(0); virtio_blk::MAX_PAGES];
        for (page, w) in pages.iter_mut().zip(&io.queued[..run]) {
            *page = w.frame.ppn();
        }
        let id = match virtio_blk::submit(true, first as u64 * SECTORS_PER_PAGE, &pages[..run]) {
            // No room on the ring: the queue waits for a completion.
            Err(virtio_blk::DiskError::Full) => return last.or_else(virtio_blk::oldest),
            r => r,
        };
        let cluster: Vec<Writeback> = io.queued.drain(..run).collect();
        match id {
            Ok(id) => {
                for w in &cluster {
                    io.by_slot.insert(w.slot.slot, id);
                }
                if let Some(s) = SWAP.lock().as_mut() {
                    s.swapped_out += cluster.len() as u64;
                }
                super::vmstat::SWAP_WRITE_REQUESTS.inc();
                io.writing.insert(id, cluster);
                last = Some(id);
            }
            Err(_) => io.strand(cluster),
        }
    }
    last
}

impl Io {
    fn strand(&mut self, pages: Vec<Writeback>) {
        crate::println!("[svos] swap: the disk failed a write of {} pages: they stay in memory", pages.len());
        for w in pages {
            self.by_slot.remove(&w.slot.slot);
            // The slot does not hold the page: out of the swap cache.
            if let PageFrame::Shared(sf) = &w.frame {
                sf.forget_copy();
            }
            self.stranded.insert(w.slot.slot, w.frame);
        }
    }
}

/// Frees the frames (and slots no space refers to any more) of completed
/// writes and of orphaned reads, then sends the writes still queued (the
/// disk's queue was full) now that requests have left it. Returns the
/// number of pages whose writeback ended.
pub fn reap() -> usize {
    let pages = reap_writes();
    let done: Vec<_> = IO.lock().orphans.extract_if(.., |(req, _)| virtio_blk::is_done(*req)).collect();
    for (req, page) in &done {
        // A failed read: the frame does not hold the slot (its error is
        // taken once for the request's pages).
        if virtio_blk::has_failed(*req) {
            page.forget_copy();
        }
    }
    for (req, _) in &done {
        let _ = virtio_blk::take_error(*req);
    }
    drop(done);
    let send = !IO.lock().queued.is_empty();
    if send {
        flush_writes();
    }
    pages
}

fn reap_writes() -> usize {
    let mut io = IO.lock();
    let done: Vec<ReqId> = io.writing.keys().copied().filter(|&id| virtio_blk::is_done(id)).collect();
    let mut pages = 0;
    for id in done {
        let Some(cluster) = io.writing.remove(&id) else { continue };
        pages += cluster.len();
        if virtio_blk::take_error(id).is_err() {
            io.strand(cluster);
            continue;
        }
        for w in &cluster {
            io.by_slot.remove(&w.slot.slot);
        }
        drop(cluster);
    }
    // An emptied BTreeMap keeps its root node (hundreds of bytes of heap):
    // with no write left, the tables give it back.
    if io.writing.is_empty() && io.by_slot.is_empty() {
        io.writing = BTreeMap::new();
        io.by_slot = BTreeMap::new();
    }
    pages
}

/// The write request of a slot under writeback, if it is.
pub fn writing(slot: usize) -> Option<ReqId> {
    IO.lock().by_slot.get(&slot).copied()
}

/// The page under writeback to slot `slot`, if it is, for a fault on the
/// slot (Linux finds it in the swap cache): a private frame becomes a
/// shared one, entered in the swap cache, which the write and the faulting
/// spaces share read-only (it is freed with the last of them).
pub(super) fn writeback_page(slot: usize) -> Option<Arc<SharedFrame>> {
    let mut io = IO.lock();
    let req = *io.by_slot.get(&slot)?;
    let Io { queued, writing, .. } = &mut *io;
    let list = if req == 0 { queued } else { writing.get_mut(&req)? };
    let mut i = list.iter().position(|w| w.slot.slot == slot)?;
    if let PageFrame::Private(..) = list[i].frame {
        // The order of a queue or a sent cluster does not matter any more
        // (the queue is sorted when sent), and the push reuses the room.
        let Writeback { slot: s, frame: PageFrame::Private(f, _) } = list.swap_remove(i) else { unreachable!() };
        let sf = SharedFrame::swap_cached(f, s.clone(), 0);
        list.push(Writeback { slot: s, frame: PageFrame::Shared(sf) });
        i = list.len() - 1;
    }
    let w = &list[i];
    match &w.frame {
        PageFrame::Shared(sf) => {
            if !sf.copy.lock().as_ref().is_some_and(|s| Arc::ptr_eq(s, &w.slot)) {
                return None;
            }
            super::swap_cache::add(slot, sf);
            Some(sf.clone())
        }
        PageFrame::Private(..) | PageFrame::Cache(_) => None,
    }
}

/// A request to wait for while swap writes are pending: the oldest write in
/// flight, or while writes wait in the queue for room on the disk's ring,
/// the oldest request in flight. None when no write is pending.
pub fn oldest_write() -> Option<ReqId> {
    loop {
        {
            let io = IO.lock();
            if let Some(&id) = io.writing.keys().next() {
                return Some(id);
            }
            if io.queued.is_empty() {
                return None;
            }
        }
        if let Some(id) = virtio_blk::oldest() {
            return Some(id);
        }
        // Queued, and the ring is empty: it has room now (a write that
        // cannot be sent is stranded, so this ends).
        flush_writes();
    }
}

/// Keeps `page` (its frame and slot) until read request `req` is done
/// with it: for an address space dropped (exit, exec) while its swap-in
/// was in flight, so nothing waits for the disk.
pub(super) fn orphan_read(req: ReqId, page: Arc<SharedFrame>) {
    IO.lock().orphans.push((req, page));
}

/// Frames under writeback (queued or sent) that their write's completion
/// frees (a frame still shared copy-on-write with another space stays):
/// reclaim counts them as already freed.
pub fn writeback_pages() -> usize {
    let io = IO.lock();
    io.queued.iter().chain(io.writing.values().flatten()).filter(|w| w.frees()).count()
}

impl Writeback {
    fn frees(&self) -> bool {
        self.frame.is_last_reference()
    }
}

/// The page of slot `slot` if its write failed: it was kept in memory.
pub(super) fn take_stranded(slot: usize) -> Option<PageFrame> {
    let mut io = IO.lock();
    if io.stranded.is_empty() {
        return None;
    }
    io.stranded.remove(&slot)
}

/// Starts reading the consecutive slots from `first` into `frames` (one
/// request) and counts them as swapped in. The frames belong to the disk
/// until the request is done.
pub fn read_pages(first: usize, frames: &[PhysPageNum]) -> Result<ReqId, virtio_blk::DiskError> {
    let id = virtio_blk::submit(false, first as u64 * SECTORS_PER_PAGE, frames)?;
    if let Some(s) = SWAP.lock().as_mut() {
        s.swapped_in += frames.len() as u64;
    }
    Ok(id)
}
