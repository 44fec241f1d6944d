//! Fuzz target: decode, disassemble and execute instruction words with
//! fuzzer-chosen state. Input layout: byte 0 = privilege mode (low 2 bits)
//! and mstatus.FS (bits 2-3); byte 1 = fcsr; bytes 2..10 = satp; then 31
//! integer registers of 8 bytes; the rest, 4 bytes at a time, instruction
//! words executed one after another. Any panic is a bug: guests cannot be
//! allowed to crash the emulator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use svemu::bus::{map::DRAM_BASE, Bus};
use svemu::cpu::Cpu;
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::devices::BootRom;
use svemu::hart::csr::{mstatus, CsrEnv};
use svemu::hart::{Hart, Priv};
use svemu::isa::exec::execute;
use svemu::isa::{decode, Disasm};
use svemu::mmu::{AdPolicy, Mmu};

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 + 31 * 8 {
        return;
    }
    let mut bus = Bus::new(1 << 16, 1, BootRom::reset_vector(DRAM_BASE, 0), ConsoleIn::None, ConsoleOut::Buffer(Vec::new()));
    let mut hart = Hart::new(0, DRAM_BASE);
    let mut mmu = Mmu::new(AdPolicy::Hardware);
    hart.prv = Priv::from_bits(data[0] as u64);
    hart.csr.mstatus |= ((data[0] as u64 >> 2) & 3) << mstatus::FS_SHIFT;
    hart.csr.fcsr = data[1] as u64;
    hart.csr.satp = u64::from_le_bytes(data[2..10].try_into().unwrap());
    for (r, chunk) in data[10..10 + 31 * 8].chunks(8).enumerate() {
        hart.x[r + 1] = u64::from_le_bytes(chunk.try_into().unwrap());
    }
    let env = CsrEnv { hartid: 0, cycle: 0, instret: 0, time: 0 };
    for word in data[10 + 31 * 8..].chunks_exact(4) {
        let word = u32::from_le_bytes(word.try_into().unwrap());
        let insn = decode(word);
        let _ = Disasm { insn: &insn, raw: word, pc: hart.pc }.to_string();
        let mut cpu = Cpu::new(&mut hart, &mut mmu, &mut bus);
        let _ = execute(&mut cpu, &insn, word, &env);
    }
});
