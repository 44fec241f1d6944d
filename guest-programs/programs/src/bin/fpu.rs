//! fpu: keeps values in f registers across sched_yield while other
//! processes (its forked children) use the same registers with other values;
//! checks nothing was lost. Needs F/D (QEMU today; not yet svemu).
#![no_std]
#![no_main]

use ulib::{println, sys};

fn run(seed: u64) -> u64 {
    let mut bad = 0;
    for i in 0..200u64 {
        let want = seed.wrapping_mul(1000).wrapping_add(i);
        let got: u64;
        unsafe {
            core::arch::asm!(
                "fmv.d.x ft0, {w}",
                "fmv.d.x fs0, {w}",
                "li a7, 124",
                "ecall",
                "fmv.x.d {g}, ft0",
                "fmv.x.d t1, fs0",
                "xor {g}, {g}, t1",
                "xor {g}, {g}, {w}",
                w = in(reg) want, g = out(reg) got,
                out("a0") _, out("a7") _, out("t1") _, out("ft0") _, out("fs0") _,
            );
        }
        // got = ft0 ^ fs0 ^ want == want iff both kept the value.
        if got != want {
            bad += 1;
        }
    }
    bad
}

#[no_mangle]
fn main() -> i32 {
    let mut pids = [0isize; 3];
    for (k, p) in pids.iter_mut().enumerate() {
        *p = sys::fork();
        if *p == 0 {
            sys::exit(if run(k as u64 + 2) == 0 { 0 } else { 1 });
        }
    }
    let bad = run(1);
    let mut failed = 0;
    for p in pids {
        let mut st = 0;
        sys::wait4(p, &mut st, 0);
        if sys::status_code(st) != 0 {
            failed += 1;
        }
    }
    println!("fpu: 4 processes x 200 yields with live f registers: {} lost in parent, {} children failed", bad, failed);
    if bad == 0 && failed == 0 {
        0
    } else {
        1
    }
}
