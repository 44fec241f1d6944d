//! Differential testing against QEMU: a generator of random, valid, trap-free
//! instruction sequences (RV64I, M, A on a scratch buffer, F and D with
//! random rounding modes, compressed forms), emitted as assembly for GNU as.
//!
//! Each sequence starts from random integer and floating-point registers,
//! runs its instructions, then stores every x and f register and fcsr to a
//! dump area and prints them on the UART in hex. A program holds many
//! sequences (one QEMU boot checks them all); svemu and QEMU must print the
//! same bytes.
//!
//! The random numbers come from SplitMix64, written out here so that a seed
//! names the same program forever (a library's stream may change between
//! versions).

use std::fmt::Write as _;

/// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit generator whose stream is
/// fixed by its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One element of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Integer registers the sequences may write: all but zero and sp (sp holds
/// the scratch buffer's address).
const XW: [&str; 30] = [
    "ra", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4",
    "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];
/// The registers of the compressed 3-bit fields (x8..x15).
const XC: [&str; 8] = ["s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5"];
const ROUNDING: [&str; 6] = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"];

/// Bytes of the scratch buffer that memory instructions use, at sp.
const SCRATCH: u64 = 512;

/// Interesting 64-bit integers, mixed with random ones.
const SPECIAL_X: [u64; 10] = [
    0,
    1,
    u64::MAX,
    0x8000_0000_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_ffff,
    0xffff_ffff_8000_0000,
    2,
];

/// Interesting f-register contents: doubles, NaN-boxed singles, improperly
/// boxed singles.
const SPECIAL_F: [u64; 20] = [
    0x0000_0000_0000_0000, // +0.0
    0x8000_0000_0000_0000, // -0.0
    0x3ff0_0000_0000_0000, // 1.0
    0xbff8_0000_0000_0000, // -1.5
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_0000, // canonical qNaN
    0x7ff4_0000_0000_0001, // sNaN
    0x0000_0000_0000_0001, // smallest subnormal
    0x7fef_ffff_ffff_ffff, // largest double
    0x41df_ffff_ffc0_0000, // 2^31 - 1
    0x43e0_0000_0000_0000, // 2^63
    0xffff_ffff_3f80_0000, // 1.0f
    0xffff_ffff_bfc0_0000, // -1.5f
    0xffff_ffff_7f80_0000, // +inf f
    0xffff_ffff_7fc0_0000, // canonical qNaN f
    0xffff_ffff_7fa0_0001, // sNaN f
    0xffff_ffff_0000_0001, // subnormal f
    0xffff_ffff_4f00_0000, // 2^31 f
    0x0000_0000_3f80_0000, // 1.0f, not NaN-boxed
];

/// A program of `sequences` sequences of `length` random instructions,
/// from `seed`: assembly for riscv64-unknown-elf-as with `board.h`
/// (tests/bare), ending with EXIT_PASS.
pub fn program(seed: u64, sequences: usize, length: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::new();
    s.push_str(PRELUDE);
    for k in 0..sequences {
        let _ = writeln!(s, "seq_{k}:");
        setup(&mut s, &mut rng);
        for _ in 0..length {
            instruction(&mut s, &mut rng);
        }
        let _ = writeln!(s, "    DUMP {k}");
    }
    s.push_str("    EXIT_PASS\n1:  j 1b\n");
    s.push_str(PRINT_ROUTINE);
    s.push_str("\n    .data\n    .align 12\nscratch:\n");
    for _ in 0..(SCRATCH / 8) {
        let _ = writeln!(s, "    .dword {:#x}", random_x(&mut rng));
    }
    s.push_str("dump:\n    .fill 64, 8, 0\n");
    s
}

fn random_x(rng: &mut Rng) -> u64 {
    match rng.below(3) {
        0 => rng.pick(&SPECIAL_X),
        1 => rng.next_u64() >> rng.below(64),
        _ => rng.next_u64(),
    }
}

fn random_f(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 | 1 => rng.pick(&SPECIAL_F),
        2 => 0xffff_ffff_0000_0000 | (rng.next_u64() & 0xffff_ffff),
        _ => rng.next_u64(),
    }
}

/// Random registers, a random valid frm and clear fflags.
fn setup(s: &mut String, rng: &mut Rng) {
    for r in XW {
        let _ = writeln!(s, "    li {r}, {:#x}", random_x(rng));
    }
    for f in 0..32 {
        let _ = writeln!(s, "    li t0, {:#x}\n    fmv.d.x f{f}, t0", random_f(rng));
    }
    let _ = writeln!(s, "    li t0, {:#x}", random_x(rng));
    let _ = writeln!(s, "    csrwi fcsr, 0\n    csrwi frm, {}", rng.below(5));
}

fn xw(rng: &mut Rng) -> &'static str {
    rng.pick(&XW)
}

fn xr(rng: &mut Rng) -> &'static str {
    if rng.below(8) == 0 {
        "zero"
    } else {
        rng.pick(&XW)
    }
}

fn fr(rng: &mut Rng) -> String {
    format!("f{}", rng.below(32))
}

fn rm(rng: &mut Rng) -> &'static str {
    rng.pick(&ROUNDING)
}

/// One random instruction (or a short idiom: a branch over an instruction,
/// an address computation before an atomic).
fn instruction(s: &mut String, rng: &mut Rng) {
    let _ = match rng.below(10) {
        0..=2 => integer(s, rng),
        3 => memory(s, rng),
        4 => atomic(s, rng),
        5..=7 => float(s, rng),
        _ => compressed(s, rng),
    };
}

fn integer(s: &mut String, rng: &mut Rng) -> std::fmt::Result {
    const R: [&str; 28] = [
        "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw", "sraw",
        "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw",
    ];
    const I: [&str; 7] = ["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"];
    const SH: [&str; 3] = ["slli", "srli", "srai"];
    const SHW: [&str; 3] = ["slliw", "srliw", "sraiw"];
    const B: [&str; 6] = ["beq", "bne", "blt", "bge", "bltu", "bgeu"];
    let (d, a, b) = (xw(rng), xr(rng), xr(rng));
    match rng.below(8) {
        0..=2 => writeln!(s, "    {} {d}, {a}, {b}", rng.pick(&R)),
        3 => writeln!(s, "    {} {d}, {a}, {}", rng.pick(&I), rng.below(4096) as i64 - 2048),
        4 => writeln!(s, "    {} {d}, {a}, {}", rng.pick(&SH), rng.below(64)),
        5 => writeln!(s, "    {} {d}, {a}, {}", rng.pick(&SHW), rng.below(32)),
        6 => writeln!(s, "    {} {d}, {:#x}", if rng.below(2) == 0 { "lui" } else { "auipc" }, rng.below(1 << 20)),
        _ => {
            // A branch over one instruction: the result shows whether it was taken.
            writeln!(s, "    {} {a}, {b}, 1f\n    addi {d}, {d}, 1\n1:", rng.pick(&B))
        }
    }
}

fn memory(s: &mut String, rng: &mut Rng) -> std::fmt::Result {
    const LOADS: [(&str, u64); 7] = [("lb", 1), ("lh", 2), ("lw", 4), ("ld", 8), ("lbu", 1), ("lhu", 2), ("lwu", 4)];
    const STORES: [(&str, u64); 4] = [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)];
    // Offsets inside the scratch buffer; misaligned ones too (both machines perform them).
    let (op, size) = if rng.below(2) == 0 { rng.pick(&LOADS) } else { rng.pick(&STORES) };
    let off = rng.below(SCRATCH - size + 1);
    if op.starts_with('l') {
        writeln!(s, "    {op} {}, {off}(sp)", xw(rng))
    } else {
        writeln!(s, "    {op} {}, {off}(sp)", xr(rng))
    }
}

fn atomic(s: &mut String, rng: &mut Rng) -> std::fmt::Result {
    const AMO: [&str; 9] = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"];
    const ORDER: [&str; 4] = ["", ".aq", ".rl", ".aqrl"];
    let (sfx, size) = if rng.below(2) == 0 { ("w", 4) } else { ("d", 8) };
    let off = rng.below(SCRATCH / size) * size;
    let ord = rng.pick(&ORDER);
    writeln!(s, "    addi t6, sp, {off}")?;
    if rng.below(4) == 0 {
        // LR then SC on the same address: succeeds on both machines.
        let d = rng.pick(&XW[..XW.len() - 1]); // not t6, which holds the address
        writeln!(s, "    lr.{sfx}{ord} {d}, (t6)\n    sc.{sfx}{ord} {}, {}, (t6)", xw(rng), xr(rng))
    } else {
        writeln!(s, "    {}.{sfx}{ord} {}, {}, (t6)", rng.pick(&AMO), xw(rng), xr(rng))
    }
}

fn float(s: &mut String, rng: &mut Rng) -> std::fmt::Result {
    const ARITH: [&str; 4] = ["fadd", "fsub", "fmul", "fdiv"];
    const FMA: [&str; 4] = ["fmadd", "fmsub", "fnmsub", "fnmadd"];
    const PLAIN: [&str; 5] = ["fsgnj", "fsgnjn", "fsgnjx", "fmin", "fmax"];
    const CMP: [&str; 3] = ["feq", "flt", "fle"];
    const TO_INT: [&str; 4] = ["w", "wu", "l", "lu"];
    let t = if rng.below(2) == 0 { "s" } else { "d" };
    let (d, a, b, c) = (fr(rng), fr(rng), fr(rng), fr(rng));
    match rng.below(12) {
        0..=2 => writeln!(s, "    {}.{t} {d}, {a}, {b}, {}", rng.pick(&ARITH), rm(rng)),
        3 => writeln!(s, "    {}.{t} {d}, {a}, {b}, {c}, {}", rng.pick(&FMA), rm(rng)),
        4 => writeln!(s, "    fsqrt.{t} {d}, {a}, {}", rm(rng)),
        5 => writeln!(s, "    {}.{t} {d}, {a}, {b}", rng.pick(&PLAIN)),
        6 => writeln!(s, "    {}.{t} {}, {a}, {b}", rng.pick(&CMP), xw(rng)),
        7 => writeln!(s, "    fclass.{t} {}, {a}", xw(rng)),
        8 => writeln!(s, "    fcvt.{}.{t} {}, {a}, {}", rng.pick(&TO_INT), xw(rng), rm(rng)),
        9 => {
            let from = rng.pick(&TO_INT);
            if t == "d" && from.starts_with('w') {
                writeln!(s, "    fcvt.d.{from} {d}, {}", xr(rng)) // exact: no rounding mode
            } else {
                writeln!(s, "    fcvt.{t}.{from} {d}, {}, {}", xr(rng), rm(rng))
            }
        }
        10 => match rng.below(6) {
            0 => writeln!(s, "    fcvt.s.d {d}, {a}, {}", rm(rng)),
            1 => writeln!(s, "    fcvt.d.s {d}, {a}"),
            2 => writeln!(s, "    fmv.x.{} {}, {a}", if t == "s" { "w" } else { "d" }, xw(rng)),
            3 => writeln!(s, "    fmv.{}.x {d}, {}", if t == "s" { "w" } else { "d" }, xr(rng)),
            4 => writeln!(s, "    csrrw {}, fflags, {}", xw(rng), xr(rng)),
            _ => writeln!(s, "    csrrs {}, fcsr, zero", xw(rng)),
        },
        _ => {
            let (op, size) = match rng.below(4) {
                0 => ("flw", 4),
                1 => ("fld", 8),
                2 => ("fsw", 4),
                _ => ("fsd", 8),
            };
            writeln!(s, "    {op} {d}, {}(sp)", rng.below(SCRATCH - size + 1))
        }
    }
}

fn compressed(s: &mut String, rng: &mut Rng) -> std::fmt::Result {
    const CA: [&str; 6] = ["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"];
    let (p, q) = (rng.pick(&XC), rng.pick(&XC));
    let d = xw(rng);
    let imm6 = rng.below(64) as i64 - 32;
    let nz6 = if imm6 == 0 { 1 } else { imm6 };
    match rng.below(14) {
        0 => writeln!(s, "    c.addi {d}, {nz6}"),
        1 => writeln!(s, "    c.addiw {d}, {imm6}"),
        2 => writeln!(s, "    c.li {d}, {imm6}"),
        3 => writeln!(s, "    c.lui {d}, {:#x}", rng.pick(&[1u64, 0x1f, 0xfffe0, 0xfffff, 7])),
        4 => writeln!(s, "    {} {p}, {}", rng.pick(&["c.srli", "c.srai"]), rng.below(63) + 1),
        5 => writeln!(s, "    c.andi {p}, {imm6}"),
        6 => writeln!(s, "    {} {p}, {q}", rng.pick(&CA)),
        7 => writeln!(s, "    c.slli {d}, {}", rng.below(63) + 1),
        8 => writeln!(s, "    c.mv {d}, {}", xw(rng)),
        9 => writeln!(s, "    c.add {d}, {}", xw(rng)),
        10 => {
            let (op, size) = rng.pick(&[("c.lw", 4u64), ("c.ld", 8), ("c.sw", 4), ("c.sd", 8)]);
            // Base register: sp copied into a compressed register first.
            let off = rng.below(32) * size;
            writeln!(s, "    mv {q}, sp\n    {op} {p}, {off}({q})")
        }
        11 => {
            let (op, size) = rng.pick(&[("c.lwsp", 4u64), ("c.ldsp", 8), ("c.swsp", 4), ("c.sdsp", 8)]);
            let off = rng.below(64) * size;
            let reg = if op.starts_with("c.s") { xr(rng) } else { xw(rng) };
            writeln!(s, "    {op} {reg}, {off}(sp)")
        }
        12 => {
            let f = rng.below(32);
            let off = rng.below(64) * 8;
            writeln!(s, "    {} f{f}, {off}(sp)", rng.pick(&["c.fldsp", "c.fsdsp"]))
        }
        _ => writeln!(s, "    c.addi4spn {p}, sp, {}", (rng.below(127) + 1) * 4),
    }
}

/// Macros and the start of the program.
const PRELUDE: &str = r#"/* Generated by svemu-tests diff.rs: random instruction sequences. */
#include "board.h"

/* Store every register and fcsr to the dump area and print them; sp is the
 * scratch buffer, which the dump area follows. */
.macro DUMP k
    .irp r, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    sd      x\r, 512 + 8 * \r(sp)
    .endr
    .irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    fsd     f\r, 512 + 256 + 8 * \r(sp)
    .endr
    csrr    t0, fcsr
    sd      t0, 512(sp)
    li      a0, \k
    jal     ra, print_dump
.endm

    .section .text.init
    .globl _start
_start:
    li      t0, 1 << 13                  /* mstatus.FS = Initial */
    csrs    mstatus, t0
    la      sp, scratch
"#;

/// Prints "S<k in hex>" then the 64 words of the dump (fcsr, x1..x31 with
/// 0 for sp, f0..f31), 16 hex digits each, four per line.
const PRINT_ROUTINE: &str = r#"
print_dump:
    li      t0, UART_BASE
    li      t1, 'S'
    sb      t1, 0(t0)
    mv      t2, a0
    li      t3, 8
    jal     t4, print_hex
    addi    a1, sp, 512                  /* first word */
    li      a2, 64                       /* words: fcsr, x1..x31, f0..f31 */
    li      a3, 0
1:  li      t1, ' '
    andi    t5, a3, 3
    bnez    t5, 2f
    li      t1, '\n'
2:  sb      t1, 0(t0)
    ld      t2, 0(a1)
    li      t3, 16
    jal     t4, print_hex
    addi    a1, a1, 8
    addi    a3, a3, 1
    bne     a3, a2, 1b
    li      t1, '\n'
    sb      t1, 0(t0)
    ret

/* Print the low t3 hex digits of t2 at UART t0; returns through t4. */
print_hex:
    addi    t3, t3, -1
    slli    t5, t3, 2
    srl     t5, t2, t5
    andi    t5, t5, 15
    addi    t6, t5, '0'
    li      t1, 10
    blt     t5, t1, 3f
    addi    t6, t5, 'a' - 10
3:  sb      t6, 0(t0)
    bnez    t3, print_hex
    jr      t4
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_program() {
        assert_eq!(program(7, 3, 20), program(7, 3, 20));
        assert_ne!(program(7, 3, 20), program(8, 3, 20));
    }
}
