//! `svemu run --save-at ICOUNT FILE` and `--restore FILE` on the svos demo
//! (the image of `make run`, from SVOS_KERNEL, SVOS_INITRD and
//! SVOS_APPEND) on two harts: the run up to the checkpoint followed by the
//! restored run prints the same console and writes the same trace, byte
//! for byte, as the uninterrupted run; and bad checkpoint files get one
//! clear error line.

use std::path::PathBuf;
use std::process::{Command, Output};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests with `make test`"))
}

/// A path in a directory of this test process and `test`'s own.
fn tmp(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svemu-checkpoint-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The svos demo on two harts with traps, CSR writes and A/D updates traced
/// to `trace`, and `extra` arguments.
fn svos(trace: &std::path::Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svemu"))
        .args(["run", "--kernel", &var("SVOS_KERNEL"), "--initrd", &var("SVOS_INITRD")])
        .args(["--append", &var("SVOS_APPEND"), "-m", &var("SVOS_MEMORY"), "--smp", "2"])
        .args(["--trace", "trap,csr,pte", "--trace-file", trace.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("svemu runs")
}

#[test]
fn save_at_then_restore_gives_the_uninterrupted_console_and_trace() {
    let t = |name| tmp("equal", name);
    let (ta, t1, t2, ck) = (t("a.trace"), t("1.trace"), t("2.trace"), t("demo.svc"));
    let whole = svos(&ta, &[]);
    assert_eq!(whole.status.code(), Some(0), "{}", String::from_utf8_lossy(&whole.stderr));
    // Stop at the checkpoint (mid-round on two harts, in the middle of the demo).
    let n = "25000001";
    let first = svos(&t1, &["--save-at", n, ck.to_str().unwrap(), "--max-insns", n]);
    assert_eq!(first.status.code(), Some(124), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("checkpoint at 25000001 instructions written"));
    let rest = svos(&t2, &["--restore", ck.to_str().unwrap()]);
    assert_eq!(rest.status.code(), Some(0), "{}", String::from_utf8_lossy(&rest.stderr));
    assert!(!first.stdout.is_empty() && !rest.stdout.is_empty(), "the checkpoint splits the console");
    let console = [first.stdout, rest.stdout].concat();
    assert!(console == whole.stdout, "console differs:\n{}", String::from_utf8_lossy(&console));
    let (a, b, c) = (std::fs::read(&ta).unwrap(), std::fs::read(&t1).unwrap(), std::fs::read(&t2).unwrap());
    assert!(!b.is_empty() && !c.is_empty(), "the checkpoint splits the trace");
    assert!([b, c].concat() == a, "trace differs from the uninterrupted run's");
    let _ = std::fs::remove_dir_all(ta.parent().unwrap());
}

#[test]
fn bad_checkpoints_get_one_error_line() {
    let bad = tmp("bad", "bad.svc");
    let run = |file: &PathBuf| {
        Command::new(env!("CARGO_BIN_EXE_svemu"))
            .args(["run", "--kernel", &var("SVOS_KERNEL"), "--restore", file.to_str().unwrap()])
            .output()
            .expect("svemu runs")
    };
    let check = |o: Output, needle: &str| {
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(needle) && err.lines().count() == 1, "{err}");
    };
    std::fs::write(&bad, b"not a checkpoint").unwrap();
    check(run(&bad), "is not an svemu checkpoint");
    let mut v4 = b"SVEMUCKP".to_vec();
    v4.extend_from_slice(&4u32.to_le_bytes());
    std::fs::write(&bad, &v4).unwrap();
    check(run(&bad), "has format version 4; this svemu reads version 3");
    check(run(&tmp("bad", "missing.svc")), "cannot read checkpoint");
    let _ = std::fs::remove_dir_all(bad.parent().unwrap());
}
