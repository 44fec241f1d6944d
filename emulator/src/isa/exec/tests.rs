//! Execution of each instruction class against hand-computed results.

use super::*;
use crate::bus::{map::DRAM_BASE, Bus};
use crate::devices::uart::{ConsoleIn, ConsoleOut};
use crate::devices::BootRom;
use crate::hart::csr::{addr, CsrEnv};
use crate::hart::Hart;
use crate::isa::decode;
use crate::mmu::Mmu;

const ENV: CsrEnv = CsrEnv { hartid: 0, cycle: 100, instret: 50, time: 10 };

pub(crate) struct Rig {
    pub(crate) hart: Hart,
    pub(crate) mmu: Mmu,
    pub(crate) bus: Bus,
}

impl Rig {
    pub(crate) fn new() -> Rig {
        let bus = Bus::new(1 << 20, 1, BootRom::reset_vector(0, 0), ConsoleIn::None, ConsoleOut::Buffer(Vec::new()));
        Rig { hart: Hart::new(0, DRAM_BASE), mmu: Mmu::default(), bus }
    }

    /// Execute one instruction word at the current pc.
    pub(crate) fn exec(&mut self, raw: u32) -> Result<Outcome, Exception> {
        let insn = decode(raw);
        let mut cpu = Cpu::new(&mut self.hart, &mut self.mmu, &mut self.bus);
        execute(&mut cpu, &insn, raw, &ENV)
    }

    pub(crate) fn x(&self, r: usize) -> u64 {
        self.hart.x[r]
    }
}

// Registers by ABI name.
const A0: usize = 10;
const A1: usize = 11;
const A2: usize = 12;

#[test]
fn integer_arithmetic_and_w_forms() {
    let mut r = Rig::new();
    r.hart.x[A1] = 0x7fff_ffff;
    r.hart.x[A2] = 1;
    r.exec(0x00c5_853b).unwrap(); // addw a0, a1, a2: 0x8000_0000 sign-extended
    assert_eq!(r.x(A0), 0xffff_ffff_8000_0000);
    r.exec(0x00c5_8533).unwrap(); // add a0, a1, a2
    assert_eq!(r.x(A0), 0x8000_0000);
    r.hart.x[A1] = 5;
    r.exec(0xffb5_8513).unwrap(); // addi a0, a1, -5
    assert_eq!(r.x(A0), 0);
    r.hart.x[A1] = u64::MAX;
    r.hart.x[A2] = 65; // shift amounts use the low 6 bits: 65 -> 1
    r.exec(0x00c5_d533).unwrap(); // srl a0, a1, a2
    assert_eq!(r.x(A0), u64::MAX >> 1);
    r.exec(0x40c5_d533).unwrap(); // sra a0, a1, a2
    assert_eq!(r.x(A0), u64::MAX);
    r.hart.x[A1] = 0x8000_0000;
    r.exec(0x4015_d51b).unwrap(); // sraiw a0, a1, 1: 32-bit arithmetic shift of a negative word
    assert_eq!(r.x(A0), 0xffff_ffff_c000_0000);
    r.hart.x[A1] = (-3i64) as u64;
    r.hart.x[A2] = 2;
    r.exec(0x00c5_a533).unwrap(); // slt a0, a1, a2
    assert_eq!(r.x(A0), 1);
    r.exec(0x00c5_b533).unwrap(); // sltu a0, a1, a2
    assert_eq!(r.x(A0), 0);
    r.exec(0x1234_5537).unwrap(); // lui a0, 0x12345
    assert_eq!(r.x(A0), 0x1234_5000);
    let pc = r.hart.pc;
    r.exec(0x0000_1517).unwrap(); // auipc a0, 1
    assert_eq!(r.x(A0), pc + 0x1000);
    r.exec(0x0000_0033).unwrap(); // add zero, zero, zero: x0 stays 0
    r.hart.x[A1] = 7;
    r.exec(0x00b0_0033).unwrap(); // add zero, zero, a1
    assert_eq!(r.x(0), 0);
}

#[test]
fn multiply_and_divide_edge_cases() {
    use Op::*;
    let min = i64::MIN as u64;
    assert_eq!(muldiv(Div, 7, 0), u64::MAX);
    assert_eq!(muldiv(Divu, 7, 0), u64::MAX);
    assert_eq!(muldiv(Rem, 7, 0), 7);
    assert_eq!(muldiv(Remu, 7, 0), 7);
    assert_eq!(muldiv(Div, min, u64::MAX), min); // overflow: -2^63 / -1
    assert_eq!(muldiv(Rem, min, u64::MAX), 0);
    assert_eq!(muldiv(Div, (-7i64) as u64, 2), (-3i64) as u64); // rounds toward zero
    assert_eq!(muldiv(Rem, (-7i64) as u64, 2), (-1i64) as u64); // sign of the dividend
    assert_eq!(muldiv(Mulh, min, min), 1 << 62);
    assert_eq!(muldiv(Mulhu, u64::MAX, u64::MAX), u64::MAX - 1);
    assert_eq!(muldiv(Mulhsu, u64::MAX, u64::MAX), u64::MAX); // -1 * (2^64 - 1) -> high word all ones
    assert_eq!(muldiv_w(Divw, 0x8000_0000, u64::MAX), 0xffff_ffff_8000_0000);
    assert_eq!(muldiv_w(Remw, 0x8000_0000, u64::MAX), 0);
    assert_eq!(muldiv_w(Divuw, 5, 0), u64::MAX);
    assert_eq!(muldiv_w(Remuw, 0xffff_ffff, 0), u64::MAX); // the dividend, sign-extended
    assert_eq!(muldiv_w(Mulw, 0x1_0000_0002, 0x4000_0000), 0xffff_ffff_8000_0000);
    // And through the decoder: mul a0, a1, a2
    let mut r = Rig::new();
    r.hart.x[A1] = 6;
    r.hart.x[A2] = (-7i64) as u64;
    r.exec(0x02c5_8533).unwrap();
    assert_eq!(r.x(A0) as i64, -42);
}

#[test]
fn branches_and_jumps() {
    let mut r = Rig::new();
    let pc = r.hart.pc;
    r.hart.x[A0] = 1;
    r.hart.x[A1] = 1;
    r.exec(0x00b5_0463).unwrap(); // beq a0, a1, +8
    assert_eq!(r.hart.pc, pc + 8);
    r.exec(0x00b5_1463).unwrap(); // bne a0, a1, +8: not taken
    assert_eq!(r.hart.pc, pc + 12);
    r.exec(0x0100_00ef).unwrap(); // jal ra, +16
    assert_eq!((r.hart.pc, r.x(1)), (pc + 28, pc + 16));
    r.hart.x[A0] = 0x8000_0101;
    r.exec(0x0025_00e7).unwrap(); // jalr ra, 2(a0): target bit 0 cleared
    assert_eq!((r.hart.pc, r.x(1)), (0x8000_0102, pc + 32));
    r.exec(0x8082).unwrap(); // c.jr ra
    assert_eq!(r.hart.pc, pc + 32);
}

#[test]
fn loads_and_stores_sign_and_zero_extend() {
    let mut r = Rig::new();
    let buf = DRAM_BASE + 0x1000;
    r.hart.x[A1] = buf;
    r.hart.x[A2] = 0x8899_aabb_ccdd_eeff;
    r.exec(0x00c5_b023).unwrap(); // sd a2, 0(a1)
    r.exec(0x0005_8503).unwrap(); // lb a0, 0(a1)
    assert_eq!(r.x(A0), 0xffff_ffff_ffff_ffff);
    r.exec(0x0005_c503).unwrap(); // lbu a0, 0(a1)
    assert_eq!(r.x(A0), 0xff);
    r.exec(0x0045_a503).unwrap(); // lw a0, 4(a1)
    assert_eq!(r.x(A0), 0xffff_ffff_8899_aabb);
    r.exec(0x0045_e503).unwrap(); // lwu a0, 4(a1)
    assert_eq!(r.x(A0), 0x8899_aabb);
    r.exec(0x0025_9503).unwrap(); // lh a0, 2(a1)
    assert_eq!(r.x(A0), 0xffff_ffff_ffff_ccdd);
    // Misaligned loads are performed, as on QEMU.
    r.exec(0x0015_b503).unwrap(); // ld a0, 1(a1)
    assert_eq!(r.x(A0), 0x0088_99aa_bbcc_ddee);
    // Nothing behind the address: a load access fault with the address in tval.
    r.hart.x[A1] = 0x4000_0000;
    assert_eq!(r.exec(0x0005_b503), Err(Exception::LoadAccessFault(0x4000_0000)));
    assert_eq!(r.exec(0x00c5_b023), Err(Exception::StoreAccessFault(0x4000_0000)));
}

#[test]
fn atomics_and_reservations() {
    let mut r = Rig::new();
    let buf = DRAM_BASE + 0x2000;
    r.hart.x[A1] = buf;
    r.bus.write(buf, 8, 10).unwrap();
    r.hart.x[A2] = 5;
    r.exec(0x00c5_b52f).unwrap(); // amoadd.d a0, a2, (a1)
    assert_eq!((r.x(A0), r.bus.read(buf, 8).unwrap()), (10, 15));
    r.hart.x[A2] = (-1i64) as u64;
    r.exec(0xc0c5_a52f).unwrap(); // amominu.w a0, a2, (a1): unsigned min of 15 and 0xffffffff
    assert_eq!((r.x(A0), r.bus.read(buf, 8).unwrap()), (15, 15));
    r.exec(0x80c5_a52f).unwrap(); // amomin.w a0, a2, (a1): signed min is -1
    assert_eq!(r.bus.read(buf, 4).unwrap(), 0xffff_ffff);
    // SC without a reservation fails and writes nothing.
    r.hart.x[A2] = 99;
    r.exec(0x18c5_b52f).unwrap(); // sc.d a0, a2, (a1)
    assert_eq!(r.x(A0), 1);
    assert_ne!(r.bus.read(buf, 8).unwrap(), 99);
    r.exec(0x1005_b52f).unwrap(); // lr.d a0, (a1)
    r.exec(0x18c5_b52f).unwrap(); // sc.d a0, a2, (a1): succeeds once
    assert_eq!((r.x(A0), r.bus.read(buf, 8).unwrap()), (0, 99));
    r.exec(0x18c5_b52f).unwrap();
    assert_eq!(r.x(A0), 1);
    // Misaligned atomics raise address-misaligned.
    r.hart.x[A1] = buf + 4;
    assert_eq!(r.exec(0x00c5_b52f), Err(Exception::StoreAddressMisaligned(buf + 4)));
    assert_eq!(r.exec(0x1005_b52f), Err(Exception::LoadAddressMisaligned(buf + 4)));
}

#[test]
fn csr_access_rules() {
    let mut r = Rig::new();
    r.hart.x[A1] = 0x8000_1000;
    r.exec(0x3055_9573).unwrap(); // csrrw a0, mtvec, a1
    assert_eq!((r.x(A0), r.hart.csr.mtvec), (0, 0x8000_1000));
    r.exec(0xf140_2573).unwrap(); // csrrs a0, mhartid, zero
    assert_eq!(r.x(A0), 0);
    r.exec(0xc020_2573).unwrap(); // csrrs a0, instret, zero (M-mode may read)
    assert_eq!(r.x(A0), ENV.instret);
    // Writing a read-only CSR is illegal, even with csrrw and rd = x0.
    assert_eq!(r.exec(0xf145_9073), Err(Exception::IllegalInstruction(0xf145_9073)));
    // csrrs with rs1 = x0 does not write, so reading mhartid is fine: done above.
    // From S-mode, M-mode CSRs are illegal.
    r.hart.prv = Priv::S;
    assert!(r.exec(0x3000_2573).is_err()); // csrr a0, mstatus
    r.exec(0x1000_2573).unwrap(); // csrr a0, sstatus
                                  // satp with TVM set traps in S-mode.
    r.hart.csr.mstatus |= mstatus::TVM;
    assert!(r.exec(0x1800_2573).is_err());
    assert_eq!(r.hart.csr.read(addr::MTVEC, &ENV), 0x8000_1000);
}

#[test]
fn privileged_instructions_by_mode() {
    let mut r = Rig::new();
    assert_eq!(r.exec(0x0000_0073), Err(Exception::EcallFromM));
    assert_eq!(r.exec(0x0010_0073), Err(Exception::Breakpoint(0)));
    assert_eq!(r.exec(0x1050_0073), Ok(Outcome::WaitForInterrupt)); // wfi in M
    r.hart.prv = Priv::U;
    assert_eq!(r.exec(0x0000_0073), Err(Exception::EcallFromU));
    for raw in [0x3020_0073, 0x1020_0073, 0x1050_0073, 0x1200_0073] {
        // mret, sret, wfi, sfence.vma from U-mode
        assert_eq!(r.exec(raw), Err(Exception::IllegalInstruction(raw as u64)));
    }
    r.hart.prv = Priv::S;
    assert_eq!(r.exec(0x3020_0073), Err(Exception::IllegalInstruction(0x3020_0073))); // mret from S
    r.hart.csr.mstatus |= mstatus::TSR;
    assert!(r.exec(0x1020_0073).is_err()); // sret with TSR
    r.hart.csr.mstatus &= !mstatus::TSR;
    r.hart.csr.sepc = 0x1234;
    r.exec(0x1020_0073).unwrap(); // sret back to U (SPP = 0)
    assert_eq!((r.hart.prv, r.hart.pc), (Priv::U, 0x1234));
    // F and D are not implemented: illegal.
    r.hart.prv = Priv::M;
    assert_eq!(r.exec(0x00c5_f553), Err(Exception::IllegalInstruction(0x00c5_f553)));
}

/// Every operation's short-path handler does what `execute` does (same
/// result, registers, pc and memory) or, for an operation without a short
/// path, answers `NotShort` having done nothing; exactly the operations
/// `execute_int` and `execute_mem` run have a short path; and a handler
/// answering `Ok` or `MemoryAccessed` left the pc at the next instruction.
#[test]
fn short_path_handlers_match_execute() {
    let fresh = || {
        let mut r = Rig::new();
        r.hart.x[A1] = DRAM_BASE + 0x1000;
        r.hart.x[A2] = 0x8765_4321_0fed_cba9;
        r.bus.ram.write(DRAM_BASE + 0x1010, 8, 0x0123_4567_89ab_cdef);
        r
    };
    for &op in Op::ALL {
        let insn = Insn { op, rd: A0 as u8, rs1: A1 as u8, rs2: A2 as u8, imm: 16, len: 4, ..Insn::illegal(4) };
        let (mut general, mut short) = (fresh(), fresh());
        let expected = execute(&mut Cpu::new(&mut general.hart, &mut general.mmu, &mut general.bus), &insn, 0, &ENV);
        let mut cpu = Cpu::new(&mut short.hart, &mut short.mmu, &mut short.bus);
        let got = handler(op)(&mut cpu, &insn);
        let mut probe = fresh();
        let runs_short = execute_int(&mut probe.hart, &insn)
            || execute_mem(&mut Cpu::new(&mut probe.hart, &mut probe.mmu, &mut probe.bus), &insn).is_some();
        if got == Err(Notice::NotShort) {
            assert!(!runs_short, "{op:?} has no short-path handler");
            let untouched = fresh();
            assert_eq!((short.hart.x, short.hart.pc), (untouched.hart.x, untouched.hart.pc), "{op:?}");
            continue;
        }
        assert!(runs_short, "{op:?} has a short-path handler but needs execute");
        // The fetch loop follows on to the next slot in memory after these
        // answers without looking at the pc: it must be there.
        if matches!(got, Ok(()) | Err(Notice::MemoryAccessed)) {
            assert_eq!(short.hart.pc, fresh().hart.pc + insn.len as u64, "{op:?} answered as a sequential operation");
        }
        let got = match got {
            Ok(()) | Err(Notice::MemoryAccessed) | Err(Notice::Jumped) => Ok(Outcome::Continue),
            Err(Notice::Exception(e)) => Err(e),
            Err(Notice::NotShort) => unreachable!(),
        };
        assert_eq!(got, expected, "{op:?}");
        assert_eq!((short.hart.x, short.hart.pc), (general.hart.x, general.hart.pc), "{op:?}");
        assert_eq!(short.bus.ram.read(DRAM_BASE + 0x1010, 8), general.bus.ram.read(DRAM_BASE + 0x1010, 8), "{op:?}");
    }
}
