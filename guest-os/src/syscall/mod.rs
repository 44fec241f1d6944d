//! System calls by Linux riscv64 number and convention: a7 = number,
//! a0..a5 = arguments, result in a0, errors as negative errno
//! (asm-generic/unistd.h numbering). Every user pointer goes through
//! [`crate::proc::usercopy`] (bad pointers give -EFAULT).
//!
//! An unknown number returns -ENOSYS; the kernel reports it on the
//! console once per number per process, so a program probing many
//! numbers (or one number many times) cannot flood it.

pub mod cpu;
pub mod errno;
pub mod fs;
pub mod futex;
pub mod mem;
pub mod misc;
pub mod perf;
pub mod process;
pub mod rusage;
pub mod signal;
pub mod time;

use crate::proc::sched;
use crate::trap::reg;
use errno::*;
pub use svos_abi::nr::*;

/// Dispatches the system call in the current process's trap frame (sepc
/// already advanced) and stores the result in a0. exit never returns.
/// A call a signal interrupted (-EINTR) whose handler has SA_RESTART is
/// restarted after the handler: sepc goes back to the ecall and a0 keeps
/// the first argument.
pub fn dispatch() {
    let p = sched::current();
    let x = &p.tf.x;
    let (n, a0, a1, a2, a3) = (x[reg::A7], x[reg::A0], x[reg::A1], x[reg::A2], x[reg::A3]);
    let (a4, a5) = (x[reg::A4], x[reg::A5]);
    let ret: isize = match n {
        SYS_GETCWD => fs::sys_getcwd(a0, a1),
        SYS_DUP => fs::sys_dup(a0),
        SYS_DUP3 => fs::sys_dup3(a0, a1, a2),
        SYS_FCNTL => fs::sys_fcntl(a0, a1, a2),
        SYS_IOCTL => fs::sys_ioctl(a0, a1, a2),
        SYS_MKDIRAT => fs::sys_mkdirat(a0, a1, a2),
        SYS_UNLINKAT => fs::sys_unlinkat(a0, a1, a2),
        SYS_RENAMEAT => fs::sys_renameat2(a0, a1, a2, a3, 0),
        SYS_RENAMEAT2 => fs::sys_renameat2(a0, a1, a2, a3, a4),
        SYS_FTRUNCATE => fs::sys_ftruncate(a0, a1),
        SYS_FACCESSAT => fs::sys_faccessat(a0, a1, a2, 0),
        SYS_FACCESSAT2 => fs::sys_faccessat(a0, a1, a2, a3),
        SYS_CHDIR => fs::sys_chdir(a0),
        SYS_FCHDIR => fs::sys_fchdir(a0),
        SYS_FCHMOD | SYS_FCHMODAT => 0,
        SYS_OPENAT => fs::sys_openat(a0, a1, a2, a3),
        SYS_CLOSE => fs::sys_close(a0),
        SYS_PIPE2 => fs::sys_pipe2(a0, a1),
        SYS_PPOLL => fs::sys_ppoll(a0, a1, a2, a3),
        SYS_PSELECT6 => fs::sys_pselect6(a0, a1, a2, a3, a4, a5),
        SYS_GETDENTS64 => fs::sys_getdents64(a0, a1, a2),
        SYS_LSEEK => fs::sys_lseek(a0, a1 as isize, a2),
        SYS_READ => fs::sys_read(a0, a1, a2),
        SYS_WRITE => fs::sys_write(a0, a1, a2),
        SYS_READV => fs::sys_readv(a0, a1, a2),
        SYS_WRITEV => fs::sys_writev(a0, a1, a2),
        SYS_PREAD64 => fs::sys_pread64(a0, a1, a2, a3),
        SYS_PWRITE64 => fs::sys_pwrite64(a0, a1, a2, a3),
        SYS_READLINKAT => fs::sys_readlinkat(a0, a1, a2, a3),
        SYS_NEWFSTATAT => fs::sys_newfstatat(a0, a1, a2, a3),
        SYS_FSTAT => fs::sys_fstat(a0, a1),
        SYS_FSYNC | SYS_FDATASYNC => fs::sys_fsync(a0),
        SYS_STATX => fs::sys_statx(a0, a1, a2, a3, a4),
        SYS_EXIT => sched::exit_thread(crate::proc::ExitReason::Exited(a0 as i32)),
        SYS_EXIT_GROUP => sched::exit_current(crate::proc::ExitReason::Exited(a0 as i32)),
        SYS_WAITID => process::sys_waitid(a0, a1, a2, a3, a4),
        SYS_SET_TID_ADDRESS => misc::sys_set_tid_address(a0),
        SYS_FUTEX => futex::sys_futex(a0, a1, a2, a3, a4, a5),
        SYS_SET_ROBUST_LIST => misc::sys_set_robust_list(a0, a1),
        SYS_NANOSLEEP => time::sys_nanosleep(a0, a1),
        SYS_CLOCK_GETTIME => time::sys_clock_gettime(a0, a1),
        SYS_CLOCK_GETRES => time::sys_clock_getres(a0, a1),
        SYS_CLOCK_NANOSLEEP => time::sys_clock_nanosleep(a0, a1, a2, a3),
        SYS_SCHED_SETAFFINITY => cpu::sys_sched_setaffinity(a0 as isize, a1, a2),
        SYS_SCHED_GETAFFINITY => cpu::sys_sched_getaffinity(a0 as isize, a1, a2),
        SYS_SCHED_YIELD => {
            sched::yield_now();
            0
        }
        SYS_KILL => process::sys_kill(a0 as isize, a1),
        SYS_TKILL => process::sys_tgkill(-1, a0 as isize, a1),
        SYS_TGKILL => process::sys_tgkill(a0 as isize, a1 as isize, a2),
        SYS_SIGALTSTACK => signal::sys_sigaltstack(a0, a1),
        SYS_RT_SIGSUSPEND => signal::sys_rt_sigsuspend(a0, a1),
        SYS_RT_SIGACTION => signal::sys_rt_sigaction(a0, a1, a2, a3),
        SYS_RT_SIGPROCMASK => signal::sys_rt_sigprocmask(a0, a1, a2, a3),
        SYS_RT_SIGPENDING => signal::sys_rt_sigpending(a0, a1),
        SYS_RT_SIGRETURN => signal::sys_rt_sigreturn(),
        SYS_SETGID | SYS_SETUID => misc::sys_setid(a0),
        SYS_SETFSUID | SYS_SETFSGID => misc::sys_setfsid(a0),
        SYS_TIMES => time::sys_times(a0),
        SYS_SETPGID => process::sys_setpgid(a0, a1 as isize),
        SYS_GETPGID => process::sys_getpgid(a0),
        SYS_GETSID => {
            if a0 == 0 {
                p.tgid as isize
            } else if sched::proc_mut(a0).is_some() {
                a0 as isize
            } else {
                ESRCH
            }
        }
        SYS_SETSID => p.tgid as isize,
        SYS_GETGROUPS => misc::sys_getgroups(a0, a1),
        SYS_GETRLIMIT => misc::sys_prlimit64(0, a0, 0, a1),
        SYS_SETRLIMIT => misc::sys_prlimit64(0, a0, a1, 0),
        SYS_UMASK => misc::sys_umask(a0),
        SYS_PRCTL => misc::sys_prctl(a0, a1),
        SYS_GETTIMEOFDAY => time::sys_gettimeofday(a0, a1),
        SYS_GETUID | SYS_GETEUID | SYS_GETGID | SYS_GETEGID => 0,
        SYS_GETTID => p.pid as isize,
        SYS_SYSINFO => misc::sys_sysinfo(a0),
        SYS_GETCPU => cpu::sys_getcpu(a0, a1),
        SYS_UNAME => time::sys_uname(a0),
        SYS_GETPID => p.tgid as isize,
        SYS_GETPPID => p.ppid as isize,
        SYS_BRK => mem::sys_brk(a0) as isize,
        SYS_MMAP => mem::sys_mmap(a0, a1, a2, a3, a4, a5),
        SYS_MUNMAP => mem::sys_munmap(a0, a1),
        SYS_MPROTECT => mem::sys_mprotect(a0, a1, a2),
        SYS_MREMAP => mem::sys_mremap(a0, a1, a2, a3, a4),
        SYS_MADVISE => mem::sys_madvise(a0, a1, a2),
        SYS_MSYNC => mem::sys_msync(a0, a1, a2),
        SYS_MLOCK => mem::sys_mlock(a0, a1, true),
        SYS_MUNLOCK => mem::sys_mlock(a0, a1, false),
        SYS_MLOCK2 if a2 & !svos_abi::mman::MLOCK_ONFAULT != 0 => EINVAL,
        SYS_MLOCK2 => mem::sys_mlock(a0, a1, true),
        SYS_MLOCKALL => mem::sys_mlockall(a0),
        SYS_MUNLOCKALL => mem::sys_mlockall(0),
        SYS_MINCORE => mem::sys_mincore(a0, a1, a2),
        SYS_SVOS_REPLAY => mem::sys_svos_replay(a0, a1, a2, a3),
        SYS_GETRUSAGE => rusage::sys_getrusage(a0 as isize, a1),
        svos_abi::perf::SYS_SVOS_PERF => perf::sys_svos_perf(a0 as isize, a1, a2, a3),
        SYS_CLONE => process::sys_clone(a0, a1, a2, a3, a4),
        SYS_EXECVE => process::sys_execve(a0, a1, a2),
        SYS_WAIT4 => process::sys_wait4(a0 as isize, a1, a2, a3),
        SYS_PRLIMIT64 => misc::sys_prlimit64(a0, a1, a2, a3),
        SYS_GETRANDOM => misc::sys_getrandom(a0, a1, a2),
        SYS_RISCV_HWPROBE => cpu::sys_riscv_hwprobe(a0, a1, a2, a3, a4),
        // Restartable sequences: not provided; glibc and Rust std go on without.
        SYS_RSEQ => ENOSYS,
        _ => {
            if p.enosys_logged.insert(n) {
                crate::println!("[svos] pid {} ({}): unknown syscall {}, returning -ENOSYS", p.pid, p.name, n);
            }
            ENOSYS
        }
    };
    // The process may have switched away and back: look it up again.
    let p = sched::current();
    if ret == EINTR && restartable(p) {
        p.tf.sepc -= 4;
        p.tf.x[reg::A0] = a0;
        return;
    }
    p.tf.x[reg::A0] = ret as usize;
}

/// True if the signal about to be delivered has SA_RESTART (the
/// interrupted call runs again after its handler).
fn restartable(p: &crate::proc::process::Process) -> bool {
    let d = p.sig.deliverable();
    if d == 0 || p.killed.is_some() {
        return false;
    }
    let a = p.sig.actions[d.trailing_zeros() as usize];
    a.handler > crate::proc::signal::SIG_IGN && a.flags & crate::proc::signal::SA_RESTART != 0
}
