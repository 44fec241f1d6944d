//! Locking pages in memory (Linux's mm/mlock.c): mlock, munlock,
//! mlockall and munlockall on an address space. A locked area's pages are
//! faulted in when it is locked (and, after mlockall(MCL_FUTURE), when a
//! new area is mapped) and reclaim never evicts them ([`super::vmscan`]
//! skips locked areas); /proc/PID/status reports them as VmLck.
//!
//! svos runs every process as root, which Linux exempts from
//! RLIMIT_MEMLOCK (CAP_IPC_LOCK): there is no per-process limit.

use super::addr_space::{Access, AddrSpace, FaultError};
use super::address::PAGE_SIZE;
use super::page_table::PteFlags;
use super::vma::VmaError;
use alloc::vec::Vec;

/// Why a lock request failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LockError {
    /// A page of the range is in no area (Linux: -ENOMEM).
    Unmapped,
    /// A page could not be given a frame, or too many areas (-ENOMEM; Linux
    /// says -EAGAIN when some pages could not be locked).
    NoMemory,
}

impl AddrSpace {
    /// mlock / munlock over `[s, e)` (page aligned): marks the areas
    /// locked or not (splitting those that straddle an end) and, when
    /// locking, faults in every accessible page of the range.
    pub fn set_locked(&mut self, s: usize, e: usize, locked: bool) -> Result<(), LockError> {
        self.vmas.lock_range(s, e, locked).map_err(|err| match err {
            VmaError::Unmapped => LockError::Unmapped,
            _ => LockError::NoMemory,
        })?;
        if locked {
            self.populate_locked(s, e)?;
        }
        Ok(())
    }

    /// mlockall(MCL_CURRENT) (`current`) and MCL_FUTURE (`future`: areas
    /// mapped from now on are locked); munlockall is both false.
    pub fn lock_all(&mut self, current: bool, future: bool) -> Result<(), LockError> {
        self.lock_future = future;
        let ranges: Vec<(usize, usize)> = self.vmas.iter().map(|v| (v.start, v.end)).collect();
        for (s, e) in ranges {
            if current || !future {
                self.set_locked(s, e, current)?;
            }
        }
        Ok(())
    }

    /// Faults in every page of `[s, e)` that its area lets be read.
    pub(super) fn populate_locked(&mut self, s: usize, e: usize) -> Result<(), LockError> {
        let mut va = s;
        while va < e {
            let readable = self.vmas.find(va).is_some_and(|v| v.perm.contains(PteFlags::R));
            if readable {
                match self.user_access_polling(va, Access::Load) {
                    Ok(_) | Err(FaultError::Segv) => {}
                    Err(FaultError::OutOfMemory | FaultError::Wait(_)) => return Err(LockError::NoMemory),
                }
            }
            va += PAGE_SIZE;
        }
        Ok(())
    }

    /// Resident pages of locked areas (VmLck, in pages).
    pub fn locked_pages(&self) -> usize {
        self.vmas
            .iter()
            .filter(|v| v.locked)
            .map(|v| {
                self.frames
                    .range(super::address::VirtAddr(v.start).floor()..super::address::VirtAddr(v.end).floor())
                    .count()
            })
            .sum()
    }
}
