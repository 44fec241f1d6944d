//! The process table and the scheduler.
//!
//! - All harts, one shared run queue (FIFO) of threads under the big kernel
//!   lock ([`crate::sync`]): round-robin; a thread runs on one hart at a
//!   time and may resume on any hart; the threads of one process run on
//!   several harts at once. (A "process" below is a table record: one
//!   thread, see [`super::process::Process`].) A process runs until
//!   it blocks, yields, exits, or its time slice ends: the timer is armed at
//!   every dispatch for [`TIME_SLICE_TICKS`] later (or an earlier sleeper's
//!   deadline), and a timer interrupt taken in U-mode sends the process to
//!   the back of the queue. The kernel itself is not preemptible (it runs
//!   with sstatus.SIE = 0).
//! - Blocked processes (wait4, nanosleep, console read) are off the queue;
//!   when nothing is runnable the scheduler releases the kernel lock and
//!   `wfi`s until the next timer interrupt (a sleeper's deadline or a
//!   console poll tick) or an IPI (a process became runnable: [`add`] and
//!   [`wake`] kick an idle hart).
//! - Each hart's scheduler ([`scheduler`]) runs on that hart's boot stack;
//!   every process has its own kernel stack and a kernel thread running
//!   [`user_loop`], which holds the kernel lock except while in U-mode.
//! - `init=` programs are started one at a time by the kernel (parent 0);
//!   when one and all processes it left behind... see [`run`].
//! - Orphans are reparented to pid 1 while it is alive, otherwise to the
//!   kernel, which reaps them itself. Zombies are reaped by wait4 (or by the
//!   kernel for parent 0).

use super::context::KernelStack;
use super::context::{switch, Context};
use super::cputime;
use super::exec;
use super::fpu;
use super::process::{signal, ExitReason, Process, State, WaitFor};
use crate::boot::timer;
use crate::drivers::virtio_blk::{self, ReqId};
use crate::mm::addr_space::{Access, FaultError, Resolved};
use crate::mm::kmem_cache::{KBox, KmemCache};
use crate::mm::{frame, kernel_space, swap, vmstat};
use crate::smp;
use crate::sync::{kernel_lock, kernel_unlock, Global};
use crate::trap;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

/// Length of a time slice: 100_000 ticks of `time` (10 ms at the 10 MHz
/// timebase of QEMU virt and svemu; 1_000_000 instructions on svemu).
pub const TIME_SLICE_TICKS: u64 = 100_000;

/// Most processes alive at once (zombies included); fork fails with -EAGAIN beyond.
pub const MAX_PROCS: usize = crate::mm::kstack::KSTACK_SLOTS;

/// One `init=` entry: the file to run and its argv.
pub struct InitEntry {
    /// initrd file name.
    pub file: String,
    /// argv (argv[0] = the file name).
    pub argv: Vec<String>,
}

/// Counts for the final summary line.
#[derive(Default)]
struct Summary {
    requested: usize,
    ok: usize,
    failed: usize,
    killed: usize,
}

/// The threads' records (Linux's task_struct cache).
static TASK_CACHE: KmemCache<Process> = KmemCache::new("task_struct");

struct Table {
    procs: BTreeMap<usize, KBox<Process>>,
    runq: VecDeque<usize>,
    next_pid: usize,
    init: VecDeque<InitEntry>,
    summary: Summary,
    free_before: usize,
    /// Kernel heap bytes in use when the first `init=` program started.
    heap_before: usize,
    /// Exit status of the last top-level process that ended (status as the console prints it).
    last_status: u32,
    /// Power off with `last_status` (bootarg `svos.status=last`) instead of success.
    exit_with_status: bool,
}

static TABLE: Global<Table> = Global::new(Table {
    procs: BTreeMap::new(),
    runq: VecDeque::new(),
    next_pid: 1,
    init: VecDeque::new(),
    summary: Summary { requested: 0, ok: 0, failed: 0, killed: 0 },
    free_before: 0,
    heap_before: 0,
    last_status: 0,
    exit_with_status: false,
});

fn table() -> &'static mut Table {
    TABLE.get()
}

/// The process with id `pid`, if it exists (zombies included).
pub fn proc_mut(pid: usize) -> Option<&'static mut Process> {
    // SAFETY of the 'static: processes are boxed and only freed when reaped;
    // callers do not keep the reference across a switch.
    table().procs.get_mut(&pid).map(|b| unsafe { &mut *(&mut **b as *mut Process) })
}

/// The pid of the process running on this hart (0 if the scheduler itself runs).
pub fn current_pid() -> usize {
    smp::local().current.unwrap_or(0)
}

/// The running process. Only called from a process's kernel thread.
pub fn current() -> &'static mut Process {
    match proc_mut(current_pid()) {
        Some(p) => p,
        None => panic!("no current process"),
    }
}

/// Every pid in the table (zombies included), ascending.
pub fn pids() -> Vec<usize> {
    table().procs.keys().copied().collect()
}

/// The most recently allocated pid (0 before the first).
pub fn last_pid() -> usize {
    table().next_pid - 1
}

/// Wakes every process blocked for `why`.
pub fn wake_all(why: WaitFor) {
    let due: Vec<usize> = table().procs.values().filter(|p| p.state == State::Blocked(why)).map(|p| p.pid).collect();
    for pid in due {
        wake(pid);
    }
}

/// Posts signal `sig` with `info` to process `pid` (kill, SIGCHLD,
/// SIGPIPE): to the thread of its group that does not block it (the
/// leader first), else to the leader or its first live thread (a
/// process-directed signal, signal(7)); see [`signal_thread`].
pub fn send_signal(pid: usize, sig: u32, info: super::signal::Info) {
    let Some(tgid) = proc_mut(pid).map(|p| p.tgid) else { return };
    let live: Vec<(usize, u64)> = table()
        .procs
        .values()
        .filter(|p| p.tgid == tgid && p.state != State::Zombie)
        .map(|p| (p.pid, p.sig.mask))
        .collect();
    let target =
        live.iter().find(|(_, mask)| mask & super::signal::bit(sig) == 0).or(live.first()).map_or(pid, |&(tid, _)| tid);
    signal_thread(target, sig, info);
}

/// Posts signal `sig` with `info` to thread `tid` (tgkill, and
/// [`send_signal`]'s choice): SIGKILL marks it killed (which ends its
/// whole group); others become pending unless ignored. A blocked target
/// is woken (its call returns -EINTR) and one running on another hart is
/// interrupted.
pub fn signal_thread(tid: usize, sig: u32, info: super::signal::Info) {
    let Some(t) = proc_mut(tid) else { return };
    if t.state == State::Zombie {
        return;
    }
    if sig == signal::SIGKILL {
        if t.killed.is_none() {
            t.killed = Some(sig);
        }
    } else if !t.sig.post(sig, info) || t.sig.deliverable() == 0 {
        return;
    }
    interrupt(tid);
}

/// Makes thread `tid` notice a change before it next runs U-mode: woken
/// if blocked, interrupted by an IPI if it runs on another hart.
fn interrupt(tid: usize) {
    let Some(t) = proc_mut(tid) else { return };
    if t.state == State::Running && t.hart != smp::hart_id() {
        smp::kick(t.hart);
    }
    // A disk sleep is not interrupted: the process acts on the signal
    // when its I/O is done.
    if !matches!(t.state, State::Blocked(WaitFor::Disk(_))) {
        wake(tid);
    }
}

/// Sleeps until disk request `req` is done (uninterruptibly: see
/// [`WaitFor::Disk`]), the kernel lock released while other processes run
/// or the hart idles. The disk's interrupt ([`io_completed`]) wakes it.
/// Request 0: yields once instead (kswapd was woken and has not run).
pub fn wait_io(req: ReqId) {
    if req == 0 {
        // Nothing to wait for yet (kswapd is about to run): yield once.
        yield_now();
        return;
    }
    io_completed();
    while !virtio_blk::is_done(req) {
        block(WaitFor::Disk(req));
    }
}

/// The disk's interrupt (or a look at its used ring by an idle hart):
/// completed requests are taken off the ring, the frames of finished swap
/// writes freed, and the processes and kswapd waiting for them woken.
/// A request may also have been taken off the ring by [`virtio_blk::submit`]
/// (which reaps before it looks for room): the waiters are checked whether
/// or not this call reaped anything.
pub fn io_completed() {
    virtio_blk::interrupt();
    swap::reap();
    let due: Vec<usize> = table()
        .procs
        .values()
        .filter(|p| matches!(p.state, State::Blocked(WaitFor::Disk(r)) if virtio_blk::is_done(r)))
        .map(|p| p.pid)
        .collect();
    for pid in due {
        wake(pid);
    }
    if let Some(k) = KSWAPD.get().as_mut() {
        if let KState::Wait(r) = k.state {
            if virtio_blk::is_done(r) {
                k.state = KState::Runnable;
            }
        }
    }
}

/// The live (not zombie) threads of process `tgid` other than `but`.
pub fn other_threads(tgid: usize, but: usize) -> Vec<usize> {
    table()
        .procs
        .values()
        .filter(|p| p.tgid == tgid && p.pid != but && p.state != State::Zombie)
        .map(|p| p.pid)
        .collect()
}

/// Number of threads of process `tgid` that have not exited (/proc's `Threads:`).
pub fn thread_count(tgid: usize) -> usize {
    table().procs.values().filter(|p| p.tgid == tgid && p.state != State::Zombie).count()
}

/// The calling thread's CPU time, its interval in progress included.
pub fn own_cputime() -> cputime::CpuTime {
    let me = current();
    cputime::account(cputime::Mode::System, Some(&mut me.cpu));
    me.cpu
}

/// CPU time of process `tgid`: its threads' (live, or exited and not yet
/// reaped) and the reaped ones' its leader keeps (Linux's
/// thread_group_cputime). The caller's own time is brought up to date
/// first, so a thread asking about its process sees its running interval.
/// Threads running on other harts count up to their last change of mode.
pub fn group_cputime(tgid: usize) -> cputime::CpuTime {
    own_cputime();
    let mut total = proc_mut(tgid).map_or_else(Default::default, |l| l.retired_cpu);
    for p in table().procs.values().filter(|p| p.tgid == tgid) {
        total.add(p.cpu);
    }
    total
}

/// Ends every thread of the caller's group but the caller (exit_group, a
/// fatal signal, execve): each exits with `reason` before it next runs
/// U-mode, without a report of its own.
pub fn end_other_threads(reason: ExitReason) {
    let me = current();
    for tid in other_threads(me.tgid, me.pid) {
        if let Some(t) = proc_mut(tid) {
            t.group_exit.get_or_insert(reason);
            interrupt(tid);
        }
    }
}

/// Allocates a pid, or `None` if the table is full.
pub fn alloc_pid() -> Option<usize> {
    let t = table();
    if t.procs.len() >= MAX_PROCS {
        return None;
    }
    let pid = t.next_pid;
    t.next_pid += 1;
    Some(pid)
}

/// Adds a new runnable process to the table and the run queue.
pub fn add(p: Process) {
    let t = table();
    let pid = p.pid;
    let affinity = p.affinity;
    t.procs.insert(pid, TASK_CACHE.alloc(p));
    t.runq.push_back(pid);
    smp::kick_idle_hart(affinity);
}

/// Makes a blocked process runnable.
pub fn wake(pid: usize) {
    if let Some(p) = proc_mut(pid) {
        if let State::Blocked(_) = p.state {
            p.state = State::Runnable;
            table().runq.push_back(pid);
            smp::kick_idle_hart(p.affinity);
        }
    }
}

/// Switches from the current process's kernel thread to this hart's
/// scheduler, with the kernel lock held. The thread may resume on another hart.
fn to_scheduler() {
    let t = table();
    let Some(p) = t.procs.get_mut(&current_pid()) else { return };
    let ctx: *mut Context = &mut p.ctx;
    let sched: *const Context = &smp::local().sched_ctx;
    // SAFETY: both contexts live in boxed/static storage that outlives the switch.
    unsafe { switch(ctx, sched) };
}

/// Blocks the current process until [`wake`] (or a kill).
pub fn block(why: WaitFor) {
    current().state = State::Blocked(why);
    to_scheduler();
}

/// Puts the current process at the back of the run queue and runs others.
pub fn yield_now() {
    let p = current();
    p.state = State::Runnable;
    table().runq.push_back(p.pid);
    if p.affinity >> smp::hart_id() & 1 == 0 {
        smp::kick_idle_hart(p.affinity);
    }
    to_scheduler();
}

/// Ends the current process (exit_group, a fatal signal or fault): every
/// other thread of its group ends too ([`end_other_threads`]), then this
/// one ([`exit_thread`]). Never returns.
pub fn exit_current(reason: ExitReason) -> ! {
    end_other_threads(reason);
    // A leader that already left (pthread_exit) still reports the group's status.
    let tgid = current().tgid;
    if let Some(leader) = proc_mut(tgid).filter(|l| l.state == State::Zombie) {
        leader.exit = Some(reason);
    }
    exit_thread(reason)
}

/// Ends the current thread (exit(2); the last thread of a group ends the
/// process): CLONE_CHILD_CLEARTID's word is zeroed and futex-woken (what
/// pthread_join waits for), its handles to the address space, fd table
/// and signal actions are dropped (the last holder frees them), it becomes
/// a zombie. When no thread of the group is left, the process has exited:
/// its children are reparented and its parent gets SIGCHLD and is woken.
/// A thread other than the leader is reaped by the scheduler. Never returns.
pub fn exit_thread(reason: ExitReason) -> ! {
    let pid = current_pid();
    let p = current();
    let reason = p.group_exit.unwrap_or(reason);
    if p.clear_child_tid != 0 && p.space.is_some() {
        let at = p.clear_child_tid;
        if super::usercopy::copy_to_user(at, &0u32.to_le_bytes()).is_ok() {
            crate::syscall::futex::wake_word(at, 1);
        }
    }
    let p = current();
    kernel_space::activate_kernel();
    p.replace_space(None);
    vfork_done(p);
    // Its frames and slots are free (if it held the space's last handle):
    // faults waiting on the OOM killer retry.
    wake_all(WaitFor::Memory);
    p.fds = crate::sync::Shared::new(Vec::new());
    p.sig.actions = crate::sync::Shared::new([Default::default(); 64]);
    p.exit = Some(reason);
    p.perf.leave();
    crate::drivers::trace::proc_exit(pid, reason.status() as usize);
    p.state = State::Zombie;
    fpu::forget(pid);
    let tgid = p.tgid;
    if other_threads(tgid, pid).is_empty() {
        end_process(tgid);
    } else {
        wake_all(WaitFor::OtherThreads(tgid));
    }
    to_scheduler();
    // A zombie is never scheduled again.
    unreachable_halt()
}

/// execve from a thread other than the leader (Linux's de_thread): once
/// every other thread of the group, the leader included, has exited
/// ([`end_other_threads`] has told them to), the leader's record goes and
/// the caller takes its id, so the process keeps its pid, parent, start
/// time, usage totals and place among the `init=` programs. The caller's
/// old thread id is free.
pub fn become_leader() {
    let me = current_pid();
    let tgid = current().tgid;
    while !other_threads(tgid, me).is_empty() {
        // Killed meanwhile (SIGKILL, another thread's exit_group): no exec.
        let p = current();
        if let Some(reason) = p.group_exit.or(p.killed.map(ExitReason::Killed)) {
            exit_current(reason);
        }
        // Asleep, not spinning: the kernel lock must be free for them to exit.
        block(WaitFor::OtherThreads(tgid));
    }
    let t = table();
    let Some(leader) = t.procs.remove(&tgid) else { return };
    let Some(mut p) = t.procs.remove(&me) else { return };
    p.pid = tgid;
    p.ppid = leader.ppid;
    p.top_level = leader.top_level;
    p.start_ticks = leader.start_ticks;
    p.retired_usage = leader.retired_usage;
    p.children_usage = leader.children_usage;
    p.retired_cpu = leader.retired_cpu;
    p.retired_cpu.add(leader.cpu);
    p.children_cpu = leader.children_cpu;
    p.peak_vsize = p.peak_vsize.max(leader.peak_vsize);
    fpu::forget(me);
    t.procs.insert(tgid, p);
    smp::local().current = Some(tgid);
    crate::drivers::trace::proc_exit(me, 0);
}

/// The vfork child `child` has exec'd or is exiting: the space it
/// borrowed is its parent's alone again, and the parent, asleep in clone
/// since the vfork, runs on (Linux's mm_release and complete_vfork_done).
pub fn vfork_done(child: &mut Process) {
    let parent = core::mem::take(&mut child.vfork_parent);
    if proc_mut(parent).is_some_and(|p| p.state == State::Blocked(WaitFor::Vfork(child.pid))) {
        wake(parent);
    }
}

/// The last thread of process `tgid` has exited: SIGCHLD to the parent,
/// children reparented, the parent woken.
fn end_process(tgid: usize) {
    let Some(leader) = proc_mut(tgid) else { return };
    let ppid = leader.ppid;
    send_signal(ppid, signal::SIGCHLD, super::signal::Info { code: 1, addr: 0, pid: tgid });
    // Orphans go to init (pid 1) while it lives, else to the kernel.
    let init_alive = tgid != 1 && proc_mut(1).is_some_and(|i| i.state != State::Zombie);
    let new_parent = if init_alive { 1 } else { 0 };
    let mut zombie_orphan = false;
    for c in table().procs.values_mut() {
        if c.ppid == tgid {
            c.ppid = new_parent;
            zombie_orphan |= c.state == State::Zombie;
        }
    }
    if zombie_orphan && new_parent == 1 {
        wake_waiter(1);
    }
    wake_waiter(ppid);
}

fn unreachable_halt() -> ! {
    panic!("a zombie was resumed")
}

/// Wakes the threads of process `tgid` waiting for a child (wait4 from any of them).
fn wake_waiter(tgid: usize) {
    let waiting: Vec<usize> = table()
        .procs
        .values()
        .filter(|p| p.tgid == tgid && p.state == State::Blocked(WaitFor::Child))
        .map(|p| p.pid)
        .collect();
    for pid in waiting {
        wake(pid);
    }
}

/// Removes zombie `pid` from the table and returns how it ended.
pub fn reap(pid: usize) -> Option<ExitReason> {
    let t = table();
    let r = t.procs.get(&pid)?.exit;
    if r.is_some() {
        t.procs.remove(&pid);
    }
    r
}

/// True if every thread of process `tgid` has exited (wait4 may reap it).
fn group_exited(tgid: usize) -> bool {
    table().procs.values().all(|p| p.tgid != tgid || p.state == State::Zombie)
}

/// Child processes of `ppid` (pid, has exited): the group leaders whose
/// parent it is; a process has exited when all its threads have.
pub fn children(ppid: usize) -> Vec<(usize, bool)> {
    table()
        .procs
        .values()
        .filter(|p| p.ppid == ppid && p.is_leader())
        .map(|p| (p.pid, p.state == State::Zombie && group_exited(p.tgid)))
        .collect()
}

/// Kernel entry of a new process's thread (from `__thread_start`).
#[no_mangle]
extern "C" fn process_thread_entry() -> ! {
    user_loop()
}

/// Maps a fatal U-mode exception code to the signal that kills the process.
fn signal_for(code: usize) -> u32 {
    use signal::*;
    match code {
        2 => SIGILL,
        3 => SIGTRAP,
        0 | 4 | 6 => SIGBUS,
        _ => SIGSEGV,
    }
}

/// si_code of a fault: SEGV_MAPERR outside every area, SEGV_ACCERR
/// inside one that forbids the access; 1 (BUS_ADRALN, ILL_ILLOPC,
/// TRAP_BRKPT) for the others.
fn fault_code(p: &Process, code: usize, stval: usize) -> i32 {
    if signal_for(code) != signal::SIGSEGV {
        return 1;
    }
    match p.space.as_ref().and_then(|s| s.vma_at(stval)) {
        Some(_) => super::signal::SEGV_ACCERR,
        None => super::signal::SEGV_MAPERR,
    }
}

/// The per-process kernel thread: run U-mode until a trap, handle it, repeat.
pub fn user_loop() -> ! {
    loop {
        let p = current();
        if let Some(r) = p.group_exit {
            exit_thread(r);
        }
        if let Some(sig) = p.killed {
            exit_current(ExitReason::Killed(sig));
        }
        if p.set_child_tid != 0 {
            let at = core::mem::take(&mut p.set_child_tid);
            let _ = super::usercopy::copy_to_user(at, &(p.pid as u32).to_le_bytes());
        }
        let p = current();
        if let super::signal::Outcome::Terminate(sig) = super::signal::deliver_pending(p) {
            exit_current(ExitReason::Killed(sig));
        }
        fpu::enter_user(p.pid, &mut p.fp);
        let tf: *mut trap::TrapFrame = &mut p.tf;
        let cpu: *mut cputime::CpuTime = &mut p.cpu;
        cputime::account(cputime::Mode::User, Some(&mut p.cpu));
        // U-mode runs without the kernel lock: other harts' kernels may run.
        kernel_unlock();
        // SAFETY: tf and cpu are inside the process's record, alive while
        // it runs (it cannot be reaped before it exits) and used by this
        // thread only.
        let (scause, stval) = trap::run_user(unsafe { &mut *tf });
        cputime::account(cputime::Mode::System, Some(unsafe { &mut *cpu }));
        kernel_lock();
        let p = current();
        fpu::leave_user(&mut p.fp);
        let code = scause & !(1usize << 63);
        if scause >> 63 != 0 {
            if code == 1 {
                // An IPI: a TLB shootdown request, or a wake-up.
                smp::serve_ipi();
            } else if code == 5 {
                // Time slice over (or a sleeper is due): round-robin.
                yield_now();
            } else if code == 9 {
                // A device (the disk) through the PLIC.
                io_completed();
            }
            continue;
        }
        if code == 8 {
            p.tf.sepc += 4;
            crate::syscall::dispatch();
            continue;
        }
        if let Some(access) = Access::of_page_fault(code) {
            let mut resolved = resolve_fault(stval, access);
            let p = current();
            if matches!(resolved, Some(Err(FaultError::OutOfMemory))) && reclaim_from_others(p.pid) {
                resolved = resolve_fault(stval, access);
            }
            let p = current();
            let rss = p.space.as_ref().map_or(0, |s| s.resident_pages());
            crate::drivers::trace::fault_done(stval, code, p.pid, rss, resolved.map(|r| r.map(|_| ())));
            match resolved {
                Some(Ok(_)) => continue,
                Some(Err(FaultError::OutOfMemory)) => {
                    oom_kill(p, stval);
                    continue;
                }
                _ => {}
            }
        }
        // A handler for the fault's signal runs it (SA_SIGINFO: si_addr = stval).
        let sig = signal_for(code);
        let info = super::signal::Info { code: fault_code(p, code, stval), addr: stval, pid: 0 };
        if p.sig.actions[sig as usize - 1].handler > super::signal::SIG_IGN {
            match super::signal::deliver(p, sig, info) {
                super::signal::Outcome::Handled => continue,
                super::signal::Outcome::Terminate(s) if s != sig => exit_current(ExitReason::Killed(s)),
                _ => {}
            }
        }
        // One report line, like a segmentation-fault message: cause, stval
        // (the faulting address; for an illegal instruction, the instruction
        // bits or 0), pc, signal.
        let sig = signal_for(code);
        let cause = trap::exception_name(code);
        if code == 2 {
            report_kill(p, format_args!("{} (stval {:#x})", cause, stval), sig);
        } else {
            report_kill(p, format_args!("{} at {:#x}", cause, stval), sig);
        }
        exit_current(ExitReason::Killed(sig));
    }
}

/// Handles the current process's page fault at `va`, sleeping for the disk
/// as long as the fault handler asks ([`FaultError::Wait`]: a swap-in, the
/// write of the slot, direct reclaim's writes) and trying again after each
/// wait. A process killed meanwhile stops trying (it exits on its way back
/// to U-mode). None when the process has no address space.
fn resolve_fault(va: usize, access: Access) -> Option<Result<Resolved, FaultError>> {
    loop {
        let p = current();
        match p.space.as_mut().map(|s| s.handle_fault(va, access)) {
            Some(Err(FaultError::Wait(req))) => {
                wait_io(req);
                if current().killed.is_some() {
                    return Some(Ok(Resolved::Spurious));
                }
            }
            r => return r,
        }
    }
}

/// Prints the one line that reports a process killed by the kernel:
/// `[svos] pid N (name): <cause>, pc <sepc>: killed by signal K (SIGxxx)`.
fn report_kill(p: &Process, cause: core::fmt::Arguments, sig: u32) {
    crate::println!(
        "[svos] pid {} ({}): {}, pc {:#x}: killed by signal {} ({})",
        p.pid,
        p.name,
        cause,
        p.tf.sepc,
        sig,
        signal::name(sig)
    );
}

/// The global fallback of the per-space clock, for a fault of process `me`
/// that found no free frame and nothing of its own to swap out, and the
/// reclaim that kernel allocations (fork, exec) run before they fail: swaps
/// out pages of the other processes (in pid order, each by its own clock,
/// see [`crate::mm::addr_space::AddrSpace::swap_out`]) until the free
/// frames reach the high watermark ([`frame::watermarks`]). `me` = 0
/// excludes no process. True if it made progress ([`reclaim`]: the
/// allocation is worth retrying); always false without swap.
pub fn reclaim_from_others(me: usize) -> bool {
    reclaim(me, frame::watermarks().2)
}

/// Drops clean page-cache pages ([`crate::mm::filemap::shrink`]), then
/// swaps out pages of every process but `me` (0: none excluded), in pid
/// order, each by its own clock, until `target` frames are free (counting
/// those under writeback), sends the writes and sleeps until every write
/// in flight is done ([`wait_writes`]: the kernel lock released, other
/// processes run); when the write queue is congested ([`swap::throttle`])
/// a pass stops, waits for the disk and goes on. Direct reclaim for kernel
/// allocations (fork, exec, a fault's or a system call's copy's last
/// resort). Called by a process's kernel thread, holding no reference
/// into another process nor any spin lock. True if it made progress: it
/// dropped page-cache pages, evicted pages or left more frames free.
pub fn reclaim(me: usize, target: usize) -> bool {
    // Clean page-cache pages go first: dropping them costs no I/O.
    let dropped = crate::mm::filemap::shrink(target) > 0;
    if !swap::active() || frame::stats().0 >= target {
        return dropped;
    }
    let before = frame::stats().0;
    let my_space = proc_mut(me).and_then(|p| p.space.as_ref()).map(|s| s.id());
    vmstat::set_reclaimer(vmstat::Reclaimer::Direct);
    // Passes until the target is met or a pass evicts nothing: a page
    // shared copy-on-write frees its frame only when its last space evicts
    // it. A pass the disk throttled goes on, after its writes, from the
    // process it stopped at.
    let mut resume = 0;
    let mut reclaimed = false;
    loop {
        let mut evicted = false;
        let mut throttled = false;
        let mut pids: Vec<usize> = table().procs.keys().copied().filter(|&pid| pid != me).collect();
        let start = pids.iter().position(|&pid| pid >= resume).unwrap_or(0);
        pids.rotate_left(start);
        let mut seen = Vec::new();
        for pid in pids {
            let Some(space) = proc_mut(pid).and_then(|p| p.space.as_mut()) else { continue };
            // Threads share a space: each is scanned once, and never the faulting thread's.
            if Some(space.id()) == my_space || seen.contains(&space.id()) {
                continue;
            }
            seen.push(space.id());
            let resident = space.resident_pages();
            // A page shared copy-on-write frees its frame only when its
            // last space evicts it; near the end of the kernel's reserve
            // such evictions wait (vmscan's eviction floor): the next space
            // (the sharer) frees them, and the next pass comes back.
            let mut n = 0;
            while n < RECLAIM_BATCH && frame::stats().0 + swap::writeback_pages() < target {
                if swap::throttle() {
                    throttled = true;
                    break;
                }
                let k = space.swap_out(swap::CLUSTER.min(RECLAIM_BATCH - n));
                if k == 0 {
                    break;
                }
                evicted = true;
                n += k;
            }
            if space.resident_pages() != resident {
                crate::drivers::trace::rss(pid, space.resident_pages());
            }
            if frame::stats().0 + swap::writeback_pages() >= target {
                break;
            }
            if throttled {
                resume = pid;
                break;
            }
        }
        if evicted {
            crate::mm::kswapd::reclaimed();
        }
        reclaimed |= evicted;
        swap::flush_writes();
        wait_writes();
        if !(evicted || throttled) || frame::stats().0 >= target {
            break;
        }
    }
    // Progress is pages reclaimed, as Linux's nr_reclaimed: while this
    // process slept for its writes, processes on other harts may have
    // taken the frames it freed, so the free count alone can say "none".
    dropped || reclaimed || frame::stats().0 > before
}

/// Most pages [`reclaim`] evicts from one process per pass.
const RECLAIM_BATCH: usize = 512;

/// Sleeps ([`wait_io`]) until no swap write is pending (queued or in
/// flight); their frames are freed as they complete.
fn wait_writes() {
    while let Some(req) = swap::oldest_write() {
        wait_io(req);
    }
}

/// kswapd's states.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum KState {
    /// Waiting for a wake-up ([`crate::mm::kswapd::wake`]).
    Sleeping,
    /// To be run by the next scheduler that looks.
    Runnable,
    /// On a hart.
    Running,
    /// Waiting for its writes (request id) to complete.
    Wait(ReqId),
}

/// The kswapd kernel thread: its context, stack and state.
struct KThread {
    ctx: Context,
    _stack: KernelStack,
    state: KState,
}

static KSWAPD: Global<Option<KThread>> = Global::new(None);

/// Most pages kswapd evicts from one process before it moves on to the
/// next (Linux's SWAP_CLUSTER_MAX), so every process gives its share.
const KSWAPD_BATCH: usize = 32;

/// Creates kswapd (sleeping), if swap is on.
fn start_kswapd() {
    if !swap::active() {
        return;
    }
    let Some(stack) = KernelStack::new() else { return };
    let ctx = Context::new_kthread(&stack, kswapd_entry);
    *KSWAPD.get() = Some(KThread { ctx, _stack: stack, state: KState::Sleeping });
}

/// Runs kswapd on this hart if it is runnable (or was woken), until it
/// sleeps or waits for the disk. True if it ran.
fn run_kswapd() -> bool {
    let Some(k) = KSWAPD.get().as_mut() else { return false };
    if crate::mm::kswapd::take_wakeup() && k.state == KState::Sleeping {
        k.state = KState::Runnable;
    }
    if k.state != KState::Runnable {
        return false;
    }
    k.state = KState::Running;
    let ctx: *const Context = &k.ctx;
    let sched: *mut Context = &mut smp::local().sched_ctx;
    // SAFETY: kswapd's context is static; sched_ctx is this hart's.
    unsafe { switch(sched, ctx) };
    kernel_space::enter_kernel_table();
    true
}

/// Puts kswapd in `state` and returns to this hart's scheduler; it resumes
/// (maybe on another hart) once runnable again.
fn kswapd_park(state: KState) {
    let Some(k) = KSWAPD.get().as_mut() else { return };
    k.state = state;
    let ctx: *mut Context = &mut k.ctx;
    let sched: *const Context = &smp::local().sched_ctx;
    // SAFETY: as run_kswapd.
    unsafe { switch(ctx, sched) };
}

/// kswapd's thread (Linux's kswapd / balance_pgdat): while the free frames,
/// counting those under writeback, are below the high watermark, evicts up
/// to [`KSWAPD_BATCH`] pages of each process in turn (each by its own
/// clock; at least [`swap::CLUSTER`] a pass, and none while the write
/// queue is congested, [`swap::throttle`]: the next pass goes on from that
/// process),
/// sends the writes as clusters and sleeps until the oldest completes;
/// then sleeps until woken. Its scans and steals count as
/// pgscan_kswapd and pgsteal_kswapd. It never holds the kernel lock while
/// it waits.
extern "C" fn kswapd_entry() -> ! {
    let mut next_pid = 0;
    loop {
        let high = frame::watermarks().2;
        let short = || frame::stats().0 + swap::writeback_pages() < high;
        let mut evicted = 0;
        let mut throttled = false;
        let more = |evicted: usize| evicted < swap::CLUSTER || short();
        if short() {
            let pids = pids();
            let start = pids.iter().position(|&p| p >= next_pid).unwrap_or(0);
            for &pid in pids[start..].iter().chain(&pids[..start]) {
                let mut n = 0;
                let Some(space) = proc_mut(pid).and_then(|p| p.space.as_mut()) else { continue };
                // The whole pass holds the kernel lock: a fault that finds
                // kswapd woken but not done yields to it (alloc_user_frame),
                // and a yield keeps the lock, so kswapd must not release it
                // half-way.
                vmstat::set_reclaimer(vmstat::Reclaimer::Kswapd);
                while n < KSWAPD_BATCH && more(evicted + n) {
                    if swap::throttle() {
                        throttled = true;
                        break;
                    }
                    let k = space.swap_out(swap::CLUSTER.min(KSWAPD_BATCH - n));
                    if k == 0 {
                        break;
                    }
                    n += k;
                }
                vmstat::set_reclaimer(vmstat::Reclaimer::Direct);
                evicted += n;
                if !more(evicted) {
                    next_pid = pid + 1;
                    break;
                }
                if throttled {
                    next_pid = pid;
                    break;
                }
            }
        }
        if evicted > 0 {
            crate::mm::kswapd::reclaimed();
        } else if short() && !throttled {
            // (A pass the disk throttled is no failure.)
            crate::mm::kswapd::failed();
        }
        match swap::flush_writes().or_else(swap::oldest_write) {
            Some(req) if !virtio_blk::is_done(req) => kswapd_park(KState::Wait(req)),
            _ if evicted > 0 && short() => {}
            _ => kswapd_park(KState::Sleeping),
        }
    }
}

/// A page of `p` at user address `va` needed a frame and reclaim found
/// none: the out-of-memory killer (Linux's out_of_memory). If a process
/// already killed for memory has not exited yet, `p` sleeps until one
/// has (`WaitFor::Memory`, woken when a space is freed) and then retries
/// its fault: one victim at a time, and nobody spins on the kernel lock
/// meanwhile. With vm.panic_on_oom the kernel stops here
/// ([`crate::mm::oom::check_panic_on_oom`]). Otherwise the process with
/// the highest badness ([`crate::mm::oom::badness`]: resident + swapped +
/// page-table pages, shifted by its oom_score_adj; ties go to the later
/// pid, as Linux's task-list walk; never pid 1 or a process with
/// oom_score_adj -1000) is killed by SIGKILL, with Linux's report line
/// `Out of memory: Killed process N (name) total-vm:..kB, anon-rss:..kB,
/// file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:..kB oom_score_adj:N`.
/// With no such process, `p` itself is killed. When the victim is `p` it
/// also gets the usual kill line (`out of memory at <va>`). The kernel
/// goes on.
pub fn oom_kill(p: &mut Process, va: usize) {
    crate::drivers::trace::oom_kill(p.pid, va);
    use crate::mm::oom;
    let t = table();
    let dying = |q: &Process| q.killed == Some(signal::SIGKILL) && q.state != State::Zombie && q.space.is_some();
    if t.procs.values().any(|q| q.tgid != p.tgid && dying(q)) {
        block(WaitFor::Memory);
        return;
    }
    oom::check_panic_on_oom();
    let total = oom::total_pages();
    let mut victim: Option<(i64, usize)> = None;
    let mut seen = Vec::new();
    for q in t.procs.values() {
        let Some(space) = q.space.as_ref() else { continue };
        if q.state == State::Zombie || q.killed.is_some() || q.group_exit.is_some() || q.tgid == 1 {
            continue;
        }
        // One record per process (its threads share the space and the adj).
        if seen.contains(&q.tgid) {
            continue;
        }
        seen.push(q.tgid);
        let Some(points) = oom::badness(&space.oom_info(), q.oom_score_adj.into(), total) else { continue };
        if victim.is_none_or(|(best, _)| points >= best) {
            victim = Some((points, q.pid));
        }
    }
    let victim_pid = victim.map_or(p.pid, |(_, pid)| pid);
    if victim_pid == p.pid {
        report_oom(p);
        if p.killed.is_none() {
            crate::mm::vmstat::OOM_KILL.inc();
            report_kill(p, format_args!("out of memory at {:#x}", va), signal::SIGKILL);
        }
        p.killed = Some(signal::SIGKILL);
        return;
    }
    let Some(v) = proc_mut(victim_pid) else { return };
    crate::mm::vmstat::OOM_KILL.inc();
    report_oom(v);
    v.killed = Some(signal::SIGKILL);
    if v.state == State::Running && v.hart != smp::hart_id() {
        smp::kick(v.hart);
    }
    wake(victim_pid);
    // The faulting process retries once the victim has exited.
    block(WaitFor::Memory);
}

/// The OOM killer's report line for its victim `v`, as Linux prints it.
fn report_oom(v: &Process) {
    let info = v.space.as_ref().map(|s| s.oom_info()).unwrap_or_default();
    crate::println!(
        "[svos] Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:{}kB oom_score_adj:{}",
        v.pid,
        v.name,
        info.total_vm_kb,
        info.anon_rss_kb,
        info.pgtables_kb,
        v.oom_score_adj
    );
}

/// The environment of `init=` programs (as Linux gives init).
pub const INIT_ENV: [&str; 3] = ["HOME=/", "TERM=linux", "PATH=/bin:/"];

/// Creates a process running `file` (a path in the file system) with
/// `argv`, parent `ppid`.
pub fn spawn(pid: usize, ppid: usize, file: &str, argv: &[String]) -> Result<(), exec::PrepareError> {
    let env: Vec<String> = INIT_ENV.iter().map(|s| String::from(*s)).collect();
    let prog = exec::prepare("/", file, argv, &env)?;
    let mut p =
        Process::new(pid, ppid, &prog.name, None).ok_or(exec::PrepareError::from(crate::syscall::errno::ENOMEM))?;
    exec::install(&mut p, prog);
    p.top_level = ppid == 0;
    if p.top_level {
        // A session leader with the console as its controlling terminal.
        crate::drivers::tty::set_foreground(p.pgid);
    }
    crate::drivers::trace::spawned(pid, ppid, file);
    add(p);
    Ok(())
}

/// Starts the next `init=` entry. Returns false if there is none left.
fn start_next_init() -> bool {
    let t = table();
    while let Some(e) = t.init.pop_front() {
        t.summary.requested += 1;
        if crate::fs::lookup("/", &e.file, true).is_err() {
            crate::println!("[svos] init: no program \"{}\" in the initrd", e.file);
            t.summary.failed += 1;
            continue;
        }
        let Some(pid) = alloc_pid() else {
            t.summary.failed += 1;
            continue;
        };
        crate::info!("[svos] pid {} ({}) starting", pid, e.file);
        match spawn(pid, 0, &e.file, &e.argv) {
            Ok(()) => return true,
            Err(err) => {
                match err.exec {
                    Some(x @ exec::ExecError::NoInterpreter(_)) => {
                        crate::println!("[svos] pid {} ({}): {}", pid, e.file, x);
                        crate::info!("[svos] pid {} ({}) exited with status 127", pid, e.file);
                        t.last_status = 127;
                    }
                    Some(x) => crate::println!("[svos] pid {} ({}): exec failed: {}", pid, e.file, x),
                    None => crate::println!("[svos] pid {} ({}): exec failed: errno {}", pid, e.file, -err.errno),
                }
                t.summary.failed += 1;
            }
        }
    }
    false
}

/// Reaps exited threads other than group leaders (nobody waits for them:
/// CLONE_THREAD), then processes whose parent is the kernel once all
/// their threads have exited, reporting top-level ones.
fn reap_kernel_children() {
    let t = table();
    let threads: Vec<usize> =
        t.procs.values().filter(|p| !p.is_leader() && p.state == State::Zombie).map(|p| p.pid).collect();
    for tid in threads {
        if let Some(p) = t.procs.remove(&tid) {
            // Its CPU time stays in the group's total.
            if let Some(leader) = t.procs.get_mut(&p.tgid) {
                leader.retired_cpu.add(p.cpu);
            }
        }
    }
    let zombies: Vec<usize> = t
        .procs
        .values()
        .filter(|p| p.ppid == 0 && p.is_leader() && p.state == State::Zombie && group_exited(p.tgid))
        .map(|p| p.pid)
        .collect();
    for pid in zombies {
        let Some(p) = t.procs.remove(&pid) else { continue };
        if p.top_level {
            if let Some(r) = p.exit {
                crate::info!("[svos] pid {} ({}) exited with status {}", p.pid, p.name, r.status());
                t.last_status = r.status();
                match r {
                    ExitReason::Exited(0) => t.summary.ok += 1,
                    ExitReason::Exited(_) => t.summary.failed += 1,
                    ExitReason::Killed(_) => t.summary.killed += 1,
                }
            }
        }
    }
}

/// Sends the signals typed on the console (Ctrl-C: SIGINT, Ctrl-\\:
/// SIGQUIT) to every process of its foreground process group.
fn deliver_tty_signals() {
    let (mut sigs, pgid) = crate::drivers::tty::take_signals();
    if pgid == 0 {
        return;
    }
    while sigs != 0 {
        let sig = sigs.trailing_zeros();
        sigs &= sigs - 1;
        for pid in group_members(pgid) {
            send_signal(pid, sig, super::signal::Info { code: super::signal::SI_KERNEL, addr: 0, pid: 0 });
        }
    }
}

/// The live (not zombie) processes of process group `pgid`, in pid order.
pub fn group_members(pgid: usize) -> Vec<usize> {
    table().procs.values().filter(|p| p.pgid == pgid && p.state != State::Zombie).map(|p| p.pid).collect()
}

/// Wakes sleepers whose time has come and console readers if input is ready.
/// Returns the earliest remaining sleep deadline.
fn wake_due() -> Option<u64> {
    let now = timer::now();
    let console_ready = crate::drivers::tty::poll();
    deliver_tty_signals();
    let mut earliest: Option<u64> = None;
    let mut due = Vec::new();
    for p in table().procs.values() {
        match p.state {
            State::Blocked(WaitFor::Time(t) | WaitFor::Futex(t)) if t <= now => due.push(p.pid),
            State::Blocked(WaitFor::Time(t)) => earliest = Some(earliest.map_or(t, |e: u64| e.min(t))),
            State::Blocked(WaitFor::Futex(t)) if t != u64::MAX => {
                earliest = Some(earliest.map_or(t, |e: u64| e.min(t)))
            }
            State::Blocked(WaitFor::Console) if console_ready => due.push(p.pid),
            _ => {}
        }
    }
    for pid in due {
        wake(pid);
    }
    earliest
}

/// Hart 0, after boot: records the `init=` entries and runs the scheduler.
/// Called with the kernel lock held.
/// With `exit_with_status`, svos powers off with the exit status of the
/// last top-level process (0 = the sifive_test pass code, else its fail
/// code), so the machine's exit status is the program's.
pub fn run(init: Vec<InitEntry>, exit_with_status: bool) -> ! {
    let t = table();
    t.exit_with_status = exit_with_status;
    t.init = init.into();
    start_kswapd();
    t.free_before = crate::mm::frames_unused_by_processes();
    t.heap_before = crate::mm::heap::stats().bytes;
    scheduler()
}

/// The scheduler of this hart (its idle thread), with the kernel lock held:
/// starts `init=` entries, reaps the kernel's children, runs processes from
/// the shared queue, idles when there is nothing to run; when no process
/// and no entry is left, prints the summary and powers off.
pub fn scheduler() -> ! {
    let t = table();
    timer::enable();
    loop {
        reap_kernel_children();
        // Done once no process is left and no swap write is pending (the
        // last writes complete while this hart idles below).
        if !t.procs.values().any(|p| p.top_level)
            && !start_next_init()
            && t.procs.is_empty()
            && swap::oldest_write().is_none()
        {
            break;
        }
        let earliest = wake_due();
        io_completed();
        if run_kswapd() {
            continue;
        }
        // The first queued process allowed on this hart (its affinity).
        let me = smp::hart_id();
        let next = t.runq.iter().position(|&pid| proc_mut(pid).is_none_or(|p| p.affinity >> me & 1 != 0));
        let Some(pid) = next.and_then(|i| t.runq.remove(i)) else {
            // Idle: sleep until the next deadline, console poll tick or IPI.
            let now = timer::now();
            let next = earliest.map_or(now + TIME_SLICE_TICKS, |e| e.min(now + TIME_SLICE_TICKS));
            timer::set_deadline(next);
            smp::set_idle(true);
            cputime::account(cputime::Mode::Idle, None);
            kernel_unlock();
            unsafe { core::arch::asm!("wfi") };
            cputime::account(cputime::Mode::System, None);
            smp::serve_ipi();
            kernel_lock();
            smp::set_idle(false);
            continue;
        };
        let Some(p) = proc_mut(pid) else { continue };
        if p.state != State::Runnable {
            continue;
        }
        p.state = State::Running;
        p.hart = me;
        // The scheduler's own time so far is the hart's, no thread's.
        cputime::account(cputime::Mode::System, None);
        smp::local().current = Some(pid);
        if let Some(space) = p.space.as_mut() {
            // SAFETY: user tables share the kernel half.
            unsafe { space.activate() };
        }
        crate::drivers::trace::proc_switch(pid);
        p.perf.enter();
        let now = timer::now();
        let next = earliest.map_or(now + TIME_SLICE_TICKS, |e| e.min(now + TIME_SLICE_TICKS).max(now + 1));
        timer::set_deadline(next);
        let ctx: *const Context = &p.ctx;
        let sched: *mut Context = &mut smp::local().sched_ctx;
        // SAFETY: the process is boxed and alive until reaped; sched_ctx is static.
        unsafe { switch(sched, ctx) };
        // The thread may have changed its id meanwhile (become_leader).
        let pid = smp::local().current.take().unwrap_or(pid);
        if let Some(p) = proc_mut(pid) {
            p.perf.leave();
            cputime::account(cputime::Mode::System, Some(&mut p.cpu));
        }
        kernel_space::enter_kernel_table();
    }
    kernel_space::activate_kernel();
    let free_after = crate::mm::frames_unused_by_processes();
    let s = &t.summary;
    crate::info!(
        "[svos] {} programs requested: {} exited 0, {} exited non-zero or failed, {} killed; free frames {} -> {}{}",
        s.requested,
        s.ok,
        s.failed,
        s.killed,
        t.free_before,
        free_after,
        if t.free_before == free_after { " (no leak)" } else { " (LEAK)" }
    );
    if crate::mm::swap::active() {
        let (out, back, in_use) = crate::mm::swap::stats();
        crate::info!("[svos] swap: {} pages swapped out, {} swapped in; {} slots in use", out, back, in_use);
    }
    crate::mm::vmstat::report();
    if crate::mm::vmstat::REPORT.load(core::sync::atomic::Ordering::Relaxed) {
        // Every process is gone: the page cache the programs' files left
        // (and its index on the heap) goes too, so the two figures compare
        // the kernel's own bookkeeping.
        crate::mm::filemap::shrink(usize::MAX);
        crate::info!(
            "[svos] heap: {} bytes in use when the first program started, {} at power off",
            t.heap_before,
            crate::mm::heap::stats().bytes
        );
    }
    crate::info!("[svos] power off");
    if t.exit_with_status && t.last_status != 0 {
        crate::drivers::sifive_test::power_off_failure(t.last_status as u16);
    }
    crate::drivers::sifive_test::power_off();
}
