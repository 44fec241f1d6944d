//! svos on svemu, as `make run` boots it: the console snapshot, and the same
//! image on qemu-system-riscv64 printing the same console.

use regex::Regex;
use svemu::machine::Exit;
use svemu_tests::{parse_memory, run_qemu, run_svemu, svos_image, RunOptions};

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

/// Replace the parts of svos's boot lines that depend on the size of the
/// device tree, which QEMU makes larger than svemu (it describes devices
/// svemu does not have): the DTB's end address and the free-frame counts.
/// The leak check stays: the free-frame counts before and after must match.
fn normalize(console: &str) -> String {
    let dtb = Regex::new(r"dtb (0x[0-9a-f]+)\.\.0x[0-9a-f]+").unwrap();
    let frames = Regex::new(r"\d+ free frames of \d+ \(\d+ KiB\)").unwrap();
    let leak = Regex::new(r"free frames (\d+) -> (\d+)").unwrap();
    if let Some(c) = leak.captures(console) {
        assert_eq!(c[1], c[2], "frames leaked: {}", &c[0]);
    }
    let s = dtb.replace_all(console, "dtb $1..END");
    let s = frames.replace_all(&s, "N free frames of N (N KiB)");
    leak.replace_all(&s, "free frames N -> N").into_owned()
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
