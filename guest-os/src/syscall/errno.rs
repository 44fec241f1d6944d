//! Linux errno values, returned negated in a0 (asm-generic/errno-base.h).

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
