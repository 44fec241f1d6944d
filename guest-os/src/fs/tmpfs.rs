//! tmpfs: directories and regular files held in kernel memory. The root of
//! the file system is one, filled at boot with the initrd's files (whose
//! bytes stay in the archive until a write copies them, see [`Data`]).

use super::Node;
use crate::syscall::errno::*;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use spin::Mutex;

/// Most bytes all tmpfs files may hold together (the kernel heap holds
/// them): a write past it fails with -ENOSPC.
pub const TMPFS_MAX_BYTES: usize = 2 * 1024 * 1024;

static USED: AtomicUsize = AtomicUsize::new(0);
static NEXT_INO: AtomicU64 = AtomicU64::new(2);

/// A fresh inode number (1 is the root).
pub fn new_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

/// The contents of a regular file: the initrd's bytes until the first
/// write, then a heap copy.
pub enum Data {
    /// Bytes of the initrd archive (never written).
    Static(&'static [u8]),
    /// Bytes on the kernel heap, counted against [`TMPFS_MAX_BYTES`].
    Owned(Vec<u8>),
}

/// A regular file.
pub struct RegFile {
    /// Contents.
    pub data: Data,
    /// Inode number.
    pub ino: u64,
    /// Permission bits (st_mode & 0o7777).
    pub mode: u32,
}

impl RegFile {
    /// A new file with `data`.
    pub fn new(data: Data, mode: u32) -> Arc<Mutex<RegFile>> {
        Arc::new(Mutex::new(RegFile { data, ino: new_ino(), mode }))
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Static(d) => d,
            Data::Owned(v) => v,
        }
    }

    /// Sets the length to `len`, zero-filling a growth. -ENOSPC past [`TMPFS_MAX_BYTES`].
    pub fn resize(&mut self, len: usize) -> Result<(), isize> {
        let v = self.owned()?;
        let old = v.len();
        if len > old {
            let more = len - old;
            if USED.load(Ordering::Relaxed) + more > TMPFS_MAX_BYTES || v.try_reserve(more).is_err() {
                return Err(ENOSPC);
            }
            USED.fetch_add(more, Ordering::Relaxed);
        } else {
            USED.fetch_sub(old - len, Ordering::Relaxed);
        }
        v.resize(len, 0);
        Ok(())
    }

    /// Writes `src` at byte offset `pos`, growing the file. Returns the bytes written.
    pub fn write_at(&mut self, pos: usize, src: &[u8]) -> Result<usize, isize> {
        let end = pos.checked_add(src.len()).ok_or(EFBIG)?;
        if end > self.bytes().len() {
            self.resize(end)?;
        }
        let v = self.owned()?;
        v[pos..end].copy_from_slice(src);
        Ok(src.len())
    }

    /// The contents as a heap vector (copying initrd bytes on the first write).
    fn owned(&mut self) -> Result<&mut Vec<u8>, isize> {
        if let Data::Static(d) = self.data {
            if USED.load(Ordering::Relaxed) + d.len() > TMPFS_MAX_BYTES {
                return Err(ENOSPC);
            }
            let mut v = Vec::new();
            v.try_reserve(d.len()).map_err(|_| ENOSPC)?;
            v.extend_from_slice(d);
            USED.fetch_add(d.len(), Ordering::Relaxed);
            self.data = Data::Owned(v);
        }
        match &mut self.data {
            Data::Owned(v) => Ok(v),
            Data::Static(_) => Err(EIO),
        }
    }
}

impl Drop for RegFile {
    fn drop(&mut self) {
        if let Data::Owned(v) = &self.data {
            USED.fetch_sub(v.len(), Ordering::Relaxed);
        }
    }
}

/// A directory: names to nodes.
pub struct Dir {
    /// Entries (without "." and "..").
    pub entries: BTreeMap<String, Node>,
    /// Inode number.
    pub ino: u64,
    /// Permission bits.
    pub mode: u32,
}

impl Dir {
    /// A new empty directory.
    pub fn new(mode: u32) -> Arc<Mutex<Dir>> {
        Arc::new(Mutex::new(Dir { entries: BTreeMap::new(), ino: new_ino(), mode }))
    }
}
