//! virtio over MMIO, version 2 (Virtual I/O Device 1.2, section 4.2.2), as
//! QEMU's virt board has it: 8 transport slots at 0x1000_1000 + 0x1000·k,
//! interrupt 1 + k on the PLIC. A slot without a device answers with
//! DeviceID 0 (as QEMU's empty slots); a slot with a `--drive` holds a
//! [`blk::Block`] device.
//!
//! The transport is the modern one (Version 2, what QEMU gives with
//! `-global virtio-mmio.force-legacy=false`; QEMU's default, the legacy
//! Version 1 with QueuePFN, is not emulated). As on QEMU 7.2, FEATURES_OK is
//! accepted whatever the driver negotiated, VIRTIO_F_VERSION_1 or not
//! (features the device did not offer are dropped). Requests are taken
//! from the available ring when the driver writes QueueNotify and complete
//! after the disk's latency ([`blk::DiskLatency`], `--disk-latency`) in
//! machine time: one request at a time, in the order the driver made them
//! available, each for `per_request + per_kib · KiB` ticks, so several may
//! be in flight. A request is carried out (its data read from or written
//! to guest RAM, its status byte stored) and put in the used ring when it
//! completes, at the first turn boundary of the machine at or after its
//! due time ([`VirtioMmio::advance`]); with a zero latency it completes
//! during the QueueNotify write, as before. The used-buffer
//! interrupt (InterruptStatus bit 0) and the configuration-change interrupt
//! (bit 1, raised with DEVICE_NEEDS_RESET when the driver breaks the ring
//! rules) hold the slot's interrupt line high until acknowledged; the line
//! is reported to the PLIC when it is raised, acknowledged or reset.
//!
//! | offset | register | reset | read | write |
//! |---|---|---|---|---|
//! | 0x000 | MagicValue | – | 0x74726976 | ignored |
//! | 0x004 | Version | – | 2 | ignored |
//! | 0x008 | DeviceID | – | 2 (block), 0 (empty slot) | ignored |
//! | 0x00c | VendorID | – | 0x554d4551 ("QEMU") | ignored |
//! | 0x010 | DeviceFeatures | – | word DeviceFeaturesSel of the offered features | ignored |
//! | 0x014, 0x024 | Device/DriverFeaturesSel | 0 | 0 | selects a word |
//! | 0x020 | DriverFeatures | 0 | 0 | the selected word, until FEATURES_OK |
//! | 0x030 | QueueSel | 0 | 0 | selects a queue (only 0 exists) |
//! | 0x034 | QueueNumMax | – | 1024 for queue 0 of a device, else 0 | ignored |
//! | 0x038 | QueueNum | 0 | 0 | a power of 2 up to 1024, while not ready |
//! | 0x044 | QueueReady | 0 | the value | 1 checks the rings (a bad ring: NEEDS_RESET) |
//! | 0x050 | QueueNotify | – | 0 | 0: process the available ring |
//! | 0x060 | InterruptStatus | 0 | bits 0 (used buffer) and 1 (configuration) | ignored |
//! | 0x064 | InterruptACK | – | 0 | clears the bits written |
//! | 0x070 | Status | 0 | the value | 0 resets the device; FEATURES_OK as above; NEEDS_RESET (bit 6) is the device's |
//! | 0x080..0x0a4 | QueueDesc/Driver/Device low, high | 0 | the value | the value, while not ready |
//! | 0x0fc | ConfigGeneration | 0 | 0 | ignored |
//! | 0x100.. | device configuration | – | virtio-blk's, any width | ignored |
//!
//! Register reads and writes other than 32 bits read 0 and are ignored (no
//! fault, as QEMU).

pub mod blk;
pub mod lock;
pub mod queue;

use virtio_bindings::virtio_config::{
    VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_NEEDS_RESET,
};
use virtio_bindings::virtio_mmio::*;
use virtio_bindings::virtio_ring::VIRTIO_RING_F_EVENT_IDX;

use std::collections::VecDeque;

use crate::devices::Ram;
use crate::reservations::Reservations;
use blk::DiskLatency;
use queue::{Chain, Queue, QueueError};

/// "virt" in little-endian ASCII.
const MAGIC: u32 = 0x7472_6976;
/// The virtio-mmio version (2: modern).
const VERSION: u32 = 2;
/// VendorID: QEMU's ("QEMU").
const VENDOR: u32 = 0x554d_4551;
const CONFIG_BASE: u64 = VIRTIO_MMIO_CONFIG as u64;

/// Guest RAM as devices see it for DMA: bounds-checked byte access, and
/// stores that break LR/SC reservations like any other store.
pub struct GuestMemory<'a> {
    ram: &'a mut Ram,
    reservations: &'a mut Reservations,
}

impl<'a> GuestMemory<'a> {
    /// Guest RAM for DMA.
    pub fn new(ram: &'a mut Ram, reservations: &'a mut Reservations) -> GuestMemory<'a> {
        GuestMemory { ram, reservations }
    }

    /// Err unless `[pa, pa + len)` is all RAM.
    pub fn check(&self, pa: u64, len: u64) -> Result<(), QueueError> {
        if self.ram.contains(pa, len) {
            Ok(())
        } else {
            Err(QueueError::OutsideRam(pa))
        }
    }

    /// Copy guest bytes at `pa` into `buf`.
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), QueueError> {
        buf.copy_from_slice(self.ram.slice(pa, buf.len() as u64).ok_or(QueueError::OutsideRam(pa))?);
        Ok(())
    }

    /// Copy `data` to guest RAM at `pa`.
    pub fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), QueueError> {
        self.slice_mut(pa, data.len() as u64)?.copy_from_slice(data);
        Ok(())
    }

    /// Guest bytes `[pa, pa + len)`.
    pub fn slice(&self, pa: u64, len: u64) -> Result<&[u8], QueueError> {
        self.ram.slice(pa, len).ok_or(QueueError::OutsideRam(pa))
    }

    /// Guest bytes `[pa, pa + len)` for the device to fill (breaking the
    /// reservations on them).
    pub fn slice_mut(&mut self, pa: u64, len: u64) -> Result<&mut [u8], QueueError> {
        let bytes = self.ram.slice_mut(pa, len).ok_or(QueueError::OutsideRam(pa))?;
        if self.reservations.any() && len > 0 {
            self.reservations.store_range(pa, len);
        }
        Ok(bytes)
    }

    fn read_n<const N: usize>(&self, pa: u64) -> Result<[u8; N], QueueError> {
        let mut b = [0; N];
        self.read(pa, &mut b)?;
        Ok(b)
    }

    /// Little-endian u16 at `pa`.
    pub fn read_u16(&self, pa: u64) -> Result<u16, QueueError> {
        self.read_n(pa).map(u16::from_le_bytes)
    }

    /// Little-endian u32 at `pa`.
    pub fn read_u32(&self, pa: u64) -> Result<u32, QueueError> {
        self.read_n(pa).map(u32::from_le_bytes)
    }

    /// Little-endian u64 at `pa`.
    pub fn read_u64(&self, pa: u64) -> Result<u64, QueueError> {
        self.read_n(pa).map(u64::from_le_bytes)
    }

    /// Store a little-endian u16 at `pa`.
    pub fn write_u16(&mut self, pa: u64, v: u16) -> Result<(), QueueError> {
        self.write(pa, &v.to_le_bytes())
    }

    /// Store a little-endian u32 at `pa`.
    pub fn write_u32(&mut self, pa: u64, v: u32) -> Result<(), QueueError> {
        self.write(pa, &v.to_le_bytes())
    }
}

/// One virtio-mmio transport slot. Its registers and queue are
/// (de)serializable for checkpoints; the device behind it (a disk image)
/// is the host's ([`VirtioMmio::restore`] keeps it).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct VirtioMmio {
    #[serde(skip)]
    device: Option<blk::Block>,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    queue: Queue,
    interrupt_status: u32,
    status: u32,
    /// InterruptStatus changed since the PLIC last saw the line.
    line_update: bool,
    /// How long the disk takes per request (the host's setting, kept by
    /// [`VirtioMmio::restore`] and resets).
    #[serde(skip)]
    latency: DiskLatency,
    /// Requests taken from the available ring and not completed yet, with
    /// the machine cycle at which each completes (ascending). Not in
    /// checkpoints: a run with a disk cannot be saved.
    #[serde(skip)]
    in_flight: VecDeque<(u64, Chain)>,
    /// The cycle at which the disk finishes the last request in flight.
    #[serde(skip)]
    busy_until: u64,
}

impl VirtioMmio {
    /// Take `saved`'s transport registers and queue, keeping this slot's device.
    pub fn restore(&mut self, saved: VirtioMmio) {
        let device = self.device.take();
        let latency = self.latency;
        *self = saved;
        self.device = device;
        self.latency = latency;
    }

    /// Sets how long the disk takes per request (default
    /// [`DiskLatency::DEFAULT`]).
    pub fn set_latency(&mut self, latency: DiskLatency) {
        self.latency = latency;
    }

    /// The machine cycle at which the next request in flight completes, if any.
    pub fn next_event(&self) -> Option<u64> {
        self.in_flight.front().map(|&(due, _)| due)
    }

    /// The disk in this slot (None: an empty slot).
    pub fn disk(&self) -> Option<&blk::Block> {
        self.device.as_ref()
    }

    /// A slot holding `device` (None: an empty slot, DeviceID 0).
    pub fn new(device: Option<blk::Block>) -> VirtioMmio {
        VirtioMmio {
            device,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            queue: Queue::default(),
            interrupt_status: 0,
            status: 0,
            line_update: false,
            latency: DiskLatency::DEFAULT,
            in_flight: VecDeque::new(),
            busy_until: 0,
        }
    }

    /// The block device in this slot, if any.
    pub fn block(&self) -> Option<&blk::Block> {
        self.device.as_ref()
    }

    /// The slot's interrupt line (to the PLIC): InterruptStatus is not 0.
    pub fn irq(&self) -> bool {
        self.interrupt_status != 0
    }

    /// The line's level, when the device re-evaluated it since the last
    /// call (as QEMU's `virtio_update_irq`: after a used buffer or a
    /// configuration change is signalled, an InterruptACK write, a reset).
    pub fn take_line_update(&mut self) -> Option<bool> {
        std::mem::take(&mut self.line_update).then(|| self.irq())
    }

    fn reset(&mut self) {
        let device = self.device.take();
        let latency = self.latency;
        *self = VirtioMmio::new(device);
        self.latency = latency;
        self.line_update = true;
    }

    fn device_features(&self) -> u64 {
        self.device.as_ref().map_or(0, |d| d.features())
    }

    /// Read the register at `offset`: 32-bit accesses to the registers,
    /// any width to the device configuration space; anything else reads 0.
    pub fn read(&mut self, offset: u64, size: u8) -> u64 {
        if offset >= CONFIG_BASE {
            return self.device.as_ref().map_or(0, |d| d.config_read(offset - CONFIG_BASE, size));
        }
        if size != 4 {
            return 0;
        }
        let q = &self.queue;
        let has_queue = self.device.is_some() && self.queue_sel == 0;
        (match offset as u32 {
            VIRTIO_MMIO_MAGIC_VALUE => MAGIC,
            VIRTIO_MMIO_VERSION => VERSION,
            VIRTIO_MMIO_DEVICE_ID => self.device.as_ref().map_or(0, |_| blk::DEVICE_ID),
            VIRTIO_MMIO_VENDOR_ID => VENDOR,
            VIRTIO_MMIO_DEVICE_FEATURES => match self.device_features_sel {
                0 => self.device_features() as u32,
                1 => (self.device_features() >> 32) as u32,
                _ => 0,
            },
            VIRTIO_MMIO_QUEUE_NUM_MAX if has_queue => queue::MAX_SIZE as u32,
            VIRTIO_MMIO_QUEUE_READY if has_queue => q.ready as u32,
            VIRTIO_MMIO_INTERRUPT_STATUS => self.interrupt_status,
            VIRTIO_MMIO_STATUS => self.status,
            VIRTIO_MMIO_QUEUE_DESC_LOW if has_queue => q.desc as u32,
            VIRTIO_MMIO_QUEUE_DESC_HIGH if has_queue => (q.desc >> 32) as u32,
            VIRTIO_MMIO_QUEUE_AVAIL_LOW if has_queue => q.avail as u32,
            VIRTIO_MMIO_QUEUE_AVAIL_HIGH if has_queue => (q.avail >> 32) as u32,
            VIRTIO_MMIO_QUEUE_USED_LOW if has_queue => q.used as u32,
            VIRTIO_MMIO_QUEUE_USED_HIGH if has_queue => (q.used >> 32) as u32,
            VIRTIO_MMIO_CONFIG_GENERATION => 0,
            _ => 0,
        }) as u64
    }

    /// Write the register at `offset` (32-bit accesses; the configuration
    /// space is read-only for virtio-blk's fields we offer). A QueueNotify
    /// at machine cycle `now` takes the available requests from the queue in
    /// `mem` (see the module doc for when they complete).
    pub fn write(&mut self, offset: u64, size: u8, val: u64, mem: &mut GuestMemory, now: u64) {
        if size != 4 || offset >= CONFIG_BASE || self.device.is_none() {
            return;
        }
        let val = val as u32;
        let set_low = |r: &mut u64| *r = (*r & !0xffff_ffff) | val as u64;
        let set_high = |r: &mut u64| *r = (*r & 0xffff_ffff) | (val as u64) << 32;
        // Queue registers may change only while the queue is not ready (4.2.3.2).
        let q_writable = self.queue_sel == 0 && !self.queue.ready;
        match offset as u32 {
            VIRTIO_MMIO_DEVICE_FEATURES_SEL => self.device_features_sel = val,
            VIRTIO_MMIO_DRIVER_FEATURES_SEL => self.driver_features_sel = val,
            VIRTIO_MMIO_DRIVER_FEATURES if self.status & VIRTIO_CONFIG_S_FEATURES_OK == 0 => {
                match self.driver_features_sel {
                    0 => set_low(&mut self.driver_features),
                    1 => set_high(&mut self.driver_features),
                    _ => {}
                }
            }
            VIRTIO_MMIO_QUEUE_SEL => self.queue_sel = val,
            VIRTIO_MMIO_QUEUE_NUM if q_writable => {
                // A power of 2 up to QueueNumMax; anything else leaves the queue unusable.
                self.queue.size = if val.is_power_of_two() && val <= queue::MAX_SIZE as u32 { val as u16 } else { 0 };
            }
            VIRTIO_MMIO_QUEUE_READY if self.queue_sel == 0 => {
                self.queue.ready = val & 1 != 0;
                if self.queue.ready {
                    let event_idx = self.negotiated(VIRTIO_RING_F_EVENT_IDX);
                    if self.queue.size == 0 || self.queue.check_rings(mem, event_idx).is_err() {
                        self.fail();
                    }
                }
            }
            // Queue 0 is the block device's only queue.
            VIRTIO_MMIO_QUEUE_NOTIFY if val == 0 => self.notify(mem, now),
            VIRTIO_MMIO_INTERRUPT_ACK => {
                self.interrupt_status &= !val;
                self.line_update = true;
            }
            VIRTIO_MMIO_STATUS => self.write_status(val),
            VIRTIO_MMIO_QUEUE_DESC_LOW if q_writable => set_low(&mut self.queue.desc),
            VIRTIO_MMIO_QUEUE_DESC_HIGH if q_writable => set_high(&mut self.queue.desc),
            VIRTIO_MMIO_QUEUE_AVAIL_LOW if q_writable => set_low(&mut self.queue.avail),
            VIRTIO_MMIO_QUEUE_AVAIL_HIGH if q_writable => set_high(&mut self.queue.avail),
            VIRTIO_MMIO_QUEUE_USED_LOW if q_writable => set_low(&mut self.queue.used),
            VIRTIO_MMIO_QUEUE_USED_HIGH if q_writable => set_high(&mut self.queue.used),
            _ => {}
        }
    }

    fn negotiated(&self, bit: u32) -> bool {
        self.driver_features >> bit & 1 != 0
    }

    fn write_status(&mut self, val: u32) {
        if val == 0 {
            self.reset();
            return;
        }
        if val & VIRTIO_CONFIG_S_FEATURES_OK != 0 && self.status & VIRTIO_CONFIG_S_FEATURES_OK == 0 {
            // As QEMU 7.2 (virtio_set_features): features the device did
            // not offer are dropped, not refused, and a driver that did not
            // accept VIRTIO_F_VERSION_1 is accepted all the same (the spec,
            // 3.1.1, lets a device refuse both; QEMU refuses neither).
            self.driver_features &= self.device_features();
        }
        // NEEDS_RESET is the device's to set; the driver cannot clear it but by a reset.
        self.status = (val & !VIRTIO_CONFIG_S_NEEDS_RESET) | (self.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    }

    /// The driver broke the rules (2.1.2): DEVICE_NEEDS_RESET and a
    /// configuration-change interrupt; the device does nothing more until reset.
    fn fail(&mut self) {
        self.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
        self.interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
        self.line_update = true;
    }

    fn live(&self) -> bool {
        let live = VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FEATURES_OK;
        self.status & live == live && self.status & VIRTIO_CONFIG_S_NEEDS_RESET == 0 && self.queue.ready
    }

    /// QueueNotify: every available request is queued behind those in
    /// flight, to complete `latency` after the disk is free (at once, with
    /// a zero latency).
    fn notify(&mut self, mem: &mut GuestMemory, now: u64) {
        if !self.live() {
            return;
        }
        let event_idx = self.negotiated(VIRTIO_RING_F_EVENT_IDX);
        let Some(dev) = self.device.as_mut() else { return };
        let (latency, in_flight, busy_until) = (self.latency, &mut self.in_flight, &mut self.busy_until);
        let queue = &mut self.queue;
        let result = (|| -> Result<bool, QueueError> {
            let mut any = false;
            while let Some(chain) = queue.pop(mem)? {
                if latency.is_zero() {
                    let written = dev.handle(&chain, mem)?;
                    queue.push_used(mem, chain.head, written)?;
                    any = true;
                } else {
                    *busy_until = (*busy_until).max(now) + latency.cycles(blk::data_bytes(&chain));
                    in_flight.push_back((*busy_until, chain));
                }
            }
            Ok(any && queue.needs_interrupt(mem, event_idx)?)
        })();
        self.signal(result);
    }

    /// Completes the requests in flight due at machine cycle `now` or
    /// before, in order: each is carried out against `mem` and put in the
    /// used ring, then the used-buffer interrupt is raised (unless the
    /// driver suppressed it). Requests of a device reset since are dropped.
    pub fn advance(&mut self, now: u64, mem: &mut GuestMemory) {
        if self.next_event().is_none_or(|due| due > now) {
            return;
        }
        if !self.live() {
            self.in_flight.clear();
            return;
        }
        let event_idx = self.negotiated(VIRTIO_RING_F_EVENT_IDX);
        let Some(dev) = self.device.as_mut() else { return };
        let (in_flight, queue) = (&mut self.in_flight, &mut self.queue);
        let result = (|| -> Result<bool, QueueError> {
            let mut any = false;
            while in_flight.front().is_some_and(|&(due, _)| due <= now) {
                let Some((_, chain)) = in_flight.pop_front() else { break };
                let written = dev.handle(&chain, mem)?;
                queue.push_used(mem, chain.head, written)?;
                any = true;
            }
            Ok(any && queue.needs_interrupt(mem, event_idx)?)
        })();
        self.signal(result);
    }

    /// Raises the used-buffer interrupt for `Ok(true)`; a ring error marks
    /// the device DEVICE_NEEDS_RESET.
    fn signal(&mut self, result: Result<bool, QueueError>) {
        match result {
            Ok(true) => {
                self.interrupt_status |= VIRTIO_MMIO_INT_VRING;
                self.line_update = true;
            }
            Ok(false) => {}
            Err(e) => {
                log::warn!("virtio-blk: {e}; the device needs a reset");
                self.in_flight.clear();
                self.fail();
            }
        }
    }
}

#[cfg(test)]
mod tests;
