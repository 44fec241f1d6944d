//! worker I: some arithmetic with a sched_yield every 1000 steps; exits 0
//! if the result matches the closed form, 1 otherwise. Prints nothing
//! (many run at once: their output order would depend on timing).
#![no_std]
#![no_main]

use ulib::sys;

#[no_mangle]
fn main() -> i32 {
    let i: u64 = ulib::arg(1).parse().unwrap_or(0);
    let n: u64 = 5000;
    let mut sum: u64 = 0;
    for k in 0..n {
        sum = sum.wrapping_add(core::hint::black_box(k * (i + 1)));
        if k % 1000 == 999 {
            sys::sched_yield();
        }
    }
    let want = (i + 1) * n * (n - 1) / 2;
    if sum == want {
        0
    } else {
        1
    }
}
