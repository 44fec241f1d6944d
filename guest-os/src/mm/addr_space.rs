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
//! Swap (when a virtio-blk disk is attached, [`super::swap`]): a user-page
//! allocation that finds fewer than [`super::swap::LOW_WATERMARK`] free
//! frames first evicts pages of the same space (local replacement; only if
//! it has none left are other processes' pages evicted, by
//! [`crate::proc::sched::reclaim_from_others`]), chosen
//! by the clock (second-chance) algorithm over its resident swappable pages
//! (private frames of demand-zero areas; ELF pages, copy-on-write shared
//! frames and page-table pages stay). The referenced bit is the PTE's V bit,
//! managed by svos alone: the clock's first pass over a page removes its PTE
//! (the frame stays) and a later access faults and maps it again (a minor
//! fault), so the same faults happen whether or not the hart updates A/D in
//! hardware. A page the clock finds unreferenced is written to a swap slot,
//! its PTE becomes a swap entry holding the slot number, the other harts
//! flush, and the frame is freed. A fault on a swap entry is a *major
//! fault*: a frame (possibly evicting another page), the slot's contents
//! read back, the slot freed, the page mapped.
//!
//! Every hart that switched to the space may cache its translations (under
//! its ASID), even after it switched away: [`AddrSpace::activate`] records
//! it in a hart mask. Before frames of the space are freed (pages unmapped
//! by brk, the whole space on exit and exec), the other harts of the mask
//! flush their TLBs ([`crate::smp::shootdown`]).

use super::address::{
    levels, page_ceil, page_floor, PhysAddr, PhysPageNum, VirtAddr, VirtPageNum, PAGE_SIZE, USER_TOP,
};
use super::frame::{frame_alloc, FrameTracker};
use super::kernel_space::kernel_root;
use super::page_table::{MapError, PageTable, PteFlags};
use super::swap::{self, SwapSlot};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// What an area holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum VmaKind {
    /// A PT_LOAD segment of the program's ELF.
    Elf,
    /// The brk heap.
    Heap,
    /// The user stack.
    Stack,
    /// An anonymous private mapping made by mmap.
    Anon,
}

impl VmaKind {
    /// True if pages of this kind are given frames at the first access
    /// rather than when the area is created (every kind but ELF segments,
    /// whose pages hold file data written at exec).
    pub fn is_demand_zero(self) -> bool {
        self != VmaKind::Elf
    }
}

/// The kind of memory access that faulted (privileged spec 4.1.9, Table
/// 4.2: scause 12 instruction, 13 load, 15 store/AMO page fault).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch: needs X.
    Fetch,
    /// Load (or a kernel read of user memory): needs R.
    Load,
    /// Store or AMO (or a kernel write to user memory): needs W.
    Store,
}

impl Access {
    /// The access of a page-fault exception code (12, 13, 15), or `None`
    /// for any other code.
    pub fn of_page_fault(code: usize) -> Option<Access> {
        match code {
            12 => Some(Access::Fetch),
            13 => Some(Access::Load),
            15 => Some(Access::Store),
            _ => None,
        }
    }
    /// The PTE permission bit this access needs.
    pub fn needs(self) -> PteFlags {
        match self {
            Access::Fetch => PteFlags::X,
            Access::Load => PteFlags::R,
            Access::Store => PteFlags::W,
        }
    }
}

/// Why a page fault could not be resolved.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No area contains the address, or its permissions refuse the access:
    /// a segmentation violation (SIGSEGV).
    Segv,
    /// No free frame for the page (or for a page-table page).
    OutOfMemory,
}

/// Why [`AddrSpace::protect_anon`] refused a range.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProtectError {
    /// A page of the range is in no area.
    Unmapped,
    /// A page of the range is in an ELF, heap or stack area.
    NotAnonymous,
}

/// How a page fault was resolved.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A zeroed frame was mapped, or a resident frame mapped again: a minor fault.
    Minor,
    /// The page was read back from its swap slot: a major fault.
    Major,
    /// The page was already mapped with the needed permission (a stale TLB
    /// entry of this hart): fenced, nothing mapped, not counted.
    Spurious,
}

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

/// The frame behind one user page: owned by this address space alone, or
/// shared copy-on-write with the spaces of a fork (reference-counted; the
/// frame is freed with its last reference). Private frames need no heap
/// allocation, so demand-zero faults stay cheap.
#[derive(Debug)]
enum PageFrame {
    /// Only this space maps the frame.
    Private(FrameTracker),
    /// Several spaces may map the frame, all read-only.
    Shared(Arc<FrameTracker>),
}

impl PageFrame {
    /// The frame's physical page number.
    fn ppn(&self) -> PhysPageNum {
        match self {
            PageFrame::Private(f) => f.ppn(),
            PageFrame::Shared(f) => f.ppn(),
        }
    }

    /// This frame as a shared one, and a second reference to it.
    fn share(self) -> (PageFrame, PageFrame) {
        let f = match self {
            PageFrame::Private(f) => Arc::new(f),
            PageFrame::Shared(f) => f,
        };
        (PageFrame::Shared(f.clone()), PageFrame::Shared(f))
    }
}

/// A virtual memory area: `[start, end)` in bytes, page aligned, with user
/// permissions `perm` (U is implied).
#[derive(Copy, Clone, Debug)]
pub struct Vma {
    pub start: usize,
    pub end: usize,
    pub perm: PteFlags,
    pub kind: VmaKind,
}

/// A process's address space (lower half) with the kernel's upper half shared.
pub struct AddrSpace {
    pt: PageTable,
    vmas: Vec<Vma>,
    /// The frame of each page that has one; shared (copy-on-write) between
    /// the address spaces of a fork until one of them writes the page.
    frames: BTreeMap<VirtPageNum, PageFrame>,
    /// The swap slot of each page that was swapped out (its PTE is a swap
    /// entry). Shared between the spaces of a fork like frames: the first
    /// space to fault the page in reads its own copy; the slot is freed
    /// with its last reference.
    swapped: BTreeMap<VirtPageNum, Arc<SwapSlot>>,
    /// The clock hand: the next page the eviction scan looks at.
    clock_hand: VirtPageNum,
    /// ASID and its generation (see [`super::asid`]); generation 0 = none yet.
    asid: u16,
    asid_gen: u64,
    /// Harts that may cache translations of this space (bit i = hart i).
    harts: u64,
    /// Harts that executed `fence.i` since this space's code was written
    /// (by exec or fork, through the direct map): the others must before
    /// running it (unprivileged spec, Zifencei: fence.i orders only the
    /// local hart's instruction fetches).
    icache_synced: u64,
    /// Faults and peak resident pages of this space.
    usage: MemUsage,
}

impl AddrSpace {
    /// An empty user address space sharing the kernel mappings.
    pub fn new_user() -> Result<Self, MapError> {
        Ok(AddrSpace {
            pt: PageTable::new_user(kernel_root())?,
            vmas: Vec::new(),
            frames: BTreeMap::new(),
            swapped: BTreeMap::new(),
            clock_hand: VirtPageNum(0),
            asid: 0,
            asid_gen: 0,
            harts: 0,
            icache_synced: 0,
            usage: MemUsage::default(),
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
    }

    /// A copy of this address space for fork, copy-on-write: the same areas,
    /// and every page that has a frame shares it, read-only in both spaces
    /// (writable pages lose W here; the first store in either space copies
    /// the frame, or just restores W if the other space has let it go: see
    /// [`Self::handle_fault`]). Pages not touched yet stay demand-zero in
    /// both. Other harts that ran this space flush their TLBs (they may hold
    /// writable translations). `Err` when memory for the child's page table
    /// runs out (the pages already made read-only stay so: harmless).
    pub fn fork_cow(&mut self) -> Result<AddrSpace, MapError> {
        let mut child = AddrSpace::new_user()?;
        child.vmas = self.vmas.clone();
        let shared = self.share_pages_with(&mut child);
        self.shootdown();
        shared?;
        child.usage.peak_resident = child.frames.len();
        Ok(child)
    }

    /// Maps every page of this space that has a frame into `child` at the
    /// same address, sharing the frame, both read-only where it was writable.
    /// A page made inaccessible by mprotect(PROT_NONE) keeps its frame
    /// without a PTE in both spaces; the child gets the page-table pages for
    /// it, so that a later mprotect can map it without allocating.
    fn share_pages_with(&mut self, child: &mut AddrSpace) -> Result<(), MapError> {
        for (vpn, slot) in &self.swapped {
            child.pt.set_swap_entry(*vpn, slot.number())?;
            child.swapped.insert(*vpn, slot.clone());
        }
        let vpns: Vec<VirtPageNum> = self.frames.keys().copied().collect();
        for vpn in vpns {
            let Some(frame) = self.frames.remove(&vpn) else { continue };
            let (mine, theirs) = frame.share();
            let ppn = mine.ppn();
            self.frames.insert(vpn, mine);
            child.frames.insert(vpn, theirs);
            let Some((_, flags)) = self.pt.translate(vpn.addr()) else {
                child.pt.walk_create_depth(vpn, levels() - 1)?;
                continue;
            };
            let perm = PteFlags(flags.0 & (PteFlags::R.0 | PteFlags::X.0));
            if flags.contains(PteFlags::W) {
                self.pt.remap(vpn, ppn, perm | PteFlags::U)?;
            }
            child.pt.map(vpn, ppn, perm | PteFlags::U)?;
        }
        Ok(())
    }

    /// The page table (for satp and software translation).
    pub fn page_table(&self) -> &PageTable {
        &self.pt
    }

    /// The areas, in creation order.
    pub fn vmas(&self) -> &[Vma] {
        &self.vmas
    }

    /// Number of user frames (not counting page-table pages or swapped-out pages).
    pub fn resident_pages(&self) -> usize {
        self.frames.len()
    }

    /// Minor faults and peak resident pages of this space so far.
    pub fn usage(&self) -> MemUsage {
        self.usage
    }

    /// Records the area `[start, end)` (rounded out to pages) with user
    /// permissions `perm`. ELF areas get zeroed frames at once; the other
    /// kinds at the first access to each page ([`Self::handle_fault`]). Fails
    /// without leaving a partial mapping if the range is empty or leaves the
    /// user half ([`MapError::NotMapped`]), overlaps another area
    /// ([`MapError::AlreadyMapped`]), or memory runs out.
    pub fn map_area(&mut self, start: usize, end: usize, perm: PteFlags, kind: VmaKind) -> Result<(), MapError> {
        let (s, e) = (page_floor(start), page_ceil(end));
        if e > USER_TOP || s >= e {
            return Err(MapError::NotMapped);
        }
        if !self.is_free(s, e) {
            return Err(MapError::AlreadyMapped);
        }
        if !kind.is_demand_zero() {
            self.populate(s, e, perm)?;
        }
        self.vmas.push(Vma { start: s, end: e, perm, kind });
        Ok(())
    }

    /// The area containing user address `va`, if any.
    pub fn vma_at(&self, va: usize) -> Option<&Vma> {
        self.vmas.iter().find(|v| v.start <= va && va < v.end)
    }

    /// Resolves a page fault at user address `va` for `access` (privileged
    /// spec 4.3.2: the walk found no valid leaf, or one refusing the access).
    ///
    /// If an area contains `va` and its permissions allow `access`, the page
    /// gets a zeroed frame mapped with the area's permissions, A set and D
    /// set if writable (so no later access needs a hardware A/D update) and
    /// this hart's TLB entry for it fenced: [`Resolved::Minor`]. A store to
    /// a copy-on-write page (mapped read-only in a writable area, since a
    /// fork) is also a minor fault: if no other space shares the frame any
    /// more, W is restored; otherwise the page gets a copy of the frame. A
    /// page already mapped with the needed permission is a stale TLB entry:
    /// fenced, [`Resolved::Spurious`]. A resident page whose PTE the clock
    /// removed is mapped again (minor); a swapped-out page is read back
    /// ([`Resolved::Major`]). Otherwise [`FaultError::Segv`];
    /// [`FaultError::OutOfMemory`] when no frame is free (nor can be made
    /// free by swapping), or the swap disk fails.
    pub fn handle_fault(&mut self, va: usize, access: Access) -> Result<Resolved, FaultError> {
        if va >= USER_TOP {
            return Err(FaultError::Segv);
        }
        let vma = *self.vma_at(va).ok_or(FaultError::Segv)?;
        if !vma.perm.contains(access.needs()) {
            return Err(FaultError::Segv);
        }
        let vpn = VirtAddr(va).floor();
        if self.frames.contains_key(&vpn) {
            match self.pt.translate(VirtAddr(va)) {
                Some((_, flags)) if flags.contains(access.needs() | PteFlags::U) => {
                    super::page_table::sfence_vma(page_floor(va));
                    return Ok(Resolved::Spurious);
                }
                Some(_) if access == Access::Store => {
                    self.break_cow(vpn, vma.perm)?;
                    self.usage.minor_faults += 1;
                    return Ok(Resolved::Minor);
                }
                Some(_) => return Err(FaultError::Segv),
                None => {}
            }
        }
        self.fault_in(vpn, vma.perm)
    }

    /// Gives page `vpn` of an area with user permissions `perm` a valid PTE:
    /// maps its resident frame again (read-only if shared copy-on-write),
    /// reads it back from its swap slot (a major fault), or maps a fresh
    /// zeroed frame (a minor fault), and counts the fault.
    fn fault_in(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<Resolved, FaultError> {
        if perm.0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0) == 0 {
            return Err(FaultError::Segv);
        }
        if let Some(frame) = self.frames.get(&vpn) {
            let eff = match frame {
                PageFrame::Shared(_) => PteFlags(perm.0 & !PteFlags::W.0),
                PageFrame::Private(_) => perm,
            };
            // The page had a PTE before, so its table pages exist: no allocation.
            self.pt.map(vpn, frame.ppn(), eff | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
            self.usage.minor_faults += 1;
            return Ok(Resolved::Minor);
        }
        if let Some(slot) = self.swapped.get(&vpn).cloned() {
            if self.pt.swap_entry(vpn) != Some(slot.number()) {
                panic!("swap entry of page {:#x} disagrees with slot {}", vpn.addr().0, slot.number());
            }
            let mut frame = self.alloc_user_frame().ok_or(FaultError::OutOfMemory)?;
            slot.read(frame.bytes_mut()).ok_or(FaultError::OutOfMemory)?;
            self.pt.map(vpn, frame.ppn(), perm | PteFlags::U).map_err(|_| FaultError::OutOfMemory)?;
            self.swapped.remove(&vpn);
            self.frames.insert(vpn, PageFrame::Private(frame));
            self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
            self.usage.major_faults += 1;
            return Ok(Resolved::Major);
        }
        self.map_fresh(vpn, perm).map_err(|_| FaultError::OutOfMemory)?;
        self.usage.minor_faults += 1;
        Ok(Resolved::Minor)
    }

    /// A frame for a user page. With swap on and fewer than
    /// [`swap::LOW_WATERMARK`] frames free, pages of this space are evicted
    /// first ([`Self::swap_out_one`]) until enough are free or none can be;
    /// without swap, just [`frame_alloc`]. `None` when no frame is free.
    fn alloc_user_frame(&mut self) -> Option<FrameTracker> {
        while swap::active() && super::frame::stats().0 <= swap::LOW_WATERMARK {
            if !self.swap_out_one() {
                break;
            }
        }
        frame_alloc()
    }

    /// Swaps out one page of this space, chosen by the clock: from the hand
    /// on (wrapping), a swappable page with a PTE (referenced) loses it and
    /// gets a second chance; the first one without a PTE is the victim.
    /// Swappable: a frame of a demand-zero area (stack, heap, anonymous
    /// mmap) that no other space maps (a frame a fork left shared, whose
    /// other spaces have let it go, becomes private here); ELF pages and
    /// frames still shared copy-on-write are not evicted. After the other
    /// harts flush (none may still write the frame), the page is written to
    /// a free swap slot, its PTE becomes a swap entry and its frame is
    /// freed. False if swap is off or full, the disk fails, or the space has
    /// no swappable page.
    pub fn swap_out_one(&mut self) -> bool {
        let (victim, cleared) = self.clock_scan();
        if cleared || victim.is_some() {
            self.shootdown();
        }
        let Some(vpn) = victim else { return false };
        self.clock_hand = VirtPageNum(vpn.0 + 1);
        let mut frame = match self.frames.remove(&vpn) {
            Some(PageFrame::Private(f)) => f,
            Some(PageFrame::Shared(f)) => match Arc::try_unwrap(f) {
                Ok(f) => f,
                Err(f) => {
                    self.frames.insert(vpn, PageFrame::Shared(f));
                    return false;
                }
            },
            None => return false,
        };
        let Some(slot) = swap::write_out(frame.bytes_mut()) else {
            self.frames.insert(vpn, PageFrame::Private(frame));
            return false;
        };
        if self.pt.set_swap_entry(vpn, slot.number()).is_err() {
            self.frames.insert(vpn, PageFrame::Private(frame));
            return false;
        }
        self.swapped.insert(vpn, Arc::new(slot));
        drop(frame);
        true
    }

    /// The clock's scan for [`Self::swap_out_one`]: at most two sweeps over
    /// the resident pages from the hand, removing the PTE of each swappable
    /// page that has one. Returns the victim (a swappable page without a
    /// PTE), if any, and whether a PTE was removed (the caller shoots down).
    fn clock_scan(&mut self) -> (Option<VirtPageNum>, bool) {
        let AddrSpace { frames, pt, vmas, clock_hand, .. } = self;
        let hand = *clock_hand;
        let sweep = || frames.range(hand..).chain(frames.range(..hand));
        let mut cleared = false;
        for (vpn, frame) in sweep().chain(sweep()) {
            if let PageFrame::Shared(f) = frame {
                if Arc::strong_count(f) > 1 {
                    continue;
                }
            }
            let va = vpn.addr().0;
            if !vmas.iter().any(|v| v.start <= va && va < v.end && v.kind.is_demand_zero()) {
                continue;
            }
            if pt.translate(vpn.addr()).is_some() {
                let _ = pt.unmap(*vpn);
                cleared = true;
                continue;
            }
            return (Some(*vpn), cleared);
        }
        if let Some((last, _)) = frames.iter().next_back() {
            *clock_hand = VirtPageNum(last.0 + 1);
        }
        (None, cleared)
    }

    /// Makes the copy-on-write page `vpn` writable (`perm`, the area's
    /// permissions, which include W) for this space alone: in place if no
    /// other space shares its frame, else on a copy of the frame, after
    /// which the other harts that ran this space flush their TLBs (they may
    /// still map the page to the shared frame).
    fn break_cow(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<(), FaultError> {
        let Some(frame) = self.frames.remove(&vpn) else { return Err(FaultError::Segv) };
        let (frame, copied) = match frame {
            PageFrame::Private(f) => (f, false),
            PageFrame::Shared(shared) => match Arc::try_unwrap(shared) {
                Ok(f) => (f, false),
                Err(shared) => {
                    let Some(mut copy) = self.alloc_user_frame() else {
                        self.frames.insert(vpn, PageFrame::Shared(shared));
                        return Err(FaultError::OutOfMemory);
                    };
                    // SAFETY: a shared frame is only read: every space maps it read-only.
                    copy.bytes_mut().copy_from_slice(unsafe { shared.ppn().bytes_mut() });
                    (copy, true)
                }
            },
        };
        let ppn = frame.ppn();
        self.frames.insert(vpn, PageFrame::Private(frame));
        self.pt.remap(vpn, ppn, perm | PteFlags::U).map_err(|_| FaultError::Segv)?;
        if copied {
            self.shootdown();
        }
        Ok(())
    }

    /// Maps a zeroed frame at `vpn` with `perm | U` and records it.
    fn map_fresh(&mut self, vpn: VirtPageNum, perm: PteFlags) -> Result<(), MapError> {
        let f = self.alloc_user_frame().ok_or(MapError::OutOfMemory)?;
        self.pt.map(vpn, f.ppn(), perm | PteFlags::U)?;
        self.frames.insert(vpn, PageFrame::Private(f));
        self.usage.peak_resident = self.usage.peak_resident.max(self.frames.len());
        Ok(())
    }

    /// The physical address of user `va` for an access by the kernel on the
    /// process's behalf (system-call buffers): like a user access, a page of
    /// an area that allows it but has no frame yet is faulted in, and a
    /// store to a copy-on-write page copies it (each counted as a minor fault).
    pub fn user_access(&mut self, va: usize, access: Access) -> Result<PhysAddr, FaultError> {
        if va >= USER_TOP {
            return Err(FaultError::Segv);
        }
        if let Some((pa, flags)) = self.pt.translate(VirtAddr(va)) {
            if flags.contains(access.needs() | PteFlags::U) {
                return Ok(pa);
            }
        }
        self.handle_fault(va, access)?;
        self.pt.translate(VirtAddr(va)).map(|(pa, _)| pa).ok_or(FaultError::Segv)
    }

    /// Maps zeroed frames over `[s, e)` (page aligned), all or nothing.
    fn populate(&mut self, s: usize, e: usize, perm: PteFlags) -> Result<(), MapError> {
        let mut va = s;
        while va < e {
            if let Err(err) = self.map_fresh(VirtAddr(va).floor(), perm) {
                self.depopulate(s, va);
                return Err(err);
            }
            va += PAGE_SIZE;
        }
        Ok(())
    }

    /// Unmaps and frees the frames over `[s, e)` (page aligned): unmaps
    /// them (flushing this hart's TLB per page), has every other hart that
    /// may cache them flush its TLB, then frees them. Swap entries of the
    /// range are cleared and their slots freed.
    fn depopulate(&mut self, s: usize, e: usize) {
        if s >= e {
            return;
        }
        let (first, last) = (VirtAddr(s).floor(), VirtAddr(e - 1).floor());
        let swapped: Vec<VirtPageNum> = self.swapped.range(first..=last).map(|(vpn, _)| *vpn).collect();
        for vpn in swapped {
            self.pt.clear_swap_entry(vpn);
            self.swapped.remove(&vpn);
        }
        let vpns: Vec<VirtPageNum> = self.frames.range(first..=last).map(|(vpn, _)| *vpn).collect();
        let mut freed = Vec::with_capacity(vpns.len());
        for vpn in vpns {
            if let Some(f) = self.frames.remove(&vpn) {
                let _ = self.pt.unmap(vpn);
                freed.push(f);
            }
        }
        if !freed.is_empty() {
            self.shootdown();
        }
        drop(freed);
    }

    /// TLB shootdown for this space: the other harts that may cache it
    /// flush; afterwards only this hart (if it runs the space) may.
    fn shootdown(&mut self) {
        crate::smp::shootdown(self.harts);
        self.harts &= 1 << crate::smp::hart_id();
    }

    /// Moves the end of the area of `kind` (the heap) from its current end to
    /// `new_end` (page aligned): growing only extends the area (its pages
    /// get frames at their first access), shrinking frees the pages beyond
    /// the new end. Creates the area at `start` if it does not exist yet.
    pub fn resize_area(&mut self, kind: VmaKind, start: usize, new_end: usize, perm: PteFlags) -> Result<(), MapError> {
        let idx = match self.vmas.iter().position(|v| v.kind == kind) {
            Some(i) => i,
            None => {
                self.vmas.push(Vma { start, end: start, perm, kind });
                self.vmas.len() - 1
            }
        };
        let old_end = self.vmas[idx].end;
        if new_end > old_end {
            if new_end > USER_TOP || self.vmas.iter().any(|v| v.kind != kind && v.start < new_end && old_end < v.end) {
                return Err(MapError::AlreadyMapped);
            }
        } else {
            self.depopulate(new_end.max(self.vmas[idx].start), old_end);
        }
        self.vmas[idx].end = new_end.max(self.vmas[idx].start);
        Ok(())
    }

    /// True if no area overlaps `[s, e)`.
    pub fn is_free(&self, s: usize, e: usize) -> bool {
        !self.vmas.iter().any(|v| v.start < e && s < v.end)
    }

    /// The highest page-aligned start of a free range of `len` bytes (page
    /// aligned, non-zero) inside `[lo, hi)`, searching down from `hi` (as
    /// Linux places mmap areas below the stack), or `None`.
    pub fn find_free(&self, len: usize, lo: usize, hi: usize) -> Option<usize> {
        let mut end = hi;
        loop {
            let start = end.checked_sub(len).filter(|&s| s >= lo)?;
            match self.vmas.iter().filter(|v| v.start < end && start < v.end).map(|v| v.start).min() {
                None => return Some(start),
                Some(below) => end = below,
            }
        }
    }

    /// Removes `[s, e)` (page aligned) from the anonymous areas, splitting
    /// those that straddle an end, and frees its frames (with a TLB
    /// shootdown). Ranges without areas are fine; [`MapError::AlreadyMapped`]
    /// (nothing changed) if an ELF, heap or stack area overlaps the range.
    pub fn unmap_anon(&mut self, s: usize, e: usize) -> Result<(), MapError> {
        if self.vmas.iter().any(|v| v.kind != VmaKind::Anon && v.start < e && s < v.end) {
            return Err(MapError::AlreadyMapped);
        }
        let mut kept = Vec::with_capacity(self.vmas.len() + 1);
        for v in self.vmas.drain(..) {
            if v.end <= s || e <= v.start {
                kept.push(v);
                continue;
            }
            if v.start < s {
                kept.push(Vma { end: s, ..v });
            }
            if e < v.end {
                kept.push(Vma { start: e, ..v });
            }
        }
        self.vmas = kept;
        self.depopulate(s, e);
        Ok(())
    }

    /// Gives the anonymous and ELF areas over `[s, e)` (page aligned) the user
    /// permissions `perm` (possibly none), splitting areas that straddle an
    /// end, and rewrites the PTEs of the pages that have frames: a shared
    /// (copy-on-write) frame stays read-only, a page with no permission
    /// keeps its frame but loses its PTE. Other harts that ran the space
    /// flush their TLBs. Nothing changes on an error: a page of the range
    /// outside every area, or in a heap or stack area.
    pub fn protect_anon(&mut self, s: usize, e: usize, perm: PteFlags) -> Result<(), ProtectError> {
        let mut covered = s;
        let mut inside: Vec<&Vma> = self.vmas.iter().filter(|v| v.start < e && s < v.end).collect();
        inside.sort_by_key(|v| v.start);
        for v in inside {
            // ELF segments too: C libraries make their RELRO part read-only after start-up.
            if !matches!(v.kind, VmaKind::Anon | VmaKind::Elf) {
                return Err(ProtectError::NotAnonymous);
            }
            if v.start > covered {
                return Err(ProtectError::Unmapped);
            }
            covered = covered.max(v.end);
        }
        if covered < e {
            return Err(ProtectError::Unmapped);
        }
        let mut vmas = Vec::with_capacity(self.vmas.len() + 2);
        for v in self.vmas.drain(..) {
            if v.end <= s || e <= v.start {
                vmas.push(v);
                continue;
            }
            if v.start < s {
                vmas.push(Vma { end: s, ..v });
            }
            vmas.push(Vma { start: v.start.max(s), end: v.end.min(e), perm, ..v });
            if e < v.end {
                vmas.push(Vma { start: e, ..v });
            }
        }
        self.vmas = vmas;
        let (first, last) = (VirtAddr(s).floor(), VirtAddr(e - 1).floor());
        let pages: Vec<(VirtPageNum, PhysPageNum, bool)> = self
            .frames
            .range(first..=last)
            .map(|(vpn, f)| (*vpn, f.ppn(), matches!(f, PageFrame::Shared(_))))
            .collect();
        let rwx = PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0;
        for (vpn, ppn, shared) in pages {
            let eff = if shared { PteFlags(perm.0 & rwx & !PteFlags::W.0) } else { PteFlags(perm.0 & rwx) };
            let mapped = self.pt.translate(vpn.addr()).is_some();
            // The page's table pages exist (it had a PTE once, or fork made
            // them), so none of these allocates and none fails.
            let _ = match (eff.0 == 0, mapped) {
                (true, true) => self.pt.unmap(vpn).map(|_| ()),
                (true, false) => Ok(()),
                (false, true) => self.pt.remap(vpn, ppn, eff | PteFlags::U),
                (false, false) => self.pt.map(vpn, ppn, eff | PteFlags::U),
            };
        }
        self.shootdown();
        Ok(())
    }

    /// Copies `data` to user address `va` from the kernel side, ignoring user
    /// permissions (used by exec). Every page must lie in an area; pages
    /// without a valid PTE (the stack) are faulted in ([`Self::fault_in`]).
    pub fn write_bytes(&mut self, va: usize, data: &[u8]) -> Result<(), MapError> {
        let mut done = 0;
        while done < data.len() {
            let cur = va + done;
            if self.pt.translate(VirtAddr(cur)).is_none() {
                let vma = *self.vma_at(cur).ok_or(MapError::NotMapped)?;
                self.fault_in(VirtAddr(cur).floor(), vma.perm).map_err(|e| match e {
                    FaultError::Segv => MapError::NotMapped,
                    FaultError::OutOfMemory => MapError::OutOfMemory,
                })?;
            }
            let (pa, _) = self.pt.translate(VirtAddr(cur)).ok_or(MapError::NotMapped)?;
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
