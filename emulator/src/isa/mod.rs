//! The instruction set: decoding raw bits into [`Insn`], disassembling them,
//! and executing them.

pub mod code_pages;
pub mod csr_names;
pub mod decode;
pub mod decode_cache;
pub mod disasm;
pub mod exec;
pub mod op;

pub use decode::{decode, Insn};
pub use decode_cache::DecodeCache;
pub use disasm::{disassemble, Disasm};
pub use op::{CForm, Op, RegFile};
