//! Linux errno values, returned negated in a0 (asm-generic/errno-base.h).

/// Bad address.
pub const EFAULT: isize = -14;
/// Bad file descriptor.
pub const EBADF: isize = -9;
/// Invalid argument.
pub const EINVAL: isize = -22;
/// Function not implemented.
pub const ENOSYS: isize = -38;
