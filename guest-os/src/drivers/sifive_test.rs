//! The `sifive_test` finisher at PA 0x10_0000: writing 0x5555 powers the
//! machine off with success (QEMU exits 0); `(code << 16) | 0x3333` powers off
//! with failure (QEMU exits with `code`).

use crate::mm::PHYS_OFFSET;

/// Physical base address of the sifive_test device.
pub const SIFIVE_TEST_PA: usize = 0x10_0000;

fn write(v: u32) -> ! {
    unsafe {
        core::ptr::write_volatile((PHYS_OFFSET + SIFIVE_TEST_PA) as *mut u32, v);
    }
    loop {
        unsafe { core::arch::asm!("wfi") };
    }
}

/// Powers off with success.
pub fn power_off() -> ! {
    write(0x5555)
}

/// Powers off with failure exit `code` (1..=0xffff).
pub fn power_off_failure(code: u16) -> ! {
    write(((code as u32) << 16) | 0x3333)
}
