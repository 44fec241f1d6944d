//! Main memory (DRAM).

use std::ops::Range;

/// Guest RAM: `size` bytes starting at guest physical address `base`.
///
/// The host buffer is allocated zeroed, which the host OS backs lazily: pages
/// the guest never touches cost no host memory.
///
/// Every write into RAM goes through [`Ram::write`] or [`Ram::slice_mut`]
/// (stores, AMOs and SC through the bus, the page-table walker's A/D
/// updates, virtio DMA, HTIF, the loader), and both report writes to pages
/// that hold decoded code (see [`Ram::mark_code`]): that is what keeps the
/// machine's cache of decoded pages ([`crate::isa::code_pages`]) exact.
pub struct Ram {
    base: u64,
    data: Vec<u8>,
    /// Per 4 KiB page: its code version (bits 30:0), bumped by the first
    /// write after the page was marked as holding decoded code, and that
    /// mark ([`CODE`], bit 31).
    code: Vec<u32>,
    /// Bumped by every write into a page marked as holding decoded code.
    code_generation: u64,
}

/// The "holds decoded code" mark in a page's code word.
const CODE: u32 = 1 << 31;

/// The host could not give guest RAM its memory.
#[derive(Debug, thiserror::Error)]
#[error("cannot allocate {} of guest RAM: the host is out of memory (give less with -m)", crate::input::size_text(*.size))]
pub struct RamAllocError {
    /// The RAM size asked for, in bytes.
    pub size: u64,
}

impl Ram {
    /// RAM of `size` bytes at `base`. `size` must be a multiple of 4 KiB.
    ///
    /// Panics when the host cannot allocate it: for tests and tools with
    /// small fixed sizes; a size from the user goes through [`Ram::try_new`].
    pub fn new(base: u64, size: u64) -> Ram {
        Ram::try_new(base, size).unwrap_or_else(|e| panic!("{e}"))
    }

    /// RAM of `size` bytes at `base` (a multiple of 4 KiB), or an error when
    /// the host refuses the memory (the allocation never aborts the process).
    pub fn try_new(base: u64, size: u64) -> Result<Ram, RamAllocError> {
        let err = || RamAllocError { size };
        let len = usize::try_from(size).map_err(|_| err())?;
        Ok(Ram {
            base,
            data: zeroed(len).ok_or_else(err)?,
            code: zeroed(len.div_ceil(4096)).ok_or_else(err)?,
            code_generation: 0,
        })
    }

    /// First guest physical address.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// The offsets into RAM of the guest physical range `[pa, pa + len)`, or
    /// `None` unless all of it is RAM.
    ///
    /// This is the one check of a guest-supplied physical range (bus
    /// accesses, virtio DMA, HTIF, loaded segments): it cannot overflow,
    /// whatever `pa` and `len` are (`pa + len` beyond 2^64 is outside).
    #[inline]
    pub fn range(&self, pa: u64, len: u64) -> Option<Range<usize>> {
        let size = self.size();
        let off = pa.wrapping_sub(self.base);
        // off <= size - len, not off + len <= size: no sum that could wrap.
        (pa >= self.base && len <= size && off <= size - len).then(|| off as usize..(off + len) as usize)
    }

    /// True when `[pa, pa + len)` lies entirely inside RAM ([`Ram::range`]).
    #[inline]
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        self.range(pa, len).is_some()
    }

    /// Read `size` (1, 2, 4 or 8) bytes, little-endian. The caller checks the range.
    #[inline]
    pub fn read(&self, pa: u64, size: u8) -> u64 {
        let off = (pa - self.base) as usize;
        let d = &self.data;
        match size {
            1 => d[off] as u64,
            2 => u16::from_le_bytes([d[off], d[off + 1]]) as u64,
            4 => u32::from_le_bytes(d[off..off + 4].try_into().unwrap()) as u64,
            _ => u64::from_le_bytes(d[off..off + 8].try_into().unwrap()),
        }
    }

    /// The 4 bytes at `pa`, little-endian, or `None` when they are not all RAM.
    #[inline]
    pub fn read_u32(&self, pa: u64) -> Option<u32> {
        let r = self.range(pa, 4)?;
        self.data[r].first_chunk().map(|b| u32::from_le_bytes(*b))
    }

    /// Write the low `size` (1, 2, 4 or 8) bytes of `val`, little-endian. The
    /// caller checks the range.
    #[inline]
    pub fn write(&mut self, pa: u64, size: u8, val: u64) {
        let off = (pa - self.base) as usize;
        self.note_write(off, size as usize);
        let bytes = val.to_le_bytes();
        self.data[off..off + size as usize].copy_from_slice(&bytes[..size as usize]);
    }

    /// The bytes `[pa, pa + len)`, or `None` when the range is not all RAM.
    pub fn slice(&self, pa: u64, len: u64) -> Option<&[u8]> {
        self.range(pa, len).map(|r| &self.data[r])
    }

    /// Mutable bytes `[pa, pa + len)`, or `None` when the range is not all RAM.
    ///
    /// The whole range counts as written (for the decoded-code marks).
    pub fn slice_mut(&mut self, pa: u64, len: u64) -> Option<&mut [u8]> {
        let r = self.range(pa, len)?;
        self.note_write(r.start, r.len());
        Some(&mut self.data[r])
    }

    /// The offset of the RAM page holding `pa` from RAM's start, when the
    /// whole page is RAM and, if `for_store`, not marked as holding decoded
    /// code (so [`Ram::write_page`] may write it without the code check):
    /// the key of [`Ram::read_page`] and [`Ram::write_page`].
    #[inline]
    pub fn page_offset(&self, pa: u64, for_store: bool) -> Option<usize> {
        let page = pa & !0xfff;
        if !self.contains(page, 4096) {
            return None;
        }
        let off = (page - self.base) as usize;
        (!for_store || self.code[off >> 12] & CODE == 0).then_some(off)
    }

    /// Read `size` (1, 2, 4 or 8) bytes, little-endian, at offset `off`
    /// from RAM's start, with no range check.
    ///
    /// # Safety
    ///
    /// `off + size` must not exceed RAM's size (a `size`-byte access within
    /// a page of [`Ram::page_offset`]).
    #[inline(always)]
    pub unsafe fn read_page(&self, off: usize, size: u8) -> u64 {
        debug_assert!(off + size as usize <= self.data.len());
        // SAFETY: within `data`, as the caller guarantees.
        unsafe {
            let p = self.data.as_ptr().add(off);
            match size {
                1 => *p as u64,
                2 => u16::from_le(p.cast::<u16>().read_unaligned()) as u64,
                4 => u32::from_le(p.cast::<u32>().read_unaligned()) as u64,
                _ => u64::from_le(p.cast::<u64>().read_unaligned()),
            }
        }
    }

    /// Write the low `size` (1, 2, 4 or 8) bytes of `val`, little-endian, at
    /// offset `off` from RAM's start, with no range check and no check for
    /// decoded code.
    ///
    /// # Safety
    ///
    /// `off + size` must not exceed RAM's size, as for [`Ram::read_page`];
    /// and the page must not be marked as holding decoded code (it was not
    /// when [`Ram::page_offset`] gave `off`'s page for a store, and the
    /// caller forgets the page when [`Ram::mark_code`] marks it).
    #[inline(always)]
    pub unsafe fn write_page(&mut self, off: usize, size: u8, val: u64) {
        debug_assert!(off + size as usize <= self.data.len());
        debug_assert!(self.code[off >> 12] & CODE == 0);
        // SAFETY: within `data`, as the caller guarantees.
        unsafe {
            let p = self.data.as_mut_ptr().add(off);
            match size {
                1 => *p = val as u8,
                2 => p.cast::<u16>().write_unaligned((val as u16).to_le()),
                4 => p.cast::<u32>().write_unaligned((val as u32).to_le()),
                _ => p.cast::<u64>().write_unaligned(val.to_le()),
            }
        }
    }

    /// Mark the page holding `pa` (in RAM) as holding decoded code, so the
    /// next write into it bumps its version and [`Ram::code_generation`].
    /// Returns the page's code version.
    #[inline]
    pub fn mark_code(&mut self, pa: u64) -> u32 {
        let w = &mut self.code[((pa - self.base) >> 12) as usize];
        *w |= CODE;
        *w & !CODE
    }

    /// The code version of the page holding `pa` (in RAM): it changes when
    /// the page is written after [`Ram::mark_code`], and only then.
    #[inline]
    pub fn code_version(&self, pa: u64) -> u32 {
        self.code[((pa - self.base) >> 12) as usize] & !CODE
    }

    /// A count of the writes into pages marked as holding decoded code:
    /// while it stands, no such page changed.
    #[inline]
    pub fn code_generation(&self) -> u64 {
        self.code_generation
    }

    /// Record a write of `len` bytes at offset `off`: a marked page it
    /// touches gets a new version and loses its mark.
    #[inline]
    fn note_write(&mut self, off: usize, len: usize) {
        if len == 0 {
            return;
        }
        let (first, last) = (off >> 12, (off + len - 1) >> 12);
        if (self.code[first] | self.code[last]) & CODE != 0 || last > first + 1 {
            self.code_written(first, last);
        }
    }

    #[inline(never)]
    fn code_written(&mut self, first: usize, last: usize) {
        for w in &mut self.code[first..=last] {
            if *w & CODE != 0 {
                *w = (*w & !CODE).wrapping_add(1) & !CODE;
                self.code_generation += 1;
            }
        }
    }
}

impl Ram {
    /// Bytes of this RAM that the host currently keeps resident (in RAM or
    /// the page cache, not swapped out and never-touched pages excluded), as
    /// reported by `mincore(2)` over the host allocation, in bytes (a
    /// multiple of the host page size, at most `size()` rounded up to whole
    /// host pages, plus one page when the allocation does not start on a
    /// page boundary: the allocator's header shares the first page).
    ///
    /// The allocation is zeroed lazily by the host kernel, so this measures
    /// what the guest (and the loader) has touched. Returns `None` when the
    /// host cannot tell (`mincore` failed, or a non-Linux host).
    pub fn resident_bytes(&self) -> Option<u64> {
        resident::bytes(self.data.as_ptr(), self.data.len())
    }
}

/// Integers whose all-zero bytes are the value 0.
trait Zeroable: Copy {}
impl Zeroable for u8 {}
impl Zeroable for u32 {}

/// A vector of `len` zeros, or `None` when the host refuses the memory.
///
/// Allocated zeroed (calloc, or fresh anonymous pages for large sizes), so
/// the host backs it lazily; unlike `vec![0; len]`, a refusal is reported
/// rather than aborting the process.
fn zeroed<T: Zeroable>(len: usize) -> Option<Vec<T>> {
    if len == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<T>(len).ok()?;
    // SAFETY: `layout` has a non-zero size (len > 0, T is not zero-sized).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) } as *mut T;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of
    // `[T; len]` (so capacity `len`), and its `len` elements are initialised:
    // all-zero bytes are a valid T (`Zeroable`).
    Some(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

/// Residency of host memory through `mincore(2)`.
mod resident {
    /// Resident bytes of the host pages covering `[ptr, ptr + len)`.
    #[cfg(target_os = "linux")]
    pub fn bytes(ptr: *const u8, len: usize) -> Option<u64> {
        if len == 0 {
            return Some(0);
        }
        // SAFETY: sysconf has no memory-safety preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok().filter(|&p| p > 0)?;
        let start = ptr as usize & !(page - 1);
        let end = (ptr as usize).checked_add(len)?.checked_next_multiple_of(page)?;
        let pages = (end - start) / page;
        // One status byte per page; mincore works in chunks of this many pages.
        const CHUNK: usize = 1 << 16;
        let mut status = vec![0u8; pages.min(CHUNK)];
        let mut resident = 0u64;
        let mut done = 0;
        while done < pages {
            let n = (pages - done).min(CHUNK);
            // SAFETY: [start, end) is the page-rounded span of one live
            // allocation (mapped memory); `status` has room for `n` bytes.
            let r = unsafe { libc::mincore((start + done * page) as *mut libc::c_void, n * page, status.as_mut_ptr()) };
            if r != 0 {
                return None;
            }
            resident += status[..n].iter().filter(|&&s| s & 1 != 0).count() as u64;
            done += n;
        }
        Some(resident * page as u64)
    }

    /// Not measured off Linux.
    #[cfg(not(target_os = "linux"))]
    pub fn bytes(_ptr: *const u8, _len: usize) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod range_tests {
    use super::Ram;

    /// With more than 2 GiB of RAM a length can exceed the distance from
    /// RAM's base to 2^64: `pa - base + len` then wrapped and passed the
    /// check (issue 11, item 4). No range reaching past 2^64 is RAM.
    #[test]
    fn ranges_near_the_top_of_the_address_space_are_outside() {
        let base = 0x8000_0000;
        let ram = Ram::new(base, 4 << 30);
        let size = ram.size();
        for (pa, len) in [
            (u64::MAX - (1 << 30) + 1, 3 << 30),
            (u64::MAX - 7, 8),
            (u64::MAX, 1),
            (u64::MAX, size),
            (base.wrapping_sub(1), 2),
            (0, size),
            (base + 1, size),
            (base + size - 7, 8),
        ] {
            assert_eq!(ram.range(pa, len), None, "[{pa:#x}, +{len:#x})");
            assert!(ram.slice(pa, len).is_none(), "[{pa:#x}, +{len:#x})");
        }
        assert_eq!(ram.range(base, size), Some(0..size as usize));
        assert_eq!(ram.range(base + size - 8, 8), Some(size as usize - 8..size as usize));
        assert_eq!(ram.range(base + 5, 0), Some(5..5));
    }

    #[test]
    fn a_ram_the_host_cannot_hold_is_an_error() {
        let e = Ram::try_new(0x8000_0000, 1 << 62).err().expect("4 EiB cannot be allocated");
        assert_eq!(
            e.to_string(),
            "cannot allocate 4294967296 GiB of guest RAM: the host is out of memory (give less with -m)"
        );
    }
}

#[cfg(test)]
mod resident_tests {
    use super::Ram;

    /// Untouched RAM costs (almost) nothing; writing pages makes exactly
    /// those resident.
    #[test]
    #[cfg(target_os = "linux")]
    fn resident_follows_touched_pages() {
        let mut ram = Ram::new(0x8000_0000, 256 << 20);
        // The allocator's header may touch the first page; a host with
        // transparent huge pages always on backs it with 2 MiB.
        const HUGE: u64 = 2 << 20;
        let before = ram.resident_bytes().expect("mincore works on Linux");
        assert!(before <= HUGE + 4096, "fresh 256 MiB RAM already {before} bytes resident");
        // 1000 writes 64 KiB apart: each on its own host page (4 to 64 KiB),
        // none on the first page (which the allocator may have touched).
        const STRIDE: u64 = 64 << 10;
        for i in 1..=1000u64 {
            ram.write(0x8000_0000 + i * STRIDE, 8, i);
        }
        let grown = ram.resident_bytes().unwrap() - before;
        assert!(grown >= 1000 * 4096, "1000 pages written, resident grew by only {grown} bytes");
        assert!(grown <= 1000 * STRIDE + HUGE, "1000 pages written over 64 MB, resident grew by {grown} bytes");
    }
}
