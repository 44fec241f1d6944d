//! `--trace insn` and `--trace trap` of a tiny bare-metal program
//! (tests/bare/trace_demo.S), snapshot-tested: the boot ROM's reset vector, a
//! loop, a store and a load, a CSR read, an ecall into a handler and the mret
//! back. The program must also pass on QEMU, so the trace shows what real
//! hardware-compatible execution looks like.

use svemu::machine::Exit;
use svemu::trace::Category;
use svemu_tests::{bare, run_qemu, run_svemu, RunOptions};

#[test]
fn insn_and_trap_trace_of_a_tiny_program() {
    let kernel = bare("trace_demo");
    let run = run_svemu(&RunOptions { trace: &[Category::Insn, Category::Trap], ..RunOptions::new(&kernel) });
    assert_eq!(run.exit, Exit::PowerOff(0));
    // The loop adds 3 + 2 + 1; the load reads back what the store wrote.
    assert!(run.trace.contains("c.sd    a3,0(a4)"), "{}", run.trace);
    assert!(run.trace.contains("x15 0x0000000000000006"), "ld a5 must load 6:\n{}", run.trace);
    insta::assert_snapshot!(run.trace);
}

#[test]
fn traces_are_deterministic() {
    let kernel = bare("trace_demo");
    let opts = RunOptions { trace: &[Category::Insn, Category::Trap], ..RunOptions::new(&kernel) };
    assert_eq!(run_svemu(&opts).trace, run_svemu(&opts).trace);
}

#[test]
fn trace_demo_passes_on_qemu_too() {
    let (_, status) = run_qemu(&bare("trace_demo"), "128M", &[]);
    assert_eq!(status, 0, "QEMU exit status");
}
