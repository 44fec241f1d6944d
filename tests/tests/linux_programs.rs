//! Unmodified static Linux programs (tests/linux-progs, built by `make linux-progs`
//! with Debian's riscv64-linux-gnu-gcc/g++ -static and rustc for
//! riscv64gc-unknown-linux-gnu with crt-static) on svos: each runs
//! under `qemu-riscv64` user mode, the reference for what Linux prints,
//! and on svos under svemu and qemu-system-riscv64 (1 and 4 harts each); the
//! lines that depend on neither addresses nor time (those not starting
//! with `~`) must be equal, and so must the exit statuses. The `~` lines
//! that only a real kernel can answer (fault counts, [heap] in maps) are
//! checked on svos alone.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use svemu::machine::Exit;
use svemu_tests::{parse_memory, run_qemu, run_svemu, svos_image, RunOptions};

/// The corpus and the arguments each program gets (no spaces: `init=`
/// separates arguments with ':' and the command line with blanks).
/// `NAME-dyn` is NAME built without -static (PT_INTERP
/// /lib/ld-linux-riscv64-lp64d.so.1, libc.so.6 etc. from the image's /lib).
const PROGRAMS: [(&str, &[&str]); 18] = [
    ("basics", &["a", "b"]),
    ("memory", &[]),
    ("files", &[]),
    ("procs", &[]),
    ("cxx", &[]),
    ("pie", &["x"]),
    ("filemap", &[]),
    ("threads", &[]),
    ("cxxthreads", &[]),
    ("cputime", &[]),
    ("ruststd", &["a", "b"]),
    ("basics-dyn", &["a", "b"]),
    ("memory-dyn", &[]),
    ("files-dyn", &[]),
    ("cxx-dyn", &[]),
    ("filemap-dyn", &[]),
    ("threads-dyn", &[]),
    ("ruststd-dyn", &["a", "b"]),
];

/// The cross toolchain's sysroot: qemu-riscv64 -L finds the dynamic
/// programs' loader and libraries there (the same files the image carries).
const SYSROOT: &str = "/usr/riscv64-linux-gnu";

fn var(name: &str) -> PathBuf {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests with `make test`")).into()
}

/// What a program printed (compared lines only) and its exit status.
#[derive(Debug, PartialEq)]
struct Outcome {
    lines: Vec<String>,
    status: u32,
}

fn compared(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.starts_with('~') && !l.starts_with("[svos]")).map(str::to_owned).collect()
}

/// Each program under qemu-riscv64 (Linux's syscall semantics, the host's
/// kernel), run once for all the tests of this file and one program at a
/// time: the programs use fixed paths in the host's /tmp (files.c's
/// /tmp/d, ruststd's /tmp/ruststd), so two runs at once would see each
/// other's files.
fn reference() -> &'static BTreeMap<&'static str, Outcome> {
    static REFERENCE: std::sync::OnceLock<BTreeMap<&'static str, Outcome>> = std::sync::OnceLock::new();
    REFERENCE.get_or_init(run_reference)
}

fn run_reference() -> BTreeMap<&'static str, Outcome> {
    let dir = var("SVOS_LXP_DIR");
    PROGRAMS
        .iter()
        .map(|(name, args)| {
            let out = Command::new("qemu-riscv64-static")
                .args(["-L", SYSROOT])
                .arg(dir.join(name))
                .args(*args)
                .current_dir("/")
                .output()
                .expect("qemu-riscv64-static runs (scripts/setup installs qemu-user-static)");
            let status = out.status.code().expect("exits") as u32;
            (*name, Outcome { lines: compared(&String::from_utf8_lossy(&out.stdout)), status })
        })
        .collect()
}

fn append() -> String {
    let list: Vec<String> = PROGRAMS
        .iter()
        .map(|(n, a)| std::iter::once(*n).chain(a.iter().copied()).collect::<Vec<_>>().join(":"))
        .collect();
    format!("init={}", list.join(","))
}

/// Splits svos's console into each `init=` program's output and status.
fn split(console: &str) -> BTreeMap<String, (String, u32)> {
    let mut out = BTreeMap::new();
    let mut cur: Option<(String, String)> = None;
    for line in console.lines() {
        if let Some(rest) = line.strip_prefix("[svos] pid ") {
            if rest.ends_with(") starting") {
                let name = rest.split('(').nth(1).unwrap().trim_end_matches(") starting").to_owned();
                cur = Some((name, String::new()));
                continue;
            }
            if let Some(i) = rest.find(") exited with status ") {
                let status = rest[i + ") exited with status ".len()..].parse().unwrap();
                if let Some((name, text)) = cur.take() {
                    out.insert(name, (text, status));
                }
                continue;
            }
        }
        if let Some((_, text)) = cur.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

fn svemu_console(harts: usize) -> String {
    let img = svos_image();
    let initrd = var("SVOS_LXP_INITRD");
    let append = append();
    let run = run_svemu(&RunOptions {
        initrd: Some(&initrd),
        append: Some(&append),
        memory: parse_memory(&img.memory),
        harts,
        max_instructions: Some(2_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    run.console
}

fn check_against_reference(console: &str, what: &str) {
    assert!(console.contains("(no leak)"), "{what}: {console}");
    let reference = reference();
    let got = split(console);
    for (name, want) in reference {
        let (text, status) = got.get(*name).unwrap_or_else(|| panic!("{what}: {name} did not run:\n{console}"));
        let lines = compared(text);
        assert_eq!(lines, want.lines, "{what}: {name} prints what it prints on Linux (qemu-riscv64)\n{text}");
        assert_eq!(*status, want.status, "{what}: {name}'s exit status");
    }
    // What qemu-riscv64 gets wrong or cannot do (it leaves a process-directed
    // signal on a thread blocking it at times, and cannot execve a RISC-V
    // program), svos must do as Linux does.
    for threads in ["threads", "threads-dyn"] {
        assert_prints(
            &got,
            threads,
            &[
                "~kill(getpid(), SIGUSR2) with main blocking it: handled by the other thread: yes",
                "~new image after execve from a process with threads: exec'd",
                "~execve with two spinning threads: exited with 7",
                "~new image after execve from a thread: pid kept: yes, gettid() == getpid(): yes",
                "~execve from a thread other than main: exited with 8",
                "~/proc/self/status Threads: 3, /proc/self/task: 3 entries",
            ],
            what,
        );
    }
    // Rust std's Command (glibc's posix_spawn: vfork, then exec in the
    // child, which reports an exec error through the memory it shares with
    // its parent) and its stack-overflow guard (SIGSEGV on the guard page
    // taken on std's sigaltstack, then abort): qemu-riscv64 can do neither.
    for program in ["ruststd", "ruststd-dyn"] {
        assert_prints(
            &got,
            program,
            &[
                "~spawn: status Some(3), stdout \"child read \\\"through a pipe\\\"\"",
                "~stack overflow: signal Some(6), stderr says overflowed: true",
                "~spawn missing: NotFound errno Some(2)",
                "~current_exe: /ruststd",
            ],
            what,
        );
        let rust = &got[program].0;
        let grew = rust.lines().find_map(|l| l.strip_prefix("~heap: minflt ")).expect("ruststd reports minflt");
        let grew: u64 = grew.rsplit("(+").next().unwrap().trim_end_matches(')').parse().unwrap();
        assert!(grew >= 2048, "{what}: touching 8 MiB took {grew} minor faults, not one per page");
    }
    // /proc's CPU times, which qemu-riscv64 fakes: the process's own in
    // /proc/self/stat, the harts' user time in /proc/stat.
    assert_prints(&got, "cputime", &["~/proc/self/stat utime+stime at least 4 ticks: yes", "; user > 0: yes"], what);
}

/// Checks that `program`'s output in `got` holds each of `lines`.
fn assert_prints(got: &BTreeMap<String, (String, u32)>, program: &str, lines: &[&str], what: &str) {
    let text = &got[program].0;
    for line in lines {
        assert!(text.contains(line), "{what}: {program} should print {line:?}:\n{text}");
    }
}

/// How many harts the threads of `program` (threads, ruststd) ran on
/// (sched_getcpu, the kernel's answer of where each thread was when it asked).
fn harts_used(console: &str, program: &str) -> usize {
    let threads = &split(console)[program].0;
    let line = threads.lines().find(|l| l.starts_with("~threads ran on ")).expect("the program reports its harts");
    line["~threads ran on ".len()..].trim_end_matches(" harts").parse().unwrap()
}

#[test]
fn corpus_on_svemu_prints_what_linux_prints() {
    let console = svemu_console(1);
    check_against_reference(&console, "svemu, 1 hart");
    let got = split(&console);
    // What qemu-riscv64 cannot report (it fakes /proc/self/stat), svos must.
    let memory = &got["memory"].0;
    assert!(memory.contains("~touched 8 MiB: at least 2048 minor faults: yes"), "{memory}");
    assert!(memory.contains("~maps has [stack]: 1, [heap]: 1"), "{memory}");
    let procs = &got["procs"].0;
    assert!(procs.contains("~child: wrote 64 shared pages: at least that many copy-on-write faults"), "{procs}");
    assert_eq!(harts_used(&console, "threads"), 1, "one hart");
    assert_eq!(harts_used(&console, "ruststd"), 1, "one hart");
}

#[test]
fn corpus_on_4_harts_prints_the_same() {
    let console = svemu_console(4);
    check_against_reference(&console, "svemu, 4 harts");
    // The four workers of `threads` and of `ruststd` run at once, on more than one hart.
    for program in ["threads", "ruststd"] {
        assert!(harts_used(&console, program) > 1, "{program}'s threads ran on one hart only:\n{console}");
    }
}

fn qemu_console(harts: usize) -> String {
    let img = svos_image();
    let initrd = var("SVOS_LXP_INITRD");
    let append = append();
    let smp = harts.to_string();
    let (console, code) =
        run_qemu(&img.kernel, &img.memory, &["-smp", &smp, "-initrd", initrd.to_str().unwrap(), "-append", &append]);
    assert_eq!(code, 0, "{console}");
    console.replace('\r', "")
}

#[test]
fn corpus_on_qemu_system_prints_the_same() {
    let console = qemu_console(4);
    check_against_reference(&console, "qemu-system-riscv64 -smp 4");
    for program in ["threads", "ruststd"] {
        assert!(harts_used(&console, program) > 1, "{program}'s threads ran on one hart only:\n{console}");
    }
}

#[test]
fn corpus_on_qemu_system_with_1_hart_prints_the_same() {
    let console = qemu_console(1);
    check_against_reference(&console, "qemu-system-riscv64 -smp 1");
    assert_eq!(harts_used(&console, "threads"), 1, "one hart");
}
