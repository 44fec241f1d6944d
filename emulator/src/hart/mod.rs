//! The architectural state of one hart: registers, pc, privilege mode, CSRs,
//! the LR/SC reservation, and the trap entry and xRET rules that change them
//! (RISC-V Privileged ISA, sections 3.1.6-3.1.9, 3.3.2, 4.1.1).

pub mod csr;
pub mod hpm;
pub mod pmp;
pub mod trap;
pub mod trigger;

use csr::{mstatus, CsrFile};
use trap::{irq, Trap};

/// A privilege mode, with its encoding in mstatus.MPP/SPP.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priv {
    /// User mode (0).
    U = 0,
    /// Supervisor mode (1).
    S = 1,
    /// Machine mode (3).
    M = 3,
}

impl Priv {
    /// The mode encoded by `bits` (0, 1, 3; the reserved 2 reads as U).
    pub fn from_bits(bits: u64) -> Priv {
        match bits & 3 {
            3 => Priv::M,
            1 => Priv::S,
            _ => Priv::U,
        }
    }

    /// One-letter name: M, S or U.
    pub fn letter(self) -> char {
        match self {
            Priv::M => 'M',
            Priv::S => 'S',
            Priv::U => 'U',
        }
    }
}

/// One hart's architectural state.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct Hart {
    /// mhartid.
    pub id: u64,
    /// Integer registers x0..x31 (x0 is kept at zero).
    pub x: [u64; 32],
    /// Floating-point registers f0..f31 (raw bits, NaN-boxed singles).
    pub f: [u64; 32],
    /// Program counter.
    pub pc: u64,
    /// Current privilege mode.
    pub prv: Priv,
    /// Control and status registers.
    pub csr: CsrFile,
    /// Physical address of the reservation set by LR, if any (an aligned
    /// 8-byte granule).
    pub reservation: Option<u64>,
    /// Waiting for an interrupt (executed WFI).
    pub wfi: bool,
    /// Instructions retired (minstret).
    pub instret: u64,
    /// Cycles run (mcycle): retired instructions plus cycles spent waiting.
    pub cycle: u64,
}

impl Hart {
    /// A hart in its reset state: M-mode, pc at `reset_pc`, registers zero.
    pub fn new(id: u64, reset_pc: u64) -> Hart {
        Hart {
            id,
            x: [0; 32],
            f: [0; 32],
            pc: reset_pc,
            prv: Priv::M,
            csr: CsrFile::default(),
            reservation: None,
            wfi: false,
            instret: 0,
            cycle: 0,
        }
    }

    /// Take `trap` at the current pc (which is the faulting instruction's pc
    /// for exceptions, or the next instruction to run for interrupts).
    ///
    /// Delegation (3.1.8): a trap from S or U mode goes to S-mode when its bit
    /// in medeleg/mideleg is set; otherwise to M-mode. Returns the new mode.
    pub fn take_trap(&mut self, trap: Trap) -> Priv {
        let cause = trap.cause();
        let code = cause & !(1 << 63);
        let interrupt = cause >> 63 != 0;
        let deleg = if interrupt { self.csr.mideleg } else { self.csr.medeleg };
        let to_s = self.prv != Priv::M && (deleg >> code) & 1 != 0;
        let s = &mut self.csr;
        let from = self.prv;
        self.reservation = None;
        if to_s {
            s.sepc = self.pc;
            s.scause = cause;
            s.stval = trap.tval();
            let sie = s.mstatus & mstatus::SIE != 0;
            s.mstatus &= !(mstatus::SPIE | mstatus::SIE | mstatus::SPP);
            if sie {
                s.mstatus |= mstatus::SPIE;
            }
            if from == Priv::S {
                s.mstatus |= mstatus::SPP;
            }
            self.pc = vector(s.stvec, interrupt, code);
            self.prv = Priv::S;
        } else {
            s.mepc = self.pc;
            s.mcause = cause;
            s.mtval = trap.tval();
            let mie = s.mstatus & mstatus::MIE != 0;
            s.mstatus &= !(mstatus::MPIE | mstatus::MIE | mstatus::MPP);
            if mie {
                s.mstatus |= mstatus::MPIE;
            }
            s.mstatus |= (from as u64) << mstatus::MPP_SHIFT;
            self.pc = vector(s.mtvec, interrupt, code);
            self.prv = Priv::M;
        }
        self.prv
    }

    /// MRET (3.3.2): back to mstatus.MPP with MIE = MPIE; MPIE = 1; MPP = U;
    /// MPRV cleared when leaving M-mode.
    pub fn mret(&mut self) {
        let s = &mut self.csr;
        let to = Priv::from_bits(s.mstatus >> mstatus::MPP_SHIFT);
        let mpie = s.mstatus & mstatus::MPIE != 0;
        s.mstatus &= !(mstatus::MIE | mstatus::MPP);
        if mpie {
            s.mstatus |= mstatus::MIE;
        }
        s.mstatus |= mstatus::MPIE;
        if to != Priv::M {
            s.mstatus &= !mstatus::MPRV;
        }
        self.pc = s.mepc;
        self.prv = to;
    }

    /// SRET (3.3.2): back to sstatus.SPP with SIE = SPIE; SPIE = 1; SPP = U;
    /// MPRV cleared.
    pub fn sret(&mut self) {
        let s = &mut self.csr;
        let to = if s.mstatus & mstatus::SPP != 0 { Priv::S } else { Priv::U };
        let spie = s.mstatus & mstatus::SPIE != 0;
        s.mstatus &= !(mstatus::SIE | mstatus::SPP | mstatus::MPRV);
        if spie {
            s.mstatus |= mstatus::SIE;
        }
        s.mstatus |= mstatus::SPIE;
        self.pc = s.sepc;
        self.prv = to;
    }

    /// The interrupt to take now, if any (3.1.9): pending and enabled in
    /// mip & mie, not masked by the global enable of the mode it goes to, in
    /// the fixed priority order MEI, MSI, MTI, SEI, SSI, STI.
    pub fn pending_interrupt(&self) -> Option<u64> {
        let pending = self.csr.mip() & self.csr.mie;
        if pending == 0 {
            return None;
        }
        let m_enabled = self.prv < Priv::M || self.csr.mstatus & mstatus::MIE != 0;
        let s_enabled = self.prv < Priv::S || (self.prv == Priv::S && self.csr.mstatus & mstatus::SIE != 0);
        let m_pending = if m_enabled { pending & !self.csr.mideleg } else { 0 };
        let s_pending = if s_enabled { pending & self.csr.mideleg } else { 0 };
        // Interrupts for M-mode come before those for S-mode.
        for set in [m_pending, s_pending] {
            if let Some(&code) = irq::PRIORITY.iter().find(|&&c| set >> c & 1 != 0) {
                return Some(code);
            }
        }
        None
    }
}

/// The trap target address for xtvec value `tvec`: base, or base + 4·cause
/// for interrupts in vectored mode.
fn vector(tvec: u64, interrupt: bool, code: u64) -> u64 {
    let base = tvec & !3;
    if interrupt && tvec & 3 == 1 {
        base + 4 * code
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trap::Exception;

    #[test]
    fn delegated_exception_goes_to_s_mode() {
        let mut h = Hart::new(0, 0x1000);
        h.prv = Priv::U;
        h.pc = 0x10074;
        h.csr.medeleg = 1 << 13;
        h.csr.stvec = 0x8000_2000;
        h.csr.mstatus |= mstatus::SIE;
        assert_eq!(h.take_trap(Trap::Exception(Exception::LoadPageFault(0xdead))), Priv::S);
        assert_eq!((h.pc, h.csr.sepc, h.csr.scause, h.csr.stval), (0x8000_2000, 0x10074, 13, 0xdead));
        assert_eq!(h.csr.mstatus & (mstatus::SIE | mstatus::SPIE | mstatus::SPP), mstatus::SPIE);
        h.sret();
        assert_eq!((h.prv, h.pc), (Priv::U, 0x10074));
        assert!(h.csr.mstatus & mstatus::SIE != 0);
    }

    #[test]
    fn m_mode_traps_are_never_delegated_and_vectored_interrupts_offset() {
        let mut h = Hart::new(0, 0x1000);
        h.csr.medeleg = u64::MAX;
        h.csr.mtvec = 0x8000_0001;
        h.take_trap(Trap::Exception(Exception::EcallFromM));
        assert_eq!((h.prv, h.pc, h.csr.mcause), (Priv::M, 0x8000_0000, 11));
        assert_eq!(h.csr.mstatus & mstatus::MPP, mstatus::MPP);
        h.take_trap(Trap::Interrupt(irq::MTI));
        assert_eq!(h.pc, 0x8000_001c);
        assert_eq!(h.csr.mcause, (1 << 63) | 7);
    }

    #[test]
    fn interrupt_priority_and_enables() {
        let mut h = Hart::new(0, 0);
        h.csr.mie = 0xaaa;
        h.csr.mip_hw = (1 << irq::MTI) | (1 << irq::MSI);
        assert_eq!(h.pending_interrupt(), None); // M-mode with MIE = 0
        h.csr.mstatus |= mstatus::MIE;
        assert_eq!(h.pending_interrupt(), Some(irq::MSI));
        h.prv = Priv::S;
        h.csr.mstatus &= !mstatus::MIE; // M interrupts are always on below M
        h.csr.mideleg = 1 << irq::STI;
        h.csr.mip_hw = 1 << irq::STI;
        assert_eq!(h.pending_interrupt(), None); // S-mode with SIE = 0
        h.prv = Priv::U;
        assert_eq!(h.pending_interrupt(), Some(irq::STI));
    }
}
