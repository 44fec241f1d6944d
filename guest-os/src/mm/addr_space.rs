//! A user address space: a page table plus the areas (VMAs) mapped in it and
//! the frames that back them. Dropping it frees every frame (leaves and
//! page-table pages).
//!
//! Demand paging: ELF segments are mapped when created; every other area
//! (stack, brk heap, anonymous mmap) gets a zeroed frame only at the first
//! access to each page. The first access traps (instruction, load or
//! store/AMO page fault, privileged spec 4.1.9); [`AddrSpace::handle_fault`]
//! checks the access against the area's permissions and maps the page: a
//! *minor fault* (no I/O). Accesses outside every area or against its
//! permissions are refused (the caller kills the process with SIGSEGV).
//!
//! The mechanisms live in their own modules, each adding methods to
//! [`AddrSpace`]: [`super::vma`] (the areas), [`super::mmap`] (brk, mmap,
//! munmap, mprotect on a space), [`super::fault`] (page faults, user frame
//! allocation), [`super::cow`] (copy-on-write fork), [`super::vmscan`]
//! (choosing and swapping out victims), [`super::swap`] (swap slots).
//!
//! Every hart that switched to the space may cache its translations (under
//! its ASID), even after it switched away: [`AddrSpace::activate`] records
//! it in a hart mask. Before frames of the space are freed (pages unmapped
//! by brk, the whole space on exit and exec), the other harts of the mask
//! flush their TLBs ([`crate::smp::shootdown`]). After a shootdown the
//! mask keeps the calling hart and every hart that has the space in satp
//! now ([`crate::smp::harts_using_root`]): reclaim evicts pages of
//! processes running on other harts, which refill their TLBs at once.

use super::address::{PhysAddr, VirtAddr, VirtPageNum, PAGE_SIZE, USER_TOP};
use super::cow::PageFrame;
use super::kernel_space::kernel_root;
use super::page_table::{MapError, PageTable, PteFlags};
use super::swap::SwapSlot;
use super::vma::VmaSet;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

pub use super::fault::{Access, FaultError, Resolved};
pub use super::mmap::ProtectError;
pub use super::vma::{FileMap, Vma, VmaHuge, VmaKind};

/// Memory statistics of an address space (getrusage's ru_minflt, ru_majflt
/// and ru_maxrss come from these).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct MemUsage {
    /// Minor faults: pages given a zeroed frame at their first access.
    pub minor_faults: u64,
    /// Major faults: pages read back from swap.
    pub major_faults: u64,
    /// Most user frames resident at once (pages, not counting page tables).
    pub peak_resident: usize,
}

impl MemUsage {
    /// Adds `other`'s faults and keeps the larger peak.
    pub fn merge(&mut self, other: MemUsage) {
        self.minor_faults += other.minor_faults;
        self.major_faults += other.major_faults;
        self.peak_resident = self.peak_resident.max(other.peak_resident);
    }
}

/// A process's address space (lower half) with the kernel's upper half shared.
pub struct AddrSpace {
    pub(super) pt: PageTable,
    /// The areas, by start address.
    pub(super) vmas: VmaSet,
    /// The frame of each page that has one; shared (copy-on-write) between
    /// the address spaces of a fork until one of them writes the page.
    pub(super) frames: BTreeMap<VirtPageNum, PageFrame>,
    /// The swap slot of each page that was swapped out (its PTE is a swap
    /// entry). Shared between the spaces of a fork like frames: the first
    /// space to fault the page in reads it, the others find that frame in
    /// the swap cache ([`super::swap_cache`]); the slot is freed with its
    /// last reference.
    pub(super) swapped: BTreeMap<VirtPageNum, Arc<SwapSlot>>,
    /// Pages being read back from swap (a major fault and its read-ahead),
    /// until the fault maps them ([`super::fault`]).
    pub(super) reading: BTreeMap<VirtPageNum, super::fault::Reading>,
    /// Set while the kernel handles a fault it cannot sleep in (a system
    /// call's copy, exec's writes): allocation reclaims directly instead
    /// of waiting for kswapd.
    pub(super) polling: bool,
    /// How a method of this space waits for the disk
    /// ([`AddrSpace::set_disk_waiter`]): None polls.
    pub(super) disk_waiter: Option<fn(crate::drivers::virtio_blk::ReqId)>,
    /// The 2 MiB pages of hugetlb areas, by first page ([`super::hugetlb`]).
    pub(super) hugetlb: BTreeMap<VirtPageNum, super::hugetlb::HugetlbPage>,
    /// Page replacement state: load order, A-bit ages, the clock hand,
    /// RLIMIT_RSS and the replay region ([`super::policy`]).
    pub(super) replacement: super::policy::Replacement,
    /// ASID and its generation (see [`super::asid`]); generation 0 = none yet.
    pub(super) asid: u16,
    asid_gen: u64,
    /// Harts that may cache translations of this space (bit i = hart i).
    harts: u64,
    /// Harts that executed `fence.i` since this space's code was written
    /// (by exec or fork, through the direct map): the others must before
    /// running it (unprivileged spec, Zifencei: fence.i orders only the
    /// local hart's instruction fetches).
    icache_synced: u64,
    /// Faults and peak resident pages of this space.
    pub(super) usage: MemUsage,
    /// mlockall(MCL_FUTURE): areas mapped from now on are locked.
    pub(super) lock_future: bool,
}

impl AddrSpace {
    /// An empty user address space sharing the kernel mappings.
    pub fn new_user() -> Result<Self, MapError> {
        Ok(AddrSpace {
            pt: PageTable::new_user(kernel_root())?,
            vmas: VmaSet::new(),
            frames: BTreeMap::new(),
            swapped: BTreeMap::new(),
            reading: BTreeMap::new(),
            polling: false,
            disk_waiter: None,
            hugetlb: BTreeMap::new(),
            replacement: Default::default(),
            asid: 0,
            asid_gen: 0,
            harts: 0,
            icache_synced: 0,
            usage: MemUsage::default(),
            lock_future: false,
        })
    }

    /// Switches the hart to this address space: satp = mode | ASID | root,
    /// with an ASID from [`super::asid::assign`] (no flush unless a
    /// generation ended).
    ///
    /// # Safety
    /// The table must map the kernel as the kernel page table does (it does:
    /// the upper half is shared).
    pub unsafe fn activate(&mut self) {
        let asid = super::asid::assign(&mut self.asid, &mut self.asid_gen);
        let me = 1 << crate::smp::hart_id();
        self.harts |= me;
        if self.icache_synced & me == 0 {
            core::arch::asm!("fence.i");
            self.icache_synced |= me;
        }
        let satp = self.pt.satp() | ((asid as usize) << 44);
        core::arch::asm!("csrw satp, {0}", in(reg) satp);
        crate::smp::set_user_root(self.pt.root().0);
    }

    /// The page table (for satp and software translation).
    pub fn page_table(&self) -> &PageTable {
        &self.pt
    }

    /// The areas, by start address.
    pub fn vmas(&self) -> &VmaSet {
        &self.vmas
    }

    /// Number of user frames (not counting page-table pages or swapped-out pages).
    pub fn resident_pages(&self) -> usize {
        self.frames.len()
    }

    /// mincore(2)'s view of `[start, end)` (page aligned): one byte per
    /// page, 1 if the page has a frame (mapped or not: exact LRU and
    /// PROT_NONE keep frames without a PTE), else 0 (never touched, swapped
    /// out, or evicted). Touches no page, so no A bit changes. `None` if a
    /// page of the range is in no area (mincore's -ENOMEM).
    pub fn residency(&self, start: usize, end: usize) -> Option<alloc::vec::Vec<u8>> {
        let mut out = alloc::vec::Vec::new();
        let mut va = start;
        while va < end {
            self.vmas.find(va)?;
            out.push(u8::from(self.frames.contains_key(&VirtAddr(va).floor())));
            va += PAGE_SIZE;
        }
        Some(out)
    }

    /// Minor faults and peak resident pages of this space so far.
    pub fn usage(&self) -> MemUsage {
        self.usage
    }

    /// The physical address of user `va` for an access by the kernel on the
    /// process's behalf (system-call buffers): like a user access, a page of
    /// an area that allows it but has no frame yet is faulted in, and a
    /// store to a copy-on-write page copies it (each counted as a minor
    /// fault). [`FaultError::Wait`] when the page needs the disk first (a
    /// swap-in, reclaim's writes): the caller sleeps for the request
    /// without holding any reference into the space or any spin lock, and
    /// calls again ([`crate::proc::usercopy`]).
    pub fn user_access(&mut self, va: usize, access: Access) -> Result<PhysAddr, FaultError> {
        if va >= USER_TOP {
            return Err(FaultError::Segv);
        }
        let usable = |flags: PteFlags| flags.contains(access.needs() | PteFlags::U);
        if !self.pt.translate(VirtAddr(va)).is_some_and(|(_, flags)| usable(flags)) {
            self.handle_fault(va, access)?;
        }
        let (pa, flags) = self.pt.translate(VirtAddr(va)).ok_or(FaultError::Segv)?;
        // The kernel's access goes through the direct map, which the hart
        // does not track in this PTE: svos sets A (and D for a write) itself,
        // so reclaim sees the page used and a written page is never dropped
        // as clean.
        let dirty = access == Access::Store;
        if !flags.contains(PteFlags::A) || (dirty && !flags.contains(PteFlags::D)) {
            self.pt.set_accessed(VirtAddr(va).floor(), dirty);
        }
        Ok(pa)
    }

    /// Lets the methods that wait for the disk inside the space
    /// ([`Self::write_bytes`], the populate of an anonymous ELF segment)
    /// sleep with `waiter` (the scheduler's wait, which releases the kernel
    /// lock) instead of polling the disk with it held; None: poll (counted
    /// as `disk_polls`). Only for a space no other thread can reach while
    /// the waiter sleeps: exec's new space, before it is installed
    /// ([`crate::proc::exec`]). A space in use by a process waits in the
    /// caller instead, holding no reference into it across the sleep
    /// ([`crate::proc::usercopy`], mlock's populate).
    pub fn set_disk_waiter(&mut self, waiter: Option<fn(crate::drivers::virtio_blk::ReqId)>) {
        self.disk_waiter = waiter;
    }

    /// Waits for disk request `req` as [`Self::set_disk_waiter`] says.
    pub(super) fn wait_disk(&self, req: crate::drivers::virtio_blk::ReqId) {
        match self.disk_waiter {
            Some(sleep) => sleep(req),
            None => crate::drivers::virtio_blk::wait_polling(req),
        }
    }

    /// TLB shootdown for this space: the other harts that may cache it
    /// flush; afterwards only this hart and the harts that run the space
    /// now (its root table in their satp) may.
    ///
    /// Panics if a hart runs the space (its root in that hart's satp:
    /// a thread of the process there) without being in the mask: that
    /// hart would keep stale translations.
    pub(super) fn shootdown(&mut self) {
        let running = crate::smp::harts_using_root(self.pt.root().0);
        assert!(
            running & !self.harts == 0,
            "harts {:#x} run the address space of root {:#x} outside its shootdown mask {:#x}",
            running,
            self.pt.root().0,
            self.harts
        );
        crate::smp::shootdown(self.harts);
        // The harts that still run the space (the caller may be reclaiming
        // it from another hart's process: [`crate::proc::sched::reclaim`])
        // refill their TLBs from it at once: they stay in the mask, or the
        // next shootdown would miss them and they would keep writing to
        // frames already evicted and reused.
        self.harts &= (1 << crate::smp::hart_id()) | crate::smp::harts_using_root(self.pt.root().0);
    }

    /// Copies `data` to user address `va` from the kernel side, ignoring user
    /// permissions (used by exec). Every page must lie in an area; pages
    /// without a valid PTE (the stack) are faulted in ([`Self::fault_in`]),
    /// and shared frames (page cache, copy-on-write) copied first. Waits
    /// for the disk (a swap-in, reclaim's writes) with
    /// [`Self::set_disk_waiter`]'s waiter.
    pub fn write_bytes(&mut self, va: usize, data: &[u8]) -> Result<(), MapError> {
        // Without a waiter that sleeps, allocation reclaims directly
        // instead of waiting for kswapd.
        let was = core::mem::replace(&mut self.polling, self.disk_waiter.is_none());
        let r = self.write_bytes_waiting(va, data);
        self.polling = was;
        r
    }

    fn write_bytes_waiting(&mut self, va: usize, data: &[u8]) -> Result<(), MapError> {
        let mut done = 0;
        while done < data.len() {
            let cur = va + done;
            let vpn = VirtAddr(cur).floor();
            let r = if self.pt.translate(VirtAddr(cur)).is_none() {
                let vma = self.vma_at(cur).ok_or(MapError::NotMapped)?.clone();
                self.fault_in(vpn, &vma).map(|_| ())
            } else if matches!(self.frames.get(&vpn), Some(PageFrame::Shared(_))) {
                // A page-cache (or forked) frame: written on a private copy.
                let perm = self.vma_at(cur).ok_or(MapError::NotMapped)?.perm;
                self.break_cow(vpn, perm)
            } else {
                Ok(())
            };
            match r {
                Err(FaultError::Wait(req)) => {
                    self.wait_disk(req);
                    continue;
                }
                Err(FaultError::Segv) => return Err(MapError::NotMapped),
                Err(FaultError::OutOfMemory) => return Err(MapError::OutOfMemory),
                Ok(()) => {}
            }
            if matches!(self.frames.get(&vpn), Some(PageFrame::Shared(_))) {
                // Faulted in just now as a shared frame: copied next round.
                continue;
            }
            let (pa, _) = self.pt.translate(VirtAddr(cur)).ok_or(MapError::NotMapped)?;
            // Written through the direct map: D set by hand (see user_access).
            self.pt.set_accessed(vpn, true);
            let n = (PAGE_SIZE - pa.page_offset()).min(data.len() - done);
            // SAFETY: pa..pa+n lies in one frame owned by this address space.
            unsafe {
                core::ptr::copy_nonoverlapping(data[done..].as_ptr(), pa.to_kva() as *mut u8, n);
            }
            done += n;
        }
        Ok(())
    }
}

impl Drop for AddrSpace {
    /// Before the fields (frames, page-table pages) are freed: no hart may
    /// still cache a translation of the space. This hart flushes its ASID
    /// (the caller has switched to another table), the others flush by IPI.
    fn drop(&mut self) {
        // Frames the disk may still fill are freed only once it is done.
        for r in core::mem::take(&mut self.reading).into_values() {
            r.orphan();
        }
        if self.asid_gen != 0 {
            unsafe { core::arch::asm!("sfence.vma zero, {0}", in(reg) self.asid as usize) };
        }
        self.shootdown();
    }
}

/// Physical address of user `va`, for reports.
pub fn phys_of(space: &AddrSpace, va: usize) -> Option<PhysAddr> {
    space.pt.translate(VirtAddr(va)).map(|(pa, _)| pa)
}
