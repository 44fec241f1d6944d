//! Locking pages in memory (Linux's mm/mlock.c): mlock, munlock,
//! mlockall and munlockall on an address space mark areas locked; reclaim
//! never evicts their pages ([`super::vmscan`] skips locked areas);
//! /proc/PID/status reports them as VmLck. The system calls then fault
//! the pages in (and, after mlockall(MCL_FUTURE), mmap those of a new
//! area), as Linux's __mm_populate does after dropping the mmap lock:
//! outside the space's methods, so that a page that needs the disk
//! sleeps without the kernel lock ([`crate::syscall::mem`]).
//!
//! svos runs every process as root, which Linux exempts from
//! RLIMIT_MEMLOCK (CAP_IPC_LOCK): there is no per-process limit.

use super::addr_space::AddrSpace;
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
    /// locked or not (splitting those that straddle an end). The caller
    /// faults the pages in.
    pub fn set_locked(&mut self, s: usize, e: usize, locked: bool) -> Result<(), LockError> {
        self.vmas.lock_range(s, e, locked).map_err(|err| match err {
            VmaError::Unmapped => LockError::Unmapped,
            _ => LockError::NoMemory,
        })
    }

    /// mlockall(MCL_CURRENT) (`current`) and MCL_FUTURE (`future`: areas
    /// mapped from now on are locked); munlockall is both false. The
    /// caller faults the pages of the areas in.
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
