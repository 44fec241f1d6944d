//! A process: identity, address space, saved user state, kernel thread,
//! open files, and how it ended.

use super::context::{Context, KernelStack};
use super::cputime::CpuTime;
use super::fpu::FpState;
use crate::fs::Fd;
use crate::mm::addr_space::{AddrSpace, MemUsage};
use crate::sync::Shared;
use crate::trap::TrapFrame;
use alloc::string::String;
use alloc::vec::Vec;

/// Signal numbers (Linux asm-generic/signal.h, shared with the user runtime).
pub mod signal {
    pub use svos_abi::signal::*;

    /// The conventional name of a signal number.
    pub fn name(sig: u32) -> &'static str {
        match sig {
            SIGHUP => "SIGHUP",
            SIGINT => "SIGINT",
            SIGQUIT => "SIGQUIT",
            SIGABRT => "SIGABRT",
            SIGFPE => "SIGFPE",
            SIGUSR1 => "SIGUSR1",
            SIGUSR2 => "SIGUSR2",
            SIGPIPE => "SIGPIPE",
            SIGALRM => "SIGALRM",
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
    /// A pipe to become readable or writable.
    Pipe,
    /// A signal (rt_sigsuspend).
    Signal,
    /// A disk request to complete (a major fault, direct reclaim): an
    /// uninterruptible sleep (Linux's D state), signals do not end it.
    Disk(u64),
    /// A FUTEX_WAKE on [`Process::futex`]'s word, or the time (ticks) to
    /// reach this value (`u64::MAX`: no timeout).
    Futex(u64),
    /// An out-of-memory victim to exit and free its memory (a fault that
    /// found no frame while a victim of the OOM killer was still dying).
    Memory,
    /// The child of this vfork (clone with CLONE_VM|CLONE_VFORK, the
    /// thread id given) to exec or exit and so give the shared address
    /// space back (Linux's vfork_done completion). Signals wake the
    /// sleeper, which sleeps again unless it is being killed.
    Vfork(usize),
    /// The other threads of group `tgid` to exit: execve from a thread
    /// other than the leader (Linux's de_thread). Each thread's exit wakes
    /// the sleeper, which sleeps again while any is left.
    OtherThreads(usize),
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

/// A user thread (Linux's task): a process has one or more, each a record
/// of the process table with its own id, registers, kernel thread,
/// scheduling state, signal mask and pending set; the threads of one
/// process (its *thread group*, made by clone with CLONE_THREAD) share
/// the address space, the brk, the file descriptor table and the signal
/// actions through [`Shared`] handles. The first thread is the group's
/// leader: its id is the process id (getpid), the others' `tgid` names it.
/// Each thread also keeps its own copy of the fields a group rarely
/// changes (cwd, umask, name, the exec'd program's description).
pub struct Process {
    /// Thread id (1, 2, ... in creation order; never reused); the process
    /// id for the group's leader.
    pub pid: usize,
    /// Thread group id: the pid of the process (its leader's thread id).
    pub tgid: usize,
    /// Parent pid (of the process: the same in every thread of a group);
    /// 0 = the kernel (top-level processes and orphans once init is gone).
    pub ppid: usize,
    /// Program name (basename of the executed file).
    pub name: String,
    /// Started by the kernel from `init=` (its exit is reported on the console).
    pub top_level: bool,
    /// The address space, shared by the threads of the group; `None` once
    /// the thread has exited.
    pub space: Option<Shared<AddrSpace>>,
    /// Saved user registers.
    pub tf: TrapFrame,
    /// Saved f registers (see [`super::fpu`]).
    pub fp: FpState,
    /// Start of the brk heap (page aligned, just above the highest segment).
    pub brk_start: usize,
    /// Current program break (bytes), shared by the group.
    pub brk: Shared<usize>,
    /// Faults and peak RSS of the address spaces it left (exec, exit).
    pub retired_usage: MemUsage,
    /// Totals of the children it reaped with wait4 (and of theirs).
    pub children_usage: MemUsage,
    /// Its hardware performance counts (and its reaped children's).
    pub perf: super::perf::Perf,
    /// This thread's CPU time ([`super::cputime`]).
    pub cpu: CpuTime,
    /// The leader's record only: CPU time of the group's threads that
    /// have exited and been reaped (the group's total adds the live ones').
    pub retired_cpu: CpuTime,
    /// CPU time of the children it reaped with wait4 (and of theirs).
    pub children_cpu: CpuTime,
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
    /// File descriptor table (index = fd), shared by the group.
    pub fds: Shared<Vec<Option<Fd>>>,
    /// Working directory (absolute, normalized).
    pub cwd: String,
    /// The program's path (/proc/PID/exe) and its inode number.
    pub exe: String,
    /// Inode number of the program file.
    pub exe_ino: u64,
    /// argv of the last exec (/proc/PID/cmdline).
    pub cmdline: Vec<String>,
    /// (first page, file offset) of each ELF segment (/proc/PID/maps).
    pub elf_map: Vec<(usize, usize)>,
    /// Address of the signal-return trampoline page (0 = none).
    pub sigtramp: usize,
    /// `time` when the process was created (/proc/PID/stat starttime).
    pub start_ticks: u64,
    /// File mode creation mask.
    pub umask: u32,
    /// /proc/PID/oom_score_adj, -1000..=1000 ([`crate::mm::oom`]): the same
    /// in every thread of the group, inherited by fork, kept by exec.
    pub oom_score_adj: i16,
    /// Process group (setpgid; a new process leads its own, a fork's child
    /// joins its parent's): Ctrl-C signals the console's foreground group.
    pub pgid: usize,
    /// Largest virtual size seen, in pages (VmPeak).
    pub peak_vsize: usize,
    /// Signal actions (shared by the group), and this thread's mask,
    /// pending set and alternate stack.
    pub sig: super::signal::SigState,
    /// The futex word this thread waits on, as (address space id, user
    /// address, FUTEX_WAIT_BITSET's bitset); cleared by the FUTEX_WAKE that
    /// wakes it (see [`crate::syscall::futex`]).
    pub futex: Option<(usize, usize, u32)>,
    /// Set on every other thread when one thread ends the whole group
    /// (exit_group, a fatal signal, execve): how the group ended. The
    /// thread exits before its next return to U-mode.
    pub group_exit: Option<ExitReason>,
    /// set_tid_address's pointer (CLONE_CHILD_CLEARTID): cleared at exit.
    pub clear_child_tid: usize,
    /// For the child of a vfork until it execs or exits: the parent thread
    /// sleeping in clone, whose address space it borrows (0 = none).
    pub vfork_parent: usize,
    /// CLONE_CHILD_SETTID's pointer: the pid is stored there before the child first runs.
    pub set_child_tid: usize,
    /// System call numbers already reported as unknown (one line per number per process).
    pub enosys_logged: alloc::collections::BTreeSet<usize>,
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

    /// True if a blocking system call should return -EINTR now: the
    /// thread is being killed (or its group is ending) or a signal is
    /// deliverable.
    pub fn interrupted(&self) -> bool {
        self.killed.is_some() || self.group_exit.is_some() || self.sig.deliverable() != 0
    }

    /// Replaces the address space (exec, exit), keeping the old one's
    /// statistics and limits (RLIMIT_RSS). The old space is dropped (its
    /// frames freed) here when this thread was its last holder. A vfork
    /// child's borrowed space goes back to its parent with its counts.
    pub fn replace_space(&mut self, mut space: Option<AddrSpace>) {
        if let Some(old) = self.space.take() {
            if old.holders() == 1 || (self.pid == self.tgid && self.vfork_parent == 0) {
                self.retired_usage.merge(old.usage());
            }
            if let Some(new) = space.as_mut() {
                new.inherit_limits(&old);
            }
        }
        self.space = space.map(Shared::new);
    }

    /// True for the group's first thread, whose id is the process id.
    pub fn is_leader(&self) -> bool {
        self.pid == self.tgid
    }

    /// A new process record (not yet runnable) with fds 0, 1, 2 on the
    /// console, or `None` if no kernel stack can be mapped (out of frames).
    pub fn new(pid: usize, ppid: usize, name: &str, space: Option<AddrSpace>) -> Option<Self> {
        let kstack = KernelStack::new()?;
        let ctx = Context::new_thread(&kstack);
        Some(Process {
            pid,
            tgid: pid,
            ppid,
            name: String::from(name),
            top_level: false,
            space: space.map(Shared::new),
            tf: TrapFrame::default(),
            fp: FpState::default(),
            brk_start: 0,
            brk: Shared::new(0),
            retired_usage: MemUsage::default(),
            children_usage: MemUsage::default(),
            perf: Default::default(),
            cpu: CpuTime::default(),
            retired_cpu: CpuTime::default(),
            children_cpu: CpuTime::default(),
            state: State::Runnable,
            hart: 0,
            affinity: u64::MAX,
            killed: None,
            exit: None,
            fds: Shared::new(crate::fs::console_fds()),
            cwd: String::from("/"),
            exe: String::new(),
            exe_ino: 0,
            cmdline: Vec::new(),
            elf_map: Vec::new(),
            sigtramp: 0,
            start_ticks: crate::boot::timer::now(),
            umask: 0o022,
            oom_score_adj: 0,
            pgid: pid,
            peak_vsize: 0,
            sig: Default::default(),
            futex: None,
            group_exit: None,
            clear_child_tid: 0,
            vfork_parent: 0,
            set_child_tid: 0,
            enosys_logged: Default::default(),
            ctx,
            kstack,
        })
    }
}
