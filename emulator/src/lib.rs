//! svemu: an RV64GC interpreter with M/S/U privilege and a satp-driven MMU,
//! on a board compatible with QEMU's `virt` machine.
//!
//! Data flows one way: the CLI builds a [`board`], the [`machine`] steps each
//! [`hart`] through the [`isa`] (decode, execute), memory accesses go through
//! the hart's [`mmu`] to the [`bus`] and its [`devices`], and events flow out
//! to one [`trace`] sink.

#![warn(missing_docs)]

/// Writes a diagnostic line to standard error like `diag!`, but never panics: when
/// standard error is closed or full (`2>/dev/full`), the line is dropped and the run goes
/// on to its normal exit status, as Unix tools treat their diagnostics.
#[macro_export]
macro_rules! diag {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Like [`diag!`] without the newline (`diag_text!` that never panics).
#[macro_export]
macro_rules! diag_text {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub mod board;
pub mod bus;
pub mod cpu;
pub mod debug;
pub mod devices;
pub mod fdt;
pub mod gdb;
pub mod hart;
pub mod input;
pub mod isa;
pub mod loader;
pub mod machine;
pub mod mmu;
pub mod plot;
pub mod profile;
pub mod reservations;
pub mod snapshot;
pub mod stats;
pub mod symbols;
pub mod testing;
pub mod trace;
