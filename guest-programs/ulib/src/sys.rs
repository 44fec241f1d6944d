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
