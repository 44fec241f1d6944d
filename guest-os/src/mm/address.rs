//! Typed physical/virtual addresses and page numbers (rCore style), Sv39.
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

/// A physical byte address.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysAddr(pub usize);
/// A virtual byte address.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct VirtAddr(pub usize);
/// A physical page number (PA >> 12).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysPageNum(pub usize);
/// A virtual page number (VA >> 12), lower 27 bits meaningful under Sv39.
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
        VirtPageNum((self.0 >> PAGE_SHIFT) & ((1 << 27) - 1))
    }
    /// The first page at or above this address.
    pub fn ceil(self) -> VirtPageNum {
        VirtPageNum((page_ceil(self.0) >> PAGE_SHIFT) & ((1 << 27) - 1))
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
    /// First byte of the page (lower-half addresses; upper-half pages are
    /// sign-extended from bit 38).
    pub fn addr(self) -> VirtAddr {
        let va = self.0 << PAGE_SHIFT;
        if va & (1 << 38) != 0 {
            VirtAddr(va | !((1usize << 39) - 1))
        } else {
            VirtAddr(va)
        }
    }
    /// Sv39 VPN[2], VPN[1], VPN[0] (privileged spec 4.4.1), root level first.
    pub fn indexes(self) -> [usize; 3] {
        [(self.0 >> 18) & 511, (self.0 >> 9) & 511, self.0 & 511]
    }
}
