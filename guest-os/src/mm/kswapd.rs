//! kswapd's wake-up (Linux's mm/vmscan.c wakeup_kswapd): a frame allocation
//! that leaves the free frames at or below the low watermark
//! ([`super::frame::watermarks`]) wakes the reclaim thread, which evicts
//! pages of every process in the background, while they run, until the free
//! frames (counting those under writeback) reach the high watermark.
//! Allocations that find the free frames at min reclaim directly
//! ([`super::fault`]). The thread itself is a kernel thread of the scheduler
//! ([`crate::proc::sched`]: `kswapd`), which takes the request with
//! [`take_wakeup`].
//!
//! A kswapd that evicts nothing [`MAX_RECLAIM_RETRIES`] passes in a row
//! (swap full and no page it may drop) is hopeless, as Linux's
//! `kswapd_failures`: wake-ups are ignored, so a fault no longer waits for
//! it but reclaims directly and, with nothing to evict, reaches the OOM
//! killer. Any pass or direct reclaim that evicts a page makes it hopeful
//! again ([`reclaimed`]).

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Set by [`wake`], cleared by the scheduler when it makes kswapd runnable.
static WANTED: AtomicBool = AtomicBool::new(false);

/// Kswapd wake-ups requested since boot (Linux's kswapd_wakeups... per
/// request, whether or not kswapd was already awake).
pub static WAKEUPS: super::vmstat::Counter = super::vmstat::Counter::new();

/// kswapd passes in a row that evicted nothing (Linux's
/// `pgdat->kswapd_failures`).
static FAILURES: AtomicUsize = AtomicUsize::new(0);

/// Passes without progress after which kswapd is no longer woken (Linux's
/// MAX_RECLAIM_RETRIES).
pub const MAX_RECLAIM_RETRIES: usize = 16;

/// Records a kswapd pass that found the free frames short and evicted
/// nothing.
pub fn failed() {
    FAILURES.fetch_add(1, Ordering::AcqRel);
}

/// Records reclaim progress (kswapd or direct reclaim evicted a page):
/// kswapd is woken again.
pub fn reclaimed() {
    FAILURES.store(0, Ordering::Release);
}

/// True once kswapd has failed [`MAX_RECLAIM_RETRIES`] passes in a row.
pub fn hopeless() -> bool {
    FAILURES.load(Ordering::Acquire) >= MAX_RECLAIM_RETRIES
}

/// Asks kswapd to run: an idle hart is kicked to start it at once; a busy
/// one starts it at its next pass through the scheduler. Ignored while
/// kswapd is [`hopeless`] (the caller reclaims directly).
pub fn wake() {
    if hopeless() {
        return;
    }
    if !WANTED.swap(true, Ordering::AcqRel) {
        WAKEUPS.inc();
        crate::smp::kick_idle_hart(u64::MAX);
    }
}

/// Takes the pending wake-up, if any (the scheduler).
pub fn take_wakeup() -> bool {
    WANTED.swap(false, Ordering::AcqRel)
}

/// True while a wake-up waits for the scheduler to run kswapd.
pub fn pending() -> bool {
    WANTED.load(Ordering::Acquire)
}
