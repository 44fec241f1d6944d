//! svos's demand paging and anonymous mmap (the `make run` image, other
//! bootargs): memory-user's page-fault storm prints the same console on
//! svemu and QEMU and takes exactly one minor fault per page; mmaptest's
//! checks (Linux errnos, partial munmap, kernel writes into untouched pages,
//! fork, copy-on-write faults, mprotect) pass; a store after munmap, into a
//! PROT_READ page, or into a page mprotect made read-only or PROT_NONE is
//! SIGSEGV; a process that runs out of frames is killed and svos goes on; no
//! frame leaks.

use regex::Regex;
use svemu::machine::Exit;
use svemu_tests::{normalize_svos_console as normalize, parse_memory, run_qemu, run_svemu, svos_image, RunOptions};

/// Boots the image with `append` on svemu with `harts` harts; checks that
/// svos powered off normally and returns the console.
fn svemu_console(harts: usize, append: &str) -> String {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(append),
        memory: parse_memory(&img.memory),
        harts,
        max_instructions: Some(1_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{append}: console:\n{}", run.console);
    run.console
}

/// Boots the image with `append` on QEMU (one hart); returns the console.
fn qemu_console(append: &str) -> String {
    let img = svos_image();
    let initrd = img.initrd.to_str().unwrap();
    let (console, status) = run_qemu(&img.kernel, &img.memory, &["-initrd", initrd, "-append", append]);
    assert_eq!(status, 0, "QEMU {append}: console:\n{console}");
    console
}

/// The numbers of memory-user's result line: (pages touched, minor faults).
fn touched_and_faults(console: &str) -> (u64, u64) {
    let re = Regex::new(r"memory-user: .*: (\d+) pages touched, (\d+) minor faults").unwrap();
    let c = re.captures(console).unwrap_or_else(|| panic!("no memory-user result:\n{console}"));
    (c[1].parse().unwrap(), c[2].parse().unwrap())
}

#[test]
fn memory_user_faults_once_per_page_and_qemu_agrees() {
    let append = "init=memory-user:32:3";
    let svemu = svemu_console(1, append);
    assert!(svemu.contains("[svos] pid 1 (memory-user) exited with status 0"), "{svemu}");
    assert!(svemu.contains("32 MiB at 0x3fbe000000, 3 passes: "), "{svemu}");
    assert_eq!(touched_and_faults(&svemu), (8192, 8192), "{svemu}");
    assert!(svemu.contains("(no leak)"), "{svemu}");
    let qemu = qemu_console(append);
    // normalize() also asserts that no frame leaked on either machine.
    assert_eq!(normalize(&svemu), normalize(&qemu), "svemu, then QEMU");
}

#[test]
fn memory_user_in_sv48_and_on_4_harts() {
    for (harts, append) in [(1, "init=memory-user:4 vm=sv48"), (4, "init=memory-user:4,memory-user:4:2")] {
        let console = svemu_console(harts, append);
        assert_eq!(touched_and_faults(&console), (1024, 1024), "{append}:\n{console}");
        assert!(!console.contains("FAIL"), "{append}:\n{console}");
        assert!(console.contains("(no leak)"), "{append}:\n{console}");
    }
}

#[test]
fn mmap_checks_pass_on_svemu_and_qemu() {
    let append = "init=mmaptest";
    let svemu = svemu_console(1, append);
    for line in [
        "  ok   mmap(len 0) = -22",
        "  ok   mmap(MAP_ANONYMOUS only: no type) = -22",
        "  ok   mmap(prot 0x8) = -22",
        "  ok   mmap(PROT_WRITE | PROT_EXEC): W^X = -13",
        "  ok   munmap(unaligned) = -22",
        "  ok   minor faults for mmap of 3 pages = 0",
        "  ok   minor faults for touching them = 3",
        "  ok   page 2 keeps its value = 102",
        "  ok     the kernel's write faulted it in = 1",
        "  ok   child saw its own write and a zero page = 2",
        "  ok   child's minor faults for its first store to each page = 64",
        "  ok   parent's pages unchanged = 2016",
        "  ok   parent's first stores, the child gone: W back, no copy = 64",
        "  ok   mprotect(a range with a hole) = -12",
        "  ok   child: PROT_NONE page made readable holds 201 = 201",
        "  ok   it still holds 201 = 201",
        "mmaptest: 0 failed",
        "[svos] pid 1 (mmaptest) exited with status 0",
    ] {
        assert!(svemu.lines().any(|l| l == line), "no line {line:?}:\n{svemu}");
    }
    assert!(!svemu.contains("FAIL"), "{svemu}");
    assert_eq!(normalize(&svemu), normalize(&qemu_console(append)), "svemu, then QEMU");
    // The same on 4 harts (the child and the parent may run on different harts).
    let four = svemu_console(4, append);
    assert!(four.contains("mmaptest: 0 failed"), "{four}");
}

/// The address mmaptest WHAT says it stores to, and the kill line that must follow.
fn assert_store_killed(console: &str, what: &str) {
    let re = Regex::new(&format!(r"mmaptest {what}: storing to (0x[0-9a-f]+); svos should kill me")).unwrap();
    let addr = &re.captures(console).unwrap_or_else(|| panic!("mmaptest {what} did not start:\n{console}"))[1];
    let kill = format!("(mmaptest): store/AMO page fault at {addr}, pc ");
    let line = console.lines().find(|l| l.contains(&kill)).unwrap_or_else(|| panic!("no {kill:?}:\n{console}"));
    assert!(line.ends_with("killed by signal 11 (SIGSEGV)"), "{line}");
    assert!(!console.contains("succeeded"), "{console}");
}

#[test]
fn stores_after_munmap_or_against_prot_are_sigsegv() {
    let append = "init=mmaptest:after-munmap,mmaptest:readonly,mmaptest:mprotect,mmaptest:protnone,hello";
    let console = svemu_console(1, append);
    for (pid, what) in [(1, "after-munmap"), (2, "readonly"), (3, "mprotect"), (4, "protnone")] {
        assert_store_killed(&console, what);
        assert!(console.contains(&format!("[svos] pid {pid} (mmaptest) exited with status 139")), "{console}");
    }
    assert!(console.contains("[svos] pid 5 (hello) exited with status 0"), "{console}");
    assert_eq!(normalize(&console), normalize(&qemu_console(append)), "svemu, then QEMU");
}

#[test]
fn running_out_of_frames_kills_the_process_not_svos() {
    // 200 MiB of touched pages cannot fit in 128 MiB of RAM. The heuristic
    // overcommit policy (vm.overcommit_memory 0) would refuse the mmap
    // itself (more than RAM + swap): mode 1 grants it, as on Linux.
    let console = svemu_console(1, "vm.overcommit_memory=1 init=memory-user:200,memory-user:1");
    let oom = Regex::new(
        r"\[svos\] pid 1 \(memory-user\): out of memory at 0x[0-9a-f]+, pc 0x[0-9a-f]+: killed by signal 9 \(SIGKILL\)",
    )
    .unwrap();
    assert!(oom.is_match(&console), "{console}");
    assert!(console.contains("[svos] pid 1 (memory-user) exited with status 137"), "{console}");
    // Every frame came back, and the next program still runs.
    assert_eq!(touched_and_faults(&console), (256, 256), "{console}");
    assert!(console.contains("[svos] pid 2 (memory-user) exited with status 0"), "{console}");
    assert!(console.contains("(no leak)"), "{console}");
}
