//! tmpfs: directories and regular files held in memory. The root of the
//! file system is one, filled at boot with the initrd's files. A regular
//! file's contents are its page cache ([`crate::mm::filemap::PageCache`]):
//! an initrd file's pages are read in from the archive at their first use
//! and may be dropped again while clean; written pages stay.

use super::Node;
use crate::mm::filemap::PageCache;
use crate::syscall::errno::*;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use spin::Mutex;

/// Most bytes all tmpfs files may hold beyond their initrd contents
/// together (their pages are frames that reclaim cannot drop): a write or
/// truncate past it fails with -ENOSPC.
pub const TMPFS_MAX_BYTES: usize = 2 * 1024 * 1024;

static USED: AtomicUsize = AtomicUsize::new(0);
static NEXT_INO: AtomicU64 = AtomicU64::new(2);

/// A fresh inode number (1 is the root).
pub fn new_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

/// A regular file.
pub struct RegFile {
    /// Contents: the page cache, with the length.
    pub cache: PageCache,
    /// Bytes counted against [`TMPFS_MAX_BYTES`]: the length beyond the
    /// initrd's bytes it started with.
    charged: usize,
    /// Inode number.
    pub ino: u64,
    /// Permission bits (st_mode & 0o7777).
    pub mode: u32,
}

impl RegFile {
    /// A new file whose contents are `data` (initrd bytes; empty for a new
    /// tmpfs file), registered with the page cache's reclaim.
    pub fn new(data: &'static [u8], mode: u32) -> Arc<Mutex<RegFile>> {
        let f = Arc::new(Mutex::new(RegFile { cache: PageCache::new(data), charged: 0, ino: new_ino(), mode }));
        crate::mm::filemap::register(&f);
        f
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Sets the length to `len`, zero-filling a growth. -ENOSPC past [`TMPFS_MAX_BYTES`].
    pub fn resize(&mut self, len: usize) -> Result<(), isize> {
        self.charge(len)?;
        self.cache.set_len(len);
        Ok(())
    }

    /// Writes `src` at byte offset `pos`, growing the file. Returns the
    /// bytes written. -EFBIG, -ENOSPC past [`TMPFS_MAX_BYTES`], -ENOMEM.
    pub fn write_at(&mut self, pos: usize, src: &[u8]) -> Result<usize, isize> {
        let end = pos.checked_add(src.len()).ok_or(EFBIG)?;
        if end > self.len() {
            self.charge(end)?;
        }
        let n = self.cache.write(pos, src);
        // A failed write leaves the length where its last byte went.
        self.charge(self.len()).ok();
        n
    }

    /// Counts a length of `len` against [`TMPFS_MAX_BYTES`] (bytes beyond the
    /// initrd's never count). -ENOSPC past it.
    fn charge(&mut self, len: usize) -> Result<(), isize> {
        let want = len.saturating_sub(self.cache.backing_len());
        if want > self.charged && USED.load(Ordering::Relaxed) + (want - self.charged) > TMPFS_MAX_BYTES {
            return Err(ENOSPC);
        }
        USED.fetch_add(want, Ordering::Relaxed);
        USED.fetch_sub(self.charged, Ordering::Relaxed);
        self.charged = want;
        Ok(())
    }
}

impl Drop for RegFile {
    fn drop(&mut self) {
        USED.fetch_sub(self.charged, Ordering::Relaxed);
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
