//! Linux riscv64 system calls: a7 = number, a0..a5 = arguments, a0 = result
//! (negative errno on error).

use core::arch::asm;

pub use svos_abi::errno;
pub use svos_abi::mman;
pub use svos_abi::nr::*;
pub use svos_abi::perf;
pub use svos_abi::rusage;

/// fork's clone flags: SIGCHLD only.
pub const SIGCHLD: usize = svos_abi::signal::SIGCHLD as usize;
/// kill(pid, SIGKILL).
pub const SIGKILL: usize = svos_abi::signal::SIGKILL as usize;
/// kill(pid, SIGTERM).
pub const SIGTERM: usize = svos_abi::signal::SIGTERM as usize;
/// openat's "relative to the current directory" descriptor.
pub const AT_FDCWD: isize = -100;

/// Raw system call with up to three arguments.
#[inline(always)]
pub fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> isize {
    syscall4(n, a0, a1, a2, 0)
}

/// Raw system call with up to four arguments.
#[inline(always)]
pub fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> isize {
    let ret: isize;
    unsafe {
        asm!("ecall", inlateout("a0") a0 as isize => ret, in("a1") a1, in("a2") a2, in("a3") a3, in("a7") n, options(nostack));
    }
    ret
}

/// Raw system call with up to six arguments.
#[inline(always)]
pub fn syscall6(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let ret: isize;
    unsafe {
        asm!("ecall", inlateout("a0") a0 as isize => ret, in("a1") a1, in("a2") a2, in("a3") a3, in("a4") a4,
             in("a5") a5, in("a7") n, options(nostack));
    }
    ret
}

/// write(fd, buf, len): bytes written or -errno.
pub fn write(fd: usize, buf: &[u8]) -> isize {
    syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len())
}

/// read(fd, buf, len): bytes read (0 at end of file) or -errno.
pub fn read(fd: usize, buf: &mut [u8]) -> isize {
    syscall3(SYS_READ, fd, buf.as_mut_ptr() as usize, buf.len())
}

/// openat(AT_FDCWD, path, O_RDONLY): `path` must end with a NUL byte.
pub fn open(path: &[u8]) -> isize {
    syscall3(SYS_OPENAT, AT_FDCWD as usize, path.as_ptr() as usize, 0)
}

/// close(fd)
pub fn close(fd: usize) -> isize {
    syscall3(SYS_CLOSE, fd, 0, 0)
}

/// exit_group(code): never returns.
pub fn exit(code: i32) -> ! {
    syscall3(SYS_EXIT_GROUP, code as usize, 0, 0);
    loop {}
}

/// getpid()
pub fn getpid() -> isize {
    syscall3(SYS_GETPID, 0, 0, 0)
}

/// getppid()
pub fn getppid() -> isize {
    syscall3(SYS_GETPPID, 0, 0, 0)
}

/// brk(addr): the new break, or the unchanged break on failure; brk(0) queries.
pub fn brk(addr: usize) -> usize {
    syscall3(SYS_BRK, addr, 0, 0) as usize
}

/// mmap(addr, len, prot, flags, -1, 0) for anonymous memory (MAP_ANONYMOUS
/// is up to the caller): the mapping's address, or -errno.
pub fn mmap(addr: usize, len: usize, prot: usize, flags: usize) -> isize {
    syscall6(SYS_MMAP, addr, len, prot, flags, usize::MAX, 0)
}

/// munmap(addr, len): 0 or -errno.
pub fn munmap(addr: usize, len: usize) -> isize {
    syscall3(SYS_MUNMAP, addr, len, 0)
}

/// mprotect(addr, len, prot): 0 or -errno.
pub fn mprotect(addr: usize, len: usize, prot: usize) -> isize {
    syscall3(SYS_MPROTECT, addr, len, prot)
}

/// getrusage(who, &usage): the usage, or -errno.
pub fn getrusage(who: isize) -> Result<svos_abi::rusage::Rusage, isize> {
    let mut r = svos_abi::rusage::Rusage::default();
    let ret = syscall3(SYS_GETRUSAGE, who as usize, &mut r as *mut _ as usize, 0);
    if ret < 0 {
        Err(ret)
    } else {
        Ok(r)
    }
}

/// fork() as clone(SIGCHLD, 0): the child's pid in the parent, 0 in the child.
pub fn fork() -> isize {
    syscall3(SYS_CLONE, SIGCHLD, 0, 0)
}

/// execve(path, argv, envp): NUL-terminated strings, NULL-terminated arrays.
pub fn execve(path: *const u8, argv: *const *const u8, envp: *const *const u8) -> isize {
    syscall3(SYS_EXECVE, path as usize, argv as usize, envp as usize)
}

/// wait4(pid, &status, options, NULL): the reaped pid, 0 (WNOHANG), or -errno.
pub fn wait4(pid: isize, status: &mut i32, options: usize) -> isize {
    syscall4(SYS_WAIT4, pid as usize, status as *mut i32 as usize, options, 0)
}

/// kill(pid, sig)
pub fn kill(pid: isize, sig: usize) -> isize {
    syscall3(SYS_KILL, pid as usize, sig, 0)
}

/// sched_yield()
pub fn sched_yield() -> isize {
    syscall3(SYS_SCHED_YIELD, 0, 0, 0)
}

/// sched_setaffinity(0, 8, &mask): the caller runs only on the harts of
/// `mask` (bit i = hart i) from now on. 0 or -errno.
pub fn set_affinity(mask: u64) -> isize {
    syscall3(SYS_SCHED_SETAFFINITY, 0, 8, &mask as *const u64 as usize)
}

/// sched_getaffinity(0, 8, &mask): the caller's hart mask, or -errno.
pub fn affinity() -> Result<u64, isize> {
    let mut mask = 0u64;
    let r = syscall3(SYS_SCHED_GETAFFINITY, 0, 8, &mut mask as *mut u64 as usize);
    if r < 0 {
        Err(r)
    } else {
        Ok(mask)
    }
}

/// getcpu(&cpu, NULL, NULL): the hart the caller runs on.
pub fn getcpu() -> u32 {
    let mut cpu = u32::MAX;
    syscall3(SYS_GETCPU, &mut cpu as *mut u32 as usize, 0, 0);
    cpu
}

/// nanosleep for `ns` nanoseconds.
pub fn sleep_ns(ns: u64) -> isize {
    let ts = [(ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as i64];
    syscall3(SYS_NANOSLEEP, ts.as_ptr() as usize, 0, 0)
}

/// clock_gettime(CLOCK_MONOTONIC) in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let mut ts = [0i64; 2];
    syscall3(SYS_CLOCK_GETTIME, 1, ts.as_mut_ptr() as usize, 0);
    ts[0] as u64 * 1_000_000_000 + ts[1] as u64
}

/// The shell-style status of a wait4 status word: exit code, or 128 + signal.
pub fn status_code(wstatus: i32) -> i32 {
    if wstatus & 0x7f == 0 {
        (wstatus >> 8) & 0xff
    } else {
        128 + (wstatus & 0x7f)
    }
}

/// openat's flags (asm-generic/fcntl.h).
pub mod open_flags {
    /// Read only.
    pub const O_RDONLY: usize = 0;
    /// Write only.
    pub const O_WRONLY: usize = 1;
    /// Create if missing (with the mode argument).
    pub const O_CREAT: usize = 0o100;
    /// Truncate to 0 bytes.
    pub const O_TRUNC: usize = 0o1000;
    /// Every write at the end.
    pub const O_APPEND: usize = 0o2000;
    /// Closed by execve.
    pub const O_CLOEXEC: usize = 0o2000000;
}

/// openat(AT_FDCWD, path, flags, mode): `path` must end with a NUL byte.
/// The new fd, or -errno.
pub fn open_with(path: &[u8], flags: usize, mode: usize) -> isize {
    syscall4(SYS_OPENAT, AT_FDCWD as usize, path.as_ptr() as usize, flags, mode)
}

/// pipe2(fds, flags): `[read end, write end]`, or -errno.
pub fn pipe2(flags: usize) -> Result<[i32; 2], isize> {
    let mut fds = [0i32; 2];
    let r = syscall3(SYS_PIPE2, fds.as_mut_ptr() as usize, flags, 0);
    if r < 0 {
        Err(r)
    } else {
        Ok(fds)
    }
}

/// dup3(old, new, flags): `new`, now a copy of `old`, or -errno.
pub fn dup3(old: usize, new: usize, flags: usize) -> isize {
    syscall3(SYS_DUP3, old, new, flags)
}

/// fcntl(fd, F_DUPFD_CLOEXEC, min): a copy of `fd` at the lowest free fd
/// >= `min`, closed by execve; or -errno.
pub fn dup_cloexec_above(fd: usize, min: usize) -> isize {
    syscall3(SYS_FCNTL, fd, 1030, min)
}

/// chdir(path): `path` must end with a NUL byte. 0 or -errno.
pub fn chdir(path: &[u8]) -> isize {
    syscall3(SYS_CHDIR, path.as_ptr() as usize, 0, 0)
}

/// getcwd into `buf`: the length with the NUL, or -errno.
pub fn getcwd(buf: &mut [u8]) -> isize {
    syscall3(SYS_GETCWD, buf.as_mut_ptr() as usize, buf.len(), 0)
}

/// setpgid(pid, pgid): 0 or -errno.
pub fn setpgid(pid: usize, pgid: usize) -> isize {
    syscall3(SYS_SETPGID, pid, pgid, 0)
}

/// getpgid(0): the caller's process group.
pub fn getpgrp() -> isize {
    syscall3(SYS_GETPGID, 0, 0, 0)
}

/// tcsetpgrp(fd, pgid) as ioctl(fd, TIOCSPGRP, &pgid): 0 or -errno
/// (-ENOTTY when `fd` is not a terminal).
pub fn tcsetpgrp(fd: usize, pgid: i32) -> isize {
    syscall3(SYS_IOCTL, fd, 0x5410, &pgid as *const i32 as usize)
}

/// True if `fd` is a terminal (ioctl TCGETS succeeds).
pub fn isatty(fd: usize) -> bool {
    let mut termios = [0u8; 60];
    syscall3(SYS_IOCTL, fd, 0x5401, termios.as_mut_ptr() as usize) == 0
}

/// rt_sigaction(sig, {handler, flags, mask 0}, NULL, 8): `handler` is a
/// function address, or 0 (SIG_DFL) / 1 (SIG_IGN). 0 or -errno.
pub fn sigaction(sig: usize, handler: usize, flags: usize) -> isize {
    let act = [handler, flags, 0usize];
    syscall4(SYS_RT_SIGACTION, sig, act.as_ptr() as usize, 0, 8)
}
