//! Builds the guest programs the tests and benchmarks run, with Debian's
//! riscv64-unknown-elf-gcc, into `$OUT_DIR/<name>.elf`, so they are made by
//! an independent toolchain and no binary is committed:
//! - every `bare/*.S`: bare-metal test programs, linked at 0x8000_0000 by
//!   `bare/link.ld`;
//! - the benchmark workloads of `bench/` (C, freestanding, with
//!   `bench/start.S` and `bench/lib.c`), in the variants listed in [`BENCH`];
//! - every disassembler corpus `disasm/*.S`, into the relocatable object
//!   `$OUT_DIR/<name>.o` (not linked).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Benchmark programs: name, C source in bench/, extra compiler flags.
const BENCH: &[(&str, &str, &[&str])] = &[
    ("bench_null", "null.c", &[]),
    ("bench_intmix", "intmix.c", &[]),
    ("bench_memcopy", "memcopy.c", &[]),
    ("bench_tlb_sv39", "tlbstride.c", &["-DLEVELS=3"]),
    ("bench_tlb_sv39_sfence", "tlbstride.c", &["-DLEVELS=3", "-DSFENCE_EVERY=64"]),
    ("bench_tlb_sv48", "tlbstride.c", &["-DLEVELS=4"]),
    ("bench_tlb_sv48_sfence", "tlbstride.c", &["-DLEVELS=4", "-DSFENCE_EVERY=64"]),
    ("bench_pagefault", "pagefault.c", &[]),
    ("bench_coremark", "coremark.c", &["-march=rv64gc_zicsr_zifencei"]),
    ("bench_intloop", "intloop.c", &["-march=rv64gc_zicsr_zifencei"]),
];

fn gcc() -> String {
    std::env::var("RISCV_GCC").unwrap_or_else(|_| "riscv64-unknown-elf-gcc".into())
}

fn compile(args: &[&std::ffi::OsStr], what: &str) {
    let gcc = gcc();
    let status = Command::new(&gcc).args(args).status().unwrap_or_else(|e| {
        panic!("cannot run {gcc} ({e}): install gcc-riscv64-unknown-elf (scripts/setup does) or set RISCV_GCC")
    });
    assert!(status.success(), "{gcc} failed on {what}");
}

/// The `.S` files of `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("tests/{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "S"))
        .collect();
    v.sort();
    v
}

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=bare");
    println!("cargo:rerun-if-changed=bench");
    println!("cargo:rerun-if-changed=disasm");
    println!("cargo:rerun-if-env-changed=RISCV_GCC");

    let bare = Path::new("bare");
    for src in sources(bare) {
        let elf = out.join(format!("{}.elf", src.file_stem().unwrap().to_string_lossy()));
        let args = ["-march=rv64gc", "-mabi=lp64d", "-nostdlib", "-nostartfiles", "-static", "-g0", "-T"];
        let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
        let ld = bare.join("link.ld");
        a.extend([ld.as_os_str(), "-I".as_ref(), bare.as_os_str(), src.as_os_str(), "-o".as_ref(), elf.as_os_str()]);
        compile(&a, &src.display().to_string());
    }

    for src in sources(Path::new("disasm")) {
        let obj = out.join(format!("{}.o", src.file_stem().unwrap().to_string_lossy()));
        let args = ["-march=rv64gc", "-mabi=lp64d", "-c", "-g0"];
        let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
        a.extend([src.as_os_str(), "-o".as_ref(), obj.as_os_str()]);
        compile(&a, &src.display().to_string());
    }

    let bench = Path::new("bench");
    for (name, source, flags) in BENCH {
        let elf = out.join(format!("{name}.elf"));
        let common = [
            "-O2",
            "-march=rv64imac_zicsr_zifencei",
            "-mabi=lp64",
            "-mcmodel=medany",
            "-ffreestanding",
            "-fno-tree-loop-distribute-patterns",
            "-nostdlib",
            "-static",
            "-g0",
        ];
        let mut a: Vec<&std::ffi::OsStr> = common.iter().chain(flags.iter()).map(|s| s.as_ref()).collect();
        let (ld, start, lib, src) =
            (bench.join("link.ld"), bench.join("start.S"), bench.join("lib.c"), bench.join(source));
        a.extend(["-T".as_ref(), ld.as_os_str(), start.as_os_str(), lib.as_os_str(), src.as_os_str()]);
        a.extend(["-o".as_ref(), elf.as_os_str()]);
        compile(&a, name);
    }
}
