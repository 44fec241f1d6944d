//! Signals (signal(7)): per-process actions, blocked mask and pending set;
//! delivery on the way back to U-mode through a signal frame laid out as
//! Linux riscv64 lays it out (arch/riscv/kernel/signal.c: struct
//! rt_sigframe = siginfo (128 bytes) + ucontext with the integer registers
//! and the D-extension FP state), and rt_sigreturn.
//!
//! Frame at the handler's `sp` (16-byte aligned): `info` at +0 (si_signo,
//! si_errno, si_code, then si_addr or si_pid/si_uid at +16); `uc` at +128:
//! uc_flags, uc_link, uc_stack (+16), uc_sigmask (+40, 128 bytes with
//! padding), uc_mcontext (+176): pc, x1..x31 (32 × 8 bytes), then f0..f31
//! (32 × 8) and fcsr (4) of __riscv_d_ext_state, inside the 528-byte FP
//! union. The handler gets a0 = signal, a1 = &info, a2 = &uc, ra = the
//! trampoline page ([`super::exec::SIGTRAMP_VA`]).

use super::process::{signal::*, Process};
use crate::trap::reg;

/// Bytes of the signal frame (siginfo 128 + ucontext 960), and AT_MINSIGSTKSZ.
pub const FRAME_SIZE: usize = 128 + 960;
const UC: usize = 128;
const UC_STACK: usize = UC + 16;
/// Offset of uc_sigmask in the frame.
pub const UC_SIGMASK: usize = UC + 40;
const UC_MCONTEXT: usize = UC + 176;
const UC_FP: usize = UC_MCONTEXT + 256;

/// sa_handler values.
pub const SIG_DFL: usize = 0;
/// Ignore the signal.
pub const SIG_IGN: usize = 1;
/// sa_flags: the handler takes (sig, info, ucontext).
pub const SA_SIGINFO: usize = 4;
/// sa_flags: run the handler on the alternate stack.
pub const SA_ONSTACK: usize = 0x0800_0000;
/// sa_flags: restart interrupted system calls.
pub const SA_RESTART: usize = 0x1000_0000;
/// sa_flags: do not block the signal during its handler.
pub const SA_NODEFER: usize = 0x4000_0000;
/// sa_flags: reset the action to SIG_DFL on delivery.
pub const SA_RESETHAND: usize = 0x8000_0000;
/// sigaltstack ss_flags: the stack is disabled.
pub const SS_DISABLE: usize = 2;
/// sigaltstack ss_flags: executing on it.
pub const SS_ONSTACK: usize = 1;

/// si_code for kill(2).
pub const SI_USER: i32 = 0;
/// si_code for a signal the kernel sends (the terminal's Ctrl-C).
pub const SI_KERNEL: i32 = 0x80;
/// si_code for tkill/tgkill.
pub const SI_TKILL: i32 = -6;
/// si_code of SIGSEGV: no mapping at the address.
pub const SEGV_MAPERR: i32 = 1;
/// si_code of SIGSEGV: mapping exists, access not allowed.
pub const SEGV_ACCERR: i32 = 2;

/// One signal's action (struct sigaction of asm-generic: handler, flags, mask).
#[derive(Clone, Copy, Debug, Default)]
pub struct Action {
    /// SIG_DFL, SIG_IGN or the handler's address.
    pub handler: usize,
    /// SA_* flags.
    pub flags: usize,
    /// Signals blocked during the handler (bit n-1 = signal n).
    pub mask: u64,
}

/// Information delivered with a signal (the parts of siginfo_t svos fills).
#[derive(Clone, Copy, Debug, Default)]
pub struct Info {
    /// si_code.
    pub code: i32,
    /// si_addr for faults.
    pub addr: usize,
    /// si_pid of the sender.
    pub pid: usize,
}

/// A process's signal state (inherited by fork; exec resets handlers to SIG_DFL).
#[derive(Clone, Debug)]
pub struct SigState {
    /// Actions of signals 1..=64 (index n-1), shared by a thread group
    /// (CLONE_SIGHAND); `clone` copies them (fork).
    pub actions: crate::sync::Shared<[Action; 64]>,
    /// Blocked signals.
    pub mask: u64,
    /// Pending signals and their information.
    pub pending: u64,
    /// Info of each pending signal.
    pub info: [Info; 64],
    /// The alternate stack: (ss_sp, ss_size), or size 0 when disabled.
    pub altstack: (usize, usize),
    /// The mask to restore after the next handler (rt_sigsuspend's caller's).
    pub saved_mask: Option<u64>,
}

impl Default for SigState {
    fn default() -> Self {
        SigState {
            actions: crate::sync::Shared::new([Action::default(); 64]),
            mask: 0,
            pending: 0,
            info: [Info::default(); 64],
            altstack: (0, 0),
            saved_mask: None,
        }
    }
}

/// Bit of signal `sig` in a mask.
pub fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

/// SIGKILL and SIGSTOP can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

/// What the default action of `sig` does (signal(7)): true = terminate
/// (with or without a core dump), false = ignore (SIGCHLD, SIGURG,
/// SIGWINCH, SIGCONT, and the stop signals, as svos has no job control).
pub fn default_terminates(sig: u32) -> bool {
    !matches!(sig, SIGCHLD | SIGURG | SIGWINCH | SIGCONT | SIGSTOP | SIGTSTP | 21 | 22)
}

impl SigState {
    /// (pending, blocked, ignored, caught) masks, for /proc.
    pub fn masks(&self) -> (u64, u64, u64, u64) {
        let (mut ign, mut cgt) = (0, 0);
        for (i, a) in self.actions.iter().enumerate() {
            match a.handler {
                SIG_DFL => {}
                SIG_IGN => ign |= 1 << i,
                _ => cgt |= 1 << i,
            }
        }
        (self.pending, self.mask, ign, cgt)
    }

    /// Signals pending and not blocked.
    pub fn deliverable(&self) -> u64 {
        self.pending & !self.mask
    }

    /// Exec: handlers reset to SIG_DFL (ignored ones stay ignored), no alternate stack.
    pub fn reset_for_exec(&mut self) {
        for a in self.actions.iter_mut() {
            if a.handler != SIG_IGN {
                *a = Action::default();
            }
        }
        self.altstack = (0, 0);
    }

    /// Makes `sig` pending with `info`, unless it is ignored (explicitly,
    /// or by default action). Returns false if it was discarded.
    pub fn post(&mut self, sig: u32, info: Info) -> bool {
        let a = self.actions[sig as usize - 1];
        if a.handler == SIG_IGN || (a.handler == SIG_DFL && !default_terminates(sig)) {
            return false;
        }
        self.pending |= bit(sig);
        self.info[sig as usize - 1] = info;
        true
    }
}

/// What became of a signal at delivery.
pub enum Outcome {
    /// A handler frame was built; the process runs the handler next.
    Handled,
    /// The default action terminates the process with this signal.
    Terminate(u32),
    /// Nothing to do.
    None,
}

/// Delivers the lowest deliverable pending signal of `p`, if any.
pub fn deliver_pending(p: &mut Process) -> Outcome {
    let d = p.sig.deliverable();
    if d == 0 {
        if let Some(m) = p.sig.saved_mask.take() {
            p.sig.mask = m;
        }
        return Outcome::None;
    }
    let sig = d.trailing_zeros() + 1;
    p.sig.pending &= !bit(sig);
    let info = p.sig.info[sig as usize - 1];
    deliver(p, sig, info)
}

/// Delivers `sig` now: runs its action. A synchronous fault whose signal
/// is blocked or has no handler terminates (as Linux forces it).
pub fn deliver(p: &mut Process, sig: u32, info: Info) -> Outcome {
    let a = p.sig.actions[sig as usize - 1];
    let blocked = p.sig.mask & bit(sig) != 0;
    match a.handler {
        SIG_DFL => {
            if default_terminates(sig) {
                Outcome::Terminate(sig)
            } else {
                Outcome::None
            }
        }
        SIG_IGN => Outcome::None,
        _ if blocked => Outcome::Terminate(sig),
        handler => match build_frame(p, sig, info, a) {
            Ok(()) => {
                let _ = handler;
                Outcome::Handled
            }
            // No room for the frame: Linux forces SIGSEGV.
            Err(_) => Outcome::Terminate(SIGSEGV),
        },
    }
}

fn put(b: &mut [u8], off: usize, v: &[u8]) {
    b[off..off + v.len()].copy_from_slice(v);
}

fn build_frame(p: &mut Process, sig: u32, info: Info, a: Action) -> Result<(), isize> {
    let sp_now = p.tf.x[reg::SP];
    let (alt_sp, alt_size) = p.sig.altstack;
    let on_alt = alt_size != 0 && sp_now > alt_sp && sp_now <= alt_sp + alt_size;
    let top = if a.flags & SA_ONSTACK != 0 && alt_size != 0 && !on_alt { alt_sp + alt_size } else { sp_now };
    let frame = top.checked_sub(FRAME_SIZE).ok_or(crate::syscall::errno::EFAULT)? & !15;
    let mut b = alloc::vec![0u8; FRAME_SIZE];
    put(&mut b, 0, &(sig as i32).to_le_bytes());
    put(&mut b, 8, &info.code.to_le_bytes());
    if matches!(sig, SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP) {
        put(&mut b, 16, &(info.addr as u64).to_le_bytes());
    } else {
        put(&mut b, 16, &(info.pid as i32).to_le_bytes());
    }
    put(&mut b, UC_STACK, &(alt_sp as u64).to_le_bytes());
    let ss_flags: i32 = if alt_size == 0 {
        SS_DISABLE as i32
    } else if on_alt {
        SS_ONSTACK as i32
    } else {
        0
    };
    put(&mut b, UC_STACK + 8, &ss_flags.to_le_bytes());
    put(&mut b, UC_STACK + 16, &(alt_size as u64).to_le_bytes());
    let saved = p.sig.saved_mask.take().unwrap_or(p.sig.mask);
    put(&mut b, UC_SIGMASK, &saved.to_le_bytes());
    put(&mut b, UC_MCONTEXT, &(p.tf.sepc as u64).to_le_bytes());
    for i in 1..32 {
        put(&mut b, UC_MCONTEXT + 8 * i, &(p.tf.x[i] as u64).to_le_bytes());
    }
    for i in 0..32 {
        put(&mut b, UC_FP + 8 * i, &p.fp.f[i].to_le_bytes());
    }
    put(&mut b, UC_FP + 256, &(p.fp.fcsr as u32).to_le_bytes());
    super::usercopy::copy_to_user(frame, &b)?;
    p.sig.mask |= a.mask;
    if a.flags & SA_NODEFER == 0 {
        p.sig.mask |= bit(sig);
    }
    p.sig.mask &= !UNBLOCKABLE;
    if a.flags & SA_RESETHAND != 0 {
        p.sig.actions[sig as usize - 1] = Action::default();
    }
    p.tf.x[reg::A0] = sig as usize;
    p.tf.x[reg::A1] = frame;
    p.tf.x[reg::A2] = frame + UC;
    p.tf.x[reg::RA] = super::exec::SIGTRAMP_VA;
    p.tf.x[reg::SP] = frame;
    p.tf.sepc = a.handler;
    Ok(())
}

/// rt_sigreturn: restores the registers, FP state and mask saved in the
/// frame at the current `sp`. Returns the restored a0 (the dispatcher
/// stores it back), or an error if the frame is unreadable (the caller
/// kills the process with SIGSEGV, as Linux does).
pub fn sigreturn(p: &mut Process) -> Result<usize, isize> {
    let frame = p.tf.x[reg::SP];
    let mut b = alloc::vec![0u8; FRAME_SIZE];
    super::usercopy::copy_from_user(&mut b, frame)?;
    let word = |off: usize| u64::from_le_bytes(b[off..off + 8].try_into().unwrap_or([0; 8]));
    p.sig.mask = word(UC_SIGMASK) & !UNBLOCKABLE;
    p.tf.sepc = word(UC_MCONTEXT) as usize;
    for i in 1..32 {
        p.tf.x[i] = word(UC_MCONTEXT + 8 * i) as usize;
    }
    for i in 0..32 {
        p.fp.f[i] = word(UC_FP + 8 * i);
    }
    p.fp.fcsr = word(UC_FP + 256) & 0xff;
    // The hart's f registers are stale now: reload them before U-mode.
    p.fp.hart = 0;
    super::fpu::forget(p.pid);
    Ok(p.tf.x[reg::A0])
}
