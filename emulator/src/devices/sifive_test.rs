//! The SiFive test device ("sifive,test0") at 0x10_0000: a guest writes to it
//! to power the machine off or to reset it (QEMU `hw/misc/sifive_test.c`).
//!
//! | offset | access | read | write |
//! |---|---|---|---|
//! | 0 | 16 or 32 bits | 0 | low 16 bits 0x5555: power off, status 0; 0x3333: power off, status = bits 31:16; 0x7777: reset; other values ignored |
//! | 4..0xfff | 16 or 32 bits | 0 | ignored |
//! | any | 8 or 64 bits | access fault | access fault |
//!
//! It has no state to reset and no interrupt.

/// What the guest asked the machine to do.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerRequest {
    /// 0x5555: power off, success (exit status 0).
    Pass,
    /// `(code << 16) | 0x3333`: power off, failure with exit status `code`.
    Fail(u16),
    /// 0x7777: reset.
    Reset,
}

/// The test device; it holds the last request until the machine acts on it.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct SifiveTest {
    /// Set by a guest write of a recognised value.
    pub request: Option<PowerRequest>,
}

impl SifiveTest {
    /// True for the access sizes the device answers (QEMU's `.valid`: 2 to
    /// 4 bytes); the bus turns others into access faults.
    pub fn size_ok(size: u8) -> bool {
        matches!(size, 2 | 4)
    }

    /// Reads return 0.
    pub fn read(&self, _offset: u64, _size: u8) -> u64 {
        0
    }

    /// A 32-bit write at offset 0 with a recognised low half sets the request;
    /// anything else is ignored.
    pub fn write(&mut self, offset: u64, val: u64) {
        if offset != 0 {
            return;
        }
        let code = (val >> 16) as u16;
        self.request = match val & 0xffff {
            0x5555 => Some(PowerRequest::Pass),
            0x3333 => Some(PowerRequest::Fail(code)),
            0x7777 => Some(PowerRequest::Reset),
            _ => return,
        };
    }
}
