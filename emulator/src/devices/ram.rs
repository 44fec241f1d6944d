//! Main memory (DRAM).

/// Guest RAM: `size` bytes starting at guest physical address `base`.
///
/// The host buffer is allocated zeroed, which the host OS backs lazily: pages
/// the guest never touches cost no host memory.
pub struct Ram {
    base: u64,
    data: Vec<u8>,
}

impl Ram {
    /// RAM of `size` bytes at `base`. `size` must be a multiple of 4 KiB.
    pub fn new(base: u64, size: u64) -> Ram {
        Ram { base, data: vec![0; size as usize] }
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
    pub fn slice_mut(&mut self, pa: u64, len: u64) -> Option<&mut [u8]> {
        self.contains(pa, len).then(|| {
            let off = (pa - self.base) as usize;
            &mut self.data[off..off + len as usize]
        })
    }
}
