//! Memory system calls: brk, mmap, munmap and mprotect (anonymous private
//! mappings), mincore, and svos_replay (a replay region for the
//! replacement study, [`crate::mm::policy`]).
//!
//! Every area these create is demand-zero: pages get a zeroed frame at
//! their first access (see [`crate::mm::addr_space`]), so mapping is cheap
//! and memory is used only as it is touched.

use super::errno::*;
use crate::mm::addr_space::{ProtectError, VmaKind};
use crate::mm::address::{page_ceil, PAGE_SIZE, USER_TOP};
use crate::mm::page_table::{MapError, PteFlags};
use crate::proc::exec::{USER_STACK_SIZE, USER_STACK_TOP};
use crate::proc::sched;
use svos_abi::mman::*;

/// Largest heap svos grants through brk, in bytes.
pub const BRK_MAX: usize = 64 * 1024 * 1024;

/// mmap places areas without a usable hint below this address, searching
/// down (as Linux does from its mmap base): 1 GiB below the top of the user
/// half, which leaves a gap above for the stack.
pub const MMAP_TOP: usize = USER_STACK_TOP - (1 << 30);

/// Lowest address a MAP_FIXED mapping may start at (Linux's default
/// vm.mmap_min_addr, 64 KiB): page 0 and its neighbours stay unmapped, so
/// null-pointer accesses always fault.
pub const MMAP_MIN_ADDR: usize = 0x1_0000;

/// brk(2), Linux semantics: `addr` below the heap start (e.g. 0) returns the
/// current break; otherwise the break moves to `addr`, extending the heap
/// area (pages get frames at their first access) or freeing the pages
/// beyond it; on failure (limit, collision) the old break is returned.
pub fn sys_brk(addr: usize) -> usize {
    let p = sched::current();
    if addr < p.brk_start || addr > p.brk_start + BRK_MAX || addr > USER_STACK_TOP - USER_STACK_SIZE {
        return p.brk;
    }
    let new_end = page_ceil(addr);
    let Some(space) = p.space.as_mut() else { return p.brk };
    match space.resize_area(VmaKind::Heap, p.brk_start, new_end, PteFlags::R | PteFlags::W) {
        Ok(()) => {
            p.brk = addr;
            addr
        }
        Err(_) => p.brk,
    }
}

/// The page permissions of an mmap `prot` (PROT_WRITE implies read: RISC-V
/// reserves W without R, privileged spec 4.3.1), or -EINVAL for unknown
/// bits, or -EACCES for write + execute (svos never maps a page W+X, as
/// exec refuses W+X segments).
fn perm_of_prot(prot: usize) -> Result<PteFlags, isize> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        return Err(EINVAL);
    }
    if prot & PROT_WRITE != 0 && prot & PROT_EXEC != 0 {
        return Err(EACCES);
    }
    let mut perm = PteFlags::empty();
    if prot & PROT_READ != 0 {
        perm = perm | PteFlags::R;
    }
    if prot & PROT_WRITE != 0 {
        perm = perm | PteFlags::R | PteFlags::W;
    }
    if prot & PROT_EXEC != 0 {
        perm = perm | PteFlags::X;
    }
    Ok(perm)
}

/// mmap(addr, len, prot, flags, fd, offset) for anonymous private memory
/// (Linux mmap(2)): maps `len` bytes (rounded up to pages) of zero-filled,
/// demand-paged memory with `prot` (PROT_NONE allowed) and returns its
/// address. Without MAP_FIXED, `addr` is a hint used if that range is free
/// (and between the heap's reserve and [`MMAP_TOP`]); otherwise the highest
/// free range below [`MMAP_TOP`] is used. MAP_FIXED replaces anonymous
/// mappings in the range; MAP_FIXED_NOREPLACE fails instead.
///
/// Errors (negative errno): -EINVAL for len 0, unknown prot bits, a bad
/// mapping type, an unaligned offset or fixed address, MAP_SHARED (svos
/// has no shared memory), or a fixed range over the program, heap or stack;
/// -EBADF / -ENODEV without MAP_ANONYMOUS (no file mappings); -EACCES for
/// PROT_WRITE | PROT_EXEC; -EPERM for a fixed address below
/// [`MMAP_MIN_ADDR`]; -EEXIST for MAP_FIXED_NOREPLACE over a mapping;
/// -ENOMEM when the range does not fit the user half or no range is free.
pub fn sys_mmap(addr: usize, len: usize, prot: usize, flags: usize, fd: usize, off: usize) -> isize {
    let p = sched::current();
    if len == 0 || !off.is_multiple_of(PAGE_SIZE) {
        return EINVAL;
    }
    let perm = match perm_of_prot(prot) {
        Ok(perm) => perm,
        Err(e) => return e,
    };
    let ty = flags & MAP_TYPE;
    if ty != MAP_PRIVATE && ty != MAP_SHARED && ty != MAP_SHARED_VALIDATE {
        return EINVAL;
    }
    if flags & MAP_ANONYMOUS == 0 {
        let open = p.fds.get(fd).is_some_and(|f| f.is_some());
        return if open { ENODEV } else { EBADF };
    }
    if ty != MAP_PRIVATE {
        return EINVAL;
    }
    let len = page_ceil(len);
    if len == 0 || len > USER_TOP {
        return ENOMEM;
    }
    let heap_reserve = p.brk_start + super::mem::BRK_MAX;
    let Some(space) = p.space.as_mut() else { return EFAULT };
    let start = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return EINVAL;
        }
        if addr.checked_add(len).is_none_or(|e| e > USER_TOP) {
            return ENOMEM;
        }
        if addr < MMAP_MIN_ADDR {
            return EPERM;
        }
        if flags & MAP_FIXED_NOREPLACE != 0 {
            if !space.is_free(addr, addr + len) {
                return EEXIST;
            }
        } else if space.unmap_anon(addr, addr + len).is_err() {
            return EINVAL;
        }
        addr
    } else {
        let hint_ok = addr != 0
            && addr.is_multiple_of(PAGE_SIZE)
            && addr >= heap_reserve
            && addr.checked_add(len).is_some_and(|e| e <= MMAP_TOP && space.is_free(addr, e));
        if hint_ok {
            addr
        } else {
            match space.find_free(len, heap_reserve, MMAP_TOP) {
                Some(s) => s,
                None => return ENOMEM,
            }
        }
    };
    match space.map_area(start, start + len, perm, VmaKind::Anon) {
        Ok(()) => start as isize,
        Err(_) => ENOMEM,
    }
}

/// Areas one step of munmap removes at most.
const MUNMAP_STEP_AREAS: usize = 64;
/// Pages one step of munmap frees at most (as bytes of address range).
const MUNMAP_STEP_PAGES: usize = 1024;

/// munmap(addr, len) (Linux munmap(2)): removes the anonymous mappings of
/// the pages in `[addr, addr + len)` (len rounded up to pages), splitting
/// mappings that straddle an end, and frees their frames after every hart
/// that ran the process has flushed its TLB. Later accesses there fault
/// (SIGSEGV). Pages without a mapping are fine. -EINVAL for an unaligned
/// `addr`, len 0, a range leaving the user half, or (svos) a range over the
/// program, heap or stack, which only exec, brk and exit unmap.
pub fn sys_munmap(addr: usize, len: usize) -> isize {
    if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
        return EINVAL;
    }
    let Some(end) = addr.checked_add(page_ceil(len)).filter(|&e| e <= USER_TOP && page_ceil(len) != 0) else {
        return EINVAL;
    };
    let Some(space) = sched::current().space.as_mut() else { return EFAULT };
    if let Err(e) = space.check_unmap_anon(addr, end) {
        return if e == MapError::OutOfMemory { ENOMEM } else { EINVAL };
    }
    // In bounded steps (areas and pages), letting other harts take the
    // kernel lock in between: each step leaves areas and pages consistent.
    let mut from = addr;
    while from < end {
        let Some(space) = sched::current().space.as_mut() else { return EFAULT };
        let step_end = space.unmap_step_end(from, end, MUNMAP_STEP_AREAS, MUNMAP_STEP_PAGES);
        if space.unmap_anon(from, step_end).is_err() {
            return EINVAL;
        }
        from = step_end;
        if from < end {
            crate::sync::kernel_relax();
        }
    }
    if let Some(space) = sched::current().space.as_mut() {
        space.end_region_over(addr, end);
    }
    0
}

/// mincore(addr, len, vec) (Linux mincore(2)): one byte per page of
/// `[addr, addr + len)` into `vec`, bit 0 set if the page is resident (see
/// [`crate::mm::addr_space::AddrSpace::residency`]). -EINVAL for an
/// unaligned `addr`, -ENOMEM if a page is in no area (or the range leaves
/// the user half), -EFAULT for a bad `vec`.
pub fn sys_mincore(addr: usize, len: usize, vec: usize) -> isize {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return EINVAL;
    }
    let Some(end) = addr.checked_add(page_ceil(len)).filter(|&e| e <= USER_TOP) else { return ENOMEM };
    let Some(space) = sched::current().space.as_ref() else { return EFAULT };
    let Some(bytes) = space.residency(addr, end) else { return ENOMEM };
    match crate::proc::usercopy::copy_to_user(vec, &bytes) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// svos_replay(addr, len, frames, policy) (svos only, number 1000): makes
/// `[addr, addr + len)` (page aligned, inside one anonymous area) a replay
/// region holding at most `frames` resident pages, replaced by `policy`
/// (0 FIFO, 1 CLOCK, 2 LRU by aging, 3 RANDOM, 4 exact LRU: every access
/// to another page than the last one traps); `frames` 0 ends the region.
/// One region per process; munmap over it ends it. -EINVAL for an
/// unaligned or empty range, a range not inside one anonymous area, or an
/// unknown policy. See [`crate::mm::policy`].
pub fn sys_svos_replay(addr: usize, len: usize, frames: usize, policy: usize) -> isize {
    let Some(policy) = crate::mm::policy::Policy::from_number(policy) else { return EINVAL };
    if !addr.is_multiple_of(PAGE_SIZE) || (frames != 0 && len == 0) {
        return EINVAL;
    }
    let Some(end) = addr.checked_add(page_ceil(len)).filter(|&e| e <= USER_TOP) else { return EINVAL };
    let Some(space) = sched::current().space.as_mut() else { return EFAULT };
    if space.set_region(addr, end, frames, policy) {
        0
    } else {
        EINVAL
    }
}

/// mprotect(addr, len, prot) (Linux mprotect(2)): gives the pages of
/// `[addr, addr + len)` (len rounded up to pages) the access `prot`
/// (PROT_NONE allowed), splitting mappings that straddle an end; later
/// accesses the new protection refuses are SIGSEGV, and contents are kept.
/// Copy-on-write pages stay so. 0 for len 0. -EINVAL for an unaligned
/// `addr` or unknown prot bits; -EACCES for PROT_WRITE | PROT_EXEC (W^X)
/// or (svos) a range over the heap or stack; -ENOMEM if a page of
/// the range is not mapped or the range leaves the user half.
pub fn sys_mprotect(addr: usize, len: usize, prot: usize) -> isize {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return EINVAL;
    }
    let perm = match perm_of_prot(prot) {
        Ok(perm) => perm,
        Err(e) => return e,
    };
    if len == 0 {
        return 0;
    }
    let Some(end) = addr.checked_add(page_ceil(len)).filter(|&e| e <= USER_TOP && page_ceil(len) != 0) else {
        return ENOMEM;
    };
    let Some(space) = sched::current().space.as_mut() else { return EFAULT };
    match space.protect_anon(addr, end, perm) {
        Ok(()) => 0,
        Err(ProtectError::Unmapped) => ENOMEM,
        Err(ProtectError::NotAnonymous) => EACCES,
        Err(ProtectError::TooManyAreas) => ENOMEM,
    }
}
