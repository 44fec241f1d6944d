//! memstress: memory-management stress for svos (issue 11), three modes.
//!
//! - `memstress hog MIB FORKS`: touches MIB MiB of anonymous memory with a
//!   checksummed pattern, forks FORKS children that each sleep 10 ms and
//!   exit, waits for them, and checks every page. The kernel's bookkeeping
//!   (page tables, copy-on-write sharing, swap entries) grows with MIB and
//!   FORKS: it must never run out of kernel heap.
//! - `memstress areas N`: a child makes N one-page anonymous mappings, each
//!   separate (PROT_READ and PROT_READ|PROT_WRITE alternate, so no two
//!   neighbours could ever merge), touches every 16th, then unmaps them all
//!   with one munmap. Prints how many it made and the errno of the first
//!   refusal (svos limits a process to 65,530 areas as Linux's
//!   vm.max_map_count: -ENOMEM past it). Meanwhile the parent sleeps 1 ms
//!   at a time and prints how late it woke at most (monotonic clock).
//! - `memstress oom BIG SMALL`: a child touches BIG MiB and sleeps; 2 s
//!   later another touches SMALL MiB, checks it and exits. Prints how each
//!   ended (exit code, and the signal that killed it). With BIG + SMALL
//!   over RAM and no swap, the OOM killer must take the hog, not the newcomer.
//! - `memstress reread MIB PASSES`: writes MIB MiB once, then reads and
//!   checks it PASSES times: with less RAM, pages swapped back in and only
//!   read are clean, so reclaim can drop them without writing them again.
//! - `memstress stress PROCS LIVE MIB`: runs PROCS worker processes, at most
//!   LIVE alive at once; each maps MIB MiB, writes a pattern seeded by its
//!   number, forks a child that rewrites half of the pages with its own
//!   pattern and checks all of them, then checks its own pages (the child's
//!   stores are private), and exits 0 only if every word was right. Prints
//!   workers run, workers failed (wrong data, killed, or fork refused) and
//!   the words checked.
//! - `memstress swapcheck PROCS LIVE MIB`: `stress` with every word of
//!   every page written and checked (not three a page): nothing swapped out
//!   and back may differ by a single byte.
//! - `memstress progress MIB`: fills MIB MiB (more than RAM: the first
//!   pages go to swap), starts a CPU-bound child that measures the longest
//!   time it was kept off the CPU, then touches its first page (a major
//!   fault) and prints how long that took and the child's longest gap:
//!   while a process waits for the disk, the others must run.
//! - `memstress gradual MIB`: touches MIB MiB a page at a time, sleeping
//!   1 ms every 16 pages (a workload that grows slowly, so kswapd can
//!   reclaim ahead of it), then checks them.
//!
//! Exits 0 if all checks passed, 1 otherwise, 2 for bad arguments.
#![no_std]
#![no_main]

use ulib::println;
use ulib::sys::{self, mman::*};

const PAGE: usize = 4096;
const WORDS: usize = PAGE / 8;

/// The word `seed` stores at word `w` of page `page`.
fn value(seed: u64, page: usize, w: usize) -> u64 {
    (seed << 40 ^ (page as u64) << 12 ^ w as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

/// Word indexes written in each page: first, one moving with the page,
/// last; or every word (`swapcheck`).
fn words(page: usize) -> impl Iterator<Item = usize> {
    let all = FULL.load(core::sync::atomic::Ordering::Relaxed);
    let few = [0, 1 + page % (WORDS - 2), WORDS - 1];
    (0..if all { WORDS } else { 3 }).map(move |i| if all { i } else { few[i] })
}

/// Every word of a page is written and checked (`swapcheck`).
static FULL: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

fn fill(base: usize, pages: core::ops::Range<usize>, seed: u64) {
    for page in pages {
        let p = (base + page * PAGE) as *mut u64;
        for w in words(page) {
            // SAFETY: inside an R+W mapping made by this program.
            unsafe { p.add(w).write_volatile(value(seed, page, w)) };
        }
    }
}

/// Pages of `pages` that do not hold `seed`'s words.
fn bad(base: usize, pages: core::ops::Range<usize>, seed: u64) -> usize {
    pages
        .filter(|&page| {
            let p = (base + page * PAGE) as *const u64;
            // SAFETY: inside an R+W mapping made by this program.
            words(page).any(|w| unsafe { p.add(w).read_volatile() } != value(seed, page, w))
        })
        .count()
}

fn map(len: usize) -> Option<usize> {
    let base = sys::mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    (base >= 0).then_some(base as usize)
}

fn wait_all(n: usize) -> usize {
    let mut failed = 0;
    for _ in 0..n {
        let mut status = 0;
        if sys::wait4(-1, &mut status, 0) < 0 || sys::status_code(status) != 0 {
            failed += 1;
        }
    }
    failed
}

fn hog(mib: usize, forks: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else {
        println!("memstress: hog: mmap of {} MiB failed", mib);
        return 1;
    };
    fill(base, 0..pages, 7);
    let mut made = 0;
    for _ in 0..forks {
        match sys::fork() {
            0 => {
                sys::sleep_ns(10_000_000);
                sys::exit(0);
            }
            pid if pid > 0 => made += 1,
            err => {
                println!("memstress: hog: fork failed: {}", err);
                break;
            }
        }
    }
    let failed = wait_all(made);
    let wrong = bad(base, 0..pages, 7);
    println!("memstress: hog {} MiB, {} forks: {} children failed, {} bad pages", mib, made, failed, wrong);
    i32::from(made != forks || failed != 0 || wrong != 0)
}

fn areas(n: usize) -> i32 {
    // The area work runs in a child; this process sleeps 1 ms at a time
    // meanwhile (on another hart if there is one) and measures how late it
    // wakes: kernel work of one process must not hold up the others.
    let child = sys::fork();
    if child == 0 {
        sys::exit(make_areas(n));
    }
    if child < 0 {
        return make_areas(n);
    }
    let mut late_max = 0u64;
    let mut status = 0;
    while sys::wait4(child, &mut status, 1 /* WNOHANG */) == 0 {
        let t0 = sys::monotonic_ns();
        sys::sleep_ns(1_000_000);
        late_max = late_max.max((sys::monotonic_ns() - t0).saturating_sub(1_000_000));
    }
    println!("memstress: areas: sleeper woke at most {} us late", late_max / 1000);
    sys::status_code(status)
}

fn make_areas(n: usize) -> i32 {
    let mut made = 0;
    let mut first_err = 0;
    let mut lowest = usize::MAX;
    for i in 0..n {
        let prot = if i % 2 == 0 { PROT_READ } else { PROT_READ | PROT_WRITE };
        let a = sys::mmap(0, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS);
        if a < 0 {
            first_err = a;
            break;
        }
        // Every 16th area touched (a page-table walk and a frame each):
        // 65,530 touched pages would not fit a small RAM.
        if i % 16 == 0 {
            // SAFETY: a readable page just mapped.
            unsafe { ((a as usize) as *const u64).read_volatile() };
        }
        lowest = lowest.min(a as usize);
        made += 1;
    }
    // Areas were placed top-down and adjacent: one munmap removes them all.
    let unmapped = made == 0 || sys::munmap(lowest, made * PAGE) == 0;
    println!("memstress: areas: {} of {} mapped, first error {}, unmapped: {}", made, n, first_err, unmapped);
    i32::from(!unmapped)
}

fn oom(big: usize, small: usize) -> i32 {
    // The hog: touches BIG MiB, then sleeps until killed.
    let hog = sys::fork();
    if hog == 0 {
        let Some(base) = map(big << 20) else { sys::exit(3) };
        fill(base, 0..(big << 20) / PAGE, 5);
        loop {
            sys::sleep_ns(1_000_000_000);
        }
    }
    // Time for the hog to touch its memory (it needs no more than this).
    sys::sleep_ns(2_000_000_000);
    let newcomer = sys::fork();
    if newcomer == 0 {
        let Some(base) = map(small << 20) else { sys::exit(3) };
        fill(base, 0..(small << 20) / PAGE, 6);
        sys::exit(i32::from(bad(base, 0..(small << 20) / PAGE, 6) != 0));
    }
    let mut status = 0;
    sys::wait4(newcomer, &mut status, 0);
    let newcomer_status = status;
    sys::kill(hog, 9);
    sys::wait4(hog, &mut status, 0);
    let killed = |st: i32| if st & 0x7f != 0 { st & 0x7f } else { 0 };
    println!(
        "memstress: oom: newcomer {} MiB exit {} signal {}, hog {} MiB exit {} signal {}",
        small,
        sys::status_code(newcomer_status),
        killed(newcomer_status),
        big,
        sys::status_code(status),
        killed(status)
    );
    i32::from(newcomer_status != 0)
}

fn reread(mib: usize, passes: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    fill(base, 0..pages, 3);
    let wrong: usize = (0..passes).map(|_| bad(base, 0..pages, 3)).sum();
    println!("memstress: reread {} MiB written once, read {} times: {} bad pages", mib, passes, wrong);
    i32::from(wrong != 0)
}

/// One worker of `stress` (see the module doc); returns its exit code.
fn worker(seed: u64, mib: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 3 };
    fill(base, 0..pages, seed);
    let pid = sys::fork();
    if pid == 0 {
        fill(base, 0..pages / 2, seed + 1000);
        let wrong = bad(base, 0..pages / 2, seed + 1000) + bad(base, pages / 2..pages, seed);
        sys::exit(i32::from(wrong != 0));
    }
    let child_ok = pid > 0 && wait_all(1) == 0;
    let wrong = bad(base, 0..pages, seed);
    i32::from(!child_ok || wrong != 0)
}

fn stress(procs: usize, live: usize, mib: usize) -> i32 {
    let (mut started, mut running, mut failed) = (0, 0, 0);
    while started < procs || running > 0 {
        if started < procs && running < live {
            match sys::fork() {
                0 => sys::exit(worker(started as u64 + 1, mib)),
                pid if pid > 0 => {
                    started += 1;
                    running += 1;
                }
                _ => {
                    if running == 0 {
                        println!("memstress: stress: fork refused with no worker running");
                        return 1;
                    }
                    failed += wait_all(1);
                    running -= 1;
                }
            }
            continue;
        }
        failed += wait_all(1);
        running -= 1;
    }
    let per_page = if FULL.load(core::sync::atomic::Ordering::Relaxed) { WORDS } else { 3 };
    let words = procs * ((mib << 20) / PAGE) * per_page * 3;
    println!("memstress: stress: {} workers of {} MiB, {} failed, {} words checked", procs, mib, failed, words);
    i32::from(failed != 0)
}

fn progress(mib: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    fill(base, 0..pages, 11);
    let spinner = sys::fork();
    if spinner == 0 {
        // CPU-bound for 0.5 s of machine time: the longest gap between two
        // looks at the clock is how long the others kept it off the CPU.
        let (start, mut last, mut gap, mut spins) = (sys::monotonic_ns(), sys::monotonic_ns(), 0u64, 0u64);
        while last - start < 500_000_000 {
            let now = sys::monotonic_ns();
            gap = gap.max(now - last);
            last = now;
            spins += 1;
        }
        println!("memstress: progress: spinner ran {} loops, longest gap {} ms", spins, gap / 1_000_000);
        sys::exit(0);
    }
    // Let the spinner start, then take a major fault on the first page.
    sys::sleep_ns(50_000_000);
    let t0 = sys::monotonic_ns();
    // SAFETY: inside the mapping made above.
    let first = unsafe { (base as *const u64).read_volatile() };
    let fault_ms = (sys::monotonic_ns() - t0) / 1_000_000;
    let ok = first == value(11, 0, 0);
    let child_ok = spinner > 0 && wait_all(1) == 0;
    println!("memstress: progress: major fault took {} ms, data {}", fault_ms, if ok { "intact" } else { "WRONG" });
    i32::from(!ok || !child_ok)
}

fn gradual(mib: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    for page in 0..pages {
        fill(base, page..page + 1, 13);
        if page % 16 == 15 {
            sys::sleep_ns(1_000_000);
        }
    }
    let wrong = bad(base, 0..pages, 13);
    println!("memstress: gradual {} MiB: {} bad pages", mib, wrong);
    i32::from(wrong != 0)
}

#[no_mangle]
fn main() -> i32 {
    let num = |i: usize| ulib::arg(i).parse::<usize>().unwrap_or(0);
    match ulib::arg(1) {
        "hog" if num(2) > 0 => hog(num(2), num(3)),
        "areas" if num(2) > 0 => areas(num(2)),
        "oom" if num(2) > 0 && num(3) > 0 => oom(num(2), num(3)),
        "reread" if num(2) > 0 && num(3) > 0 => reread(num(2), num(3)),
        "stress" if num(2) > 0 && num(3) > 0 && num(4) > 0 => stress(num(2), num(3), num(4)),
        "swapcheck" if num(2) > 0 && num(3) > 0 && num(4) > 0 => {
            FULL.store(true, core::sync::atomic::Ordering::Relaxed);
            stress(num(2), num(3), num(4))
        }
        "progress" if num(2) > 0 => progress(num(2)),
        "gradual" if num(2) > 0 => gradual(num(2)),
        _ => {
            println!(
                "usage: memstress hog MIB FORKS | areas N | oom BIG SMALL | reread MIB PASSES | stress PROCS LIVE MIB | swapcheck PROCS LIVE MIB | progress MIB | gradual MIB"
            );
            2
        }
    }
}
