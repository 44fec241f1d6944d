//! `make bench`: run each workload on svemu and on qemu-system-riscv64 (the
//! same image, the same machine, the same run, several repetitions), print
//! instructions retired, MIPS and the svemu/QEMU time ratio per workload, and
//! save the table as JSON.
//!
//! Times are wall-clock medians over `BENCH_REPS` runs (default 3) with the
//! spread (min..max). Each machine's start-up and power-off cost, measured
//! on a program that does nothing (`bench_null`), is subtracted, so MIPS
//! reflect execution. Instruction counts come from svemu (`--stats`); the
//! workloads are deterministic and print a checksum that must be the same on
//! both machines, so QEMU retires the same instructions.
//!
//! Usage: bench [--json FILE] [--svemu PATH] [--reps N]; run by `make bench`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::json;
use svemu_tests::{bare, normalize_svos_console};

struct Workload {
    name: &'static str,
    what: &'static str,
    kernel: PathBuf,
    /// Extra arguments for both machines (initrd, bootargs).
    initrd: Option<PathBuf>,
    append: Option<String>,
}

struct Sample {
    median: f64,
    min: f64,
    max: f64,
    console: String,
}

fn measure(reps: usize, mut run: impl FnMut() -> (f64, String)) -> Sample {
    let mut times = Vec::new();
    let mut console = String::new();
    for _ in 0..reps {
        let (t, c) = run();
        times.push(t);
        console = c;
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Sample { median: times[times.len() / 2], min: times[0], max: times[times.len() - 1], console }
}

fn timed(cmd: &mut Command) -> (f64, String, String) {
    let start = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let t = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    (t, String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn svemu_cmd(svemu: &Path, w: &Workload) -> Command {
    let mut c = Command::new(svemu);
    c.args(["run", "--stats", "--kernel"]).arg(&w.kernel);
    if let Some(i) = &w.initrd {
        c.arg("--initrd").arg(i);
    }
    if let Some(a) = &w.append {
        c.args(["--append", a]);
    }
    c
}

fn qemu_cmd(w: &Workload) -> Command {
    let mut c = Command::new("qemu-system-riscv64");
    c.args(["-machine", "virt", "-bios", "none", "-m", "128M", "-smp", "1", "-nographic", "-kernel"]).arg(&w.kernel);
    if let Some(i) = &w.initrd {
        c.arg("-initrd").arg(i);
    }
    if let Some(a) = &w.append {
        c.args(["-append", a]);
    }
    c
}

fn instructions(stats: &str) -> u64 {
    stats
        .lines()
        .find_map(|l| l.strip_prefix("svemu: ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no --stats line in: {stats}"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut json_path = PathBuf::from("build/bench.json");
    let mut svemu = PathBuf::from("target/release/svemu");
    let mut reps: usize = std::env::var("BENCH_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json_path = args.next().expect("--json FILE").into(),
            "--svemu" => svemu = args.next().expect("--svemu PATH").into(),
            "--reps" => reps = args.next().and_then(|v| v.parse().ok()).expect("--reps N"),
            _ => panic!("usage: bench [--json FILE] [--svemu PATH] [--reps N]"),
        }
    }
    let reps = reps.max(1);
    let bare_w = |name: &'static str, what: &'static str| Workload {
        name,
        what,
        kernel: bare(&format!("bench_{name}")),
        initrd: None,
        append: None,
    };
    let mut workloads = vec![
        bare_w("intmix", "integer/branch mix: lists, matrices, state machine, CRC"),
        bare_w("memcopy", "memory copy and string code"),
        bare_w("tlb_sv39", "Sv39 stride over 32768 pages"),
        bare_w("tlb_sv39_sfence", "Sv39 stride, sfence.vma every 64 pages"),
        bare_w("tlb_sv48", "Sv48 stride over 32768 pages"),
        bare_w("tlb_sv48_sfence", "Sv48 stride, sfence.vma every 64 pages"),
    ];
    if let (Ok(k), Ok(i)) = (std::env::var("SVOS_KERNEL"), std::env::var("SVOS_INITRD")) {
        workloads.push(Workload {
            name: "svos_boot",
            what: "svos boot to its first program (hello), then power off",
            kernel: k.into(),
            initrd: Some(i.into()),
            append: Some("init=hello".into()),
        });
    }

    let null = bare_w("null", "start-up baseline");
    let svemu_base = measure(reps, || {
        let (t, out, _) = timed(&mut svemu_cmd(&svemu, &null));
        (t, out)
    });
    let qemu_base = measure(reps, || {
        let (t, out, _) = timed(&mut qemu_cmd(&null));
        (t, out)
    });
    println!(
        "start-up baseline (subtracted): svemu {:.3} s, qemu-system-riscv64 {:.3} s; {reps} runs each, median (min..max)",
        svemu_base.median, qemu_base.median
    );
    println!(
        "{:<16} {:>12} {:>22} {:>9} {:>22} {:>9} {:>8}",
        "workload", "instructions", "svemu s", "MIPS", "qemu s", "MIPS", "ratio"
    );
    let mut rows = Vec::new();
    for w in &workloads {
        let mut insns = 0;
        let s = measure(reps, || {
            let (t, out, err) = timed(&mut svemu_cmd(&svemu, w));
            insns = instructions(&err);
            (t, out)
        });
        let q = measure(reps, || {
            let (t, out, _) = timed(&mut qemu_cmd(w));
            (t, out)
        });
        let same = if w.initrd.is_some() {
            normalize_svos_console(&s.console) == normalize_svos_console(&q.console)
        } else {
            s.console == q.console
        };
        assert!(same, "{}: svemu and QEMU printed different consoles:\n{}\n{}", w.name, s.console, q.console);
        let net = |x: f64, base: f64| (x - base).max(1e-3);
        let (st, qt) = (net(s.median, svemu_base.median), net(q.median, qemu_base.median));
        let (smips, qmips) = (insns as f64 / st / 1e6, insns as f64 / qt / 1e6);
        // How many times longer svemu takes than QEMU (below 1: svemu is faster).
        let ratio = st / qt;
        println!(
            "{:<16} {:>12} {:>8.3} ({:.3}..{:.3}) {:>9.1} {:>8.3} ({:.3}..{:.3}) {:>9.1} {:>8.2}",
            w.name,
            insns,
            st,
            net(s.min, svemu_base.median),
            net(s.max, svemu_base.median),
            smips,
            qt,
            net(q.min, qemu_base.median),
            net(q.max, qemu_base.median),
            qmips,
            ratio
        );
        rows.push(json!({
            "workload": w.name, "what": w.what, "instructions": insns, "reps": reps,
            "svemu": {"seconds": st, "min": net(s.min, svemu_base.median), "max": net(s.max, svemu_base.median), "mips": smips},
            "qemu": {"seconds": qt, "min": net(q.min, qemu_base.median), "max": net(q.max, qemu_base.median), "mips": qmips},
            "ratio_svemu_over_qemu_time": ratio,
        }));
    }
    let doc = json!({
        "baseline": {"svemu_seconds": svemu_base.median, "qemu_seconds": qemu_base.median},
        "workloads": rows,
    });
    if let Some(dir) = json_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&json_path, serde_json::to_string_pretty(&doc).unwrap()).expect("write the JSON table");
    println!("table saved to {}", json_path.display());
}
