//! System calls by Linux riscv64 number and convention: a7 = number,
//! a0..a5 = arguments, result in a0, errors as negative errno
//! (asm-generic/unistd.h numbering). Every user pointer goes through
//! [`crate::proc::usercopy`] (bad pointers give -EFAULT).

pub mod cpu;
pub mod errno;
pub mod fs;
pub mod mem;
pub mod process;
pub mod rusage;
pub mod time;

use crate::proc::sched;
use crate::trap::reg;
use errno::*;
pub use svos_abi::nr::*;

/// Dispatches the system call in the current process's trap frame (sepc
/// already advanced) and stores the result in a0. exit never returns.
pub fn dispatch() {
    let p = sched::current();
    let x = &p.tf.x;
    let (n, a0, a1, a2, a3) = (x[reg::A7], x[reg::A0], x[reg::A1], x[reg::A2], x[reg::A3]);
    let (a4, a5) = (x[reg::A4], x[reg::A5]);
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
        SYS_MMAP => mem::sys_mmap(a0, a1, a2, a3, a4, a5),
        SYS_MUNMAP => mem::sys_munmap(a0, a1),
        SYS_MPROTECT => mem::sys_mprotect(a0, a1, a2),
        SYS_GETRUSAGE => rusage::sys_getrusage(a0 as isize, a1),
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
