//! svos on several harts: the `make run` demo (attacks, background jobs,
//! preemption, 50 concurrent processes) on 4 harts in Sv39 and Sv48 and on 8
//! harts, on svemu and on QEMU (`-smp N`); the ASID generation scheme
//! across harts with 3 ASIDs; and the TLB shootdown program, which fails if
//! unmapping a page on one hart does not reach another hart's TLB.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use svemu::machine::Exit;
use svemu_tests::{normalize_svos_console as normalize, parse_memory, run_qemu, run_svemu, svos_image, RunOptions};

/// The console of `make run`'s kernel booted on svemu with `harts` harts,
/// `initrd` and `append`. Runs are deterministic, so each configuration
/// boots once per test binary.
/// Boots already made: (harts, initrd, bootargs) -> (exit, console).
type Runs = Mutex<HashMap<(usize, PathBuf, String), (Exit, String)>>;

fn svemu_console(harts: usize, initrd: &Path, append: &str) -> (Exit, String) {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    let key = (harts, initrd.to_path_buf(), append.to_string());
    if let Some(r) = RUNS.get_or_init(Default::default).lock().unwrap().get(&key) {
        return r.clone();
    }
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(initrd),
        append: Some(append),
        memory: parse_memory(&img.memory),
        harts,
        max_instructions: Some(1_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    let r = (run.exit, run.console);
    RUNS.get().unwrap().lock().unwrap().insert(key, r.clone());
    r
}

/// The demo's console on svemu with `harts` harts and `extra` bootargs.
fn demo(harts: usize, extra: &str) -> String {
    let img = svos_image();
    let append = format!("{}{}", img.append, extra);
    let (exit, console) = svemu_console(harts, &img.initrd, &append);
    assert_eq!(exit, Exit::PowerOff(0), "{harts} harts, {append}:\n{console}");
    console
}

/// The demo's console on QEMU with `-smp harts` and `extra` bootargs.
fn qemu_demo(harts: usize, extra: &str) -> String {
    let img = svos_image();
    let append = format!("{}{}", img.append, extra);
    let smp = harts.to_string();
    let initrd = img.initrd.to_str().unwrap();
    // run_qemu passes -smp 1 first: the later -smp wins.
    let (console, status) = run_qemu(&img.kernel, &img.memory, &["-smp", &smp, "-initrd", initrd, "-append", &append]);
    assert_eq!(status, 0, "QEMU -smp {harts} {append}:\n{console}");
    console
}

/// The console without the line that counts the harts (absent with one).
fn without_harts_line(console: &str) -> Vec<String> {
    normalize(console).lines().filter(|l| !l.contains("harts online")).map(String::from).collect()
}

fn assert_same_lines(a: &[String], b: &[String], what: &str) {
    for (n, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x, y, "{what}: line {} differs", n + 1);
    }
    assert_eq!(a.len(), b.len(), "{what}: line counts differ");
}

#[test]
fn demo_on_4_harts_is_the_1_hart_demo() {
    let four = demo(4, "");
    assert!(four.contains("[svos] 4 harts online, one shared run queue\n"), "{four}");
    assert!(four.contains("spawn: reaped 50 of 50, 50 exited 0"), "{four}");
    assert!(four.contains("(no leak)"), "{four}");
    // Every attack is killed with a report, and the shell shows 128 + signal.
    for attack in
        ["kread", "kwrite", "null", "noncanon", "execdata", "execstack", "writetext", "csrr", "sret", "sfence"]
    {
        let start = four.find(&format!("$ attack {attack}\n")).unwrap_or_else(|| panic!("no attack {attack}"));
        let block: Vec<&str> = four[start..].lines().take(4).collect();
        assert!(block[2].contains(": killed by signal"), "attack {attack}: {block:?}");
        assert!(block[3].ends_with("exit 139 (SIGSEGV)") || block[3].ends_with("exit 132 (SIGILL)"), "{block:?}");
    }
    // Nothing but the harts line differs from one hart: the console is deterministic.
    assert_same_lines(&without_harts_line(&demo(1, "")), &without_harts_line(&four), "1 hart vs 4 harts");
    insta::assert_snapshot!(four);
}

#[test]
fn demo_on_4_harts_in_sv48() {
    let sv48 = demo(4, " vm=sv48");
    assert!(sv48.contains("kernel page table on (Sv48)"), "{sv48}");
    assert!(sv48.contains("spawn: reaped 50 of 50, 50 exited 0"), "{sv48}");
    let differs = |l: &String| l.contains("(Sv39)") || l.contains("(Sv48)") || l.contains("bootargs");
    let a: Vec<String> = without_harts_line(&demo(4, "")).into_iter().filter(|l| !differs(l)).collect();
    let b: Vec<String> = without_harts_line(&sv48).into_iter().filter(|l| !differs(l)).collect();
    assert_same_lines(&a, &b, "Sv39 vs Sv48 on 4 harts");
}

/// With only 3 ASIDs (`svos.asid_max=3`) generations end all the time, on
/// every hart; each hart must flush before reusing an ASID of the old
/// generation (flushing only the hart that ended it crashes the shell).
#[test]
fn asid_generations_end_safely_on_4_harts() {
    let few = demo(4, " svos.asid_max=3");
    let not_bootargs = |l: &String| !l.contains("bootargs");
    let a: Vec<String> = without_harts_line(&demo(4, "")).into_iter().filter(not_bootargs).collect();
    let b: Vec<String> = without_harts_line(&few).into_iter().filter(not_bootargs).collect();
    assert_same_lines(&a, &b, "16-bit ASIDs vs 3 ASIDs on 4 harts");
}

#[test]
fn qemu_with_4_harts_prints_svemus_console_in_sv39_and_sv48() {
    for extra in ["", " vm=sv48"] {
        let qemu = qemu_demo(4, extra);
        assert!(qemu.contains("[svos] 4 harts online"), "{qemu}");
        let svemu = demo(4, extra);
        let (a, b) = (normalize(&svemu), normalize(&qemu));
        let (a, b): (Vec<String>, Vec<String>) =
            (a.lines().map(String::from).collect(), b.lines().map(String::from).collect());
        assert_same_lines(&a, &b, &format!("svemu vs QEMU, 4 harts{extra}"));
    }
}

#[test]
fn demo_on_8_harts_on_svemu_and_qemu() {
    let svemu = demo(8, "");
    assert!(svemu.contains("[svos] 8 harts online"), "{svemu}");
    let qemu = qemu_demo(8, "");
    assert!(qemu.contains("[svos] 8 harts online"), "{qemu}");
    let one = without_harts_line(&demo(1, ""));
    assert_same_lines(&one, &without_harts_line(&svemu), "1 hart vs 8 harts on svemu");
    assert_same_lines(&one, &without_harts_line(&qemu), "svemu 1 hart vs QEMU 8 harts");
}

/// An initrd holding only the `shootdown` program (reproducible cpio newc, as the Makefile makes them).
fn shootdown_initrd() -> PathBuf {
    let img = svos_image();
    // guest-os/target/<target>/release/svos -> guest-programs/target/<target>/release/shootdown
    let release = img.kernel.parent().unwrap();
    let target = release.parent().unwrap().file_name().unwrap();
    let root = release.ancestors().nth(4).unwrap();
    let prog = root.join("guest-programs/target").join(target).join("release/shootdown");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("svos_smp_initrd");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&prog, dir.join("shootdown")).unwrap_or_else(|e| panic!("{}: {e}", prog.display()));
    let out = dir.with_extension("cpio");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("echo shootdown | cpio --quiet --reproducible -o -H newc > '{}'", out.display()))
        .current_dir(&dir)
        .status()
        .expect("cpio runs");
    assert!(status.success());
    out
}

/// The expected console of `init=shootdown` on 2 or more harts: the page is
/// unmapped on hart 1 while hart 0's TLB holds it; the read on hart 0 faults.
fn assert_shootdown_worked(console: &str) {
    let want = [
        "shootdown: hart 0: page 0x14000 mapped, reads 0x51570ced",
        "shootdown: hart 1: page 0x14000 unmapped",
        "shootdown: hart 0: reading page 0x14000 again must fault (SIGSEGV)",
        "[svos] pid 1 (shootdown): load page fault at 0x14000, pc",
        "[svos] pid 1 (shootdown) exited with status 139",
    ];
    let mut rest = console;
    for w in want {
        let at = rest.find(w).unwrap_or_else(|| panic!("missing {w:?} in:\n{console}"));
        rest = &rest[at + w.len()..];
    }
    assert!(!console.contains("STALE"), "{console}");
}

#[test]
fn unmapping_a_page_flushes_the_other_harts_tlb() {
    let initrd = shootdown_initrd();
    let (exit, console) = svemu_console(4, &initrd, "init=shootdown");
    assert_eq!(exit, Exit::PowerOff(0), "{console}");
    assert_shootdown_worked(&console);
    let img = svos_image();
    let rd = initrd.to_str().unwrap();
    let (qemu, status) = run_qemu(&img.kernel, &img.memory, &["-smp", "4", "-initrd", rd, "-append", "init=shootdown"]);
    assert_eq!(status, 0, "{qemu}");
    assert_shootdown_worked(&qemu);
    // One hart: the program cannot run and says so.
    let (_, one) = svemu_console(1, &initrd, "init=shootdown");
    assert!(one.contains("shootdown: needs 2 harts, has 1"), "{one}");
}
