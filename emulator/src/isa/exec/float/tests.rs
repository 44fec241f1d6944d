//! F and D semantics against values computed by hand from IEEE 754.

use super::flags::*;
use super::*;
use crate::bus::map::DRAM_BASE;
use crate::hart::csr::addr;
use crate::isa::exec::tests::Rig;

// Registers.
const A0: usize = 10;
const FA0: u8 = 10;
const FA1: u8 = 11;
const FA2: u8 = 12;
const FA3: u8 = 13;

const RNE: u32 = 0;
const RTZ: u32 = 1;
const RDN: u32 = 2;
const RUP: u32 = 3;
const RMM: u32 = 4;
const DYN: u32 = 7;

/// OP-FP encoding: funct7, rs2, rs1, rm (funct3), rd.
fn op_fp(funct7: u32, rs2: u8, rs1: u8, rm: u32, rd: u8) -> u32 {
    funct7 << 25 | (rs2 as u32) << 20 | (rs1 as u32) << 15 | rm << 12 | (rd as u32) << 7 | 0x53
}

/// R4 (fused multiply-add) encoding: major opcode, fmt (0 = S, 1 = D).
fn r4(opcode: u32, fmt: u32, rd: u8, rs1: u8, rs2: u8, rs3: u8, rm: u32) -> u32 {
    (rs3 as u32) << 27 | fmt << 25 | (rs2 as u32) << 20 | (rs1 as u32) << 15 | rm << 12 | (rd as u32) << 7 | opcode
}

fn s(v: f32) -> u64 {
    BOX | v.to_bits() as u64
}

fn d(v: f64) -> u64 {
    v.to_bits()
}

/// A rig with FP enabled (FS = Initial) and fflags clear.
fn rig() -> Rig {
    let mut r = Rig::new();
    r.hart.csr.mstatus |= 1 << mstatus::FS_SHIFT;
    r
}

fn fflags(r: &Rig) -> u8 {
    (r.hart.csr.fcsr & 0x1f) as u8
}

/// Run `insn` with fflags cleared first; return (f[rd], fflags).
fn run_f(r: &mut Rig, insn: u32, rd: u8) -> (u64, u8) {
    r.hart.csr.fcsr &= !0x1f;
    r.exec(insn).unwrap();
    (r.hart.f[rd as usize], fflags(r))
}

/// Run `insn` with fflags cleared first; return (x[a0], fflags).
fn run_x(r: &mut Rig, insn: u32) -> (u64, u8) {
    r.hart.csr.fcsr &= !0x1f;
    r.exec(insn).unwrap();
    (r.x(A0), fflags(r))
}

#[test]
fn arithmetic_flags_and_nan_boxing() {
    let mut r = rig();
    r.hart.f[11] = s(1.0);
    r.hart.f[12] = s(2.0);
    assert_eq!(run_f(&mut r, op_fp(0x00, FA2, FA1, RNE, FA0), FA0), (s(3.0), 0)); // fadd.s
    r.hart.f[12] = s(0.0);
    assert_eq!(run_f(&mut r, op_fp(0x0c, FA2, FA1, RNE, FA0), FA0), (s(f32::INFINITY), DZ)); // fdiv.s 1/0
    r.hart.f[11] = s(-1.0);
    // fsqrt.s of -1: the canonical NaN, not the host's negative default NaN.
    assert_eq!(run_f(&mut r, op_fp(0x2c, 0, FA1, RNE, FA0), FA0), (BOX | CANONICAL_NAN_S as u64, NV));
    // A single that is not NaN-boxed reads as the canonical (quiet) NaN: no NV.
    r.hart.f[11] = 1.0f32.to_bits() as u64;
    r.hart.f[12] = s(2.0);
    assert_eq!(run_f(&mut r, op_fp(0x00, FA2, FA1, RNE, FA0), FA0), (BOX | CANONICAL_NAN_S as u64, 0));
    // Overflow and underflow.
    r.hart.f[11] = s(f32::MAX);
    assert_eq!(run_f(&mut r, op_fp(0x08, FA2, FA1, RNE, FA0), FA0), (s(f32::INFINITY), OF | NX));
    assert_eq!(run_f(&mut r, op_fp(0x08, FA2, FA1, RTZ, FA0), FA0), (s(f32::MAX), OF | NX));
    r.hart.f[11] = s(f32::MIN_POSITIVE);
    r.hart.f[12] = s(0.3);
    let (v, fl) = run_f(&mut r, op_fp(0x08, FA2, FA1, RNE, FA0), FA0);
    assert_eq!((v >> 32, fl), (0xffff_ffff, UF | NX));
    // Double: 0.1 + 0.2 is inexact.
    r.hart.f[11] = d(0.1);
    r.hart.f[12] = d(0.2);
    assert_eq!(run_f(&mut r, op_fp(0x01, FA2, FA1, RNE, FA0), FA0), (d(0.1 + 0.2), NX));
    // Flags accrue: they are never cleared by an instruction.
    r.hart.csr.fcsr = DZ as u64;
    r.exec(op_fp(0x01, FA2, FA1, RNE, FA0)).unwrap();
    assert_eq!(fflags(&r), DZ | NX);
}

#[test]
fn rounding_modes_static_and_dynamic() {
    let mut r = rig();
    // 1 + 2^-24 lies halfway between 1 and the next single, 1 + 2^-23.
    r.hart.f[11] = s(1.0);
    r.hart.f[12] = s(2f32.powi(-24));
    let up = s(1.0 + 2f32.powi(-23));
    for (rm, want) in [(RNE, s(1.0)), (RTZ, s(1.0)), (RDN, s(1.0)), (RUP, up), (RMM, up)] {
        assert_eq!(run_f(&mut r, op_fp(0x00, FA2, FA1, rm, FA0), FA0), (want, NX), "rm {rm}");
    }
    // Negative halfway case: rdn and rmm go away from zero.
    r.hart.f[11] = s(-1.0);
    r.hart.f[12] = s(-(2f32.powi(-24)));
    let down = s(-1.0 - 2f32.powi(-23));
    for (rm, want) in [(RNE, s(-1.0)), (RTZ, s(-1.0)), (RDN, down), (RUP, s(-1.0)), (RMM, down)] {
        assert_eq!(run_f(&mut r, op_fp(0x00, FA2, FA1, rm, FA0), FA0), (want, NX), "rm {rm}");
    }
    // dyn takes frm.
    r.hart.csr.fcsr = 2 << 5; // rdn
    assert_eq!(run_f(&mut r, op_fp(0x00, FA2, FA1, DYN, FA0), FA0).0, down);
    // Reserved modes: rm 5 and 6, and dyn with frm 5, 6, 7.
    for rm in [5, 6] {
        assert!(matches!(r.exec(op_fp(0x00, FA2, FA1, rm, FA0)), Err(Exception::IllegalInstruction(_))));
    }
    for frm in [5, 6, 7] {
        r.hart.csr.fcsr = frm << 5;
        assert!(matches!(r.exec(op_fp(0x00, FA2, FA1, DYN, FA0)), Err(Exception::IllegalInstruction(_))));
    }
    // Instructions without rounding ignore an invalid frm.
    r.exec(op_fp(0x10, FA2, FA1, 0, FA0)).unwrap(); // fsgnj.s
}

#[test]
fn fused_multiply_add_rounds_once() {
    let mut r = rig();
    // x = 1 + 2^-30: x*x = 1 + 2^-29 + 2^-60 exactly. Rounded first, the
    // product would lose 2^-60 and fmsub would return 0.
    let x = 1.0 + 2f64.powi(-30);
    r.hart.f[11] = d(x);
    r.hart.f[12] = d(x);
    r.hart.f[13] = d(1.0 + 2f64.powi(-29));
    assert_eq!(run_f(&mut r, r4(0x47, 1, FA0, FA1, FA2, FA3, RNE), FA0), (d(2f64.powi(-60)), 0)); // fmsub.d
    assert_eq!(run_f(&mut r, r4(0x4b, 1, FA0, FA1, FA2, FA3, RNE), FA0), (d(-(2f64.powi(-60))), 0)); // fnmsub.d
    r.hart.f[13] = d(0.0);
    let (v, fl) = run_f(&mut r, r4(0x4f, 1, FA0, FA1, FA2, FA3, RNE), FA0); // fnmadd.d: -(x*x) - 0
    assert_eq!((f64::from_bits(v), fl), (-(x * x), NX));
    // Single: fmadd.s 2*3+1 = 7, exact.
    r.hart.f[11] = s(2.0);
    r.hart.f[12] = s(3.0);
    r.hart.f[13] = s(1.0);
    assert_eq!(run_f(&mut r, r4(0x43, 0, FA0, FA1, FA2, FA3, RNE), FA0), (s(7.0), 0));
    // inf * 0 + 1 is invalid: the canonical NaN and NV.
    r.hart.f[11] = s(f32::INFINITY);
    r.hart.f[12] = s(0.0);
    assert_eq!(run_f(&mut r, r4(0x43, 0, FA0, FA1, FA2, FA3, RNE), FA0), (BOX | CANONICAL_NAN_S as u64, NV));
}

#[test]
fn conversions_to_integers_saturate() {
    let mut r = rig();
    let cases: &[(u64, u32, u8, u32, u64, u8)] = &[
        // (f value, funct7, rs2 selector, rm, x result, flags)
        (s(f32::NAN), 0x60, 0, RNE, 0x7fff_ffff, NV), // fcvt.w.s NaN
        (s(f32::NEG_INFINITY), 0x60, 0, RNE, 0xffff_ffff_8000_0000, NV), // fcvt.w.s -inf
        (s(3e9), 0x60, 0, RNE, 0x7fff_ffff, NV),      // fcvt.w.s too large
        (s(-1.5), 0x60, 0, RNE, (-2i64) as u64, NX),  // ties to even
        (s(-1.5), 0x60, 0, RTZ, (-1i64) as u64, NX),  // toward zero
        (s(-1.0), 0x60, 1, RNE, 0, NV),               // fcvt.wu.s negative
        (s(-0.25), 0x60, 1, RTZ, 0, NX),              // rounds to 0: only inexact
        (s(f32::NAN), 0x60, 1, RNE, u64::MAX, NV),    // wu: 0xffffffff sign-extended
        (s(3e9), 0x60, 1, RNE, 0xffff_ffff_b2d0_5e00, 0), // 3e9 fits in u32; sign-extended
        (d(f64::NAN), 0x61, 2, RNE, i64::MAX as u64, NV), // fcvt.l.d NaN
        (d(-1e30), 0x61, 2, RNE, i64::MIN as u64, NV), // fcvt.l.d too small
        (d(1e30), 0x61, 3, RNE, u64::MAX, NV),        // fcvt.lu.d too large
        (d(2.5), 0x61, 3, RMM, 3, NX),                // ties away
        (d(2.5), 0x61, 3, RUP, 3, NX),                // up
        (d(-2.5), 0x61, 2, RDN, (-3i64) as u64, NX),  // down
        (d(4294967295.0), 0x61, 1, RNE, u64::MAX, 0), // fcvt.wu.d max u32
    ];
    for &(f, funct7, sel, rm, want, fl) in cases {
        r.hart.f[11] = f;
        assert_eq!(run_x(&mut r, op_fp(funct7, sel, FA1, rm, A0 as u8)), (want, fl), "{f:#x} {funct7:#x} {sel}");
    }
    // From integers: fcvt.s.w of -1, fcvt.d.lu of u64::MAX (inexact), fcvt.s.l rounding.
    r.hart.x[11] = u64::MAX;
    assert_eq!(run_f(&mut r, op_fp(0x68, 0, 11, RNE, FA0), FA0), (s(-1.0), 0));
    assert_eq!(run_f(&mut r, op_fp(0x69, 3, 11, RNE, FA0), FA0), (d(18446744073709551616.0), NX));
    r.hart.x[11] = (1 << 24) + 1; // not representable in a single
    assert_eq!(run_f(&mut r, op_fp(0x68, 2, 11, RUP, FA0), FA0), (s(16777218.0), NX));
    assert_eq!(run_f(&mut r, op_fp(0x68, 2, 11, RDN, FA0), FA0), (s(16777216.0), NX));
}

#[test]
fn min_max_compare_classify_and_sign_injection() {
    let mut r = rig();
    let snan_s = BOX | 0x7fa0_0000;
    let qnan_s = BOX | CANONICAL_NAN_S as u64;
    let cases: &[(u64, u64, u32, u64, u8)] = &[
        // (a, b, rm selecting min (0) or max (1), result, flags)
        (s(-0.0), s(0.0), 0, s(-0.0), 0),
        (s(0.0), s(-0.0), 0, s(-0.0), 0),
        (s(-0.0), s(0.0), 1, s(0.0), 0),
        (s(0.0), s(-0.0), 1, s(0.0), 0),
        (qnan_s, s(1.0), 0, s(1.0), 0),
        (s(1.0), qnan_s, 1, s(1.0), 0),
        (snan_s, s(1.0), 0, s(1.0), NV),
        (snan_s, qnan_s, 1, qnan_s, NV),
        (s(-3.0), s(2.0), 0, s(-3.0), 0),
        (s(-3.0), s(2.0), 1, s(2.0), 0),
    ];
    for &(a, b, rm, want, fl) in cases {
        r.hart.f[11] = a;
        r.hart.f[12] = b;
        assert_eq!(run_f(&mut r, op_fp(0x14, FA2, FA1, rm, FA0), FA0), (want, fl), "{a:#x} {b:#x} {rm}");
    }
    // feq is quiet, flt and fle signal on any NaN.
    r.hart.f[11] = qnan_s;
    r.hart.f[12] = s(1.0);
    assert_eq!(run_x(&mut r, op_fp(0x50, FA2, FA1, 2, A0 as u8)), (0, 0)); // feq.s
    assert_eq!(run_x(&mut r, op_fp(0x50, FA2, FA1, 1, A0 as u8)), (0, NV)); // flt.s
    assert_eq!(run_x(&mut r, op_fp(0x50, FA2, FA1, 0, A0 as u8)), (0, NV)); // fle.s
    r.hart.f[11] = snan_s;
    assert_eq!(run_x(&mut r, op_fp(0x50, FA2, FA1, 2, A0 as u8)), (0, NV)); // feq.s sNaN
    r.hart.f[11] = d(-0.0);
    r.hart.f[12] = d(0.0);
    assert_eq!(run_x(&mut r, op_fp(0x51, FA2, FA1, 2, A0 as u8)), (1, 0)); // feq.d -0 == +0
    assert_eq!(run_x(&mut r, op_fp(0x51, FA2, FA1, 1, A0 as u8)), (0, 0)); // flt.d
    assert_eq!(run_x(&mut r, op_fp(0x51, FA2, FA1, 0, A0 as u8)), (1, 0)); // fle.d
                                                                           // fclass.
    let classes: &[(u64, u64)] = &[
        (d(f64::NEG_INFINITY), 1 << 0),
        (d(-1.0), 1 << 1),
        (d(-f64::MIN_POSITIVE / 2.0), 1 << 2),
        (d(-0.0), 1 << 3),
        (d(0.0), 1 << 4),
        (d(f64::MIN_POSITIVE / 2.0), 1 << 5),
        (d(1.0), 1 << 6),
        (d(f64::INFINITY), 1 << 7),
        (0x7ff4_0000_0000_0000, 1 << 8),
        (CANONICAL_NAN_D, 1 << 9),
    ];
    for &(v, want) in classes {
        r.hart.f[11] = v;
        assert_eq!(run_x(&mut r, op_fp(0x71, 0, FA1, 1, A0 as u8)), (want, 0), "{v:#x}");
    }
    r.hart.f[11] = 0x3f80_0000; // an improperly boxed single is a quiet NaN
    assert_eq!(run_x(&mut r, op_fp(0x70, 0, FA1, 1, A0 as u8)).0, 1 << 9);
    // Sign injection: fsgnjn.s (fneg), fsgnjx.s (fabs of a negative value by itself).
    r.hart.f[11] = s(2.0);
    r.hart.f[12] = s(-1.0);
    assert_eq!(run_f(&mut r, op_fp(0x10, FA1, FA1, 1, FA0), FA0), (s(-2.0), 0));
    assert_eq!(run_f(&mut r, op_fp(0x10, FA2, FA1, 0, FA0), FA0), (s(-2.0), 0));
    assert_eq!(run_f(&mut r, op_fp(0x10, FA2, FA2, 2, FA0), FA0), (s(1.0), 0));
    r.hart.f[11] = d(2.0);
    r.hart.f[12] = d(-1.0);
    assert_eq!(run_f(&mut r, op_fp(0x11, FA2, FA1, 0, FA0), FA0), (d(-2.0), 0));
    // fsgnj.d
}

#[test]
fn moves_conversions_between_formats_loads_and_stores() {
    let mut r = rig();
    r.hart.x[11] = 0x1234_5678_bf80_0000;
    r.exec(op_fp(0x78, 0, 11, 0, FA0)).unwrap(); // fmv.w.x boxes the low 32 bits
    assert_eq!(r.hart.f[10], s(-1.0));
    r.hart.f[11] = 0x0000_0001_8000_0001; // fmv.x.w takes the low bits even when not boxed
    r.exec(op_fp(0x70, 0, FA1, 0, A0 as u8)).unwrap();
    assert_eq!(r.x(A0), 0xffff_ffff_8000_0001);
    r.exec(op_fp(0x71, 0, FA1, 0, A0 as u8)).unwrap(); // fmv.x.d
    assert_eq!(r.x(A0), 0x0000_0001_8000_0001);
    // fcvt.s.d of a signalling NaN: canonical NaN and NV; of 1/3: inexact.
    r.hart.f[11] = 0x7ff4_0000_0000_0000;
    assert_eq!(run_f(&mut r, op_fp(0x20, 1, FA1, RNE, FA0), FA0), (BOX | CANONICAL_NAN_S as u64, NV));
    r.hart.f[11] = d(1.0 / 3.0);
    assert_eq!(run_f(&mut r, op_fp(0x20, 1, FA1, RNE, FA0), FA0), (s(1.0 / 3.0), NX));
    r.hart.f[11] = s(1.5);
    assert_eq!(run_f(&mut r, op_fp(0x21, 0, FA1, RNE, FA0), FA0), (d(1.5), 0)); // fcvt.d.s
                                                                                // flw boxes; fsw stores the low 32 bits; fld/fsd move 64 bits.
    let buf = DRAM_BASE + 0x100;
    r.hart.x[11] = buf;
    r.bus.write(buf, 8, 0x4049_0fdb_4049_0fdb).unwrap();
    r.exec(0x0005_a507).unwrap(); // flw fa0, 0(a1)
    assert_eq!(r.hart.f[10], BOX | 0x4049_0fdb);
    r.exec(0x0005_b587).unwrap(); // fld fa1, 0(a1)
    assert_eq!(r.hart.f[11], 0x4049_0fdb_4049_0fdb);
    r.hart.f[12] = 0x0123_4567_89ab_cdef;
    r.exec(0x00c5_a427).unwrap(); // fsw fa2, 8(a1)
    assert_eq!(r.bus.read(buf + 8, 8).unwrap(), 0x89ab_cdef);
    r.exec(0x00c5_b827).unwrap(); // fsd fa2, 16(a1)
    assert_eq!(r.bus.read(buf + 16, 8).unwrap(), 0x0123_4567_89ab_cdef);
    // c.fld / c.fsd / c.fldsp / c.fsdsp.
    r.hart.x[2] = buf; // sp
    r.exec(0x2194).unwrap(); // c.fld fa3, 0(a1)
    assert_eq!(r.hart.f[13], 0x4049_0fdb_4049_0fdb);
    r.exec(0xad94).unwrap(); // c.fsd fa3, 24(a1)
    assert_eq!(r.bus.read(buf + 24, 8).unwrap(), 0x4049_0fdb_4049_0fdb);
    r.exec(0x2742).unwrap(); // c.fldsp fa4, 16(sp)
    assert_eq!(r.hart.f[14], 0x0123_4567_89ab_cdef);
    r.exec(0xa43a).unwrap(); // c.fsdsp fa4, 8(sp)
    assert_eq!(r.bus.read(buf + 8, 8).unwrap(), 0x0123_4567_89ab_cdef);
}

#[test]
fn fs_off_traps_and_writes_mark_dirty() {
    let mut r = Rig::new(); // FS = Off at reset
    r.hart.f[11] = s(1.0);
    for insn in [op_fp(0x00, FA1, FA1, RNE, FA0), 0x0005_a507, op_fp(0x70, 0, FA1, 0, A0 as u8)] {
        assert!(matches!(r.exec(insn), Err(Exception::IllegalInstruction(v)) if v == insn as u64));
    }
    assert!(matches!(r.exec(0x0010_2573), Err(Exception::IllegalInstruction(_)))); // csrr a0, fflags
    assert!(matches!(r.exec(0x2194), Err(Exception::IllegalInstruction(_)))); // c.fld
    let env = crate::hart::csr::CsrEnv { hartid: 0, cycle: 0, instret: 0, time: 0 };
    // Initial: a comparison that raises no flag leaves FS Initial.
    r.hart.csr.mstatus |= 1 << mstatus::FS_SHIFT;
    r.exec(op_fp(0x50, FA1, FA1, 2, A0 as u8)).unwrap(); // feq.s
    assert_eq!(r.hart.csr.fs(), 1);
    assert_eq!(r.hart.csr.read(addr::MSTATUS, &env) >> 63, 0);
    // A flag raised makes it Dirty, and SD follows.
    r.hart.f[12] = s(0.0);
    r.exec(op_fp(0x0c, FA2, FA1, RNE, FA0)).unwrap(); // fdiv.s: DZ
    assert_eq!(r.hart.csr.fs(), 3);
    assert_eq!(r.hart.csr.read(addr::MSTATUS, &env) >> 63, 1);
    // A register write alone makes it Dirty too.
    r.hart.csr.mstatus = (r.hart.csr.mstatus & !mstatus::FS) | (2 << mstatus::FS_SHIFT); // Clean
    r.exec(op_fp(0x78, 0, 0, 0, FA0)).unwrap(); // fmv.w.x fa0, zero
    assert_eq!(r.hart.csr.fs(), 3);
}
