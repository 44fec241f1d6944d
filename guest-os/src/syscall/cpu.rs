//! Which harts a process runs on and what they are: sched_setaffinity(122),
//! sched_getaffinity(123), getcpu(168), riscv_hwprobe(258), with Linux's semantics: the mask
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

/// Most key-value pairs [`sys_riscv_hwprobe`] answers in one call (Linux
/// has no limit; a larger count is answered in full, in steps of this).
const HWPROBE_STEP: usize = 64;

/// The value of riscv_hwprobe key `key` for every hart of svemu (all are
/// alike), or `None` for a key svos does not know (Linux's
/// arch/riscv/kernel/sys_hwprobe.c, uapi asm/hwprobe.h).
fn hwprobe_value(key: i64) -> Option<u64> {
    Some(match key {
        // MVENDORID, MARCHID, MIMPID: svemu reports 0 in those CSRs.
        0..=2 => 0,
        // BASE_BEHAVIOR: RISCV_HWPROBE_BASE_BEHAVIOR_IMA.
        3 => 1,
        // IMA_EXT_0: RISCV_HWPROBE_IMA_FD | RISCV_HWPROBE_IMA_C (rv64imafdc, as /proc/cpuinfo).
        4 => 0b11,
        // CPUPERF_0 and MISALIGNED_SCALAR_PERF: RISCV_HWPROBE_MISALIGNED_UNKNOWN.
        5 | 9 => 0,
        // ZICBOZ_BLOCK_SIZE: no Zicboz.
        6 => 0,
        // HIGHEST_VIRT_ADDRESS: the last byte of the user half.
        7 => (crate::mm::address::USER_TOP - 1) as u64,
        // TIME_CSR_FREQ: the `time` CSR's frequency (the DTB's timebase).
        8 => crate::boot::timer::timebase(),
        _ => return None,
    })
}

/// riscv_hwprobe(pairs, pair_count, cpusetsize, cpus, flags) (Linux 6.4+,
/// Documentation/arch/riscv/hwprobe.rst): for each struct riscv_hwprobe
/// {i64 key; u64 value} of `pairs`, writes the value common to the harts
/// of `cpus` (`cpusetsize` bytes; 0 and NULL for all: every hart is alike
/// here); an unknown key is set to -1 and its value to 0. 0 on success;
/// -EINVAL for flags (svos knows none, not RISCV_HWPROBE_WHICH_CPUS), -EFAULT
/// for a bad pointer. glibc 2.40+ calls it at start-up.
pub fn sys_riscv_hwprobe(pairs: usize, count: usize, _cpusetsize: usize, _cpus: usize, flags: usize) -> isize {
    if flags != 0 {
        return EINVAL;
    }
    let mut done = 0;
    while done < count {
        let n = (count - done).min(HWPROBE_STEP);
        let Some(at) = done.checked_mul(16).and_then(|o| pairs.checked_add(o)) else { return EFAULT };
        let mut buf = [0u8; 16 * HWPROBE_STEP];
        let buf = &mut buf[..16 * n];
        if let Err(e) = copy_from_user(buf, at) {
            return e;
        }
        for pair in buf.chunks_exact_mut(16) {
            let key = i64::from_le_bytes(pair[..8].try_into().unwrap_or([0; 8]));
            let (key, value) = match hwprobe_value(key) {
                Some(v) => (key, v),
                None => (-1, 0),
            };
            pair[..8].copy_from_slice(&key.to_le_bytes());
            pair[8..].copy_from_slice(&value.to_le_bytes());
        }
        if let Err(e) = copy_to_user(at, buf) {
            return e;
        }
        done += n;
    }
    0
}
