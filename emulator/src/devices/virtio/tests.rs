//! The transport and block device driven register by register, with rings
//! built by hand in RAM, including the malformed ones a hostile driver makes.

use super::*;
use crate::devices::virtio::blk::Block;
use virtio_bindings::virtio_blk::{VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT};
use virtio_bindings::virtio_config::VIRTIO_F_VERSION_1;
use virtio_bindings::virtio_ring::VIRTIO_RING_F_INDIRECT_DESC;

const BASE: u64 = 0x8000_0000;
const DESC: u64 = BASE + 0x1000;
const AVAIL: u64 = BASE + 0x2000;
const USED: u64 = BASE + 0x3000;
const HDR: u64 = BASE + 0x4000;
const DATA: u64 = BASE + 0x5000;
const STATUS: u64 = BASE + 0x6000;
const ITABLE: u64 = BASE + 0x7000;
const QSIZE: u16 = 4;

struct Rig {
    ram: Ram,
    res: Reservations,
    dev: VirtioMmio,
    image: std::path::PathBuf,
}

impl Rig {
    /// A block device on a fresh 8-sector image, driver set up with `features`.
    fn new(name: &str, features: u64) -> Rig {
        let image = std::env::temp_dir().join(format!("svemu-virtio-unit-{}-{name}.img", std::process::id()));
        std::fs::write(&image, vec![0u8; 8 * 512]).unwrap();
        let block = Block::open(&image, "unit", true).unwrap();
        let mut r =
            Rig { ram: Ram::new(BASE, 1 << 20), res: Reservations::new(1), dev: VirtioMmio::new(Some(block)), image };
        // Requests complete during the notify (the latency has its own test).
        r.dev.set_latency(DiskLatency::ZERO);
        r.w(VIRTIO_MMIO_STATUS, 3);
        r.w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        r.w(VIRTIO_MMIO_DRIVER_FEATURES, features as u32);
        r.w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        r.w(VIRTIO_MMIO_DRIVER_FEATURES, (features >> 32) as u32);
        r.w(VIRTIO_MMIO_STATUS, 11);
        r.w(VIRTIO_MMIO_QUEUE_NUM, QSIZE as u32);
        r.w(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC as u32);
        r.w(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL as u32);
        r.w(VIRTIO_MMIO_QUEUE_USED_LOW, USED as u32);
        r.w(VIRTIO_MMIO_QUEUE_READY, 1);
        r.w(VIRTIO_MMIO_STATUS, 15);
        r
    }

    fn w(&mut self, reg: u32, val: u32) {
        let mut mem = GuestMemory::new(&mut self.ram, &mut self.res);
        self.dev.write(reg as u64, 4, val as u64, &mut mem, 0);
    }

    fn r(&mut self, reg: u32) -> u32 {
        self.dev.read(reg as u64, 4) as u32
    }

    fn desc(&mut self, table: u64, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let d = table + 16 * i as u64;
        self.ram.write(d, 8, addr);
        self.ram.write(d + 8, 4, len as u64);
        self.ram.write(d + 12, 2, flags as u64);
        self.ram.write(d + 14, 2, next as u64);
    }

    /// Make chain `head` available and notify.
    fn submit(&mut self, head: u16) {
        let idx = self.ram.read(AVAIL + 2, 2) as u16;
        self.ram.write(AVAIL + 4 + 2 * (idx % QSIZE) as u64, 2, head as u64);
        self.ram.write(AVAIL + 2, 2, idx.wrapping_add(1) as u64);
        self.w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    }

    fn header(&mut self, kind: u32, sector: u64) {
        self.ram.write(HDR, 4, kind as u64);
        self.ram.write(HDR + 8, 8, sector);
        self.ram.write(STATUS, 1, 0xff);
    }

    /// Submit a three-descriptor request (header, 512 data bytes at DATA,
    /// status) of `kind` at `sector`, and return its status byte.
    fn request(&mut self, kind: u32, sector: u64) -> u32 {
        let data_flags = if kind == VIRTIO_BLK_T_IN { 3 } else { 1 };
        self.header(kind, sector);
        self.desc(DESC, 0, HDR, 16, 1, 1);
        self.desc(DESC, 1, DATA, 512, data_flags, 2);
        self.desc(DESC, 2, STATUS, 1, 2, 0);
        self.submit(0);
        self.ram.read(STATUS, 1) as u32
    }

    fn needs_reset(&mut self) -> bool {
        self.r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET != 0
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        std::fs::remove_file(&self.image).ok();
    }
}

const MODERN: u64 = 1 << VIRTIO_F_VERSION_1;

#[test]
fn empty_slot_identifies_as_device_zero() {
    let mut d = VirtioMmio::new(None);
    assert_eq!(d.read(0, 4), MAGIC as u64);
    assert_eq!(d.read(4, 4), 2);
    assert_eq!(d.read(8, 4), 0);
    assert_eq!(d.read(VIRTIO_MMIO_QUEUE_NUM_MAX as u64, 4), 0);
}

#[test]
fn features_ok_is_accepted_as_qemu_does_and_unoffered_features_dropped() {
    // A driver that writes only the low 32 feature bits (no VERSION_1)
    // gets FEATURES_OK and a working device, as on QEMU 7.2.
    let mut r = Rig::new("legacy", 0);
    assert_ne!(r.r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 0), VIRTIO_BLK_S_OK);
    let mut r = Rig::new("unknown", MODERN | 1 << 40);
    assert_ne!(r.r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
    assert_eq!(r.dev.driver_features, MODERN, "a feature the device did not offer is dropped");
    let mut r = Rig::new("modern", MODERN);
    assert_ne!(r.r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
}

#[test]
fn requests_complete_after_the_disk_latency_one_after_another() {
    let mut r = Rig::new("latency", MODERN);
    // 100 ticks a request + 2 a KiB: a 512-byte write takes 102 ticks.
    r.dev.set_latency(DiskLatency { per_request: 100, per_kib: 2 });
    let cost = 102 * crate::devices::clint::CYCLES_PER_TICK;
    // Two writes in flight, each one readable buffer (header and 512 data
    // bytes) and a status byte: sector 1 of 0x11s, sector 2 of 0x22s.
    for (k, (sector, byte)) in [(1u64, 0x11u8), (2, 0x22)].into_iter().enumerate() {
        let buf = HDR + 0x400 * k as u64;
        r.ram.write(buf, 4, VIRTIO_BLK_T_OUT as u64);
        r.ram.write(buf + 8, 8, sector);
        r.ram.slice_mut(buf + 16, 512).unwrap().fill(byte);
        r.ram.write(STATUS + k as u64, 1, 0xff);
        r.desc(DESC, 2 * k as u16, buf, 16 + 512, 1, 2 * k as u16 + 1);
        r.desc(DESC, 2 * k as u16 + 1, STATUS + k as u64, 1, 2, 0);
        r.ram.write(AVAIL + 4 + 2 * k as u64, 2, 2 * k as u64);
    }
    r.ram.write(AVAIL + 2, 2, 2);
    r.w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    let sector = |r: &Rig, s: usize| std::fs::read(&r.image).unwrap()[s * 512];
    let used = |r: &Rig| r.ram.read(USED + 2, 2);
    assert_eq!((used(&r), r.dev.irq(), sector(&r, 1)), (0, false, 0), "nothing before the latency");
    assert_eq!(r.dev.next_event(), Some(cost));
    r.dev.advance(cost - 1, &mut GuestMemory::new(&mut r.ram, &mut r.res));
    assert_eq!(used(&r), 0);
    r.dev.advance(cost, &mut GuestMemory::new(&mut r.ram, &mut r.res));
    assert_eq!((used(&r), r.dev.irq()), (1, true), "the first completes, with its interrupt");
    assert_eq!((sector(&r, 1), r.ram.read(STATUS, 1)), (0x11, VIRTIO_BLK_S_OK as u64));
    assert_eq!((sector(&r, 2), r.dev.next_event()), (0, Some(2 * cost)), "the second waits its turn");
    r.dev.advance(2 * cost, &mut GuestMemory::new(&mut r.ram, &mut r.res));
    assert_eq!((used(&r), sector(&r, 2), r.dev.next_event()), (2, 0x22, None));
}

#[test]
fn disk_latency_parses_ticks_per_request_and_per_kib() {
    assert_eq!("250,4".parse(), Ok(DiskLatency { per_request: 250, per_kib: 4 }));
    assert_eq!("0".parse(), Ok(DiskLatency::ZERO));
    assert!("x".parse::<DiskLatency>().is_err());
    assert_eq!(DiskLatency::DEFAULT.cycles(4096), 1040 * crate::devices::clint::CYCLES_PER_TICK);
}

#[test]
fn write_then_read_and_out_of_range_requests() {
    let mut r = Rig::new("rw", MODERN);
    r.ram.slice_mut(DATA, 512).unwrap().fill(0x3c);
    assert_eq!(r.request(VIRTIO_BLK_T_OUT, 7), VIRTIO_BLK_S_OK);
    assert_eq!(r.ram.read(USED + 2, 2), 1);
    assert_eq!(r.r(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
    assert!(r.dev.irq());
    r.w(VIRTIO_MMIO_INTERRUPT_ACK, 1);
    assert!(!r.dev.irq());
    let image = std::fs::read(&r.image).unwrap();
    assert!(image[7 * 512..].iter().all(|&b| b == 0x3c) && image[..7 * 512].iter().all(|&b| b == 0));

    // Sector 8 is past the end of an 8-sector disk; 100 bytes is not whole sectors.
    for (sector, len) in [(8, 512), (0, 100), (u64::MAX / 256, 512)] {
        r.header(VIRTIO_BLK_T_IN, sector);
        r.desc(DESC, 1, DATA, len, 3, 2);
        r.submit(0);
        assert_eq!(r.ram.read(STATUS, 1) as u32, VIRTIO_BLK_S_IOERR, "sector {sector} len {len}");
    }
    assert!(!r.needs_reset());
}

#[test]
fn malformed_chains_need_a_reset_and_touch_nothing_outside_ram() {
    // A loop: 0 -> 1 -> 0.
    let mut r = Rig::new("loop", MODERN);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, 1, 1);
    r.desc(DESC, 1, DATA, 512, 3, 0);
    r.submit(0);
    assert!(r.needs_reset());
    assert_eq!(r.r(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_CONFIG);
    assert_eq!(r.ram.read(USED + 2, 2), 0, "nothing was used");
    // The driver cannot clear NEEDS_RESET but by a reset.
    r.w(VIRTIO_MMIO_STATUS, 15);
    assert!(r.needs_reset());
    r.w(VIRTIO_MMIO_STATUS, 0);
    assert!(!r.needs_reset());

    // next beyond the table.
    let mut r = Rig::new("index", MODERN);
    r.desc(DESC, 0, HDR, 16, 1, 9);
    r.submit(0);
    assert!(r.needs_reset());

    // A data buffer past the end of RAM: no byte written anywhere, no panic.
    let mut r = Rig::new("outside", MODERN);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, 1, 1);
    r.desc(DESC, 1, BASE + (1 << 20) - 256, 512, 3, 2);
    r.desc(DESC, 2, STATUS, 1, 2, 0);
    r.submit(0);
    assert!(r.needs_reset());
    assert_eq!(r.ram.read(STATUS, 1), 0xff, "the status byte is untouched");

    // A nested indirect table, and one of a length that is not whole descriptors.
    let mut r = Rig::new("nested", MODERN | 1 << VIRTIO_RING_F_INDIRECT_DESC);
    r.desc(ITABLE, 0, ITABLE, 16, 4, 0);
    r.desc(DESC, 0, ITABLE, 16, 4, 0);
    r.submit(0);
    assert!(r.needs_reset());
    let mut r = Rig::new("indirect-len", MODERN | 1 << VIRTIO_RING_F_INDIRECT_DESC);
    r.desc(DESC, 0, ITABLE, 20, 4, 0);
    r.submit(0);
    assert!(r.needs_reset());

    // A readable buffer after a writable one, and an avail index far ahead.
    let mut r = Rig::new("order", MODERN);
    r.desc(DESC, 0, STATUS, 1, 3, 1);
    r.desc(DESC, 1, HDR, 16, 0, 0);
    r.submit(0);
    assert!(r.needs_reset());
    let mut r = Rig::new("avail", MODERN);
    r.ram.write(AVAIL + 2, 2, 100);
    r.w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert!(r.needs_reset());

    // Rings outside RAM are refused when the queue is made ready.
    let mut r = Rig::new("rings", MODERN);
    r.w(VIRTIO_MMIO_STATUS, 0);
    r.w(VIRTIO_MMIO_STATUS, 3);
    r.w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    r.w(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    r.w(VIRTIO_MMIO_STATUS, 11);
    r.w(VIRTIO_MMIO_QUEUE_NUM, QSIZE as u32);
    r.w(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
    r.w(VIRTIO_MMIO_QUEUE_READY, 1);
    assert!(r.needs_reset());
}

#[test]
fn event_index_suppresses_interrupts_until_used_event() {
    let mut r = Rig::new("event", MODERN | 1 << VIRTIO_RING_F_EVENT_IDX);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, 1, 1);
    r.desc(DESC, 1, STATUS, 1, 2, 0);
    // used_event = 1: no interrupt for the first buffer (used idx 0 -> 1), one for the second.
    r.ram.write(AVAIL + 4 + 2 * QSIZE as u64, 2, 1);
    r.submit(0);
    assert_eq!(r.ram.read(USED + 2, 2), 1);
    assert!(!r.dev.irq());
    // The device published avail_event = 1 (notify it at the next buffer).
    assert_eq!(r.ram.read(USED + 4 + 8 * QSIZE as u64, 2), 1);
    r.submit(0);
    assert!(r.dev.irq());
}

#[test]
fn dma_breaks_lr_sc_reservations() {
    let mut r = Rig::new("reservation", MODERN);
    r.res.acquire(0, DATA + 64);
    assert_eq!(r.request(VIRTIO_BLK_T_IN, 0), VIRTIO_BLK_S_OK);
    assert!(!r.res.release(0), "the device's store into the granule broke the reservation");
}

/// An indirect table can describe len / 16 buffers: 2^28 in a large RAM.
/// A chain of more than MAX_CHAIN (1024, as QEMU) buffers is refused before
/// svemu gathers them.
#[test]
fn chains_longer_than_1024_buffers_need_a_reset() {
    for (n, refused) in [(queue::MAX_CHAIN as u16, false), (queue::MAX_CHAIN as u16 + 1, true)] {
        let mut r = Rig::new("long", MODERN | 1 << VIRTIO_RING_F_INDIRECT_DESC);
        r.header(VIRTIO_BLK_T_IN, 0);
        r.desc(ITABLE, 0, HDR, 16, 1, 1);
        for i in 1..n {
            let last = i == n - 1;
            r.desc(ITABLE, i, STATUS, 1, if last { 2 } else { 3 }, i + 1);
        }
        r.desc(DESC, 0, ITABLE, 16 * n as u32, 4, 0);
        r.submit(0);
        assert_eq!(r.needs_reset(), refused, "{n} buffers");
    }
}
