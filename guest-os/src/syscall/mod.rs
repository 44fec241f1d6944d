//! System calls by Linux riscv64 number and convention: a7 = number,
//! a0..a5 = arguments, result in a0, errors as negative errno
//! (asm-generic/unistd.h numbering).

pub mod errno;

use crate::mm::addr_space::VmaKind;
use crate::mm::address::page_ceil;
use crate::mm::page_table::PteFlags;
use crate::proc::exec::USER_STACK_TOP;
use crate::proc::exec::USER_STACK_SIZE;
use crate::proc::process::Process;
use crate::proc::usercopy;
use crate::trap::reg;
use errno::*;

/// write(fd, buf, count)
pub const SYS_WRITE: usize = 64;
/// exit(status)
pub const SYS_EXIT: usize = 93;
/// exit_group(status)
pub const SYS_EXIT_GROUP: usize = 94;
/// getpid()
pub const SYS_GETPID: usize = 172;
/// brk(addr)
pub const SYS_BRK: usize = 214;

/// Largest heap svos grants through brk, in bytes.
pub const BRK_MAX: usize = 64 * 1024 * 1024;

/// What the process loop does after a system call.
pub enum SyscallOutcome {
    /// Resume the process (a0 holds the result).
    Continue,
    /// The process exited with this code.
    Exit(i32),
}

/// Dispatches the system call in `p`'s trap frame (sepc already advanced).
pub fn dispatch(p: &mut Process) -> SyscallOutcome {
    let tf = &p.tf;
    let (n, a0, a1, a2) = (tf.x[reg::A7], tf.x[reg::A0], tf.x[reg::A1], tf.x[reg::A2]);
    let ret: isize = match n {
        SYS_WRITE => sys_write(p, a0, a1, a2),
        SYS_EXIT | SYS_EXIT_GROUP => return SyscallOutcome::Exit(a0 as i32),
        SYS_GETPID => p.pid as isize,
        SYS_BRK => sys_brk(p, a0) as isize,
        _ => {
            crate::println!("[svos] pid {} ({}): unknown syscall {}, returning -ENOSYS", p.pid, p.name, n);
            ENOSYS
        }
    };
    p.tf.x[reg::A0] = ret as usize;
    SyscallOutcome::Continue
}

/// write(2) to fd 1 or 2 (the console). Returns `count`, -EBADF for other
/// fds, -EFAULT (nothing written) if any byte of the buffer is not readable
/// user memory.
fn sys_write(p: &mut Process, fd: usize, buf: usize, count: usize) -> isize {
    if fd != 1 && fd != 2 {
        return EBADF;
    }
    if count > isize::MAX as usize {
        return EINVAL;
    }
    let r = usercopy::for_each_chunk(p.space.page_table(), buf, count, PteFlags::R, |pa, n| {
        // SAFETY: a validated user frame, read through the direct map.
        let s = unsafe { core::slice::from_raw_parts(pa.to_kva() as *const u8, n) };
        crate::drivers::uart::write_bytes(s);
    });
    match r {
        Ok(()) => count as isize,
        Err(e) => e,
    }
}

/// brk(2), Linux semantics: `addr` below the heap start (e.g. 0) returns the
/// current break; otherwise the break moves to `addr`, mapping zeroed pages
/// R+W+U or freeing pages; on failure (limit, collision, out of memory) the
/// old break is returned.
fn sys_brk(p: &mut Process, addr: usize) -> usize {
    if addr < p.brk_start || addr > p.brk_start + BRK_MAX || addr > USER_STACK_TOP - USER_STACK_SIZE {
        return p.brk;
    }
    let new_end = page_ceil(addr);
    match p.space.resize_area(VmaKind::Heap, p.brk_start, new_end, PteFlags::R | PteFlags::W) {
        Ok(()) => {
            p.brk = addr;
            addr
        }
        Err(_) => p.brk,
    }
}
