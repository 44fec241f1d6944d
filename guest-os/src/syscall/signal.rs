//! Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending,
//! rt_sigsuspend, rt_sigreturn, sigaltstack (signal(7); the frames are
//! [`crate::proc::signal`]'s).

use super::errno::*;
use crate::proc::process::WaitFor;
use crate::proc::sched;
use crate::proc::signal::{self, Action, SS_DISABLE, SS_ONSTACK, UNBLOCKABLE};
use crate::proc::usercopy::{copy_from_user, copy_to_user};
use crate::trap::reg;

fn valid(sig: usize) -> bool {
    (1..=64).contains(&sig)
}

/// rt_sigaction(sig, act, oact, sigsetsize): struct sigaction of
/// asm-generic (sa_handler, sa_flags, sa_mask: 24 bytes). -EINVAL for a bad
/// signal, sigsetsize != 8, or an action for SIGKILL/SIGSTOP; -EFAULT.
pub fn sys_rt_sigaction(sig: usize, act: usize, oact: usize, size: usize) -> isize {
    if !valid(sig) || size != 8 {
        return EINVAL;
    }
    let p = sched::current();
    let old = p.sig.actions[sig - 1];
    let mut new = None;
    if act != 0 {
        if signal::bit(sig as u32) & UNBLOCKABLE != 0 {
            return EINVAL;
        }
        let mut b = [0u8; 24];
        if let Err(e) = copy_from_user(&mut b, act) {
            return e;
        }
        let w = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]));
        new = Some(Action { handler: w(0) as usize, flags: w(8) as usize, mask: w(16) & !UNBLOCKABLE });
    }
    if oact != 0 {
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&(old.handler as u64).to_le_bytes());
        b[8..16].copy_from_slice(&(old.flags as u64).to_le_bytes());
        b[16..24].copy_from_slice(&old.mask.to_le_bytes());
        if let Err(e) = copy_to_user(oact, &b) {
            return e;
        }
    }
    if let Some(a) = new {
        let p = sched::current();
        p.sig.actions[sig - 1] = a;
        // Setting SIG_IGN (or SIG_DFL of an ignored-by-default signal) discards a pending one.
        if a.handler == signal::SIG_IGN || (a.handler == signal::SIG_DFL && !signal::default_terminates(sig as u32)) {
            p.sig.pending &= !signal::bit(sig as u32);
        }
    }
    0
}

/// rt_sigprocmask(how, set, oldset, sigsetsize): SIG_BLOCK 0, SIG_UNBLOCK
/// 1, SIG_SETMASK 2 (SIGKILL and SIGSTOP stay unblocked). -EINVAL, -EFAULT.
pub fn sys_rt_sigprocmask(how: usize, set: usize, oldset: usize, size: usize) -> isize {
    if size != 8 {
        return EINVAL;
    }
    let p = sched::current();
    let old = p.sig.mask;
    if set != 0 {
        let mut b = [0u8; 8];
        if let Err(e) = copy_from_user(&mut b, set) {
            return e;
        }
        let s = u64::from_le_bytes(b);
        let new = match how {
            0 => old | s,
            1 => old & !s,
            2 => s,
            _ => return EINVAL,
        };
        sched::current().sig.mask = new & !UNBLOCKABLE;
    }
    if oldset != 0 {
        if let Err(e) = copy_to_user(oldset, &old.to_le_bytes()) {
            sched::current().sig.mask = old;
            return e;
        }
    }
    0
}

/// rt_sigpending(set, sigsetsize): the pending signals.
pub fn sys_rt_sigpending(set: usize, size: usize) -> isize {
    if size != 8 {
        return EINVAL;
    }
    match copy_to_user(set, &sched::current().sig.pending.to_le_bytes()) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// rt_sigsuspend(mask, sigsetsize): waits with `mask` until a signal is
/// delivered; always -EINTR (the old mask comes back after the handler:
/// the frame saves it).
pub fn sys_rt_sigsuspend(mask: usize, size: usize) -> isize {
    if size != 8 {
        return EINVAL;
    }
    let mut b = [0u8; 8];
    if let Err(e) = copy_from_user(&mut b, mask) {
        return e;
    }
    let p = sched::current();
    let old = p.sig.mask;
    p.sig.mask = u64::from_le_bytes(b) & !UNBLOCKABLE;
    while !sched::current().interrupted() {
        sched::block(WaitFor::Signal);
    }
    // The signal is delivered on the way out, with the temporary mask;
    // its frame saves the old one, so rt_sigreturn brings it back.
    sched::current().sig.saved_mask = Some(old);
    EINTR
}

/// rt_sigreturn(): restores the state saved by the signal frame at `sp`.
/// A bad frame kills the process with SIGSEGV.
pub fn sys_rt_sigreturn() -> isize {
    let p = sched::current();
    match signal::sigreturn(p) {
        Ok(a0) => a0 as isize,
        Err(_) => {
            crate::println!(
                "[svos] pid {} ({}): bad signal frame at {:#x}: killed by signal 11 (SIGSEGV)",
                p.pid,
                p.name,
                p.tf.x[reg::SP]
            );
            sched::exit_current(crate::proc::ExitReason::Killed(11))
        }
    }
}

/// sigaltstack(ss, old_ss): stack_t (ss_sp, ss_flags, ss_size: 24 bytes).
/// -EPERM while running on it, -ENOMEM below MINSIGSTKSZ (2048), -EINVAL for bad flags.
pub fn sys_sigaltstack(ss: usize, old: usize) -> isize {
    let p = sched::current();
    let (sp, size) = p.sig.altstack;
    let cur = p.tf.x[reg::SP];
    let on = size != 0 && cur > sp && cur <= sp + size;
    if old != 0 {
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&(sp as u64).to_le_bytes());
        let fl = if size == 0 {
            SS_DISABLE
        } else if on {
            SS_ONSTACK
        } else {
            0
        };
        b[8..12].copy_from_slice(&(fl as u32).to_le_bytes());
        b[16..24].copy_from_slice(&(size as u64).to_le_bytes());
        if let Err(e) = copy_to_user(old, &b) {
            return e;
        }
    }
    if ss != 0 {
        let mut b = [0u8; 24];
        if let Err(e) = copy_from_user(&mut b, ss) {
            return e;
        }
        if on {
            return EPERM;
        }
        let nsp = u64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8])) as usize;
        let fl = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4])) as usize;
        let nsize = u64::from_le_bytes(b[16..24].try_into().unwrap_or([0; 8])) as usize;
        let p = sched::current();
        if fl == SS_DISABLE {
            p.sig.altstack = (0, 0);
        } else if fl & !(1 << 31) != 0 {
            return EINVAL;
        } else if nsize < 2048 {
            return ENOMEM;
        } else {
            p.sig.altstack = (nsp, nsize);
        }
    }
    0
}
