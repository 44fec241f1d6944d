//! Decoding, disassembling and executing any 16- or 32-bit word, in any
//! privilege mode, with random integer, floating-point and CSR state, must
//! not panic: every 16-bit word and 300,000 random 32-bit words, each in M,
//! S and U mode (a seeded loop, so a failure names its case).

use svemu::bus::{map::DRAM_BASE, Bus};
use svemu::cpu::Cpu;
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::devices::BootRom;
use svemu::hart::csr::{addr, mstatus, CsrEnv};
use svemu::hart::{Hart, Priv};
use svemu::isa::exec::execute;
use svemu::isa::{decode, Disasm};
use svemu::mmu::{AdPolicy, Mmu, TlbGeometry};
use svemu_tests::diff::Rng;

const RAM: u64 = 1 << 20;

/// A register value: often an address in RAM (so memory instructions get
/// somewhere), sometimes near its end or anywhere at all.
fn value(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => DRAM_BASE + rng.below(RAM),
        1 => DRAM_BASE + RAM - rng.below(16),
        2 => rng.next_u64() >> rng.below(64),
        _ => rng.next_u64(),
    }
}

/// Randomise the state execution depends on: registers, mode, mstatus (FS,
/// MPRV, MPP, SUM, MXR, TVM, TW, TSR), frm and fflags, satp (any mode, a
/// root table in RAM or not), counter enables, delegation.
fn randomise(hart: &mut Hart, rng: &mut Rng, prv: Priv) {
    for r in 1..32 {
        hart.x[r] = value(rng);
    }
    for r in 0..32 {
        hart.f[r] =
            if rng.below(2) == 0 { 0xffff_ffff_0000_0000 | (rng.next_u64() & 0xffff_ffff) } else { rng.next_u64() };
    }
    hart.prv = prv;
    hart.pc = DRAM_BASE + 2 * rng.below(RAM / 2);
    let c = &mut hart.csr;
    c.mstatus = rng.next_u64()
        & (mstatus::FS | mstatus::MPRV | mstatus::MPP | mstatus::SUM | mstatus::MXR | mstatus::TVM | mstatus::TW)
        | (rng.next_u64() & (mstatus::TSR | mstatus::SPP | mstatus::MIE | mstatus::SIE));
    c.fcsr = rng.below(256);
    let mode = *[0u64, 8, 9, 10].get(rng.below(4) as usize).unwrap();
    c.satp = (mode << 60) | ((DRAM_BASE >> 12) + rng.below(RAM >> 12)) | (rng.next_u64() & (0xffff << 44));
    c.mcounteren = rng.next_u64() & 0xffff_ffff;
    c.scounteren = rng.next_u64() & 0xffff_ffff;
    c.medeleg = rng.next_u64() & 0xb3ff;
    hart.reservation = if rng.below(2) == 0 { Some(value(rng) & !7) } else { None };
}

#[test]
fn any_word_in_any_mode_never_panics() {
    let mut bus =
        Bus::new(RAM, 1, BootRom::reset_vector(DRAM_BASE, 0), ConsoleIn::None, ConsoleOut::Buffer(Vec::new()));
    let mut rng = Rng::new(0x5eed);
    // Random page-table-looking garbage in RAM.
    for k in 0..RAM / 8 {
        let v = value(&mut rng);
        bus.write(DRAM_BASE + 8 * k, 8, v).unwrap();
    }
    let mut hart = Hart::new(0, DRAM_BASE);
    // PMP entry 0 open over all memory, as a kernel sets it: without it every
    // S/U access is an access fault and the translations would go untested.
    hart.csr.write(addr::PMPADDR0, u64::MAX);
    hart.csr.write(addr::PMPCFG0, 0x1f);
    let mut mmu = Mmu::new(AdPolicy::Hardware, TlbGeometry::default());
    let env = CsrEnv { hartid: 0, cycle: 1000, instret: 900, time: 100 };
    let words = (0..=u16::MAX as u32).chain((0..300_000).map(|_| rng.next_u64() as u32 | 3));
    let mut executed = 0u64;
    for (case, word) in words.collect::<Vec<_>>().into_iter().enumerate() {
        let insn = decode(word);
        let _ = Disasm { insn: &insn, raw: word, pc: hart.pc }.to_string();
        for prv in [Priv::M, Priv::S, Priv::U] {
            randomise(&mut hart, &mut rng, prv);
            let mut cpu = Cpu::new(&mut hart, &mut mmu, &mut bus);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(&mut cpu, &insn, word, &env)));
            assert!(r.is_ok(), "case {case}: word {word:#010x} ({insn:?}) in {prv:?} mode panicked");
            executed += r.unwrap().is_ok() as u64;
        }
    }
    // Most words are illegal, but many execute: the loop does reach the semantics.
    assert!(executed > 100_000, "only {executed} executions succeeded");
}
