//! Linux as a tested guest: the kernel of `make linux` (Debian's
//! linux-source-6.1, tinyconfig + tests/linux/svemu.config) boots under
//! Debian's OpenSBI (fw_jump) on 1 and 4 harts to the init of
//! tests/linux/init.c, which mounts procfs, devtmpfs and tmpfs, counts the
//! harts, mounts an ext2 virtio-blk disk, reads the host's file, writes its
//! own, and powers off. The console must equal QEMU's on the same images,
//! but for what legitimately differs: the boot hart (QEMU's OpenSBI picks
//! one by lottery) and the memory the kernel reserves for the device tree
//! (QEMU's is larger). QEMU runs with `-cpu rv64,h=false,pmu-num=29` so
//! its ISA string and delegations are svemu's, and it has svemu's 29 hpm
//! counters (OpenSBI prints their count).
//!
//! `make test` builds the kernel and passes LINUX_IMAGE and LINUX_INITRD;
//! without them the test says loudly that it did not run.

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use svemu::machine::Exit;
use svemu_tests::{qemu_disk_args, run_svemu, RunOptions};

const OPENSBI: &str = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";
const APPEND: &str = "console=ttyS0 initramfs_async=0";
const HOST_TEXT: &str = "hello from the host\n";
const GUEST_TEXT: &str = "written by the guest's init\n";

fn images() -> Option<(PathBuf, PathBuf)> {
    let image = std::env::var_os("LINUX_IMAGE").map(PathBuf::from);
    let initrd = std::env::var_os("LINUX_INITRD").map(PathBuf::from);
    match (image, initrd) {
        (Some(i), Some(r)) if i.exists() && r.exists() => Some((i, r)),
        (i, r) => {
            eprintln!(
                "\n*** LINUX TEST NOT RUN: the Linux guest is missing (LINUX_IMAGE={i:?}, LINUX_INITRD={r:?}); \
                 `make linux` builds it and `make test` passes it ***\n"
            );
            None
        }
    }
}

/// An e2fsprogs tool: in /usr/sbin, which a user's PATH may lack.
fn e2fs(tool: &str) -> Command {
    let sbin = Path::new("/usr/sbin").join(tool);
    Command::new(if sbin.exists() { sbin } else { PathBuf::from(tool) })
}

/// A 4 MiB ext2 image holding hello.txt.
fn ext2_disk(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svemu-linux-{}-{name}", std::process::id()));
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("hello.txt"), HOST_TEXT).unwrap();
    let img = dir.join("disk.img");
    let st = e2fs("mke2fs")
        .args(["-q", "-F", "-t", "ext2", "-d"])
        .arg(&files)
        .arg(&img)
        .arg("4M")
        .status()
        .expect("mke2fs runs (scripts/setup installs e2fsprogs)");
    assert!(st.success());
    img
}

/// The file `name` in the ext2 image, read on the host.
fn file_in(img: &Path, name: &str) -> String {
    let out = e2fs("debugfs").args(["-R", &format!("cat /{name}")]).arg(img).output().expect("debugfs runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Boots `image` on qemu-system-riscv64 with OpenSBI and `disk`; returns the
/// console and QEMU's exit status (124 when the 120 s timeout fired).
fn qemu(image: &Path, initrd: &Path, harts: usize, disk: &Path) -> (String, i32) {
    let out = Command::new("timeout")
        .args(["120", "qemu-system-riscv64", "-machine", "virt", "-cpu", "rv64,h=false,pmu-num=29"])
        .args(["-m", "128M", "-smp", &harts.to_string(), "-nographic", "-monitor", "none", "-serial", "stdio"])
        .args(["-bios", OPENSBI, "-append", APPEND])
        .arg("-kernel")
        .arg(image)
        .arg("-initrd")
        .arg(initrd)
        .args(qemu_disk_args(disk, ""))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("qemu-system-riscv64 runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

/// The console less what legitimately differs between the machines.
fn masked(console: &str) -> String {
    let rules = [
        (r"(Boot HART( ID)?\s*: )\d+", "${1}N"),
        (r"hartid \[\d+\]", "hartid [N]"),
        (r"Memory: \d+K/(\d+)K available \((.*), \d+K reserved", "Memory: NK/${1}K available (${2}, NK reserved"),
    ];
    let mut s = console.replace("\r\n", "\n");
    for (re, by) in rules {
        s = Regex::new(re).unwrap().replace_all(&s, by).into_owned();
    }
    s
}

fn boot(harts: usize) {
    let Some((image, initrd)) = images() else { return };
    let ours = ext2_disk(&format!("svemu{harts}"));
    let run = run_svemu(&RunOptions {
        bios: Some(Path::new(OPENSBI)),
        kernel: Some(&image),
        initrd: Some(&initrd),
        append: Some(APPEND),
        harts,
        drives: std::slice::from_ref(&ours),
        max_instructions: Some(3_000_000_000),
        ..RunOptions::new(&image)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    for line in [
        "Linux version 6.1".to_string(),
        "virtio_blk virtio0: [vda] 8192 512-byte logical blocks".into(),
        "Run /init as init process\ninit: hello from userspace\n".into(),
        format!("init: {harts} harts online\n"),
        format!("init: it says: {HOST_TEXT}"),
        "init: all done, powering off\n".into(),
        "reboot: Power down\n".into(),
    ] {
        assert!(run.console.replace("\r\n", "\n").contains(&line), "missing {line:?} in:\n{}", run.console);
    }
    assert!(!run.console.contains("FAIL"), "{}", run.console);
    assert_eq!(file_in(&ours, "guest.txt"), GUEST_TEXT, "the guest's file reached the disk image");

    let mut theirs = ext2_disk(&format!("qemu{harts}"));
    let (mut console, mut status) = qemu(&image, &initrd, harts, &theirs);
    if status == 124 {
        // The reference itself hung: in one of the dozen full test runs
        // of one session, QEMU 7.2 with 4 harts stopped after OpenSBI's
        // banner, before Linux printed a line (20 runs of this test alone
        // then passed, each in about a second). A second try on a fresh
        // disk decides.
        eprintln!("QEMU timed out (its console ends: {:?}); booting it again", console.lines().last());
        theirs = ext2_disk(&format!("qemu{harts}"));
        (console, status) = qemu(&image, &initrd, harts, &theirs);
    }
    assert_eq!(status, 0, "QEMU console:\n{console}");
    assert_eq!(masked(&run.console), masked(&console));
    assert_eq!(file_in(&theirs, "guest.txt"), GUEST_TEXT);
    for d in [ours, theirs] {
        std::fs::remove_dir_all(d.parent().unwrap()).ok();
    }
}

#[test]
fn linux_boots_to_init_mounts_a_disk_and_powers_off_one_hart() {
    boot(1);
}

#[test]
fn linux_boots_to_init_mounts_a_disk_and_powers_off_four_harts() {
    boot(4);
}
