//! Device behaviour equal to QEMU 7.2's, shown by bare-metal programs that
//! poke the registers in the orders drivers use and print what they saw:
//! each runs on svemu and on qemu-system-riscv64, and both must print the
//! expected text (the values are in the programs' comments).

use svemu::machine::Exit;
use svemu_tests::{bare, qemu_disk_args, run_qemu, run_svemu, RunOptions};

/// Run `program` on both machines with `harts` harts; both must power off
/// with `expected`.
fn same_on_both(program: &str, harts: usize, expected: &str) {
    let kernel = bare(program);
    let run = run_svemu(&RunOptions { harts, ..RunOptions::new(&kernel) });
    assert_eq!(run.exit, Exit::PowerOff(0), "svemu console: {}", run.console);
    assert_eq!(run.console, expected, "svemu, {harts} harts");
    let (qemu, status) = run_qemu(&kernel, "128M", &["-smp", &harts.to_string()]);
    assert_eq!((status, qemu.as_str()), (0, expected), "QEMU, {harts} harts");
}

#[test]
fn uart_registers_conditions_and_plic_gateway_as_qemu() {
    same_on_both(
        "uart_plic_rules",
        1,
        "abcd\n01 60 08 b0 00 00 0c 00 00 04 02 04 0a 01 04 0a 00 00 00 0a 04 00 0a 00 04 04 0a c1 c2 c1 f0 61 c4 04 \
         7a c1 60 0a 06 63 61 04 32 01 5a 01 00 ff 07 0a 0a 05 \n",
    );
}

#[test]
fn thr_empty_interrupts_once_per_transmission_for_a_driver_that_never_reads_iir() {
    // On 1 and 3 harts (the others park in WFI), as a small kernel would run.
    for harts in [1, 3] {
        same_on_both("uart_thre_irq", harts, "xyz\n04\n");
    }
}

#[test]
fn clint_sifive_test_and_virtio_mmio_registers_as_qemu() {
    let dir = std::env::temp_dir().join(format!("svemu-board-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expected =
        "00000000 00000001 00000008 00000000 12345678 ffffffff 00000000 00000080 00000001 00000000 ffffffff \
                    00000005 ffffffff 74726976 00000002 00000002 554d4551 00000000 00000000 00000400 00000000 00000000 \
                    00000000 ffffffff 00002000 00000003 00000000 74726976 00000000 00000000 \n";
    let kernel = bare("board_rules");
    let ours = dir.join("svemu.img");
    std::fs::write(&ours, vec![0u8; 4 << 20]).unwrap();
    let run = run_svemu(&RunOptions { drives: std::slice::from_ref(&ours), ..RunOptions::new(&kernel) });
    assert_eq!((run.exit, run.console.as_str()), (Exit::PowerOff(0), expected), "svemu");
    let theirs = dir.join("qemu.img");
    std::fs::write(&theirs, vec![0u8; 4 << 20]).unwrap();
    let disk = qemu_disk_args(&theirs, "");
    let (qemu, status) = run_qemu(&kernel, "128M", &disk.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((status, qemu.as_str()), (0, expected), "QEMU");
    std::fs::remove_dir_all(&dir).ok();
}
