//! thrash MIB [PASSES] [fork]: a working set larger than RAM, to exercise swap.
//!
//! Maps MIB MiB of anonymous memory and walks its pages in address order
//! PASSES times (default 2). Each visit to a page first checks the three
//! words the previous pass stored there (the first, the last, and one in
//! between that moves with the page number), then stores this pass's
//! values; a last read-only walk checks the final pass's values. A page
//! that was swapped out and read back wrong, or read back as another
//! page, fails the check. Prints the pages, the minor and major faults
//! taken (getrusage), a checksum of the words read on the last walk and
//! the number of bad pages; exits 0 only if every page read back correct.
//!
//! With `fork`, it then forks (many pages are swapped out at that point,
//! and the child shares their swap slots): the child checks every page,
//! stores the next pass's values into all of them and checks those; the
//! parent waits for it and checks that its own pages still hold its last
//! pass's values (the child's stores are private to the child).
#![no_std]
#![no_main]

use ulib::println;
use ulib::sys::{self, mman::*, rusage::RUSAGE_SELF};

const PAGE: usize = 4096;
const WORDS: usize = PAGE / 8;

/// The word pass `pass` stores into page `page` at word `slot` (0..3).
fn value(page: usize, pass: usize, slot: usize) -> u64 {
    ((page as u64) << 20 | (pass as u64) << 4 | slot as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The three word indexes thrash uses in page `page`.
fn words(page: usize) -> [usize; 3] {
    [0, 1 + page % (WORDS - 2), WORDS - 1]
}

/// Stores pass `pass`'s words into page `page` at `base`.
fn store(base: usize, page: usize, pass: usize) {
    let p = (base + page * PAGE) as *mut u64;
    for (slot, w) in words(page).into_iter().enumerate() {
        // SAFETY: inside the R+W mapping made by main.
        unsafe { p.add(w).write_volatile(value(page, pass, slot)) };
    }
}

/// Pages of `[0, pages)` at `base` that do not hold pass `pass`'s words.
fn bad_pages(base: usize, pages: usize, pass: usize) -> usize {
    (0..pages).filter(|&page| !check(base, page, pass).0).count()
}

/// Checks that page `page` at `base` holds pass `pass`'s words; returns
/// whether it does and their checksum.
fn check(base: usize, page: usize, pass: usize) -> (bool, u64) {
    let p = (base + page * PAGE) as *const u64;
    let mut ok = true;
    let mut sum = 0u64;
    for (slot, w) in words(page).into_iter().enumerate() {
        // SAFETY: inside the R+W mapping made by main.
        let got = unsafe { p.add(w).read_volatile() };
        ok &= got == value(page, pass, slot);
        sum = sum.rotate_left(7) ^ got;
    }
    (ok, sum)
}

fn faults() -> (i64, i64) {
    sys::getrusage(RUSAGE_SELF).map_or((-1, -1), |r| (r.ru_minflt, r.ru_majflt))
}

#[no_mangle]
fn main() -> i32 {
    let mib: usize = ulib::arg(1).parse().unwrap_or(0);
    let passes: usize = if ulib::argc() > 2 { ulib::arg(2).parse().unwrap_or(0) } else { 2 };
    if mib == 0 || passes == 0 {
        println!("usage: thrash MIB [PASSES]   (MIB >= 1, PASSES >= 1)");
        return 2;
    }
    let len = mib << 20;
    let pages = len / PAGE;
    let (minor0, major0) = faults();
    let base = sys::mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if base < 0 {
        println!("thrash: mmap of {} MiB failed: {}", mib, base);
        return 1;
    }
    let base = base as usize;
    let mut bad = 0usize;
    for pass in 0..passes {
        for page in 0..pages {
            if pass > 0 && !check(base, page, pass - 1).0 {
                bad += 1;
            }
            store(base, page, pass);
        }
    }
    let mut checksum = 0u64;
    for page in 0..pages {
        let (ok, sum) = check(base, page, passes - 1);
        if !ok {
            bad += 1;
        }
        checksum = checksum.rotate_left(1) ^ sum;
    }
    let (minor, major) = faults();
    println!(
        "thrash: {} MiB, {} {}: {} pages, {} minor faults, {} major faults, checksum {:#018x}, {} bad pages",
        mib,
        passes,
        if passes == 1 { "pass" } else { "passes" },
        pages,
        minor - minor0,
        major - major0,
        checksum,
        bad
    );
    if ulib::argc() > 3 && ulib::arg(3) == "fork" {
        bad += fork_and_check(base, pages, passes);
    }
    if sys::munmap(base, len) != 0 {
        println!("thrash: FAIL: munmap");
        return 1;
    }
    if bad == 0 {
        0
    } else {
        println!("thrash: FAIL: {} pages read back wrong", bad);
        1
    }
}

/// The `fork` step (see the module doc); returns the bad pages it found.
fn fork_and_check(base: usize, pages: usize, passes: usize) -> usize {
    let pid = sys::fork();
    if pid < 0 {
        println!("thrash: FAIL: fork: {}", pid);
        return 1;
    }
    if pid == 0 {
        let mut bad = bad_pages(base, pages, passes - 1);
        for page in 0..pages {
            store(base, page, passes);
        }
        bad += bad_pages(base, pages, passes);
        let (_, major) = faults();
        println!("thrash: fork: child read and rewrote {} pages, {} major faults, {} bad pages", pages, major, bad);
        sys::exit(if bad == 0 { 0 } else { 1 });
    }
    let mut status = 0;
    let code = if sys::wait4(pid, &mut status, 0) == pid { sys::status_code(status) } else { -1 };
    let bad = bad_pages(base, pages, passes - 1);
    println!("thrash: fork: child exit {}, parent's pages intact: {} bad pages", code, bad);
    bad + usize::from(code != 0)
}
