//! Linux riscv64 system calls: a7 = number, a0..a5 = arguments, a0 = result
//! (negative errno on error).

use core::arch::asm;

pub const SYS_WRITE: usize = 64;
pub const SYS_EXIT: usize = 93;
pub const SYS_EXIT_GROUP: usize = 94;
pub const SYS_GETPID: usize = 172;
pub const SYS_BRK: usize = 214;

/// Raw system call with up to three arguments.
#[inline(always)]
pub fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> isize {
    let ret: isize;
    unsafe {
        asm!("ecall", inlateout("a0") a0 as isize => ret, in("a1") a1, in("a2") a2, in("a7") n, options(nostack));
    }
    ret
}

/// write(fd, buf, len): bytes written or -errno.
pub fn write(fd: usize, buf: &[u8]) -> isize {
    syscall3(SYS_WRITE, fd, buf.as_ptr() as usize, buf.len())
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

/// brk(addr): the new break, or the unchanged break on failure; brk(0) queries.
pub fn brk(addr: usize) -> usize {
    syscall3(SYS_BRK, addr, 0, 0) as usize
}
