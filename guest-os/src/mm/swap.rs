//! Swap space: 4 KiB slots on the virtio-blk disk ([`crate::drivers::virtio_blk`]).
//!
//! Slot `n` is sectors `8n .. 8n+8` of the disk; a bitmap records the slots
//! in use, and the lowest free slot is taken first (deterministic). A
//! [`SwapSlot`] owns one slot and frees it on drop, like a
//! [`super::frame::FrameTracker`] for frames, so an address space that is
//! dropped (exit, exec) or unmaps pages (munmap, brk) frees its slots.
//!
//! The kernel totals of pages written out and read back are kept here; the
//! per-process major-fault counts live in [`super::addr_space::MemUsage`].

use super::address::PAGE_SIZE;
use crate::drivers::virtio_blk::{self, SECTORS_PER_PAGE};
use alloc::vec::Vec;
use spin::Mutex;

struct SwapSpace {
    /// Bit n set = slot n in use.
    used: Vec<u64>,
    slots: usize,
    in_use: usize,
    swapped_out: u64,
    swapped_in: u64,
}

static SWAP: Mutex<Option<SwapSpace>> = Mutex::new(None);

/// Turns swap on over a disk of `sectors` 512-byte sectors: one slot per
/// whole 4 KiB page. Returns the number of slots (0 leaves swap off).
pub fn init(sectors: u64) -> usize {
    let slots = (sectors / SECTORS_PER_PAGE) as usize;
    if slots > 0 {
        *SWAP.lock() = Some(SwapSpace {
            used: alloc::vec![0; slots.div_ceil(64)],
            slots,
            in_use: 0,
            swapped_out: 0,
            swapped_in: 0,
        });
    }
    slots
}

/// Number of swap slots (0 without a disk).
pub fn slots() -> usize {
    SWAP.lock().as_ref().map_or(0, |s| s.slots)
}

/// True if more than half of the swap slots are in use (Linux's
/// vm_swap_full): pages read back then give up their slot instead of
/// keeping it as a swap cache copy, so cached copies never fill the disk.
pub fn nearly_full() -> bool {
    SWAP.lock().as_ref().is_some_and(|s| s.in_use * 2 > s.slots)
}

/// True if a swap disk is attached (page eviction is possible).
pub fn active() -> bool {
    SWAP.lock().is_some()
}

/// Kernel totals since boot: (pages swapped out, pages swapped in, slots in use).
pub fn stats() -> (u64, u64, usize) {
    SWAP.lock().as_ref().map_or((0, 0, 0), |s| (s.swapped_out, s.swapped_in, s.in_use))
}

/// One slot of swap space holding one page; dropping it frees the slot.
#[derive(Debug)]
pub struct SwapSlot {
    slot: usize,
}

impl SwapSlot {
    /// The slot number (0 .. slots).
    pub fn number(&self) -> usize {
        self.slot
    }

    fn sector(&self) -> u64 {
        self.slot as u64 * SECTORS_PER_PAGE
    }

    /// Reads the slot's page into `page` and counts a page swapped in.
    /// `None` if the disk reports an error.
    pub fn read(&self, page: &mut [u8; PAGE_SIZE]) -> Option<()> {
        virtio_blk::read_page(self.sector(), page).ok()?;
        if let Some(s) = SWAP.lock().as_mut() {
            s.swapped_in += 1;
        }
        Some(())
    }
}

impl Drop for SwapSlot {
    fn drop(&mut self) {
        if let Some(s) = SWAP.lock().as_mut() {
            s.used[self.slot / 64] &= !(1 << (self.slot % 64));
            s.in_use -= 1;
        }
    }
}

/// Writes `page` to the lowest free slot and returns it, counting a page
/// swapped out. `None` if swap is off, full, or the disk reports an error
/// (the slot is then freed again).
pub fn write_out(page: &[u8; PAGE_SIZE]) -> Option<SwapSlot> {
    let slot = {
        let mut guard = SWAP.lock();
        let s = guard.as_mut()?;
        let (word, bits) = s.used.iter().enumerate().find(|(_, w)| **w != u64::MAX)?;
        let slot = word * 64 + bits.trailing_ones() as usize;
        if slot >= s.slots {
            return None;
        }
        s.used[word] |= 1 << (slot % 64);
        s.in_use += 1;
        SwapSlot { slot }
    };
    virtio_blk::write_page(slot.sector(), page).ok()?;
    if let Some(s) = SWAP.lock().as_mut() {
        s.swapped_out += 1;
    }
    Some(slot)
}
