//! shootdown: checks that unmapping a page reaches the TLB of another hart.
//!
//! On hart A it maps a heap page (brk) and reads it, so hart A's TLB holds
//! the translation; it moves to hart B (sched_setaffinity) and unmaps the
//! page there (brk shrink); it moves back to hart A and reads the page
//! again. svos must have flushed hart A's TLB (a shootdown by IPI), so the
//! read faults and the process dies with SIGSEGV (exit status 139). If the
//! read succeeds, hart A used a stale translation to a freed frame: the
//! program says so and exits 1. Needs 2 harts (exits 2 otherwise).
#![no_std]
#![no_main]

use ulib::{println, sys};

fn move_to(hart: u32) -> bool {
    sys::set_affinity(1 << hart) == 0 && sys::getcpu() == hart
}

#[no_mangle]
fn main() -> i32 {
    let mask = match sys::affinity() {
        Ok(m) => m,
        Err(e) => {
            println!("shootdown: sched_getaffinity failed: {}", e);
            return 2;
        }
    };
    if mask.count_ones() < 2 {
        println!("shootdown: needs 2 harts, has {}", mask.count_ones());
        return 2;
    }
    let a = mask.trailing_zeros();
    let b = (mask & !(1 << a)).trailing_zeros();
    if !move_to(a) {
        println!("shootdown: cannot move to hart {}", a);
        return 2;
    }
    let start = (sys::brk(0) + 4095) & !4095;
    if sys::brk(start + 4096) != start + 4096 {
        println!("shootdown: brk failed");
        return 2;
    }
    let page = start as *mut u64;
    unsafe { page.write_volatile(0x5157_0ced) };
    let v = unsafe { page.read_volatile() };
    println!("shootdown: hart {}: page {:#x} mapped, reads {:#x}", a, start, v);
    if !move_to(b) {
        println!("shootdown: cannot move to hart {}", b);
        return 2;
    }
    if sys::brk(start) != start {
        println!("shootdown: brk shrink failed");
        return 2;
    }
    println!("shootdown: hart {}: page {:#x} unmapped", b, start);
    if !move_to(a) {
        println!("shootdown: cannot move to hart {}", a);
        return 2;
    }
    println!("shootdown: hart {}: reading page {:#x} again must fault (SIGSEGV)", a, start);
    let v = unsafe { page.read_volatile() };
    println!("shootdown: STALE TRANSLATION: hart {} read {:#x} from the unmapped page {:#x}", a, v, start);
    1
}
