//! The boot ROM at 0x1000, as on QEMU's `virt` board.

/// A read-only memory. Writes are ignored, as QEMU ignores writes to its ROMs.
pub struct BootRom {
    data: Vec<u8>,
}

impl BootRom {
    /// The reset code of QEMU's `virt` board for one entry point: every hart
    /// starts here with a0 = mhartid, a1 = the DTB address, a2 = 0 (no
    /// firmware dynamic info), then jumps to `entry`.
    pub fn reset_vector(entry: u64, dtb: u64) -> BootRom {
        let words: [u32; 6] = [
            0x0000_0297, // auipc t0, 0x0
            0x0000_0613, // addi  a2, zero, 0
            0xf140_2573, // csrrs a0, mhartid, zero
            0x0202_b583, // ld    a1, 32(t0)
            0x0182_b283, // ld    t0, 24(t0)
            0x0002_8067, // jalr  zero, 0(t0)
        ];
        let mut data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        data.extend_from_slice(&entry.to_le_bytes()); // offset 24
        data.extend_from_slice(&dtb.to_le_bytes()); // offset 32
        BootRom { data }
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.data.len() as u64
    }

    /// True when the ROM holds nothing.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Read `size` bytes at `offset`; bytes past the end read as zero.
    pub fn read(&self, offset: u64, size: u8) -> u64 {
        let mut v = 0u64;
        for i in (0..size as u64).rev() {
            let b = self.data.get((offset + i) as usize).copied().unwrap_or(0);
            v = (v << 8) | b as u64;
        }
        v
    }
}
