//! Time and system identification: nanosleep, clock_gettime, uname.

use super::errno::*;
use crate::boot::timer;
use crate::proc::cputime;
use crate::proc::process::WaitFor;
use crate::proc::sched;
use crate::proc::usercopy::{copy_from_user, copy_to_user};

/// Reads a struct timespec at `va` as nanoseconds. -EFAULT, -EINVAL for
/// a negative or out-of-range value.
fn read_timespec(va: usize) -> Result<u64, isize> {
    let mut b = [0u8; 16];
    copy_from_user(&mut b, va)?;
    let sec = i64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    let nsec = i64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(EINVAL);
    }
    Ok((sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64))
}

/// Blocks until `time` reaches `deadline` (ticks). -EINTR if a signal
/// comes first, after writing the time left to `rem` (if non-null).
fn sleep_until(deadline: u64, rem: usize) -> isize {
    loop {
        if sched::current().interrupted() {
            if rem != 0 {
                let left = timer::ticks_to_ns(deadline.saturating_sub(timer::now()));
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&(left / 1_000_000_000).to_le_bytes());
                b[8..].copy_from_slice(&(left % 1_000_000_000).to_le_bytes());
                let _ = copy_to_user(rem, &b);
            }
            return EINTR;
        }
        if timer::now() >= deadline {
            return 0;
        }
        sched::block(WaitFor::Time(deadline));
    }
}

/// nanosleep(req, rem): blocks for `req` ({tv_sec: i64, tv_nsec: i64}),
/// rounded up to a tick of `time`. -EINVAL for a negative or out-of-range
/// value, -EFAULT for a bad pointer, -EINTR if a signal comes (the time
/// left is written to `rem`).
pub fn sys_nanosleep(req: usize, rem: usize) -> isize {
    match read_timespec(req) {
        Ok(ns) => sleep_until(timer::now().saturating_add(timer::ns_to_ticks(ns)), rem),
        Err(e) => e,
    }
}

/// clock_nanosleep(clockid, flags, req, rem): as nanosleep on the clocks
/// of [`sys_clock_gettime`]; with TIMER_ABSTIME (1) `req` is a time of
/// that clock. -EINVAL for other clocks or flags.
pub fn sys_clock_nanosleep(clock: usize, flags: usize, req: usize, rem: usize) -> isize {
    if !matches!(clock, 0 | 1 | 4 | 7) || flags & !1 != 0 {
        return EINVAL;
    }
    match read_timespec(req) {
        Ok(ns) if flags & 1 != 0 => sleep_until(timer::ns_to_ticks(ns), 0),
        Ok(ns) => sleep_until(timer::now().saturating_add(timer::ns_to_ticks(ns)), rem),
        Err(e) => e,
    }
}

/// clock_getres(clockid, res): one tick of `time` (100 ns at 10 MHz). -EINVAL for other clocks.
pub fn sys_clock_getres(clock: usize, res: usize) -> isize {
    if !matches!(clock, 0..=7) {
        return EINVAL;
    }
    if res == 0 {
        return 0;
    }
    let ns = timer::ticks_to_ns(1).max(1);
    let mut b = [0u8; 16];
    b[8..].copy_from_slice(&ns.to_le_bytes());
    match copy_to_user(res, &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// gettimeofday(tv, tz): time since reset as {tv_sec, tv_usec}; tz (if
/// non-null) gets zeros (UTC).
pub fn sys_gettimeofday(tv: usize, tz: usize) -> isize {
    let ns = timer::ticks_to_ns(timer::now());
    if tv != 0 {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
        b[8..].copy_from_slice(&((ns % 1_000_000_000) / 1000).to_le_bytes());
        if let Err(e) = copy_to_user(tv, &b) {
            return e;
        }
    }
    if tz != 0 {
        if let Err(e) = copy_to_user(tz, &[0u8; 8]) {
            return e;
        }
    }
    0
}

/// times(buf): struct tms (tms_utime, tms_stime: the process's user and
/// system time; tms_cutime, tms_cstime: its reaped children's), each in
/// clock ticks (USER_HZ = 100, AT_CLKTCK); returns clock ticks since boot.
/// -EFAULT for a bad pointer.
pub fn sys_times(buf: usize) -> isize {
    if buf != 0 {
        let own = sched::group_cputime(sched::current().tgid);
        let kids = sched::current().children_cpu;
        let mut b = [0u8; 32];
        for (i, t) in [own.user, own.system, kids.user, kids.system].into_iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&cputime::to_clock_ticks(t).to_le_bytes());
        }
        if let Err(e) = copy_to_user(buf, &b) {
            return e;
        }
    }
    (timer::now() * 100 / timer::timebase().max(1)) as isize
}

/// clock_gettime(clockid, tp): CLOCK_REALTIME (0), CLOCK_MONOTONIC (1),
/// CLOCK_MONOTONIC_RAW (4), their coarse variants CLOCK_REALTIME_COARSE (5)
/// and CLOCK_MONOTONIC_COARSE (6) (procps's top reads these), and
/// CLOCK_BOOTTIME (7) all count from reset (no RTC), from the `time` CSR
/// and the DTB timebase; CLOCK_PROCESS_CPUTIME_ID (2, C's clock()) and
/// CLOCK_THREAD_CPUTIME_ID (3) give the process's and the calling thread's
/// user plus system time ([`cputime`]). -EINVAL for other clocks.
pub fn sys_clock_gettime(clock: usize, tp: usize) -> isize {
    let ticks = match clock {
        0 | 1 | 4..=7 => timer::now(),
        2 => sched::group_cputime(sched::current().tgid).total(),
        3 => sched::own_cputime().total(),
        _ => return EINVAL,
    };
    let ns = timer::ticks_to_ns(ticks);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
    b[8..].copy_from_slice(&(ns % 1_000_000_000).to_le_bytes());
    match copy_to_user(tp, &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// The kernel release uname(2) and /proc/sys/kernel/osrelease report: a
/// 6.x release, as C libraries and procps parse it (glibc compares it with
/// its minimum kernel version).
pub const RELEASE: &str = "6.1.0-svos";

/// uname(buf): struct utsname, six 65-byte NUL-padded fields:
/// sysname, nodename, release, version, machine, domainname.
pub fn sys_uname(buf: usize) -> isize {
    // sysname "Linux" and a 6.x release: C libraries parse these (glibc
    // compares the release with its minimum kernel version).
    let fields = ["Linux", "svos", RELEASE, "#1 SMP svos", "riscv64", "(none)"];
    let mut b = [0u8; 65 * 6];
    for (i, f) in fields.iter().enumerate() {
        b[i * 65..i * 65 + f.len()].copy_from_slice(f.as_bytes());
    }
    match copy_to_user(buf, &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}
