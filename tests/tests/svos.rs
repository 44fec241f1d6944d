//! svos on svemu, as `make run` boots it: the console snapshot, and the same
//! image on qemu-system-riscv64 printing the same console.

use svemu::machine::Exit;
use svemu_tests::{normalize_svos_console as normalize, parse_memory, run_qemu, run_svemu, svos_image, RunOptions};

fn svemu_console() -> (Exit, String, u64) {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(&img.append),
        memory: parse_memory(&img.memory),
        ..RunOptions::new(&img.kernel)
    });
    (run.exit, run.console, run.instructions)
}

#[test]
fn make_run_console() {
    let (exit, console, instructions) = svemu_console();
    assert_eq!(exit, Exit::PowerOff(0), "console:\n{console}");
    assert!(console.contains("Hello from user space on svos!"), "{console}");
    assert!(console.contains("killed by signal 11 (SIGSEGV)"), "{console}");
    assert!(instructions > 0);
    insta::assert_snapshot!(console);
}

#[test]
fn svemu_and_qemu_print_the_same_console() {
    let img = svos_image();
    let (exit, svemu, _) = svemu_console();
    assert_eq!(exit, Exit::PowerOff(0));
    let initrd = img.initrd.to_str().unwrap();
    let (qemu, status) = run_qemu(&img.kernel, &img.memory, &["-initrd", initrd, "-append", &img.append]);
    assert_eq!(status, 0, "QEMU console:\n{qemu}");
    let (svemu, qemu) = (normalize(&svemu), normalize(&qemu));
    for (n, (a, b)) in svemu.lines().zip(qemu.lines()).enumerate() {
        assert_eq!(a, b, "line {} differs (svemu, then QEMU)", n + 1);
    }
    assert_eq!(svemu.lines().count(), qemu.lines().count(), "svemu:\n{svemu}\nQEMU:\n{qemu}");
}
