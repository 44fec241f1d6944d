//! Processes: creation from an ELF image, running in U-mode until exit or a
//! fatal fault, and user-memory access.

pub mod exec;
pub mod process;
pub mod usercopy;

pub use process::{run, ExitReason};
