//! futex(2): the kernel half of every glibc lock, condition variable,
//! barrier and pthread_join.
//!
//! A waiter is a thread blocked in [`WaitFor::Futex`] with its key in
//! [`crate::proc::process::Process::futex`]: (the address space's
//! identity, the word's user address, a bitset). Checking the word and
//! queueing happen under the big kernel lock, as does every wake, so no
//! wake-up between the check and the sleep is lost (the futex guarantee).
//! A waiter sleeps off the run queue; other threads and processes run.
//!
//! Keys use the address space, not the frame: a word shared between
//! processes (MAP_SHARED, or a non-PRIVATE futex across fork) is not
//! matched across them; within a process PRIVATE and shared futexes
//! behave alike. Waiters are woken in thread-id order.

use super::errno::*;
use crate::boot::timer;
use crate::proc::process::{State, WaitFor};
use crate::proc::sched;
use crate::proc::usercopy::{copy_from_user, read_u64};

/// futex_op commands (linux/futex.h).
const FUTEX_WAIT: usize = 0;
const FUTEX_WAKE: usize = 1;
const FUTEX_REQUEUE: usize = 3;
const FUTEX_CMP_REQUEUE: usize = 4;
const FUTEX_WAIT_BITSET: usize = 9;
const FUTEX_WAKE_BITSET: usize = 10;
const FUTEX_PRIVATE: usize = 128;
const FUTEX_CLOCK_REALTIME: usize = 256;
/// A bitset matching every waiter.
const BITSET_ANY: u32 = u32::MAX;

/// Identity of the caller's address space (0 if it has none).
fn space_id() -> usize {
    sched::current().space.as_ref().map_or(0, |s| s.id())
}

fn read_word(uaddr: usize) -> Result<u32, isize> {
    let mut b = [0u8; 4];
    copy_from_user(&mut b, uaddr)?;
    Ok(u32::from_le_bytes(b))
}

/// Wakes at most `n` threads waiting on (`space`, `uaddr`) whose bitset
/// shares a bit with `bits`; returns how many it woke.
fn wake(space: usize, uaddr: usize, n: usize, bits: u32) -> usize {
    let waiters: alloc::vec::Vec<usize> = sched::pids()
        .into_iter()
        .filter(|&tid| {
            sched::proc_mut(tid).is_some_and(|t| {
                matches!(t.state, State::Blocked(WaitFor::Futex(_)))
                    && t.futex.is_some_and(|(s, a, b)| s == space && a == uaddr && b & bits != 0)
            })
        })
        .take(n)
        .collect();
    for &tid in &waiters {
        if let Some(t) = sched::proc_mut(tid) {
            t.futex = None;
        }
        sched::wake(tid);
    }
    waiters.len()
}

/// Moves at most `n` waiters of (`space`, `from`) to wait on `to`
/// instead; returns how many it moved.
fn requeue(space: usize, from: usize, to: usize, n: usize) -> usize {
    let mut moved = 0;
    for tid in sched::pids() {
        if moved == n {
            break;
        }
        let Some(t) = sched::proc_mut(tid) else { continue };
        if let Some((s, a, b)) = t.futex {
            if s == space && a == from && matches!(t.state, State::Blocked(WaitFor::Futex(_))) {
                t.futex = Some((s, to, b));
                moved += 1;
            }
        }
    }
    moved
}

/// Wakes one waiter of the word at `uaddr` in the caller's address space:
/// the exit of a thread with CLONE_CHILD_CLEARTID, after zeroing the word.
pub fn wake_word(uaddr: usize, n: usize) -> usize {
    wake(space_id(), uaddr, n, BITSET_ANY)
}

/// Reads the timeout of a wait: a struct timespec at `va` (0 = none) as
/// an absolute deadline in ticks of `time`; relative to now unless
/// `absolute`. svos's clocks all count from reset, so CLOCK_REALTIME
/// and CLOCK_MONOTONIC deadlines are the same. -EFAULT, -EINVAL.
fn deadline(va: usize, absolute: bool) -> Result<Option<u64>, isize> {
    if va == 0 {
        return Ok(None);
    }
    let (sec, nsec) = (read_u64(va)?, read_u64(va + 8)?);
    if (sec as i64) < 0 || nsec >= 1_000_000_000 {
        return Err(EINVAL);
    }
    let t = timer::ns_to_ticks(sec.saturating_mul(1_000_000_000).saturating_add(nsec));
    Ok(Some(if absolute { t } else { timer::now().saturating_add(t) }))
}

/// Sleeps on the word at `uaddr` while it holds `val`: -EAGAIN at once if
/// it does not, 0 when a FUTEX_WAKE whose bitset meets `bits` wakes the
/// thread, -ETIMEDOUT at `until`, -EINTR if a signal comes first.
fn wait(uaddr: usize, val: u32, until: Option<u64>, bits: u32) -> isize {
    match read_word(uaddr) {
        Ok(v) if v != val => return EAGAIN,
        Ok(_) => {}
        Err(e) => return e,
    }
    let space = space_id();
    sched::current().futex = Some((space, uaddr, bits));
    loop {
        let p = sched::current();
        if p.futex.is_none() {
            return 0;
        }
        if p.interrupted() {
            p.futex = None;
            return EINTR;
        }
        if until.is_some_and(|d| timer::now() >= d) {
            p.futex = None;
            return ETIMEDOUT;
        }
        sched::block(WaitFor::Futex(until.unwrap_or(u64::MAX)));
    }
}

/// futex(uaddr, op, val, timeout/val2, uaddr2, val3) (Linux riscv64 98):
/// FUTEX_WAIT (relative timeout), FUTEX_WAIT_BITSET (absolute timeout,
/// bitset `val3`), FUTEX_WAKE (at most `val` waiters), FUTEX_WAKE_BITSET,
/// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (wake `val`, move at most `val2`
/// of the rest to `uaddr2`; CMP first checks `*uaddr == val3`, else
/// -EAGAIN). FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME are accepted.
/// Returns what Linux returns: 0 for a wait that was woken, the number of
/// threads woken (and requeued) otherwise. -EINVAL for an unaligned word, a
/// zero bitset or a bad timeout, -EFAULT, -EAGAIN, -ETIMEDOUT, -EINTR,
/// -ENOSYS for other operations (PI futexes, FUTEX_WAKE_OP).
pub fn sys_futex(uaddr: usize, op: usize, val: usize, timeout: usize, uaddr2: usize, val3: usize) -> isize {
    let cmd = op & !(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    if !uaddr.is_multiple_of(4) {
        return EINVAL;
    }
    let bits = match cmd {
        FUTEX_WAIT_BITSET | FUTEX_WAKE_BITSET if val3 as u32 == 0 => return EINVAL,
        FUTEX_WAIT_BITSET | FUTEX_WAKE_BITSET => val3 as u32,
        _ => BITSET_ANY,
    };
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => match deadline(timeout, cmd == FUTEX_WAIT_BITSET) {
            Ok(until) => wait(uaddr, val as u32, until, bits),
            Err(e) => e,
        },
        FUTEX_WAKE | FUTEX_WAKE_BITSET => match read_word(uaddr) {
            Ok(_) => wake(space_id(), uaddr, val, bits) as isize,
            Err(e) => e,
        },
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if !uaddr2.is_multiple_of(4) {
                return EINVAL;
            }
            match read_word(uaddr) {
                Ok(v) if cmd == FUTEX_CMP_REQUEUE && v != val3 as u32 => return EAGAIN,
                Ok(_) => {}
                Err(e) => return e,
            }
            let space = space_id();
            let woken = wake(space, uaddr, val, BITSET_ANY);
            // val2 travels in the timeout argument.
            (woken + requeue(space, uaddr, uaddr2, timeout)) as isize
        }
        _ => ENOSYS,
    }
}
