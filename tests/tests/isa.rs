//! The self-checking ISA programs (`tests/bare/isa_*.S`) on svemu and on
//! qemu-system-riscv64: each ends with EXIT_PASS, or EXIT_FAIL(n) naming the
//! first check that failed; both machines must pass every program.

use svemu::machine::Exit;
use svemu_tests::{bare, run_qemu, run_svemu, RunOptions};

fn both_pass(name: &str) {
    let elf = bare(name);
    let run = run_svemu(&RunOptions { max_instructions: Some(10_000_000), ..RunOptions::new(&elf) });
    assert_eq!(run.exit, Exit::PowerOff(0), "{name} on svemu: check {:?} failed", run.exit);
    let (console, status) = run_qemu(&elf, "128M", &[]);
    assert_eq!(status, 0, "{name} on QEMU: check {status} failed (console: {console})");
}

#[test]
fn integer() {
    both_pass("isa_int");
}

#[test]
fn misaligned_accesses() {
    both_pass("isa_misaligned");
}

#[test]
fn atomics() {
    both_pass("isa_atomic");
}

#[test]
fn single_precision() {
    both_pass("isa_float");
}

#[test]
fn double_precision() {
    both_pass("isa_double");
}

#[test]
fn compressed() {
    both_pass("isa_compressed");
}

#[test]
fn counters_and_their_enables() {
    both_pass("isa_counters");
}

#[test]
fn fs_off_traps_and_dirty_tracking() {
    both_pass("isa_fs_off");
}

#[test]
fn insn_trace_shows_f_register_writes() {
    use svemu::trace::Category;
    let elf = bare("isa_double");
    let run = run_svemu(&RunOptions { trace: &[Category::Insn], ..RunOptions::new(&elf) });
    assert_eq!(run.exit, Exit::PowerOff(0));
    // fdiv.d fa4, fa0, fa1 (1/3) writes f14; fmv.x.d then writes the same bits to a1 (x11).
    let line = run.trace.lines().find(|l| l.contains("fdiv.d")).expect("an fdiv.d line");
    assert!(line.ends_with("f14 0x3fd5555555555555"), "{line}");
    let line = run.trace.lines().find(|l| l.contains("fcvt.s.d")).expect("an fcvt.s.d line");
    assert!(line.contains(" f14 0xffffffff3fddb3d7"), "{line}");
}

#[test]
fn self_modifying_code() {
    both_pass("isa_smc");
}
