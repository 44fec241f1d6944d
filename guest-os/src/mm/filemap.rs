//! The page cache (Linux's mm/filemap.c): the contents of every regular
//! file (initrd, tmpfs, and the anonymous objects behind MAP_SHARED |
//! MAP_ANONYMOUS) as frames indexed by (file, page index). read(2),
//! write(2) and file mappings all go through it, so a store through a
//! MAP_SHARED mapping is what a later read() returns, and a MAP_PRIVATE
//! mapping or an ELF segment maps the cached frame read-only until its
//! first store copies it ([`super::cow`]).
//!
//! - A page missing from the cache is read in at its first use (a *file
//!   read*): its bytes come from the file's backing (the initrd archive,
//!   which is read-only and stays in memory as a disk would), zero beyond
//!   it. Files created on tmpfs have no backing: every page is zero until
//!   written.
//! - A page is *dirty* once written by write(2), truncate's tail zeroing
//!   beyond the backing, or mapped writable MAP_SHARED (svos does not read
//!   the D bits of shared mappings back: a page that may have been written
//!   counts as written). tmpfs has nowhere to write dirty pages back to:
//!   they stay until the file shrinks or goes (Linux's Shmem).
//! - A *clean* page (its bytes equal the backing's) that no address space
//!   maps can be dropped under memory pressure ([`shrink`], called by
//!   reclaim before it swaps anything): it is read in again at its next
//!   use. Pages that processes map stay.
//!
//! The counters /proc/meminfo prints come from [`meminfo`]: Cached (every
//! page of the cache), Mapped (pages mapped by at least one space), Shmem
//! (dirty pages, which cannot be dropped).

use super::cow::SharedFrame;
use super::frame::{frame_alloc, FrameTracker};
use super::PAGE_SIZE;
use crate::fs::tmpfs::RegFile;
use crate::sync::Global;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use spin::Mutex;

/// Pages in all caches now.
static CACHED: AtomicUsize = AtomicUsize::new(0);
/// Dirty pages in all caches now.
static DIRTY: AtomicUsize = AtomicUsize::new(0);
/// Pages read in from a file's backing (or zero-filled for a hole) since boot.
static READ_IN: AtomicU64 = AtomicU64::new(0);
/// Clean pages dropped under memory pressure since boot.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Every file that may hold cached pages, for [`shrink`] and [`meminfo`].
static FILES: Global<Vec<Weak<Mutex<RegFile>>>> = Global::new(Vec::new());

/// One cached page: its frame (shared with the spaces that map it) and
/// whether it differs from the backing.
struct CachePage {
    frame: Arc<SharedFrame>,
    dirty: bool,
}

/// The cached pages of one file, its length and its backing bytes.
pub struct PageCache {
    pages: BTreeMap<usize, CachePage>,
    /// What a clean page is read from (the initrd's bytes of the file, cut
    /// to the length when the file shrinks); zeros beyond.
    backing: &'static [u8],
    /// File length in bytes.
    len: usize,
}

/// The page-cache figures /proc/meminfo prints (in pages of 4 KiB).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheInfo {
    /// Cached: every page in the page cache (Shmem included, as Linux counts it).
    pub cached: usize,
    /// Mapped: cached pages that at least one address space maps.
    pub mapped: usize,
    /// Shmem: dirty pages of tmpfs files and shared anonymous memory (not droppable).
    pub shmem: usize,
    /// Pages read into the cache since boot.
    pub read_in: u64,
    /// Clean pages dropped under memory pressure since boot.
    pub dropped: u64,
}

impl PageCache {
    /// A cache over `backing` (`len` = its length), nothing read in yet.
    pub fn new(backing: &'static [u8]) -> PageCache {
        PageCache { pages: BTreeMap::new(), backing, len: backing.len() }
    }

    /// File length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the backing (the initrd's bytes of the file still in it).
    pub fn backing_len(&self) -> usize {
        self.backing.len()
    }

    /// The file's bytes without a copy, if they are still the backing's
    /// (no page written, no length change): an initrd file as packed.
    pub fn unwritten_bytes(&self) -> Option<&'static [u8]> {
        (self.backing.len() == self.len && self.pages.values().all(|p| !p.dirty)).then_some(self.backing)
    }

    /// True if the cache holds `frame` as page `index` (a mapping of it is
    /// a file page, not a private copy).
    pub(super) fn holds(&self, index: usize, frame: &Arc<SharedFrame>) -> bool {
        self.pages.get(&index).is_some_and(|p| Arc::ptr_eq(&p.frame, frame))
    }

    /// Pages of this file now in the cache.
    pub fn cached_pages(&self) -> usize {
        self.pages.len()
    }

    /// The frame of page `index` (bytes `index * 4096 ..`), read in if not
    /// cached (the second value is then true). `dirty` marks it written
    /// (a write, or a shared writable mapping). `None` when no frame is free.
    pub(super) fn page(&mut self, index: usize, dirty: bool) -> Option<(Arc<SharedFrame>, bool)> {
        if let Some(p) = self.pages.get_mut(&index) {
            if dirty && !p.dirty {
                p.dirty = true;
                DIRTY.fetch_add(1, Relaxed);
            }
            return Some((p.frame.clone(), false));
        }
        let mut frame = cache_frame()?;
        let from = index.saturating_mul(PAGE_SIZE);
        if from < self.backing.len() {
            let n = (self.backing.len() - from).min(PAGE_SIZE);
            frame.bytes_mut()[..n].copy_from_slice(&self.backing[from..from + n]);
        }
        let frame = SharedFrame::new(frame, None);
        self.pages.insert(index, CachePage { frame: frame.clone(), dirty });
        CACHED.fetch_add(1, Relaxed);
        if dirty {
            DIRTY.fetch_add(1, Relaxed);
        }
        READ_IN.fetch_add(1, Relaxed);
        Some((frame, true))
    }

    /// Copies the file's bytes from `pos` into `out` (fewer at the end of
    /// the file) and returns the count; pages are read in as needed. -ENOMEM
    /// when a page cannot be read in.
    pub fn read(&mut self, pos: usize, out: &mut [u8]) -> Result<usize, isize> {
        let n = if pos >= self.len { 0 } else { out.len().min(self.len - pos) };
        let mut done = 0;
        while done < n {
            let at = pos + done;
            let (f, _) = self.page(at / PAGE_SIZE, false).ok_or(crate::syscall::errno::ENOMEM)?;
            let off = at % PAGE_SIZE;
            let k = (PAGE_SIZE - off).min(n - done);
            // SAFETY: a cache frame is written only by this cache (under the
            // file's lock, held) and by shared mappings' stores (plain bytes).
            let bytes = unsafe { f.frame.ppn().bytes_mut() };
            out[done..done + k].copy_from_slice(&bytes[off..off + k]);
            done += k;
        }
        Ok(n)
    }

    /// Writes `src` at byte `pos`, growing the file to at least
    /// `pos + src.len()` (the caller has checked the space for it), and
    /// marks the pages dirty. -ENOMEM when a page cannot be read in; the
    /// bytes before it are written.
    pub fn write(&mut self, pos: usize, src: &[u8]) -> Result<usize, isize> {
        let mut done = 0;
        while done < src.len() {
            let at = pos + done;
            let (f, _) = self.page(at / PAGE_SIZE, true).ok_or(crate::syscall::errno::ENOMEM)?;
            let off = at % PAGE_SIZE;
            let k = (PAGE_SIZE - off).min(src.len() - done);
            // SAFETY: as in `read`.
            let bytes = unsafe { f.frame.ppn().bytes_mut() };
            bytes[off..off + k].copy_from_slice(&src[done..done + k]);
            done += k;
            self.len = self.len.max(at + k);
        }
        Ok(done)
    }

    /// Sets the length to `len`: a growth reads as zeros; a shrink drops
    /// the pages beyond it (mappings keep their frames until unmapped, as
    /// their references hold them) and zeroes the tail of the last page.
    pub fn set_len(&mut self, len: usize) {
        if len < self.len {
            let keep = len.div_ceil(PAGE_SIZE);
            for (_, p) in self.pages.split_off(&keep) {
                forget(&p);
            }
            if !len.is_multiple_of(PAGE_SIZE) {
                if let Some(p) = self.pages.get(&(len / PAGE_SIZE)) {
                    // SAFETY: as in `read`.
                    unsafe { p.frame.frame.ppn().bytes_mut()[len % PAGE_SIZE..].fill(0) };
                }
            }
            self.backing = &self.backing[..self.backing.len().min(len)];
        }
        self.len = len;
    }

    /// Drops up to `want` clean pages that no space maps; returns how many.
    fn drop_clean(&mut self, want: usize) -> usize {
        let victims: Vec<usize> = self
            .pages
            .iter()
            .filter(|(_, p)| !p.dirty && Arc::strong_count(&p.frame) == 1)
            .map(|(i, _)| *i)
            .take(want)
            .collect();
        for i in &victims {
            if let Some(p) = self.pages.remove(i) {
                forget(&p);
                DROPPED.fetch_add(1, Relaxed);
            }
        }
        victims.len()
    }

    /// Pages some space maps (their frame has references besides the cache's).
    fn mapped(&self) -> usize {
        self.pages.values().filter(|p| Arc::strong_count(&p.frame) > 1).count()
    }
}

impl Drop for PageCache {
    fn drop(&mut self) {
        for p in self.pages.values() {
            forget(p);
        }
    }
}

/// Takes a page out of the counters (the frame goes with its last reference).
fn forget(p: &CachePage) {
    CACHED.fetch_sub(1, Relaxed);
    if p.dirty {
        DIRTY.fetch_sub(1, Relaxed);
    }
}

/// A frame for the cache. At or below the low watermark, clean pages are
/// dropped first ([`shrink`]); a frame at or below the min watermark is
/// the kernel's reserve and never given to the cache.
fn cache_frame() -> Option<FrameTracker> {
    let (min, low, high) = super::frame::watermarks();
    if super::frame::stats().0 <= low {
        shrink(high);
    }
    if super::frame::stats().0 <= min {
        return None;
    }
    frame_alloc()
}

/// Records `file` as one whose pages [`shrink`] may drop.
pub fn register(file: &Arc<Mutex<RegFile>>) {
    let files = FILES.get();
    if files.len() >= 64 && files.len().is_power_of_two() {
        files.retain(|w| w.strong_count() > 0);
    }
    files.push(Arc::downgrade(file));
}

/// Reclaim's hook (called before it swaps anything out): drops clean,
/// unmapped page-cache pages until `target` frames are free or none is
/// left. Files whose lock is held (the caller is reading or writing them)
/// are skipped. Returns the pages dropped.
pub fn shrink(target: usize) -> usize {
    let mut dropped = 0;
    let files = FILES.get();
    files.retain(|w| w.strong_count() > 0);
    for w in files.iter() {
        let free = super::frame::stats().0;
        if free >= target {
            break;
        }
        let Some(f) = w.upgrade() else { continue };
        let Some(mut g) = f.try_lock() else { continue };
        dropped += g.cache.drop_clean(target - free);
    }
    dropped
}

/// The page-cache figures for /proc/meminfo ([`CacheInfo`]).
pub fn meminfo() -> CacheInfo {
    let mut mapped = 0;
    for w in FILES.get().iter() {
        if let Some(f) = w.upgrade() {
            if let Some(g) = f.try_lock() {
                mapped += g.cache.mapped();
            }
        }
    }
    CacheInfo {
        cached: CACHED.load(Relaxed),
        mapped,
        shmem: DIRTY.load(Relaxed),
        read_in: READ_IN.load(Relaxed),
        dropped: DROPPED.load(Relaxed),
    }
}
