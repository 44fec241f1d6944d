//! The devices of the board, each a plain struct with `read`/`write` at a byte
//! offset inside its MMIO window. The bus dispatches by address with a `match`,
//! so there is no dynamic dispatch on the access path.

pub mod clint;
pub mod console;
pub mod htif;
pub mod plic;
pub mod ram;
pub mod rom;
pub mod sifive_test;
pub mod trace_port;
pub mod uart;
pub mod virtio;

pub use clint::Clint;
pub use htif::Htif;
pub use plic::Plic;
pub use ram::Ram;
pub use rom::BootRom;
pub use sifive_test::SifiveTest;
pub use uart::Uart16550;
pub use virtio::VirtioMmio;
