//! Processes: the process record, kernel threads and the context switch,
//! the scheduler, exec (ELF), lazy FP state, open files, and user-memory access.

pub mod context;
pub mod cputime;
pub mod exec;
pub mod fpu;
pub mod perf;
pub mod process;
pub mod sched;
pub mod signal;
pub mod usercopy;

pub use process::ExitReason;
