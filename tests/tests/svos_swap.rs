//! svos swaps to a virtio-blk disk (the `make run` image, other bootargs,
//! 32 MiB of RAM): `thrash` walks a working set larger than RAM, takes
//! major faults and reads every page back correct, with the same console on
//! svemu (either A/D policy) and QEMU; the slots a process used are free
//! again when it exits (a second run fits on a disk too small for both);
//! a fork shares the parent's swapped-out pages and both keep their own
//! data; processes that together need more than RAM all finish with their data
//! intact; with no disk, or a full one, the process is killed for lack of memory
//! and svos goes on; no frame leaks.

use regex::Regex;
use std::path::{Path, PathBuf};
use svemu::machine::Exit;
use svemu::mmu::AdPolicy;
use svemu_tests::{
    normalize_svos_console as normalize, parse_memory, qemu_disk_args, run_qemu, run_svemu, svos_image, RunOptions,
};

/// RAM of every run: about 22 MiB of it is left for frames.
const MEMORY: &str = "32M";

/// A zeroed raw disk image of `mib` MiB in a directory of this test process.
fn disk(name: &str, mib: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svos-swap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(mib << 20).unwrap();
    p
}

/// Boots the image with `append` on svemu (one hart) with the disks
/// `drives` and A/D policy `ad`; checks that svos powered off normally and
/// returns the console.
fn svemu_console(append: &str, drives: &[PathBuf], ad: AdPolicy) -> String {
    svemu_console_with_input(append, drives, ad, b"")
}

/// [`svemu_console`] with `input` typed on the console.
fn svemu_console_with_input(append: &str, drives: &[PathBuf], ad: AdPolicy, input: &[u8]) -> String {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(append),
        memory: parse_memory(MEMORY),
        drives,
        ad_policy: ad,
        console_input: input,
        max_instructions: Some(40_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{append}: console:\n{}", run.console);
    run.console
}

/// Boots the image with `append` on QEMU (one hart, modern virtio-mmio as
/// on svemu) with the disk `drive`; returns the console.
fn qemu_console(append: &str, drive: &Path) -> String {
    let img = svos_image();
    let disk_args = qemu_disk_args(drive, "");
    let mut extra = vec!["-initrd", img.initrd.to_str().unwrap(), "-append", append];
    extra.extend(disk_args.iter().map(String::as_str));
    let (console, status) = run_qemu(&img.kernel, MEMORY, &extra);
    assert_eq!(status, 0, "QEMU {append}: console:\n{console}");
    console
}

/// thrash's result lines: (pages, minor faults, major faults, bad pages), in order.
fn thrash_results(console: &str) -> Vec<(u64, u64, u64, u64)> {
    let re =
        Regex::new(r"thrash: .*: (\d+) pages, (\d+) minor faults, (\d+) major faults, checksum 0x[0-9a-f]+, (\d+) bad")
            .unwrap();
    re.captures_iter(console)
        .map(|c| (c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap(), c[4].parse().unwrap()))
        .collect()
}

/// The kernel's swap totals at power off: (pages out, pages in, slots in use).
fn swap_totals(console: &str) -> (u64, u64, u64) {
    let re = Regex::new(r"\[svos\] swap: (\d+) pages swapped out, (\d+) swapped in; (\d+) slots in use").unwrap();
    let c = re.captures(console).unwrap_or_else(|| panic!("no swap totals:\n{console}"));
    (c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap())
}

#[test]
fn thrash_swaps_and_reads_back_every_page_as_on_qemu() {
    // 32 MiB (8192 pages) walked twice, then checked once, in 22 MiB of frames.
    let append = "init=thrash:32";
    let ours = disk("thrash-svemu.img", 64);
    let svemu = svemu_console(append, &[ours], AdPolicy::Hardware);
    assert!(svemu.contains("[svos] virtio-blk disk: 131072 sectors; swap: 16384 slots of 4 KiB"), "{svemu}");
    assert!(svemu.contains("[svos] pid 1 (thrash) exited with status 0"), "{svemu}");
    let results = thrash_results(&svemu);
    assert_eq!(results.len(), 1, "{svemu}");
    let (pages, minor, major, bad) = results[0];
    assert_eq!((pages, bad), (8192, 0), "{svemu}");
    // Each page is zero-filled once (plus the stack's first pages), and read
    // back from swap on each later walk: the working set never fits. A
    // major fault reads ahead the following pages too, so there are fewer
    // major faults than pages read.
    assert!((8192..8200).contains(&minor), "{svemu}");
    let (out, back, in_use) = swap_totals(&svemu);
    // Every page is read back on each later walk (read ahead or by its own
    // major fault); the kernel's swap-ins may also include a few of the
    // program's own pages (.bss is anonymous memory, evictable too).
    assert!(back >= 2 * 8192 && major > 0 && back >= major, "{svemu}");
    assert_eq!(in_use, 0, "{svemu}");
    assert!(out >= back, "{svemu}");

    // The clock runs on the PTE's A bit, set by the hart (Svadu) or by svos
    // at an A/D fault (Svade, not counted as a minor fault). The disk's
    // timing (and so kswapd's and read-ahead's work) differs between them
    // and on QEMU: the fault counts may too, the data may not.
    let svade = svemu_console(append, &[disk("thrash-svade.img", 64)], AdPolicy::Fault);
    assert_eq!(without_counts(&svade), without_counts(&svemu), "Svadu, then Svade");
    let qemu = qemu_console(append, &disk("thrash-qemu.img", 64));
    assert_eq!(without_counts(&normalize(&svemu)), without_counts(&normalize(&qemu)), "svemu, then QEMU");
}

/// The console with thrash's fault counts and the kernel's swap totals
/// masked (they depend on the disk's timing).
fn without_counts(console: &str) -> String {
    let faults = Regex::new(r"\d+ minor faults, \d+ major faults").unwrap();
    let totals = Regex::new(r"swap: \d+ pages swapped out, \d+ swapped in").unwrap();
    let s = faults.replace_all(console, "N minor faults, N major faults");
    totals.replace_all(&s, "swap: N pages swapped out, N swapped in").into_owned()
}

#[test]
fn exit_frees_the_slots_so_a_second_run_fits() {
    // Each run needs about 2500 of the disk's 4096 slots: the second fits
    // only if the first one's were freed at its exit.
    let console = svemu_console("init=thrash:32:1,thrash:32:1", &[disk("reuse.img", 16)], AdPolicy::Hardware);
    assert!(console.contains("swap: 4096 slots of 4 KiB"), "{console}");
    assert!(console.contains("[svos] pid 1 (thrash) exited with status 0"), "{console}");
    assert!(console.contains("[svos] pid 2 (thrash) exited with status 0"), "{console}");
    let results = thrash_results(&console);
    assert_eq!(results.len(), 2, "{console}");
    assert!(results.iter().all(|&(pages, _, major, bad)| pages == 8192 && major > 0 && bad == 0), "{console}");
    assert_eq!(swap_totals(&console).2, 0, "{console}");
    assert!(console.contains("(no leak)"), "{console}");
}

#[test]
fn without_swap_space_thrash_is_killed_and_svos_goes_on() {
    let oom =
        Regex::new(r"\[svos\] pid 1 \(thrash\): out of memory at 0x[0-9a-f]+, pc 0x[0-9a-f]+: killed by signal 9")
            .unwrap();
    // 32 MiB is more than RAM + swap: the heuristic overcommit policy
    // (vm.overcommit_memory 0) would refuse the mmap itself; mode 1 grants
    // it, so the pages run out as they are touched.
    let append = "vm.overcommit_memory=1 init=thrash:32,hello";
    // No disk: exactly today's behaviour (no swap line, no eviction).
    let no_disk = svemu_console(append, &[], AdPolicy::Hardware);
    // A 2 MiB disk (512 slots) fills up long before 32 MiB is touched.
    let full = svemu_console(append, &[disk("small.img", 2)], AdPolicy::Hardware);
    for console in [&no_disk, &full] {
        assert!(oom.is_match(console), "{console}");
        assert!(console.contains("[svos] pid 1 (thrash) exited with status 137"), "{console}");
        assert!(console.contains("[svos] pid 2 (hello) exited with status 0"), "{console}");
        assert!(console.contains("(no leak)"), "{console}");
    }
    assert!(!no_disk.contains("virtio-blk") && !no_disk.contains("swap"), "{no_disk}");
    let (out, back, in_use) = swap_totals(&full);
    assert_eq!((out, back, in_use), (512, 0, 0), "{full}");
}

#[test]
fn concurrent_processes_share_ram_and_swap() {
    // 16 + 16 + 4 MiB at once, in 22 MiB of frames: each evicts pages while
    // the others run (the shell's background jobs, one hart, time slices).
    let input = b"thrash 16 & thrash 16 & memory-user 4\nwait\nexit\n";
    let console = svemu_console_with_input("init=sh", &[disk("concurrent.img", 64)], AdPolicy::Hardware, input);
    let results = thrash_results(&console);
    assert_eq!(results.len(), 2, "{console}");
    assert!(results.iter().all(|&(pages, _, major, bad)| pages == 4096 && major > 0 && bad == 0), "{console}");
    assert!(console.contains("1024 pages touched, 1024 minor faults"), "{console}");
    assert!(!console.contains("FAIL") && !console.contains("killed by signal"), "{console}");
    assert_eq!(swap_totals(&console).2, 0, "{console}");
    assert!(console.contains("(no leak)"), "{console}");
}

#[test]
fn fork_shares_swapped_pages_and_both_keep_their_data() {
    // At the fork most of the parent's 29 MiB is resident (and now shared
    // copy-on-write) and the rest is in swap slots the child shares; the
    // child reads every page and rewrites it.
    let append = "init=thrash:29:1:fork";
    let svemu = svemu_console(append, &[disk("fork-svemu.img", 64)], AdPolicy::Hardware);
    assert!(svemu.contains("thrash: fork: child read and rewrote 7424 pages"), "{svemu}");
    assert!(svemu.contains("thrash: fork: child exit 0, parent's pages intact: 0 bad pages"), "{svemu}");
    assert!(svemu.contains("[svos] pid 1 (thrash) exited with status 0"), "{svemu}");
    let (pages, _, major, bad) = thrash_results(&svemu)[0];
    assert_eq!((pages, bad), (7424, 0), "{svemu}");
    assert!(major > 0, "the parent swapped before the fork:\n{svemu}");
    assert_eq!(swap_totals(&svemu).2, 0, "{svemu}");
    let qemu = qemu_console(append, &disk("fork-qemu.img", 64));
    assert!(qemu.contains("thrash: fork: child exit 0, parent's pages intact: 0 bad pages"), "{qemu}");
}
