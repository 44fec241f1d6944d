//! Debug triggers (RISC-V Debug Specification 1.0, chapter 5, "Sdtrig"):
//! [`TRIGGERS`] triggers per hart behind tselect, tdata1-3 and tinfo, each
//! an `mcontrol6` (type 6) address or data match on execute, load or store,
//! whose action is a breakpoint exception (cause 3) taken before the
//! instruction, with the matched address in xtval.
//!
//! - tselect (0x7a0) is WARL: a value of [`TRIGGERS`] or more leaves it
//!   unchanged, so a debugger finds the number of triggers by writing and
//!   reading it back (5.5).
//! - tinfo (0x7a4) reads `1 << 6 | 1 << 15`: mcontrol6, or disabled.
//! - tdata1: type 6 or 15 (any other type written becomes 15, disabled);
//!   action 0 only (no Debug Mode); match 0 (equal), 2 (at or above), 3
//!   (below); select 0 (address) or 1 (data: the value a store writes, or
//!   the instruction's bits for execute; loads never match on data); size 0;
//!   no chain; m, s, u, execute, store, load and hit0 as written. A trigger
//!   with dmode = 1 belongs to the external debugger (svemu's gdb stub, which
//!   takes one per hardware breakpoint or watchpoint): M-mode writes to it
//!   are ignored, and it is not checked here (the stub checks its own).
//! - tdata3 reads 0 (no textra conditions).
//! - In M-mode, a trigger fires only while mstatus.MIE = 1 (tcontrol is not
//!   implemented; 5.4's rule against re-entering the handler).
//!
//! Loads and stores are checked before the instruction, at the virtual
//! address `rs1 + imm` (and for AMO, LR, SC at `rs1`); a trigger matches
//! an access whose bytes include tdata2 (match 0), or whose address is at
//! or above / below tdata2 (match 2 / 3).

use crate::bus::Bus;
use crate::debug::memory;
use crate::hart::csr::mstatus;
use crate::hart::trap::Exception;
use crate::hart::{Hart, Priv};
use crate::isa::{decode, Op};
use crate::mmu::{Access, Mmu};

/// Triggers per hart.
pub const TRIGGERS: usize = 4;

/// tdata1 fields of mcontrol6.
#[allow(missing_docs)]
pub mod mcontrol6 {
    pub const TYPE_SHIFT: u32 = 60;
    pub const DMODE: u64 = 1 << 59;
    pub const HIT1: u64 = 1 << 25;
    pub const HIT0: u64 = 1 << 22;
    pub const SELECT: u64 = 1 << 21;
    pub const MATCH_SHIFT: u32 = 7;
    pub const M: u64 = 1 << 6;
    pub const S: u64 = 1 << 4;
    pub const U: u64 = 1 << 3;
    pub const EXECUTE: u64 = 1 << 2;
    pub const STORE: u64 = 1 << 1;
    pub const LOAD: u64 = 1 << 0;
    /// Type 6, mcontrol6.
    pub const TYPE_MCONTROL6: u64 = 6;
    /// Type 15: the trigger exists but is disabled.
    pub const TYPE_DISABLED: u64 = 15;
}

use mcontrol6 as mc;

/// CSR numbers.
#[allow(missing_docs)]
pub mod addr {
    pub const TSELECT: u16 = 0x7a0;
    pub const TDATA1: u16 = 0x7a1;
    pub const TDATA2: u16 = 0x7a2;
    pub const TDATA3: u16 = 0x7a3;
    pub const TINFO: u16 = 0x7a4;
}

/// One hart's triggers.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Triggers {
    /// tselect.
    pub select: usize,
    /// tdata1 of each trigger.
    pub tdata1: [u64; TRIGGERS],
    /// tdata2 of each trigger.
    pub tdata2: [u64; TRIGGERS],
}

const DISABLED: u64 = mc::TYPE_DISABLED << mc::TYPE_SHIFT;

impl Default for Triggers {
    fn default() -> Self {
        Triggers { select: 0, tdata1: [DISABLED; TRIGGERS], tdata2: [0; TRIGGERS] }
    }
}

/// An access an instruction is about to make, for matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Planned {
    access: Access,
    va: u64,
    size: u64,
    /// The data (store value, or instruction bits), if known before.
    data: Option<u64>,
}

impl Triggers {
    /// Read trigger CSR `a` (one of [`addr`]).
    pub fn read(&self, a: u16) -> u64 {
        match a {
            addr::TSELECT => self.select as u64,
            addr::TDATA1 => self.tdata1[self.select],
            addr::TDATA2 => self.tdata2[self.select],
            addr::TINFO => 1 << mc::TYPE_MCONTROL6 | 1 << mc::TYPE_DISABLED,
            _ => 0,
        }
    }

    /// Write trigger CSR `a` from M-mode, with the WARL rules of the module
    /// documentation.
    pub fn write(&mut self, a: u16, v: u64) {
        let k = self.select;
        match a {
            addr::TSELECT if (v as usize) < TRIGGERS => self.select = v as usize,
            addr::TDATA1 if self.tdata1[k] & mc::DMODE == 0 => self.tdata1[k] = legal_tdata1(v & !mc::DMODE),
            addr::TDATA2 if self.tdata1[k] & mc::DMODE == 0 => self.tdata2[k] = v,
            _ => {}
        }
    }

    /// True when some guest trigger (dmode = 0) is enabled: the machine then
    /// checks [`check`] before every instruction of this hart.
    pub fn armed(&self) -> bool {
        self.tdata1.iter().any(|&t| t >> mc::TYPE_SHIFT == mc::TYPE_MCONTROL6 && t & mc::DMODE == 0 && t & 7 != 0)
    }

    /// A free trigger for the external debugger (disabled and not its own),
    /// which it takes with `tdata1` (dmode set) and `tdata2`: its index.
    pub fn take_for_debugger(&mut self, tdata1: u64, tdata2: u64) -> Option<usize> {
        let k = self.tdata1.iter().position(|&t| t == DISABLED)?;
        self.tdata1[k] = legal_tdata1(tdata1) | mc::DMODE;
        self.tdata2[k] = tdata2;
        Some(k)
    }

    /// Give trigger `k` back from the external debugger.
    pub fn release_from_debugger(&mut self, k: usize) {
        if self.tdata1[k] & mc::DMODE != 0 {
            self.tdata1[k] = DISABLED;
            self.tdata2[k] = 0;
        }
    }
}

/// tdata1 value `v` made legal (see the module documentation).
fn legal_tdata1(v: u64) -> u64 {
    if v >> mc::TYPE_SHIFT != mc::TYPE_MCONTROL6 {
        return DISABLED;
    }
    let m = match (v >> mc::MATCH_SHIFT) & 0xf {
        2 => 2,
        3 => 3,
        _ => 0,
    };
    let kept =
        mc::DMODE | mc::HIT1 | mc::HIT0 | mc::SELECT | mc::M | mc::S | mc::U | mc::EXECUTE | mc::STORE | mc::LOAD;
    mc::TYPE_MCONTROL6 << mc::TYPE_SHIFT | (v & kept) | m << mc::MATCH_SHIFT
}

/// The loads and stores of an instruction: (access, size in bytes, whether
/// the address has the immediate added).
fn data_access(op: Op) -> Option<(Access, u64, bool)> {
    use Op::*;
    Some(match op {
        Lb | Lbu => (Access::Load, 1, true),
        Lh | Lhu => (Access::Load, 2, true),
        Lw | Lwu | Flw => (Access::Load, 4, true),
        Ld | Fld => (Access::Load, 8, true),
        Sb => (Access::Store, 1, true),
        Sh => (Access::Store, 2, true),
        Sw | Fsw => (Access::Store, 4, true),
        Sd | Fsd => (Access::Store, 8, true),
        LrW => (Access::Load, 4, false),
        LrD => (Access::Load, 8, false),
        ScW | AmoswapW | AmoaddW | AmoxorW | AmoandW | AmoorW | AmominW | AmomaxW | AmominuW | AmomaxuW => {
            (Access::Store, 4, false)
        }
        ScD | AmoswapD | AmoaddD | AmoxorD | AmoandD | AmoorD | AmominD | AmomaxD | AmominuD | AmomaxuD => {
            (Access::Store, 8, false)
        }
        _ => return None,
    })
}

/// The breakpoint exception a guest trigger of `hart` raises before its next
/// instruction, if one fires (the hit0 bit of that trigger is set). The
/// instruction is fetched by a dry walk; one that cannot be fetched fires
/// nothing (the step then raises its fetch fault).
pub fn check(hart: &mut Hart, mmu: &Mmu, bus: &mut Bus) -> Option<Exception> {
    let prv_bit = match hart.prv {
        Priv::M if hart.csr.mstatus & mstatus::MIE == 0 => return None,
        Priv::M => mc::M,
        Priv::S => mc::S,
        Priv::U => mc::U,
    };
    let pc = hart.pc;
    let mut raw = [0u8; 4];
    let pa = memory::translate(hart, mmu, bus, pc, Access::Fetch).ok()?;
    memory::read_physical(bus, pa, &mut raw[..2]).ok()?;
    if raw[0] & 3 == 3 {
        let pa2 = memory::translate(hart, mmu, bus, pc + 2, Access::Fetch).ok()?;
        memory::read_physical(bus, pa2, &mut raw[2..]).ok()?;
    }
    let bits = u32::from_le_bytes(raw);
    let insn = decode::decode(bits);
    let exec = Planned { access: Access::Fetch, va: pc, size: 2 + 2 * (bits & 3 == 3) as u64, data: Some(bits as u64) };
    let data = data_access(insn.op).map(|(access, size, imm)| {
        let va = hart.x[insn.rs1 as usize].wrapping_add(if imm { insn.imm as u64 } else { 0 });
        let value = match insn.op {
            Op::Fsw | Op::Fsd => hart.f[insn.rs2 as usize],
            _ => hart.x[insn.rs2 as usize],
        };
        let mask = if size == 8 { u64::MAX } else { (1 << (8 * size)) - 1 };
        Planned { access, va, size, data: (access == Access::Store).then_some(value & mask) }
    });
    let t = &mut hart.csr.triggers;
    for k in 0..TRIGGERS {
        let d1 = t.tdata1[k];
        if d1 >> mc::TYPE_SHIFT != mc::TYPE_MCONTROL6 || d1 & mc::DMODE != 0 || d1 & prv_bit == 0 {
            continue;
        }
        for p in [Some(exec), data].into_iter().flatten() {
            let wanted = match p.access {
                Access::Fetch => mc::EXECUTE,
                Access::Load => mc::LOAD,
                Access::Store => mc::STORE,
            };
            if d1 & wanted != 0 && matches(d1, t.tdata2[k], p) {
                t.tdata1[k] |= mc::HIT0;
                return Some(Exception::Breakpoint(p.va));
            }
        }
    }
    None
}

fn matches(tdata1: u64, tdata2: u64, p: Planned) -> bool {
    let how = (tdata1 >> mc::MATCH_SHIFT) & 0xf;
    if tdata1 & mc::SELECT != 0 {
        let Some(v) = p.data else { return false };
        return match how {
            2 => v >= tdata2,
            3 => v < tdata2,
            _ => v == tdata2,
        };
    }
    match how {
        2 => p.va >= tdata2,
        3 => p.va < tdata2,
        _ => tdata2.wrapping_sub(p.va) < p.size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tselect_and_tdata1_are_warl() {
        let mut t = Triggers::default();
        t.write(addr::TSELECT, 1);
        t.write(addr::TSELECT, TRIGGERS as u64);
        assert_eq!(t.read(addr::TSELECT), 1, "an out-of-range tselect is not taken");
        assert_eq!(t.read(addr::TDATA1) >> 60, 15, "triggers start disabled");
        t.write(addr::TDATA1, 2 << 60 | mc::LOAD);
        assert_eq!(t.read(addr::TDATA1) >> 60, 15, "type 2 is not implemented");
        t.write(addr::TDATA1, 6 << 60 | mc::DMODE | 1 << 12 | 1 << mc::MATCH_SHIFT | mc::S | mc::LOAD);
        assert_eq!(t.read(addr::TDATA1), 6 << 60 | mc::S | mc::LOAD, "no dmode, action 0, match 1 -> 0");
        assert!(t.armed());
        assert_eq!(t.read(addr::TINFO), 1 << 6 | 1 << 15);
    }

    #[test]
    fn the_debugger_takes_free_triggers_until_none_is_left() {
        let mut t = Triggers::default();
        t.write(addr::TDATA1, 6 << 60 | mc::U | mc::STORE);
        let taken: Vec<_> = (0..TRIGGERS).map(|_| t.take_for_debugger(6 << 60 | mc::STORE, 0x1000)).collect();
        assert_eq!(taken, [Some(1), Some(2), Some(3), None], "trigger 0 is the guest's");
        t.write(addr::TSELECT, 2);
        t.write(addr::TDATA1, 0);
        assert!(t.read(addr::TDATA1) & mc::DMODE != 0, "M-mode cannot take the debugger's trigger");
        t.release_from_debugger(2);
        assert_eq!(t.read(addr::TDATA1), DISABLED);
    }
}
