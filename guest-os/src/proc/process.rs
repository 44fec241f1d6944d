//! A process: pid, name, address space, trap frame, program break; and the
//! loop that runs one to completion.

use super::exec::{self, ExecError};
use crate::mm::addr_space::AddrSpace;
use crate::mm::kernel_space;
use crate::syscall::{self, SyscallOutcome};
use crate::trap::{self, reg, TrapFrame};
use alloc::string::String;

/// Signal numbers (Linux asm-generic/signal.h).
pub mod signal {
    pub const SIGILL: u32 = 4;
    pub const SIGTRAP: u32 = 5;
    pub const SIGBUS: u32 = 7;
    pub const SIGSEGV: u32 = 11;
    /// The conventional name of a signal number.
    pub fn name(sig: u32) -> &'static str {
        match sig {
            SIGILL => "SIGILL",
            SIGTRAP => "SIGTRAP",
            SIGBUS => "SIGBUS",
            SIGSEGV => "SIGSEGV",
            _ => "SIG?",
        }
    }
}

/// How a process ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// exit/exit_group with this code.
    Exited(i32),
    /// Killed by this signal.
    Killed(u32),
}

impl ExitReason {
    /// The shell-style exit status: the code's low 8 bits, or 128 + signal.
    pub fn status(self) -> u32 {
        match self {
            ExitReason::Exited(c) => (c as u32) & 0xff,
            ExitReason::Killed(s) => 128 + s,
        }
    }
}

/// A user process.
pub struct Process {
    /// Process id (1, 2, ... in start order).
    pub pid: usize,
    /// Program name (argv[0]).
    pub name: String,
    /// The address space; dropped (frames freed) when the process ends.
    pub space: AddrSpace,
    /// Saved user registers.
    pub tf: TrapFrame,
    /// Start of the brk heap (page aligned, just above the highest segment).
    pub brk_start: usize,
    /// Current program break (bytes).
    pub brk: usize,
}

/// Maps a fatal U-mode exception code to the signal that kills the process.
fn signal_for(code: usize) -> u32 {
    use signal::*;
    match code {
        2 => SIGILL,
        3 => SIGTRAP,
        0 | 4 | 6 => SIGBUS,
        _ => SIGSEGV,
    }
}

/// Creates process `pid` from ELF bytes `elf` with argv = [name], runs it in
/// U-mode until it exits or is killed, frees its memory, and returns how it ended.
pub fn run(pid: usize, name: &str, elf: &[u8]) -> Result<ExitReason, ExecError> {
    let mut space = AddrSpace::new_user()?;
    let img = exec::load(&mut space, elf, &[name])?;
    let mut p = Process {
        pid,
        name: String::from(name),
        space,
        tf: TrapFrame::default(),
        brk_start: img.brk,
        brk: img.brk,
    };
    p.tf.sepc = img.entry;
    p.tf.x[reg::SP] = img.sp;

    // SAFETY: the process table shares the kernel's upper half.
    unsafe { p.space.page_table().activate() };
    // The program's code was written through the direct map: make instruction
    // fetch see it (Zifencei).
    unsafe { core::arch::asm!("fence.i") };
    let reason = loop {
        let (scause, stval) = trap::run_user(&mut p.tf);
        let code = scause & !(1usize << 63);
        if scause >> 63 != 0 {
            crate::println!("[svos] pid {} ({}): unexpected {}", p.pid, p.name, trap::interrupt_name(code));
            continue;
        }
        if code == 8 {
            p.tf.sepc += 4;
            match syscall::dispatch(&mut p) {
                SyscallOutcome::Continue => {}
                SyscallOutcome::Exit(c) => break ExitReason::Exited(c),
            }
            continue;
        }
        // One report line, like a segmentation-fault message: cause, stval
        // (the faulting address; for an illegal instruction, the instruction
        // bits or 0), pc, signal.
        let sig = signal_for(code);
        let (cause, sepc) = (trap::exception_name(code), p.tf.sepc);
        if code == 2 {
            crate::println!(
                "[svos] pid {} ({}): {} (stval {:#x}), pc {:#x}: killed by signal {} ({})",
                p.pid, p.name, cause, stval, sepc, sig, signal::name(sig)
            );
        } else {
            crate::println!(
                "[svos] pid {} ({}): {} at {:#x}, pc {:#x}: killed by signal {} ({})",
                p.pid, p.name, cause, stval, sepc, sig, signal::name(sig)
            );
        }
        break ExitReason::Killed(sig);
    };
    kernel_space::activate_kernel();
    drop(p);
    Ok(reason)
}

impl From<crate::mm::page_table::MapError> for ExecError {
    fn from(e: crate::mm::page_table::MapError) -> Self {
        match e {
            crate::mm::page_table::MapError::OutOfMemory => ExecError::OutOfMemory,
            _ => ExecError::BadSegment,
        }
    }
}
