//! Typed physical/virtual addresses and page numbers (rCore style), for
//! Sv39 (3 levels) or Sv48 (4 levels), chosen once at boot ([`set_levels`]).
//!
//! Layout (Linux-like): the user owns the lower half `[0, USER_TOP)`; the
//! kernel lives in the upper half, with every physical address `pa` reachable
//! at `PHYS_OFFSET + pa` (the direct map), which is canonical under Sv39, Sv48
//! and Sv57 alike.

/// Bytes per base page (privileged spec 4.3: 4 KiB pages).
pub const PAGE_SIZE: usize = 4096;
/// log2(PAGE_SIZE).
pub const PAGE_SHIFT: usize = 12;
/// Start of the direct map: VA = PHYS_OFFSET + PA.
pub const PHYS_OFFSET: usize = 0xffff_ffc0_0000_0000;
/// One past the highest user virtual address under Sv39 (the lower half: 256 GiB).
pub const USER_TOP: usize = 0x40_0000_0000;

static LEVELS: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(3);

/// Page-table levels of the paging mode in use: 3 (Sv39) or 4 (Sv48).
#[inline]
pub fn levels() -> usize {
    LEVELS.load(core::sync::atomic::Ordering::Relaxed)
}

/// Selects the paging mode: 3 = Sv39, 4 = Sv48 (privileged spec 4.4, 4.5).
/// Only at boot, before any page table is built.
pub fn set_levels(n: usize) {
    LEVELS.store(n, core::sync::atomic::Ordering::Relaxed);
}

/// Bits of a virtual page number under the current mode (27 or 36).
fn vpn_bits() -> usize {
    9 * levels()
}

/// A physical byte address.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysAddr(pub usize);
/// A virtual byte address.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VirtAddr(pub usize);
/// A physical page number (PA >> 12).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysPageNum(pub usize);
/// A virtual page number (VA >> 12), lower 27 (Sv39) or 36 (Sv48) bits meaningful.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VirtPageNum(pub usize);

/// Rounds `x` down to a page boundary.
pub const fn page_floor(x: usize) -> usize {
    x & !(PAGE_SIZE - 1)
}
/// Rounds `x` up to a page boundary (saturating at the top of the address space).
pub const fn page_ceil(x: usize) -> usize {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(v) => v & !(PAGE_SIZE - 1),
        None => !(PAGE_SIZE - 1),
    }
}

impl PhysAddr {
    /// The page containing this address.
    pub fn floor(self) -> PhysPageNum {
        PhysPageNum(self.0 >> PAGE_SHIFT)
    }
    /// The first page at or above this address.
    pub fn ceil(self) -> PhysPageNum {
        PhysPageNum(page_ceil(self.0) >> PAGE_SHIFT)
    }
    /// Offset within the page.
    pub fn page_offset(self) -> usize {
        self.0 & (PAGE_SIZE - 1)
    }
    /// The kernel virtual address of this physical address in the direct map.
    pub fn to_kva(self) -> usize {
        PHYS_OFFSET + self.0
    }
}

impl VirtAddr {
    /// The page containing this address.
    pub fn floor(self) -> VirtPageNum {
        VirtPageNum((self.0 >> PAGE_SHIFT) & ((1 << vpn_bits()) - 1))
    }
    /// The first page at or above this address.
    pub fn ceil(self) -> VirtPageNum {
        VirtPageNum((page_ceil(self.0) >> PAGE_SHIFT) & ((1 << vpn_bits()) - 1))
    }
    /// Offset within the page.
    pub fn page_offset(self) -> usize {
        self.0 & (PAGE_SIZE - 1)
    }
}

impl PhysPageNum {
    /// First byte of the page.
    pub fn addr(self) -> PhysAddr {
        PhysAddr(self.0 << PAGE_SHIFT)
    }
    /// The page's bytes through the direct map.
    ///
    /// # Safety
    /// The caller must own the frame (or otherwise know no one else uses it mutably).
    pub unsafe fn bytes_mut(self) -> &'static mut [u8; PAGE_SIZE] {
        &mut *(self.addr().to_kva() as *mut [u8; PAGE_SIZE])
    }
    /// The page viewed as 512 PTEs (a page-table page), through the direct map.
    ///
    /// # Safety
    /// The frame must be a page-table page owned by the caller's page table.
    pub unsafe fn ptes_mut(self) -> &'static mut [super::page_table::PageTableEntry; 512] {
        &mut *(self.addr().to_kva() as *mut [super::page_table::PageTableEntry; 512])
    }
}

impl VirtPageNum {
    /// First byte of the page (upper-half pages are sign-extended from the
    /// top VA bit: 38 under Sv39, 47 under Sv48).
    pub fn addr(self) -> VirtAddr {
        let va = self.0 << PAGE_SHIFT;
        let top = PAGE_SHIFT + vpn_bits();
        if va & (1 << (top - 1)) != 0 {
            VirtAddr(va | !((1usize << top) - 1))
        } else {
            VirtAddr(va)
        }
    }
    /// VPN[levels-1], ..., VPN[0] (privileged spec 4.4.1 / 4.5.1), root
    /// level first; entries past `levels()` are 0.
    pub fn indexes(self) -> [usize; 4] {
        let n = levels();
        let mut idx = [0; 4];
        for (l, slot) in idx.iter_mut().enumerate().take(n) {
            *slot = (self.0 >> (9 * (n - 1 - l))) & 511;
        }
        idx
    }
}
