//! A user address space: a page table plus the areas (VMAs) mapped in it and
//! the frames that back them. Dropping it frees every frame (leaves and
//! page-table pages).
//!
//! Every hart that switched to the space may cache its translations (under
//! its ASID), even after it switched away: [`AddrSpace::activate`] records
//! it in a hart mask. Before frames of the space are freed (pages unmapped
//! by brk, the whole space on exit and exec), the other harts of the mask
//! flush their TLBs ([`crate::smp::shootdown`]).

use super::address::{page_ceil, page_floor, PhysAddr, VirtAddr, VirtPageNum, PAGE_SIZE, USER_TOP};
use super::frame::{frame_alloc, FrameTracker};
use super::kernel_space::kernel_root;
use super::page_table::{MapError, PageTable, PteFlags};
use alloc::collections::BTreeMap;
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
    frames: BTreeMap<VirtPageNum, FrameTracker>,
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
}

impl AddrSpace {
    /// An empty user address space sharing the kernel mappings.
    pub fn new_user() -> Result<Self, MapError> {
        Ok(AddrSpace {
            pt: PageTable::new_user(kernel_root())?,
            vmas: Vec::new(),
            frames: BTreeMap::new(),
            asid: 0,
            asid_gen: 0,
            harts: 0,
            icache_synced: 0,
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

    /// A copy of this address space for fork: the same areas, each mapped
    /// page copied into a fresh frame with the same permissions (no
    /// copy-on-write yet). All or nothing.
    pub fn fork_copy(&self) -> Result<AddrSpace, MapError> {
        let mut child = AddrSpace::new_user()?;
        child.vmas = self.vmas.clone();
        for (vpn, f) in self.frames.iter() {
            let Some((_, flags)) = self.pt.translate(vpn.addr()) else { continue };
            let mut nf = frame_alloc().ok_or(MapError::OutOfMemory)?;
            // SAFETY: f is a frame of this space; nf is fresh and ours.
            nf.bytes_mut().copy_from_slice(unsafe { f.ppn().bytes_mut() });
            let perm = PteFlags(flags.0 & (PteFlags::R.0 | PteFlags::W.0 | PteFlags::X.0));
            child.pt.map(*vpn, nf.ppn(), perm | PteFlags::U)?;
            child.frames.insert(*vpn, nf);
        }
        Ok(child)
    }

    /// The page table (for satp and software translation).
    pub fn page_table(&self) -> &PageTable {
        &self.pt
    }

    /// The areas, in creation order.
    pub fn vmas(&self) -> &[Vma] {
        &self.vmas
    }

    /// Number of user frames (not counting page-table pages).
    pub fn resident_pages(&self) -> usize {
        self.frames.len()
    }

    /// Maps fresh zeroed frames at every page of `[start, end)` (rounded out to
    /// pages) with `perm | U`, and records the area. Fails without leaving a
    /// partial mapping if a page is already mapped, the range leaves the user
    /// half, or memory runs out.
    pub fn map_zeroed(&mut self, start: usize, end: usize, perm: PteFlags, kind: VmaKind) -> Result<(), MapError> {
        let (s, e) = (page_floor(start), page_ceil(end));
        if e > USER_TOP || s >= e {
            return Err(MapError::NotMapped);
        }
        self.populate(s, e, perm)?;
        self.vmas.push(Vma { start: s, end: e, perm, kind });
        Ok(())
    }

    /// Maps zeroed frames over `[s, e)` (page aligned), all or nothing.
    fn populate(&mut self, s: usize, e: usize, perm: PteFlags) -> Result<(), MapError> {
        let mut va = s;
        while va < e {
            let r = frame_alloc().ok_or(MapError::OutOfMemory).and_then(|f| {
                let vpn = VirtAddr(va).floor();
                self.pt.map(vpn, f.ppn(), perm | PteFlags::U)?;
                self.frames.insert(vpn, f);
                Ok(())
            });
            if let Err(err) = r {
                self.depopulate(s, va);
                return Err(err);
            }
            va += PAGE_SIZE;
        }
        Ok(())
    }

    /// Unmaps and frees the frames over `[s, e)` (page aligned): unmaps
    /// them (flushing this hart's TLB per page), has every other hart that
    /// may cache them flush its TLB, then frees them.
    fn depopulate(&mut self, s: usize, e: usize) {
        let mut freed = Vec::new();
        let mut va = s;
        while va < e {
            let vpn = VirtAddr(va).floor();
            if let Some(f) = self.frames.remove(&vpn) {
                let _ = self.pt.unmap(vpn);
                freed.push(f);
            }
            va += PAGE_SIZE;
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
    /// `new_end` (page aligned), mapping zeroed pages or freeing pages. Creates
    /// the area at `start` if it does not exist yet.
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
            self.populate(old_end, new_end, perm)?;
        } else {
            self.depopulate(new_end.max(self.vmas[idx].start), old_end);
        }
        self.vmas[idx].end = new_end.max(self.vmas[idx].start);
        Ok(())
    }

    /// Copies `data` to user address `va` from the kernel side, ignoring user
    /// permissions (used by exec). Every page must be mapped.
    pub fn write_bytes(&mut self, va: usize, data: &[u8]) -> Result<(), MapError> {
        let mut done = 0;
        while done < data.len() {
            let cur = va + done;
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
