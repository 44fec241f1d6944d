//! getrusage(2) and the rusage that wait4 reports: svos accounts memory
//! (minor faults, peak RSS) per process, not CPU time.

use super::errno::*;
use crate::mm::addr_space::MemUsage;
use crate::mm::address::PAGE_SIZE;
use crate::proc::sched;
use crate::proc::usercopy::copy_to_user;
use svos_abi::rusage::*;

/// The Linux riscv64 `struct rusage` for `u`: ru_minflt = minor faults,
/// ru_majflt = major faults (pages read back from swap),
/// ru_maxrss = peak resident pages in KiB; times and the other counters 0.
pub fn rusage_of(u: MemUsage) -> Rusage {
    Rusage {
        ru_minflt: u.minor_faults as i64,
        ru_majflt: u.major_faults as i64,
        ru_maxrss: (u.peak_resident * PAGE_SIZE / 1024) as i64,
        ..Rusage::default()
    }
}

/// Writes `r` to user address `va` (144 bytes). -EFAULT if it cannot.
pub fn copy_rusage_to_user(va: usize, r: &Rusage) -> Result<(), isize> {
    // SAFETY: Rusage is repr(C) plain integers without padding (size asserted in svos-abi).
    let bytes = unsafe { core::slice::from_raw_parts(r as *const Rusage as *const u8, RUSAGE_SIZE) };
    copy_to_user(va, bytes)
}

/// getrusage(who, usage): RUSAGE_SELF and RUSAGE_THREAD give the caller's
/// own usage (all its exec'd images); RUSAGE_CHILDREN the sum of the
/// children it reaped with wait4 (and of their reaped descendants; maxrss
/// is the largest). 0, -EINVAL for another `who`, -EFAULT for a bad pointer.
pub fn sys_getrusage(who: isize, usage: usize) -> isize {
    let p = sched::current();
    let u = match who {
        RUSAGE_SELF | RUSAGE_THREAD => p.usage(),
        RUSAGE_CHILDREN => p.children_usage,
        _ => return EINVAL,
    };
    match copy_rusage_to_user(usage, &rusage_of(u)) {
        Ok(()) => 0,
        Err(e) => e,
    }
}
