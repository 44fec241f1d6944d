//! Device drivers for the QEMU `virt` board (and svemu, which copies it).
//! Devices are reached through the direct map (PA + [`crate::mm::PHYS_OFFSET`]).

pub mod sifive_test;
pub mod trace;
pub mod tty;
pub mod uart;
pub mod virtio_blk;
