//! kswapd's wake-up (Linux's mm/vmscan.c wakeup_kswapd): a frame allocation
//! that leaves the free frames at or below the low watermark
//! ([`super::frame::watermarks`]) wakes the reclaim thread, which evicts
//! pages of every process in the background, while they run, until the free
//! frames (counting those under writeback) reach the high watermark.
//! Allocations that find the free frames at min reclaim directly
//! ([`super::fault`]). The thread itself is a kernel thread of the scheduler
//! ([`crate::proc::sched`]: `kswapd`), which takes the request with
//! [`take_wakeup`].

use core::sync::atomic::{AtomicBool, Ordering};

/// Set by [`wake`], cleared by the scheduler when it makes kswapd runnable.
static WANTED: AtomicBool = AtomicBool::new(false);

/// Kswapd wake-ups requested since boot (Linux's kswapd_wakeups... per
/// request, whether or not kswapd was already awake).
pub static WAKEUPS: super::vmstat::Counter = super::vmstat::Counter::new();

/// Asks kswapd to run: an idle hart is kicked to start it at once; a busy
/// one starts it at its next pass through the scheduler.
pub fn wake() {
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
