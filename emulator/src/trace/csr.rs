//! The `csr` trace category: writes of the CSRs that change how the hart
//! translates and traps (satp, mstatus, sstatus, mtvec, stvec).

use super::{Stamp, Tracer};
use crate::hart::csr::{addr, name, CsrEnv};
use crate::hart::Hart;
use crate::isa::{Insn, Op};

/// The CSRs this category watches.
const WATCHED: [u16; 5] = [addr::SATP, addr::MSTATUS, addr::SSTATUS, addr::MTVEC, addr::STVEC];

/// A watched CSR and its value before the instruction.
#[derive(Clone, Copy, Debug)]
pub struct Before {
    csr: u16,
    value: u64,
}

/// If `insn` may write a watched CSR, its number and current value.
pub fn before(hart: &Hart, insn: &Insn, env: &CsrEnv) -> Option<Before> {
    use Op::*;
    let csr = insn.imm as u16;
    let writes =
        matches!(insn.op, Csrrw | Csrrwi) || (matches!(insn.op, Csrrs | Csrrc | Csrrsi | Csrrci) && insn.rs1 != 0);
    (writes && WATCHED.contains(&csr)).then(|| Before { csr, value: hart.csr.read(csr, env) })
}

/// Trace the write whose `before` state was taken (the instruction
/// retired; `stamp` is the instruction's, taken before it ran).
pub fn after(tracer: &mut Tracer, stamp: &Stamp, hart: &Hart, before: Before, env: &CsrEnv) {
    let now = hart.csr.read(before.csr, env);
    tracer.csr_write(stamp, name(before.csr).unwrap_or("?"), before.value, now);
}
