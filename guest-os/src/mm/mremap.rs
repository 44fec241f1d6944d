//! Resizing and moving mappings (Linux's mm/mremap.c) and the advice calls
//! that drop or prefetch pages (mm/madvise.c), on an address space.
//!
//! A move carries every page over as it is: its PTE (a valid leaf with its
//! A and D bits, or a swap entry) goes to the new address unchanged, its
//! frame or swap slot record with it; nothing is copied and no page is
//! faulted in.

use super::addr_space::AddrSpace;
use super::address::{levels, VirtAddr, VirtPageNum, PAGE_SIZE, USER_TOP};
use super::page_table::PageTableEntry;
use super::vma::VmaError;
use alloc::vec::Vec;

/// Why [`AddrSpace::mremap`] refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RemapError {
    /// The old range is not inside one area (Linux: -EFAULT).
    Fault,
    /// A bad argument, or an area mmap did not make (ELF, heap, stack): -EINVAL.
    Invalid,
    /// No room to grow in place without MREMAP_MAYMOVE, no free range, or
    /// no memory for page tables or areas: -ENOMEM.
    NoMemory,
}

impl AddrSpace {
    /// mremap's work: resizes the part `[old, old + old_len)` (page aligned,
    /// non-empty, inside one anonymous or file area) to `new_len` bytes
    /// (page aligned, non-zero) and returns its address. Shrinking unmaps
    /// the tail; growing extends the area in place when the range after it
    /// is free (below `hi`), else, with `may_move`, moves the pages to the
    /// highest free range in `[lo, hi)`; `fixed` moves them to that address
    /// (anything mapped there by mmap is unmapped first). New pages are
    /// demand-paged as the area's others.
    pub fn mremap(
        &mut self,
        old: usize,
        old_len: usize,
        new_len: usize,
        may_move: bool,
        fixed: Option<usize>,
        (lo, hi): (usize, usize),
    ) -> Result<usize, RemapError> {
        let old_end = old.checked_add(old_len).ok_or(RemapError::Fault)?;
        let vma = self.vmas.find(old).filter(|v| old_end <= v.end).ok_or(RemapError::Fault)?.clone();
        if !vma.kind.is_mmap() {
            return Err(RemapError::Invalid);
        }
        if let Some(to) = fixed {
            let to_end = to.checked_add(new_len).filter(|&e| e <= USER_TOP).ok_or(RemapError::Invalid)?;
            if to < old_end && old < to_end {
                return Err(RemapError::Invalid);
            }
            self.unmap_anon(to, to_end).map_err(|_| RemapError::Invalid)?;
            return self.move_pages(old, old_len, to, new_len);
        }
        if new_len <= old_len {
            self.unmap_anon(old + new_len, old_end).map_err(|_| RemapError::NoMemory)?;
            return Ok(old);
        }
        let grown = old.checked_add(new_len).filter(|&e| e <= hi);
        if let Some(new_end) = grown.filter(|_| old_end == vma.end) {
            match self.vmas.extend(old_end, new_end) {
                Ok(()) => return Ok(old),
                Err(VmaError::Overlap) => {}
                Err(VmaError::NoCommit) => return Err(RemapError::NoMemory),
                Err(_) => return Err(RemapError::Fault),
            }
        }
        if !may_move {
            return Err(RemapError::NoMemory);
        }
        let to = self.find_free(new_len, lo, hi).ok_or(RemapError::NoMemory)?;
        self.move_pages(old, old_len, to, new_len)
    }

    /// Moves the area part `[old, old + old_len)` to `[to, to + new_len)`
    /// (free): the area record, then every page of the first
    /// min(old_len, new_len) bytes (PTE, frame or slot); pages past a
    /// smaller new length are freed.
    fn move_pages(&mut self, old: usize, old_len: usize, to: usize, new_len: usize) -> Result<usize, RemapError> {
        let old_end = old + old_len;
        let keep = old_len.min(new_len);
        // PTEs move one by one: megapages are split first.
        self.split_huge_range(old, old_end);
        let (first, end) = (VirtAddr(old).floor(), VirtAddr(old + keep).floor());
        let mut pages: Vec<VirtPageNum> = self.frames.range(first..end).map(|(v, _)| *v).collect();
        pages.extend(self.swapped.range(first..end).map(|(v, _)| *v));
        let shift = (to / PAGE_SIZE) as isize - (old / PAGE_SIZE) as isize;
        let dest = |v: VirtPageNum| VirtPageNum((v.0 as isize + shift) as usize);
        // Every page table the move needs, made first: afterwards nothing fails.
        for &v in &pages {
            self.pt.walk_create_depth(dest(v), levels() - 1).map_err(|_| RemapError::NoMemory)?;
        }
        let vma = self.vmas.find(old).ok_or(RemapError::Fault)?.clone();
        let moved = {
            let mut m = vma.slice(old, old_end);
            m.start = to;
            m.end = to + new_len;
            m
        };
        // The new area first: its commit charge may be refused, and then nothing has moved.
        self.vmas.insert(moved).map_err(|_| RemapError::NoMemory)?;
        if self.vmas.remove_range(old, old_end).is_err() {
            let _ = self.vmas.remove_range(to, to + new_len);
            return Err(RemapError::NoMemory);
        }
        self.depopulate(old + keep, old_end);
        for &v in &pages {
            let raw = self.pt.walk(v).map(|pte| core::mem::replace(pte, PageTableEntry(0)));
            if let Some(raw) = raw.filter(|r| r.0 != 0) {
                if let Ok(slot) = self.pt.walk_create_depth(dest(v), levels() - 1) {
                    *slot = raw;
                }
            }
            if let Some(f) = self.frames.remove(&v) {
                self.frames.insert(dest(v), f);
            }
            if let Some(s) = self.swapped.remove(&v) {
                self.swapped.insert(dest(v), s);
            }
        }
        super::page_table::sfence_vma_all();
        self.shootdown();
        Ok(to)
    }

    /// MADV_DONTNEED over `[s, e)` (page aligned): the private pages of the
    /// range lose their frames and swap slots, so the next touch gets a
    /// zeroed frame (anonymous memory) or the file's page again (a private
    /// file mapping); shared mappings' pages are the file's and stay in it
    /// (only this space's PTEs go). ELF segment pages copied at exec are
    /// left as they are (nothing could read them back). False if a page of the range
    /// is in no area (Linux: -ENOMEM; the mapped parts are still dropped).
    pub fn discard(&mut self, s: usize, e: usize) -> bool {
        let parts: Vec<(usize, usize, bool)> = self
            .vmas
            .overlapping(s, e)
            .map(|v| (v.start.max(s), v.end.min(e), v.kind.is_elf() && v.file.is_none()))
            .collect();
        let mut covered = s;
        let mut holes = false;
        for (ps, pe, elf) in parts {
            holes |= ps > covered;
            covered = pe;
            if !elf {
                self.depopulate(ps, pe);
            }
        }
        !holes && covered >= e
    }

    /// MADV_WILLNEED over `[s, e)`: the file pages of the range's file
    /// mappings are read into the page cache now (readahead); nothing is
    /// mapped. False if a page of the range is in no area.
    pub fn will_need(&self, s: usize, e: usize) -> bool {
        let mut covered = s;
        let mut holes = false;
        for v in self.vmas.overlapping(s, e) {
            holes |= v.start > covered;
            covered = v.end;
            let (Some(fm), Some(first)) = (v.file.as_ref(), v.file_page(v.start.max(s))) else { continue };
            let mut file = fm.file.lock();
            let last = (first + (v.end.min(e) - v.start.max(s)) / PAGE_SIZE).min(file.len().div_ceil(PAGE_SIZE));
            for i in first..last {
                if file.cache.page(i, false).is_none() {
                    break;
                }
            }
        }
        !holes && covered >= e
    }
}
