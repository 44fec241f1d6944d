//! memory-user MIB [PASSES [HOLD_MS]]: the OSTEP "Address Spaces" homework program
//! (chapter 13): map MIB MiB of anonymous memory and touch it, here to show
//! demand paging. It maps the area (no memory is used yet), stores one word
//! into every page PASSES times (default 1), reads getrusage before and
//! after, and prints: pages touched, minor faults taken (each page faults
//! once, at the first store of the first pass), the peak RSS, and a
//! checksum of the words stored. It checks that the faults equal the pages,
//! that later passes fault no more, and that the last word of every page
//! reads as zero (demand-zero pages). With HOLD_MS it then keeps the
//! memory mapped for HOLD_MS milliseconds before it checks and exits, so
//! `ps`, `pmap` or `free` can watch it (`memory-user 4 1 5000 &`).
//! Exits 0 if all holds, 1 otherwise.
#![no_std]
#![no_main]

use ulib::println;
use ulib::sys::{self, mman::*, rusage::RUSAGE_SELF};

const PAGE: usize = 4096;

fn minor_faults() -> i64 {
    sys::getrusage(RUSAGE_SELF).map_or(-1, |r| r.ru_minflt)
}

/// The word pass `pass` stores into page `page`.
fn value(page: usize, pass: usize) -> u64 {
    (page as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ pass as u64
}

#[no_mangle]
fn main() -> i32 {
    let mib: usize = ulib::arg(1).parse().unwrap_or(0);
    let passes: usize = if ulib::argc() > 2 { ulib::arg(2).parse().unwrap_or(0) } else { 1 };
    if mib == 0 || passes == 0 {
        println!("usage: memory-user MIB [PASSES [HOLD_MS]]   (MIB >= 1, PASSES >= 1)");
        return 2;
    }
    let len = mib << 20;
    let pages = len / PAGE;
    // The passes' multiplier is a constant in .rodata, which svos (as
    // Linux) maps from the program's file at its first use: used once now,
    // so that the faults counted below are the mapping's own.
    core::hint::black_box(value(core::hint::black_box(0), 0));
    let before = minor_faults();
    let base = sys::mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if base < 0 {
        println!("memory-user: mmap of {} MiB failed: {}", mib, base);
        return 1;
    }
    let base = base as usize;
    let after_mmap = minor_faults();
    let mut first_pass = 0;
    for pass in 0..passes {
        for page in 0..pages {
            let word = (base + page * PAGE) as *mut u64;
            // SAFETY: inside the mapping just made (R+W).
            unsafe { word.write_volatile(value(page, pass)) };
        }
        if pass == 0 {
            first_pass = minor_faults() - after_mmap;
        }
    }
    let faults = minor_faults() - before;
    let mut checksum: u64 = 0;
    let mut dirty = 0usize;
    for page in 0..pages {
        let p = (base + page * PAGE) as *const u64;
        // SAFETY: inside the mapping (R+W), every page already touched.
        checksum = checksum.rotate_left(1) ^ unsafe { p.read_volatile() };
        // The page's last word was never stored to: zero-filled.
        if unsafe { p.add(PAGE / 8 - 1).read_volatile() } != 0 {
            dirty += 1;
        }
    }
    let maxrss = sys::getrusage(RUSAGE_SELF).map_or(-1, |r| r.ru_maxrss);
    println!(
        "memory-user: {} MiB at {:#x}, {} {}: {} pages touched, {} minor faults, max RSS {} KiB, checksum {:#018x}",
        mib,
        base,
        passes,
        if passes == 1 { "pass" } else { "passes" },
        pages,
        faults,
        maxrss,
        checksum
    );
    if ulib::argc() > 3 {
        sys::sleep_ns(ulib::arg(3).parse::<u64>().unwrap_or(0) * 1_000_000);
    }
    let mut ok = true;
    if after_mmap != before || first_pass != pages as i64 || faults != pages as i64 {
        println!(
            "memory-user: FAIL: faults: {} in mmap, {} in pass 1, {} in all (want 0, {}, {})",
            after_mmap - before,
            first_pass,
            faults,
            pages,
            pages
        );
        ok = false;
    }
    if dirty != 0 {
        println!("memory-user: FAIL: {} pages not zero-filled", dirty);
        ok = false;
    }
    if sys::munmap(base, len) != 0 {
        println!("memory-user: FAIL: munmap");
        ok = false;
    }
    if ok {
        0
    } else {
        1
    }
}
