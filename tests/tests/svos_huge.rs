//! svos's transparent 2 MiB megapages (guest program `hugepage`, the `make
//! run` image): an aligned fault in a madvise(MADV_HUGEPAGE) area maps a
//! megapage (smaps and meminfo AnonHugePages, vmstat thp_fault_alloc);
//! partial munmap and mprotect split it (thp_split_page) with the data
//! intact, a whole munmap does not; fork shares it and a store in the
//! child splits the child's copy only, both keep their data; the same
//! console on svemu (Svadu and Svade) and QEMU; under memory pressure
//! with a swap disk megapages are split and swapped with every byte
//! intact; the TLB reach: walking 16 MiB with megapages takes a small
//! fraction of the TLB misses and page walks it takes with 4 KiB pages.
//! Every test fails with `transparent_hugepage=never` (checked by hand:
//! AnonHugePages stays 0 and the TLB counts match).

use regex::Regex;
use std::path::PathBuf;
use svemu::machine::Exit;
use svemu::mmu::AdPolicy;
use svemu_tests::{
    normalize_svos_console as normalize, parse_memory, qemu_disk_args, run_qemu, run_svemu, svos_image, Run, RunOptions,
};

/// Boots the image with `append` (RAM `memory`, disks `drives`, A/D policy
/// `ad`) on one hart; checks that svos powered off normally.
fn svemu_run(append: &str, memory: &str, drives: &[PathBuf], ad: AdPolicy) -> Run {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(append),
        memory: parse_memory(memory),
        drives,
        ad_policy: ad,
        max_instructions: Some(20_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{append}: console:\n{}", run.console);
    run
}

/// The `hugepage:` lines of a console.
fn program_lines(console: &str) -> String {
    console.lines().filter(|l| l.starts_with("hugepage:")).map(|l| format!("{l}\n")).collect()
}

/// A zeroed raw disk image of `mib` MiB in a directory of this test process.
fn disk(name: &str, mib: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svos-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().set_len(mib << 20).unwrap();
    p
}

#[test]
fn megapages_are_mapped_split_and_forked_with_data_intact_as_on_qemu() {
    let append = "init=hugepage:check";
    let svadu = svemu_run(append, "128M", &[], AdPolicy::Hardware).console;
    let lines = program_lines(&svadu);
    // Four aligned faults, four megapages: 8 MiB in the area's smaps.
    assert!(lines.contains("filled 8 MiB at a 2 MiB boundary: area AnonHugePages 8192 kB"), "{svadu}");
    assert!(
        lines.contains("after the faults: AnonHugePages 8192 kB, thp_fault_alloc 4, thp_fault_fallback 0"),
        "{svadu}"
    );
    // One split for the 4 KiB hole, one for the mprotect, none for the whole munmap.
    assert!(lines.contains("after the partial munmap: AnonHugePages 6144 kB, thp_fault_alloc 4, thp_fault_fallback 0, thp_split_page 1"), "{svadu}");
    assert!(lines.contains("after munmap of a whole megapage: AnonHugePages 2048 kB, thp_fault_alloc 4, thp_fault_fallback 0, thp_split_page 2"), "{svadu}");
    // The child sees the shared megapage, its store splits its own copy only.
    assert!(lines.contains("child sees AnonHugePages 2048 kB before its store"), "{svadu}");
    assert!(lines.contains("child stored into one page: AnonHugePages 0 kB"), "{svadu}");
    assert!(lines.contains("parent after the child: AnonHugePages 2048 kB, child status 0"), "{svadu}");
    assert!(lines.contains("hugepage: child: 0 bad pages") && lines.contains("hugepage: 0 bad pages"), "{svadu}");
    assert!(svadu.contains("(no leak)"), "{svadu}");
    insta::assert_snapshot!(lines);

    // Svade: svos sets A and D in the megapage's one PTE at its A/D faults.
    let svade = svemu_run(append, "128M", &[], AdPolicy::Fault).console;
    assert_eq!(program_lines(&svade), lines, "Svadu, then Svade");

    let img = svos_image();
    let (qemu, status) = run_qemu(&img.kernel, "128M", &["-initrd", img.initrd.to_str().unwrap(), "-append", append]);
    assert_eq!(status, 0, "QEMU: {qemu}");
    assert_eq!(normalize(&svadu), normalize(&qemu), "svemu, then QEMU");
}

#[test]
fn the_policy_knob_and_nohugepage_decide() {
    let run = |append: &str| svemu_run(append, "128M", &[], AdPolicy::Hardware).console;
    // The default, madvise: advised areas get megapages, others do not.
    let huge = run("init=hugepage:touch:4:1:huge");
    assert!(huge.contains("huge pages: 2 minor faults, AnonHugePages 4096 kB"), "{huge}");
    let plain = run("init=hugepage:touch:4:1:default");
    assert!(plain.contains("default pages: 1024 minor faults, AnonHugePages 0 kB"), "{plain}");
    // `never` at boot: the advised area gets 4 KiB pages.
    let never = run("init=hugepage:touch:4:1:huge transparent_hugepage=never");
    assert!(never.contains("huge pages: 1024 minor faults, AnonHugePages 0 kB"), "{never}");
    // `always` written at run time: any area; MADV_NOHUGEPAGE still refuses.
    let always =
        run("init=hugepage:policy:always,hugepage:touch:4:1:default,hugepage:touch:4:1:small,hugepage:policy:bogus");
    assert!(always.contains("hugepage: transparent_hugepage was: always [madvise] never"), "{always}");
    assert!(always.contains("hugepage: write \"always\": 6; now: [always] madvise never"), "{always}");
    assert!(always.contains("default pages: 2 minor faults, AnonHugePages 4096 kB"), "{always}");
    assert!(always.contains("small pages: 1024 minor faults, AnonHugePages 0 kB"), "{always}");
    assert!(always.contains("hugepage: write \"bogus\": -22; now: [always] madvise never"), "{always}");
}

#[test]
fn megapages_reach_further_in_the_tlb() {
    // 16 MiB walked, one load and one store per 4 KiB page, in svemu's
    // default TLB (64 entries, 4-way): its 8 megapage entries fit, its 4096
    // page entries do not. The difference between 9 passes and 1 is the
    // cost of 8 passes over memory already mapped: the TLB reach alone,
    // without the faults and the kernel's bookkeeping of the first pass.
    let tlb = |how: &str, passes: u32| {
        let run = svemu_run(&format!("init=hugepage:touch:16:{passes}:{how}"), "128M", &[], AdPolicy::Hardware);
        let huge = if how == "huge" { "16384" } else { "0" };
        assert!(run.console.contains(&format!("AnonHugePages {huge} kB")), "{}", run.console);
        (run.tlb.misses, run.mmu.walks)
    };
    let (huge1, huge9) = (tlb("huge", 1), tlb("huge", 9));
    let (small1, small9) = (tlb("small", 1), tlb("small", 9));
    // The kernel's own misses vary by a few dozen between the runs (timer
    // interrupts fall elsewhere): a difference below 0 counts as 0.
    let huge = (huge9.0.saturating_sub(huge1.0), huge9.1.saturating_sub(huge1.1));
    let small = (small9.0.saturating_sub(small1.0), small9.1.saturating_sub(small1.1));
    eprintln!("8 more passes over 16 MiB: megapages {huge:?}, 4 KiB pages {small:?} (TLB misses, page walks)");
    // Every 4 KiB page misses on every pass; the megapages stay in the TLB.
    assert!(small.0 >= 8 * 4096 && small.1 >= 8 * 4096, "4 KiB pages: {small:?}");
    assert!(huge.0 * 100 < small.0 && huge.1 * 100 < small.1, "megapages {huge:?}, 4 KiB pages {small:?}");
}

#[test]
fn megapages_under_swap_pressure_split_and_keep_their_data() {
    // 32 MiB of advised memory in 32 MiB of RAM (about 28 MiB of frames) and a
    // 64 MiB swap disk: the first faults get megapages, reclaim splits them
    // to swap their pages out, and every page reads back right.
    let append = "init=hugepage:fill:32 svos.vmstat";
    let console = svemu_run(append, "32M", &[disk("fill.img", 64)], AdPolicy::Hardware).console;
    let counters = Regex::new(r"hugepage: filled: AnonHugePages \d+ kB, thp_fault_alloc (\d+), thp_fault_fallback (\d+), thp_split_page (\d+)").unwrap();
    let c = counters.captures(&console).unwrap_or_else(|| panic!("no counters:\n{console}"));
    let (alloc, split): (u64, u64) = (c[1].parse().unwrap(), c[3].parse().unwrap());
    assert!(alloc >= 4, "megapages mapped: {alloc}\n{console}");
    assert!(split >= 1, "megapages split by reclaim: {split}\n{console}");
    let result = Regex::new(r"hugepage: fill 32 MiB: \d+ minor faults, (\d+) major faults, (\d+) bad pages").unwrap();
    let r = result.captures(&console).unwrap_or_else(|| panic!("no result:\n{console}"));
    let (major, bad): (u64, u64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
    assert_eq!(bad, 0, "{console}");
    assert!(major > 0, "{console}");
    assert!(console.contains("[svos] pid 1 (hugepage) exited with status 0"), "{console}");
    assert!(console.contains("(no leak)"), "{console}");
    assert!(console.contains("slots in use") && console.contains("; 0 slots in use"), "{console}");

    let img = svos_image();
    let drive = disk("fill-qemu.img", 64);
    let args = qemu_disk_args(&drive, "");
    let mut extra = vec!["-initrd", img.initrd.to_str().unwrap(), "-append", append];
    extra.extend(args.iter().map(String::as_str));
    let (qemu, status) = run_qemu(&img.kernel, "32M", &extra);
    assert_eq!(status, 0, "QEMU: {qemu}");
    let q = result.captures(&qemu).unwrap_or_else(|| panic!("no result on QEMU:\n{qemu}"));
    assert_eq!(&q[2], "0", "{qemu}");
}

#[test]
fn map_hugetlb_takes_pages_of_the_pool_with_linux_errors() {
    // A pool of 4 pages at boot: 4 MiB mapped, the fork's child gets its own
    // copy (the pool empties), munmap gives the pages back.
    let append = "init=hugepage:hugetlb hugepages=4";
    let console = svemu_run(append, "128M", &[], AdPolicy::Hardware).console;
    assert!(console.contains("[svos] pid 1 (hugepage) exited with status 0"), "{console}");
    assert!(console.contains("(no leak)"), "{console}");
    let lines = program_lines(&console);
    insta::assert_snapshot!(lines);
    let svade = svemu_run(append, "128M", &[], AdPolicy::Fault).console;
    assert_eq!(program_lines(&svade), lines, "Svadu, then Svade");
    // No pool (the default, as on Linux): MAP_HUGETLB is -ENOMEM.
    let none = svemu_run("init=hugepage:hugetlb", "128M", &[], AdPolicy::Hardware).console;
    assert!(none.contains("hugepage: FAIL: MAP_HUGETLB of 4 MiB: -12"), "{none}");
}
