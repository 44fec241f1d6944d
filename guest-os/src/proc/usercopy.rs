//! Safe access to user memory from the kernel (xv6 `walkaddr`/`copyin`/`copyout`).
//!
//! Every user page is translated in software through the process's page
//! table, checking V, U and the needed permission, and then accessed through
//! the direct map. A bad pointer yields [`EFAULT`] and never a kernel fault.

use crate::mm::address::USER_TOP;
use crate::mm::page_table::{PageTable, PteFlags};
use crate::mm::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::syscall::errno::EFAULT;

/// Translates user address `va` to a physical address if the page is mapped
/// with U and every bit of `need` (e.g. R, or W).
pub fn walkaddr(pt: &PageTable, va: usize, need: PteFlags) -> Result<PhysAddr, isize> {
    if va >= USER_TOP {
        return Err(EFAULT);
    }
    match pt.translate(VirtAddr(va)) {
        Some((pa, flags)) if flags.contains(need | PteFlags::U) => Ok(pa),
        _ => Err(EFAULT),
    }
}

/// Calls `f` on each physically contiguous piece of the user range
/// `[va, va+len)`, in order, after checking that the whole range is mapped
/// with U and `need`. Returns -EFAULT (and calls `f` on nothing) otherwise.
pub fn for_each_chunk(
    pt: &PageTable,
    va: usize,
    len: usize,
    need: PteFlags,
    mut f: impl FnMut(PhysAddr, usize),
) -> Result<(), isize> {
    let end = va.checked_add(len).ok_or(EFAULT)?;
    if end > USER_TOP {
        return Err(EFAULT);
    }
    // Pass 1: validate.
    let mut cur = va;
    while cur < end {
        walkaddr(pt, cur, need)?;
        cur = (cur & !(PAGE_SIZE - 1)) + PAGE_SIZE;
    }
    // Pass 2: act.
    let mut cur = va;
    while cur < end {
        let pa = walkaddr(pt, cur, need)?;
        let n = (PAGE_SIZE - pa.page_offset()).min(end - cur);
        f(pa, n);
        cur += n;
    }
    Ok(())
}

/// Copies `dst.len()` bytes from user `va` into `dst` (needs U+R).
pub fn copyin(pt: &PageTable, dst: &mut [u8], va: usize) -> Result<(), isize> {
    let mut off = 0;
    for_each_chunk(pt, va, dst.len(), PteFlags::R, |pa, n| {
        // SAFETY: pa..pa+n is a user frame, reachable through the direct map.
        let src = unsafe { core::slice::from_raw_parts(pa.to_kva() as *const u8, n) };
        dst[off..off + n].copy_from_slice(src);
        off += n;
    })
}

/// Copies `src` to user `va` (needs U+W).
pub fn copyout(pt: &PageTable, va: usize, src: &[u8]) -> Result<(), isize> {
    let mut off = 0;
    for_each_chunk(pt, va, src.len(), PteFlags::W, |pa, n| {
        // SAFETY: pa..pa+n is a user frame, reachable through the direct map.
        let dst = unsafe { core::slice::from_raw_parts_mut(pa.to_kva() as *mut u8, n) };
        dst.copy_from_slice(&src[off..off + n]);
        off += n;
    })
}

/// The current process's page table, or -EFAULT if it has no address space.
fn cur_pt() -> Result<&'static PageTable, isize> {
    match super::sched::current().space.as_ref() {
        Some(s) => Ok(s.page_table()),
        None => Err(EFAULT),
    }
}

/// Copies from the current process's user memory at `va` into `dst`.
pub fn copy_from_user(dst: &mut [u8], va: usize) -> Result<(), isize> {
    copyin(cur_pt()?, dst, va)
}

/// Copies `src` to the current process's user memory at `va`.
pub fn copy_to_user(va: usize, src: &[u8]) -> Result<(), isize> {
    copyout(cur_pt()?, va, src)
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
    let pt = cur_pt()?;
    let mut out = alloc::vec::Vec::new();
    let mut cur = va;
    loop {
        let pa = walkaddr(pt, cur, PteFlags::R)?;
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
