//! Process system calls: clone (fork), execve, wait4, kill.

use super::errno::*;
use crate::mm::page_table::MapError;
use crate::proc::exec;
use crate::proc::process::{signal, Process, State, WaitFor};
use crate::proc::sched;
use crate::proc::usercopy::{self, copy_to_user};
use crate::trap::reg;
use alloc::string::String;
use alloc::vec::Vec;

const WNOHANG: usize = 1;

const CLONE_VM: usize = 0x100;
const CLONE_FS: usize = 0x200;
const CLONE_FILES: usize = 0x400;
const CLONE_SIGHAND: usize = 0x800;
const CLONE_VFORK: usize = 0x4000;
const CLONE_THREAD: usize = 0x1_0000;
const CLONE_SYSVSEM: usize = 0x4_0000;
const CLONE_SETTLS: usize = 0x8_0000;
const CLONE_PARENT_SETTID: usize = 0x0010_0000;
const CLONE_CHILD_CLEARTID: usize = 0x0020_0000;
const CLONE_DETACHED: usize = 0x0040_0000;
const CLONE_CHILD_SETTID: usize = 0x0100_0000;
/// What a new thread may ask for besides CLONE_VM|CLONE_SIGHAND|CLONE_THREAD.
const THREAD_OPTIONS: usize = CLONE_FS
    | CLONE_FILES
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_CHILD_SETTID;

/// clone(flags, stack, ptid, tls, ctid) as fork (riscv64 argument order):
/// the low byte of `flags` is the signal sent to the parent at exit
/// (SIGCHLD or 0), plus CLONE_PARENT_SETTID (the child's pid stored at
/// `ptid`), CLONE_CHILD_SETTID (stored at `ctid` in the child),
/// CLONE_CHILD_CLEARTID (`ctid` zeroed when the child exits), and
/// CLONE_VM|CLONE_VFORK together (vfork(2), glibc's posix_spawn): the
/// child borrows the parent's address space and brk instead of a copy, on
/// `stack` if given, and the calling thread sleeps until the child execs
/// or exits ([`WaitFor::Vfork`]), so an exec error the child writes into
/// the shared memory is what posix_spawn returns (Rust std's
/// `Command::spawn` of a missing program is an error, not a child that
/// exits 127). With CLONE_VM|CLONE_SIGHAND|CLONE_THREAD it makes a thread
/// instead ([`clone_thread`]). Other flags (CLONE_VM alone,
/// CLONE_NEW*...) -EINVAL.
/// Otherwise the child gets a copy-on-write copy of the address space
/// ([`crate::mm::addr_space::AddrSpace::fork_cow`]: frames shared
/// read-only, copied at the first store), and in every case the registers
/// (a0 = 0), fds, cwd, signal actions and mask; returns the child's pid.
/// -EAGAIN if the process table is full, -ENOMEM if memory runs out.
pub fn sys_clone(flags: usize, stack: usize, ptid: usize, tls: usize, ctid: usize) -> isize {
    let thread = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
    if flags & thread == thread {
        if flags & !(thread | THREAD_OPTIONS) != 0 {
            return EINVAL;
        }
        return clone_thread(flags, stack, ptid, tls, ctid);
    }
    let extra = flags & !0xff & !(CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID);
    if extra != 0 && extra != CLONE_VM | CLONE_VFORK {
        return EINVAL;
    }
    if stack != 0 && extra == 0 {
        return EINVAL;
    }
    let parent = sched::current();
    let Some(pid) = sched::alloc_pid() else { return EAGAIN };
    if extra == CLONE_VM | CLONE_VFORK {
        return vfork(flags, stack, ptid, ctid, pid);
    }
    // The frames fork takes from the kernel's reserve (below the min
    // watermark, which user pages never use): reclaim them first, so the
    // kernel heap and page tables cannot run dry half-way.
    // Reclaim sleeps for its writes, and meanwhile processes on other
    // harts may take the frames it freed: it goes again while it makes
    // progress, up to FORK_RECLAIM_TRIES times, before -ENOMEM.
    let cost = parent.space.as_ref().map_or(0, |s| s.fork_cost()) + crate::mm::kstack::KSTACK_PAGES;
    let min = crate::mm::frame::watermarks().0;
    let mut tries = 0;
    while crate::mm::frame::stats().0 < min + cost {
        let progress = sched::reclaim(0, min + cost);
        if crate::mm::frame::stats().0 >= cost + min / 2 {
            break;
        }
        tries += 1;
        if !progress || tries == FORK_RECLAIM_TRIES {
            return ENOMEM;
        }
    }
    // Page tables, the kernel stack and the heap come from free frames: if
    // they run out, swap pages out (any process's) and try once more.
    // A refused commit charge (vm.overcommit_memory 2) is final: reclaim cannot help.
    let mut c = match fork_process(parent, pid) {
        Ok(c) => c,
        Err(MapError::NoCommit) => return ENOMEM,
        Err(_) if sched::reclaim_from_others(0) => match fork_process(parent, pid) {
            Ok(c) => c,
            Err(_) => return ENOMEM,
        },
        Err(_) => return ENOMEM,
    };
    c.brk = parent.brk.clone();
    start_child(c, parent, flags, stack, ptid, ctid);
    pid as isize
}

/// The vfork half of [`sys_clone`]: child `pid` shares the caller's
/// address space and brk (Linux's CLONE_VM without CLONE_THREAD: a process
/// of its own, with its own fds and signal actions), and the caller
/// sleeps until it execs or exits ([`sched::vfork_done`]), or until the
/// caller is killed. Returns the child's pid; -ENOMEM without a frame for
/// the kernel stack, -EINVAL for a kernel thread.
fn vfork(flags: usize, stack: usize, ptid: usize, ctid: usize, pid: usize) -> isize {
    let parent = sched::current();
    let Some(space) = parent.space.as_ref().map(|s| s.share()) else { return EINVAL };
    let Some(mut c) = Process::new(pid, parent.tgid, &parent.name, None) else { return ENOMEM };
    crate::drivers::trace::proc_create(pid, parent.pid, &parent.name);
    c.pgid = parent.pgid;
    c.space = Some(space);
    c.brk = parent.brk.share();
    c.vfork_parent = parent.pid;
    start_child(c, parent, flags, stack, ptid, ctid);
    loop {
        let me = sched::current();
        let lent = sched::proc_mut(pid).is_some_and(|c| c.vfork_parent == me.pid);
        if !lent || me.killed.is_some() || me.group_exit.is_some() {
            break;
        }
        sched::block(WaitFor::Vfork(pid));
    }
    pid as isize
}

/// What every new process gets from the thread that forked it (its
/// registers with a0 = 0, fds, signal actions, the CLONE_*TID words),
/// then makes it runnable.
fn start_child(mut c: Process, parent: &mut Process, flags: usize, stack: usize, ptid: usize, ctid: usize) {
    let pid = c.pid;
    c.tf = parent.tf.clone();
    c.tf.x[reg::A0] = 0;
    inherit(&mut c, parent);
    c.fds = parent.fds.clone();
    c.sig.actions = parent.sig.actions.clone();
    c.sig.altstack = parent.sig.altstack;
    if stack != 0 {
        c.tf.x[reg::SP] = stack;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        c.set_child_tid = ctid;
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        c.clear_child_tid = ctid;
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        let _ = copy_to_user(ptid, &(pid as u32).to_le_bytes());
    }
    // Code frames are shared, not written: the child's harts run fence.i
    // anyway before its first instruction (AddrSpace::activate).
    sched::add(c);
}

/// clone with CLONE_VM|CLONE_SIGHAND|CLONE_THREAD (glibc's pthread_create
/// adds CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_SETTLS,
/// CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID): a new thread of the
/// caller's process, with a new thread id, sharing its address space, brk
/// and signal actions, and its fd table with CLONE_FILES (a copy
/// without); starting at the caller's pc with a0 = 0, `sp` = `stack` and,
/// with CLONE_SETTLS, `tp` = `tls`; the caller's signal mask, nothing
/// pending, no alternate stack (as Linux with CLONE_VM). CLONE_FS is
/// accepted but the working directory and umask are copied, not shared;
/// CLONE_SYSVSEM and CLONE_DETACHED change nothing. The thread id is
/// stored at `ptid` (CLONE_PARENT_SETTID) now and at `ctid`
/// (CLONE_CHILD_SETTID) before the thread runs; with
/// CLONE_CHILD_CLEARTID `ctid` is zeroed and futex-woken when the thread
/// exits. Returns the thread id; -EINVAL without a stack, -EAGAIN if the
/// process table is full, -ENOMEM without a frame for the kernel stack.
fn clone_thread(flags: usize, stack: usize, ptid: usize, tls: usize, ctid: usize) -> isize {
    if stack == 0 || flags & 0xff != 0 {
        return EINVAL;
    }
    let parent = sched::current();
    if parent.space.is_none() {
        return EINVAL;
    }
    let Some(tid) = sched::alloc_pid() else { return EAGAIN };
    let Some(mut c) = Process::new(tid, parent.ppid, &parent.name, None) else { return ENOMEM };
    crate::drivers::trace::proc_create(tid, parent.pid, &parent.name);
    c.tgid = parent.tgid;
    c.pgid = parent.pgid;
    c.space = parent.space.as_ref().map(|s| s.share());
    c.tf = parent.tf.clone();
    c.tf.x[reg::A0] = 0;
    c.tf.x[reg::SP] = stack;
    if flags & CLONE_SETTLS != 0 {
        c.tf.x[reg::TP] = tls;
    }
    inherit(&mut c, parent);
    c.brk = parent.brk.share();
    c.fds = if flags & CLONE_FILES != 0 { parent.fds.share() } else { parent.fds.clone() };
    c.start_ticks = parent.start_ticks;
    c.sig.actions = parent.sig.actions.share();
    if flags & CLONE_CHILD_SETTID != 0 {
        c.set_child_tid = ctid;
    }
    if flags & CLONE_CHILD_CLEARTID != 0 {
        c.clear_child_tid = ctid;
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        if let Err(e) = copy_to_user(ptid, &(tid as u32).to_le_bytes()) {
            return e;
        }
    }
    sched::add(c);
    tid as isize
}

/// What a new process or thread copies from its creator alike: FP
/// registers, hart affinity, the brk's start, cwd, umask, oom_score_adj,
/// the program's description (/proc) and the signal mask.
fn inherit(c: &mut Process, parent: &Process) {
    c.fp = parent.fp.clone();
    c.affinity = parent.affinity;
    c.brk_start = parent.brk_start;
    c.cwd = parent.cwd.clone();
    c.exe = parent.exe.clone();
    c.exe_ino = parent.exe_ino;
    c.cmdline = parent.cmdline.clone();
    c.elf_map = parent.elf_map.clone();
    c.sigtramp = parent.sigtramp;
    c.umask = parent.umask;
    c.oom_score_adj = parent.oom_score_adj;
    c.sig.mask = parent.sig.mask;
}

/// The child of a fork with pid `pid`: a copy-on-write copy of `parent`'s
/// address space and a kernel stack. [`MapError::NoCommit`] if the
/// overcommit policy refused the copy's commit charge, another error if
/// memory ran out.
fn fork_process(parent: &mut Process, pid: usize) -> Result<Process, MapError> {
    let child_space = parent.space.as_mut().ok_or(MapError::NotMapped)?.fork_cow()?;
    crate::drivers::trace::proc_create(pid, parent.pid, &parent.name);
    let mut child = Process::new(pid, parent.tgid, &parent.name, Some(child_space)).ok_or(MapError::OutOfMemory)?;
    child.pgid = parent.pgid;
    Ok(child)
}

/// Most reclaim passes a fork makes for the frames it needs before it
/// fails with -ENOMEM (each pass frees some: other harts may use them first).
const FORK_RECLAIM_TRIES: usize = 8;

/// Frames (1 MiB) exec reclaims per retry when loading a program ran out of memory.
const EXEC_RECLAIM_STEP: usize = 256;

/// Most argv + envp entries exec accepts.
const MAX_ARGS: usize = 4096;

/// Reads a NULL-terminated array of strings, counting each string, its
/// NUL and its pointer against [`exec::ARG_MAX`] in `total`: -E2BIG past
/// it (whatever the length of one string, as Linux), -EFAULT.
fn read_str_array(va: usize, total: &mut usize) -> Result<Vec<String>, isize> {
    let mut out = Vec::new();
    if va == 0 {
        return Ok(out);
    }
    loop {
        if out.len() >= MAX_ARGS {
            return Err(E2BIG);
        }
        let p = usercopy::read_u64(va + out.len() * 8)? as usize;
        if p == 0 {
            return Ok(out);
        }
        let room = exec::ARG_MAX.saturating_sub(*total + 9);
        let s = usercopy::read_cstr(p, room).map_err(|e| if e == ENAMETOOLONG { E2BIG } else { e })?;
        *total += s.len() + 1 + 8;
        if *total > exec::ARG_MAX {
            return Err(E2BIG);
        }
        out.push(s);
    }
}

/// execve(path, argv, envp): replaces the process image with the program
/// at `path` (resolved from the working directory; `#!` scripts run their
/// interpreter). On success does not return to the old image. -ENOENT,
/// -EACCES, -ENOEXEC (not an RV64 ELF), -E2BIG, -EFAULT, -ENOMEM,
/// -ELOOP. A dynamically linked ELF runs its loader (PT_INTERP,
/// [`exec::load`]); one whose loader is not in the file system is refused
/// with one console line and the process exits with status 127, as if its
/// loader had failed.
/// In a process with several threads, the other threads end (as Linux's
/// de_thread) once the new program is loaded; when the caller is not the
/// leader (the thread whose id is the pid), it waits for them all to be
/// gone and then takes over the leader's id ([`sched::become_leader`]),
/// so the program keeps its pid.
pub fn sys_execve(path: usize, argv: usize, envp: usize) -> isize {
    let r = (|| {
        let path = super::fs::read_path(path)?;
        let mut total = 0;
        let args = read_str_array(argv, &mut total)?;
        let envs = read_str_array(envp, &mut total)?;
        let cwd = sched::current().cwd.clone();
        // Out of frames: swap other processes' pages out and try again,
        // freeing 1 MiB more each time (a large static program's segments
        // need more than the watermarks' margin), while reclaim frees any.
        let mut prepared = exec::prepare(&cwd, &path, &args, &envs);
        while let Err(e) = &prepared {
            let target = crate::mm::frame::stats().0.max(crate::mm::frame::watermarks().2) + EXEC_RECLAIM_STEP;
            if !matches!(e.exec, Some(exec::ExecError::OutOfMemory)) || !sched::reclaim(sched::current_pid(), target) {
                break;
            }
            prepared = exec::prepare(&cwd, &path, &args, &envs);
        }
        prepared.map_err(|e| {
            if let Some(x @ exec::ExecError::NoInterpreter(_)) = &e.exec {
                let p = sched::current();
                crate::println!("[svos] pid {} ({}): {}: {}", p.pid, p.name, path, x);
                sched::exit_current(crate::proc::ExitReason::Exited(127));
            }
            e.errno
        })
    })();
    let mut prog = match r {
        Ok(v) => v,
        Err(e) => return e,
    };
    sched::end_other_threads(crate::proc::ExitReason::Killed(signal::SIGKILL));
    if !sched::current().is_leader() {
        sched::become_leader();
    }
    let p = sched::current();
    // Switch to the new table before the old one is freed.
    let exe = prog.exe.clone();
    unsafe { prog.space.activate() };
    exec::install(p, prog);
    sched::vfork_done(p);
    crate::drivers::trace::proc_exec(p.pid, &exe);
    unsafe { core::arch::asm!("fence.i") };
    0
}

/// Options wait4 and waitid accept besides WNOHANG (WUNTRACED,
/// WCONTINUED, __WNOTHREAD, __WALL, __WCLONE: svos has no stopped
/// processes, waits for processes, never threads, and any thread of a
/// process waits for the children of all, so they change nothing).
const WAIT_IGNORED: usize = 2 | 8 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000;
const WEXITED: usize = 4;
const WNOWAIT: usize = 0x0100_0000;

/// Waits for an exited child matching `pid` (> 0: that one; anything
/// else: any, as svos has one process group) and returns its pid and how
/// it ended; reaps it unless `keep`. With `nohang`, Ok(None) if none has
/// exited yet. -ECHILD, -EINTR.
fn wait_child(
    pid: isize,
    nohang: bool,
    keep: bool,
) -> Result<Option<(usize, crate::proc::ExitReason, super::rusage::Usage)>, isize> {
    let me = sched::current().tgid;
    loop {
        let kids = sched::children(me);
        let matching: Vec<&(usize, bool)> = kids.iter().filter(|(c, _)| pid <= 0 || *c == pid as usize).collect();
        if matching.is_empty() {
            return Err(ECHILD);
        }
        if let Some(&&(cpid, _)) = matching.iter().find(|(_, z)| *z) {
            let child = sched::proc_mut(cpid).ok_or(ECHILD)?;
            let reason = child.exit.unwrap_or(crate::proc::ExitReason::Exited(0));
            let mut usage = child.usage();
            usage.merge(child.children_usage);
            let mut cpu = child.children_cpu;
            cpu.add(sched::group_cputime(cpid));
            if !keep {
                let perf = sched::proc_mut(cpid).ok_or(ECHILD)?.perf.total();
                let me = sched::current();
                me.perf.add_child(perf);
                me.children_usage.merge(usage);
                me.children_cpu.add(cpu);
                sched::reap(cpid);
            }
            return Ok(Some((cpid, reason, super::rusage::Usage { mem: usage, cpu })));
        }
        if nohang {
            return Ok(None);
        }
        if sched::current().interrupted() {
            return Err(EINTR);
        }
        sched::block(WaitFor::Child);
    }
}

/// wait4(pid, wstatus, options, rusage): waits for a child (pid > 0: that
/// one; -1, 0 or < -1: any, svos having one process group) to exit, reaps
/// it, stores the Linux status word (`code << 8`, or the signal) at
/// `wstatus` and the child's usage (its own and its reaped descendants',
/// see [`super::rusage`]) at `rusage` if non-null, adds that usage to the
/// caller's RUSAGE_CHILDREN, returns its pid. WNOHANG: 0 if none has
/// exited. -ECHILD if there is no such child, -EINTR if a signal came
/// while waiting, -EINVAL for unknown options.
pub fn sys_wait4(pid: isize, wstatus: usize, options: usize, rusage: usize) -> isize {
    if options & !(WNOHANG | WAIT_IGNORED) != 0 {
        return EINVAL;
    }
    let (cpid, reason, usage) = match wait_child(pid, options & WNOHANG != 0, false) {
        Ok(Some(v)) => v,
        Ok(None) => return 0,
        Err(e) => return e,
    };
    if wstatus != 0 {
        if let Err(e) = copy_to_user(wstatus, &reason.wstatus().to_le_bytes()) {
            return e;
        }
    }
    if rusage != 0 {
        if let Err(e) = super::rusage::copy_rusage_to_user(rusage, &super::rusage::rusage_of(usage)) {
            return e;
        }
    }
    cpid as isize
}

/// waitid(idtype, id, infop, options, rusage): P_ALL (0), P_PID (1) or
/// P_PGID (2, any child: one group); WEXITED required, WNOHANG, WNOWAIT
/// (leave it waitable). Fills the siginfo at `infop` (si_signo SIGCHLD,
/// si_code CLD_EXITED 1 or CLD_KILLED 2, si_pid, si_status); with WNOHANG
/// and nothing exited, zeroes si_pid. -EINVAL, -ECHILD, -EINTR, -EFAULT.
pub fn sys_waitid(idtype: usize, id: usize, infop: usize, options: usize, rusage: usize) -> isize {
    if idtype > 2 || options & WEXITED == 0 || options & !(WNOHANG | WEXITED | WNOWAIT | WAIT_IGNORED) != 0 {
        return EINVAL;
    }
    let pid = if idtype == 1 { id as isize } else { -1 };
    let r = match wait_child(pid, options & WNOHANG != 0, options & WNOWAIT != 0) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut b = [0u8; 128];
    if let Some((cpid, reason, usage)) = r {
        let (code, status) = match reason {
            crate::proc::ExitReason::Exited(c) => (1i32, c & 0xff),
            crate::proc::ExitReason::Killed(s) => (2i32, s as i32),
        };
        b[0..4].copy_from_slice(&(signal::SIGCHLD as i32).to_le_bytes());
        b[8..12].copy_from_slice(&code.to_le_bytes());
        b[16..20].copy_from_slice(&(cpid as i32).to_le_bytes());
        b[24..28].copy_from_slice(&status.to_le_bytes());
        if rusage != 0 {
            if let Err(e) = super::rusage::copy_rusage_to_user(rusage, &super::rusage::rusage_of(usage)) {
                return e;
            }
        }
    }
    if infop != 0 {
        if let Err(e) = copy_to_user(infop, &b) {
            return e;
        }
    }
    0
}

/// kill(pid, sig) (kill(2)): sends `sig` (1..=64; 0 only checks that
/// the process exists) to process `pid`, or with pid -1 to every process
/// but pid 1 and the caller. SIGKILL always ends it; other signals run
/// their action (handler, ignore, or the default, which for most
/// terminates). pid 0 signals the caller's process group, pid < -1 the
/// group -pid. -ESRCH if there is no such live process (or group member),
/// -EINVAL for a bad signal, -EPERM for SIGKILL/SIGTERM to pid 1 from
/// another process.
pub fn sys_kill(pid: isize, sig: usize) -> isize {
    if sig > 64 {
        return EINVAL;
    }
    let me = sched::current().tgid;
    let targets: Vec<usize> = if pid == -1 {
        sched::pids()
            .into_iter()
            .filter(|&p| p != 1 && p != me && sched::proc_mut(p).is_some_and(|t| t.is_leader()))
            .collect()
    } else if pid > 0 {
        alloc::vec![pid as usize]
    } else if pid == 0 {
        sched::group_members(sched::current().pgid)
    } else {
        sched::group_members(pid.unsigned_abs())
    };
    let mut found = false;
    for t in targets {
        let Some(tp) = sched::proc_mut(t) else { continue };
        if sched::thread_count(tp.tgid) == 0 {
            continue;
        }
        found = true;
        if sig == 0 {
            continue;
        }
        if t == 1 && me != 1 && (sig as u32 == signal::SIGKILL || sig as u32 == signal::SIGTERM) {
            return EPERM;
        }
        sched::send_signal(
            t,
            sig as u32,
            crate::proc::signal::Info { code: crate::proc::signal::SI_USER, addr: 0, pid: me },
        );
    }
    if found {
        0
    } else {
        ESRCH
    }
}

/// setpgid(pid, pgid) (setpgid(2)): puts process `pid` (0: the caller),
/// which must be the caller or one of its children, into process group
/// `pgid` (0: a new group led by `pid`), which must be `pid` itself or an
/// existing group. -ESRCH for no such process (or not a child), -EPERM for
/// a group that does not exist, -EINVAL for a negative pgid.
pub fn sys_setpgid(pid: usize, pgid: isize) -> isize {
    if pgid < 0 {
        return EINVAL;
    }
    let me = sched::current_pid();
    let pid = if pid == 0 { me } else { pid };
    let pgid = if pgid == 0 { pid } else { pgid as usize };
    match sched::proc_mut(pid) {
        Some(t) if t.state != State::Zombie && (pid == me || t.ppid == me) => {}
        _ => return ESRCH,
    }
    if pgid != pid && sched::group_members(pgid).is_empty() {
        return EPERM;
    }
    if let Some(t) = sched::proc_mut(pid) {
        t.pgid = pgid;
    }
    0
}

/// getpgid(pid) (getpgid(2)): the process group of `pid` (0: the
/// caller); -ESRCH if there is no such process.
pub fn sys_getpgid(pid: usize) -> isize {
    let pid = if pid == 0 { sched::current_pid() } else { pid };
    sched::proc_mut(pid).map_or(ESRCH, |p| p.pgid as isize)
}

/// tgkill(tgid, tid, sig) / tkill(tid, sig) (tgid -1): sends `sig` to
/// thread `tid` alone (si_code SI_TKILL), which must belong to process
/// `tgid`. -EINVAL for a bad id or signal, -ESRCH if there is no such
/// live thread in that process.
pub fn sys_tgkill(tgid: isize, tid: isize, sig: usize) -> isize {
    if tid <= 0 || tgid == 0 || tgid < -1 || sig > 64 {
        return EINVAL;
    }
    let me = sched::current().tgid;
    let Some(t) = sched::proc_mut(tid as usize) else { return ESRCH };
    if t.state == State::Zombie || (tgid != -1 && t.tgid != tgid as usize) {
        return ESRCH;
    }
    if sig != 0 {
        sched::signal_thread(
            tid as usize,
            sig as u32,
            crate::proc::signal::Info { code: crate::proc::signal::SI_TKILL, addr: 0, pid: me },
        );
    }
    0
}
