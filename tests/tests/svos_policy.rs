//! svos's page replacement policies (issue 13, guest-os/src/mm/policy.rs)
//! and the replacement study `paging-policy`: the eviction order of every
//! policy on fixed strings (snapshot), the same on svemu under Svadu and
//! Svade and on QEMU; FIFO, exact LRU and OPT give the textbook counts and
//! FIFO shows Belady's anomaly; the system-wide policy chosen at boot
//! (`vm.policy=`) and switched at run time (/proc/sys/vm/policy) is the one
//! the next eviction uses; RLIMIT_RSS holds a process to its limit by
//! evicting its own pages; thrash reads every page back under every policy.

use regex::Regex;
use std::path::{Path, PathBuf};
use svemu::machine::Exit;
use svemu::mmu::AdPolicy;
use svemu_tests::{run_qemu, run_svemu, svos_image, RunOptions};

/// OSTEP's example string (ch. 22, figures 22.1-22.5).
const OSTEP: &str = "0.1.2.0.1.3.0.3.1.2.1";
/// The string of Belady's anomaly.
const BELADY: &str = "1.2.3.4.1.2.5.1.2.3.4.5";

/// A zeroed (sparse) raw disk image of `mib` MiB for this test process.
fn disk(name: &str, mib: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svos-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().set_len(mib << 20).unwrap();
    p
}

/// Boots the image with `append` (plus `quiet`) on svemu, one hart,
/// `memory_mib` MiB, A/D policy `ad`, the disks `drives`; checks that svos
/// powered off normally and returns the console.
fn svemu(append: &str, memory_mib: u64, ad: AdPolicy, drives: &[PathBuf]) -> String {
    let img = svos_image();
    let append = format!("{append} quiet");
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(&append),
        memory: memory_mib << 20,
        ad_policy: ad,
        drives,
        max_instructions: Some(20_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{append}: console:\n{}", run.console);
    assert!(!run.console.contains("KERNEL PANIC"), "{}", run.console);
    run.console
}

/// The same boot on QEMU (no disk); returns the console.
fn qemu(append: &str, memory: &str) -> String {
    let img = svos_image();
    let append = format!("{append} quiet");
    let (console, status) =
        run_qemu(&img.kernel, memory, &["-initrd", img.initrd.to_str().unwrap(), "-append", &append]);
    assert_eq!(status, 0, "QEMU {append}: console:\n{console}");
    console
}

/// The summary lines: (policy, frames, hits, misses).
fn summaries(console: &str) -> Vec<(String, u32, u32, u32)> {
    let re =
        Regex::new(r"(?m)^policy=(\S+) frames=(\d+) refs=(\d+) hits=(\d+) misses=(\d+) hit_rate=\d\.\d{4}$").unwrap();
    re.captures_iter(console)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap(), c[4].parse().unwrap(), c[5].parse().unwrap()))
        .collect()
}

/// `(policy, frames, misses)` of every summary line.
fn misses(console: &str) -> Vec<(String, u32, u32)> {
    summaries(console).into_iter().map(|(p, f, _, m)| (p, f, m)).collect()
}

fn row(p: &str, frames: u32, misses: u32) -> (String, u32, u32) {
    (p.to_string(), frames, misses)
}

#[test]
fn eviction_order_of_every_policy_on_fixed_strings() {
    // Every access's hit or miss and the resident set after it pin which
    // page each policy evicted: OSTEP's string with 3 frames, and a
    // generated one with locality (80% of 40 references to 2 of 10 pages)
    // with 4. The kernel policies run on real memory (mincore says what
    // is resident); OPT is computed. Under Svade svos sets the A bits the
    // hart sets under Svadu, so CLOCK and aging evict the same pages; QEMU
    // evicts them too.
    let append = format!("init=paging-policy:all:3:{OSTEP},paging-policy:all:4:gen.7.40.10");
    let hw = svemu(&append, 64, AdPolicy::Hardware, &[]);
    assert!(!hw.contains("DIFFERS"), "{hw}");
    let replay: String = hw
        .lines()
        .filter(|l| {
            l.starts_with("paging-policy")
                || l.starts_with("access")
                || l.contains(" with ")
                || l.starts_with("policy=")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(replay);
    assert_eq!(svemu(&append, 64, AdPolicy::Fault, &[]), hw, "Svadu, then Svade");
    assert_eq!(qemu(&append, "64M").replace('\r', ""), hw, "svemu, then QEMU");
}

#[test]
fn fifo_lru_and_opt_give_the_textbook_counts_and_fifo_shows_beladys_anomaly() {
    let append = format!("init=paging-policy:fifo+lru+opt:3:{OSTEP}:-q,paging-policy:fifo+lru+opt:3-4:{BELADY}:-q");
    let console = svemu(&append, 64, AdPolicy::Hardware, &[]);
    assert!(!console.contains("DIFFERS"), "{console}");
    assert_eq!(
        misses(&console),
        [
            // OSTEP figures 22.2, 22.5, 22.1: 7, 5 and 5 misses of 11.
            row("fifo", 3, 7),
            row("lru", 3, 5),
            row("opt", 3, 5),
            // Belady: FIFO misses more with 4 frames (10) than with 3 (9);
            // LRU and OPT, stack algorithms, never do.
            row("fifo", 3, 9),
            row("fifo", 4, 10),
            row("lru", 3, 10),
            row("lru", 4, 8),
            row("opt", 3, 7),
            row("opt", 4, 6),
        ],
        "{console}"
    );
    assert!(console.contains("policy=fifo frames=3 refs=11 hits=4 misses=7 hit_rate=0.3636"), "{console}");
    assert!(console.contains("policy=lru frames=3 refs=11 hits=6 misses=5 hit_rate=0.5455"), "{console}");
}

#[test]
fn the_policy_chosen_at_boot_and_switched_at_run_time_is_the_one_evictions_use() {
    // `system` replays under the system-wide policy and names it; FIFO at
    // boot, then CLOCK, then an unknown name (refused, CLOCK stays), then
    // random. Each run must match the same string under that policy fixed.
    let run = |p: &str| format!("paging-policy:{p}:3:{BELADY}:-q");
    let steps = [
        run("system"),
        "paging-policy:set-policy:clock".into(),
        run("system"),
        "paging-policy:set-policy:belady".into(),
        run("system"),
        "paging-policy:set-policy:random".into(),
        run("system"),
        run("fifo+clock+random"),
    ];
    let console = svemu(&format!("init={} vm.policy=fifo", steps.join(",")), 64, AdPolicy::Hardware, &[]);
    let got = misses(&console);
    let names: Vec<&str> = got.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(names, ["fifo", "clock", "clock", "random", "fifo", "clock", "random"], "{console}");
    assert_eq!(got[0], got[4], "{console}");
    assert_eq!(got[1], got[5], "{console}");
    assert_eq!(got[2], got[5], "{console}");
    assert_eq!(got[3], got[6], "{console}");
    assert_ne!(got[0], got[1], "FIFO and CLOCK differ on this string:\n{console}");
    assert!(console.contains("paging-policy: /proc/sys/vm/policy is now clock"), "{console}");
    assert!(console.contains("paging-policy: /proc/sys/vm/policy refused \"belady\": -22"), "{console}");
    assert!(console.contains("paging-policy: /proc/sys/vm/policy is now random"), "{console}");

    // The bootarg alone, and a bad one.
    let lru = svemu(&format!("init={} vm.policy=lru", run("system")), 64, AdPolicy::Hardware, &[]);
    assert_eq!(misses(&lru).first().map(|r| r.0.as_str()), Some("lru"), "{lru}");
    let bad = svemu(&format!("init={} vm.policy=mru", run("system")), 64, AdPolicy::Hardware, &[]);
    assert!(bad.contains("[svos] unknown vm.policy=mru, using clock"), "{bad}");
    assert_eq!(misses(&bad).first().map(|r| r.0.as_str()), Some("clock"), "{bad}");
}

/// paging-policy rlimit's line: (peak resident pages, major faults, bad pages).
fn rlimit_result(console: &str) -> (u64, u64, u64) {
    let re = Regex::new(
        r"rlimit: RLIMIT_RSS \d+ pages, wrote \d+ pages twice: peak resident (\d+) pages, \d+ minor faults, (\d+) major faults, (\d+) bad pages",
    )
    .unwrap();
    let c = re.captures(console).unwrap_or_else(|| panic!("{console}"));
    (c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap())
}

#[test]
fn rlimit_rss_keeps_a_process_under_its_limit_by_evicting_its_own_pages() {
    // 1000 pages written twice with 128 MiB of RAM free: nothing forces a
    // global reclaim, so only the limit (local replacement) evicts. Under
    // every system-wide policy the process stays at 40 pages and reads back
    // every page from swap.
    for policy in ["fifo", "clock", "lru", "random"] {
        let console = svemu(
            &format!("init=paging-policy:rlimit:40:1000 vm.policy={policy}"),
            128,
            AdPolicy::Hardware,
            &[disk(&format!("rlimit-{policy}.img"), 16)],
        );
        let (peak, major, bad) = rlimit_result(&console);
        assert_eq!((peak, bad), (40, 0), "{policy}: {console}");
        assert!(major >= 1000, "{policy}: {console}");
    }
}

/// thrash's result line: (minor faults, major faults, bad pages).
fn thrash_result(console: &str) -> (u64, u64, u64) {
    let re =
        Regex::new(r"thrash: .*: \d+ pages, (\d+) minor faults, (\d+) major faults, checksum 0x[0-9a-f]+, (\d+) bad")
            .unwrap();
    let c = re.captures(console).unwrap_or_else(|| panic!("{console}"));
    (c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap())
}

#[test]
fn thrash_reads_every_page_back_under_every_policy() {
    // 24 MiB swept twice through about 18 MiB of frames: a loop larger
    // than memory. FIFO, CLOCK and LRU evict exactly the page needed next
    // (every later visit reads the page back, OSTEP's looping workload;
    // swap read-ahead reads 8 neighbouring slots a fault, so the pages read
    // back are counted, not the major faults); RANDOM keeps some pages and
    // reads fewer back.
    let swapped_in = Regex::new(r" pswpin (\d+) ").unwrap();
    let mut read_back = Vec::new();
    for policy in ["fifo", "clock", "lru", "random"] {
        let console = svemu(
            &format!("init=thrash:24 vm.policy={policy} svos.vmstat"),
            28,
            AdPolicy::Hardware,
            &[disk(&format!("thrash-{policy}.img"), 64)],
        );
        let (_, major, bad) = thrash_result(&console);
        assert_eq!(bad, 0, "{policy}: {console}");
        let back: u64 = swapped_in.captures(&console).unwrap_or_else(|| panic!("{console}"))[1].parse().unwrap();
        assert!(major > 0 && back >= major, "{policy}: {console}");
        read_back.push(back);
    }
    let pages = 24 * 256;
    assert!(read_back[..3].iter().all(|&m| m >= 2 * pages - 64), "{read_back:?}");
    assert!(read_back[3] < read_back[0] - 64, "{read_back:?}");
}
