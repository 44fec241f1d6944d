//! NS16550A UART at PA 0x1000_0000, polled (no interrupts, no PLIC).
//!
//! Registers (byte wide): THR (write) / RBR (read) at +0, LSR at +5; LSR
//! bit 5 (THRE) set means the transmit holding register is empty, bit 0 (DR)
//! means a received byte waits in RBR.

use crate::mm::PHYS_OFFSET;

/// Physical base address of the UART on the `virt` board.
pub const UART_PA: usize = 0x1000_0000;
const THR: usize = 0;
const RBR: usize = 0;
const LSR: usize = 5;
const LSR_DR: u8 = 1 << 0;
const LSR_THRE: u8 = 1 << 5;

#[inline]
fn base() -> usize {
    PHYS_OFFSET + UART_PA
}

/// Writes one byte, waiting for THRE first.
pub fn putc(c: u8) {
    let b = base();
    unsafe {
        while core::ptr::read_volatile((b + LSR) as *const u8) & LSR_THRE == 0 {}
        core::ptr::write_volatile((b + THR) as *mut u8, c);
    }
}

/// Writes all bytes of `s` unchanged (no newline translation).
pub fn write_bytes(s: &[u8]) {
    for &c in s {
        putc(c);
    }
}

/// The next received byte, if LSR.DR says one is waiting.
pub fn getc() -> Option<u8> {
    let b = base();
    unsafe {
        if core::ptr::read_volatile((b + LSR) as *const u8) & LSR_DR != 0 {
            Some(core::ptr::read_volatile((b + RBR) as *const u8))
        } else {
            None
        }
    }
}
