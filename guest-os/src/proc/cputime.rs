//! CPU time accounting: how long each thread ran in U-mode and in the
//! kernel on its behalf, and how each hart spent its time (user, system,
//! idle), as Linux's kernel/sched/cputime.c keeps them with
//! CONFIG_VIRT_CPU_ACCOUNTING_GEN: exactly, at every change of mode,
//! rather than by sampling at the timer tick.
//!
//! Each hart keeps the mode it is in and the `time` CSR value at which it
//! entered it. [`account`] closes the interval: the elapsed ticks go to the
//! hart's counter for that mode and, for user and system time, to the
//! thread that ran (if any), then the hart enters the next mode. The
//! scheduler calls it around each switch and around `wfi`; the return to
//! U-mode and the trap back call it with the running thread.
//!
//! Units: timer ticks (the DTB's timebase-frequency, 10 MHz on QEMU's
//! virt and svemu); /proc and times(2) show clock ticks (USER_HZ = 100,
//! [`to_clock_ticks`]), getrusage a timeval, clock_gettime nanoseconds.
//! Read by times, getrusage, wait4, clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
//! CLOCK_THREAD_CPUTIME_ID), /proc/PID/stat (utime, stime, cutime, cstime)
//! and /proc/stat (the cpu lines).

use crate::boot::timer;
use crate::smp::{self, MAX_HARTS};
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};

/// A thread's (or a group's, or its reaped children's) CPU time, in timer ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// Ticks in U-mode.
    pub user: u64,
    /// Ticks in the kernel on its behalf (system calls, faults, interrupts
    /// taken while it ran).
    pub system: u64,
}

impl CpuTime {
    /// Adds `other`'s times to these.
    pub fn add(&mut self, other: CpuTime) {
        self.user += other.user;
        self.system += other.system;
    }

    /// User plus system ticks.
    pub fn total(&self) -> u64 {
        self.user + self.system
    }
}

/// What a hart is doing, for its line of /proc/stat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Running a thread's U-mode code.
    User = 0,
    /// In the kernel (a thread's system call or fault, the scheduler).
    System = 1,
    /// In `wfi` with nothing to run.
    Idle = 2,
}

/// One hart's counters (ticks per [`Mode`]), its mode and when it entered
/// it. Written only by the hart itself; read by any (/proc/stat).
struct HartTime {
    ticks: [AtomicU64; 3],
    mode: AtomicU8,
    since: AtomicU64,
}

static HARTS: [HartTime; MAX_HARTS] = [const {
    HartTime {
        ticks: [const { AtomicU64::new(0) }; 3],
        mode: AtomicU8::new(Mode::System as u8),
        since: AtomicU64::new(0),
    }
}; MAX_HARTS];

/// Ends this hart's current interval (charging it to the hart's counter
/// for its mode and, for user and system time, to `thread`, the thread that
/// ran in it, if any) and enters `next`.
pub fn account(next: Mode, thread: Option<&mut CpuTime>) {
    let h = &HARTS[smp::hart_id()];
    let now = timer::now();
    let delta = now.saturating_sub(h.since.load(Relaxed));
    let mode = h.mode.load(Relaxed);
    h.ticks[mode as usize].fetch_add(delta, Relaxed);
    if let Some(t) = thread {
        if mode == Mode::User as u8 {
            t.user += delta;
        } else if mode == Mode::System as u8 {
            t.system += delta;
        }
    }
    h.since.store(now, Relaxed);
    h.mode.store(next as u8, Relaxed);
}

/// Hart `hart`'s (user, system, idle) ticks so far, the interval in
/// progress included.
pub fn hart_ticks(hart: usize) -> [u64; 3] {
    let h = &HARTS[hart];
    let mut t = [0; 3];
    for (i, v) in t.iter_mut().enumerate() {
        *v = h.ticks[i].load(Relaxed);
    }
    let mode = h.mode.load(Relaxed) as usize;
    t[mode] += timer::now().saturating_sub(h.since.load(Relaxed));
    t
}

/// `ticks` timer ticks in clock ticks (USER_HZ = 100 a second: /proc, times(2)).
pub fn to_clock_ticks(ticks: u64) -> u64 {
    ticks * 100 / timer::timebase().max(1)
}

/// `ticks` timer ticks as (seconds, microseconds) (a struct timeval).
pub fn to_timeval(ticks: u64) -> (i64, i64) {
    let us = ticks as u128 * 1_000_000 / timer::timebase().max(1) as u128;
    ((us / 1_000_000) as i64, (us % 1_000_000) as i64)
}
