//! The virtio-blk disk svos swaps to (virtio 1.2, section 5.2 block
//! device, over the MMIO transport of section 4.2), driven by interrupt with
//! several requests in flight.
//!
//! The device is found by probing each `virtio,mmio` region the DTB lists
//! for device id 2 (block); the first one wins. The `virtio-drivers` crate
//! gives the transport (feature negotiation, registers) and the split
//! virtqueue ([`VirtQueue`], [`QUEUE_SIZE`] descriptors); the block
//! requests are built here, because one request carries a list of pages
//! that need not be contiguous (a scatter-gather chain: header, one
//! descriptor per page, status byte), so swap-out writes a cluster of pages
//! and swap-in reads ahead in one request, without copies.
//!
//! - [`submit`] makes a request available, notifies the device and returns
//!   its [`ReqId`] at once: the pages belong to the device until the request
//!   completes (the caller must neither free nor change them). It never
//!   waits: when the queue has no room for the chain it returns
//!   [`DiskError::Full`], and the caller sleeps until a request in flight
//!   ([`oldest`]) completes and frees descriptors, then submits again.
//! - The device raises its interrupt line through the PLIC when it puts
//!   requests in the used ring; the hart that claims the interrupt
//!   ([`interrupt`]: claim, acknowledge the device, reap the used ring,
//!   complete) marks them done. svos runs with sstatus.SIE = 0, so the
//!   interrupt is taken in U-mode or wakes an idle hart's `wfi`; the kernel
//!   lock is taken before [`interrupt`] runs, as for every trap.
//! - [`is_done`] / [`take_error`] tell a waiter how its request ended; a
//!   process waits by sleeping until the interrupt marks it done
//!   ([`crate::proc::sched::wait_io`]). [`wait_polling`] spins instead,
//!   reaping the used ring itself, for the one caller that cannot sleep
//!   (exec of an `init=` program at boot, when no process runs).
//!
//! [`SvosHal`] gives the crate DMA memory (the rings) from the kernel heap
//! and shares buffers with the device: a buffer inside the direct map (page
//! frames, request headers on the heap) is passed by its physical address;
//! any other through one of [`BOUNCE_PAGES`] bounce pages set aside at probe
//! time, so a request never allocates for its data.

use crate::mm::address::{PAGE_SIZE, PHYS_OFFSET};
use crate::mm::{PhysAddr, PhysPageNum};
use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::ptr::NonNull;
use spin::Mutex;
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal};

/// Bytes per sector (virtio 1.2 section 5.2.6).
pub const SECTOR_SIZE: usize = 512;
/// Sectors per 4 KiB page.
pub const SECTORS_PER_PAGE: u64 = (PAGE_SIZE / SECTOR_SIZE) as u64;
/// Descriptors in the request queue: with a header and a status descriptor
/// per request, e.g. 6 requests of 8 pages each in flight at once.
pub const QUEUE_SIZE: usize = 64;
/// Most pages in one request (a swap cluster or a read-ahead window).
pub const MAX_PAGES: usize = 16;

bitflags::bitflags! {
    /// The feature bits svos negotiates (virtio 1.2 sections 5.2.3 and 6).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Features: u64 {
        /// VIRTIO_BLK_F_RO: the disk is read-only (then svos does not use it).
        const RO = 1 << 5;
        /// VIRTIO_F_VERSION_1.
        const VERSION_1 = 1 << 32;
    }
}

/// virtio-blk request types (5.2.6).
const T_IN: u32 = 0;
const T_OUT: u32 = 1;

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

/// Bounce pages, for buffers outside the direct map (the crate's own
/// requests on a kernel stack; svos's requests never need one).
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

type Queue = VirtQueue<SvosHal, QUEUE_SIZE>;

/// A request in flight: what the device was given, to give the same
/// buffers back to the queue when it completes.
struct Request {
    id: ReqId,
    write: bool,
    /// Type, reserved, sector (struct virtio_blk_req's header, 16 bytes).
    header: Box<[u8; 16]>,
    /// The status byte the device writes (0 = VIRTIO_BLK_S_OK).
    status: Box<[u8; 1]>,
    pages: Vec<PhysPageNum>,
}

impl Request {
    fn page_bytes(&self) -> Vec<&'static mut [u8]> {
        // SAFETY: the pages belong to the request until it completes
        // (submit's contract); each is a whole frame in the direct map.
        self.pages
            .iter()
            .map(|p| unsafe { core::slice::from_raw_parts_mut(p.addr().to_kva() as *mut u8, PAGE_SIZE) })
            .collect()
    }

    /// Adds the request's chain to `q`: header, pages, status; returns the token.
    fn add(&mut self, q: &mut Queue) -> Result<u16, virtio_drivers::Error> {
        let mut pages = self.page_bytes();
        let header: &[u8] = &self.header[..];
        let status: &mut [u8] = &mut self.status[..];
        // SAFETY: header, status and pages stay allocated and untouched by
        // svos until pop_used gives them back (the Request owns the first
        // two; the caller of submit owns the pages and leaves them alone).
        unsafe {
            if self.write {
                let mut ins: Vec<&[u8]> = alloc::vec![header];
                ins.extend(pages.iter().map(|p| &**p));
                q.add(&ins, &mut [status])
            } else {
                let mut outs: Vec<&mut [u8]> = core::mem::take(&mut pages);
                outs.push(status);
                q.add(&[header], &mut outs)
            }
        }
    }

    /// Takes the completed chain `token` back from `q`.
    fn pop(&mut self, q: &mut Queue, token: u16) -> Result<u32, virtio_drivers::Error> {
        let mut pages = self.page_bytes();
        let header: &[u8] = &self.header[..];
        let status: &mut [u8] = &mut self.status[..];
        // SAFETY: the same buffers as `add` gave for this token.
        unsafe {
            if self.write {
                let mut ins: Vec<&[u8]> = alloc::vec![header];
                ins.extend(pages.iter().map(|p| &**p));
                q.pop_used(token, &ins, &mut [status])
            } else {
                let mut outs: Vec<&mut [u8]> = core::mem::take(&mut pages);
                outs.push(status);
                q.pop_used(token, &[header], &mut outs)
            }
        }
    }
}

/// The disk: transport, queue and the requests in flight by token.
struct Disk {
    transport: MmioTransport<'static>,
    queue: Queue,
    /// PLIC source of the device's interrupt line.
    irq: usize,
    in_flight: BTreeMap<u16, Request>,
    next_id: ReqId,
    /// Completed requests that failed, until [`take_error`].
    failed: BTreeSet<ReqId>,
    /// Requests completed so far.
    completed: u64,
}

/// The swap disk, once [`probe`] found one. A leaf lock (kernel lock first).
static DISK: Mutex<Option<Disk>> = Mutex::new(None);

/// Identifies a request from [`submit`]: ids grow from 1, never reused.
pub type ReqId = u64;

/// Why a disk request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskError {
    /// No disk, or the device refused the request (a ring error).
    NotReady,
    /// The device completed it with VIRTIO_BLK_S_IOERR or UNSUPP.
    Io,
    /// The queue has no free descriptors for the request now: wait for a
    /// request in flight ([`oldest`]) and submit it again.
    Full,
}

/// The PLIC of QEMU's virt board (and svemu's): priorities at 4·source,
/// S-mode context of hart h = 2h + 1 (PLIC specification 1.0.0, chapter 3).
mod plic {
    pub const BASE: usize = 0x0c00_0000;
    const ENABLE: usize = 0x2000;
    const CONTEXT: usize = 0x20_0000;

    fn reg(off: usize) -> *mut u32 {
        crate::mm::PhysAddr(BASE + off).to_kva() as *mut u32
    }

    fn s_context(hart: usize) -> usize {
        2 * hart + 1
    }

    /// Priority 1 for `irq`, enabled in the S-mode context of each hart
    /// of `harts`, threshold 0 there.
    pub fn enable(irq: usize, harts: &[usize]) {
        // SAFETY: PLIC registers, mapped R+W by the kernel page table.
        unsafe {
            reg(4 * irq).write_volatile(1);
            for &h in harts {
                let c = s_context(h);
                let en = reg(ENABLE + 0x80 * c + 4 * (irq / 32));
                en.write_volatile(en.read_volatile() | 1 << (irq % 32));
                reg(CONTEXT + 0x1000 * c).write_volatile(0);
            }
        }
    }

    /// Claims the highest pending source for this hart's S-mode context (0: none).
    pub fn claim(hart: usize) -> u32 {
        // SAFETY: as enable.
        unsafe { reg(CONTEXT + 0x1000 * s_context(hart) + 4).read_volatile() }
    }

    /// Completes the claim of `irq`.
    pub fn complete(hart: usize, irq: u32) {
        // SAFETY: as enable.
        unsafe { reg(CONTEXT + 0x1000 * s_context(hart) + 4).write_volatile(irq) }
    }
}

/// The PLIC window svos maps: priorities, enables and the S-mode contexts
/// of 8 harts.
pub const PLIC_MMIO: [(usize, usize); 2] = [(plic::BASE, 0x3000), (plic::BASE + 0x20_0000, 0x1_0000)];

/// Probes the `virtio,mmio` regions `(physical base, size in bytes)` in
/// order and keeps the first writable block device (device id 2) that
/// initialises; its interrupt is enabled in the PLIC for the S-mode
/// contexts of `harts` (and sie.SEIE on this hart: the others set it in
/// [`enable_on_this_hart`]). Returns its capacity in 512-byte sectors, or
/// `None` (no disk: nothing changes). The regions and the PLIC must be
/// mapped by the kernel page table.
pub fn probe(regions: &[(usize, usize)], harts: &[usize]) -> Option<u64> {
    for p in BOUNCE.lock().0.iter_mut() {
        *p = crate::mm::frame::alloc_block(0).map_or(0, |ppn| ppn.addr().to_kva());
    }
    for &(pa, size) in regions {
        let Some(header) = NonNull::new(PhysAddr(pa).to_kva() as *mut VirtIOHeader) else { continue };
        // SAFETY: the region is a virtio-mmio register window from the DTB,
        // mapped R+W in the direct map for the kernel's lifetime.
        let Ok(mut transport) = (unsafe { MmioTransport::new(header, size) }) else { continue };
        if transport.device_type() != DeviceType::Block {
            continue;
        }
        let features = transport.begin_init(Features::RO | Features::VERSION_1);
        if features.contains(Features::RO) {
            continue;
        }
        // struct virtio_blk_config: capacity (le64) at offset 0, read as two
        // 32-bit halves (the configuration space is only 4-byte aligned).
        let (Ok(low), Ok(high)) = (transport.read_config_space::<u32>(0), transport.read_config_space::<u32>(4)) else {
            continue;
        };
        let capacity = u64::from(high) << 32 | u64::from(low);
        let Ok(queue) = Queue::new(&mut transport, 0, false, false) else { continue };
        transport.finish_init();
        // The virt board's virtio-mmio slot k (0x1000_1000 + 0x1000·k) is PLIC source 1 + k.
        let irq = 1 + (pa - 0x1000_1000) / 0x1000;
        plic::enable(irq, harts);
        *DISK.lock() = Some(Disk {
            transport,
            queue,
            irq,
            in_flight: BTreeMap::new(),
            next_id: 1,
            failed: BTreeSet::new(),
            completed: 0,
        });
        enable_on_this_hart();
        return Some(capacity);
    }
    None
}

/// Sets sie.SEIE on this hart: the disk's interrupt wakes its `wfi` and
/// interrupts U-mode (the kernel itself keeps sstatus.SIE = 0).
pub fn enable_on_this_hart() {
    // SAFETY: only enables an interrupt source; traps are handled.
    unsafe { core::arch::asm!("csrs sie, {0}", in(reg) 1usize << 9) };
}

/// Starts a request for the `pages` (1..=[`MAX_PAGES`] frames, any
/// physical addresses) at `sector`, the first page at `sector`, the next at
/// `sector + 8`, ...: a write (`write`) sends their bytes to the disk, a
/// read fills them. Returns its id at once. The pages belong to the device
/// until [`is_done`] says so: they must not be freed or changed (a read's
/// must not be looked at) before. Never waits: [`DiskError::Full`] when
/// the queue has no room for the request's `pages.len() + 2` descriptors
/// while others are in flight (nothing was submitted; wait for [`oldest`]
/// and try again), [`DiskError::NotReady`] without a disk or for a request
/// that can never fit.
pub fn submit(write: bool, sector: u64, pages: &[PhysPageNum]) -> Result<ReqId, DiskError> {
    if pages.is_empty() || pages.len() > MAX_PAGES {
        return Err(DiskError::NotReady);
    }
    let mut guard = DISK.lock();
    let disk = guard.as_mut().ok_or(DiskError::NotReady)?;
    let mut header = Box::new([0u8; 16]);
    header[0..4].copy_from_slice(&(if write { T_OUT } else { T_IN }).to_le_bytes());
    header[8..16].copy_from_slice(&sector.to_le_bytes());
    let id = disk.next_id;
    let mut req = Request { id, write, header, status: Box::new([0xff]), pages: pages.to_vec() };
    // Completed requests give their descriptors back first.
    disk.reap();
    let token = match req.add(&mut disk.queue) {
        Ok(t) => t,
        Err(virtio_drivers::Error::QueueFull) if !disk.in_flight.is_empty() => return Err(DiskError::Full),
        Err(_) => return Err(DiskError::NotReady),
    };
    disk.next_id += 1;
    disk.in_flight.insert(token, req);
    if disk.queue.should_notify() {
        disk.transport.notify(0);
    }
    Ok(id)
}

impl Disk {
    /// Takes every completed request off the used ring; true if any.
    fn reap(&mut self) -> bool {
        let mut any = false;
        while let Some(token) = self.queue.peek_used() {
            let Some(mut req) = self.in_flight.remove(&token) else { break };
            let popped = req.pop(&mut self.queue, token);
            if popped.is_err() || req.status[0] != 0 {
                self.failed.insert(req.id);
            }
            self.completed += 1;
            any = true;
        }
        if self.in_flight.is_empty() {
            // An emptied BTreeMap keeps its root node: given back when idle.
            self.in_flight = BTreeMap::new();
        }
        any
    }
}

/// The disk's interrupt, on this hart: claims PLIC sources for its S-mode
/// context, acknowledges the device and takes completed requests off the
/// used ring (so [`is_done`] turns true for them); completes the claims.
/// Also reaps when no interrupt is pending (a caller may look ahead).
/// True if a request completed.
pub fn interrupt() -> bool {
    let mut guard = DISK.lock();
    let Some(disk) = guard.as_mut() else { return false };
    let hart = crate::smp::hart_id();
    let mut claimed = Vec::new();
    loop {
        let irq = plic::claim(hart);
        if irq == 0 {
            break;
        }
        claimed.push(irq);
        if irq as usize == disk.irq {
            disk.transport.ack_interrupt();
        }
    }
    let any = disk.reap();
    for irq in claimed {
        plic::complete(hart, irq);
    }
    any
}

/// True once request `id` has completed (or never existed).
pub fn is_done(id: ReqId) -> bool {
    DISK.lock().as_ref().is_none_or(|d| d.in_flight.values().all(|r| r.id != id))
}

/// The oldest request in flight (the lowest id), if any: once it
/// completes, its descriptors are free again.
pub fn oldest() -> Option<ReqId> {
    DISK.lock().as_ref().and_then(|d| d.in_flight.values().map(|r| r.id).min())
}

/// True while any request is in flight.
pub fn busy() -> bool {
    DISK.lock().as_ref().is_some_and(|d| !d.in_flight.is_empty())
}

/// How completed request `id` ended (its error is forgotten once taken).
pub fn take_error(id: ReqId) -> Result<(), DiskError> {
    match DISK.lock().as_mut() {
        Some(d) => match d.failed.remove(&id) {
            true => Err(DiskError::Io),
            false => Ok(()),
        },
        None => Err(DiskError::NotReady),
    }
}

/// True if completed request `id` failed (its error is kept for [`take_error`]).
pub fn has_failed(id: ReqId) -> bool {
    DISK.lock().as_ref().is_some_and(|d| d.failed.contains(&id))
}

/// Waits for request `id` by spinning on the used ring (with whatever
/// locks the caller holds): for callers that cannot sleep.
pub fn wait_polling(id: ReqId) {
    if !is_done(id) {
        crate::mm::vmstat::DISK_POLLS.inc();
    }
    while !is_done(id) {
        core::hint::spin_loop();
        if let Some(d) = DISK.lock().as_mut() {
            d.reap();
        }
    }
}

/// Requests completed since boot.
pub fn completed() -> u64 {
    DISK.lock().as_ref().map_or(0, |d| d.completed)
}
