//! Real firmware nobody here wrote: Debian's OpenSBI (fw_jump) as --bios and
//! Debian's U-Boot for S-mode as --kernel, with a virtio disk attached, on 1
//! and 4 harts. OpenSBI must state the platform facts, U-Boot must reach its
//! prompt and answer typed commands (from a deterministic console script),
//! and `poweroff` must stop the machine through SBI and the test device.
//! The console is snapshotted, less the two package version lines.

use std::path::Path;

use svemu::machine::Exit;
use svemu_tests::{run_svemu, RunOptions};

const OPENSBI: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";
const UBOOT: &str = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin";
/// One key to stop autoboot once U-Boot asks for it (a key typed earlier
/// is dropped when U-Boot resets the UART's FIFOs, as on QEMU), then the
/// commands, each at the prompt.
const SCRIPT: &str = "expect autoboot:\ntype \\n\nexpect => \nsend version\nexpect => \nsend bdinfo\n\
                      expect => \nsend virtio scan; virtio info\nexpect => \nsend poweroff\n";

fn boot(harts: usize) -> String {
    for f in [OPENSBI, UBOOT] {
        assert!(Path::new(f).exists(), "{f} is missing: scripts/setup installs the opensbi and u-boot-qemu packages");
    }
    let disk = std::env::temp_dir().join(format!("svemu-uboot-{}-{harts}.img", std::process::id()));
    std::fs::write(&disk, vec![0u8; 4 << 20]).unwrap();
    let run = run_svemu(&RunOptions {
        bios: Some(Path::new(OPENSBI)),
        kernel: Some(Path::new(UBOOT)),
        harts,
        drives: std::slice::from_ref(&disk),
        console_script: Some(SCRIPT),
        max_instructions: Some(400_000_000),
        ..RunOptions::new(Path::new(UBOOT))
    });
    std::fs::remove_file(&disk).ok();
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    // OpenSBI and U-Boot end lines with CR LF.
    let console = run.console.replace("\r\n", "\n");
    let facts = [
        format!("Platform HART Count       : {harts}\n"),
        "Platform Name             : riscv-virtio,qemu\n".into(),
        "Boot HART Base ISA        : rv64imafdc\n".into(),
        "Domain0 Next Address      : 0x0000000080200000\n".into(),
        "Domain0 Next Mode         : S-mode\n".into(),
        "=> version\nU-Boot 20".into(),
        "DRAM:  128 MiB\n".into(),
        "-> size     = 0x0000000008000000\n".into(),
        "Device 0: QEMU VirtIO Block Device\n".into(),
        "Capacity: 4.0 MB = 0.0 GB (8192 x 512)\n".into(),
        "=> poweroff\n".into(),
    ];
    for f in &facts {
        assert!(console.contains(f.as_str()), "missing {f:?} in:\n{console}");
    }
    // The package versions may move with Debian point releases.
    console
        .lines()
        .map(|l| {
            if l.starts_with("OpenSBI v") {
                "OpenSBI [version]"
            } else if l.starts_with("U-Boot 20") {
                "U-Boot [version]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn opensbi_and_u_boot_one_hart() {
    insta::assert_snapshot!(boot(1));
}

#[test]
fn opensbi_and_u_boot_four_harts() {
    insta::assert_snapshot!(boot(4));
}
