//! svos on svemu, as `make run` boots it (the shell running its scripted
//! demo): the console snapshot; the same console in Sv39 and Sv48; every
//! attack killed with the right signal while svos goes on; and the same image
//! on qemu-system-riscv64 printing the same console.

use svemu::machine::Exit;
use svemu_tests::{normalize_svos_console as normalize, parse_memory, run_qemu, run_svemu, svos_image, RunOptions};

/// Boot `make run`'s image on svemu with `append` as the command line.
fn svemu_console(append: &str) -> (Exit, String) {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(append),
        memory: parse_memory(&img.memory),
        max_instructions: Some(500_000_000),
        ..RunOptions::new(&img.kernel)
    });
    (run.exit, run.console)
}

#[test]
fn make_run_console() {
    let img = svos_image();
    let (exit, console) = svemu_console(&img.append);
    assert_eq!(exit, Exit::PowerOff(0), "console:\n{console}");
    assert!(console.contains("Hello from user space on svos!"), "{console}");
    assert!(console.contains("(no leak)"), "{console}");
    insta::assert_snapshot!(console);
}

#[test]
fn sv48_runs_the_same_demo() {
    let img = svos_image();
    let (_, sv39) = svemu_console(&img.append);
    let (exit, sv48) = svemu_console(&format!("{} vm=sv48", img.append));
    assert_eq!(exit, Exit::PowerOff(0), "console:\n{sv48}");
    assert!(sv48.contains("kernel page table on (Sv48)"), "{sv48}");
    // Everything but the lines naming the mode and the bootargs is the same,
    // once the DTB size (longer bootargs) and the free-frame counts (one
    // more page-table level) are masked.
    let differs = |l: &&str| l.contains("(Sv39)") || l.contains("(Sv48)") || l.contains("bootargs");
    let (sv39, sv48) = (normalize(&sv39), normalize(&sv48));
    let a: Vec<_> = sv39.lines().filter(|l| !differs(l)).collect();
    let b: Vec<_> = sv48.lines().filter(|l| !differs(l)).collect();
    assert_eq!(a, b);
}

/// Each attack of the demo is killed with the signal its fault calls for,
/// and the shell reports 128 + signal; the demo then goes on to the end.
#[test]
fn every_attack_is_killed_and_svos_goes_on() {
    let img = svos_image();
    let (exit, console) = svemu_console(&img.append);
    assert_eq!(exit, Exit::PowerOff(0));
    let expected = [
        ("kread", "load page fault at 0xffffffc080000000", "SIGSEGV"),
        ("kwrite", "store/AMO page fault at 0xffffffc0", "SIGSEGV"),
        ("null", "load page fault at 0x0,", "SIGSEGV"),
        ("noncanon", "load page fault at 0x800000000000", "SIGSEGV"),
        ("execdata", "instruction page fault", "SIGSEGV"),
        ("execstack", "instruction page fault at 0x3fffff", "SIGSEGV"),
        ("writetext", "store/AMO page fault at 0x10", "SIGSEGV"),
        ("csrr", "illegal instruction (stval 0x180022f3)", "SIGILL"),
        ("sret", "illegal instruction (stval 0x10200073)", "SIGILL"),
        ("sfence", "illegal instruction (stval 0x12000073)", "SIGILL"),
    ];
    for (attack, cause, signal) in expected {
        let start = console.find(&format!("$ attack {attack}\n")).unwrap_or_else(|| panic!("no attack {attack}"));
        let block: Vec<&str> = console[start..].lines().take(4).collect();
        assert!(block[2].contains(cause) && block[2].contains(signal), "attack {attack}: {block:?}");
        let status = if signal == "SIGSEGV" { "exit 139 (SIGSEGV)" } else { "exit 132 (SIGILL)" };
        assert!(block[3].ends_with(status), "attack {attack}: {block:?}");
    }
    assert!(console.contains("spawn: reaped 50 of 50, 50 exited 0"), "{console}");
    assert!(console.ends_with("[svos] power off\n"));
}

/// Boot the image with `append` on svemu and on QEMU (one hart each) and
/// compare the consoles line by line (masking only the DTB-size effects).
fn same_console_as_qemu(append: &str) {
    let img = svos_image();
    let (exit, svemu) = svemu_console(append);
    assert_eq!(exit, Exit::PowerOff(0));
    let initrd = img.initrd.to_str().unwrap();
    let (qemu, status) = run_qemu(&img.kernel, &img.memory, &["-initrd", initrd, "-append", append]);
    assert_eq!(status, 0, "QEMU console:\n{qemu}");
    let (svemu, qemu) = (normalize(&svemu), normalize(&qemu));
    for (n, (a, b)) in svemu.lines().zip(qemu.lines()).enumerate() {
        assert_eq!(a, b, "line {} differs (svemu, then QEMU)", n + 1);
    }
    assert_eq!(svemu.lines().count(), qemu.lines().count(), "svemu:\n{svemu}\nQEMU:\n{qemu}");
}

#[test]
fn svemu_and_qemu_print_the_same_console() {
    same_console_as_qemu(&svos_image().append);
}

#[test]
fn svemu_and_qemu_print_the_same_console_in_sv48() {
    same_console_as_qemu(&format!("{} vm=sv48", svos_image().append));
}
