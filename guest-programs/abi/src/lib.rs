//! The numbers of the Linux riscv64 user ABI that svos implements and its
//! user programs call, in one place: system call numbers
//! (asm-generic/unistd.h), errno values (asm-generic/errno-base.h, returned
//! negated in a0) and signal numbers (asm-generic/signal.h).
//!
//! Used by the kernel (guest-os) and by the user runtime (ulib), so the two
//! sides cannot disagree.

#![no_std]

/// System call numbers: a7 = number, a0..a5 = arguments, result in a0.
pub mod nr {
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
}

/// errno values, negative as a system call returns them.
pub mod errno {
    /// Operation not permitted.
    pub const EPERM: isize = -1;
    /// No such file or directory.
    pub const ENOENT: isize = -2;
    /// No such process.
    pub const ESRCH: isize = -3;
    /// Interrupted system call.
    pub const EINTR: isize = -4;
    /// Argument list too long.
    pub const E2BIG: isize = -7;
    /// Exec format error.
    pub const ENOEXEC: isize = -8;
    /// Bad file descriptor.
    pub const EBADF: isize = -9;
    /// No child processes.
    pub const ECHILD: isize = -10;
    /// Try again (process table full).
    pub const EAGAIN: isize = -11;
    /// Out of memory.
    pub const ENOMEM: isize = -12;
    /// Bad address.
    pub const EFAULT: isize = -14;
    /// Invalid argument.
    pub const EINVAL: isize = -22;
    /// Too many open files.
    pub const EMFILE: isize = -24;
    /// Illegal seek.
    pub const ESPIPE: isize = -29;
    /// Read-only file system.
    pub const EROFS: isize = -30;
    /// Function not implemented.
    pub const ENOSYS: isize = -38;
}

/// Signal numbers.
pub mod signal {
    /// Illegal instruction.
    pub const SIGILL: u32 = 4;
    /// Trace/breakpoint trap.
    pub const SIGTRAP: u32 = 5;
    /// Bus error (misaligned access).
    pub const SIGBUS: u32 = 7;
    /// Kill (cannot be caught).
    pub const SIGKILL: u32 = 9;
    /// Segmentation fault (page or access fault).
    pub const SIGSEGV: u32 = 11;
    /// Termination request.
    pub const SIGTERM: u32 = 15;
    /// Child stopped or exited (the only clone flag svos's fork accepts).
    pub const SIGCHLD: u32 = 17;
}
