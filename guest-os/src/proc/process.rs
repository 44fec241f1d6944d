//! A process: identity, address space, saved user state, kernel thread,
//! open files, and how it ended.

use super::context::{Context, KernelStack};
use super::file::File;
use super::fpu::FpState;
use crate::mm::addr_space::{AddrSpace, MemUsage};
use crate::trap::TrapFrame;
use alloc::string::String;
use alloc::vec::Vec;

/// Signal numbers (Linux asm-generic/signal.h, shared with the user runtime).
pub mod signal {
    pub use svos_abi::signal::*;

    /// The conventional name of a signal number.
    pub fn name(sig: u32) -> &'static str {
        match sig {
            SIGILL => "SIGILL",
            SIGTRAP => "SIGTRAP",
            SIGBUS => "SIGBUS",
            SIGKILL => "SIGKILL",
            SIGSEGV => "SIGSEGV",
            SIGTERM => "SIGTERM",
            _ => "SIG?",
        }
    }
}

/// How a process ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// exit/exit_group with this code.
    Exited(i32),
    /// Killed by this signal.
    Killed(u32),
}

impl ExitReason {
    /// The shell-style exit status: the code's low 8 bits, or 128 + signal.
    pub fn status(self) -> u32 {
        match self {
            ExitReason::Exited(c) => (c as u32) & 0xff,
            ExitReason::Killed(s) => 128 + s,
        }
    }
    /// The wait4 status word (Linux): `code << 8` for an exit, the signal
    /// number for a kill.
    pub fn wstatus(self) -> u32 {
        match self {
            ExitReason::Exited(c) => ((c as u32) & 0xff) << 8,
            ExitReason::Killed(s) => s & 0x7f,
        }
    }
}

/// What a blocked process waits for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// A child to change state (wait4).
    Child,
    /// The time (ticks) to reach this value (nanosleep).
    Time(u64),
    /// A line of console input (read of fd 0).
    Console,
}

/// Scheduling state.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// In the run queue.
    Runnable,
    /// On the hart.
    Running,
    /// Off the run queue until woken.
    Blocked(WaitFor),
    /// Exited; waits for its parent to reap it.
    Zombie,
}

/// A user process.
pub struct Process {
    /// Process id (1, 2, ... in creation order; never reused).
    pub pid: usize,
    /// Parent pid; 0 = the kernel (top-level processes and orphans once init is gone).
    pub ppid: usize,
    /// Program name (basename of the executed file).
    pub name: String,
    /// Started by the kernel from `init=` (its exit is reported on the console).
    pub top_level: bool,
    /// The address space; `None` once the process has exited.
    pub space: Option<AddrSpace>,
    /// Saved user registers.
    pub tf: TrapFrame,
    /// Saved f registers (see [`super::fpu`]).
    pub fp: FpState,
    /// Start of the brk heap (page aligned, just above the highest segment).
    pub brk_start: usize,
    /// Current program break (bytes).
    pub brk: usize,
    /// Faults and peak RSS of the address spaces it left (exec, exit).
    pub retired_usage: MemUsage,
    /// Totals of the children it reaped with wait4 (and of theirs).
    pub children_usage: MemUsage,
    /// Scheduling state.
    pub state: State,
    /// The hart it runs on while [`State::Running`].
    pub hart: usize,
    /// Harts the process may run on (bit i = hart i; all by default,
    /// inherited by fork, set by sched_setaffinity).
    pub affinity: u64,
    /// A pending fatal signal (kill), acted on before the next return to U-mode.
    pub killed: Option<u32>,
    /// Set when the process becomes a zombie.
    pub exit: Option<ExitReason>,
    /// File descriptor table (index = fd).
    pub fds: Vec<Option<File>>,
    /// The kernel thread's saved context.
    pub ctx: Context,
    /// The kernel thread's stack (freed with the process, after it is reaped).
    pub kstack: KernelStack,
}

impl Process {
    /// Its own memory usage so far: the address spaces it left plus the
    /// current one (getrusage RUSAGE_SELF).
    pub fn usage(&self) -> MemUsage {
        let mut u = self.retired_usage;
        if let Some(s) = self.space.as_ref() {
            u.merge(s.usage());
        }
        u
    }

    /// Replaces the address space (exec, exit), keeping the old one's
    /// statistics. The old space is dropped (its frames freed) here.
    pub fn replace_space(&mut self, space: Option<AddrSpace>) {
        if let Some(old) = self.space.take() {
            self.retired_usage.merge(old.usage());
        }
        self.space = space;
    }

    /// A new process record (not yet runnable) with fds 0, 1, 2 on the
    /// console, or `None` if no kernel stack can be mapped (out of frames).
    pub fn new(pid: usize, ppid: usize, name: &str, space: AddrSpace) -> Option<Self> {
        let kstack = KernelStack::new()?;
        let ctx = Context::new_thread(&kstack);
        Some(Process {
            pid,
            ppid,
            name: String::from(name),
            top_level: false,
            space: Some(space),
            tf: TrapFrame::default(),
            fp: FpState::default(),
            brk_start: 0,
            brk: 0,
            retired_usage: MemUsage::default(),
            children_usage: MemUsage::default(),
            state: State::Runnable,
            hart: 0,
            affinity: u64::MAX,
            killed: None,
            exit: None,
            fds: alloc::vec![Some(File::Console), Some(File::Console), Some(File::Console)],
            ctx,
            kstack,
        })
    }
}
