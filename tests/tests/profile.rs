//! `svemu run --profile`: a flat profile of where each hart retires its
//! instructions, by privilege mode and function, from the ELF's symbols.
//! `bare/profile_loop.S` does known amounts of work in named functions in
//! M- and U-mode; its profile must rank them by that work, and profiling
//! must not change the run.

use std::path::{Path, PathBuf};
use std::process::Command;

use svemu_tests::bare;

/// The `svemu` command `make all` builds.
fn svemu() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/svemu");
    assert!(p.exists(), "{} is missing: `make all` builds it", p.display());
    p
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("svemu-profile-{}-{name}", std::process::id()))
}

/// Runs the program with `extra` options; returns the exit status.
fn run(elf: &Path, extra: &[&str]) -> i32 {
    let out = Command::new("timeout")
        .arg("120")
        .arg(svemu())
        .args(["run", "--kernel"])
        .arg(elf)
        .args(extra)
        .output()
        .expect("svemu runs");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    out.status.code().unwrap_or(-1)
}

/// The flat profile's rows: (samples, mode, function).
fn rows(report: &str) -> Vec<(u64, String, String)> {
    report
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("samples"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].parse().unwrap(), w[2].to_string(), w[3].to_string())
        })
        .collect()
}

#[test]
fn the_hottest_function_is_on_top_with_its_mode_and_share() {
    let elf = bare("profile_loop");
    let file = tmp("report");
    let f = file.to_str().unwrap();
    assert_eq!(run(&elf, &["--profile", f, "--profile-every", "100"]), 0);
    let report = std::fs::read_to_string(&file).unwrap();
    let rows = rows(&report);
    // 30,000, 10,000 and 3,000 iterations of two instructions: 600, 200
    // and 60 samples of 100 instructions, give or take the calls around.
    let names: Vec<(&str, &str)> = rows.iter().map(|(_, m, f)| (m.as_str(), f.as_str())).collect();
    assert_eq!(names[..3], [("M", "hot_loop"), ("U", "user_loop"), ("M", "warm_loop")], "{report}");
    for ((n, _, f), expected) in rows.iter().zip([600, 200, 60]) {
        assert!(n.abs_diff(expected) <= 2, "{f}: {n} samples, not about {expected}:\n{report}");
    }
    // Hart 0's line: every sample, split by mode (U ~23%, S 0%, M ~77%).
    let hart0 = report.lines().find(|l| l.trim_start().starts_with("0 ")).unwrap_or_else(|| panic!("{report}"));
    let w: Vec<&str> = hart0.split_whitespace().collect();
    let total: u64 = w[1].parse().unwrap();
    assert_eq!(total, rows.iter().map(|r| r.0).sum::<u64>(), "{report}");
    assert_eq!(w[3], "0.00%", "{report}");
    let u: f64 = w[2].trim_end_matches('%').parse().unwrap();
    assert!((22.0..25.0).contains(&u), "{report}");
    // The caller section names hot_loop's return address: _start.
    assert!(report.contains("ra in _start"), "{report}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn profiling_is_deterministic_and_does_not_change_the_run() {
    let elf = bare("profile_loop");
    let (p1, p2, s1, s2) = (tmp("p1"), tmp("p2"), tmp("s1.json"), tmp("s2.json"));
    let arg = |p: &PathBuf| p.to_str().unwrap().to_string();
    assert_eq!(run(&elf, &["--profile", &arg(&p1), "--profile-every", "7", "--stats-json", &arg(&s1)]), 0);
    assert_eq!(run(&elf, &["--profile", &arg(&p2), "--profile-every", "7"]), 0);
    assert_eq!(run(&elf, &["--stats-json", &arg(&s2)]), 0);
    let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap();
    assert_eq!(read(&p1), read(&p2), "two profiles of one run differ");
    assert_eq!(read(&s1), read(&s2), "the profiled run's counters differ from the unprofiled run's");
    for p in [p1, p2, s1, s2] {
        let _ = std::fs::remove_file(p);
    }
}
