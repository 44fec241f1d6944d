//! Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
//! msync, mlock (anonymous and file mappings), mincore, and svos_replay (a
//! replay region for the replacement study, [`crate::mm::policy`]).
//!
//! Every area these create is demand-paged: pages get a zeroed frame, or
//! their file page from the page cache, at their first access (see
//! [`crate::mm::addr_space`]), so mapping is cheap and memory is used only
//! as it is touched.

use super::errno::*;
use crate::fs::tmpfs::RegFile;
use crate::fs::Handle;
use crate::mm::addr_space::{Access, FaultError, FileMap, ProtectError, VmaHuge, VmaKind};
use crate::mm::address::{page_ceil, PAGE_SIZE, USER_TOP};
use crate::mm::mremap::RemapError;
use crate::mm::page_table::{MapError, PteFlags};
use crate::proc::exec::{USER_STACK_SIZE, USER_STACK_TOP};
use crate::proc::sched;
use alloc::sync::Arc;
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
        return *p.brk;
    }
    let new_end = page_ceil(addr);
    let Some(space) = p.space.as_mut() else { return *p.brk };
    match space.resize_area(VmaKind::Heap, p.brk_start, new_end, PteFlags::R | PteFlags::W) {
        Ok(()) => {
            *p.brk = addr;
            addr
        }
        Err(_) => *p.brk,
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

/// mmap(addr, len, prot, flags, fd, offset) (Linux mmap(2)): maps `len`
/// bytes (rounded up to pages) with `prot` (PROT_NONE allowed) and returns
/// the address. Anonymous private memory is zero-filled and demand-paged;
/// a file mapping maps the file's pages from `offset` on, from its page
/// cache at their first access: MAP_SHARED stores reach the file (a later
/// read() returns them), MAP_PRIVATE stores go to a private copy made at
/// the first store to each page. MAP_SHARED | MAP_ANONYMOUS is zeroed
/// memory that the processes a fork makes keep sharing (an unnamed tmpfs
/// file, as Linux's shmem). Without MAP_FIXED, `addr` is a hint used if
/// that range is free (and between the heap's reserve and [`MMAP_TOP`]);
/// otherwise the highest free range below [`MMAP_TOP`] is used. MAP_FIXED
/// replaces mmap'd mappings in the range; MAP_FIXED_NOREPLACE fails instead.
/// MAP_POPULATE (and an area mapped under mlockall(MCL_FUTURE)) faults
/// every page in before returning ([`populate`]; pages that get no frame
/// are left to fault later).
///
/// Errors (negative errno): -EINVAL for len 0, unknown prot bits, a bad
/// mapping type, an unaligned offset or fixed address, or a fixed range
/// over the program, heap or stack; -EBADF for a file mapping of a closed
/// fd; -ENODEV for one of a device, pipe or directory; -EACCES for a file
/// not open for reading, MAP_SHARED with PROT_WRITE on a file not open
/// read-write, or PROT_WRITE | PROT_EXEC; -EPERM for a fixed address below
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
    let shared = ty != MAP_PRIVATE;
    let len = page_ceil(len);
    if len == 0 || len > USER_TOP {
        return ENOMEM;
    }
    if flags & MAP_HUGETLB != 0 {
        return mmap_hugetlb(addr, len, perm, flags);
    }
    let file = if flags & MAP_ANONYMOUS == 0 {
        match file_of_fd(fd, off, shared, prot) {
            Ok(f) => Some(f),
            Err(e) => return e,
        }
    } else if shared {
        Some(shared_anon(len))
    } else {
        None
    };
    let heap_reserve = p.brk_start + super::mem::BRK_MAX;
    let Some(space) = p.space.as_mut() else { return EFAULT };
    let start = match place(space, addr, len, flags, PAGE_SIZE, heap_reserve) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mapped = match file {
        Some(f) => space.map_file(start, start + len, perm, f),
        None => space.map_area(start, start + len, perm, VmaKind::Anon),
    };
    if mapped.is_err() {
        return ENOMEM;
    }
    // MAP_POPULATE, or a locked area (mlockall(MCL_FUTURE)): faulted in
    // now; a page that gets no frame is left to fault later (as Linux
    // ignores mm_populate's failure here).
    if flags & MAP_POPULATE != 0 || space.vma_at(start).is_some_and(|v| v.locked) {
        let _ = populate(start, start + len);
    }
    start as isize
}

/// Faults in every page of `[s, e)` (page aligned) of the current process
/// whose area lets it be read, as a load would (Linux's __mm_populate, for
/// MAP_POPULATE and mlock). A page that needs the disk (a swap-in, or
/// reclaim's writes for a frame) sleeps without the kernel lock, like a
/// user fault; the space is looked up again after each sleep (another
/// thread may have changed it), and a page that left its area meanwhile is
/// skipped. -ENOMEM when a page gets no frame.
fn populate(s: usize, e: usize) -> Result<(), isize> {
    let mut va = s;
    while va < e {
        let Some(space) = sched::current().space.as_mut() else { return Err(EFAULT) };
        if !space.vma_at(va).is_some_and(|v| v.perm.contains(PteFlags::R)) {
            va += PAGE_SIZE;
            continue;
        }
        match space.user_access(va, Access::Load) {
            Ok(_) | Err(FaultError::Segv) => va += PAGE_SIZE,
            Err(FaultError::Wait(req)) => sched::wait_io(req),
            Err(FaultError::OutOfMemory) => return Err(ENOMEM),
        }
    }
    Ok(())
}

/// Where a new mapping of `len` bytes (a multiple of `align`, a power of
/// two of at least a page) goes, for mmap's `addr` and `flags`. MAP_FIXED:
/// at `addr` (aligned), unmapping what is there (-EINVAL if that would
/// split a hugetlb page); MAP_FIXED_NOREPLACE: at `addr` only if free
/// (-EEXIST); otherwise the hint `addr` if aligned, above the heap's
/// reserve and free, else the highest aligned start in the highest free
/// range of [`MMAP_TOP`]'s window that holds one (-ENOMEM if none).
/// -EINVAL for an unaligned fixed `addr`, -ENOMEM past the user half,
/// -EPERM below [`MMAP_MIN_ADDR`].
fn place(
    space: &mut crate::mm::addr_space::AddrSpace,
    addr: usize,
    len: usize,
    flags: usize,
    align: usize,
    heap_reserve: usize,
) -> Result<usize, isize> {
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        if !addr.is_multiple_of(align) {
            return Err(EINVAL);
        }
        if addr.checked_add(len).is_none_or(|e| e > USER_TOP) {
            return Err(ENOMEM);
        }
        if addr < MMAP_MIN_ADDR {
            return Err(EPERM);
        }
        if flags & MAP_FIXED_NOREPLACE != 0 {
            if !space.is_free(addr, addr + len) {
                return Err(EEXIST);
            }
        } else if !space.hugetlb_split_ok(addr, addr + len) || space.unmap_anon(addr, addr + len).is_err() {
            // Over part of a hugetlb page: the unmap cannot split it (Linux: -EINVAL).
            return Err(EINVAL);
        }
        return Ok(addr);
    }
    let hint_ok = addr != 0
        && addr.is_multiple_of(align)
        && addr >= heap_reserve
        && addr.checked_add(len).is_some_and(|e| e <= MMAP_TOP && space.is_free(addr, e));
    if hint_ok {
        return Ok(addr);
    }
    // The highest aligned start inside the highest free range that can hold one.
    let span = len + align - PAGE_SIZE;
    space.find_free(span, heap_reserve, MMAP_TOP).map(|s| (s + span - len) & !(align - 1)).ok_or(ENOMEM)
}

/// mmap with MAP_HUGETLB ([`crate::mm::hugetlb`]): `len` (page aligned)
/// rounded up to 2 MiB, at a 2 MiB-aligned address (the hint if aligned
/// and free, else the highest free one). -EINVAL for a file mapping,
/// MAP_SHARED, a page size other than 2 MiB, or an unaligned MAP_FIXED
/// address; -ENOMEM if the hugetlb pool has too few free pages.
fn mmap_hugetlb(addr: usize, len: usize, perm: PteFlags, flags: usize) -> isize {
    use crate::mm::huge_memory::HPAGE_SIZE;
    let size = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    if flags & MAP_ANONYMOUS == 0 || flags & MAP_TYPE != MAP_PRIVATE || (size != 0 && size != 21) {
        return EINVAL;
    }
    let Some(len) = len.checked_next_multiple_of(HPAGE_SIZE).filter(|&l| l <= USER_TOP) else { return ENOMEM };
    let p = sched::current();
    let heap_reserve = p.brk_start + super::mem::BRK_MAX;
    let Some(space) = p.space.as_mut() else { return EFAULT };
    let start = match place(space, addr, len, flags, HPAGE_SIZE, heap_reserve) {
        Ok(s) => s,
        Err(e) => return e,
    };
    match space.map_hugetlb(start, start + len, perm) {
        Ok(()) => start as isize,
        Err(MapError::AlreadyMapped) => EINVAL,
        Err(_) => ENOMEM,
    }
}

/// The file behind fd `fd` for a mapping from byte `off` (page aligned):
/// -EBADF (not open), -ENODEV (not a regular file), -EACCES (not open for
/// reading, or `shared` with PROT_WRITE and not open read-write).
fn file_of_fd(fd: usize, off: usize, shared: bool, prot: usize) -> Result<FileMap, isize> {
    let Some(Some(f)) = sched::current().fds.get(fd) else { return Err(EBADF) };
    let g = f.file.lock();
    let Handle::File(file) = &g.handle else { return Err(ENODEV) };
    let acc = g.flags & 3;
    if acc == 1 || (shared && prot & PROT_WRITE != 0 && acc != 2) {
        return Err(EACCES);
    }
    let ino = file.lock().ino;
    Ok(FileMap { file: file.clone(), pgoff: off / PAGE_SIZE, shared, name: Arc::from(g.path.as_str()), ino })
}

/// A new shared anonymous object of `len` bytes (zeros): an unnamed tmpfs
/// file, named as Linux's /proc/PID/maps names it.
fn shared_anon(len: usize) -> FileMap {
    let file = RegFile::new(&[], 0o600);
    let ino = {
        let mut g = file.lock();
        g.cache.set_len(len);
        g.ino
    };
    FileMap { file, pgoff: 0, shared: true, name: Arc::from("/dev/zero (deleted)"), ino }
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
    // A hugetlb page is unmapped whole or not at all.
    if !space.hugetlb_split_ok(addr, end) {
        return EINVAL;
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
    // In steps of 512 pages (a small buffer whatever the length), letting
    // other harts take the kernel lock in between.
    let mut va = addr;
    while va < end {
        let step_end = end.min(va + 512 * PAGE_SIZE);
        let Some(space) = sched::current().space.as_ref() else { return EFAULT };
        let Some(bytes) = space.residency(va, step_end) else { return ENOMEM };
        if let Err(e) = crate::proc::usercopy::copy_to_user(vec.wrapping_add((va - addr) / PAGE_SIZE), &bytes) {
            return e;
        }
        va = step_end;
        if va < end {
            crate::sync::kernel_relax();
        }
    }
    0
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
    if !space.hugetlb_split_ok(addr, end) {
        return EINVAL;
    }
    match space.protect_anon(addr, end, perm) {
        Ok(()) => 0,
        Err(ProtectError::Unmapped) => ENOMEM,
        Err(ProtectError::NotAnonymous) => EACCES,
        Err(ProtectError::TooManyAreas) => ENOMEM,
    }
}

/// The user range `[addr, addr + len)` with len rounded up to pages, if
/// `addr` is page aligned and the range fits the user half.
fn user_range(addr: usize, len: usize) -> Option<(usize, usize)> {
    let end = addr.checked_add(page_ceil(len))?;
    (addr.is_multiple_of(PAGE_SIZE) && end <= USER_TOP).then_some((addr, end))
}

/// mremap(old, old_len, new_len, flags, new_addr) (Linux mremap(2)) on a
/// mapping mmap made: shrinks it in place, grows it in place when the
/// range after it is free, or (MREMAP_MAYMOVE) moves it with its pages to
/// a free range, or to `new_addr` with MREMAP_FIXED; returns its address.
/// -EINVAL for an unaligned address, new_len 0, unknown flags,
/// MREMAP_FIXED without MREMAP_MAYMOVE, old_len 0 (svos does not duplicate
/// shared mappings), overlapping fixed ranges, or (svos) the program, heap
/// or stack; -EFAULT when the old range is not inside one mapping;
/// -ENOMEM when it cannot grow in place without MREMAP_MAYMOVE or no range is free.
pub fn sys_mremap(old: usize, old_len: usize, new_len: usize, flags: usize, new_addr: usize) -> isize {
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0 || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0) {
        return EINVAL;
    }
    let (Some((old, old_end)), Some(new_len)) = (user_range(old, old_len), Some(page_ceil(new_len))) else {
        return EINVAL;
    };
    if old_end == old || new_len == 0 || new_len > USER_TOP {
        return EINVAL;
    }
    let fixed = (flags & MREMAP_FIXED != 0).then_some(new_addr);
    if fixed.is_some_and(|a| !a.is_multiple_of(PAGE_SIZE) || a < MMAP_MIN_ADDR) {
        return EINVAL;
    }
    let p = sched::current();
    let lo = p.brk_start + BRK_MAX;
    let Some(space) = p.space.as_mut() else { return EFAULT };
    // hugetlb areas do not move or resize (svos; Linux allows aligned moves).
    if space.hugetlb_overlaps(old, old_end) {
        return EINVAL;
    }
    match space.mremap(old, old_end - old, new_len, flags & MREMAP_MAYMOVE != 0, fixed, (lo, MMAP_TOP)) {
        Ok(a) => a as isize,
        Err(RemapError::Fault) => EFAULT,
        Err(RemapError::Invalid) => EINVAL,
        Err(RemapError::NoMemory) => ENOMEM,
    }
}

/// madvise(addr, len, advice) (Linux madvise(2)): MADV_DONTNEED drops the
/// range's private pages (anonymous ones read as zero at the next touch,
/// private file pages as the file's again; shared mappings keep their
/// data, which is the file's; ELF segments are kept); MADV_WILLNEED reads
/// the file pages of the range into the page cache; MADV_HUGEPAGE and
/// MADV_NOHUGEPAGE mark the areas (split at the range's ends) as wanting or
/// refusing transparent megapages ([`crate::mm::huge_memory`]); the other advice
/// Linux knows (MADV_NORMAL .. MADV_PAGEOUT, e.g. MADV_FREE)
/// is accepted as a hint svos does not act on. -EINVAL for an unaligned
/// `addr`, unknown advice, or MADV_DONTNEED over mlock'd pages; -ENOMEM if
/// a page of the range is not mapped.
pub fn sys_madvise(addr: usize, len: usize, advice: usize) -> isize {
    let Some((s, e)) = user_range(addr, len) else { return EINVAL };
    if advice > 21 || (5..=7).contains(&advice) {
        return EINVAL;
    }
    let Some(space) = sched::current().space.as_mut() else { return EFAULT };
    if advice == MADV_DONTNEED && (space.vmas().overlapping(s, e).any(|v| v.locked) || space.hugetlb_overlaps(s, e)) {
        return EINVAL;
    }
    let mapped = match advice {
        MADV_DONTNEED => space.discard(s, e),
        MADV_WILLNEED => space.will_need(s, e),
        MADV_HUGEPAGE | MADV_NOHUGEPAGE => {
            let huge = if advice == MADV_HUGEPAGE { VmaHuge::Advised } else { VmaHuge::Refused };
            match space.advise_huge(s, e, huge) {
                Ok(()) => true,
                Err(false) => false,
                Err(true) => return ENOMEM,
            }
        }
        _ => space.vmas().overlapping(s, e).map(|v| v.end.min(e) - v.start.max(s)).sum::<usize>() == e - s,
    };
    if mapped {
        0
    } else {
        ENOMEM
    }
}

/// msync(addr, len, flags) (Linux msync(2)): a MAP_SHARED store is already
/// in the file's page cache, which is the file (tmpfs and the initrd have
/// no disk to write back to), so there is nothing to wait for: 0.
/// -EINVAL for an unaligned `addr`, unknown flags, or MS_SYNC with
/// MS_ASYNC; -ENOMEM if a page of the range is not mapped.
pub fn sys_msync(addr: usize, len: usize, flags: usize) -> isize {
    let Some((s, e)) = user_range(addr, len) else { return EINVAL };
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || (flags & MS_SYNC != 0 && flags & MS_ASYNC != 0) {
        return EINVAL;
    }
    let Some(space) = sched::current().space.as_ref() else { return EFAULT };
    if space.vmas().overlapping(s, e).map(|v| v.end.min(e) - v.start.max(s)).sum::<usize>() == e - s {
        0
    } else {
        ENOMEM
    }
}

/// mlock(addr, len) (`lock`) and munlock (Linux mlock(2)): the pages of
/// `[addr, addr + len)` (addr rounded down, the end up, to pages) are
/// faulted in and stay resident until unlocked or unmapped (reclaim skips
/// them), or lose that. mlock2's MLOCK_ONFAULT is treated as mlock (pages
/// are faulted in at once). 0 for len 0. -ENOMEM if a page of the range is
/// not mapped, or no frame can be had for one; -EINVAL for a range leaving
/// the user half.
pub fn sys_mlock(addr: usize, len: usize, lock: bool) -> isize {
    let s = addr & !(PAGE_SIZE - 1);
    let Some(e) = addr.checked_add(len).map(page_ceil).filter(|&e| e <= USER_TOP) else { return EINVAL };
    if e <= s {
        return 0;
    }
    let Some(space) = sched::current().space.as_mut() else { return EFAULT };
    if space.set_locked(s, e, lock).is_err() {
        return ENOMEM;
    }
    if lock {
        if let Err(e) = populate(s, e) {
            return e;
        }
    }
    0
}

/// mlockall(flags) (Linux mlockall(2); munlockall is flags 0): MCL_CURRENT
/// locks every area now, MCL_FUTURE every area mapped later (MCL_ONFAULT
/// accepted, pages are faulted in at once). -EINVAL for no or unknown
/// flags, or MCL_ONFAULT alone; -ENOMEM when a page gets no frame.
pub fn sys_mlockall(flags: usize) -> isize {
    const MCL_CURRENT: usize = 1;
    const MCL_FUTURE: usize = 2;
    const MCL_ONFAULT: usize = 4;
    let unlock = flags == 0;
    if !unlock && (flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags & (MCL_CURRENT | MCL_FUTURE) == 0) {
        return EINVAL;
    }
    let Some(space) = sched::current().space.as_mut() else { return EFAULT };
    if space.lock_all(flags & MCL_CURRENT != 0, flags & MCL_FUTURE != 0).is_err() {
        return ENOMEM;
    }
    if flags & MCL_CURRENT != 0 {
        let areas: alloc::vec::Vec<(usize, usize)> = space.vmas().iter().map(|v| (v.start, v.end)).collect();
        for (s, e) in areas {
            if let Err(e) = populate(s, e) {
                return e;
            }
        }
    }
    0
}
