//! Watching svos through svemu::testing: the cut of memory-user's first
//! page fault (text and JSON lines), filters, `--explain` in a process's
//! address space, and deterministic counters.

use svemu::machine::Exit;
use svemu::testing::{Boot, Run};
use svemu::trace::explain::{Space, When};
use svemu_tests::{parse_memory, svos_image, until_sret_to_user};

/// memory-user touching 1 MiB once, with `configure` applied.
fn memory_user(configure: impl FnOnce(Boot) -> Boot) -> Run {
    let img = svos_image();
    let boot =
        Boot::kernel(&img.kernel).initrd(&img.initrd).append("init=memory-user:1").memory(parse_memory(&img.memory));
    let run = configure(boot).run().expect("svos boots");
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    run
}

/// The story of the first page fault in memory-user's mapping (its program
/// text and data fault first: they are demand-loaded from its file): from
/// the user's store to the sret back to U-mode.
fn first_fault(boot: Boot) -> Boot {
    boot.trace("mmu,tlb,trap,pte,kernel").trace_from(FIRST_STORE).trace_count(400)
}

/// The cut's start: the first user page fault at the mapping's first page.
const FIRST_STORE: &str = "trap:cause=page-fault,priv=U,va=0x3fbff00000";

#[test]
fn first_user_page_fault_story_from_store_to_sret() {
    let run = memory_user(first_fault);
    let story = until_sret_to_user(&run.trace);
    let first: Vec<&str> = story.lines().take(5).collect();
    // The cut starts with the faulting store's TLB miss and walk, not at the trap.
    assert_eq!(
        first[0], "core   0: tlb @0 U asid 1: miss store va 0x0000003fbff00000 asid 1",
        "icounts are relative to the cut:\n{story}"
    );
    assert!(first[1].starts_with("core   0: mmu @0 U asid 1: walk store va 0x0000003fbff00000"), "{story}");
    assert!(story.contains("fault: store/AMO page fault (cause 15)"), "{story}");
    assert!(story.contains("trap @0 U asid 1: store/AMO page fault (cause 15) tval 0x0000003fbff00000"), "{story}");
    // The kernel maps a zeroed frame, says so through the trace port, and
    // returns.
    let zero_fill = "kernel @"; // the line's icount is checked by the snapshot
    let resolved = story
        .lines()
        .find(|l| l.contains(zero_fill) && l.contains(": fault va "))
        .unwrap_or_else(|| panic!("no kernel fault event:\n{story}"));
    assert!(
        resolved.contains("S asid 1: fault va 0x0000003fbff00000 cause 15 zero-fill pid 1 (memory-user) rss "),
        "{resolved}"
    );
    // pcs are named from memory-user's own ELF, found in the initrd.
    assert!(story.contains("epc 0x0000000000010212 <main+0x1ee> U -> S"), "{story}");
    assert!(run.trace.len() < 1 << 20, "the story must stay under 1 MB: {} bytes", run.trace.len());
    insta::assert_snapshot!(story);
}

#[test]
fn the_same_story_as_json_lines() {
    let run = memory_user(|b| first_fault(b).json());
    let events: Vec<serde_json::Value> =
        run.trace.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(events.len() as u64, run.events);
    for e in &events {
        for key in ["hart", "priv", "icount", "asid", "cat", "event"] {
            assert!(e.get(key).is_some(), "{key} missing: {e}");
        }
    }
    let trap = events.iter().find(|e| e["cat"] == "trap").expect("a trap");
    assert_eq!(trap["event"], "trap");
    assert_eq!(trap["cause"], 15);
    assert_eq!(trap["priv"], "U");
    assert_eq!(trap["tval"], "0x0000003fbff00000");
    assert_eq!(trap["icount"], 0, "relative to the cut");
    assert!(events.iter().any(|e| e["event"] == "sret" && e["to"] == "U"), "the sret back");
    let fault =
        events.iter().find(|e| e["cat"] == "kernel" && e["event"] == "fault").expect("the kernel's fault event");
    assert_eq!(
        (&fault["how"], &fault["pid"], &fault["va"]),
        (&"zero-fill".into(), &1.into(), &"0x0000003fbff00000".into())
    );
}

#[test]
fn filters_keep_only_what_they_name() {
    let run = memory_user(|b| {
        b.trace("trap,tlb").trace_filter("priv=U,cause=page-fault,va=0x3fbff00000..0x3fc0000000").trace_count(20)
    });
    assert_eq!(run.events, 20);
    for l in run.trace.lines() {
        assert!(l.contains(": trap @") && l.contains(" U asid 1: store/AMO page fault (cause 15)"), "{l}");
    }
    // TLB hits are their own category: counted always, written only when asked for.
    let hits = memory_user(|b| b.trace("tlb").trace_filter("priv=U").trace_count(2000));
    assert!(!hits.trace.contains(" hit "), "tlb does not write hits");
    assert!(hits.stats.harts[0].tlb.hits > 1_000_000, "{:?}", hits.stats.harts[0].tlb);
    let hits = memory_user(|b| b.trace("tlb-hit").trace_filter("priv=U").trace_count(10));
    assert_eq!(hits.trace.lines().filter(|l| l.contains(": tlb-hit @") && l.contains(" hit ")).count(), 10);
}

#[test]
fn explain_a_user_address_that_never_faults_in_its_own_address_space() {
    // memory-user's text page: demand-loaded from its file, so its first
    // fetch faults (the first fault at that page).
    let run = memory_user(|b| b.explain(0x10000, Space::Current, When::FirstFault));
    let text = run.explain.expect("explained");
    assert!(text.contains("instruction page fault (tval 0x10000)"), "{text}");
    assert!(text.contains("V=0: the PTE is not valid"), "{text}");
    // By ASID, at a chosen icount: in the process's space though the kernel
    // runs; 100 instructions into the kernel's handling of the first fault in
    // the mapping, the text page is mapped and never faults again.
    let first = memory_user(|b| b.trace("trap").trace_from(FIRST_STORE).trace_count(1));
    let at = first.cut_start.expect("a user page fault") + 100;
    let run = memory_user(|b| b.explain(0x10000, Space::Asid(1), When::Icount(at)));
    let text = run.explain.expect("explained");
    assert!(text.contains(&format!("at icount {at}")) && text.contains("asid 1") && text.contains(" leaf"), "{text}");
    assert!(!text.contains("V=0: the PTE is not valid"), "{text}");
}

#[test]
fn processes_by_name_and_their_faults() {
    // Kernel events name the process: a filter by name keeps its faults only.
    let run = memory_user(|b| {
        b.trace("kernel").trace_filter("proc=memory-user,va=0x3fbff00000..0x3fc0000000").trace_count(5)
    });
    assert_eq!(run.events, 5);
    assert!(run.trace.lines().all(|l| l.contains("zero-fill pid 1 (memory-user) rss ")), "{}", run.trace);
    // Each zero-fill maps one more page: the RSS the kernel reports grows by one.
    let rss: Vec<u64> = run.trace.lines().map(|l| l.rsplit(' ').next().unwrap().parse().unwrap()).collect();
    assert!(rss.windows(2).all(|w| w[1] == w[0] + 1), "{rss:?}");
    let p = run.stats.processes.iter().find(|p| p.name == "memory-user").expect("memory-user reported");
    // The 256 pages of the mapping and the .bss page; text and rodata are
    // file reads (one each: fault-around maps the rest of their window).
    assert_eq!(p.faults.get("zero-fill"), Some(&257), "{p:?}");
    assert_eq!(p.faults.get("file-read"), Some(&2), "{p:?}");
    assert_eq!(p.exit_status, Some(0));
    let none = memory_user(|b| b.trace("kernel").trace_filter("proc=sh").trace_count(5));
    assert_eq!(none.events, 0, "no process named sh ran:\n{}", none.trace);
}

#[test]
fn stats_json_is_deterministic_and_counts_the_faults() {
    let a = memory_user(|b| b);
    let b = memory_user(|b| b);
    assert_eq!(a.stats.to_json(), b.stats.to_json());
    let h = &a.stats.harts[0];
    assert_eq!(h.page_faults.store, 257, "one minor fault per page of 1 MiB, and the .bss page");
    let by = &h.instructions_by_priv;
    assert_eq!(by.U + by.S + by.M, h.instructions);
    assert!(by.U > 0 && by.S > 0 && by.M > 0, "{by:?}");
}

/// `--explain-in pid=N`: forkdemo's child (pid 2) stores into a page it
/// shares copy-on-write with its parent; explained in pid 2's address
/// space, its first fault there is that COW fault, under the ASID svos
/// reported for pid 2 (not pid 1's, whose fault would come first).
#[test]
fn explain_in_a_process_by_pid() {
    let img = svos_image();
    let explain = |pid| {
        let boot = Boot::kernel(&img.kernel)
            .initrd(&img.initrd)
            .append("init=forkdemo")
            .memory(parse_memory(&img.memory))
            .explain(0x13000, Space::Pid(pid), When::FirstFault);
        let run = boot.run().expect("svos boots");
        assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
        run.explain.expect("explained")
    };
    let child = explain(2);
    assert!(child.contains("at the first fault at this page: store/AMO page fault"), "{child}");
    assert!(child.contains("hart 0 in U-mode") && child.contains(" asid 2 "), "{child}");
    assert!(child.contains("store to a page with W=0"), "{child}");
    let never = explain(9);
    assert!(never.contains("pid 9 has not run yet"), "{never}");
}
