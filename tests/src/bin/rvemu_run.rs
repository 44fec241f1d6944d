//! `rvemu_run ELF [--max-insns N]`: run a benchmark program (tests/bench) on
//! rvemu 0.0.11, the public Rust RISC-V interpreter from crates.io, so that
//! `make bench` can compare svemu's speed with it.
//!
//! The ELF's loadable segments are copied into rvemu's DRAM (1 GiB at
//! 0x8000_0000, the address the bench programs are linked at) and the pc set
//! to the ELF entry. The run loop is rvemu's own (`Emulator::start`: devices
//! ticked, interrupts checked, one `Cpu::execute` per instruction) with an
//! end added: rvemu has no sifive_test device, so the power-off store to
//! 0x100000 raises a store access fault, which rvemu treats as fatal. The
//! run ends there; the instructions retired are the executions that
//! succeeded plus that store (svemu retires it too), so the bench can check
//! that rvemu ran the same program to the same point. The console (rvemu's
//! NS16550A) goes to stdout; one summary line goes to stderr:
//! `rvemu: N instructions retired, ended by StoreAMOAccessFault at mepc 0x..., S s`.
//!
//! Exit status: 0 when the run ended with a store access fault (the
//! power-off), 1 on any other fatal trap or a bad image, 124 when
//! `--max-insns` was reached first, 2 for a bad command line.

use std::path::PathBuf;
use std::time::Instant;

use rvemu::bus::DRAM_BASE;
use rvemu::csr::MEPC;
use rvemu::dram::DRAM_SIZE;
use rvemu::emulator::Emulator;
use rvemu::exception::{Exception, Trap};
use svemu::devices::ram::Ram;

/// The ELF's loadable bytes from `DRAM_BASE` up to its highest loaded
/// address (gaps and bss zero), and its entry point.
fn dram_image(elf: &[u8]) -> Result<(Vec<u8>, u64), String> {
    // svemu's loader does the parsing; its RAM is host memory reserved lazily.
    let mut ram = Ram::new(DRAM_BASE, DRAM_SIZE);
    let image = svemu::loader::load_elf(elf, &mut ram).map_err(|e| e.to_string())?;
    let bytes = ram.slice(DRAM_BASE, image.end - DRAM_BASE).ok_or("the image is not all in rvemu's DRAM")?;
    Ok((bytes.to_vec(), image.entry))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut elf = None;
    let mut max_insns = u64::MAX;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--max-insns" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => max_insns = n,
                None => usage(),
            },
            _ if elf.is_none() && !a.starts_with('-') => elf = Some(PathBuf::from(a)),
            _ => usage(),
        }
    }
    let Some(elf) = elf else { usage() };
    let bytes = std::fs::read(&elf).unwrap_or_else(|e| fail(&format!("cannot read '{}': {e}", elf.display())));
    let (dram, entry) = dram_image(&bytes).unwrap_or_else(|e| fail(&format!("'{}': {e}", elf.display())));

    // rvemu writes its device tree (rvemu.dts, rvemu.dtb, made by running dtc)
    // into the current directory: keep them out of the caller's.
    let scratch = std::env::temp_dir().join("rvemu_run");
    if let Err(e) = std::fs::create_dir_all(&scratch).and_then(|_| std::env::set_current_dir(&scratch)) {
        fail(&format!("cannot work in {}: {e}", scratch.display()));
    }
    let mut emu = Emulator::new();
    emu.initialize_dram(dram);
    emu.initialize_pc(entry);
    let start = Instant::now();
    let mut retired: u64 = 0;
    // rvemu's Emulator::start, counting, with the end described above.
    let end = loop {
        if retired >= max_insns {
            break None;
        }
        emu.cpu.devices_increment();
        if let Some(interrupt) = emu.cpu.check_pending_interrupt() {
            interrupt.take_trap(&mut emu.cpu);
        }
        match emu.cpu.execute() {
            Ok(_) => retired += 1,
            Err(exception) => {
                if let Trap::Fatal = exception.take_trap(&mut emu.cpu) {
                    // rvemu sets mepc to the pc after the instruction minus 4.
                    break Some((exception, emu.cpu.state.read(MEPC)));
                }
            }
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    match end {
        None => {
            eprintln!("rvemu: stopped after {retired} instructions (--max-insns), {seconds:.3} s");
            std::process::exit(124);
        }
        Some((exception, pc)) => {
            let power_off = matches!(exception, Exception::StoreAMOAccessFault);
            // The faulting store retires on a machine that has the device.
            let retired = retired + u64::from(power_off);
            eprintln!("rvemu: {retired} instructions retired, ended by {exception:?} at mepc {pc:#x}, {seconds:.3} s");
            std::process::exit(if power_off { 0 } else { 1 });
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: rvemu_run ELF [--max-insns N]");
    std::process::exit(2)
}

fn fail(msg: &str) -> ! {
    eprintln!("rvemu_run: error: {msg}");
    std::process::exit(1)
}
