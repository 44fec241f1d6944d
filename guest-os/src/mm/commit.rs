//! Overcommit accounting (Linux's mm/util.c `__vm_enough_memory`,
//! Documentation/mm/overcommit-accounting.rst): the *commit charge* of
//! every private writable area, and the policy that refuses a mapping
//! when the charge would be too large.
//!
//! - The charge ([`committed`], meminfo's Committed_AS) is kept by the
//!   code that maps: [`super::vma::VmaSet`] charges an area with
//!   `account` set (Linux's VM_ACCOUNT: private and writable when made,
//!   or made writable by mprotect; it stays accounted when mprotect takes
//!   W away, as in Linux) when it is inserted (mmap, ELF segments, the
//!   stack at exec, mremap's move), grown (brk, mremap in place, stack
//!   growth) or copied (fork), and releases it when the area shrinks or
//!   goes (munmap, brk, mremap, exec and exit dropping the space). It is
//!   never recomputed by walking the areas. MAP_SHARED mappings (files and
//!   shared anonymous memory) are not charged (Linux charges shared
//!   anonymous memory once, for its shmem object; svos does not).
//! - The policy, vm.overcommit_memory ([`mode`]): 0 (heuristic, the
//!   default) refuses only a single charge larger than RAM + swap; 1
//!   always grants; 2 grants while the total charge stays below
//!   [`commit_limit`] = swap + RAM x vm.overcommit_ratio / 100 (50 by
//!   default), less min(total_vm / 32, vm.user_reserve_kbytes) of the
//!   charging process (svos runs everything as root, so Linux's
//!   admin_reserve_kbytes does not apply).
//! - Set at boot by `vm.overcommit_memory=N` and `vm.overcommit_ratio=N`,
//!   and at run time through /proc/sys/vm/overcommit_memory and
//!   overcommit_ratio.

use super::address::PAGE_SIZE;
use core::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// vm.overcommit_memory 0: refuse only obvious overcommits.
pub const OVERCOMMIT_GUESS: usize = 0;
/// vm.overcommit_memory 1: never refuse.
pub const OVERCOMMIT_ALWAYS: usize = 1;
/// vm.overcommit_memory 2: keep the charge under [`commit_limit`].
pub const OVERCOMMIT_NEVER: usize = 2;

static MODE: AtomicUsize = AtomicUsize::new(OVERCOMMIT_GUESS);
static RATIO: AtomicUsize = AtomicUsize::new(50);
/// vm.user_reserve_kbytes (set at boot: min(free KiB / 32, 128 MiB), mm/mmap.c init_user_reserve).
static USER_RESERVE_KB: AtomicUsize = AtomicUsize::new(0);
/// The commit charge of every space, in pages (Linux's vm_committed_as).
static COMMITTED: AtomicIsize = AtomicIsize::new(0);

/// The overcommit policy now: 0, 1 or 2 (vm.overcommit_memory).
pub fn mode() -> usize {
    MODE.load(Relaxed)
}

/// Sets vm.overcommit_memory; -EINVAL outside 0..=2, as Linux's
/// proc_dointvec_minmax.
pub fn set_mode(m: usize) -> Result<(), isize> {
    if m > OVERCOMMIT_NEVER {
        return Err(crate::syscall::errno::EINVAL);
    }
    MODE.store(m, Relaxed);
    Ok(())
}

/// vm.overcommit_ratio, percent of RAM that mode 2 lets be committed (on top of swap).
pub fn ratio() -> usize {
    RATIO.load(Relaxed)
}

/// Sets vm.overcommit_ratio (any percentage; over 100 lets mode 2 commit more than RAM).
pub fn set_ratio(r: usize) {
    RATIO.store(r, Relaxed);
}

/// Reads `vm.overcommit_memory=N` and `vm.overcommit_ratio=N` from the
/// bootargs (a bad value is reported and the default kept), and sets
/// vm.user_reserve_kbytes from the free frames. Call once the frame
/// allocator holds RAM.
pub fn init(bootargs: &str) {
    let free_kb = super::frame::stats().0 * (PAGE_SIZE / 1024);
    USER_RESERVE_KB.store((free_kb / 32).min(1 << 17), Relaxed);
    for arg in bootargs.split_whitespace() {
        if let Some(v) = arg.strip_prefix("vm.overcommit_memory=") {
            if v.parse().ok().and_then(|m| set_mode(m).ok()).is_none() {
                crate::println!("[svos] bad vm.overcommit_memory={}, using {}", v, mode());
            }
        } else if let Some(v) = arg.strip_prefix("vm.overcommit_ratio=") {
            match v.parse() {
                Ok(r) => set_ratio(r),
                Err(_) => crate::println!("[svos] bad vm.overcommit_ratio={}, using {}", v, ratio()),
            }
        }
    }
}

/// The commit charge of every address space, in pages (meminfo's Committed_AS).
pub fn committed() -> usize {
    COMMITTED.load(Relaxed).max(0) as usize
}

/// CommitLimit in pages (Linux's vm_commit_limit): RAM frames x
/// vm.overcommit_ratio / 100, plus swap slots. Enforced only in mode 2.
pub fn commit_limit() -> usize {
    super::frame::stats().1 * ratio() / 100 + super::swap::slots()
}

/// Charges `pages` to the commit charge if the policy grants them
/// (Linux's __vm_enough_memory for a root process whose areas total
/// `total_vm` pages): -ENOMEM leaves the charge as it was. See the module
/// doc for the three modes.
pub fn vm_enough_memory(pages: usize, total_vm: usize) -> Result<(), isize> {
    let now = COMMITTED.fetch_add(pages as isize, Relaxed) + pages as isize;
    let granted = match mode() {
        OVERCOMMIT_ALWAYS => true,
        OVERCOMMIT_GUESS => pages <= super::frame::stats().1 + super::swap::slots(),
        _ => {
            let reserve = (total_vm / 32).min(USER_RESERVE_KB.load(Relaxed) / (PAGE_SIZE / 1024));
            let allowed = commit_limit() as isize - reserve as isize;
            now.max(0) < allowed
        }
    };
    if !granted {
        unacct(pages);
        return Err(crate::syscall::errno::ENOMEM);
    }
    Ok(())
}

/// Releases `pages` of commit charge (an accounted area shrank or went).
pub fn unacct(pages: usize) {
    COMMITTED.fetch_sub(pages as isize, Relaxed);
}
