//! Kernel stacks with guard pages.
//!
//! Each process's kernel stack is [`KSTACK_PAGES`] frames mapped R+W+G (never
//! U) in a dedicated region of the kernel half, [`KSTACK_REGION`], one slot
//! of [`KSTACK_PAGES`] + 1 pages per stack; the lowest page of every slot is
//! left unmapped, so an overflow faults (a fatal kernel trap with a report)
//! instead of silently overwriting another stack.
//!
//! The region's page-table pages are static (in .bss) and installed in the
//! kernel page table at boot, before any user page table copies the kernel
//! half, so every address space sees the stacks; mapping a stack later only
//! writes level-0 PTEs in those shared tables.

use super::address::{levels, VirtAddr, PAGE_SIZE, PHYS_OFFSET};
use super::frame::{frame_alloc, FrameTracker};
use super::page_table::{sfence_vma, MapError, PageTable, PageTableEntry, PteFlags};
use super::PhysPageNum;
use crate::sync::Global;
use alloc::vec::Vec;

/// Base of the kernel-stack region (Sv39 root index 448; Sv48: under root 511).
pub const KSTACK_REGION: usize = 0xffff_fff0_0000_0000;
/// Pages of one kernel stack (32 KiB).
pub const KSTACK_PAGES: usize = 8;
/// Pages per slot: the guard page plus the stack.
const SLOT_PAGES: usize = KSTACK_PAGES + 1;
/// Number of slots (at least the process-table size).
pub const KSTACK_SLOTS: usize = 128;
/// Level-0 tables needed for all slots.
const L0_TABLES: usize = (KSTACK_SLOTS * SLOT_PAGES).div_ceil(512);

#[repr(C, align(4096))]
struct Tables([[PageTableEntry; 512]; 1 + L0_TABLES]);

static TABLES: Global<Tables> = Global::new(Tables([[PageTableEntry(0); 512]; 1 + L0_TABLES]));
static SLOTS: Global<[bool; KSTACK_SLOTS]> = Global::new([false; KSTACK_SLOTS]);

fn table_ppn(i: usize) -> PhysPageNum {
    let va = &TABLES.get().0[i] as *const _ as usize;
    PhysPageNum((va - PHYS_OFFSET) >> 12)
}

/// Installs the region's tables in the kernel page table `pt` (called while
/// building it). The 1 GiB-level entry points to the static level-1 table,
/// whose first entries point to the static level-0 tables.
pub fn install(pt: &mut PageTable) -> Result<(), MapError> {
    let vpn = VirtAddr(KSTACK_REGION).floor();
    let e = pt.walk_create_depth(vpn, levels() - 3)?;
    *e = PageTableEntry::new(table_ppn(0), PteFlags::V);
    for i in 0..L0_TABLES {
        TABLES.get().0[0][i] = PageTableEntry::new(table_ppn(1 + i), PteFlags::V);
    }
    Ok(())
}

/// One mapped kernel stack; unmapped and freed on drop (after a TLB
/// shootdown on every hart: see [`crate::smp::shootdown`]).
pub struct KernelStack {
    slot: usize,
    frames: Vec<FrameTracker>,
}

fn pte_of(page: usize) -> &'static mut PageTableEntry {
    &mut TABLES.get().0[1 + page / 512][page % 512]
}

impl KernelStack {
    /// Maps a fresh stack, or `None` if no slot or frame is free.
    pub fn new() -> Option<Self> {
        let slots = SLOTS.get();
        let slot = slots.iter().position(|used| !used)?;
        let mut frames = Vec::with_capacity(KSTACK_PAGES);
        for _ in 0..KSTACK_PAGES {
            frames.push(frame_alloc()?);
        }
        slots[slot] = true;
        let flags = PteFlags::V | PteFlags::R | PteFlags::W | PteFlags::G | PteFlags::A | PteFlags::D;
        for (j, f) in frames.iter().enumerate() {
            *pte_of(slot * SLOT_PAGES + 1 + j) = PageTableEntry::new(f.ppn(), flags);
        }
        Some(KernelStack { slot, frames })
    }

    /// One past the highest byte (the initial sp).
    pub fn top(&self) -> usize {
        KSTACK_REGION + (self.slot + 1) * SLOT_PAGES * PAGE_SIZE
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        for j in 0..self.frames.len() {
            let page = self.slot * SLOT_PAGES + 1 + j;
            *pte_of(page) = PageTableEntry(0);
            sfence_vma(KSTACK_REGION + page * PAGE_SIZE);
        }
        // The mappings are global: any hart that ran the process's kernel
        // thread may cache them. All flush before the frames and the slot
        // are reused.
        crate::smp::shootdown(u64::MAX);
        SLOTS.get()[self.slot] = false;
    }
}
