//! svemu: an RV64GC interpreter with M/S/U privilege and a satp-driven MMU,
//! on a board compatible with QEMU's `virt` machine.
//!
//! Data flows one way: the CLI builds a [`board`], the [`machine`] steps each
//! [`hart`] through the [`isa`] (decode, execute), memory accesses go through
//! the hart's [`mmu`] to the [`bus`] and its [`devices`], and events flow out
//! to one [`trace`] sink.

#![warn(missing_docs)]

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
pub mod reservations;
pub mod snapshot;
pub mod stats;
pub mod symbols;
pub mod testing;
pub mod trace;
