//! The RV64 register set as gdb numbers it (gdb's `riscv-tdep.h`): x0-x31
//! are 0-31, pc 32, f0-f31 33-64, CSR number `n` is 65 + n, and the
//! virtual register `priv` (the current privilege mode) 65 + 4096. The
//! `g` packet carries x, pc and f; CSRs and `priv` go one at a time (`p`,
//! `P`), named in the target description [`target_xml`].

use std::fmt::Write as _;
use std::num::NonZeroUsize;

use gdbstub::arch::{Arch, RegId, Registers};

use crate::hart::csr;

/// gdb's number of CSR 0.
pub const CSR_BASE: usize = 65;
/// gdb's number of the `priv` virtual register.
pub const PRIV: usize = CSR_BASE + 4096;

/// The RV64GC target of svemu, for gdbstub.
pub enum Rv64 {}

impl Arch for Rv64 {
    type Usize = u64;
    type Registers = Regs;
    type BreakpointKind = usize;
    type RegId = Reg;
}

/// The registers of the `g` packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    /// x0..x31.
    pub x: [u64; 32],
    /// pc.
    pub pc: u64,
    /// f0..f31 (raw bits).
    pub f: [u64; 32],
}

impl Registers for Regs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for v in self.x.iter().chain([&self.pc]).chain(self.f.iter()) {
            v.to_le_bytes().iter().for_each(|&b| write_byte(Some(b)));
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let words: Vec<u64> = bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
        if words.len() < 33 {
            return Err(());
        }
        self.x.copy_from_slice(&words[..32]);
        self.pc = words[32];
        for (f, w) in self.f.iter_mut().zip(words[33..].iter()) {
            *f = *w;
        }
        Ok(())
    }
}

/// One register by gdb's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// x0..x31.
    X(u8),
    /// pc.
    Pc,
    /// f0..f31.
    F(u8),
    /// A CSR that the hart implements, by number.
    Csr(u16),
    /// The privilege mode (0 U, 1 S, 3 M).
    Priv,
}

impl RegId for Reg {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let reg = match id {
            0..=31 => Reg::X(id as u8),
            32 => Reg::Pc,
            33..=64 => Reg::F((id - 33) as u8),
            PRIV => Reg::Priv,
            n if (CSR_BASE..CSR_BASE + 4096).contains(&n) && csr::name((n - CSR_BASE) as u16).is_some() => {
                Reg::Csr((n - CSR_BASE) as u16)
            }
            _ => return None,
        };
        Some((reg, NonZeroUsize::new(8)))
    }
}

/// The target description: gdb's RISC-V features cpu, fpu (with fflags,
/// frm, fcsr), csr (every other CSR the hart implements) and virtual
/// (`priv`), with gdb's register numbers.
pub fn target_xml() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n\
         <architecture>riscv:rv64</architecture>\n<feature name=\"org.gnu.gdb.riscv.cpu\">\n",
    );
    const X: [&str; 32] = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
        "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ];
    for (i, n) in X.iter().enumerate() {
        let ty = match i {
            1 => "code_ptr",
            2 | 8 => "data_ptr",
            _ => "int",
        };
        let _ = writeln!(s, "<reg name=\"{n}\" bitsize=\"64\" type=\"{ty}\" regnum=\"{i}\"/>");
    }
    s.push_str("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n");
    s.push_str("<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
    const F: [&str; 32] = [
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
        "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10",
        "ft11",
    ];
    for (i, n) in F.iter().enumerate() {
        let _ = writeln!(s, "<reg name=\"{n}\" bitsize=\"64\" type=\"ieee_double\" regnum=\"{}\"/>", 33 + i);
    }
    let fp_csrs = [1u16, 2, 3];
    for a in fp_csrs {
        let _ = writeln!(
            s,
            "<reg name=\"{}\" bitsize=\"64\" type=\"int\" regnum=\"{}\"/>",
            csr::name(a).unwrap(),
            CSR_BASE + a as usize
        );
    }
    s.push_str("</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for a in 0..4096u16 {
        if fp_csrs.contains(&a) {
            continue;
        }
        if let Some(n) = csr::name(a) {
            let _ =
                writeln!(s, "<reg name=\"{n}\" bitsize=\"64\" type=\"uint64\" regnum=\"{}\"/>", CSR_BASE + a as usize);
        }
    }
    let _ = write!(
        s,
        "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n\
         <reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"{PRIV}\"/>\n</feature>\n</target>\n"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_numbers_follow_gdb() {
        assert_eq!(Reg::from_raw_id(2).unwrap().0, Reg::X(2));
        assert_eq!(Reg::from_raw_id(32).unwrap().0, Reg::Pc);
        assert_eq!(Reg::from_raw_id(33 + 10).unwrap().0, Reg::F(10));
        assert_eq!(Reg::from_raw_id(CSR_BASE + 0x180).unwrap().0, Reg::Csr(0x180));
        assert_eq!(Reg::from_raw_id(PRIV).unwrap().0, Reg::Priv);
        // A CSR number the hart does not implement is no register.
        assert!(Reg::from_raw_id(CSR_BASE + 0x7b0).is_none());
        let xml = target_xml();
        assert!(xml.contains("<reg name=\"satp\" bitsize=\"64\" type=\"uint64\" regnum=\"449\"/>"), "{xml}");
        assert!(xml.contains("name=\"priv\"") && xml.contains("regnum=\"4161\""));
    }
}
