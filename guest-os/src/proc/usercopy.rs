//! Safe access to user memory from the kernel (xv6 `walkaddr`/`copyin`/`copyout`).
//!
//! Every user page is translated in software through the process's page
//! table, checking V, U and the needed permission, and then accessed through
//! the direct map; a page of an area that has no frame yet is faulted in
//! first (demand paging). A bad pointer yields [`EFAULT`] and never a
//! kernel fault.

use crate::mm::addr_space::{Access, AddrSpace, FaultError};
use crate::mm::address::USER_TOP;
use crate::mm::{PhysAddr, PAGE_SIZE};
use crate::syscall::errno::EFAULT;

/// Translates user address `va` of the current process to a physical
/// address for `access`, faulting in a demand-zero page as the user's own
/// access would ([`AddrSpace::user_access`]). A page that needs the disk
/// (swapped out, or no frame until reclaim's writes complete) is waited
/// for asleep, the kernel lock released ([`super::sched::wait_io`]), as
/// a user access would be: callers hold no spin lock and no reference into
/// the space across this call. -EFAULT outside the areas or against their
/// permissions; when no frame is free the process is marked killed
/// (SIGKILL, reported as out of memory) and gets -EFAULT. The address is
/// valid until the caller next sleeps.
pub fn walkaddr(va: usize, access: Access) -> Result<PhysAddr, isize> {
    let mut retried = false;
    loop {
        match cur_space()?.user_access(va, access) {
            Ok(pa) => return Ok(pa),
            Err(FaultError::Wait(req)) => super::sched::wait_io(req),
            Err(FaultError::Segv) => return Err(EFAULT),
            Err(FaultError::OutOfMemory) if !retried && super::sched::reclaim_from_others(super::sched::current().pid) => {
                retried = true
            }
            Err(FaultError::OutOfMemory) => {
                super::sched::oom_kill(super::sched::current(), va);
                return Err(EFAULT);
            }
        }
    }
}

/// Calls `f` on each physically contiguous piece of the current process's
/// user range `[va, va+len)`, in order, after checking that the whole range
/// allows `access` (faulting in demand-zero pages). Returns -EFAULT (and
/// calls `f` on nothing) otherwise.
pub fn for_each_chunk(va: usize, len: usize, access: Access, mut f: impl FnMut(PhysAddr, usize)) -> Result<(), isize> {
    let end = va.checked_add(len).ok_or(EFAULT)?;
    if end > USER_TOP {
        return Err(EFAULT);
    }
    // Pass 1: validate.
    let mut cur = va;
    while cur < end {
        walkaddr(cur, access)?;
        cur = (cur & !(PAGE_SIZE - 1)) + PAGE_SIZE;
    }
    // Pass 2: act.
    let mut cur = va;
    while cur < end {
        let pa = walkaddr(cur, access)?;
        let n = (PAGE_SIZE - pa.page_offset()).min(end - cur);
        f(pa, n);
        cur += n;
    }
    Ok(())
}

/// The current process's address space, or -EFAULT if it has none.
fn cur_space() -> Result<&'static mut AddrSpace, isize> {
    super::sched::current().space.as_deref_mut().ok_or(EFAULT)
}

/// Copies from the current process's user memory at `va` into `dst` (needs U+R).
pub fn copy_from_user(dst: &mut [u8], va: usize) -> Result<(), isize> {
    let mut off = 0;
    for_each_chunk(va, dst.len(), Access::Load, |pa, n| {
        // SAFETY: pa..pa+n is a user frame, reachable through the direct map.
        let src = unsafe { core::slice::from_raw_parts(pa.to_kva() as *const u8, n) };
        dst[off..off + n].copy_from_slice(src);
        off += n;
    })
}

/// Copies `src` to the current process's user memory at `va` (needs U+W).
pub fn copy_to_user(va: usize, src: &[u8]) -> Result<(), isize> {
    let mut off = 0;
    for_each_chunk(va, src.len(), Access::Store, |pa, n| {
        // SAFETY: pa..pa+n is a user frame, reachable through the direct map.
        let dst = unsafe { core::slice::from_raw_parts_mut(pa.to_kva() as *mut u8, n) };
        dst.copy_from_slice(&src[off..off + n]);
        off += n;
    })
}

/// Reads a u64 (native endian) from user `va`.
pub fn read_u64(va: usize) -> Result<u64, isize> {
    let mut b = [0u8; 8];
    copy_from_user(&mut b, va)?;
    Ok(u64::from_le_bytes(b))
}

/// Reads a NUL-terminated string of at most `max` bytes from user `va`.
/// -EFAULT if unreadable, -ENAMETOOLONG (-36) if longer, -EINVAL if not UTF-8.
pub fn read_cstr(va: usize, max: usize) -> Result<alloc::string::String, isize> {
    let mut out = alloc::vec::Vec::new();
    let mut cur = va;
    loop {
        let pa = walkaddr(cur, Access::Load)?;
        let n = PAGE_SIZE - pa.page_offset();
        // SAFETY: a validated user frame, read through the direct map.
        let s = unsafe { core::slice::from_raw_parts(pa.to_kva() as *const u8, n) };
        match s.iter().position(|&c| c == 0) {
            Some(i) => {
                out.extend_from_slice(&s[..i]);
                break;
            }
            None => out.extend_from_slice(s),
        }
        if out.len() > max {
            return Err(-36);
        }
        cur += n;
    }
    if out.len() > max {
        return Err(-36);
    }
    alloc::string::String::from_utf8(out).map_err(|_| crate::syscall::errno::EINVAL)
}
