//! The virtio-blk disk svos swaps to, through the `virtio-drivers` crate
//! (virtio 1.2, section 5.2 block device, over the MMIO transport of
//! section 4.2; legacy and modern MMIO both work).
//!
//! The device is found by probing each `virtio,mmio` region the DTB lists
//! for device id 2 (block); the first one wins. Requests are polled: svos
//! notifies the device and spins on the used ring with the kernel lock
//! held, so no interrupt (and no PLIC) is needed and the order of events is
//! the same on every machine.
//!
//! [`SvosHal`] gives the crate DMA memory from the kernel heap (which lies in
//! the kernel image, physically contiguous, so PA = VA - PHYS_OFFSET) and
//! shares buffers with the device: a buffer inside the direct map is passed
//! by its physical address; any other (a kernel stack, whose pages are not
//! contiguous, e.g. the request header the crate keeps on the stack)
//! through one of [`BOUNCE_PAGES`] bounce pages set aside at probe time, so
//! a request never allocates (swap-out runs when memory is short).

use crate::mm::address::{PAGE_SIZE, PHYS_OFFSET};
use crate::mm::PhysAddr;
use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::ptr::NonNull;
use spin::Mutex;
use virtio_drivers::device::blk::{VirtIOBlk, SECTOR_SIZE};
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal};

/// Sectors (512 bytes, virtio 1.2 section 5.2.6) per 4 KiB page.
pub const SECTORS_PER_PAGE: u64 = (PAGE_SIZE / SECTOR_SIZE) as u64;

/// The `virtio-drivers` hardware abstraction for svos (see the module doc).
pub struct SvosHal;

/// End of the direct map's RAM part that the kernel can name: everything
/// between PHYS_OFFSET and this is PA + PHYS_OFFSET.
const DIRECT_MAP_END: usize = PHYS_OFFSET + (1 << 37);

fn dma_layout(pages: usize) -> Layout {
    // PAGE_SIZE is a power of two and pages is small: the layout is valid.
    Layout::from_size_align(pages.max(1) * PAGE_SIZE, PAGE_SIZE).unwrap()
}

fn in_direct_map(va: usize, len: usize) -> bool {
    va >= PHYS_OFFSET && va.checked_add(len).is_some_and(|e| e <= DIRECT_MAP_END)
}

// SAFETY: dma_alloc returns zeroed, page-aligned, exclusively owned heap
// memory whose physical address is its VA minus PHYS_OFFSET (the heap is in
// the kernel image, which the direct map covers); share returns the
// physical address of the buffer's bytes or of a bounce copy of them.
unsafe impl Hal for SvosHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (virtio_drivers::PhysAddr, NonNull<u8>) {
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { alloc_zeroed(dma_layout(pages)) };
        let Some(nn) = NonNull::new(p) else { panic!("virtio: no kernel heap for {} DMA pages", pages) };
        ((p as usize - PHYS_OFFSET) as u64, nn)
    }

    unsafe fn dma_dealloc(_paddr: virtio_drivers::PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        dealloc(vaddr.as_ptr(), dma_layout(pages));
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: virtio_drivers::PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(PhysAddr(paddr as usize).to_kva() as *mut u8).unwrap()
    }

    unsafe fn share(buffer: NonNull<[u8]>, direction: BufferDirection) -> virtio_drivers::PhysAddr {
        let (va, len) = (buffer.as_ptr() as *mut u8 as usize, buffer.len());
        if in_direct_map(va, len) {
            return (va - PHYS_OFFSET) as u64;
        }
        let mut bounce = bounce_take(len);
        if bounce.is_null() {
            bounce = alloc_zeroed(dma_layout(len.div_ceil(PAGE_SIZE)));
        }
        assert!(!bounce.is_null(), "virtio: no memory for a bounce buffer");
        if direction != BufferDirection::DeviceToDriver {
            core::ptr::copy_nonoverlapping(va as *const u8, bounce, len);
        }
        (bounce as usize - PHYS_OFFSET) as u64
    }

    unsafe fn unshare(paddr: virtio_drivers::PhysAddr, buffer: NonNull<[u8]>, direction: BufferDirection) {
        let (va, len) = (buffer.as_ptr() as *mut u8 as usize, buffer.len());
        if in_direct_map(va, len) {
            return;
        }
        let bounce = (paddr as usize + PHYS_OFFSET) as *mut u8;
        if direction != BufferDirection::DriverToDevice {
            core::ptr::copy_nonoverlapping(bounce, va as *mut u8, len);
        }
        if !bounce_give(bounce as usize) {
            dealloc(bounce, dma_layout(len.div_ceil(PAGE_SIZE)));
        }
    }
}

/// Bounce pages: a request shares at most three buffers (header, data,
/// status), and requests are serialised by the disk lock.
pub const BOUNCE_PAGES: usize = 4;

/// The bounce pages' kernel addresses (0 = not allocated) and which are in use.
static BOUNCE: Mutex<([usize; BOUNCE_PAGES], u8)> = Mutex::new(([0; BOUNCE_PAGES], 0));

/// A free bounce page for a buffer of `len` bytes (at most a page), or null.
fn bounce_take(len: usize) -> *mut u8 {
    let mut b = BOUNCE.lock();
    let (pages, used) = &mut *b;
    if len > PAGE_SIZE {
        return core::ptr::null_mut();
    }
    match (0..BOUNCE_PAGES).find(|&i| pages[i] != 0 && *used >> i & 1 == 0) {
        Some(i) => {
            *used |= 1 << i;
            pages[i] as *mut u8
        }
        None => core::ptr::null_mut(),
    }
}

/// Returns the bounce page at `va`; false if `va` is not one.
fn bounce_give(va: usize) -> bool {
    let mut b = BOUNCE.lock();
    let (pages, used) = &mut *b;
    match pages.iter().position(|&p| p == va) {
        Some(i) => {
            *used &= !(1 << i);
            true
        }
        None => false,
    }
}

type Disk = VirtIOBlk<SvosHal, MmioTransport<'static>>;

/// The swap disk, once [`probe`] found one. A leaf lock (kernel lock first).
static DISK: Mutex<Option<Disk>> = Mutex::new(None);

/// Why a disk request failed.
#[derive(Debug)]
pub struct DiskError(pub virtio_drivers::Error);

/// Probes the `virtio,mmio` regions `(physical base, size in bytes)` in
/// order and keeps the first block device (device id 2) that initialises.
/// Returns its capacity in 512-byte sectors, or `None` (no disk: nothing
/// changes). The regions must be mapped by the kernel page table.
pub fn probe(regions: &[(usize, usize)]) -> Option<u64> {
    for p in BOUNCE.lock().0.iter_mut() {
        *p = crate::mm::frame::alloc_block(0).map_or(0, |ppn| ppn.addr().to_kva());
    }
    for &(pa, size) in regions {
        let Some(header) = NonNull::new(PhysAddr(pa).to_kva() as *mut VirtIOHeader) else { continue };
        // SAFETY: the region is a virtio-mmio register window from the DTB,
        // mapped R+W in the direct map for the kernel's lifetime.
        let Ok(transport) = (unsafe { MmioTransport::new(header, size) }) else { continue };
        if transport.device_type() != DeviceType::Block {
            continue;
        }
        let Ok(blk) = Disk::new(transport) else { continue };
        if blk.readonly() {
            continue;
        }
        let capacity = blk.capacity();
        *DISK.lock() = Some(blk);
        return Some(capacity);
    }
    None
}

/// Reads the 4 KiB page at `sector` (a multiple of [`SECTORS_PER_PAGE`])
/// into `buf`, polling until the device completes the request.
pub fn read_page(sector: u64, buf: &mut [u8; PAGE_SIZE]) -> Result<(), DiskError> {
    let mut disk = DISK.lock();
    let disk = disk.as_mut().ok_or(DiskError(virtio_drivers::Error::NotReady))?;
    disk.read_blocks(sector as usize, buf).map_err(DiskError)
}

/// Writes `buf` to the 4 KiB page at `sector`, polling until the device completes the request.
pub fn write_page(sector: u64, buf: &[u8; PAGE_SIZE]) -> Result<(), DiskError> {
    let mut disk = DISK.lock();
    let disk = disk.as_mut().ok_or(DiskError(virtio_drivers::Error::NotReady))?;
    disk.write_blocks(sector as usize, buf).map_err(DiskError)
}
