//! System calls by Linux riscv64 number and convention: a7 = number,
//! a0..a5 = arguments, result in a0, errors as negative errno
//! (asm-generic/unistd.h numbering). Every user pointer goes through
//! [`crate::proc::usercopy`] (bad pointers give -EFAULT).

pub mod cpu;
pub mod errno;
pub mod fs;
pub mod mem;
pub mod process;
pub mod time;

use crate::proc::sched;
use crate::trap::reg;
use errno::*;

/// openat(dirfd, path, flags, mode)
pub const SYS_OPENAT: usize = 56;
/// close(fd)
pub const SYS_CLOSE: usize = 57;
/// lseek(fd, offset, whence)
pub const SYS_LSEEK: usize = 62;
/// read(fd, buf, count)
pub const SYS_READ: usize = 63;
/// write(fd, buf, count)
pub const SYS_WRITE: usize = 64;
/// fstat(fd, statbuf)
pub const SYS_FSTAT: usize = 80;
/// exit(status)
pub const SYS_EXIT: usize = 93;
/// exit_group(status)
pub const SYS_EXIT_GROUP: usize = 94;
/// nanosleep(req, rem)
pub const SYS_NANOSLEEP: usize = 101;
/// clock_gettime(clockid, tp)
pub const SYS_CLOCK_GETTIME: usize = 113;
/// sched_setaffinity(pid, len, mask)
pub const SYS_SCHED_SETAFFINITY: usize = 122;
/// sched_getaffinity(pid, len, mask)
pub const SYS_SCHED_GETAFFINITY: usize = 123;
/// sched_yield()
pub const SYS_SCHED_YIELD: usize = 124;
/// kill(pid, sig)
pub const SYS_KILL: usize = 129;
/// uname(buf)
pub const SYS_UNAME: usize = 160;
/// getcpu(cpu, node, tcache)
pub const SYS_GETCPU: usize = 168;
/// getpid()
pub const SYS_GETPID: usize = 172;
/// getppid()
pub const SYS_GETPPID: usize = 173;
/// brk(addr)
pub const SYS_BRK: usize = 214;
/// clone(flags, stack, ptid, tls, ctid): fork only.
pub const SYS_CLONE: usize = 220;
/// execve(path, argv, envp)
pub const SYS_EXECVE: usize = 221;
/// wait4(pid, wstatus, options, rusage)
pub const SYS_WAIT4: usize = 260;

/// Dispatches the system call in the current process's trap frame (sepc
/// already advanced) and stores the result in a0. exit never returns.
pub fn dispatch() {
    let p = sched::current();
    let x = &p.tf.x;
    let (n, a0, a1, a2, a3) = (x[reg::A7], x[reg::A0], x[reg::A1], x[reg::A2], x[reg::A3]);
    let ret: isize = match n {
        SYS_OPENAT => fs::sys_openat(a0, a1, a2),
        SYS_CLOSE => fs::sys_close(a0),
        SYS_LSEEK => fs::sys_lseek(a0, a1 as isize, a2),
        SYS_READ => fs::sys_read(a0, a1, a2),
        SYS_WRITE => fs::sys_write(a0, a1, a2),
        SYS_FSTAT => fs::sys_fstat(a0, a1),
        SYS_EXIT | SYS_EXIT_GROUP => sched::exit_current(crate::proc::ExitReason::Exited(a0 as i32)),
        SYS_NANOSLEEP => time::sys_nanosleep(a0, a1),
        SYS_CLOCK_GETTIME => time::sys_clock_gettime(a0, a1),
        SYS_SCHED_YIELD => {
            sched::yield_now();
            0
        }
        SYS_SCHED_SETAFFINITY => cpu::sys_sched_setaffinity(a0 as isize, a1, a2),
        SYS_SCHED_GETAFFINITY => cpu::sys_sched_getaffinity(a0 as isize, a1, a2),
        SYS_GETCPU => cpu::sys_getcpu(a0, a1),
        SYS_KILL => process::sys_kill(a0 as isize, a1),
        SYS_UNAME => time::sys_uname(a0),
        SYS_GETPID => p.pid as isize,
        SYS_GETPPID => p.ppid as isize,
        SYS_BRK => mem::sys_brk(a0) as isize,
        SYS_CLONE => process::sys_clone(a0, a1, a2, a3),
        SYS_EXECVE => process::sys_execve(a0, a1, a2),
        SYS_WAIT4 => process::sys_wait4(a0 as isize, a1, a2, a3),
        _ => {
            crate::println!("[svos] pid {} ({}): unknown syscall {}, returning -ENOSYS", p.pid, p.name, n);
            ENOSYS
        }
    };
    // The process may have switched away and back: look it up again.
    sched::current().tf.x[reg::A0] = ret as usize;
}
