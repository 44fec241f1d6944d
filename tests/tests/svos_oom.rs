//! svos's overcommit policy, OOM killer knobs and slab caches (issue 13):
//! vm.overcommit_memory 2 refuses mmap and fork past CommitLimit while 0
//! and 1 grant them, Committed_AS rises with a mapping and falls back when
//! its process exits; oom_score_adj makes a small process the OOM killer's
//! first victim and -1000 keeps the biggest one alive (the kill lines
//! snapshotted); mmap, mprotect, brk and mremap charge Committed_AS and
//! munmap releases it (snapshotted in modes 0 and 2); panic_on_oom stops
//! the kernel with Linux's message;
//! /proc/slabinfo has Linux's format and its counts follow the kernel's
//! allocations, and meminfo's Slab is the slabs' frames.

use std::path::Path;
use svemu::machine::Exit;
use svemu_tests::{initrd_with, run_svemu, section, svos_image, Run, RunOptions};

/// Boots `initrd` with `append` on one hart, 128 MiB, no disk.
fn run(initrd: &Path, append: &str) -> Run {
    let img = svos_image();
    run_svemu(&RunOptions {
        initrd: Some(initrd),
        append: Some(append),
        max_instructions: Some(20_000_000_000),
        ..RunOptions::new(&img.kernel)
    })
}

/// Boots as [`run`] and checks that svos powered off normally with no leak.
fn boot(initrd: &Path, append: &str) -> String {
    let r = run(initrd, append);
    assert_eq!(r.exit, Exit::PowerOff(0), "{append}: console:\n{}", r.console);
    assert!(r.console.contains("(no leak)"), "{}", r.console);
    r.console
}

/// The initrd with the script `t.sh`.
fn script_initrd(test: &str, script: &str) -> std::path::PathBuf {
    initrd_with(&Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svos_oom_{test}")), &[("t.sh", script)])
}

/// The value in kB of meminfo line `name` among `lines`.
fn meminfo_kb(lines: &[String], name: &str) -> u64 {
    let l = lines.iter().find(|l| l.starts_with(&format!("{name}:"))).unwrap_or_else(|| panic!("no {name}: {lines:?}"));
    l[name.len() + 1..].trim().trim_end_matches(" kB").trim().parse().unwrap()
}

#[test]
fn overcommit_never_refuses_past_commit_limit_and_committed_as_follows_mappings() {
    let script = "\
echo @@default
cat /proc/sys/vm/overcommit_memory /proc/sys/vm/overcommit_ratio /proc/meminfo
echo @@held
memory-user 8 1 3000 &
sleep 1000
cat /proc/meminfo
wait
echo @@after
cat /proc/meminfo
echo 2 > /proc/sys/vm/overcommit_memory
echo @@never
memory-user 80
memory-user 30
memstress hog 40 1
echo 3 > /proc/sys/vm/overcommit_memory
cat /proc/sys/vm/overcommit_memory
echo 80 > /proc/sys/vm/overcommit_ratio
echo @@ratio80
cat /proc/meminfo
memstress hog 40 1
echo 0 > /proc/sys/vm/overcommit_memory
echo @@guess
memory-user 80
memory-user 200
exit 0
";
    let initrd = script_initrd("overcommit", script);
    let console = boot(&initrd, "init=sh:t.sh");

    let default = section(&console, "default");
    assert_eq!(default[..2], ["0", "50"], "{console}");
    let mem_total = meminfo_kb(&default, "MemTotal");
    // No swap: CommitLimit = MemTotal x 50 / 100 (in whole pages).
    assert_eq!(meminfo_kb(&default, "CommitLimit"), mem_total / 4 * 50 / 100 * 4, "{console}");
    let base = meminfo_kb(&default, "Committed_AS");
    // A process holding an 8 MiB private writable mapping: charged while it lives, released at exit.
    let held = meminfo_kb(&section(&console, "held"), "Committed_AS");
    assert!(held >= base + 8192, "Committed_AS {base} kB, with 8 MiB held {held} kB:\n{console}");
    assert_eq!(meminfo_kb(&section(&console, "after"), "Committed_AS"), base, "{console}");

    // Mode 2: 80 MiB is over the ~62 MiB limit, 30 MiB is not; a 40 MiB
    // process cannot fork (its copy would be charged 40 MiB more).
    let never = section(&console, "never");
    assert_eq!(never[0], "memory-user: mmap of 80 MiB failed: -12", "{console}");
    assert!(never[1].starts_with("memory-user: 30 MiB at "), "{console}");
    assert_eq!(never[2], "memstress: hog: fork failed: -12", "{console}");
    // 3 is refused (-EINVAL): the mode stays 2.
    assert_eq!(never.last().unwrap(), "2", "{console}");
    // With overcommit_ratio 80 the limit is 80% of RAM and the fork fits.
    let ratio80 = section(&console, "ratio80");
    assert_eq!(meminfo_kb(&ratio80, "CommitLimit"), mem_total / 4 * 80 / 100 * 4, "{console}");
    assert!(ratio80.iter().any(|l| l == "memstress: hog 40 MiB, 1 forks: 0 children failed, 0 bad pages"), "{console}");
    // Mode 0 grants 80 MiB but refuses one mapping larger than RAM + swap.
    let guess = section(&console, "guess");
    assert!(guess[0].starts_with("memory-user: 80 MiB at "), "{console}");
    assert_eq!(guess[1], "memory-user: mmap of 200 MiB failed: -12", "{console}");
}

#[test]
fn oom_score_adj_1000_dies_first_and_minus_1000_never() {
    let img = svos_image();
    let console = boot(&img.initrd, "init=memstress:oomadj");
    let lines: Vec<&str> =
        console.lines().filter(|l| l.contains("Out of memory") || l.starts_with("memstress:")).collect();
    insta::assert_snapshot!(lines.join("\n"));
    // Out of range: -EINVAL; inherited by fork and kept by exec.
    assert!(console.contains("memstress: oomadj: write 1001: -22, write -1001: -22"), "{console}");
    assert!(console.contains("memstress: adj: my oom_score_adj is 7"), "{console}");
    // The 4 MiB process with adj 1000 goes first, then the 40 MiB one;
    // the 50 MiB one with -1000 is never chosen (the parent ends it: 15).
    let kills: Vec<&&str> = lines.iter().filter(|l| l.contains("Killed process")).collect();
    assert_eq!(kills.len(), 2, "{console}");
    let anon_rss_mib = |l: &str| {
        let kb: u64 = l.split("anon-rss:").nth(1).and_then(|r| r.split("kB").next()).unwrap().parse().unwrap();
        kb >> 10
    };
    assert!(anon_rss_mib(kills[0]) == 4 && kills[0].ends_with("oom_score_adj:1000"), "{console}");
    assert!(anon_rss_mib(kills[1]) == 40 && kills[1].ends_with("oom_score_adj:0"), "{console}");
    assert!(
        console.contains(
            "sacrifice (adj 1000, 4 MiB) signal 9, hog (adj 0, 40 MiB) signal 9, shield (adj -1000, 50 MiB) signal 15"
        ),
        "{console}"
    );
    assert!(console.contains("newcomer 40 MiB exit 0 signal 0"), "{console}");
}

#[test]
fn panic_on_oom_stops_the_kernel_with_linuxs_message() {
    let img = svos_image();
    // The bootarg; mode 1 lets the 200 MiB mapping be made, so its faults run out of RAM.
    let r = run(&img.initrd, "vm.panic_on_oom=1 vm.overcommit_memory=1 init=memory-user:200");
    assert_ne!(r.exit, Exit::PowerOff(0), "{}", r.console);
    assert!(
        r.console.contains("KERNEL PANIC") && r.console.contains("Out of memory: system-wide panic_on_oom is enabled"),
        "{}",
        r.console
    );
    assert!(!r.console.contains("Killed process"), "{}", r.console);
    // The sysctl, 2: compulsory.
    let initrd = script_initrd(
        "panic",
        "echo 2 > /proc/sys/vm/panic_on_oom\ncat /proc/sys/vm/panic_on_oom\nmemory-user 120\nexit 0\n",
    );
    let r = run(&initrd, "init=sh:t.sh");
    assert!(r.console.contains("\n2\n"), "{}", r.console);
    assert!(r.console.contains("Out of memory: compulsory panic_on_oom is enabled"), "{}", r.console);
    // Without it the same run kills the process and goes on.
    let initrd = script_initrd("nopanic", "memory-user 120\nexit 0\n");
    let console = boot(&initrd, "init=sh:t.sh");
    assert!(console.contains("Killed process") && !console.contains("KERNEL PANIC"), "{console}");
}

#[test]
fn slabinfo_has_linuxs_format_and_follows_the_kernels_allocations() {
    let script = format!(
        "echo @@slab\ncat /proc/slabinfo\necho @@mem\ncat /proc/meminfo\necho @@busy\n{}cat /proc/slabinfo\nwait\nexit 0\n",
        "sleep 1000 &\n".repeat(20)
    );
    let initrd = script_initrd("slabinfo", &script);
    let console = boot(&initrd, "init=sh:t.sh");
    let slab = section(&console, "slab");
    assert_eq!(slab[0], "slabinfo - version: 2.1", "{console}");
    assert_eq!(
        slab[1],
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>"
    );
    let names: Vec<&str> = slab[2..].iter().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "task_struct",
            "kmalloc-8k",
            "kmalloc-4k",
            "kmalloc-2k",
            "kmalloc-1k",
            "kmalloc-512",
            "kmalloc-256",
            "kmalloc-192",
            "kmalloc-128",
            "kmalloc-96",
            "kmalloc-64",
            "kmalloc-32",
            "kmalloc-16",
            "kmalloc-8"
        ]
    );
    // Per line: active <= num <= slabs x objperslab; objsize x objperslab fits pagesperslab pages.
    let mut slab_pages = 0;
    let mut active_total = 0;
    for l in &slab[2..] {
        let f: Vec<&str> = l.split_whitespace().collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap_or_else(|_| panic!("{l}"));
        assert_eq!(
            (f[6], f[7], f[8], f[9], f[10], f[11], f[12]),
            (":", "tunables", "0", "0", "0", ":", "slabdata"),
            "{l}"
        );
        let (active, num, size, per, pages, slabs) = (n(1), n(2), n(3), n(4), n(5), n(14));
        // A slab made of a smaller block (fragmented RAM) holds fewer objects.
        assert!(active <= num && slabs <= num && num <= slabs * per && n(13) == slabs, "{l}");
        assert!(size * per <= pages * 4096 && per > 0, "{l}");
        slab_pages += slabs * pages;
        active_total += active;
    }
    assert!(active_total > 100, "the kernel has live objects:\n{console}");
    // meminfo's Slab counts those frames (and large kmalloc blocks): at least the slabs.
    let mem = section(&console, "mem");
    let slab_kb = meminfo_kb(&mem, "Slab");
    assert!(
        slab_kb >= slab_pages * 4 && slab_kb == meminfo_kb(&mem, "SUnreclaim"),
        "{slab_kb} kB, {slab_pages} slab pages:\n{console}"
    );
    assert_eq!(meminfo_kb(&mem, "SReclaimable"), 0);
    // 20 more processes: more kmalloc objects in use (fd tables, address spaces, page-table bookkeeping, ...).
    let busy = section(&console, "busy");
    let active = |lines: &[String]| -> u64 {
        lines
            .iter()
            .filter(|l| l.starts_with("kmalloc-"))
            .map(|l| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert!(active(&busy) > active(&slab) + 20, "{console}");
    // The named cache of thread records (svos's Process, Linux's
    // task_struct) holds one object per live or zombie thread: sh and cat
    // at first, then 20 sleeping background jobs too.
    let tasks = |lines: &[String]| -> u64 {
        let l = lines.iter().find(|l| l.starts_with("task_struct ")).expect("a task_struct line");
        l.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    assert!(tasks(&slab) >= 2 && tasks(&busy) >= tasks(&slab) + 20, "{console}");
}

#[test]
fn every_mapping_call_charges_and_releases_committed_as() {
    let img = svos_image();
    let lines = |mode: u32| -> Vec<String> {
        let console = boot(&img.initrd, &format!("vm.overcommit_memory={mode} init=memstress:commit"));
        console.lines().filter(|l| l.starts_with("memstress: commit:")).map(String::from).collect()
    };
    let (guess, never) = (lines(0), lines(2));
    insta::assert_snapshot!(format!(
        "vm.overcommit_memory=0\n{}\nvm.overcommit_memory=2\n{}",
        guess.join("\n"),
        never.join("\n")
    ));
    // Each call's (result, change in kB).
    let parse = |l: &String| -> (i64, i64) {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f[f.len() - 4].parse().unwrap(), f[f.len() - 2].trim_start_matches('+').parse().unwrap())
    };
    let guess: Vec<(i64, i64)> = guess.iter().map(parse).collect();
    let never: Vec<(i64, i64)> = never.iter().map(parse).collect();
    // mmap rw, mmap PROT_NONE, mprotect rw, brk +60 MiB (1 = moved), brk back, mremap to 80 MiB, munmap.
    assert_eq!(guess, [(0, 8192), (0, 0), (0, 81920), (1, 61440), (0, -61440), (0, 73728), (0, -163840)]);
    // Mode 2 (CommitLimit ~62 MiB): the large charges are refused and nothing is charged for them.
    assert_eq!(never, [(0, 8192), (0, 0), (-12, 0), (0, 0), (0, 0), (-12, 0), (0, -8192)]);
}
