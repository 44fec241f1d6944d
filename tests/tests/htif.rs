//! HTIF in the Spike convention: a program with `tohost`/`fromhost` symbols
//! prints through the syscall proxy and ends the run with its exit status.

use svemu::machine::Exit;
use svemu_tests::{bare, run_svemu, RunOptions};

#[test]
fn syscall_proxy_write_and_exit_status() {
    let run = run_svemu(&RunOptions { max_instructions: Some(1_000_000), ..RunOptions::new(&bare("htif_hello")) });
    assert_eq!(run.console, "hello through HTIF\n");
    // (7 << 1) | 1 written to tohost: exit status 7, after a few dozen instructions.
    assert_eq!(run.exit, Exit::PowerOff(7));
    assert!(run.instructions < 100, "the run went on after the exit request: {}", run.instructions);
}
