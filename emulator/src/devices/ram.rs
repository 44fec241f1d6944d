//! Main memory (DRAM).

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

impl Ram {
    /// RAM of `size` bytes at `base`. `size` must be a multiple of 4 KiB.
    pub fn new(base: u64, size: u64) -> Ram {
        Ram { base, data: vec![0; size as usize], code: vec![0; (size as usize).div_ceil(4096)], code_generation: 0 }
    }

    /// First guest physical address.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// True when `[pa, pa + len)` lies entirely inside RAM.
    #[inline]
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        pa >= self.base && pa.wrapping_sub(self.base).wrapping_add(len) <= self.size() && len <= self.size()
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
        let off = pa.wrapping_sub(self.base) as usize;
        self.data.get(off..off.wrapping_add(4)).map(|b| u32::from_le_bytes(b.try_into().unwrap()))
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
        self.contains(pa, len).then(|| {
            let off = (pa - self.base) as usize;
            &self.data[off..off + len as usize]
        })
    }

    /// Mutable bytes `[pa, pa + len)`, or `None` when the range is not all RAM.
    ///
    /// The whole range counts as written (for the decoded-code marks).
    pub fn slice_mut(&mut self, pa: u64, len: u64) -> Option<&mut [u8]> {
        if !self.contains(pa, len) {
            return None;
        }
        let off = (pa - self.base) as usize;
        self.note_write(off, len as usize);
        Some(&mut self.data[off..off + len as usize])
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
