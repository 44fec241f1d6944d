//! Differential testing against QEMU: random instruction sequences
//! (tests/src/diff.rs) must leave the same registers and fflags on svemu as
//! on qemu-system-riscv64. `make test` compares 300 sequences; `make
//! diff-test N=10000` compares more (SVEMU_DIFF_SEQUENCES, SVEMU_DIFF_SEED).

use std::path::{Path, PathBuf};
use std::process::Command;

use svemu::machine::Exit;
use svemu_tests::diff::program;
use svemu_tests::{run_qemu, run_svemu, RunOptions};

/// Sequences per program (one QEMU boot each) and instructions per sequence.
const BATCH: usize = 100;
const LENGTH: usize = 40;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Assemble and link generated source into an ELF next to it.
fn build(source: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join(format!("{name}.S"));
    let elf = dir.join(format!("{name}.elf"));
    std::fs::write(&src, source).expect("write generated source");
    let bare = Path::new(env!("CARGO_MANIFEST_DIR")).join("bare");
    let status = Command::new("riscv64-unknown-elf-gcc")
        .args(["-march=rv64gc", "-mabi=lp64d", "-nostdlib", "-nostartfiles", "-static", "-g0", "-T"])
        .arg(bare.join("link.ld"))
        .arg("-I")
        .arg(&bare)
        .arg(&src)
        .arg("-o")
        .arg(&elf)
        .status()
        .expect("riscv64-unknown-elf-gcc runs");
    assert!(status.success(), "generated program {} does not assemble", src.display());
    elf
}

/// The output of each sequence, keyed by the sequence number it printed.
fn per_sequence(console: &str) -> Vec<&str> {
    console.split('S').skip(1).collect()
}

#[test]
fn random_sequences_match_qemu() {
    let total = env_number("SVEMU_DIFF_SEQUENCES", 300) as usize;
    let seed = env_number("SVEMU_DIFF_SEED", 1);
    let (mut compared, mut differed) = (0usize, 0usize);
    let mut reports = Vec::new();
    for batch in 0..total.div_ceil(BATCH) {
        let n = BATCH.min(total - batch * BATCH);
        let batch_seed = seed.wrapping_mul(1_000_003).wrapping_add(batch as u64);
        let source = program(batch_seed, n, LENGTH);
        let elf = build(&source, &format!("diff-{batch_seed}"));
        let run = run_svemu(&RunOptions { max_instructions: Some(50_000_000), ..RunOptions::new(&elf) });
        assert_eq!(run.exit, Exit::PowerOff(0), "seed {batch_seed}: svemu did not finish");
        let (qemu, status) = run_qemu(&elf, "128M", &[]);
        assert_eq!(status, 0, "seed {batch_seed}: QEMU did not finish");
        let (ours, theirs) = (per_sequence(&run.console), per_sequence(&qemu));
        assert_eq!(theirs.len(), n, "seed {batch_seed}: QEMU printed {} of {n} sequences", theirs.len());
        assert_eq!(ours.len(), n, "seed {batch_seed}: svemu printed {} of {n} sequences", ours.len());
        for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            compared += 1;
            if a != b {
                differed += 1;
                if reports.len() < 5 {
                    let start = source.find(&format!("seq_{k}:")).unwrap();
                    let end = source[start..].find("DUMP").map_or(source.len(), |e| start + e);
                    reports.push(format!(
                        "seed {batch_seed} sequence {k}:\n{}\nsvemu: S{a}\nQEMU:  S{b}",
                        &source[start..end]
                    ));
                }
            }
        }
    }
    eprintln!("differential test: {compared} sequences compared with QEMU, {differed} differed");
    assert!(differed == 0, "{differed} of {compared} sequences differ; first ones:\n{}", reports.join("\n"));
}
