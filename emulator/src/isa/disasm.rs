//! Disassembly: [`Insn`] to text in the syntax of GNU objdump with
//! `-M no-aliases` (ABI register names, compressed instructions under their
//! `c.` names, branch and jump targets as absolute hexadecimal addresses).

use std::borrow::Cow;
use std::fmt::{self, Write};

use super::csr_names;
use super::decode::decode;
use super::decode::Insn;
use super::op::{CForm, Op};

/// ABI names of the integer registers.
pub const XREG: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

/// ABI names of the floating-point registers.
pub const FREG: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// Rounding-mode names; binutils calls the reserved modes 5 and 6 "unknown".
const ROUNDING: [&str; 8] = ["rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn"];

/// An instruction ready to print: the decoded form, its raw bits and its pc
/// (needed for pc-relative targets).
pub struct Disasm<'a> {
    /// The decoded instruction.
    pub insn: &'a Insn,
    /// The raw encoding (for `.insn`-style output of illegal words).
    pub raw: u32,
    /// The address of the instruction.
    pub pc: u64,
}

/// The mnemonic of `insn`, with the `.aq`/`.rl` suffixes of atomics.
pub fn mnemonic(insn: &Insn) -> Cow<'static, str> {
    if let Some(c) = insn.cform {
        return c.mnemonic().into();
    }
    let m = insn.op.mnemonic();
    if !is_atomic(insn.op) || insn.rm & 3 == 0 {
        return m.into();
    }
    let suffix = match insn.rm & 3 {
        1 => ".rl",
        2 => ".aq",
        _ => ".aqrl",
    };
    format!("{m}{suffix}").into()
}

fn is_atomic(op: Op) -> bool {
    (Op::LrW as u16..=Op::AmomaxuD as u16).contains(&(op as u16))
}

/// The text of an instruction in the parts the trace lays out and caches:
/// the mnemonic, the operands, and the pc-relative target of a jump or
/// branch (printed last, after the other operands, as absolute hexadecimal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parts {
    /// The mnemonic (with `.aq`/`.rl` suffixes), `.2byte` or `.4byte`.
    pub mnemonic: Cow<'static, str>,
    /// The operands, comma-separated; without the target when `target` is
    /// Some and the parts were made without a pc (empty when none).
    pub operands: String,
    /// For jal, the conditional branches, c.j, c.beqz and c.bnez: the
    /// target's offset from the instruction's pc (bytes, signed), whose
    /// text is the only part of the disassembly that depends on the pc.
    pub target: Option<i64>,
}

impl Parts {
    /// The parts of `insn` (raw bits `raw`); at `pc` the operands end with
    /// the target, without a pc (None) they stop before it.
    pub fn of(insn: &Insn, raw: u32, pc: Option<u64>) -> Parts {
        let i = insn;
        let bare = |m: &'static str| Parts { mnemonic: m.into(), operands: String::new(), target: None };
        if i.op == Op::Illegal || binutils_rejects(i, raw) {
            // As objdump prints words it cannot decode. All zeros is the
            // defined illegal instruction, which binutils calls c.unimp; it
            // also decodes the reserved c.addi16sp with a zero immediate.
            let (m, ops) = match (i.len, raw & 0xffff) {
                (2, 0) => return bare("c.unimp"),
                (2, 0x6101) => ("c.addi16sp", "sp,0".to_string()),
                (2, half) => (".2byte", format!("{half:#x}")),
                _ => (".4byte", format!("{raw:#x}")),
            };
            return Parts { mnemonic: m.into(), operands: ops, target: None };
        }
        // The shifts by zero of RVC (HINTs in RV64C) have names of their own.
        if let (Some(c @ (CForm::Slli | CForm::Srli | CForm::Srai)), 0) = (i.cform, i.imm) {
            let name = match c {
                CForm::Slli => "c.slli64",
                CForm::Srli => "c.srli64",
                _ => "c.srai64",
            };
            return Parts { operands: xr(i.rd).to_string(), ..bare(name) };
        }
        let mut ops = String::new();
        // Writing to a String cannot fail.
        let _ = match i.cform {
            Some(c) => compressed_operands(&mut ops, c, i, pc),
            None => operands(&mut ops, i, pc),
        };
        Parts { mnemonic: mnemonic(i), operands: ops, target: pc_relative(i).then_some(i.imm) }
    }
}

impl fmt::Display for Disasm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = Parts::of(self.insn, self.raw, Some(self.pc));
        if p.operands.is_empty() {
            f.write_str(&p.mnemonic)
        } else {
            write!(f, "{}\t{}", p.mnemonic, p.operands)
        }
    }
}

/// True when the text of `i` (a legal instruction) ends with a pc-relative
/// target: jal, the conditional branches, c.j, c.beqz and c.bnez.
fn pc_relative(i: &Insn) -> bool {
    use Op::*;
    match i.cform {
        Some(c) => matches!(c, CForm::J | CForm::Beqz | CForm::Bnez),
        None => matches!(i.op, Jal | Beq | Bne | Blt | Bge | Bltu | Bgeu),
    }
}

/// Encodings svemu executes (the spec makes the fields reserved or ignored)
/// but binutils 2.40 does not decode, printing them as `.4byte`: fence with
/// fm, rs1 or rd not zero (other than fence.tso exactly), fence.i with any
/// field set, and fcvt.d.s / fcvt.d.w / fcvt.d.wu with an rm field other than
/// 0 (those conversions are exact and GNU as always writes rm = 0).
fn binutils_rejects(i: &Insn, raw: u32) -> bool {
    match i.op {
        Op::Fence => raw & 0xf00f_ff80 != 0,
        Op::FenceTso => raw != 0x8330_000f,
        Op::FenceI => raw != 0x0000_100f,
        Op::FcvtDS | Op::FcvtDW | Op::FcvtDWu => i.rm != 0,
        _ => false,
    }
}

fn xr(r: u8) -> &'static str {
    XREG[r as usize & 31]
}

fn fr(r: u8) -> &'static str {
    FREG[r as usize & 31]
}

fn csr_name(a: i64) -> String {
    match csr_names::csr_name(a as u16) {
        Some(n) => n.to_string(),
        None => format!("{:#x}", a),
    }
}

fn fence_set(bits: u8) -> String {
    let s: String = "iorw".chars().enumerate().filter(|(k, _)| bits >> (3 - k) & 1 != 0).map(|(_, c)| c).collect();
    if s.is_empty() {
        "unknown".into()
    } else {
        s
    }
}

/// Where a pc-relative target lands, printed as objdump does (hex, no
/// `0x`); nothing without a pc (see [`Parts`]).
fn target(o: &mut String, pc: Option<u64>, imm: i64) -> fmt::Result {
    match pc {
        Some(pc) => write!(o, "{:x}", pc.wrapping_add(imm as u64)),
        None => Ok(()),
    }
}

/// True for F/D operations that carry a rounding mode printed when not dyn.
fn has_rm(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        FmaddS
            | FmsubS
            | FnmsubS
            | FnmaddS
            | FaddS
            | FsubS
            | FmulS
            | FdivS
            | FsqrtS
            | FcvtWS
            | FcvtWuS
            | FcvtLS
            | FcvtLuS
            | FcvtSW
            | FcvtSWu
            | FcvtSL
            | FcvtSLu
            | FmaddD
            | FmsubD
            | FnmsubD
            | FnmaddD
            | FaddD
            | FsubD
            | FmulD
            | FdivD
            | FsqrtD
            | FcvtSD
            | FcvtWD
            | FcvtWuD
            | FcvtLD
            | FcvtLuD
            | FcvtDL
            | FcvtDLu
    )
}

fn operands(o: &mut String, i: &Insn, pc: Option<u64>) -> fmt::Result {
    use Op::*;
    let (rd, rs1, rs2, imm) = (i.rd, i.rs1, i.rs2, i.imm);
    match i.op {
        Lui | Auipc => write!(o, "{},{:#x}", xr(rd), (imm as u64 >> 12) & 0xfffff),
        Jal => {
            write!(o, "{},", xr(rd))?;
            target(o, pc, imm)
        }
        Jalr => write!(o, "{},{}({})", xr(rd), imm, xr(rs1)),
        Beq | Bne | Blt | Bge | Bltu | Bgeu => {
            write!(o, "{},{},", xr(rs1), xr(rs2))?;
            target(o, pc, imm)
        }
        Lb | Lh | Lw | Ld | Lbu | Lhu | Lwu => write!(o, "{},{}({})", xr(rd), imm, xr(rs1)),
        Sb | Sh | Sw | Sd => write!(o, "{},{}({})", xr(rs2), imm, xr(rs1)),
        Flw | Fld => write!(o, "{},{}({})", fr(rd), imm, xr(rs1)),
        Fsw | Fsd => write!(o, "{},{}({})", fr(rs2), imm, xr(rs1)),
        Slli | Srli | Srai | Slliw | Srliw | Sraiw => {
            write!(o, "{},{},{:#x}", xr(rd), xr(rs1), imm)
        }
        Addi | Slti | Sltiu | Xori | Ori | Andi | Addiw => {
            write!(o, "{},{},{}", xr(rd), xr(rs1), imm)
        }
        Fence => write!(o, "{},{}", fence_set(i.rm >> 4), fence_set(i.rm & 15)),
        FenceTso | FenceI | Ecall | Ebreak | Mret | Sret | Wfi => Ok(()),
        SfenceVma => write!(o, "{},{}", xr(rs1), xr(rs2)),
        Csrrw | Csrrs | Csrrc => write!(o, "{},{},{}", xr(rd), csr_name(imm), xr(rs1)),
        Csrrwi | Csrrsi | Csrrci => write!(o, "{},{},{}", xr(rd), csr_name(imm), rs1),
        LrW | LrD => write!(o, "{},({})", xr(rd), xr(rs1)),
        op if is_atomic(op) => write!(o, "{},{},({})", xr(rd), xr(rs2), xr(rs1)),
        FmvXW | FmvXD | FclassS | FclassD => write!(o, "{},{}", xr(rd), fr(rs1)),
        FmvWX | FmvDX => write!(o, "{},{}", fr(rd), xr(rs1)),
        FeqS | FltS | FleS | FeqD | FltD | FleD => write!(o, "{},{},{}", xr(rd), fr(rs1), fr(rs2)),
        FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FcvtWD | FcvtWuD | FcvtLD | FcvtLuD => {
            write!(o, "{},{}", xr(rd), fr(rs1))?;
            rounding(o, i)
        }
        FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FcvtDW | FcvtDWu | FcvtDL | FcvtDLu => {
            write!(o, "{},{}", fr(rd), xr(rs1))?;
            rounding(o, i)
        }
        FsqrtS | FsqrtD | FcvtSD | FcvtDS => {
            write!(o, "{},{}", fr(rd), fr(rs1))?;
            rounding(o, i)
        }
        FmaddS | FmsubS | FnmsubS | FnmaddS | FmaddD | FmsubD | FnmsubD | FnmaddD => {
            write!(o, "{},{},{},{}", fr(rd), fr(rs1), fr(rs2), fr(i.rs3))?;
            rounding(o, i)
        }
        op if op.is_float() => {
            write!(o, "{},{},{}", fr(rd), fr(rs1), fr(rs2))?;
            rounding(o, i)
        }
        _ => write!(o, "{},{},{}", xr(rd), xr(rs1), xr(rs2)),
    }
}

fn rounding(o: &mut String, i: &Insn) -> fmt::Result {
    if has_rm(i.op) && i.rm != 7 {
        write!(o, ",{}", ROUNDING[i.rm as usize & 7])?;
    }
    Ok(())
}

fn compressed_operands(o: &mut String, c: CForm, i: &Insn, pc: Option<u64>) -> fmt::Result {
    use CForm::*;
    let (rd, rs1, rs2, imm) = (i.rd, i.rs1, i.rs2, i.imm);
    match c {
        Addi4spn => write!(o, "{},sp,{}", xr(rd), imm),
        Lw | Ld => write!(o, "{},{}({})", xr(rd), imm, xr(rs1)),
        Fld => write!(o, "{},{}({})", fr(rd), imm, xr(rs1)),
        Sw | Sd => write!(o, "{},{}({})", xr(rs2), imm, xr(rs1)),
        Fsd => write!(o, "{},{}({})", fr(rs2), imm, xr(rs1)),
        Addi | Addiw | Li | Andi => write!(o, "{},{}", xr(rd), imm),
        Addi16sp => write!(o, "sp,{}", imm),
        Lui => write!(o, "{},{:#x}", xr(rd), (imm as u64 >> 12) & 0xfffff),
        Srli | Srai | Slli => write!(o, "{},{:#x}", xr(rd), imm),
        Sub | Xor | Or | And | Subw | Addw | Mv | Add => write!(o, "{},{}", xr(rd), xr(rs2)),
        J => target(o, pc, imm),
        Beqz | Bnez => {
            write!(o, "{},", xr(rs1))?;
            target(o, pc, imm)
        }
        Lwsp | Ldsp => write!(o, "{},{}(sp)", xr(rd), imm),
        Fldsp => write!(o, "{},{}(sp)", fr(rd), imm),
        Swsp | Sdsp => write!(o, "{},{}(sp)", xr(rs2), imm),
        Fsdsp => write!(o, "{},{}(sp)", fr(rs2), imm),
        Jr | Jalr => write!(o, "{}", xr(rs1)),
        Ebreak => Ok(()),
    }
}

/// One instruction of a disassembled block of code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Address of the instruction.
    pub addr: u64,
    /// Its encoding (16 or 32 bits).
    pub raw: u32,
    /// Its length in bytes: 2 or 4.
    pub len: u8,
    /// Mnemonic and operands, separated by a tab (objdump's layout).
    pub text: String,
}

/// Disassemble the little-endian instruction stream `code`, whose first
/// byte is at address `addr`, one [`Line`] per instruction. A trailing
/// fragment too short for the instruction it starts (1 byte, or 2 bytes of a
/// 4-byte encoding) is left out.
pub fn disassemble(code: &[u8], addr: u64) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut off = 0usize;
    while off + 2 <= code.len() {
        let low = u16::from_le_bytes([code[off], code[off + 1]]);
        let len = super::decode::insn_len(low);
        if off + len as usize > code.len() {
            break;
        }
        let raw = if len == 4 {
            u32::from_le_bytes([code[off], code[off + 1], code[off + 2], code[off + 3]])
        } else {
            low as u32
        };
        let pc = addr.wrapping_add(off as u64);
        let text = Disasm { insn: &decode(raw), raw, pc }.to_string();
        lines.push(Line { addr: pc, raw, len, text });
        off += len as usize;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dis(raw: u32, pc: u64) -> String {
        Disasm { insn: &decode(raw), raw, pc }.to_string().replace('\t', " ")
    }

    #[test]
    fn matches_objdump_no_aliases_syntax() {
        // Expected text taken from riscv64-unknown-elf-objdump -d -M no-aliases (binutils 2.40).
        let cases: &[(u32, u64, &str)] = &[
            (0x12345537, 0, "lui a0,0x12345"),
            (0x004000ef, 0x8, "jal ra,c"),
            (0x008780e7, 0, "jalr ra,8(a5)"),
            (0xfeb50ee3, 0x10, "beq a0,a1,c"),
            (0xff812503, 0, "lw a0,-8(sp)"),
            (0x00113823, 0, "sd ra,16(sp)"),
            (0x02051513, 0, "slli a0,a0,0x20"),
            (0x0ff0000f, 0, "fence iorw,iorw"),
            (0x0210000f, 0, "fence r,w"),
            (0x8330000f, 0, "fence.tso"),
            (0x30529073, 0, "csrrw zero,mtvec,t0"),
            (0x7c02d073, 0, "csrrwi zero,0x7c0,5"),
            (0x12b50073, 0, "sfence.vma a0,a1"),
            (0x1405b52f, 0, "lr.d.aq a0,(a1)"),
            (0x1ac5a52f, 0, "sc.w.rl a0,a2,(a1)"),
            (0x06b6352f, 0, "amoadd.d.aqrl a0,a1,(a2)"),
            (0x02c59553, 0, "fadd.d fa0,fa1,fa2,rtz"),
            (0x6ac5f543, 0, "fmadd.d fa0,fa1,fa2,fa3"),
            (0xc2051553, 0, "fcvt.w.d a0,fa0,rtz"),
            (0x1141, 0, "c.addi sp,-16"),
            (0x0808, 0, "c.addi4spn a0,sp,16"),
            (0x6505, 0, "c.lui a0,0x1"),
            (0x60a2, 0, "c.ldsp ra,8(sp)"),
            (0x9502, 0, "c.jalr a0"),
            (0xbf0d, 0xda, "c.j c"),
            (0xd905, 0xdc, "c.beqz a0,c"),
            (0x050e, 0, "c.slli a0,0x3"),
            (0x0001, 0, "c.addi zero,0"),
            (0x713d, 0, "c.addi16sp sp,-32"),
            (0x0000000b, 0, ".4byte 0xb"),
            (0x8000, 0, ".2byte 0x8000"),
            (0x0000, 0, "c.unimp"),
        ];
        for &(raw, pc, want) in cases {
            assert_eq!(dis(raw, pc), want, "raw {raw:#x}");
        }
    }
}
