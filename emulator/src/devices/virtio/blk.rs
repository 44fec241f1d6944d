//! A virtio block device (Virtual I/O Device 1.2, section 5.2) backed by a
//! raw image file, the format `qemu-img create -f raw` makes: sector s is
//! bytes 512·s .. 512·s + 511 of the file.
//!
//! Requests: IN (read), OUT (write), FLUSH (fsync of the file's data) and
//! GET_ID (the serial, 20 bytes). Writes reach the file at once (the host's
//! page cache); FLUSH and [`Block::sync`] (called at power-off) make them
//! durable. A request the device cannot carry out (a sector beyond the
//! disk, a length not a multiple of 512, a short header, a host I/O error)
//! completes with VIRTIO_BLK_S_IOERR; an unknown type with
//! VIRTIO_BLK_S_UNSUPP.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use virtio_bindings::virtio_blk::*;
use virtio_bindings::virtio_config::VIRTIO_F_VERSION_1;
use virtio_bindings::virtio_ids::VIRTIO_ID_BLOCK;
use virtio_bindings::virtio_ring::{VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC};

use super::queue::{Buffer, Chain, QueueError};
use super::GuestMemory;

/// DeviceID of a block device.
pub const DEVICE_ID: u32 = VIRTIO_ID_BLOCK;
/// Sector size in bytes: the unit of `capacity` and of request offsets.
pub const SECTOR: u64 = 512;
/// Most data segments in one request (config `seg_max`), as QEMU: its
/// virtio-blk `queue-size` (256) - 2.
const SEG_MAX: u32 = 256 - 2;
const HEADER: u64 = 16;

/// How long the disk takes to carry out a request, in ticks of mtime
/// ([`crate::devices::clint::TIMEBASE_HZ`], 10 MHz: 100 ns each; one tick
/// is [`crate::devices::clint::CYCLES_PER_TICK`] instructions of a hart):
/// `per_request + per_kib · ⌈data bytes / 1024⌉`. Machine time, not host
/// time, so runs stay deterministic. The disk serves one request at a time
/// (see [`super`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskLatency {
    /// Ticks every request takes (seek, command overhead).
    pub per_request: u64,
    /// Ticks per KiB of data moved (transfer rate).
    pub per_kib: u64,
}

impl DiskLatency {
    /// svemu's default: 1000 ticks (100 µs) a request plus 10 ticks (1 µs)
    /// a KiB, a fast SSD's figures: a 4 KiB page takes 104 µs.
    pub const DEFAULT: DiskLatency = DiskLatency { per_request: 1000, per_kib: 10 };
    /// No latency: a request completes while the driver notifies the device.
    pub const ZERO: DiskLatency = DiskLatency { per_request: 0, per_kib: 0 };

    /// True for [`DiskLatency::ZERO`].
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    /// Machine cycles a request moving `bytes` of data takes (saturating).
    pub fn cycles(&self, bytes: u64) -> u64 {
        self.per_kib
            .saturating_mul(bytes.div_ceil(1024))
            .saturating_add(self.per_request)
            .saturating_mul(crate::devices::clint::CYCLES_PER_TICK)
    }
}

impl Default for DiskLatency {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl std::str::FromStr for DiskLatency {
    type Err = String;

    /// `PER_REQUEST[,PER_KIB]` in ticks (PER_KIB 0 when left out).
    fn from_str(s: &str) -> Result<Self, String> {
        let num = |t: &str| t.trim().parse::<u64>().map_err(|_| format!("'{t}' is not a number of ticks"));
        match s.split_once(',') {
            Some((r, k)) => Ok(DiskLatency { per_request: num(r)?, per_kib: num(k)? }),
            None => Ok(DiskLatency { per_request: num(s)?, per_kib: 0 }),
        }
    }
}

/// Data bytes a request moves: its buffers minus the 16-byte header and the
/// status byte.
pub fn data_bytes(chain: &Chain) -> u64 {
    chain.buffers.iter().map(|b| b.len as u64).sum::<u64>().saturating_sub(HEADER + 1)
}

/// Why a disk image cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use disk image '{path}': {source}")]
pub struct DriveError {
    /// The path given.
    pub path: PathBuf,
    /// The I/O error (missing, unreadable, read-only...).
    pub source: std::io::Error,
}

/// A virtio-blk device and its image.
pub struct Block {
    file: File,
    path: PathBuf,
    capacity: u64,
    serial: [u8; VIRTIO_BLK_ID_BYTES as usize],
    /// Requests carried out so far (for `--stats`).
    pub counts: BlockCounts,
}

/// What a disk has done, for `--stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockCounts {
    /// Requests completed (any type, any status).
    pub requests: u64,
    /// Sectors read by successful VIRTIO_BLK_T_IN requests.
    pub sectors_read: u64,
    /// Sectors written by successful VIRTIO_BLK_T_OUT requests.
    pub sectors_written: u64,
}

impl Block {
    /// Open the raw image at `path` for reading and writing, and with
    /// `locking` lock it as QEMU does ([`super::lock`]: an error if another
    /// svemu or QEMU uses it). `serial` is what GET_ID returns (truncated to
    /// 20 bytes). The capacity is the file size in whole sectors.
    pub fn open(path: &Path, serial: &str, locking: bool) -> Result<Block, DriveError> {
        let err = |source| DriveError { path: path.to_owned(), source };
        let file = std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(err)?;
        if locking {
            super::lock::lock(&file, true).map_err(err)?;
        }
        let len = file.metadata().map_err(err)?.len();
        let mut id = [0; VIRTIO_BLK_ID_BYTES as usize];
        let n = serial.len().min(id.len());
        id[..n].copy_from_slice(&serial.as_bytes()[..n]);
        Ok(Block { file, path: path.to_owned(), capacity: len / SECTOR, serial: id, counts: BlockCounts::default() })
    }

    /// The image file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Feature bits offered: VERSION_1, INDIRECT_DESC, EVENT_IDX, SEG_MAX, BLK_SIZE, FLUSH.
    pub fn features(&self) -> u64 {
        [VIRTIO_F_VERSION_1, VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX]
            .into_iter()
            .chain([VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH])
            .fold(0, |f, bit| f | 1 << bit)
    }

    /// Read `size` bytes of the configuration space (struct virtio_blk_config,
    /// 5.2.4) at `offset`: capacity at 0, seg_max at 12, blk_size at 20.
    pub fn config_read(&self, offset: u64, size: u8) -> u64 {
        let mut cfg = [0u8; 64];
        cfg[0..8].copy_from_slice(&self.capacity.to_le_bytes());
        cfg[12..16].copy_from_slice(&SEG_MAX.to_le_bytes());
        cfg[20..24].copy_from_slice(&(SECTOR as u32).to_le_bytes());
        let mut v = [0u8; 8];
        let (start, n) = (offset as usize, (size as usize).min(8));
        if let Some(src) = cfg.get(start..start + n) {
            v[..n].copy_from_slice(src);
        }
        u64::from_le_bytes(v)
    }

    /// Make every write so far durable (fsync).
    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_all()
    }

    /// Carry out the request in `chain`; returns the bytes written to its
    /// device-writable buffers (data and status).
    pub fn handle(&mut self, chain: &Chain, mem: &mut GuestMemory) -> Result<u32, QueueError> {
        for b in &chain.buffers {
            mem.check(b.addr, b.len as u64)?;
        }
        let readable: Vec<Buffer> = chain.buffers.iter().copied().filter(|b| !b.writable).collect();
        let mut writable: Vec<Buffer> = chain.buffers.iter().copied().filter(|b| b.writable).collect();
        // The status is the last device-writable byte.
        let status_at = loop {
            match writable.last_mut() {
                None => return Err(QueueError::NoStatus),
                Some(b) if b.len == 0 => {
                    writable.pop();
                }
                Some(b) => {
                    b.len -= 1;
                    break b.addr + b.len as u64;
                }
            }
        };
        let (status, data_written) = self.execute(&readable, &writable, mem)?;
        self.counts.requests += 1;
        mem.write(status_at, &[status as u8])?;
        Ok(data_written + 1)
    }

    /// Returns the status and the data bytes written to the guest.
    fn execute(
        &mut self,
        readable: &[Buffer],
        writable: &[Buffer],
        mem: &mut GuestMemory,
    ) -> Result<(u32, u32), QueueError> {
        let mut header = [0u8; HEADER as usize];
        let data_in = gather(readable, mem, &mut header)?;
        if data_in.is_none() {
            return Ok((VIRTIO_BLK_S_IOERR, 0));
        }
        let kind = u32::from_le_bytes(header[0..4].try_into().unwrap());
        let sector = u64::from_le_bytes(header[8..16].try_into().unwrap());
        let out_len: u64 = readable.iter().map(|b| b.len as u64).sum::<u64>() - HEADER;
        let in_len: u64 = writable.iter().map(|b| b.len as u64).sum();
        let range = |len: u64| -> Option<u64> {
            let start = sector.checked_mul(SECTOR)?;
            (len.is_multiple_of(SECTOR) && start.checked_add(len)? <= self.capacity * SECTOR).then_some(start)
        };
        let io = |r: std::io::Result<()>| match r {
            Ok(()) => VIRTIO_BLK_S_OK,
            Err(e) => {
                log::warn!("virtio-blk: {}: {e}", self.path.display());
                VIRTIO_BLK_S_IOERR
            }
        };
        Ok(match kind {
            VIRTIO_BLK_T_IN => match range(in_len) {
                None => (VIRTIO_BLK_S_IOERR, 0),
                Some(mut pos) => {
                    let mut result = Ok(());
                    for b in writable {
                        let dst = mem.slice_mut(b.addr, b.len as u64)?;
                        result = result.and_then(|_| self.file.read_exact_at(dst, pos));
                        pos += b.len as u64;
                    }
                    let status = io(result);
                    if status == VIRTIO_BLK_S_OK {
                        self.counts.sectors_read += in_len / SECTOR;
                    }
                    // The used length is 32 bits: a chain of 4 GiB or more says u32::MAX.
                    (status, if status == VIRTIO_BLK_S_OK { u32::try_from(in_len).unwrap_or(u32::MAX - 1) } else { 0 })
                }
            },
            VIRTIO_BLK_T_OUT => match range(out_len) {
                None => (VIRTIO_BLK_S_IOERR, 0),
                Some(mut pos) => {
                    let mut result = Ok(());
                    let mut skip = HEADER;
                    for b in readable {
                        let take = skip.min(b.len as u64);
                        skip -= take;
                        let src = mem.slice(b.addr + take, b.len as u64 - take)?;
                        result = result.and_then(|_| self.file.write_all_at(src, pos));
                        pos += src.len() as u64;
                    }
                    let status = io(result);
                    if status == VIRTIO_BLK_S_OK {
                        self.counts.sectors_written += out_len / SECTOR;
                    }
                    (status, 0)
                }
            },
            VIRTIO_BLK_T_FLUSH => (io(self.file.sync_data()), 0),
            VIRTIO_BLK_T_GET_ID => {
                // Up to 20 bytes, as many as fit (5.2.6.1).
                let mut left = &self.serial[..];
                let mut written = 0;
                for b in writable {
                    let n = left.len().min(b.len as usize);
                    mem.write(b.addr, &left[..n])?;
                    left = &left[n..];
                    written += n as u32;
                }
                (VIRTIO_BLK_S_OK, written)
            }
            _ => (VIRTIO_BLK_S_UNSUPP, 0),
        })
    }
}

/// Fill `header` from the start of the readable buffers; Some(()) when they
/// hold at least a whole header.
fn gather(readable: &[Buffer], mem: &GuestMemory, header: &mut [u8]) -> Result<Option<()>, QueueError> {
    let mut got = 0;
    for b in readable {
        if got == header.len() {
            break;
        }
        let n = (header.len() - got).min(b.len as usize);
        mem.read(b.addr, &mut header[got..got + n])?;
        got += n;
    }
    Ok((got == header.len()).then_some(()))
}
