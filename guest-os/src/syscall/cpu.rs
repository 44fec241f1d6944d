//! Which harts a process runs on: sched_setaffinity(122),
//! sched_getaffinity(123), getcpu(168), with Linux's semantics: the mask
//! is a thread's (an id names one thread; 0 the caller; a new thread
//! inherits its creator's). A CPU number is a hart id; the mask is a `u64` (bit i = hart i;
//! Linux's `cpu_set_t` in its first 8 bytes).

use super::errno::*;
use crate::proc::sched;
use crate::proc::usercopy::{copy_from_user, copy_to_user};
use crate::smp;

/// The process `pid` names (0 = the caller), or -ESRCH.
fn target(pid: isize) -> Result<usize, isize> {
    let pid = if pid == 0 { sched::current_pid() } else { pid as usize };
    match sched::proc_mut(pid) {
        Some(p) if pid > 0 && p.exit.is_none() => Ok(pid),
        _ => Err(ESRCH),
    }
}

/// sched_setaffinity(pid, len, mask): the process may run only on the
/// online harts of `mask` (`len` bytes; the first 8 are read). -EINVAL if
/// none of them is online or `len` is 0, -EFAULT, -ESRCH. If the caller
/// excludes the hart it runs on, it moves before returning.
pub fn sys_sched_setaffinity(pid: isize, len: usize, mask: usize) -> isize {
    let r = (|| {
        let pid = target(pid)?;
        if len == 0 {
            return Err(EINVAL);
        }
        let mut b = [0u8; 8];
        let n = len.min(8);
        copy_from_user(&mut b[..n], mask)?;
        let m = u64::from_le_bytes(b) & smp::online_mask();
        if m == 0 {
            return Err(EINVAL);
        }
        Ok((pid, m))
    })();
    let (pid, m) = match r {
        Ok(v) => v,
        Err(e) => return e,
    };
    if let Some(p) = sched::proc_mut(pid) {
        p.affinity = m;
    }
    if pid == sched::current_pid() && m >> smp::hart_id() & 1 == 0 {
        sched::yield_now();
    }
    0
}

/// sched_getaffinity(pid, len, mask): stores the process's hart mask (8
/// bytes) and returns 8, the bytes written, as Linux does. -EINVAL if `len`
/// < 8, -EFAULT, -ESRCH.
pub fn sys_sched_getaffinity(pid: isize, len: usize, mask: usize) -> isize {
    let pid = match target(pid) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if len < 8 {
        return EINVAL;
    }
    let m = sched::proc_mut(pid).map_or(0, |p| p.affinity) & smp::online_mask();
    match copy_to_user(mask, &m.to_le_bytes()) {
        Ok(()) => 8,
        Err(e) => e,
    }
}

/// getcpu(cpu, node, tcache): stores the caller's hart id in `*cpu` and 0 in
/// `*node` (u32 each; null pointers are skipped). -EFAULT.
pub fn sys_getcpu(cpu: usize, node: usize) -> isize {
    let hart = smp::hart_id() as u32;
    for (va, v) in [(cpu, hart), (node, 0u32)] {
        if va != 0 {
            if let Err(e) = copy_to_user(va, &v.to_le_bytes()) {
                return e;
            }
        }
    }
    0
}
