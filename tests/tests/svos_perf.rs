//! svos's per-process hardware performance counters (the hpm counters,
//! `guest-os/src/proc/perf.rs`) through `perfstat`: a program that touches
//! 1024 new pages shows one page fault per page and at least one store TLB
//! miss per page; `hello`, which touches a few pages, shows none of those
//! faults and far fewer misses; perfstat exits with the program's status.

use std::collections::BTreeMap;

use svemu::machine::Exit;
use svemu_tests::{parse_memory, run_svemu, svos_image, RunOptions};

/// Runs `perfstat ARGS` as init; returns (exit, its counts by event name).
fn perfstat(args: &str) -> (Exit, BTreeMap<String, u64>, String) {
    let img = svos_image();
    let append = format!("init=perfstat:{args} svos.status=last quiet");
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(&append),
        memory: parse_memory(&img.memory),
        max_instructions: Some(1_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    let counts = run
        .console
        .lines()
        .filter(|l| l.contains("(mhpmevent "))
        .map(|l| {
            let mut w = l.split_whitespace();
            let n = w.next().unwrap().parse().unwrap();
            (w.next().unwrap().to_owned(), n)
        })
        .collect();
    (run.exit, counts, run.console)
}

#[test]
fn perfstat_counts_the_tlb_misses_and_faults_of_a_page_toucher() {
    let (exit, big, console) = perfstat("memory-user:4");
    assert_eq!(exit, Exit::PowerOff(0), "{console}");
    assert!(console.contains("Performance counter stats for 'memory-user 4':"), "{console}");
    // 4 MiB = 1024 pages, each faulted once at its first store, plus the
    // program's own text, data, .bss and stack pages, faulted in on demand.
    assert!((1024..1024 + 16).contains(&big["page-faults"]), "{console}");
    assert!(big["dtlb-store-misses"] >= 1024, "{console}");
    assert!(big["page-walks"] >= 2048, "{console}");

    let (exit, small, console) = perfstat("hello");
    assert_eq!(exit, Exit::PowerOff(0), "{console}");
    // hello touches only its own few pages.
    assert!(small["page-faults"] < 16, "{console}");
    assert!(small["dtlb-store-misses"] > 0, "{console}");
    assert!(small["dtlb-store-misses"] * 10 < big["dtlb-store-misses"], "{small:?} vs {big:?}");
    assert!(small["dtlb-load-misses"] < big["dtlb-load-misses"], "{small:?} vs {big:?}");
}

#[test]
fn perfstat_exits_with_the_programs_status() {
    let (exit, _, console) = perfstat("memory-user");
    // memory-user without arguments prints its usage and exits 2.
    assert_eq!(exit, Exit::PowerOff(2), "{console}");
}
