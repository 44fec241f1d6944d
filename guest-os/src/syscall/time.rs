//! Time and system identification: nanosleep, clock_gettime, uname.

use super::errno::*;
use crate::boot::timer;
use crate::proc::process::WaitFor;
use crate::proc::sched;
use crate::proc::usercopy::{copy_from_user, copy_to_user};

/// nanosleep(req, rem): blocks for `req` ({tv_sec: i64, tv_nsec: i64}),
/// rounded up to a tick of `time`. -EINVAL for a negative or out-of-range
/// value, -EFAULT for a bad pointer, -EINTR if killed while asleep (rem is
/// then not written: the process dies anyway).
pub fn sys_nanosleep(req: usize, _rem: usize) -> isize {
    let mut b = [0u8; 16];
    if let Err(e) = copy_from_user(&mut b, req) {
        return e;
    }
    let sec = i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    let nsec = i64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return EINVAL;
    }
    let ns = (sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64);
    let deadline = timer::now().saturating_add(timer::ns_to_ticks(ns));
    loop {
        if sched::current().killed.is_some() {
            return EINTR;
        }
        if timer::now() >= deadline {
            return 0;
        }
        sched::block(WaitFor::Time(deadline));
    }
}

/// clock_gettime(clockid, tp): CLOCK_REALTIME (0), CLOCK_MONOTONIC (1) and
/// CLOCK_BOOTTIME (7) all count from reset (no RTC), from the `time` CSR
/// and the DTB timebase. -EINVAL for other clocks.
pub fn sys_clock_gettime(clock: usize, tp: usize) -> isize {
    if !matches!(clock, 0 | 1 | 4 | 7) {
        return EINVAL;
    }
    let ns = timer::ticks_to_ns(timer::now());
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
    b[8..].copy_from_slice(&(ns % 1_000_000_000).to_le_bytes());
    match copy_to_user(tp, &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// uname(buf): struct utsname, six 65-byte NUL-padded fields.
pub fn sys_uname(buf: usize) -> isize {
    let fields = ["svos", "svos", "0.2.0", "svos issue 6", "riscv64", "(none)"];
    let mut b = [0u8; 65 * 6];
    for (i, f) in fields.iter().enumerate() {
        b[i * 65..i * 65 + f.len()].copy_from_slice(f.as_bytes());
    }
    match copy_to_user(buf, &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}
