//! Instruction decoding: raw bits to [`Insn`].
//!
//! Covers every RV64GC encoding (RV64I, M, A, F, D, Zicsr, Zifencei, the
//! privileged instructions, and C). Compressed instructions are expanded to the
//! 32-bit instruction they stand for (RISC-V Unprivileged ISA, chapter "C"
//! Standard Extension, tables "RVC opcode map"), so there is a single
//! execution path; [`Insn::cform`] remembers the compressed form for the
//! disassembler. Encodings the spec calls reserved decode to [`Op::Illegal`];
//! HINT encodings decode to their ordinary instruction, whose effect on the
//! architectural state is none.

use super::op::{CForm, Op};

/// A decoded instruction.
///
/// Register fields are register numbers 0..=31 (integer or floating-point,
/// as the operation dictates). Fields an operation does not use are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    /// The operation.
    pub op: Op,
    /// Destination register.
    pub rd: u8,
    /// First source register (for `csrr*i`, the 5-bit zero-extended immediate).
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Third source register (fused multiply-add only).
    pub rs3: u8,
    /// Operation-specific small field: the rounding mode (F/D, 0..=7), the
    /// aq/rl bits (A: bit 1 = aq, bit 0 = rl), or `pred << 4 | succ` (fence).
    pub rm: u8,
    /// Immediate, sign-extended as the encoding specifies; the CSR number for
    /// Zicsr; the shift amount for immediate shifts.
    pub imm: i64,
    /// Length of the encoding in bytes: 2 (compressed) or 4.
    pub len: u8,
    /// The compressed form this instruction was expanded from, if any.
    pub cform: Option<CForm>,
}

impl Insn {
    const fn new(op: Op) -> Insn {
        Insn { op, rd: 0, rs1: 0, rs2: 0, rs3: 0, rm: 0, imm: 0, len: 4, cform: None }
    }

    /// An illegal instruction of `len` bytes.
    pub const fn illegal(len: u8) -> Insn {
        Insn { len, ..Insn::new(Op::Illegal) }
    }
}

/// Length in bytes of the instruction whose low 16 bits are `low`: 2 when
/// bits 1:0 are not 0b11, else 4. (Longer encodings are not part of RV64GC;
/// they decode as illegal 4-byte instructions.)
#[inline]
pub fn insn_len(low: u16) -> u8 {
    if low & 3 == 3 {
        4
    } else {
        2
    }
}

/// Decode an instruction. `bits` holds the instruction in its low 16 bits
/// (compressed) or 32 bits; the length is taken from bits 1:0.
pub fn decode(bits: u32) -> Insn {
    if bits & 3 == 3 {
        decode32(bits)
    } else {
        decode16(bits as u16)
    }
}

#[inline]
fn bits(x: u32, hi: u32, lo: u32) -> u32 {
    (x >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Sign-extend the low `width` bits of `x`.
#[inline]
fn sext(x: u64, width: u32) -> i64 {
    let shift = 64 - width;
    ((x << shift) as i64) >> shift
}

fn i_imm(x: u32) -> i64 {
    (x as i32 >> 20) as i64
}

fn s_imm(x: u32) -> i64 {
    sext(((bits(x, 31, 25) << 5) | bits(x, 11, 7)) as u64, 12)
}

fn b_imm(x: u32) -> i64 {
    let v = (bits(x, 31, 31) << 12) | (bits(x, 7, 7) << 11) | (bits(x, 30, 25) << 5) | (bits(x, 11, 8) << 1);
    sext(v as u64, 13)
}

fn u_imm(x: u32) -> i64 {
    (x & 0xffff_f000) as i32 as i64
}

fn j_imm(x: u32) -> i64 {
    let v = (bits(x, 31, 31) << 20) | (bits(x, 19, 12) << 12) | (bits(x, 20, 20) << 11) | (bits(x, 30, 21) << 1);
    sext(v as u64, 21)
}

/// Decode a 32-bit instruction.
pub fn decode32(x: u32) -> Insn {
    use Op::*;
    let rd = bits(x, 11, 7) as u8;
    let rs1 = bits(x, 19, 15) as u8;
    let rs2 = bits(x, 24, 20) as u8;
    let f3 = bits(x, 14, 12);
    let f7 = bits(x, 31, 25);
    let r = |op: Op| Insn { rd, rs1, rs2, ..Insn::new(op) };
    let i = |op: Op| Insn { rd, rs1, imm: i_imm(x), ..Insn::new(op) };
    let s = |op: Op| Insn { rs1, rs2, imm: s_imm(x), ..Insn::new(op) };
    let ill = Insn::illegal(4);
    match x & 0x7f {
        0x37 => Insn { rd, imm: u_imm(x), ..Insn::new(Lui) },
        0x17 => Insn { rd, imm: u_imm(x), ..Insn::new(Auipc) },
        0x6f => Insn { rd, imm: j_imm(x), ..Insn::new(Jal) },
        0x67 if f3 == 0 => i(Jalr),
        0x63 => {
            let op = match f3 {
                0 => Beq,
                1 => Bne,
                4 => Blt,
                5 => Bge,
                6 => Bltu,
                7 => Bgeu,
                _ => return ill,
            };
            Insn { rs1, rs2, imm: b_imm(x), ..Insn::new(op) }
        }
        0x03 => i(match f3 {
            0 => Lb,
            1 => Lh,
            2 => Lw,
            3 => Ld,
            4 => Lbu,
            5 => Lhu,
            6 => Lwu,
            _ => return ill,
        }),
        0x23 => s(match f3 {
            0 => Sb,
            1 => Sh,
            2 => Sw,
            3 => Sd,
            _ => return ill,
        }),
        0x13 => {
            let shamt = bits(x, 25, 20) as i64;
            match (f3, bits(x, 31, 26)) {
                (0, _) => i(Addi),
                (2, _) => i(Slti),
                (3, _) => i(Sltiu),
                (4, _) => i(Xori),
                (6, _) => i(Ori),
                (7, _) => i(Andi),
                (1, 0) => Insn { imm: shamt, ..i(Slli) },
                (5, 0) => Insn { imm: shamt, ..i(Srli) },
                (5, 0x10) => Insn { imm: shamt, ..i(Srai) },
                _ => ill,
            }
        }
        0x1b => {
            let shamt = rs2 as i64;
            match (f3, f7) {
                (0, _) => i(Addiw),
                (1, 0) => Insn { imm: shamt, ..i(Slliw) },
                (5, 0) => Insn { imm: shamt, ..i(Srliw) },
                (5, 0x20) => Insn { imm: shamt, ..i(Sraiw) },
                _ => ill,
            }
        }
        0x33 => r(match (f7, f3) {
            (0, 0) => Add,
            (0x20, 0) => Sub,
            (0, 1) => Sll,
            (0, 2) => Slt,
            (0, 3) => Sltu,
            (0, 4) => Xor,
            (0, 5) => Srl,
            (0x20, 5) => Sra,
            (0, 6) => Or,
            (0, 7) => And,
            (1, 0) => Mul,
            (1, 1) => Mulh,
            (1, 2) => Mulhsu,
            (1, 3) => Mulhu,
            (1, 4) => Div,
            (1, 5) => Divu,
            (1, 6) => Rem,
            (1, 7) => Remu,
            _ => return ill,
        }),
        0x3b => r(match (f7, f3) {
            (0, 0) => Addw,
            (0x20, 0) => Subw,
            (0, 1) => Sllw,
            (0, 5) => Srlw,
            (0x20, 5) => Sraw,
            (1, 0) => Mulw,
            (1, 4) => Divw,
            (1, 5) => Divuw,
            (1, 6) => Remw,
            (1, 7) => Remuw,
            _ => return ill,
        }),
        0x0f => match f3 {
            // rd, rs1 and the unused fm values are reserved for future use and
            // ignored, as the spec asks of implementations.
            0 => {
                let op = if bits(x, 31, 28) == 8 && bits(x, 27, 20) == 0x33 { FenceTso } else { Fence };
                Insn { rd, rs1, rm: bits(x, 27, 20) as u8, ..Insn::new(op) }
            }
            1 => Insn { rd, rs1, imm: i_imm(x), ..Insn::new(FenceI) },
            _ => ill,
        },
        0x73 => decode_system(x, rd, rs1, rs2, f3, f7),
        0x2f => decode_amo(x, rd, rs1, rs2, f3),
        0x07 => i(match f3 {
            2 => Flw,
            3 => Fld,
            _ => return ill,
        }),
        0x27 => s(match f3 {
            2 => Fsw,
            3 => Fsd,
            _ => return ill,
        }),
        0x43 | 0x47 | 0x4b | 0x4f => {
            let double = match bits(x, 26, 25) {
                0 => false,
                1 => true,
                _ => return ill,
            };
            let op = match (x & 0x7f, double) {
                (0x43, false) => FmaddS,
                (0x47, false) => FmsubS,
                (0x4b, false) => FnmsubS,
                (0x4f, false) => FnmaddS,
                (0x43, true) => FmaddD,
                (0x47, true) => FmsubD,
                (0x4b, true) => FnmsubD,
                _ => FnmaddD,
            };
            Insn { rs3: bits(x, 31, 27) as u8, rm: f3 as u8, ..r(op) }
        }
        0x53 => decode_op_fp(x, rd, rs1, rs2, f3, f7),
        _ => ill,
    }
}

fn decode_system(x: u32, rd: u8, rs1: u8, rs2: u8, f3: u32, f7: u32) -> Insn {
    use Op::*;
    let op = match f3 {
        0 => match x {
            0x0000_0073 => Ecall,
            0x0010_0073 => Ebreak,
            0x3020_0073 => Mret,
            0x1020_0073 => Sret,
            0x1050_0073 => Wfi,
            _ if f7 == 0x09 && rd == 0 => return Insn { rs1, rs2, ..Insn::new(SfenceVma) },
            _ => return Insn::illegal(4),
        },
        1 => Csrrw,
        2 => Csrrs,
        3 => Csrrc,
        5 => Csrrwi,
        6 => Csrrsi,
        7 => Csrrci,
        _ => return Insn::illegal(4),
    };
    if f3 == 0 {
        return Insn::new(op);
    }
    Insn { rd, rs1, imm: bits(x, 31, 20) as i64, ..Insn::new(op) }
}

fn decode_amo(x: u32, rd: u8, rs1: u8, rs2: u8, f3: u32) -> Insn {
    use Op::*;
    let double = match f3 {
        2 => false,
        3 => true,
        _ => return Insn::illegal(4),
    };
    let op = match (bits(x, 31, 27), double) {
        (0x02, false) if rs2 == 0 => LrW,
        (0x03, false) => ScW,
        (0x01, false) => AmoswapW,
        (0x00, false) => AmoaddW,
        (0x04, false) => AmoxorW,
        (0x0c, false) => AmoandW,
        (0x08, false) => AmoorW,
        (0x10, false) => AmominW,
        (0x14, false) => AmomaxW,
        (0x18, false) => AmominuW,
        (0x1c, false) => AmomaxuW,
        (0x02, true) if rs2 == 0 => LrD,
        (0x03, true) => ScD,
        (0x01, true) => AmoswapD,
        (0x00, true) => AmoaddD,
        (0x04, true) => AmoxorD,
        (0x0c, true) => AmoandD,
        (0x08, true) => AmoorD,
        (0x10, true) => AmominD,
        (0x14, true) => AmomaxD,
        (0x18, true) => AmominuD,
        (0x1c, true) => AmomaxuD,
        _ => return Insn::illegal(4),
    };
    Insn { rd, rs1, rs2, rm: bits(x, 26, 25) as u8, ..Insn::new(op) }
}

fn decode_op_fp(_x: u32, rd: u8, rs1: u8, rs2: u8, f3: u32, f7: u32) -> Insn {
    use Op::*;
    let with_rm = |op: Op| Insn { rd, rs1, rs2, rm: f3 as u8, ..Insn::new(op) };
    let plain = |op: Op| Insn { rd, rs1, rs2, ..Insn::new(op) };
    let ill = Insn::illegal(4);
    match f7 {
        0x00 => with_rm(FaddS),
        0x01 => with_rm(FaddD),
        0x04 => with_rm(FsubS),
        0x05 => with_rm(FsubD),
        0x08 => with_rm(FmulS),
        0x09 => with_rm(FmulD),
        0x0c => with_rm(FdivS),
        0x0d => with_rm(FdivD),
        0x2c if rs2 == 0 => with_rm(FsqrtS),
        0x2d if rs2 == 0 => with_rm(FsqrtD),
        0x10 | 0x11 => {
            let d = f7 == 0x11;
            plain(match (f3, d) {
                (0, false) => FsgnjS,
                (1, false) => FsgnjnS,
                (2, false) => FsgnjxS,
                (0, true) => FsgnjD,
                (1, true) => FsgnjnD,
                (2, true) => FsgnjxD,
                _ => return ill,
            })
        }
        0x14 | 0x15 => {
            let d = f7 == 0x15;
            plain(match (f3, d) {
                (0, false) => FminS,
                (1, false) => FmaxS,
                (0, true) => FminD,
                (1, true) => FmaxD,
                _ => return ill,
            })
        }
        0x20 if rs2 == 1 => with_rm(FcvtSD),
        0x21 if rs2 == 0 => with_rm(FcvtDS),
        0x60 | 0x61 | 0x68 | 0x69 => {
            let op = match (f7, rs2) {
                (0x60, 0) => FcvtWS,
                (0x60, 1) => FcvtWuS,
                (0x60, 2) => FcvtLS,
                (0x60, 3) => FcvtLuS,
                (0x61, 0) => FcvtWD,
                (0x61, 1) => FcvtWuD,
                (0x61, 2) => FcvtLD,
                (0x61, 3) => FcvtLuD,
                (0x68, 0) => FcvtSW,
                (0x68, 1) => FcvtSWu,
                (0x68, 2) => FcvtSL,
                (0x68, 3) => FcvtSLu,
                (0x69, 0) => FcvtDW,
                (0x69, 1) => FcvtDWu,
                (0x69, 2) => FcvtDL,
                (0x69, 3) => FcvtDLu,
                _ => return ill,
            };
            Insn { rs2: 0, ..with_rm(op) }
        }
        0x70 if rs2 == 0 && f3 == 0 => plain(FmvXW),
        0x70 if rs2 == 0 && f3 == 1 => plain(FclassS),
        0x71 if rs2 == 0 && f3 == 0 => plain(FmvXD),
        0x71 if rs2 == 0 && f3 == 1 => plain(FclassD),
        0x78 if rs2 == 0 && f3 == 0 => plain(FmvWX),
        0x79 if rs2 == 0 && f3 == 0 => plain(FmvDX),
        0x50 | 0x51 => {
            let d = f7 == 0x51;
            plain(match (f3, d) {
                (2, false) => FeqS,
                (1, false) => FltS,
                (0, false) => FleS,
                (2, true) => FeqD,
                (1, true) => FltD,
                (0, true) => FleD,
                _ => return ill,
            })
        }
        _ => ill,
    }
}

/// Decode a 16-bit compressed instruction by expanding it (Unprivileged ISA,
/// "C" Standard Extension, RV64C).
pub fn decode16(x: u16) -> Insn {
    use CForm as C;
    use Op::*;
    let x = x as u32;
    let ill = Insn::illegal(2);
    // Register fields: full 5-bit ones, and the 3-bit x8..x15 ones.
    let rd = bits(x, 11, 7) as u8;
    let rs2 = bits(x, 6, 2) as u8;
    let rdp = bits(x, 4, 2) as u8 + 8;
    let rs1p = bits(x, 9, 7) as u8 + 8;
    let ci_imm = sext(((bits(x, 12, 12) << 5) | bits(x, 6, 2)) as u64, 6);
    let ci_shamt = ((bits(x, 12, 12) << 5) | bits(x, 6, 2)) as i64;
    // Offsets of the compressed loads and stores, scaled per width.
    let cl_w = ((bits(x, 12, 10) << 3) | (bits(x, 6, 6) << 2) | (bits(x, 5, 5) << 6)) as i64;
    let cl_d = ((bits(x, 12, 10) << 3) | (bits(x, 6, 5) << 6)) as i64;
    let lwsp = ((bits(x, 12, 12) << 5) | (bits(x, 6, 4) << 2) | (bits(x, 3, 2) << 6)) as i64;
    let ldsp = ((bits(x, 12, 12) << 5) | (bits(x, 6, 5) << 3) | (bits(x, 4, 2) << 6)) as i64;
    let swsp = ((bits(x, 12, 9) << 2) | (bits(x, 8, 7) << 6)) as i64;
    let sdsp = ((bits(x, 12, 10) << 3) | (bits(x, 9, 7) << 6)) as i64;

    let mk = |form: CForm, op: Op, rd: u8, rs1: u8, rs2: u8, imm: i64| Insn {
        op,
        rd,
        rs1,
        rs2,
        rs3: 0,
        rm: 0,
        imm,
        len: 2,
        cform: Some(form),
    };
    match (bits(x, 1, 0), bits(x, 15, 13)) {
        // Quadrant 0
        (0, 0) => {
            let nzuimm = (bits(x, 12, 11) << 4) | (bits(x, 10, 7) << 6) | (bits(x, 6, 6) << 2) | (bits(x, 5, 5) << 3);
            if nzuimm == 0 {
                return ill;
            }
            mk(C::Addi4spn, Addi, rdp, 2, 0, nzuimm as i64)
        }
        (0, 1) => mk(C::Fld, Fld, rdp, rs1p, 0, cl_d),
        (0, 2) => mk(C::Lw, Lw, rdp, rs1p, 0, cl_w),
        (0, 3) => mk(C::Ld, Ld, rdp, rs1p, 0, cl_d),
        (0, 5) => mk(C::Fsd, Fsd, 0, rs1p, rdp, cl_d),
        (0, 6) => mk(C::Sw, Sw, 0, rs1p, rdp, cl_w),
        (0, 7) => mk(C::Sd, Sd, 0, rs1p, rdp, cl_d),
        // Quadrant 1
        // c.nop is c.addi with rd = x0; other rd = x0 or imm = 0 forms are HINTs.
        (1, 0) => mk(C::Addi, Addi, rd, rd, 0, ci_imm),
        (1, 1) if rd != 0 => mk(C::Addiw, Addiw, rd, rd, 0, ci_imm),
        (1, 2) => mk(C::Li, Addi, rd, 0, 0, ci_imm),
        (1, 3) if rd == 2 => {
            let v = (bits(x, 12, 12) << 9)
                | (bits(x, 6, 6) << 4)
                | (bits(x, 5, 5) << 6)
                | (bits(x, 4, 3) << 7)
                | (bits(x, 2, 2) << 5);
            if v == 0 {
                return ill;
            }
            mk(C::Addi16sp, Addi, 2, 2, 0, sext(v as u64, 10))
        }
        (1, 3) => {
            if ci_imm == 0 {
                return ill;
            }
            mk(C::Lui, Lui, rd, 0, 0, ci_imm << 12)
        }
        (1, 4) => match bits(x, 11, 10) {
            0 => mk(C::Srli, Srli, rs1p, rs1p, 0, ci_shamt),
            1 => mk(C::Srai, Srai, rs1p, rs1p, 0, ci_shamt),
            2 => mk(C::Andi, Andi, rs1p, rs1p, 0, ci_imm),
            _ => {
                let (form, op) = match (bits(x, 12, 12), bits(x, 6, 5)) {
                    (0, 0) => (C::Sub, Sub),
                    (0, 1) => (C::Xor, Xor),
                    (0, 2) => (C::Or, Or),
                    (0, 3) => (C::And, And),
                    (1, 0) => (C::Subw, Subw),
                    (1, 1) => (C::Addw, Addw),
                    _ => return ill,
                };
                mk(form, op, rs1p, rs1p, rdp, 0)
            }
        },
        (1, 5) => {
            let v = (bits(x, 12, 12) << 11)
                | (bits(x, 11, 11) << 4)
                | (bits(x, 10, 9) << 8)
                | (bits(x, 8, 8) << 10)
                | (bits(x, 7, 7) << 6)
                | (bits(x, 6, 6) << 7)
                | (bits(x, 5, 3) << 1)
                | (bits(x, 2, 2) << 5);
            mk(C::J, Jal, 0, 0, 0, sext(v as u64, 12))
        }
        (1, 6) | (1, 7) => {
            let v = (bits(x, 12, 12) << 8)
                | (bits(x, 11, 10) << 3)
                | (bits(x, 6, 5) << 6)
                | (bits(x, 4, 3) << 1)
                | (bits(x, 2, 2) << 5);
            let (form, op) = if bits(x, 15, 13) == 6 { (C::Beqz, Beq) } else { (C::Bnez, Bne) };
            mk(form, op, 0, rs1p, 0, sext(v as u64, 9))
        }
        // Quadrant 2
        (2, 0) => mk(C::Slli, Slli, rd, rd, 0, ci_shamt),
        (2, 1) => mk(C::Fldsp, Fld, rd, 2, 0, ldsp),
        (2, 2) if rd != 0 => mk(C::Lwsp, Lw, rd, 2, 0, lwsp),
        (2, 3) if rd != 0 => mk(C::Ldsp, Ld, rd, 2, 0, ldsp),
        (2, 4) => match (bits(x, 12, 12), rd, rs2) {
            (0, 0, 0) => ill,
            (0, _, 0) => mk(C::Jr, Jalr, 0, rd, 0, 0),
            (0, _, _) => mk(C::Mv, Add, rd, 0, rs2, 0),
            (_, 0, 0) => Insn { cform: Some(C::Ebreak), len: 2, ..Insn::new(Ebreak) },
            (_, _, 0) => mk(C::Jalr, Jalr, 1, rd, 0, 0),
            _ => mk(C::Add, Add, rd, rd, rs2, 0),
        },
        (2, 5) => mk(C::Fsdsp, Fsd, 0, 2, rs2, sdsp),
        (2, 6) => mk(C::Swsp, Sw, 0, 2, rs2, swsp),
        (2, 7) => mk(C::Sdsp, Sd, 0, 2, rs2, sdsp),
        _ => ill,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base_formats() {
        // addi a0, a1, -1
        let i = decode(0xfff5_8513);
        assert_eq!((i.op, i.rd, i.rs1, i.imm, i.len), (Op::Addi, 10, 11, -1, 4));
        // sd ra, 8(sp)
        let i = decode(0x0011_3423);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Sd, 2, 1, 8));
        // beq a0, a1, -4
        let i = decode(0xfeb5_0ee3);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Beq, 10, 11, -4));
        // jal ra, +2048
        let i = decode(0x0010_00ef);
        assert_eq!((i.op, i.rd, i.imm), (Op::Jal, 1, 2048));
        // lui a0, 0x80000 sign-extends on RV64
        let i = decode(0x8000_0537);
        assert_eq!((i.op, i.imm), (Op::Lui, -0x8000_0000));
        // srai a0, a0, 63
        let i = decode(0x43f5_5513);
        assert_eq!((i.op, i.imm), (Op::Srai, 63));
        // csrrs a0, mhartid, zero
        let i = decode(0xf140_2573);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Csrrs, 10, 0, 0xf14));
        // amoadd.d.aqrl a0, a1, (a2)
        let i = decode(0x06b6_352f);
        assert_eq!((i.op, i.rd, i.rs1, i.rs2, i.rm), (Op::AmoaddD, 10, 12, 11, 3));
        // fmadd.d fa0, fa1, fa2, fa3, rne
        let i = decode(0x6ac5_8543);
        assert_eq!((i.op, i.rd, i.rs1, i.rs2, i.rs3, i.rm), (Op::FmaddD, 10, 11, 12, 13, 0));
    }

    #[test]
    fn decodes_privileged() {
        assert_eq!(decode(0x3020_0073).op, Op::Mret);
        assert_eq!(decode(0x1020_0073).op, Op::Sret);
        assert_eq!(decode(0x1050_0073).op, Op::Wfi);
        let i = decode(0x12b5_0073); // sfence.vma a0, a1
        assert_eq!((i.op, i.rs1, i.rs2), (Op::SfenceVma, 10, 11));
        assert_eq!(decode(0x0000_0000).op, Op::Illegal);
        assert_eq!(decode(0xffff_ffff).op, Op::Illegal);
    }

    #[test]
    fn expands_compressed() {
        // c.addi sp, -16
        let i = decode(0x1141);
        assert_eq!((i.op, i.rd, i.rs1, i.imm, i.len, i.cform), (Op::Addi, 2, 2, -16, 2, Some(CForm::Addi)));
        // c.sdsp ra, 8(sp)
        let i = decode(0xe406);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Sd, 2, 1, 8));
        // c.ldsp ra, 8(sp)
        let i = decode(0x60a2);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Ld, 1, 2, 8));
        // c.jr ra
        let i = decode(0x8082);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Jalr, 0, 1, 0));
        // c.mv a0, a1
        let i = decode(0x852e);
        assert_eq!((i.op, i.rd, i.rs1, i.rs2), (Op::Add, 10, 0, 11));
        // c.li a0, -1
        let i = decode(0x557d);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 10, 0, -1));
        // c.j -2 (jump to self minus 2)
        let i = decode(0xbffd);
        assert_eq!((i.op, i.rd, i.imm), (Op::Jal, 0, -2));
        // c.beqz a0, +8
        let i = decode(0xc501);
        assert_eq!((i.op, i.rs1, i.imm), (Op::Beq, 10, 8));
        // c.lui a0, 0xfffff (imm -1 << 12)
        let i = decode(0x757d);
        assert_eq!((i.op, i.rd, i.imm), (Op::Lui, 10, -4096));
        // c.addi4spn a0, sp, 16
        let i = decode(0x0808);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 10, 2, 16));
        // c.ebreak
        assert_eq!(decode(0x9002).op, Op::Ebreak);
    }

    #[test]
    fn reserved_compressed_are_illegal() {
        assert_eq!(decode(0x0000).op, Op::Illegal); // all zeros
        assert_eq!(decode(0x6101).op, Op::Illegal); // c.addi16sp with imm 0
        assert_eq!(decode(0x6501).op, Op::Illegal); // c.lui with imm 0
        assert_eq!(decode(0x8002).op, Op::Illegal); // c.jr x0
        assert_eq!(decode(0x2001).op, Op::Illegal); // c.addiw with rd = 0
        assert_eq!(decode(0x4002).op, Op::Illegal); // c.lwsp with rd = 0
        assert_eq!(decode(0x9c41).op, Op::Illegal); // reserved Q1 funct6=100111, 10
        assert_eq!(decode(0x8000).op, Op::Illegal); // Q0 funct3 100 reserved
    }

    #[test]
    fn decoding_any_word_never_panics() {
        // A deterministic sweep over a pseudo-random sample of the 32-bit space
        // plus every 16-bit word.
        for w in 0..=u16::MAX {
            let i = decode(w as u32);
            assert!(i.len == 2 || i.len == 4);
        }
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let _ = decode(x | 3);
        }
    }
}
