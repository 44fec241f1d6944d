//! spin: a CPU hog that never yields nor makes a system call. Only the
//! timer interrupt (preemption) lets other processes run; kill it to stop it.
#![no_std]
#![no_main]

use ulib as _;

#[no_mangle]
fn main() -> i32 {
    let mut x: u64 = 0;
    loop {
        x = core::hint::black_box(x.wrapping_add(1));
    }
}
