//! Interrupts and harts on the whole board, each program also run on QEMU:
//! UART receive interrupts through the PLIC into S-mode, and four harts
//! woken by CLINT IPIs that share a counter through LR/SC and sleep on
//! their own timers.

use svemu::machine::Exit;
use svemu_tests::{bare, run_qemu, run_qemu_with_input, run_svemu, RunOptions};

#[test]
fn uart_receive_interrupts_reach_s_mode_through_the_plic() {
    let kernel = bare("uart_irq");
    let input = b"ping 42\n";
    let run = run_svemu(&RunOptions { console_input: input, ..RunOptions::new(&kernel) });
    assert_eq!(run.exit, Exit::PowerOff(0), "console: {}", run.console);
    // Deterministic: the script delivers a byte whenever the receiver is
    // empty, so one interrupt drains the whole line; the bytes received
    // while it was claimed left the PLIC's pending bit set (its gateway
    // latches each rising report, as QEMU's), so a second interrupt finds
    // nothing left. QEMU, whose input arrives at host speed, also mostly
    // says 2.
    assert_eq!(run.console, "got: ping 42\ninterrupts: 2\n");

    let (qemu, status) = run_qemu_with_input(&kernel, "128M", &[], input);
    assert_eq!(status, 0, "QEMU console: {qemu}");
    assert!(qemu.starts_with("got: ping 42\ninterrupts: "), "QEMU console: {qemu}");
}

#[test]
fn four_harts_ipis_lr_sc_and_per_hart_timers() {
    let kernel = bare("smp");
    let run = run_svemu(&RunOptions { harts: 4, ..RunOptions::new(&kernel) });
    assert_eq!(run.exit, Exit::PowerOff(0), "console: {}", run.console);
    assert_eq!(run.console, "4 harts, counter exact\n");
    let again = run_svemu(&RunOptions { harts: 4, ..RunOptions::new(&kernel) });
    assert_eq!(again.instructions, run.instructions, "SMP runs are deterministic");

    let (qemu, status) = run_qemu(&kernel, "128M", &["-smp", "4"]);
    assert_eq!((status, qemu.as_str()), (0, "4 harts, counter exact\n"));
}
