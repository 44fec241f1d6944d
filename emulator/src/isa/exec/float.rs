//! F and D: single- and double-precision floating point (RISC-V Unprivileged
//! ISA, chapters "F" and "D" Standard Extensions).
//!
//! Arithmetic goes through Berkeley SoftFloat 3 with its RISC-V
//! specialization (the `softfloat-wrapper` crate, feature `riscv`), the
//! library Spike uses: results are correctly rounded in the requested mode,
//! NaN results are the canonical NaN, conversions to integers saturate to the
//! spec's values, tininess is detected after rounding, and the exception
//! flags (NV, DZ, OF, UF, NX, which SoftFloat numbers exactly as fflags does)
//! are those IEEE 754-2008 requires. SoftFloat's rounding mode and flags are
//! thread-local, so harts on different threads cannot disturb each other.
//!
//! Register file conventions:
//! - a single-precision value lives NaN-boxed in the 64-bit f register (upper
//!   32 bits all ones); a single operand whose register is not properly boxed
//!   reads as the canonical NaN (section "NaN Boxing of Narrower Values");
//! - fmv.x.w and fsw move the low 32 bits as they are, boxed or not;
//! - every write to an f register or to fflags makes mstatus.FS Dirty, and
//!   with FS = Off every instruction here raises illegal instruction.

use softfloat_wrapper::{ExceptionFlags, Float, RoundingMode, F32, F64};

use super::{next, set_x, sext32, x, Outcome};
use crate::cpu::Cpu;
use crate::hart::csr::mstatus;
use crate::hart::trap::Exception;
use crate::isa::decode::Insn;
use crate::isa::op::Op;

/// The canonical NaN of single precision (sign 0, quiet bit set, payload 0).
pub const CANONICAL_NAN_S: u32 = 0x7fc0_0000;
/// The canonical NaN of double precision.
pub const CANONICAL_NAN_D: u64 = 0x7ff8_0000_0000_0000;
/// The upper half of a properly NaN-boxed single.
const BOX: u64 = 0xffff_ffff_0000_0000;

/// A floating-point format as held in the 64-bit f registers.
trait Format: Float + Copy {
    /// Number of bits of the format (32 or 64).
    const BITS: u32;
    /// Read the value of register contents `f`, unboxing singles.
    fn unbox(f: u64) -> Self;
    /// The register contents that hold this value (boxed for singles).
    fn boxed(self) -> u64;
    /// The raw bits, zero-extended.
    fn raw(self) -> u64;
    /// The value with raw bits `v` (truncated to the format).
    fn from_raw(v: u64) -> Self;
    /// The canonical NaN.
    fn canonical_nan() -> Self;
}

impl Format for F32 {
    const BITS: u32 = 32;
    fn unbox(f: u64) -> Self {
        if f & BOX == BOX {
            F32::from_bits(f as u32)
        } else {
            F32::from_bits(CANONICAL_NAN_S)
        }
    }
    fn boxed(self) -> u64 {
        BOX | self.to_bits() as u64
    }
    fn raw(self) -> u64 {
        self.to_bits() as u64
    }
    fn from_raw(v: u64) -> Self {
        F32::from_bits(v as u32)
    }
    fn canonical_nan() -> Self {
        F32::from_bits(CANONICAL_NAN_S)
    }
}

impl Format for F64 {
    const BITS: u32 = 64;
    fn unbox(f: u64) -> Self {
        F64::from_bits(f)
    }
    fn boxed(self) -> u64 {
        self.to_bits()
    }
    fn raw(self) -> u64 {
        self.to_bits()
    }
    fn from_raw(v: u64) -> Self {
        F64::from_bits(v)
    }
    fn canonical_nan() -> Self {
        F64::from_bits(CANONICAL_NAN_D)
    }
}

/// Execute an F or D instruction. `raw` is the encoding (for the
/// illegal-instruction tval).
///
/// Errors: illegal instruction when mstatus.FS is Off, or when the rounding
/// mode is reserved (rm 5 or 6, or rm = dyn with frm 5, 6 or 7); the
/// exceptions of loads and stores for flw/fld/fsw/fsd.
pub fn execute(cpu: &mut Cpu, insn: &Insn, raw: u32) -> Result<Outcome, Exception> {
    use Op::*;
    if cpu.hart.csr.fs() == 0 {
        return Err(Exception::IllegalInstruction(raw as u64));
    }
    match insn.op {
        Flw | Fld => {
            let va = x(cpu, insn.rs1).wrapping_add(insn.imm as u64);
            let v = if insn.op == Flw { BOX | cpu.load(va, 4)? } else { cpu.load(va, 8)? };
            set_f(cpu, insn.rd, v);
        }
        Fsw | Fsd => {
            let va = x(cpu, insn.rs1).wrapping_add(insn.imm as u64);
            let size = if insn.op == Fsw { 4 } else { 8 };
            cpu.store(va, size, cpu.hart.f[insn.rs2 as usize])?;
        }
        FmvXW => set_x(cpu, insn.rd, sext32(cpu.hart.f[insn.rs1 as usize])),
        FmvXD => set_x(cpu, insn.rd, cpu.hart.f[insn.rs1 as usize]),
        FmvWX => set_f(cpu, insn.rd, BOX | (x(cpu, insn.rs1) & 0xffff_ffff)),
        FmvDX => set_f(cpu, insn.rd, x(cpu, insn.rs1)),
        FcvtSD => {
            let rm = rounding(cpu, insn, raw)?;
            let a = F64::unbox(cpu.hart.f[insn.rs1 as usize]);
            let v = with_flags(cpu, || a.to_f32(rm));
            set_f(cpu, insn.rd, v.boxed());
        }
        FcvtDS => {
            let rm = rounding(cpu, insn, raw)?;
            let a = F32::unbox(cpu.hart.f[insn.rs1 as usize]);
            let v = with_flags(cpu, || a.to_f64(rm));
            set_f(cpu, insn.rd, v.boxed());
        }
        FmaddS | FmsubS | FnmsubS | FnmaddS | FaddS | FsubS | FmulS | FdivS | FsqrtS | FsgnjS | FsgnjnS | FsgnjxS
        | FminS | FmaxS | FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FeqS | FltS | FleS | FclassS | FcvtSW | FcvtSWu
        | FcvtSL | FcvtSLu => op::<F32>(cpu, insn, raw)?,
        _ => op::<F64>(cpu, insn, raw)?,
    }
    next(cpu, insn)
}

/// The operations common to both formats, on format `T`.
fn op<T: Format>(cpu: &mut Cpu, insn: &Insn, raw: u32) -> Result<(), Exception> {
    use Op::*;
    let f = &cpu.hart.f;
    let (a, b, c) = (T::unbox(f[insn.rs1 as usize]), T::unbox(f[insn.rs2 as usize]), T::unbox(f[insn.rs3 as usize]));
    let sign = 1u64 << (T::BITS - 1);
    let result: T = match insn.op {
        FmaddS | FmaddD | FmsubS | FmsubD | FnmsubS | FnmsubD | FnmaddS | FnmaddD => {
            let rm = rounding(cpu, insn, raw)?;
            // fmsub: a*b - c; fnmsub: -(a*b) + c; fnmadd: -(a*b) - c. Negating
            // an operand flips its sign bit only (NaN payloads do not matter:
            // any NaN result is canonical), and a single rounding follows.
            let neg = |v: T| T::from_raw(v.raw() ^ sign);
            let (a, c) = match insn.op {
                FmaddS | FmaddD => (a, c),
                FmsubS | FmsubD => (a, neg(c)),
                FnmsubS | FnmsubD => (neg(a), c),
                _ => (neg(a), neg(c)),
            };
            with_flags(cpu, || a.fused_mul_add(b, c, rm))
        }
        FaddS | FaddD | FsubS | FsubD | FmulS | FmulD | FdivS | FdivD | FsqrtS | FsqrtD => {
            let rm = rounding(cpu, insn, raw)?;
            with_flags(cpu, || match insn.op {
                FaddS | FaddD => a.add(b, rm),
                FsubS | FsubD => a.sub(b, rm),
                FmulS | FmulD => a.mul(b, rm),
                FdivS | FdivD => a.div(b, rm),
                _ => a.sqrt(rm),
            })
        }
        FsgnjS | FsgnjD => T::from_raw((a.raw() & !sign) | (b.raw() & sign)),
        FsgnjnS | FsgnjnD => T::from_raw((a.raw() & !sign) | (!b.raw() & sign)),
        FsgnjxS | FsgnjxD => T::from_raw(a.raw() ^ (b.raw() & sign)),
        FminS | FminD | FmaxS | FmaxD => {
            if a.is_signaling_nan() || b.is_signaling_nan() {
                raise(cpu, ExceptionFlags::from_bits(flags::NV));
            }
            min_max(a, b, matches!(insn.op, FmaxS | FmaxD))
        }
        FcvtSW | FcvtSWu | FcvtSL | FcvtSLu | FcvtDW | FcvtDWu | FcvtDL | FcvtDLu => {
            let rm = rounding(cpu, insn, raw)?;
            let v = x(cpu, insn.rs1);
            with_flags(cpu, || match insn.op {
                FcvtSW | FcvtDW => T::from_i32(v as i32, rm),
                FcvtSWu | FcvtDWu => T::from_u32(v as u32, rm),
                FcvtSL | FcvtDL => T::from_i64(v as i64, rm),
                _ => T::from_u64(v, rm),
            })
        }
        // The rest write an integer register.
        FcvtWS | FcvtWD | FcvtWuS | FcvtWuD | FcvtLS | FcvtLD | FcvtLuS | FcvtLuD => {
            let rm = rounding(cpu, insn, raw)?;
            // Out-of-range values and NaNs give the spec's saturated values
            // (SoftFloat's RISC-V specialization) and raise NV; inexact
            // conversions raise NX. The 32-bit results are sign-extended.
            let v = with_flags(cpu, || match insn.op {
                FcvtWS | FcvtWD => a.to_i32(rm, true) as i64 as u64,
                FcvtWuS | FcvtWuD => sext32(a.to_u32(rm, true) as u64),
                FcvtLS | FcvtLD => a.to_i64(rm, true) as u64,
                _ => a.to_u64(rm, true),
            });
            set_x(cpu, insn.rd, v);
            return Ok(());
        }
        FeqS | FeqD | FltS | FltD | FleS | FleD => {
            // feq is a quiet comparison (NV for signalling NaNs only); flt and
            // fle are signalling (NV for any NaN).
            let v = with_flags(cpu, || match insn.op {
                FeqS | FeqD => a.eq(b),
                FltS | FltD => a.lt(b),
                _ => a.le(b),
            });
            set_x(cpu, insn.rd, v as u64);
            return Ok(());
        }
        FclassS | FclassD => {
            set_x(cpu, insn.rd, classify(a));
            return Ok(());
        }
        _ => return Err(Exception::IllegalInstruction(raw as u64)),
    };
    set_f(cpu, insn.rd, result.boxed());
    Ok(())
}

/// fmin/fmax (Unprivileged ISA, "Single-Precision Floating-Point
/// Computational Instructions", as amended for IEEE 754-2019 minimumNumber /
/// maximumNumber): a NaN operand yields the other operand, two NaNs yield the
/// canonical NaN, and -0.0 is smaller than +0.0.
fn min_max<T: Format>(a: T, b: T, max: bool) -> T {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => T::canonical_nan(),
        (true, false) => b,
        (false, true) => a,
        _ => {
            // Quiet comparisons: no flag for non-NaN operands.
            let a_first = if max {
                b.lt_quiet(a) || (a.eq(b) && b.is_negative())
            } else {
                a.lt_quiet(b) || (a.eq(b) && a.is_negative())
            };
            if a_first {
                a
            } else {
                b
            }
        }
    }
}

/// fclass: a one-hot mask of the value's class (bit 0 -inf, 1 negative
/// normal, 2 negative subnormal, 3 -0, 4 +0, 5 positive subnormal,
/// 6 positive normal, 7 +inf, 8 signalling NaN, 9 quiet NaN).
fn classify<T: Format>(a: T) -> u64 {
    let bit = if a.is_nan() {
        if a.is_signaling_nan() {
            8
        } else {
            9
        }
    } else if a.is_negative_infinity() {
        0
    } else if a.is_negative_normal() {
        1
    } else if a.is_negative_subnormal() {
        2
    } else if a.is_negative_zero() {
        3
    } else if a.is_positive_zero() {
        4
    } else if a.is_positive_subnormal() {
        5
    } else if a.is_positive_normal() {
        6
    } else {
        7
    };
    1 << bit
}

/// fflags bits (Unprivileged ISA, "Floating-Point Control and Status
/// Register"); SoftFloat's flags use the same bit positions.
pub mod flags {
    /// Inexact.
    pub const NX: u8 = 1 << 0;
    /// Underflow.
    pub const UF: u8 = 1 << 1;
    /// Overflow.
    pub const OF: u8 = 1 << 2;
    /// Divide by zero.
    pub const DZ: u8 = 1 << 3;
    /// Invalid operation.
    pub const NV: u8 = 1 << 4;
}

/// Run a SoftFloat operation and accrue the flags it raises into fflags.
#[inline]
fn with_flags<R>(cpu: &mut Cpu, f: impl FnOnce() -> R) -> R {
    ExceptionFlags::default().set();
    let r = f();
    let mut raised = ExceptionFlags::default();
    raised.get();
    raise(cpu, raised);
    r
}

/// Accrue `raised` into fflags; a change of fflags makes FS Dirty.
fn raise(cpu: &mut Cpu, raised: ExceptionFlags) {
    let bits = raised.to_bits() as u64 & 0x1f;
    if bits != 0 {
        cpu.hart.csr.fcsr |= bits;
        cpu.hart.csr.mstatus |= mstatus::FS;
    }
}

/// Write f register `r` and mark the FP state Dirty.
#[inline]
fn set_f(cpu: &mut Cpu, r: u8, v: u64) {
    cpu.hart.f[r as usize] = v;
    cpu.hart.csr.mstatus |= mstatus::FS;
}

/// The rounding mode of `insn`: its rm field, or frm when rm is 7 (dyn).
/// A reserved mode (5, 6; or frm 5..7 under dyn) is an illegal instruction.
fn rounding(cpu: &Cpu, insn: &Insn, raw: u32) -> Result<RoundingMode, Exception> {
    let rm = if insn.rm == 7 { (cpu.hart.csr.fcsr >> 5) & 7 } else { insn.rm as u64 };
    Ok(match rm {
        0 => RoundingMode::TiesToEven,
        1 => RoundingMode::TowardZero,
        2 => RoundingMode::TowardNegative,
        3 => RoundingMode::TowardPositive,
        4 => RoundingMode::TiesToAway,
        _ => return Err(Exception::IllegalInstruction(raw as u64)),
    })
}

#[cfg(test)]
mod tests;
