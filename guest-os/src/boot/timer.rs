//! Time and the timer interrupt.
//!
//! svos reads time from the `time` CSR (privileged spec 3.1.11 / unprivileged
//! "Zicntr": `rdtime` mirrors the CLINT's mtime; `mcounteren.TM` lets S-mode
//! read it). The tick rate comes from the DTB's `/cpus/timebase-frequency`
//! (10 MHz on QEMU `virt` and svemu).
//!
//! The timer interrupt is the M-mode CLINT timer forwarded to S-mode (as the
//! SBI does; Sstc is not used, so it works on harts without it): S-mode asks
//! M-mode to program `mtimecmp` with an `ecall` (`a7 = 0`, `a0` = absolute
//! deadline in ticks), which also clears `mip.STIP`; when mtime reaches
//! mtimecmp, M-mode masks `mie.MTIE` and sets `mip.STIP`, which S-mode takes
//! as a supervisor timer interrupt (scause 5) when `sie.STIE` is set.

use core::sync::atomic::{AtomicU64, Ordering};

static TIMEBASE: AtomicU64 = AtomicU64::new(10_000_000);

/// Records the timebase frequency in Hz (from the DTB). Ignores 0.
pub fn set_timebase(hz: u64) {
    if hz != 0 {
        TIMEBASE.store(hz, Ordering::Relaxed);
    }
}

/// Ticks of `time` per second.
pub fn timebase() -> u64 {
    TIMEBASE.load(Ordering::Relaxed)
}

/// The current `time` CSR value, in ticks since reset.
#[inline]
pub fn now() -> u64 {
    let t: u64;
    unsafe { core::arch::asm!("csrr {0}, time", out(reg) t) };
    t
}

/// Converts ticks to nanoseconds (saturating).
pub fn ticks_to_ns(t: u64) -> u64 {
    ((t as u128 * 1_000_000_000) / timebase() as u128).min(u64::MAX as u128) as u64
}

/// Converts nanoseconds to ticks, rounding up (saturating).
pub fn ns_to_ticks(ns: u64) -> u64 {
    ((ns as u128 * timebase() as u128).div_ceil(1_000_000_000)).min(u64::MAX as u128) as u64
}

/// Programs the next timer interrupt at absolute time `deadline` (ticks) and
/// clears a pending one (the M-mode forwarder's set_timer call).
pub fn set_deadline(deadline: u64) {
    unsafe {
        core::arch::asm!("ecall", in("a7") 0usize, inlateout("a0") deadline => _, options(nostack));
    }
}

/// Enables the supervisor timer interrupt source (sie.STIE). Interrupts are
/// only taken in U-mode: the kernel runs with sstatus.SIE = 0.
pub fn enable() {
    unsafe { core::arch::asm!("csrs sie, {0}", in(reg) 1usize << 5) };
}

/// True if a supervisor timer interrupt is pending (sip.STIP).
pub fn pending() -> bool {
    let sip: usize;
    unsafe { core::arch::asm!("csrr {0}, sip", out(reg) sip) };
    sip & (1 << 5) != 0
}
