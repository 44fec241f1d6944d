//! Exceptions and interrupts: their cause codes and names (RISC-V Privileged
//! ISA, section 3.1.15 "Machine Cause Register", table "mcause values after
//! trap"), and the trap itself as the hart takes it.

use std::fmt;

/// A synchronous exception with its mtval/stval value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// 0: instruction address misaligned; tval = the target address.
    InstructionAddressMisaligned(u64),
    /// 1: instruction access fault; tval = the faulting virtual address.
    InstructionAccessFault(u64),
    /// 2: illegal instruction; tval = the instruction bits.
    IllegalInstruction(u64),
    /// 3: breakpoint; tval = 0 for ebreak (as QEMU 7.2; the spec also allows the pc).
    Breakpoint(u64),
    /// 4: load address misaligned; tval = the virtual address.
    LoadAddressMisaligned(u64),
    /// 5: load access fault; tval = the virtual address.
    LoadAccessFault(u64),
    /// 6: store/AMO address misaligned; tval = the virtual address.
    StoreAddressMisaligned(u64),
    /// 7: store/AMO access fault; tval = the virtual address.
    StoreAccessFault(u64),
    /// 8: environment call from U-mode.
    EcallFromU,
    /// 9: environment call from S-mode.
    EcallFromS,
    /// 11: environment call from M-mode.
    EcallFromM,
    /// 12: instruction page fault; tval = the faulting virtual address.
    InstructionPageFault(u64),
    /// 13: load page fault; tval = the virtual address.
    LoadPageFault(u64),
    /// 15: store/AMO page fault; tval = the virtual address.
    StorePageFault(u64),
}

impl Exception {
    /// The exception code (mcause with the interrupt bit clear).
    pub fn code(self) -> u64 {
        use Exception::*;
        match self {
            InstructionAddressMisaligned(_) => 0,
            InstructionAccessFault(_) => 1,
            IllegalInstruction(_) => 2,
            Breakpoint(_) => 3,
            LoadAddressMisaligned(_) => 4,
            LoadAccessFault(_) => 5,
            StoreAddressMisaligned(_) => 6,
            StoreAccessFault(_) => 7,
            EcallFromU => 8,
            EcallFromS => 9,
            EcallFromM => 11,
            InstructionPageFault(_) => 12,
            LoadPageFault(_) => 13,
            StorePageFault(_) => 15,
        }
    }

    /// The value written to mtval/stval.
    pub fn tval(self) -> u64 {
        use Exception::*;
        match self {
            InstructionAddressMisaligned(v)
            | InstructionAccessFault(v)
            | IllegalInstruction(v)
            | Breakpoint(v)
            | LoadAddressMisaligned(v)
            | LoadAccessFault(v)
            | StoreAddressMisaligned(v)
            | StoreAccessFault(v)
            | InstructionPageFault(v)
            | LoadPageFault(v)
            | StorePageFault(v) => v,
            EcallFromU | EcallFromS | EcallFromM => 0,
        }
    }

    /// The name the privileged spec gives the cause.
    pub fn name(self) -> &'static str {
        exception_name(self.code())
    }
}

/// The privileged spec's name for exception code `code` ("reserved" when the
/// code is not assigned).
pub fn exception_name(code: u64) -> &'static str {
    match code {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store/AMO address misaligned",
        7 => "store/AMO access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        11 => "environment call from M-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store/AMO page fault",
        _ => "reserved",
    }
}

/// The privileged spec's name for interrupt code `code`.
pub fn interrupt_name(code: u64) -> &'static str {
    match code {
        1 => "supervisor software interrupt",
        3 => "machine software interrupt",
        5 => "supervisor timer interrupt",
        7 => "machine timer interrupt",
        9 => "supervisor external interrupt",
        11 => "machine external interrupt",
        13 => "counter-overflow interrupt",
        _ => "reserved",
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (tval {:#x})", self.name(), self.tval())
    }
}

/// Interrupt codes: the bit numbers in mip/mie.
pub mod irq {
    /// Supervisor software interrupt.
    pub const SSI: u64 = 1;
    /// Machine software interrupt.
    pub const MSI: u64 = 3;
    /// Supervisor timer interrupt.
    pub const STI: u64 = 5;
    /// Machine timer interrupt.
    pub const MTI: u64 = 7;
    /// Supervisor external interrupt.
    pub const SEI: u64 = 9;
    /// Machine external interrupt.
    pub const MEI: u64 = 11;
    /// The order in which simultaneous interrupts are taken (Privileged ISA
    /// 3.1.9: MEI, MSI, MTI, SEI, SSI, STI).
    pub const PRIORITY: [u64; 6] = [MEI, MSI, MTI, SEI, SSI, STI];
}

/// A trap cause: an exception or an interrupt (by its code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    /// A synchronous exception.
    Exception(Exception),
    /// An asynchronous interrupt with its code (a bit number of mip).
    Interrupt(u64),
}

impl Trap {
    /// The xcause value: the interrupt bit (63) and the code.
    pub fn cause(self) -> u64 {
        match self {
            Trap::Exception(e) => e.code(),
            Trap::Interrupt(code) => (1 << 63) | code,
        }
    }

    /// The xtval value.
    pub fn tval(self) -> u64 {
        match self {
            Trap::Exception(e) => e.tval(),
            Trap::Interrupt(_) => 0,
        }
    }

    /// The spec's name for the cause.
    pub fn name(self) -> &'static str {
        match self {
            Trap::Exception(e) => e.name(),
            Trap::Interrupt(code) => interrupt_name(code),
        }
    }
}
