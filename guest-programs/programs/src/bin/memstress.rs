//! memstress: memory-management stress for svos (issues 11 and 13).
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
//! - `memstress oomadj`: the OOM killer's choice under oom_score_adj
//!   (128 MiB of RAM, no swap). Checks that /proc/self/oom_score_adj
//!   refuses 1001 and -1001 (-EINVAL) and that a value is inherited by
//!   fork and kept by exec (`memstress adj` prints its own). Then three
//!   children touch memory and sleep: a *shield* of 50 MiB with
//!   oom_score_adj -1000, a *hog* of 40 MiB with 0, a *sacrifice* of 4 MiB
//!   with 1000; the parent prints their /proc/PID/oom_score; a newcomer
//!   then touches 40 MiB, more than is left. The OOM killer must take the
//!   sacrifice first (small, but adj 1000), then the hog, never the
//!   shield. The parent ends the survivors with SIGTERM and prints how
//!   each ended (signal 9: the OOM killer; 15: the parent).
//! - `memstress adj`: prints its /proc/self/oom_score_adj.
//! - `memstress cow PAGES WRITES`: copy-on-write after fork, counted. The
//!   parent writes PAGES pages, forks; the child reads them all (no fault:
//!   the frames are shared), writes WRITES of them (one copy-on-write
//!   fault each) and prints its minor faults and the area's Rss,
//!   Shared_Dirty and Private_Dirty from /proc/self/smaps at each step;
//!   after the child has exited, the parent writes every page (one fault
//!   each for the pages the child had shared: svos gives W back).
//! - `memstress demand MIB`: VSZ and RSS (/proc/self/statm) over a
//!   demand-paging run: before and after mapping MIB MiB, after touching
//!   each quarter of it, after munmap.
//! - `memstress commit`: what each mapping call does to the commit charge
//!   (meminfo's Committed_AS, in kB): mmap of 8 MiB read-write, mmap of
//!   80 MiB PROT_NONE (not charged), mprotect of it to read-write, brk up
//!   by 60 MiB and back, mremap of the 8 MiB to 80 MiB, munmap of both;
//!   each call's result (0 or -errno, brk: 1 if the break moved) and the
//!   charge's change. Under vm.overcommit_memory 2 (128 MiB, no swap) the
//!   large charges are refused.
//! - `memstress reread MIB PASSES`:
//! - `memstress commit`: what each mapping call does to the commit charge
//!   (meminfo's Committed_AS, in kB): mmap of 8 MiB read-write, mmap of
//!   80 MiB PROT_NONE (not charged), mprotect of it to read-write, brk up
//!   by 60 MiB and back, mremap of the 8 MiB to 80 MiB, munmap of both;
//!   each call's result (0 or -errno, brk: 1 if the break moved) and the
//!   charge's change. Under vm.overcommit_memory 2 (128 MiB, no swap) the
//!   large charges are refused.
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
//! - `memstress swapshare MIB`: the swap cache. Fills MIB MiB, pushes it
//!   out to swap (filling and unmapping more than RAM until mincore says
//!   no page of it is resident), forks; the child reads every page (major
//!   faults: the pages are read back from disk) and waits; then the parent
//!   reads every page: each is in memory already, in the frame the child's
//!   read filled, so its faults are minor, pswpin does not grow and no
//!   frame is taken. Prints, for the child's reads and the parent's: major
//!   and minor faults, pswpin and the MemFree change (pages), and whether
//!   the data was right.
//! - `memstress diskwait MIB`: the kernel's waits for the disk outside a
//!   user's page fault, each under swap pressure. Fills MIB MiB and pushes
//!   it out to swap, then: mlock of its first half (the swapped pages are
//!   read back inside the system call), mlockall(MCL_CURRENT|MCL_FUTURE)
//!   (the rest) and an mmap of 1 MiB while it holds (populated at once),
//!   munlockall; then, with RAM full (a hog as large as RAM kept mapped,
//!   and a child that keeps rewriting half of RAM): an mmap of 4 MiB with
//!   MAP_POPULATE (how many pages are resident when it returns) and eight
//!   children's execs of `hello` (their images written while frames come
//!   only from reclaim). Prints each
//!   step's result (and the major faults of the mlock steps); checks the
//!   data. With `svos.vmstat`, `disk_polls` says whether any of these
//!   waits held the kernel lock.
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

/// The contents of /proc file `path` (without the trailing newline).
fn read_proc(path: &str) -> ulib::alloc::string::String {
    let fd = sys::open(ulib::alloc::format!("{}\0", path).as_bytes());
    let mut buf = [0u8; 64];
    let n = if fd >= 0 { sys::read(fd as usize, &mut buf) } else { fd };
    if fd >= 0 {
        sys::close(fd as usize);
    }
    match core::str::from_utf8(&buf[..n.max(0) as usize]) {
        Ok(t) if n >= 0 => ulib::alloc::string::String::from(t.trim_end()),
        _ => ulib::alloc::format!("error {}", n),
    }
}

/// Writes `value` to /proc/self/oom_score_adj: 0 or -errno.
fn set_adj(value: &str) -> isize {
    use sys::open_flags::O_WRONLY;
    let fd = sys::open_with(b"/proc/self/oom_score_adj\0", O_WRONLY, 0);
    if fd < 0 {
        return fd;
    }
    let n = sys::write(fd as usize, value.as_bytes());
    sys::close(fd as usize);
    n.min(0)
}

/// A child that sets its oom_score_adj to `adj`, touches `mib` MiB and sleeps.
fn sleeper(adj: &str, mib: usize) -> isize {
    let pid = sys::fork();
    if pid == 0 {
        if set_adj(adj) != 0 {
            sys::exit(4);
        }
        let Some(base) = map(mib << 20) else { sys::exit(3) };
        fill(base, 0..(mib << 20) / PAGE, 7);
        loop {
            sys::sleep_ns(1_000_000_000);
        }
    }
    pid
}

fn oomadj() -> i32 {
    println!("memstress: oomadj: write 1001: {}, write -1001: {}", set_adj("1001"), set_adj("-1001"));
    // Inherited by fork, kept by exec: the child execs `memstress adj`.
    set_adj("7");
    let pid = sys::fork();
    if pid == 0 {
        let argv = [c"memstress".as_ptr().cast(), c"adj".as_ptr().cast(), core::ptr::null()];
        sys::execve(c"/memstress".as_ptr().cast(), argv.as_ptr(), [core::ptr::null()].as_ptr());
        sys::exit(5);
    }
    wait_all(1);
    set_adj("0");
    let shield = sleeper("-1000", 50);
    let hog = sleeper("0", 40);
    let sacrifice = sleeper("1000", 4);
    // Time for the three to touch their memory (they need no more than this).
    sys::sleep_ns(3_000_000_000);
    let score = |pid: isize| read_proc(&ulib::alloc::format!("/proc/{}/oom_score", pid));
    println!(
        "memstress: oomadj: oom_score shield {}, hog {}, sacrifice {}",
        score(shield),
        score(hog),
        score(sacrifice)
    );
    let newcomer = sys::fork();
    if newcomer == 0 {
        let Some(base) = map(40 << 20) else { sys::exit(3) };
        fill(base, 0..(40 << 20) / PAGE, 8);
        sys::exit(i32::from(bad(base, 0..(40 << 20) / PAGE, 8) != 0));
    }
    let mut status = 0;
    sys::wait4(newcomer, &mut status, 0);
    let newcomer_status = status;
    let mut ended = [0; 3];
    for (i, pid) in [shield, hog, sacrifice].into_iter().enumerate() {
        sys::kill(pid, 15);
        sys::wait4(pid, &mut ended[i], 0);
    }
    let sig = |st: i32| st & 0x7f;
    println!(
        "memstress: oomadj: newcomer 40 MiB exit {} signal {}; sacrifice (adj 1000, 4 MiB) signal {}, hog (adj 0, 40 MiB) signal {}, shield (adj -1000, 50 MiB) signal {}",
        sys::status_code(newcomer_status),
        sig(newcomer_status),
        sig(ended[2]),
        sig(ended[1]),
        sig(ended[0])
    );
    i32::from(newcomer_status != 0 || sig(ended[0]) != 15 || sig(ended[2]) != 9 || sig(ended[1]) != 9)
}

/// Minor faults of this process so far.
fn minflt() -> i64 {
    sys::getrusage(0).map_or(-1, |r| r.ru_minflt)
}

/// The Rss, Shared_Clean, Shared_Dirty, Private_Clean and Private_Dirty
/// (kB) of the area at `base` in /proc/self/smaps.
fn smaps_of(base: usize) -> [u64; 5] {
    let text = read_all(b"/proc/self/smaps\0");
    let text = core::str::from_utf8(&text).unwrap_or("");
    let head = ulib::alloc::format!("{:x}-", base);
    ["Rss:", "Shared_Clean:", "Shared_Dirty:", "Private_Clean:", "Private_Dirty:"].map(|name| {
        let mut area = text.lines().skip_while(|l| !l.starts_with(&head)).skip(1);
        let mut fields = area.by_ref().take_while(|l| l.starts_with(|c: char| c.is_ascii_uppercase()));
        fields.find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
    })
}

/// Minor faults taken while `f` runs.
fn faults_in(f: impl FnOnce()) -> i64 {
    let before = minflt();
    f();
    minflt() - before
}

fn cow(pages: usize, writes: usize) -> i32 {
    let Some(base) = map(pages * PAGE) else { return 1 };
    let report = |who: &str, what: &str, faults: i64| {
        let [rss, sc, sd, pc, pd] = smaps_of(base);
        println!(
            "memstress: cow: {} {}: {} minor faults; Rss {} kB, Shared_Clean {} kB, Shared_Dirty {} kB, Private_Clean {} kB, Private_Dirty {} kB",
            who, what, faults, rss, sc, sd, pc, pd
        );
    };
    minflt();
    let faults = faults_in(|| fill(base, 0..pages, 9));
    report("parent", "wrote every page", faults);
    let pid = sys::fork();
    if pid == 0 {
        // The first call writes to the stack: its copy-on-write fault is not the area's.
        minflt();
        let mut wrong = 0;
        let faults = faults_in(|| wrong = bad(base, 0..pages, 9));
        report("child", "read every page", faults);
        let faults = faults_in(|| fill(base, 0..writes, 10));
        report("child", &ulib::alloc::format!("wrote {} pages", writes), faults);
        sys::exit(i32::from(wrong != 0 || bad(base, 0..writes, 10) != 0));
    }
    let child_failed = wait_all(1);
    let faults = faults_in(|| fill(base, 0..pages, 11));
    report("parent", "wrote every page after the child exited", faults);
    i32::from(child_failed != 0 || bad(base, 0..pages, 11) != 0)
}

/// VSZ and RSS in kB from /proc/self/statm.
fn vsz_rss() -> (u64, u64) {
    let statm = read_proc("/proc/self/statm");
    let mut f = statm.split_whitespace().map(|v| v.parse::<u64>().unwrap_or(0) * 4);
    (f.next().unwrap_or(0), f.next().unwrap_or(0))
}

fn demand(mib: usize) -> i32 {
    let show = |step: &str| {
        let (vsz, rss) = vsz_rss();
        println!("memstress: demand: {:<26} VSZ {:6} kB  RSS {:6} kB", step, vsz, rss);
    };
    show("start");
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    show(&ulib::alloc::format!("mapped {} MiB", mib));
    for q in 1..=4 {
        fill(base, (q - 1) * pages / 4..q * pages / 4, 12);
        show(&ulib::alloc::format!("touched {}/4", q));
    }
    let wrong = bad(base, 0..pages, 12);
    sys::munmap(base, mib << 20);
    show("unmapped");
    i32::from(wrong != 0)
}

/// meminfo's Committed_AS in kB.
fn committed_as() -> i64 {
    let fd = sys::open(b"/proc/meminfo\0");
    let mut buf = [0u8; 4096];
    let n = if fd >= 0 { sys::read(fd as usize, &mut buf) } else { -1 };
    if fd >= 0 {
        sys::close(fd as usize);
    }
    let text = core::str::from_utf8(&buf[..n.max(0) as usize]).unwrap_or("");
    let line = text.lines().find_map(|l| l.strip_prefix("Committed_AS:")).unwrap_or("-1");
    line.trim().trim_end_matches("kB").trim().parse().unwrap_or(-1)
}

fn commit() -> i32 {
    const MIB8: usize = 8 << 20;
    const MIB80: usize = 80 << 20;
    let mut base = committed_as();
    let mut step = |what: &str, result: isize| {
        let now = committed_as();
        println!("memstress: commit: {:<34} {:>4}  Committed_AS {:+} kB", what, result, now - base);
        base = now;
    };
    let rw = sys::mmap(0, MIB8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    step("mmap 8 MiB PROT_READ|PROT_WRITE", rw.min(0));
    let none = sys::mmap(0, MIB80, 0, MAP_PRIVATE | MAP_ANONYMOUS);
    step("mmap 80 MiB PROT_NONE", none.min(0));
    step("mprotect it PROT_READ|PROT_WRITE", sys::mprotect(none as usize, MIB80, PROT_READ | PROT_WRITE));
    let brk0 = sys::brk(0);
    let moved = sys::brk(brk0 + (60 << 20)) == brk0 + (60 << 20);
    step("brk +60 MiB (1: moved)", moved as isize);
    sys::brk(brk0);
    step("brk back", 0);
    let grown = sys::syscall4(sys::SYS_MREMAP, rw as usize, MIB8, MIB80, 1);
    step("mremap 8 MiB -> 80 MiB, MAYMOVE", grown.min(0));
    let rw = if grown >= 0 { grown as usize } else { rw as usize };
    let len = if grown >= 0 { MIB80 } else { MIB8 };
    step("munmap both", sys::munmap(rw, len) + sys::munmap(none as usize, MIB80));
    0
}

fn reread(mib: usize, passes: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    fill(base, 0..pages, 3);
    let wrong: usize = (0..passes).map(|_| bad(base, 0..pages, 3)).sum();
    println!("memstress: reread {} MiB written once, read {} times: {} bad pages", mib, passes, wrong);
    i32::from(wrong != 0)
}

/// One worker of `stress` (see the module doc); returns its exit code. A
/// failure says which step failed (nothing is printed otherwise).
fn worker(seed: u64, mib: usize) -> i32 {
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else {
        println!("memstress: worker {}: mmap failed", seed);
        return 3;
    };
    fill(base, 0..pages, seed);
    let pid = sys::fork();
    if pid == 0 {
        fill(base, 0..pages / 2, seed + 1000);
        let wrong = bad(base, 0..pages / 2, seed + 1000) + bad(base, pages / 2..pages, seed);
        if wrong != 0 {
            println!("memstress: worker {}'s child: {} bad pages", seed, wrong);
        }
        sys::exit(i32::from(wrong != 0));
    }
    if pid < 0 {
        println!("memstress: worker {}: fork failed ({})", seed, pid);
    }
    let mut status = 0;
    let child_ok = pid > 0 && sys::wait4(pid, &mut status, 0) == pid && status == 0;
    if pid > 0 && !child_ok {
        println!("memstress: worker {}: child ended with wait status {:#x}", seed, status);
    }
    let wrong = bad(base, 0..pages, seed);
    if wrong != 0 {
        println!("memstress: worker {}: {} bad pages", seed, wrong);
    }
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

/// The whole of file `path` (NUL-terminated), read 1 KiB at a time; empty
/// if it cannot be opened.
fn read_all(path: &[u8]) -> ulib::alloc::vec::Vec<u8> {
    let fd = sys::open(path);
    let mut text = ulib::alloc::vec::Vec::new();
    let mut buf = [0u8; 1024];
    while fd >= 0 {
        let n = sys::read(fd as usize, &mut buf);
        if n <= 0 {
            break;
        }
        text.extend_from_slice(&buf[..n as usize]);
    }
    if fd >= 0 {
        sys::close(fd as usize);
    }
    text
}

/// The number after `name` in /proc file `path` (a meminfo or vmstat field),
/// or -1 if it is missing.
fn proc_field(path: &[u8], name: &str) -> i64 {
    let text = read_all(path);
    let text = core::str::from_utf8(&text).unwrap_or("");
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok()))
        .unwrap_or(-1)
}

/// Faults and swap figures around a step of `swapshare`.
#[derive(Clone, Copy)]
struct Figures {
    majflt: i64,
    minflt: i64,
    pswpin: i64,
    free_pages: i64,
}

fn figures() -> Figures {
    let r = sys::getrusage(0).ok();
    Figures {
        majflt: r.map_or(-1, |r| r.ru_majflt),
        minflt: r.map_or(-1, |r| r.ru_minflt),
        pswpin: proc_field(b"/proc/vmstat\0", "pswpin "),
        free_pages: proc_field(b"/proc/meminfo\0", "MemFree:") / 4,
    }
}

/// Runs `f` and prints what it cost: `who`'s faults, pswpin, frames taken.
fn report_step(who: &str, pages: usize, f: impl FnOnce() -> usize) -> usize {
    let before = figures();
    let wrong = f();
    let after = figures();
    println!(
        "memstress: swapshare: {} read {} pages: {} major, {} minor faults; pswpin +{}; frames taken {}; data {}",
        who,
        pages,
        after.majflt - before.majflt,
        after.minflt - before.minflt,
        after.pswpin - before.pswpin,
        before.free_pages - after.free_pages,
        if wrong == 0 { "right" } else { "WRONG" }
    );
    wrong
}

/// Bytes of RAM (meminfo's MemTotal).
fn ram_bytes() -> usize {
    proc_field(b"/proc/meminfo\0", "MemTotal:").max(0) as usize * 1024
}

/// Pushes the `pages` pages at `base` out to swap: touches as much as RAM
/// elsewhere and gives it back, up to four times, until mincore says none
/// is resident. Returns how many still are (None if a call failed).
fn push_out(base: usize, pages: usize) -> Option<usize> {
    let ram = ram_bytes();
    let mut vec = ulib::alloc::vec![0u8; pages];
    let mut resident = pages;
    for _ in 0..4 {
        let hog = map(ram)?;
        fill(hog, 0..ram / PAGE, 99);
        sys::munmap(hog, ram);
        if sys::syscall3(sys::SYS_MINCORE, base, pages * PAGE, vec.as_mut_ptr() as usize) != 0 {
            return None;
        }
        resident = vec.iter().filter(|&&b| b & 1 != 0).count();
        if resident == 0 {
            break;
        }
    }
    Some(resident)
}

fn majflt() -> i64 {
    sys::getrusage(0).map_or(-1, |r| r.ru_majflt)
}

fn diskwait(mib: usize) -> i32 {
    const SEED: u64 = 41;
    const MCL_CURRENT: usize = 1;
    const MCL_FUTURE: usize = 2;
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    fill(base, 0..pages, SEED);
    let Some(resident) = push_out(base, pages) else { return 1 };
    let half = pages / 2;
    let m0 = majflt();
    let locked = sys::syscall3(sys::SYS_MLOCK, base, half * PAGE, 0);
    let m1 = majflt();
    let mut wrong = bad(base, 0..half, SEED);
    sys::syscall3(sys::SYS_MUNLOCK, base, half * PAGE, 0);
    println!(
        "memstress: diskwait: {} of {} pages resident; mlock of {}: {}, {} major faults",
        resident,
        pages,
        half,
        locked,
        m1 - m0
    );
    let all = sys::syscall3(sys::SYS_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0);
    let m2 = majflt();
    let small = sys::mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    let mut vec = [0u8; 256];
    let populated = if small >= 0 && sys::syscall3(sys::SYS_MINCORE, small as usize, 1 << 20, vec.as_mut_ptr() as usize) == 0 {
        vec.iter().filter(|&&b| b & 1 != 0).count()
    } else {
        0
    };
    sys::syscall3(sys::SYS_MUNLOCKALL, 0, 0, 0);
    wrong += bad(base, half..pages, SEED);
    println!(
        "memstress: diskwait: mlockall: {}, {} major faults; 1 MiB mapped under MCL_FUTURE: {} of 256 pages resident",
        all,
        m2 - m1,
        populated
    );
    // RAM full, and kept full by a child that keeps writing half of RAM:
    // frames come only from reclaim from now on.
    let ram = ram_bytes();
    let Some(hog) = map(ram) else { return 1 };
    fill(hog, 0..ram / PAGE, SEED + 1);
    let presser = sys::fork();
    if presser == 0 {
        let Some(area) = map(ram / 2) else { sys::exit(1) };
        loop {
            fill(area, 0..ram / 2 / PAGE, SEED + 2);
        }
    }
    sys::sleep_ns(20_000_000);
    let len = 4 << 20;
    let p = sys::mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
    let mut vec = [0u8; 1024];
    let resident = if p >= 0 && sys::syscall3(sys::SYS_MINCORE, p as usize, len, vec.as_mut_ptr() as usize) == 0 {
        vec.iter().filter(|&&b| b & 1 != 0).count()
    } else {
        0
    };
    let zero = p >= 0 && {
        // SAFETY: inside the mapping just made.
        let words = unsafe { core::slice::from_raw_parts(p as usize as *const u64, len / 8) };
        words.iter().all(|&w| w == 0)
    };
    println!(
        "memstress: diskwait: MAP_POPULATE of 1024 pages with RAM full: {} resident at return, {}",
        resident,
        if zero { "zeroed" } else { "NOT ZEROED" }
    );
    let mut exec_failed = 0;
    for _ in 0..8 {
        let pid = sys::fork();
        if pid == 0 {
            let argv = [c"hello".as_ptr().cast(), core::ptr::null()];
            sys::execve(c"/hello".as_ptr().cast(), argv.as_ptr(), [core::ptr::null()].as_ptr());
            sys::exit(5);
        }
        exec_failed += wait_all(1);
    }
    sys::kill(presser, 9);
    wait_all(1);
    println!("memstress: diskwait: 8 execs with RAM full: {} failed", exec_failed);
    wrong += bad(hog, 0..ram / PAGE, SEED + 1);
    println!("memstress: diskwait: data {}", if wrong == 0 { "right" } else { "WRONG" });
    i32::from(locked != 0 || all != 0 || populated != 256 || resident < 512 || !zero || exec_failed != 0 || wrong != 0)
}

fn swapshare(mib: usize) -> i32 {
    const SEED: u64 = 21;
    let pages = (mib << 20) / PAGE;
    let Some(base) = map(mib << 20) else { return 1 };
    fill(base, 0..pages, SEED);
    let Some(resident) = push_out(base, pages) else { return 1 };
    println!("memstress: swapshare: {} pages written, {} still resident after the push", pages, resident);
    let Ok([rd, wr]) = sys::pipe2(0) else { return 1 };
    let Ok([rd2, wr2]) = sys::pipe2(0) else { return 1 };
    let pid = sys::fork();
    if pid == 0 {
        let wrong = report_step("child", pages, || bad(base, 0..pages, SEED));
        sys::write(wr as usize, b"r");
        // Keep the frames mapped until the parent has read.
        let mut b = [0u8; 1];
        sys::read(rd2 as usize, &mut b);
        sys::exit(i32::from(wrong != 0));
    }
    if pid < 0 {
        return 1;
    }
    let mut b = [0u8; 1];
    sys::read(rd as usize, &mut b);
    let wrong = report_step("parent", pages, || bad(base, 0..pages, SEED));
    sys::write(wr2 as usize, b"d");
    let child_failed = wait_all(1);
    i32::from(resident != 0 || wrong != 0 || child_failed != 0)
}

#[no_mangle]
fn main() -> i32 {
    let num = |i: usize| ulib::arg(i).parse::<usize>().unwrap_or(0);
    match ulib::arg(1) {
        "hog" if num(2) > 0 => hog(num(2), num(3)),
        "areas" if num(2) > 0 => areas(num(2)),
        "oom" if num(2) > 0 && num(3) > 0 => oom(num(2), num(3)),
        "oomadj" => oomadj(),
        "commit" => commit(),
        "cow" if num(2) > 0 && num(3) <= num(2) => cow(num(2), num(3)),
        "demand" if num(2) > 0 => demand(num(2)),
        "adj" => {
            println!("memstress: adj: my oom_score_adj is {}", read_proc("/proc/self/oom_score_adj"));
            0
        }
        "reread" if num(2) > 0 && num(3) > 0 => reread(num(2), num(3)),
        "stress" if num(2) > 0 && num(3) > 0 && num(4) > 0 => stress(num(2), num(3), num(4)),
        "swapcheck" if num(2) > 0 && num(3) > 0 && num(4) > 0 => {
            FULL.store(true, core::sync::atomic::Ordering::Relaxed);
            stress(num(2), num(3), num(4))
        }
        "progress" if num(2) > 0 => progress(num(2)),
        "gradual" if num(2) > 0 => gradual(num(2)),
        "swapshare" if num(2) > 0 => swapshare(num(2)),
        "diskwait" if num(2) > 0 => diskwait(num(2)),
        _ => {
            println!(
                "usage: memstress hog MIB FORKS | areas N | oom BIG SMALL | oomadj | adj | commit | cow PAGES WRITES | demand MIB | reread MIB PASSES | stress PROCS LIVE MIB | swapcheck PROCS LIVE MIB | progress MIB | gradual MIB | swapshare MIB | diskwait MIB"
            );
            2
        }
    }
}
