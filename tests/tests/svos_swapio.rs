//! Swap that behaves like a disk (issue 13): svemu's virtio-blk takes
//! machine time per request (`--disk-latency`), svos drives it by interrupt
//! with several requests in flight, a process waiting for a swap-in sleeps
//! while the others run, kswapd reclaims in the background before any
//! process has to reclaim for itself, and nothing swapped out and back is
//! ever lost: every word of data written over three times RAM, by several
//! processes that fork, reads back right on 1 and 4 harts, under both A/D
//! policies, and on QEMU.

use regex::Regex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use svemu::machine::Exit;
use svemu::mmu::AdPolicy;
use svemu_tests::{qemu_disk_args, run_qemu, run_svemu, svos_image, DiskLatency, RunOptions};

/// RAM of every run, MiB (about 29 MiB of it free for frames).
const MEMORY_MIB: u64 = 32;
/// The swap disk, MiB.
const DISK_MIB: u64 = 64;
/// 8 workers of 8 MiB, 3 alive at once, each forking a child that rewrites
/// half its pages: 96 MiB written (3 x RAM), up to 36 MiB live.
const SWAPCHECK: &str = "init=memstress:swapcheck:8:3:8 svos.vmstat";
const SWAPCHECK_OK: &str = "memstress: stress: 8 workers of 8 MiB, 0 failed";

/// A zeroed (sparse) raw disk image of `mib` MiB for this test process.
fn disk(name: &str, mib: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svos-swapio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().set_len(mib << 20).unwrap();
    p
}

/// Boots `append` on svemu with a fresh swap disk; checks that svos powered
/// off normally, without a panic or a leak, and returns the console.
fn svemu(append: &str, harts: usize, ad: AdPolicy, latency: DiskLatency, name: &str) -> String {
    let img = svos_image();
    let drives = [disk(name, DISK_MIB)];
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(append),
        memory: MEMORY_MIB << 20,
        harts,
        drives: &drives,
        disk_latency: latency,
        ad_policy: ad,
        max_instructions: Some(40_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{append}: console:\n{}", run.console);
    assert!(!run.console.contains("KERNEL PANIC"), "{}", run.console);
    assert!(run.console.contains("(no leak)"), "{}", run.console);
    run.console
}

/// The counters of the `svos.vmstat` line at power off, by name.
fn vmstat(console: &str) -> HashMap<String, u64> {
    let line = console.lines().find(|l| l.starts_with("[svos] vmstat:")).unwrap_or_else(|| panic!("{console}"));
    let words: Vec<&str> = line["[svos] vmstat:".len()..].split([' ', ';']).filter(|w| !w.is_empty()).collect();
    words.windows(2).filter_map(|w| Some((w[0].to_string(), w[1].parse().ok()?))).collect()
}

/// Checks a swapcheck console: every worker's data right, real swapping
/// (pages written out and read back: at least an eighth of RAM each way;
/// QEMU's disk, faster than svemu's modelled one, and the swap cache leave
/// QEMU on one hart near 2,000 pages written, a quarter of RAM), the slots
/// all free,
/// and no kernel path waited for the disk by polling with the kernel lock
/// held (disk_polls: every wait slept).
fn assert_swapcheck(console: &str, what: &str) {
    assert!(console.contains(SWAPCHECK_OK), "{what}:\n{console}");
    assert!(console.contains("[svos] pid 1 (memstress) exited with status 0"), "{what}:\n{console}");
    assert!(console.contains("; 0 slots in use"), "{what}:\n{console}");
    let v = vmstat(console);
    let ram_pages = (MEMORY_MIB << 20) / 4096;
    assert!(v["pswpout"] > ram_pages / 8 && v["pswpin"] > ram_pages / 8, "{what}: {v:?}");
    assert_eq!(v["disk_polls"], 0, "{what}: {v:?}");
}

/// swapcheck on svemu with `harts` harts under A/D policy `ad`.
fn swapcheck_on_svemu(harts: usize, ad: AdPolicy) {
    let what = format!("{harts} harts, {ad:?}");
    let console = svemu(SWAPCHECK, harts, ad, DiskLatency::DEFAULT, &format!("check-{harts}-{ad:?}.img"));
    assert_swapcheck(&console, &what);
    let v = vmstat(&console);
    // Writes leave as clusters of consecutive slots, not page by page.
    assert!(v["pswpout"] >= 4 * v["swap_writes"], "{what}: {v:?}");
}

// Every combination of 1 and 4 harts with both A/D policies: the hart
// sets A and D (Svadu), or svos does in its A/D page faults (Svade).
#[test]
fn swapcheck_loses_no_byte_on_1_hart_under_svade() {
    swapcheck_on_svemu(1, AdPolicy::Fault);
}

#[test]
fn swapcheck_loses_no_byte_on_1_hart_under_svadu() {
    swapcheck_on_svemu(1, AdPolicy::Hardware);
}

#[test]
fn swapcheck_loses_no_byte_on_4_harts_under_svade() {
    swapcheck_on_svemu(4, AdPolicy::Fault);
}

#[test]
fn swapcheck_loses_no_byte_on_4_harts_under_svadu() {
    swapcheck_on_svemu(4, AdPolicy::Hardware);
}

#[test]
fn a_slow_disk_throttles_reclaim_and_bounds_the_write_queue() {
    // 5 ms a request, 50 times the default: on 4 harts the disk's ring
    // (3 clusters of 16 pages) stays full, while reclaim evicts pages the
    // workers share copy-on-write with their children, which queues writes
    // and frees no frame. Reclaim stops at 64 queued pages and sleeps for
    // the disk (reclaim_throttled), so the queue stays within the 80 pages
    // whose room svos reserves. Without the throttle this run queued 413
    // pages; on QEMU, whose disk follows the host, such a queue once
    // needed a 64 KiB block of kernel heap that was not there (a panic).
    let slow = DiskLatency { per_request: 50_000, per_kib: 100 };
    let console = svemu(SWAPCHECK, 4, AdPolicy::Hardware, slow, "slow-4.img");
    assert_swapcheck(&console, "4 harts, slow disk");
    let v = vmstat(&console);
    assert!(v["reclaim_throttled"] > 0, "{v:?}");
    assert!((64..=80).contains(&v["swap_queue_peak"]), "{v:?}");
}

#[test]
fn swapcheck_loses_no_byte_on_qemu_on_1_and_4_harts() {
    let img = svos_image();
    for harts in ["1", "4"] {
        let image = disk(&format!("check-qemu-{harts}.img"), DISK_MIB);
        let mut extra = vec!["-smp", harts, "-initrd", img.initrd.to_str().unwrap(), "-append", SWAPCHECK];
        let disk_args = qemu_disk_args(&image, "");
        extra.extend(disk_args.iter().map(String::as_str));
        let (console, status) = run_qemu(&img.kernel, &format!("{MEMORY_MIB}M"), &extra);
        assert_eq!(status, 0, "QEMU, {harts} harts:\n{console}");
        assert!(console.contains("(no leak)"), "{console}");
        assert_swapcheck(&console, &format!("QEMU, {harts} harts"));
    }
}

#[test]
fn another_process_runs_while_one_waits_for_the_disk() {
    // 0.1 s a request: the major fault takes at least that long; a process
    // that polled the disk (or held the kernel lock) would keep the only
    // hart, and the spinner would see a gap as long. It sees time slices.
    let slow = DiskLatency { per_request: 1_000_000, per_kib: 0 };
    let console = svemu("init=memstress:progress:34", 1, AdPolicy::Hardware, slow, "progress.img");
    let fault = Regex::new(r"major fault took (\d+) ms, data intact").unwrap();
    let fault_ms: u64 = fault.captures(&console).unwrap_or_else(|| panic!("{console}"))[1].parse().unwrap();
    let gap = Regex::new(r"spinner ran (\d+) loops, longest gap (\d+) ms").unwrap();
    let c = gap.captures(&console).unwrap_or_else(|| panic!("{console}"));
    let (loops, gap_ms): (u64, u64) = (c[1].parse().unwrap(), c[2].parse().unwrap());
    assert!(fault_ms >= 100, "the fault waited for the disk: {console}");
    assert!(gap_ms < 50 && gap_ms * 4 < fault_ms, "the spinner ran during the fault: {console}");
    assert!(loops > 1000, "{console}");
    assert!(console.contains("[svos] pid 1 (memstress) exited with status 0"), "{console}");
}

#[test]
fn kswapd_reclaims_ahead_of_a_gradual_workload() {
    // 40 MiB touched a page at a time in 32 MiB: kswapd, woken at the low
    // watermark, keeps the free frames above min, so no fault ever has to
    // reclaim for itself.
    let console =
        svemu("init=memstress:gradual:40 svos.vmstat", 1, AdPolicy::Hardware, DiskLatency::DEFAULT, "gradual.img");
    assert!(console.contains("memstress: gradual 40 MiB: 0 bad pages"), "{console}");
    let v = vmstat(&console);
    assert!(v["pgscan_kswapd"] > 0 && v["pgsteal_kswapd"] > 0, "{v:?}");
    assert_eq!((v["pgscan_direct"], v["pgsteal_direct"]), (0, 0), "{v:?}");
}

/// One step of `memstress swapshare`: (major faults, minor faults, pswpin
/// growth, frames taken) of `who`'s reads of every page, checking its data.
fn swapshare_step(console: &str, who: &str) -> (i64, i64, i64, i64) {
    let re = Regex::new(&format!(
        r"swapshare: {who} read (\d+) pages: (-?\d+) major, (-?\d+) minor faults; pswpin \+(-?\d+); frames taken (-?\d+); data (\w+)"
    ))
    .unwrap();
    let c = re.captures(console).unwrap_or_else(|| panic!("{who}: {console}"));
    assert_eq!(&c[6], "right", "{who}'s data: {console}");
    let n = |i: usize| c[i].parse::<i64>().unwrap();
    (n(2), n(3), n(4), n(5))
}

/// The swap cache, looked up by slot: 1024 pages swapped out, then shared
/// by a fork. The child's reads bring them back from disk (major faults,
/// pswpin about 1024); the parent's then find every page in memory, in the
/// frames the child's reads filled: minor faults, no read, no new frame.
/// Without the lookup the parent reads all 1024 pages again into frames
/// of its own (128 major faults, pswpin +1024, over 700 frames).
fn swapshare(harts: usize, ad: AdPolicy) {
    const PAGES: i64 = 1024;
    let name = format!("swapshare-{harts}-{ad:?}.img");
    let console = svemu("init=memstress:swapshare:4 svos.vmstat", harts, ad, DiskLatency::DEFAULT, &name);
    assert!(console.contains("swapshare: 1024 pages written, 0 still resident"), "{console}");
    let (child_major, _, child_in, child_frames) = swapshare_step(&console, "child");
    assert!(child_major >= PAGES / 8 && child_in >= PAGES && child_frames > PAGES / 2, "child: {console}");
    let (major, minor, pswpin, frames) = swapshare_step(&console, "parent");
    assert_eq!((major, pswpin), (0, 0), "the parent's pages come from the swap cache: {console}");
    assert!(minor >= PAGES, "one minor fault a page: {console}");
    assert!(frames < PAGES / 8, "the parent's reads take no frames: {console}");
    assert!(vmstat(&console)["swap_cache_hits"] >= PAGES as u64, "{console}");
    assert!(console.contains("[svos] pid 1 (memstress) exited with status 0"), "{console}");
    assert!(console.contains("; 0 slots in use"), "{console}");
}

#[test]
fn a_forked_child_and_its_parent_read_a_swapped_page_once() {
    swapshare(1, AdPolicy::Fault);
    swapshare(2, AdPolicy::Hardware);
}

#[test]
fn mlock_map_populate_and_exec_wait_for_the_disk_asleep() {
    // Each of the kernel's waits for the disk outside a user's own fault,
    // under swap pressure: mlock and mlockall of swapped-out pages (read
    // back inside the system call), an area mapped under
    // mlockall(MCL_FUTURE), MAP_POPULATE and exec with RAM kept full. All
    // sleep like a fault (the kernel lock released): disk_polls stays 0.
    // (Before, mlock and mlockall polled: disk_polls 256 in this run, and
    // MAP_POPULATE was ignored: 0 pages resident at its return.)
    let console =
        svemu("init=memstress:diskwait:8 svos.vmstat", 1, AdPolicy::Hardware, DiskLatency::DEFAULT, "diskwait.img");
    for line in [
        "memstress: diskwait: 0 of 2048 pages resident; mlock of 1024: 0, 128 major faults",
        "memstress: diskwait: mlockall: 0, 128 major faults; 1 MiB mapped under MCL_FUTURE: 256 of 256 pages resident",
        "memstress: diskwait: 8 execs with RAM full: 0 failed",
        "memstress: diskwait: data right",
        "[svos] pid 1 (memstress) exited with status 0",
    ] {
        assert!(console.contains(line), "{line}:\n{console}");
    }
    let populate = Regex::new(r"MAP_POPULATE of 1024 pages with RAM full: (\d+) resident at return, zeroed").unwrap();
    let resident: u64 = populate.captures(&console).unwrap_or_else(|| panic!("{console}"))[1].parse().unwrap();
    assert!(resident >= 512, "MAP_POPULATE faulted the pages in: {console}");
    let v = vmstat(&console);
    assert_eq!(v["disk_polls"], 0, "{v:?}");
    assert!(v["pgsteal_direct"] + v["pgsteal_kswapd"] > 0 && v["pswpin"] >= 2048, "{v:?}");
}
