//! Assembles every bare-metal test program `bare/*.S` with Debian's
//! riscv64-unknown-elf-gcc into `$OUT_DIR/<name>.elf` (linked at 0x8000_0000
//! by `bare/link.ld`), so the tests run code made by an independent
//! assembler, and no binary is committed.

use std::path::Path;
use std::process::Command;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let bare = Path::new("bare");
    println!("cargo:rerun-if-changed=bare");
    let gcc = std::env::var("RISCV_GCC").unwrap_or_else(|_| "riscv64-unknown-elf-gcc".into());
    let mut sources: Vec<_> = std::fs::read_dir(bare)
        .expect("tests/bare exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "S"))
        .collect();
    sources.sort();
    for src in sources {
        let name = src.file_stem().unwrap().to_string_lossy().into_owned();
        let elf = Path::new(&out).join(format!("{name}.elf"));
        let status = Command::new(&gcc)
            .args(["-march=rv64gc", "-mabi=lp64d", "-nostdlib", "-nostartfiles", "-static", "-g0"])
            .arg("-T")
            .arg(bare.join("link.ld"))
            .arg("-I")
            .arg(bare)
            .arg(&src)
            .arg("-o")
            .arg(&elf)
            .status()
            .unwrap_or_else(|e| {
                panic!("cannot run {gcc} ({e}): install gcc-riscv64-unknown-elf (scripts/setup does) or set RISCV_GCC")
            });
        assert!(status.success(), "{gcc} failed on {}", src.display());
    }
}
