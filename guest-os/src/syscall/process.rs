//! Process system calls: clone (fork), execve, wait4, kill.

use super::errno::*;
use crate::proc::exec;
use crate::proc::fpu;
use crate::proc::process::{signal, Process, State, WaitFor};
use crate::proc::sched;
use crate::proc::usercopy::{self, copy_to_user};
use crate::trap::{reg, TrapFrame};
use alloc::string::String;
use alloc::vec::Vec;

const WNOHANG: usize = 1;

/// clone(flags, stack, ...) as fork: only `flags == SIGCHLD` with no new
/// stack is supported (-EINVAL otherwise). The child gets a copy-on-write
/// copy of the address space ([`crate::mm::addr_space::AddrSpace::fork_cow`]:
/// frames shared read-only, copied at the first store), the registers
/// (a0 = 0), fds, brk; returns the child's pid. -EAGAIN if the process table
/// is full, -ENOMEM if memory runs out.
pub fn sys_clone(flags: usize, stack: usize, _ptid: usize, _tls: usize) -> isize {
    if flags != signal::SIGCHLD as usize || stack != 0 {
        return EINVAL;
    }
    let parent = sched::current();
    let Some(pid) = sched::alloc_pid() else { return EAGAIN };
    // The frames fork takes from the kernel's reserve (below the min
    // watermark, which user pages never use): reclaim them first, so the
    // kernel heap and page tables cannot run dry half-way.
    let cost = parent.space.as_ref().map_or(0, |s| s.fork_cost()) + crate::mm::kstack::KSTACK_PAGES;
    let min = crate::mm::frame::watermarks().0;
    if crate::mm::frame::stats().0 < min + cost {
        sched::reclaim(0, min + cost);
        if crate::mm::frame::stats().0 < cost + min / 2 {
            return ENOMEM;
        }
    }
    // Page tables, the kernel stack and the heap come from free frames: if
    // they run out, swap pages out (any process's) and try once more.
    let mut c = match fork_process(parent, pid) {
        Some(c) => c,
        None if sched::reclaim_from_others(0) => match fork_process(parent, pid) {
            Some(c) => c,
            None => return ENOMEM,
        },
        None => return ENOMEM,
    };
    c.tf = parent.tf.clone();
    c.tf.x[reg::A0] = 0;
    c.fp = parent.fp.clone();
    c.affinity = parent.affinity;
    c.brk_start = parent.brk_start;
    c.brk = parent.brk;
    c.fds = parent.fds.clone();
    // Code frames are shared, not written: the child's harts run fence.i
    // anyway before its first instruction (AddrSpace::activate).
    sched::add(c);
    pid as isize
}

/// The child of a fork with pid `pid`: a copy-on-write copy of `parent`'s
/// address space and a kernel stack; `None` if memory ran out.
fn fork_process(parent: &mut Process, pid: usize) -> Option<Process> {
    let child_space = parent.space.as_mut()?.fork_cow().ok()?;
    crate::drivers::trace::proc_create(pid, parent.pid, &parent.name);
    Process::new(pid, parent.pid, &parent.name, child_space)
}

/// Most argv/envp entries exec accepts.
const MAX_ARGS: usize = 256;

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
        let s = usercopy::read_cstr(p, exec::ARG_MAX)?;
        *total += s.len() + 1;
        if *total > exec::ARG_MAX {
            return Err(E2BIG);
        }
        out.push(s);
    }
}

/// execve(path, argv, envp): replaces the process image with the initrd
/// file `path` (a leading "/" is ignored). On success does not return to the
/// old image (a0 = 0 in the new one is irrelevant: registers are reset).
/// -ENOENT, -ENOEXEC (not a static RV64 ELF), -E2BIG, -EFAULT, -ENOMEM.
pub fn sys_execve(path: usize, argv: usize, envp: usize) -> isize {
    let r = (|| {
        let path = usercopy::read_cstr(path, 255)?;
        let mut total = 0;
        let args = read_str_array(argv, &mut total)?;
        let envs = read_str_array(envp, &mut total)?;
        let elf = crate::initrd::find(&path).ok_or(ENOENT)?;
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let e: Vec<&str> = envs.iter().map(|s| s.as_str()).collect();
        let load = || -> Result<_, exec::ExecError> {
            let mut space = crate::mm::addr_space::AddrSpace::new_user()?;
            let img = exec::load(&mut space, elf, &a, &e)?;
            Ok((space, img))
        };
        // Out of frames: swap other processes' pages out and try once more.
        let loaded = match load() {
            Err(exec::ExecError::OutOfMemory) if sched::reclaim_from_others(sched::current_pid()) => load(),
            r => r,
        };
        let (space, img) = loaded.map_err(|err| match err {
            exec::ExecError::OutOfMemory => ENOMEM,
            exec::ExecError::BelowMinAddr => EPERM,
            _ => ENOEXEC,
        })?;
        Ok((path, space, img))
    })();
    let (path, mut space, img) = match r {
        Ok(v) => v,
        Err(e) => return e,
    };
    let p = sched::current();
    // Switch to the new table before the old one is freed.
    unsafe { space.activate() };
    p.replace_space(Some(space));
    p.name = String::from(exec::basename(&path));
    crate::drivers::trace::proc_exec(p.pid, &path);
    p.tf = TrapFrame::default();
    p.tf.sepc = img.entry;
    p.tf.x[reg::SP] = img.sp;
    p.fp = Default::default();
    fpu::forget(p.pid);
    p.brk_start = img.brk;
    p.brk = img.brk;
    unsafe { core::arch::asm!("fence.i") };
    0
}

/// wait4(pid, wstatus, options, rusage): waits for a child (pid > 0: that
/// one; -1: any) to exit, reaps it, stores the Linux status word
/// (`code << 8`, or the signal) at `wstatus` and the child's usage (its own
/// and its reaped descendants', see [`super::rusage`]) at `rusage` if
/// non-null, adds that usage to the caller's RUSAGE_CHILDREN, returns its pid.
/// WNOHANG: 0 if none has exited. -ECHILD if there is no such child,
/// -EINTR if killed while waiting, -EINVAL for other pid forms or options.
pub fn sys_wait4(pid: isize, wstatus: usize, options: usize, rusage: usize) -> isize {
    if !(pid == -1 || pid > 0) || options & !WNOHANG != 0 {
        return EINVAL;
    }
    let me = sched::current_pid();
    loop {
        let kids = sched::children(me);
        let matching: Vec<&(usize, bool)> = kids.iter().filter(|(c, _)| pid == -1 || *c == pid as usize).collect();
        if matching.is_empty() {
            return ECHILD;
        }
        if let Some(&&(cpid, _)) = matching.iter().find(|(_, z)| *z) {
            let Some(child) = sched::proc_mut(cpid) else { return ECHILD };
            let status = child.exit.map_or(0, |r| r.wstatus());
            let mut usage = child.usage();
            usage.merge(child.children_usage);
            if wstatus != 0 {
                if let Err(e) = copy_to_user(wstatus, &status.to_le_bytes()) {
                    return e;
                }
            }
            if rusage != 0 {
                if let Err(e) = super::rusage::copy_rusage_to_user(rusage, &super::rusage::rusage_of(usage)) {
                    return e;
                }
            }
            sched::current().children_usage.merge(usage);
            sched::reap(cpid);
            return cpid as isize;
        }
        if options & WNOHANG != 0 {
            return 0;
        }
        if sched::current().killed.is_some() {
            return EINTR;
        }
        sched::block(WaitFor::Child);
    }
}

/// kill(pid, sig): SIGKILL or SIGTERM (both fatal: svos has no handlers)
/// ends process `pid` before it next runs in U-mode; sig 0 only checks that
/// it exists. -ESRCH if there is no such live process, -EINVAL for other
/// signals or pid forms (no process groups), -EPERM for pid 1 from others.
pub fn sys_kill(pid: isize, sig: usize) -> isize {
    if pid <= 0 {
        return EINVAL;
    }
    let sig = sig as u32;
    if sig != 0 && sig != signal::SIGKILL && sig != signal::SIGTERM {
        return EINVAL;
    }
    let me = sched::current_pid();
    let Some(t) = sched::proc_mut(pid as usize) else { return ESRCH };
    if t.state == State::Zombie {
        return ESRCH;
    }
    if sig == 0 {
        return 0;
    }
    if pid == 1 && me != 1 {
        return EPERM;
    }
    if t.killed.is_none() {
        t.killed = Some(sig);
    }
    // Running on another hart (in U-mode): an IPI makes it trap and see the signal now.
    if t.state == State::Running && t.hart != crate::smp::hart_id() {
        crate::smp::kick(t.hart);
    }
    sched::wake(pid as usize);
    0
}
