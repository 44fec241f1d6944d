//! Split virtqueues (Virtual I/O Device 1.2, section 2.7), device side: the
//! descriptor table, the available (driver) ring and the used (device) ring
//! in guest RAM, with indirect descriptors (2.7.5.3) and event index
//! suppression (2.7.7, 2.7.10).
//!
//! Everything the driver wrote is untrusted: an index beyond the queue, a
//! loop, a nested or empty indirect table, or a ring outside RAM is a
//! [`QueueError`], after which the transport marks the device
//! DEVICE_NEEDS_RESET; no access ever leaves guest RAM.

use virtio_bindings::virtio_ring::{
    VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE,
};

use super::GuestMemory;

/// Largest queue size the transport accepts (QueueNumMax), as QEMU's
/// virtio-mmio (`VIRTQUEUE_MAX_SIZE`).
pub const MAX_SIZE: u16 = 1024;
/// Most buffers in one descriptor chain, indirect tables included: 1024,
/// QEMU's VIRTQUEUE_MAX_SIZE. An indirect table in a large RAM could
/// otherwise describe 2^28 buffers.
pub const MAX_CHAIN: usize = 1024;
const DESC_SIZE: u64 = 16;

/// Why a queue cannot be processed: the driver broke the ring rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// A ring or table lies (partly) outside guest RAM.
    #[error("virtqueue memory at {0:#x} is outside RAM")]
    OutsideRam(u64),
    /// A descriptor index at or beyond the table size.
    #[error("descriptor index {0} out of range")]
    BadIndex(u16),
    /// A chain longer than its table: a loop.
    #[error("descriptor chain loops")]
    Loop,
    /// A chain of more than [`MAX_CHAIN`] buffers.
    #[error("descriptor chain longer than {MAX_CHAIN} buffers")]
    TooLong,
    /// An indirect table that is empty, not a multiple of 16 bytes, or nested.
    #[error("malformed indirect descriptor table")]
    BadIndirect,
    /// A device-readable descriptor after a device-writable one (2.7.4.2).
    #[error("device-readable descriptor after a device-writable one")]
    ReadableAfterWritable,
    /// The driver made more buffers available than the queue holds.
    #[error("available index moved by more than the queue size")]
    BadAvailIndex,
    /// A request without a device-writable byte for its status.
    #[error("request without a status byte")]
    NoStatus,
}

/// One buffer of a descriptor chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// Guest physical address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// Device-writable (VIRTQ_DESC_F_WRITE).
    pub writable: bool,
}

/// A descriptor chain the driver made available: its head index (for the
/// used ring) and its buffers in order, readable ones first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chain {
    /// Index of the head descriptor.
    pub head: u16,
    /// The buffers.
    pub buffers: Vec<Buffer>,
}

/// The state of one virtqueue as the driver configured it through the
/// transport, and the device's position in its rings.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, Default)]
pub struct Queue {
    /// Queue size (QueueNum), a power of 2 up to [`MAX_SIZE`].
    pub size: u16,
    /// QueueReady.
    pub ready: bool,
    /// Descriptor table address.
    pub desc: u64,
    /// Available ring address.
    pub avail: u64,
    /// Used ring address.
    pub used: u64,
    /// Next available-ring entry the device will take.
    pub next_avail: u16,
    /// Next used-ring entry the device will fill.
    pub next_used: u16,
    /// used_idx when the driver was last notified (event index).
    signalled_used: u16,
}

impl Queue {
    /// Take the next available chain, if the driver made one available.
    pub fn pop(&mut self, mem: &mut GuestMemory) -> Result<Option<Chain>, QueueError> {
        let avail_idx = mem.read_u16(self.avail + 2)?;
        let outstanding = avail_idx.wrapping_sub(self.next_avail);
        if outstanding == 0 {
            return Ok(None);
        }
        if outstanding > self.size {
            return Err(QueueError::BadAvailIndex);
        }
        let slot = self.next_avail % self.size;
        let head = mem.read_u16(self.avail + 4 + 2 * slot as u64)?;
        self.next_avail = self.next_avail.wrapping_add(1);
        self.read_chain(mem, head).map(Some)
    }

    fn read_chain(&self, mem: &mut GuestMemory, head: u16) -> Result<Chain, QueueError> {
        let mut chain = Chain { head, buffers: Vec::new() };
        let (mut table, mut table_len, mut index) = (self.desc, self.size as u32, head);
        let mut indirect = false;
        let mut seen = 0u32;
        loop {
            if index as u32 >= table_len {
                return Err(QueueError::BadIndex(index));
            }
            seen += 1;
            if seen > table_len {
                return Err(QueueError::Loop);
            }
            let d = table + DESC_SIZE * index as u64;
            let (addr, len, flags, next) =
                (mem.read_u64(d)?, mem.read_u32(d + 8)?, mem.read_u16(d + 12)? as u32, mem.read_u16(d + 14)?);
            if flags & VRING_DESC_F_INDIRECT != 0 {
                // 2.7.5.3.1: not inside an indirect table, not with NEXT, a whole
                // number of descriptors.
                if indirect || flags & VRING_DESC_F_NEXT != 0 || len == 0 || !(len as u64).is_multiple_of(DESC_SIZE) {
                    return Err(QueueError::BadIndirect);
                }
                mem.check(addr, len as u64)?;
                (table, table_len, index, seen, indirect) = (addr, len / DESC_SIZE as u32, 0, 0, true);
                continue;
            }
            let writable = flags & VRING_DESC_F_WRITE != 0;
            if !writable && chain.buffers.last().is_some_and(|b| b.writable) {
                return Err(QueueError::ReadableAfterWritable);
            }
            if chain.buffers.len() == MAX_CHAIN {
                return Err(QueueError::TooLong);
            }
            chain.buffers.push(Buffer { addr, len, writable });
            if flags & VRING_DESC_F_NEXT == 0 {
                return Ok(chain);
            }
            index = next;
        }
    }

    /// Put chain `head` in the used ring with `written` bytes written to its
    /// device-writable buffers.
    pub fn push_used(&mut self, mem: &mut GuestMemory, head: u16, written: u32) -> Result<(), QueueError> {
        let slot = (self.next_used % self.size) as u64;
        let entry = self.used + 4 + 8 * slot;
        mem.write_u32(entry, head as u32)?;
        mem.write_u32(entry + 4, written)?;
        self.next_used = self.next_used.wrapping_add(1);
        mem.write_u16(self.used + 2, self.next_used)
    }

    /// After a batch of used entries: publish avail_event (with event
    /// index) and tell whether the driver wants an interrupt now.
    pub fn needs_interrupt(&mut self, mem: &mut GuestMemory, event_idx: bool) -> Result<bool, QueueError> {
        if event_idx {
            // avail_event, after the used ring: notify us at the next new buffer.
            mem.write_u16(self.used + 4 + 8 * self.size as u64, self.next_avail)?;
            let used_event = mem.read_u16(self.avail + 4 + 2 * self.size as u64)?;
            let (new, old) = (self.next_used, self.signalled_used);
            self.signalled_used = new;
            // vring_need_event (2.7.10): used_event in [old, new).
            Ok(new.wrapping_sub(used_event).wrapping_sub(1) < new.wrapping_sub(old))
        } else {
            let flags = mem.read_u16(self.avail)? as u32;
            Ok(flags & VRING_AVAIL_F_NO_INTERRUPT == 0)
        }
    }

    /// Check that the rings of a queue of this size lie inside RAM.
    pub fn check_rings(&self, mem: &mut GuestMemory, event_idx: bool) -> Result<(), QueueError> {
        let n = self.size as u64;
        let extra = if event_idx { 2 } else { 0 };
        mem.check(self.desc, DESC_SIZE * n)?;
        mem.check(self.avail, 4 + 2 * n + extra)?;
        mem.check(self.used, 4 + 8 * n + extra)
    }
}
