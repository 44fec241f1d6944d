//! Linux errno values, returned negated in a0 (shared with the user runtime).

pub use svos_abi::errno::*;
