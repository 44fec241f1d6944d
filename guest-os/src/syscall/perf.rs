//! svos_perf(who, events, counts, n): the per-process hardware performance
//! counts ([`crate::proc::perf`]; ABI in [`svos_abi::perf`]).

use super::errno::*;
use crate::proc::perf;
use crate::proc::sched;
use crate::proc::usercopy::{copy_to_user, read_u64};
use svos_abi::perf::MAX;
use svos_abi::rusage::{RUSAGE_CHILDREN, RUSAGE_SELF, RUSAGE_THREAD};

/// Writes, for each of the `n` mhpmevent values at `events`, the caller's
/// (`who` = RUSAGE_SELF or RUSAGE_THREAD) or its reaped children's
/// (RUSAGE_CHILDREN) count to `counts`. 0; -EINVAL for another `who`,
/// `n` over [`MAX`] or an event svos does not count; -EFAULT.
pub fn sys_svos_perf(who: isize, events: usize, counts: usize, n: usize) -> isize {
    if n > MAX {
        return EINVAL;
    }
    let p = sched::current();
    let all = match who {
        RUSAGE_SELF | RUSAGE_THREAD => p.perf.own(),
        RUSAGE_CHILDREN => p.perf.children,
        _ => return EINVAL,
    };
    let mut out = [0u8; MAX * 8];
    for i in 0..n {
        let event = match read_u64(events + 8 * i) {
            Ok(e) => e,
            Err(e) => return e,
        };
        let Some(k) = perf::index_of(event) else { return EINVAL };
        out[8 * i..8 * i + 8].copy_from_slice(&all[k].to_le_bytes());
    }
    match copy_to_user(counts, &out[..8 * n]) {
        Ok(()) => 0,
        Err(e) => e,
    }
}
