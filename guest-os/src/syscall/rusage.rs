//! getrusage(2) and the rusage that wait4 reports: memory (minor and
//! major faults, peak RSS) per process, and CPU time (user and system,
//! [`crate::proc::cputime`]) per thread and per process.

use super::errno::*;
use crate::mm::addr_space::MemUsage;
use crate::mm::address::PAGE_SIZE;
use crate::proc::cputime::{self, CpuTime};
use crate::proc::sched;
use crate::proc::usercopy::copy_to_user;
use svos_abi::rusage::*;

/// What a process used: its memory counts and its CPU time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// Faults and peak RSS.
    pub mem: MemUsage,
    /// User and system time.
    pub cpu: CpuTime,
}

/// The Linux riscv64 `struct rusage` for `u`: ru_utime and ru_stime =
/// user and system time, ru_minflt = minor faults, ru_majflt = major
/// faults (pages read back from swap), ru_maxrss = peak resident pages in
/// KiB; the other counters 0.
pub fn rusage_of(u: Usage) -> Rusage {
    let timeval = |ticks| {
        let (tv_sec, tv_usec) = cputime::to_timeval(ticks);
        Timeval { tv_sec, tv_usec }
    };
    Rusage {
        ru_utime: timeval(u.cpu.user),
        ru_stime: timeval(u.cpu.system),
        ru_minflt: u.mem.minor_faults as i64,
        ru_majflt: u.mem.major_faults as i64,
        ru_maxrss: (u.mem.peak_resident * PAGE_SIZE / 1024) as i64,
        ..Rusage::default()
    }
}

/// Writes `r` to user address `va` (144 bytes). -EFAULT if it cannot.
pub fn copy_rusage_to_user(va: usize, r: &Rusage) -> Result<(), isize> {
    // SAFETY: Rusage is repr(C) plain integers without padding (size asserted in svos-abi).
    let bytes = unsafe { core::slice::from_raw_parts(r as *const Rusage as *const u8, RUSAGE_SIZE) };
    copy_to_user(va, bytes)
}

/// getrusage(who, usage): RUSAGE_SELF gives the caller's process's usage
/// (all its exec'd images, the CPU time of all its threads), RUSAGE_THREAD
/// the same memory counts with the calling thread's CPU time;
/// RUSAGE_CHILDREN the sum of the children it reaped with wait4 (and of
/// their reaped descendants; maxrss is the largest). 0, -EINVAL for
/// another `who`, -EFAULT for a bad pointer.
pub fn sys_getrusage(who: isize, usage: usize) -> isize {
    let tgid = sched::current().tgid;
    let cpu = match who {
        RUSAGE_SELF => sched::group_cputime(tgid),
        RUSAGE_THREAD => sched::own_cputime(),
        _ => sched::current().children_cpu,
    };
    let p = sched::current();
    let u = match who {
        RUSAGE_SELF | RUSAGE_THREAD => Usage { mem: p.usage(), cpu },
        RUSAGE_CHILDREN => Usage { mem: p.children_usage, cpu },
        _ => return EINVAL,
    };
    match copy_rusage_to_user(usage, &rusage_of(u)) {
        Ok(()) => 0,
        Err(e) => e,
    }
}
