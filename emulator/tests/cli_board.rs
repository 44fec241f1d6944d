//! The board flags of `svemu run` on bad input (one clear error line, no
//! guest started) and `--dumpdtb`.

use std::process::{Command, Output};

fn svemu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svemu")).args(args).output().expect("svemu runs")
}

fn check(o: &Output, code: i32, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_board_flags() {
    check(&svemu(&["run", "--kernel", "k", "--smp", "9"]), 2, "9 is not in 1..=8");
    check(&svemu(&["run", "--kernel", "k", "--smp", "0"]), 2, "0 is not in 1..=8");
    check(&svemu(&["run", "--bios", "none"]), 1, "nothing to run");
    // Disks are checked before anything else is loaded: the kernel need not exist.
    let o = svemu(&["run", "--kernel", "/nonexistent/k", "--drive", "/nonexistent/disk.img"]);
    check(&o, 1, "cannot use disk image '/nonexistent/disk.img': No such file or directory");
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1, "one error line");
    check(&svemu(&["run", "--bios", "/nonexistent/fw.bin"]), 1, "cannot read firmware '/nonexistent/fw.bin'");
    check(&svemu(&["run", "--kernel", "k", "--console-input", "/nonexistent/in"]), 1, "cannot read console input");
}

#[test]
fn dumpdtb_writes_the_device_tree_and_runs_nothing() {
    let dir = std::env::temp_dir().join(format!("svemu-cli-board-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A raw "firmware" that would hang if run: `j .`.
    let fw = dir.join("fw.bin");
    std::fs::write(&fw, 0x0000_006fu32.to_le_bytes()).unwrap();
    let dtb = dir.join("out.dtb");
    let o = svemu(&["run", "--bios", fw.to_str().unwrap(), "--smp", "3", "--dumpdtb", dtb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&dtb).unwrap();
    assert_eq!(bytes[..4], [0xd0, 0x0d, 0xfe, 0xed], "FDT magic");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("cpu@2") && !text.contains("cpu@3"), "three harts described");
    std::fs::remove_dir_all(&dir).ok();
}
