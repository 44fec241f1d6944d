//! `make bench`: measure svemu against the targets of issues 7 and 15.
//!
//! Each workload runs on svemu and on qemu-system-riscv64 (the same image,
//! the same machine, several repetitions) and, where it can, on rvemu (a
//! public Rust interpreter, through `rvemu_run`). Printed, in order:
//! - per workload: instructions retired, seconds, MIPS and the svemu/QEMU
//!   time ratio; then rvemu's seconds and MIPS and svemu's speed over rvemu's;
//! - memory: svemu's host peak RSS, the guest RAM resident on the host and
//!   the difference (svemu's own memory), per workload and for the null
//!   workload with `-m 4G` (guest RAM is reserved lazily);
//! - tracing: `--trace insn` events per second to a file, and the cost of
//!   tracing compiled in but off (against a build without the `trace`
//!   feature: host instructions under callgrind, and wall-clock);
//! - host instructions per guest instruction (callgrind) per workload,
//!   beside issue 15's Spike figures, targets and svemu's earlier cost;
//! - start-up: process start to the first guest instruction;
//! - the targets table: each target of issue 7, the value measured, met or
//!   missed by how much.
//!
//! Times are wall-clock medians over `BENCH_REPS` rounds (default 3) with
//! the spread (min..max); in each round svemu, QEMU and rvemu run the
//! workload one after the other, so a change in the host's load hits all
//! three alike. Where wall-clock time cannot resolve the question (the
//! trace-off cost; svemu against rvemu as a cross-check) callgrind's host
//! instruction counts, which the load does not disturb, are given as well.
//! Each machine's start-up and power-off cost, measured
//! on a program that does nothing (`bench_null`), is subtracted, so MIPS
//! reflect execution. Instruction counts come from svemu (`--stats`); the
//! workloads are deterministic and print a checksum that must be the same on
//! every machine, so QEMU retires the same instructions. The bench fails
//! (exit status 1) when svemu's and QEMU's consoles differ or svemu fails;
//! a tool that is missing (QEMU excepted) gives "n/a" and the reason. The
//! table is saved as JSON.
//!
//! Usage: bench [--json FILE] [--svemu PATH] [--svemu-notrace PATH]
//! [--rvemu PATH] [--reps N]; run by `make bench`.

mod cpio;
mod parse;
mod run;
mod targets;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use svemu_tests::{bare, normalize_svos_console, qemu_disk_args};

use parse::SvemuStats;
use run::{measure, measure_rounds, timed_expect, Runner, Sample};
use targets::{judge, Goal, Target};

/// Concurrent fork + execve of `worker` in `svos_forkexec`: svos has 128
/// process slots (`MAX_PROCS`); init (`spawn`) takes one.
const SPAWN_WORKERS: usize = 127;
/// Instructions of intmix run with `--trace insn` for the events-per-second row.
const TRACE_INSNS: u64 = 5_000_000;
/// Instructions of intmix run under callgrind for the trace-off cost.
const CALLGRIND_INSNS: u64 = 2_000_000;
/// Guest instructions of each workload (its first ones, or all when it
/// is shorter) run under callgrind for the host-instructions-per-guest-
/// instruction table.
const CALLGRIND_WINDOW: u64 = 5_000_000;
/// svemu's host instructions per guest instruction on the MMU workloads at
/// the start of issue 15's work (main 398f60f, measured as [`cost_table`]
/// does): issue 15 asks for no loss on them.
const BEFORE_TLB_SV39: f64 = 120.1;
const BEFORE_TLB_SV39_SFENCE: f64 = 99.5;
const BEFORE_TLB_SV48: f64 = 123.1;
const BEFORE_TLB_SV48_SFENCE: f64 = 101.9;
const BEFORE_PAGEFAULT: f64 = 185.6;
/// Runs of the start-up measure; the best counts.
const STARTUP_RUNS: usize = 20;

/// Which issue-7 speed target a workload belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    /// Integer code: at least 1/3 of QEMU's speed.
    Integer,
    /// TLB-miss, sfence.vma or page-fault heavy: at least QEMU's speed.
    Translation,
    /// Reported only.
    Other,
}

struct Workload {
    name: &'static str,
    what: String,
    kernel: PathBuf,
    initrd: Option<PathBuf>,
    append: Option<String>,
    /// RAM on both machines (`-m`); `None`: 128 MiB (svemu's default).
    memory: Option<&'static str>,
    /// A raw disk image attached to both machines as virtio-blk.
    drive: Option<PathBuf>,
    class: Class,
    rvemu: RvemuPeer,
    /// Issue 15's figures for the first [`CALLGRIND_WINDOW`] guest
    /// instructions, in host instructions per guest instruction.
    cost: Cost,
}

/// What svemu's host instructions per guest instruction are held against.
#[derive(Clone, Copy, Default)]
struct Cost {
    /// Spike's figure for this kind of code (issue 15: CoreMark 36, an
    /// integer loop 32, a Sv39 TLB-miss stride 534), the interpreter to beat.
    spike: Option<f64>,
    /// Issue 15's target: at most this many.
    target: Option<f64>,
    /// svemu at the start of issue 15's work (main 398f60f), for the
    /// "no loss on MMU workloads" target: at most this many.
    before: Option<f64>,
}

/// How svemu's speed on a workload is compared with rvemu's.
#[derive(Clone, Copy)]
struct RvemuPeer {
    /// Why rvemu cannot run the workload; `None` when it can.
    na: Option<&'static str>,
    /// When it cannot: the workload whose rvemu speed stands in.
    proxy: &'static str,
    /// When rvemu cannot be built at all: issue 7's rvemu speed for similar
    /// code (MIPS, and which code).
    figure: (f64, &'static str),
}

/// rvemu 0.0.11 translates only Sv39 (satp MODE 9 leaves paging off).
const RVEMU_NO_SV48: &str = "rvemu 0.0.11 implements Sv39 only";
/// rvemu 0.0.11 loads a flat image: no initrd, no device tree in a1.
const RVEMU_NO_SVOS: &str = "rvemu 0.0.11 cannot pass svos an initrd or a device tree";
/// Issue 7's rvemu figures (MIPS), used when rvemu cannot be built.
const FIGURE_COREMARK: (f64, &str) = (29.0, "CoreMark");
const FIGURE_LOOP: (f64, &str) = (31.0, "a tight loop");
const FIGURE_STRIDE: (f64, &str) = (16.0, "a Sv39 TLB-miss stride");

/// rvemu runs the workload itself.
const fn rvemu_runs(figure: (f64, &'static str)) -> RvemuPeer {
    RvemuPeer { na: None, proxy: "", figure }
}

/// rvemu cannot run the workload (`why`); its speed on `proxy` stands in.
const fn rvemu_cannot(why: &'static str, proxy: &'static str, figure: (f64, &'static str)) -> RvemuPeer {
    RvemuPeer { na: Some(why), proxy, figure }
}

struct Options {
    json: PathBuf,
    svemu: PathBuf,
    svemu_notrace: Option<PathBuf>,
    rvemu: Option<PathBuf>,
    reps: usize,
}

fn options() -> Options {
    let mut o = Options {
        json: "build/bench.json".into(),
        svemu: "target/release/svemu".into(),
        svemu_notrace: None,
        rvemu: None,
        reps: std::env::var("BENCH_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3),
    };
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench [--json FILE] [--svemu PATH] [--svemu-notrace PATH] [--rvemu PATH] [--reps N]";
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| fail(usage));
        match a.as_str() {
            "--json" => o.json = value().into(),
            "--svemu" => o.svemu = value().into(),
            "--svemu-notrace" => o.svemu_notrace = Some(value().into()),
            "--rvemu" => o.rvemu = Some(value().into()),
            "--reps" => o.reps = value().parse().unwrap_or_else(|_| fail(usage)),
            _ => fail(usage),
        }
    }
    o.reps = o.reps.max(1);
    o
}

fn fail(msg: &str) -> ! {
    eprintln!("bench: error: {msg}");
    std::process::exit(1)
}

/// Unwrap a run of a machine the bench cannot do without (svemu, QEMU).
fn must<T>(r: Result<T, String>) -> T {
    r.unwrap_or_else(|e| fail(&e))
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
    if let Some(m) = w.memory {
        c.args(["-m", m]);
    }
    if let Some(d) = &w.drive {
        c.arg("--drive").arg(d);
    }
    c
}

fn qemu_cmd(w: &Workload) -> Command {
    let mut c = Command::new("qemu-system-riscv64");
    let memory = w.memory.unwrap_or("128M");
    c.args(["-machine", "virt", "-bios", "none", "-m", memory, "-smp", "1", "-nographic", "-kernel"]).arg(&w.kernel);
    if let Some(i) = &w.initrd {
        c.arg("-initrd").arg(i);
    }
    if let Some(a) = &w.append {
        c.args(["-append", a]);
    }
    if let Some(d) = &w.drive {
        c.args(qemu_disk_args(d, ""));
    }
    c
}

fn stats_of(stderr: &str) -> SvemuStats {
    parse::svemu_stats(stderr).unwrap_or_else(|| fail(&format!("no --stats lines in svemu's stderr:\n{stderr}")))
}

/// Seconds of a run minus the machine's start-up baseline (at least 1 ms).
fn net(seconds: f64, base: f64) -> f64 {
    (seconds - base).max(1e-3)
}

/// Net seconds of a sample as printed: median (min..max).
fn spread(x: &Sample, base: f64) -> String {
    format!("{:.3} ({:.3}..{:.3})", net(x.median, base), net(x.min, base), net(x.max, base))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// The measured rows of one workload.
struct Row {
    insns: u64,
    /// Net seconds on svemu and QEMU (medians).
    svemu_s: f64,
    qemu_s: f64,
    /// Net seconds of the fastest and slowest run, svemu then QEMU.
    svemu_range: (f64, f64),
    qemu_range: (f64, f64),
    stats: SvemuStats,
    console: String,
    /// rvemu's runs (raw), or why there are none.
    rvemu: Result<Sample, String>,
}

fn main() {
    let o = options();
    let reps = o.reps;
    let bare_w = |name: &'static str, what: &str, class: Class, rvemu: RvemuPeer| Workload {
        name,
        what: what.into(),
        kernel: bare(&format!("bench_{name}")),
        initrd: None,
        append: None,
        memory: None,
        drive: None,
        class,
        rvemu,
        cost: Cost::default(),
    };
    let before = |w: Workload, before: f64| Workload { cost: Cost { before: Some(before), ..w.cost }, ..w };
    let mut workloads = vec![
        bare_w(
            "intmix",
            "integer/branch mix: lists, matrices, state machine, CRC",
            Class::Integer,
            rvemu_runs(FIGURE_COREMARK),
        ),
        bare_w("memcopy", "memory copy and string code", Class::Integer, rvemu_runs(FIGURE_LOOP)),
        Workload {
            cost: Cost { spike: Some(36.0), target: Some(24.0), before: None },
            ..bare_w(
                "coremark",
                "CoreMark-like (rv64gc): list find/sort, matrix, state machine, CRC; checked CRC",
                Class::Integer,
                rvemu_runs(FIGURE_COREMARK),
            )
        },
        Workload {
            cost: Cost { spike: Some(32.0), target: Some(20.0), before: None },
            ..bare_w(
                "intloop",
                "tight integer loop (rv64gc): xorshift, multiply, branch; checked result",
                Class::Integer,
                rvemu_runs(FIGURE_LOOP),
            )
        },
        Workload {
            cost: Cost { spike: Some(534.0), target: None, before: Some(BEFORE_TLB_SV39) },
            ..bare_w("tlb_sv39", "Sv39 stride over 32768 pages", Class::Translation, rvemu_runs(FIGURE_STRIDE))
        },
        before(
            bare_w(
                "tlb_sv39_sfence",
                "Sv39 stride, sfence.vma every 64 pages",
                Class::Translation,
                rvemu_runs(FIGURE_STRIDE),
            ),
            BEFORE_TLB_SV39_SFENCE,
        ),
        before(
            bare_w(
                "tlb_sv48",
                "Sv48 stride over 32768 pages",
                Class::Translation,
                rvemu_cannot(RVEMU_NO_SV48, "tlb_sv39", FIGURE_STRIDE),
            ),
            BEFORE_TLB_SV48,
        ),
        before(
            bare_w(
                "tlb_sv48_sfence",
                "Sv48 stride, sfence.vma every 64 pages",
                Class::Translation,
                rvemu_cannot(RVEMU_NO_SV48, "tlb_sv39_sfence", FIGURE_STRIDE),
            ),
            BEFORE_TLB_SV48_SFENCE,
        ),
        before(
            bare_w(
                "pagefault",
                "Sv39 demand paging in S-mode: fault, map, sfence.vma by VA, sret; unmap (4096 pages x 100)",
                Class::Translation,
                rvemu_runs(FIGURE_STRIDE),
            ),
            BEFORE_PAGEFAULT,
        ),
    ];
    // Workloads that cannot run here: name, what, why.
    let mut unavailable: Vec<(&str, String, String)> = Vec::new();
    match (std::env::var("SVOS_KERNEL"), std::env::var("SVOS_INITRD")) {
        (Ok(k), Ok(i)) => {
            let programs = std::fs::read(&i).ok().and_then(|b| cpio::names(&b)).unwrap_or_default();
            let svos = |name, what: String, class, prog: &str, append: String| {
                if programs.iter().any(|p| p == prog) {
                    Ok(Workload {
                        name,
                        what,
                        kernel: k.clone().into(),
                        initrd: Some(i.clone().into()),
                        append: Some(append),
                        memory: None,
                        drive: None,
                        class,
                        rvemu: rvemu_cannot(RVEMU_NO_SVOS, "intmix", FIGURE_COREMARK),
                        cost: Cost::default(),
                    })
                } else {
                    Err((name, what, format!("program '{prog}' not in the initrd {i}")))
                }
            };
            let mut add = |r: Result<Workload, (&'static str, String, String)>| match r {
                Ok(w) => workloads.push(w),
                Err(na) => unavailable.push(na),
            };
            add(svos(
                "svos_boot",
                "svos boot to its first program (hello), then power off".into(),
                Class::Other,
                "hello",
                "init=hello".into(),
            ));
            add(svos(
                "svos_pagefault",
                "svos: memory-user 64 2, a page-fault storm".into(),
                Class::Translation,
                "memory-user",
                "init=memory-user:64:2".into(),
            ));
            add(svos(
                "svos_forkexec",
                format!("svos: spawn {SPAWN_WORKERS}, concurrent fork + execve + exit of worker"),
                Class::Translation,
                "spawn",
                format!("init=spawn:{SPAWN_WORKERS}"),
            ));
            // Swap: thrash walks 32 MiB twice and checks it once in a 32 MiB
            // machine (about 22 MiB of frames), swapping to a zeroed 64 MiB
            // raw image next to the JSON file, made anew for each bench.
            let disk = o.json.with_file_name("bench-swap.img");
            let made = disk.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| {
                let f = std::fs::File::create(&disk)?;
                f.set_len(64 << 20)
            });
            add(svos(
                "svos_thrash",
                "svos: thrash 32 2 in 32 MiB of RAM, swapping to a 64 MiB virtio-blk disk".into(),
                Class::Translation,
                "thrash",
                "init=thrash:32:2".into(),
            )
            .and_then(|w| match made {
                Ok(()) => Ok(Workload { memory: Some("32M"), drive: Some(disk.clone()), ..w }),
                Err(e) => Err((w.name, w.what, format!("cannot make the swap disk {}: {e}", disk.display()))),
            }));
        }
        _ => unavailable.push(("svos_*", "svos workloads".into(), "SVOS_KERNEL and SVOS_INITRD not set".into())),
    }

    // Start-up baselines, subtracted from every run of the same machine.
    // rvemu runs where its runner exists; runs of svemu, QEMU and rvemu
    // alternate, so a change in the host's load hits all three alike.
    let null = bare_w("null", "start-up baseline", Class::Other, rvemu_runs(FIGURE_LOOP));
    let rvemu_runner = match &o.rvemu {
        None => Err("no rvemu runner given (--rvemu)".to_string()),
        Some(p) if !p.exists() => Err(format!("rvemu runner {} not built", p.display())),
        Some(p) => Ok(p.clone()),
    };
    let rvemu_cmd = |runner: &Path, w: &Workload| {
        let mut c = Command::new(runner);
        c.arg(&w.kernel);
        c
    };
    let rounds = |w: &Workload, rvemu: bool| {
        let mut runners: Vec<Runner> = vec![
            Box::new(|| timed_expect(&mut svemu_cmd(&o.svemu, w), 0)),
            Box::new(|| timed_expect(&mut qemu_cmd(w), 0)),
        ];
        if let (true, Ok(r)) = (rvemu, &rvemu_runner) {
            runners.push(Box::new(|| timed_expect(&mut rvemu_cmd(r, w), 0)));
        }
        let mut samples = measure_rounds(reps, &mut runners).into_iter();
        let (s, q) = (must(samples.next().unwrap()), must(samples.next().unwrap()));
        let rv = match (rvemu, &rvemu_runner) {
            (false, _) => Err(w.rvemu.na.unwrap_or("not run").to_string()),
            (true, Err(e)) => Err(e.clone()),
            (true, Ok(_)) => samples.next().unwrap(),
        };
        (s, q, rv)
    };
    let (svemu_base, qemu_base, rvemu_null) = rounds(&null, true);
    println!(
        "start-up baseline (subtracted): svemu {:.3} s, qemu-system-riscv64 {:.3} s; {reps} runs each, median (min..max)",
        svemu_base.median, qemu_base.median
    );
    let null_stats = stats_of(&svemu_base.last.stderr);
    let rvemu_base = rvemu_null.and_then(|s| {
        let insns = parse::rvemu_instructions(&s.last.stderr).ok_or("no summary line from rvemu_run")?;
        // rvemu starts at the ELF entry; svemu first runs the boot ROM, as QEMU does.
        let rom =
            null_stats.instructions.checked_sub(insns).ok_or("rvemu retires more than svemu on the null workload")?;
        Ok(Base { seconds: s.median, rom_insns: rom })
    });

    // svemu and QEMU.
    println!(
        "\n{:<16} {:>12} {:>22} {:>9} {:>22} {:>9} {:>8}",
        "workload", "instructions", "svemu s", "MIPS", "qemu s", "MIPS", "ratio"
    );
    println!(
        "(seconds: median (min..max), start-up subtracted; ratio: svemu's time over QEMU's, above 1 = svemu slower)"
    );
    let mut rows = Vec::new();
    for w in &workloads {
        let (s, q, rv) = rounds(w, w.rvemu.na.is_none() && rvemu_base.is_ok());
        let same = if w.initrd.is_some() {
            normalize_svos_console(&s.last.stdout) == normalize_svos_console(&q.last.stdout)
        } else {
            s.last.stdout == q.last.stdout
        };
        if !same {
            fail(&format!(
                "{}: svemu and QEMU printed different consoles:\n--- svemu\n{}\n--- qemu\n{}",
                w.name, s.last.stdout, q.last.stdout
            ));
        }
        let stats = stats_of(&s.last.stderr);
        let (st, qt) = (net(s.median, svemu_base.median), net(q.median, qemu_base.median));
        let insns = stats.instructions;
        // How many times longer svemu takes than QEMU (below 1: svemu is faster).
        println!(
            "{:<16} {:>12} {:>22} {:>9.1} {:>22} {:>9.1} {:>8.2}",
            w.name,
            insns,
            spread(&s, svemu_base.median),
            insns as f64 / st / 1e6,
            spread(&q, qemu_base.median),
            insns as f64 / qt / 1e6,
            st / qt
        );
        rows.push(Row {
            insns,
            svemu_s: st,
            qemu_s: qt,
            svemu_range: (net(s.min, svemu_base.median), net(s.max, svemu_base.median)),
            qemu_range: (net(q.min, qemu_base.median), net(q.max, qemu_base.median)),
            stats,
            console: s.last.stdout.clone(),
            rvemu: rv,
        });
    }
    for (name, _, why) in &unavailable {
        println!("{name:<16} n/a: {why}");
    }

    // rvemu.
    let rvemu = rvemu_table(&workloads, &rows, &rvemu_base);
    let rvemu_built = rvemu_base.is_ok();

    // Memory.
    println!(
        "\nmemory (svemu --stats): host peak RSS, guest RAM resident on the host, and svemu's own (the difference)"
    );
    println!("{:<16} {:>8} {:>14} {:>14} {:>14}", "workload", "-m", "peak RSS MiB", "guest RAM MiB", "svemu own MiB");
    let mut own = Vec::new();
    let memory_row = |name: &str, m: &str, s: &SvemuStats| -> Option<f64> {
        let (Some(rss), Some(guest)) = (s.peak_rss, s.guest_resident) else {
            println!("{name:<16} {m:>8} n/a: svemu printed no memory figures");
            return None;
        };
        let own = mib(rss.saturating_sub(guest));
        println!("{name:<16} {m:>8} {:>14.1} {:>14.1} {own:>14.1}", mib(rss), mib(guest));
        Some(own)
    };
    for (w, r) in workloads.iter().zip(&rows) {
        if let Some(x) = memory_row(w.name, "128M", &r.stats) {
            own.push((w.name, x));
        }
    }
    let null_128m = null_stats;
    let null_4g = stats_of(&must(timed_expect(svemu_cmd(&o.svemu, &null).args(["-m", "4G"]), 0)).stderr);
    memory_row("null", "128M", &null_128m);
    memory_row("null", "4G", &null_4g);

    // Tracing.
    let intmix = &workloads[0];
    let trace = trace_rows(&o, intmix, rows[0].insns, svemu_base.median);

    let rvemu_cg = rvemu_callgrind(&o, intmix, &trace.svemu_callgrind, rvemu_built);
    if let Err(e) = &rvemu_cg {
        println!("\nsvemu vs rvemu, callgrind: n/a: {e}");
    }

    // Host instructions per guest instruction.
    let costs = cost_table(&o, &workloads, &rows, &null);

    // Start-up.
    let startup = startup_row(&o.svemu, &null);

    // Targets.
    let mut table = Vec::new();
    for (w, r) in workloads.iter().zip(&rows) {
        let speed = r.qemu_s / r.svemu_s;
        let measured = format!("{:.2} of QEMU's speed ({} {:.3} s vs {:.3} s)", speed, w.name, r.svemu_s, r.qemu_s);
        match w.class {
            Class::Integer => table.push(Target {
                target: format!("integer code >= 1/3 QEMU's speed: {}", w.name),
                measured,
                verdict: judge(speed, Goal::AtLeast(1.0 / 3.0), ""),
            }),
            Class::Translation => table.push(Target {
                target: format!("TLB/sfence/page-fault heavy >= QEMU's speed: {}", w.name),
                measured,
                verdict: judge(speed, Goal::AtLeast(1.0), ""),
            }),
            Class::Other => {}
        }
    }
    for (w, (r, rv)) in workloads.iter().zip(rows.iter().zip(&rvemu)) {
        let svemu_mips = r.insns as f64 / r.svemu_s / 1e6;
        let proxy = workloads.iter().position(|p| p.name == w.rvemu.proxy).and_then(|i| rvemu[i].as_ref().ok());
        let (rvemu_mips, source) = match (rv, proxy) {
            (Ok(m), _) => (Some(m.mips), "measured".to_string()),
            (Err(why), Some(p)) => (Some(p.mips), format!("on {}: n/a here, {why}", w.rvemu.proxy)),
            (Err(why), None) if !rvemu_built => {
                let (figure, code) = w.rvemu.figure;
                (Some(figure), format!("issue 7's figure for {code}: rvemu n/a, {why}"))
            }
            (Err(why), None) => (None, why.clone()),
        };
        let cg = match (&rvemu_cg, w.name) {
            (Ok(x), "intmix") => format!("; by callgrind {x:.2}x"),
            _ => String::new(),
        };
        table.push(match rvemu_mips {
            Some(rm) => Target {
                target: format!(">= 10x rvemu's speed: {}", w.name),
                measured: format!(
                    "{:.1}x (svemu {svemu_mips:.1} MIPS, rvemu {rm:.1} MIPS {source}){cg}",
                    svemu_mips / rm
                ),
                verdict: judge(svemu_mips / rm, Goal::AtLeast(10.0), "x"),
            },
            None => Target {
                target: format!(">= 10x rvemu's speed: {}", w.name),
                measured: format!("svemu {svemu_mips:.1} MIPS"),
                verdict: Err(format!("not measured: {source}")),
            },
        });
    }
    for (w, c) in workloads.iter().zip(&costs) {
        let goals = [
            (w.cost.target, format!("issue 15: <= {} host instructions per guest instruction", fmt_opt(w.cost.target))),
            (w.cost.before, format!("issue 15: MMU workload no slower than before ({})", fmt_opt(w.cost.before))),
        ];
        for (goal, what) in goals {
            let Some(g) = goal else { continue };
            table.push(match c {
                Ok(x) => Target {
                    target: format!("{what}: {}", w.name),
                    measured: format!(
                        "{x:.1} host instructions per guest instruction (callgrind{})",
                        w.cost.spike.map_or(String::new(), |s| format!("; Spike {s:.0}"))
                    ),
                    verdict: judge(*x, Goal::AtMost(g), ""),
                },
                Err(e) => Target {
                    target: format!("{what}: {}", w.name),
                    measured: "-".into(),
                    verdict: Err(format!("not measured: {e}")),
                },
            });
        }
    }
    table.push(trace.off_target());
    table.push(trace.events_target());
    let worst = own.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
    table.push(match worst {
        Some((name, x)) => Target {
            target: "svemu's RSS beyond touched guest RAM < 32 MiB".into(),
            measured: format!("{x:.1} MiB at most ({name}, of {} workloads)", own.len()),
            verdict: judge(x, Goal::Below(32.0), " MiB"),
        },
        None => Target {
            target: "svemu's RSS beyond touched guest RAM < 32 MiB".into(),
            measured: "-".into(),
            verdict: Err("not measured: svemu printed no memory figures".into()),
        },
    });
    table.push(lazy_ram_target(&null_128m, &null_4g));
    table.push(Target {
        target: "start-up to the first guest instruction < 10 ms".into(),
        measured: format!("{:.2} ms (best of {STARTUP_RUNS}, process start to exit, --max-insns 1)", startup * 1e3),
        verdict: judge(startup * 1e3, Goal::Below(10.0), " ms"),
    });
    for (name, what, why) in &unavailable {
        table.push(Target {
            target: format!("{what} ({name})"),
            measured: "-".into(),
            verdict: Err(format!("n/a: {why}")),
        });
    }
    println!("\ntargets of issue 7 (speeds: wall-clock, start-up subtracted; {reps} runs, median)");
    print!("{}", targets::render(&table));

    let doc = json!({
        "reps": reps,
        "baseline": {"svemu_seconds": svemu_base.median, "qemu_seconds": qemu_base.median},
        "workloads": workloads.iter().zip(rows.iter().zip(&rvemu)).map(|(w, (r, rv))| json!({
            "workload": w.name, "what": w.what, "instructions": r.insns,
            "svemu": {"seconds": r.svemu_s, "min": r.svemu_range.0, "max": r.svemu_range.1,
                      "mips": r.insns as f64 / r.svemu_s / 1e6,
                      "peak_rss_bytes": r.stats.peak_rss, "guest_ram_resident_bytes": r.stats.guest_resident},
            "qemu": {"seconds": r.qemu_s, "min": r.qemu_range.0, "max": r.qemu_range.1,
                     "mips": r.insns as f64 / r.qemu_s / 1e6},
            "ratio_svemu_over_qemu_time": r.svemu_s / r.qemu_s,
            "host_instructions_per_guest_instruction": match &costs[workloads.iter().position(|x| x.name == w.name).unwrap()] {
                Ok(x) => json!(x), Err(e) => json!({"n/a": e}) },
            "spike_host_instructions_per_guest_instruction": w.cost.spike,
            "rvemu": match rv { Ok(m) => json!({"seconds": m.seconds, "mips": m.mips, "instructions": m.insns}),
                                Err(why) => json!({"n/a": why}) },
        })).collect::<Vec<_>>(),
        "not_available": unavailable.iter().map(|(n, w, why)| json!({"workload": n, "what": w, "why": why})).collect::<Vec<_>>(),
        "memory_null": {"128M": memory_json(&null_128m), "4G": memory_json(&null_4g)},
        "trace": trace.to_json(),
        "startup_seconds": startup,
        "svemu_speed_over_rvemu_callgrind_intmix": match &rvemu_cg { Ok(x) => json!(x), Err(e) => json!({"n/a": e}) },
        "targets": targets::to_json(&table),
    });
    if let Some(dir) = o.json.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&o.json, serde_json::to_string_pretty(&doc).unwrap())
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", o.json.display())));
    println!("table saved to {}", o.json.display());
}

fn memory_json(s: &SvemuStats) -> Value {
    json!({"peak_rss_bytes": s.peak_rss, "guest_ram_resident_bytes": s.guest_resident})
}

/// Guest RAM is reserved lazily when a 4 GiB RAM leaves the null workload
/// as resident as a 128 MiB one (within 1 MiB).
fn lazy_ram_target(m128: &SvemuStats, m4g: &SvemuStats) -> Target {
    let target = "guest RAM reserved lazily (-m 4G costs nothing until used)".to_string();
    match (m128.peak_rss, m4g.peak_rss, m4g.guest_resident) {
        (Some(small), Some(big), Some(guest)) => {
            let growth = mib(big.saturating_sub(small));
            Target {
                target,
                measured: format!(
                    "null -m 4G: peak RSS {:.1} MiB ({growth:.2} MiB more than -m 128M), guest RAM resident {:.2} MiB",
                    mib(big),
                    mib(guest)
                ),
                verdict: judge(growth, Goal::Below(1.0), " MiB"),
            }
        }
        _ => Target {
            target,
            measured: "-".into(),
            verdict: Err("not measured: svemu printed no memory figures".into()),
        },
    }
}

/// rvemu's run of one workload.
struct RvemuRun {
    seconds: f64,
    mips: f64,
    insns: u64,
    /// Net seconds, median (min..max), as printed.
    spread: String,
}

/// Print rvemu's table: per workload its speed (checked against svemu's
/// console and instruction count), or why there is none.
fn rvemu_table(workloads: &[Workload], rows: &[Row], base: &Result<Base, String>) -> Vec<Result<RvemuRun, String>> {
    println!(
        "\nrvemu 0.0.11 (crates.io), same images: start-up baseline {}",
        match base {
            Ok(b) => format!("{:.3} s (subtracted); svemu's boot ROM adds {} instructions", b.seconds, b.rom_insns),
            Err(e) => format!("n/a: {e}"),
        }
    );
    println!(
        "{:<16} {:>22} {:>9} {:>11} {:>13} {:>6}",
        "workload", "rvemu s", "MIPS", "svemu MIPS", "svemu/rvemu", ">=10x"
    );
    let mut out = Vec::new();
    for (w, r) in workloads.iter().zip(rows) {
        let result = base.clone().and_then(|b| rvemu_checked(r.rvemu.as_ref().map_err(|e| e.clone())?, &b, r));
        let svemu_mips = r.insns as f64 / r.svemu_s / 1e6;
        match &result {
            Ok(m) => println!(
                "{:<16} {:>22} {:>9.1} {svemu_mips:>11.1} {:>12.1}x {:>6}",
                w.name,
                m.spread,
                m.mips,
                svemu_mips / m.mips,
                if svemu_mips / m.mips >= 10.0 { "met" } else { "missed" }
            ),
            Err(why) => println!("{:<16} n/a: {why}", w.name),
        }
        out.push(result);
    }
    out
}

/// rvemu's start-up: seconds, and how many more instructions svemu retires
/// on the same program (its boot ROM).
#[derive(Clone)]
struct Base {
    seconds: f64,
    rom_insns: u64,
}

/// rvemu's runs of one workload, accepted when its console equals svemu's
/// and it retired the same instructions (boot ROM aside).
fn rvemu_checked(s: &Sample, base: &Base, svemu: &Row) -> Result<RvemuRun, String> {
    if s.last.stdout != svemu.console {
        return Err(format!("rvemu printed {:?}, svemu {:?}", s.last.stdout, svemu.console));
    }
    let insns = parse::rvemu_instructions(&s.last.stderr).ok_or("no summary line from rvemu_run")?;
    if insns + base.rom_insns != svemu.insns {
        return Err(format!(
            "rvemu retired {insns} instructions, svemu {} ({} in its boot ROM)",
            svemu.insns, base.rom_insns
        ));
    }
    let seconds = net(s.median, base.seconds);
    Ok(RvemuRun { seconds, mips: insns as f64 / seconds / 1e6, insns, spread: spread(s, base.seconds) })
}

/// The two tracing measures.
struct Trace {
    /// `--trace insn` to a file: events written per second (or why not measured).
    events_per_s: Result<f64, String>,
    /// Cost of tracing compiled in but off, in percent: by callgrind host
    /// instructions (deterministic) and by wall-clock medians.
    off_callgrind: Result<f64, String>,
    off_wall: Result<f64, String>,
    /// Host instructions of svemu (tracing compiled in) over the first
    /// `CALLGRIND_INSNS` guest instructions of intmix.
    svemu_callgrind: Result<u64, String>,
}

impl Trace {
    fn events_target(&self) -> Target {
        let target = "--trace insn to a file >= 10 M events/s".to_string();
        match self.events_per_s {
            Ok(e) => Target {
                target,
                measured: format!("{:.2} M events/s (intmix)", e / 1e6),
                verdict: judge(e / 1e6, Goal::AtLeast(10.0), " M/s"),
            },
            Err(ref why) => Target { target, measured: "-".into(), verdict: Err(format!("not measured: {why}")) },
        }
    }

    fn off_target(&self) -> Target {
        let target = "tracing compiled in but off costs < 2%".to_string();
        let wall = match &self.off_wall {
            Ok(p) => format!("wall-clock {p:+.2}%"),
            Err(e) => format!("wall-clock n/a: {e}"),
        };
        match &self.off_callgrind {
            Ok(p) => Target {
                target,
                measured: format!("{p:+.3}% host instructions (callgrind, intmix); {wall}"),
                verdict: judge(*p, Goal::Below(2.0), "%"),
            },
            Err(e) => match self.off_wall {
                Ok(p) => Target {
                    target,
                    measured: format!("{wall} (callgrind n/a: {e})"),
                    verdict: judge(p, Goal::Below(2.0), "%"),
                },
                Err(_) => Target { target, measured: "-".into(), verdict: Err(format!("not measured: {e}; {wall}")) },
            },
        }
    }

    fn to_json(&self) -> Value {
        let v = |r: &Result<f64, String>| match r {
            Ok(x) => json!(x),
            Err(e) => json!({"n/a": e}),
        };
        json!({"insn_events_per_second": v(&self.events_per_s), "off_cost_percent_callgrind": v(&self.off_callgrind),
               "off_cost_percent_wall": v(&self.off_wall)})
    }
}

/// Measure tracing on intmix (whose run retires `insns` instructions) and print its rows.
fn trace_rows(o: &Options, intmix: &Workload, insns: u64, svemu_base: f64) -> Trace {
    println!("\ntracing (intmix)");
    // --trace insn to a file, stopped by --max-insns before the end.
    let n = TRACE_INSNS.min(insns / 2);
    let file = o.json.with_file_name("bench-trace.txt");
    let events_per_s = measure(o.reps, || {
        let mut c = svemu_cmd(&o.svemu, intmix);
        c.args(["--max-insns", &n.to_string(), "--trace", "insn", "--trace-file"]).arg(&file);
        timed_expect(&mut c, 124)
    })
    .and_then(|s| {
        let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let events = bytes.iter().filter(|&&b| b == b'\n').count() as f64;
        let t = net(s.median, svemu_base);
        println!(
            "--trace insn --trace-file: {events} events ({:.1} MB) in {t:.3} s: {:.2} M events/s",
            bytes.len() as f64 / 1e6,
            events / t / 1e6
        );
        Ok(events / t)
    });
    let _ = std::fs::remove_file(&file);
    if let Err(e) = &events_per_s {
        println!("--trace insn --trace-file: n/a: {e}");
    }

    // Tracing compiled in but off, against the build without it.
    let notrace = match &o.svemu_notrace {
        Some(p) if p.exists() => Ok(p.clone()),
        Some(p) => Err(format!("{} not built", p.display())),
        None => Err("no build without tracing given (--svemu-notrace)".into()),
    };
    let percent = |with: f64, without: f64| 100.0 * (with - without) / without;
    let off_wall = notrace.clone().and_then(|nt| {
        // Alternate the two builds, so drift in the machine's load hits both.
        let (mut with, mut without) = (Vec::new(), Vec::new());
        for _ in 0..o.reps {
            with.push(timed_expect(&mut svemu_cmd(&o.svemu, intmix), 0)?.seconds);
            without.push(timed_expect(&mut svemu_cmd(&nt, intmix), 0)?.seconds);
        }
        with.sort_by(f64::total_cmp);
        without.sort_by(f64::total_cmp);
        let (a, b) = (run::median(&with), run::median(&without));
        println!(
            "trace off, wall-clock: with tracing compiled in {a:.3} s, without {b:.3} s (medians, start-up included)"
        );
        Ok(percent(a, b))
    });
    let count = |svemu: &Path| {
        let mut c = Command::new(svemu);
        c.args(["run", "--kernel"]).arg(&intmix.kernel).args(["--max-insns", &CALLGRIND_INSNS.to_string()]);
        callgrind(c)
    };
    let svemu_callgrind = count(&o.svemu);
    let off_callgrind = notrace.and_then(|nt| {
        let (a, b) = (svemu_callgrind.clone()?, count(&nt)?);
        println!(
            "trace off, callgrind ({CALLGRIND_INSNS} guest instructions): {a} host instructions with tracing compiled in, {b} without"
        );
        Ok(percent(a as f64, b as f64))
    });
    for (what, r) in [("wall-clock", &off_wall), ("callgrind", &off_callgrind)] {
        match r {
            Ok(p) => println!("trace off, {what}: {p:+.3}%"),
            Err(e) => println!("trace off, {what}: n/a: {e}"),
        }
    }
    Trace { events_per_s, off_callgrind, off_wall, svemu_callgrind }
}

/// Host instructions callgrind counts over the run of `cmd`, which must
/// end with status 124 (its instruction limit).
fn callgrind(cmd: Command) -> Result<u64, String> {
    callgrind_expect(cmd, 124)
}

/// Host instructions callgrind counts over the run of `cmd`, which must
/// end with status `want`.
fn callgrind_expect(cmd: Command, want: i32) -> Result<u64, String> {
    let mut c = Command::new("valgrind");
    c.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"]).arg(cmd.get_program()).args(cmd.get_args());
    let r = timed_expect(&mut c, want)?;
    parse::callgrind_collected(&r.stderr).ok_or_else(|| "no 'Collected' line from callgrind".into())
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.0}"))
}

/// Print and return svemu's host instructions per guest instruction
/// (callgrind, deterministic) over each workload's first
/// [`CALLGRIND_WINDOW`] guest instructions (all of them when it is
/// shorter), the null workload's start-up and power-off subtracted, beside
/// issue 15's Spike figures and targets.
fn cost_table(o: &Options, workloads: &[Workload], rows: &[Row], null: &Workload) -> Vec<Result<f64, String>> {
    println!(
        "\nhost instructions per guest instruction (callgrind, first {CALLGRIND_WINDOW} guest instructions, start-up subtracted)"
    );
    let null_insns = stats_of(&must(timed_expect(&mut svemu_cmd(&o.svemu, null), 0)).stderr).instructions;
    let base = callgrind_expect(svemu_cmd(&o.svemu, null), 0);
    println!("{:<16} {:>8} {:>8} {:>8} {:>8}", "workload", "svemu", "Spike", "target", "before");
    let mut out = Vec::new();
    for (w, r) in workloads.iter().zip(rows) {
        let cost = base.clone().and_then(|b| {
            let mut c = svemu_cmd(&o.svemu, w);
            let (n, host) = if r.insns > CALLGRIND_WINDOW {
                c.args(["--max-insns", &CALLGRIND_WINDOW.to_string()]);
                (CALLGRIND_WINDOW, callgrind_expect(c, 124)?)
            } else {
                (r.insns, callgrind_expect(c, 0)?)
            };
            Ok(host.saturating_sub(b) as f64 / n.saturating_sub(null_insns).max(1) as f64)
        });
        match &cost {
            Ok(x) => println!(
                "{:<16} {x:>8.1} {:>8} {:>8} {:>8}",
                w.name,
                fmt_opt(w.cost.spike),
                fmt_opt(w.cost.target),
                fmt_opt(w.cost.before)
            ),
            Err(e) => println!("{:<16} n/a: {e}", w.name),
        }
        out.push(cost);
    }
    out
}

/// svemu's and rvemu's host instructions per guest instruction over the
/// first `CALLGRIND_INSNS` instructions of intmix (a measure of speed that
/// the machine's load does not disturb); the quotient rvemu's over svemu's.
fn rvemu_callgrind(o: &Options, intmix: &Workload, svemu: &Result<u64, String>, built: bool) -> Result<f64, String> {
    let svemu = svemu.clone()?;
    let runner = o.rvemu.as_ref().filter(|_| built).ok_or("rvemu runner not built")?;
    let mut c = Command::new(runner);
    c.arg(&intmix.kernel).args(["--max-insns", &CALLGRIND_INSNS.to_string()]);
    let rvemu = callgrind(c)?;
    let per = |host: u64| host as f64 / CALLGRIND_INSNS as f64;
    println!(
        "\nsvemu vs rvemu, callgrind, first {CALLGRIND_INSNS} instructions of intmix: svemu {:.0}, rvemu {:.0} host instructions per guest instruction: svemu {:.2}x rvemu's speed by this count",
        per(svemu),
        per(rvemu),
        rvemu as f64 / svemu as f64
    );
    Ok(rvemu as f64 / svemu as f64)
}

/// Seconds from process start to exit for `--max-insns 1` of the null
/// workload: start-up to the first guest instruction. Best of several.
fn startup_row(svemu: &Path, null: &Workload) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..STARTUP_RUNS {
        let mut c = svemu_cmd(svemu, null);
        c.args(["--max-insns", "1"]);
        best = best.min(must(timed_expect(&mut c, 124)).seconds);
    }
    println!("\nstart-up to the first guest instruction: {:.2} ms (best of {STARTUP_RUNS})", best * 1e3);
    best
}
