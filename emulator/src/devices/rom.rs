//! The boot ROM at 0x1000, as on QEMU's `virt` board.

/// A read-only memory. Writes are ignored, as QEMU ignores writes to its ROMs.
pub struct BootRom {
    data: Vec<u8>,
}

impl BootRom {
    /// The reset code of QEMU's `virt` board (`riscv_setup_rom_reset_vec`
    /// in `hw/riscv/boot.c`): every hart starts here and jumps to `start`
    /// with a0 = mhartid, a1 = `dtb`, a2 = the address of the
    /// fw_dynamic_info that follows the code (OpenSBI's `fw_dynamic`
    /// protocol: the next stage at `next_addr` runs in S-mode, booted by hart 0).
    ///
    /// `start` is the firmware's entry with `--bios FILE`, the kernel's with
    /// `--bios none`; `next_addr` is the kernel's entry (0 without a kernel).
    pub fn with_next_stage(start: u64, dtb: u64, next_addr: u64) -> BootRom {
        const FW_DYNAMIC_INFO_MAGIC: u64 = 0x4942_534f; // "OSBI"
        const FW_DYNAMIC_INFO_VERSION: u64 = 2;
        const FW_DYNAMIC_INFO_NEXT_MODE_S: u64 = 1;
        let words: [u32; 6] = [
            0x0000_0297, // auipc t0, 0x0
            0x0282_8613, // addi  a2, t0, 40 (fw_dynamic_info)
            0xf140_2573, // csrrs a0, mhartid, zero
            0x0202_b583, // ld    a1, 32(t0)
            0x0182_b283, // ld    t0, 24(t0)
            0x0002_8067, // jalr  zero, 0(t0)
        ];
        let mut data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        // offset 24: start, 32: dtb, 40: fw_dynamic_info {magic, version,
        // next_addr, next_mode, options, boot_hart}.
        let info = [FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, next_addr, FW_DYNAMIC_INFO_NEXT_MODE_S, 0, 0];
        for v in [start, dtb].into_iter().chain(info) {
            data.extend_from_slice(&v.to_le_bytes());
        }
        BootRom { data }
    }

    /// The reset code for `--bios none`: start the kernel at `entry` (which
    /// is also the fw_dynamic next stage), as QEMU does.
    pub fn reset_vector(entry: u64, dtb: u64) -> BootRom {
        BootRom::with_next_stage(entry, dtb, entry)
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
