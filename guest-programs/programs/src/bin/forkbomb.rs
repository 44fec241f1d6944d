//! forkbomb: forks until fork fails (svos caps the process table: -EAGAIN,
//! or -ENOMEM when memory runs out); children sleep. Then kills and reaps
//! them all. `forkbomb MB` first grows its heap by MB MiB (so memory runs out first). svos must survive, and free every frame.
#![no_std]
#![no_main]

use ulib::{println, sys};

#[no_mangle]
fn main() -> i32 {
    // forkbomb MB: first grow the heap by MB MiB, so fork runs out of memory sooner.
    let mb: usize = ulib::arg(1).parse().unwrap_or(0);
    if mb > 0 {
        let b0 = sys::brk(0);
        let got = sys::brk(b0 + mb * 1024 * 1024);
        println!("forkbomb: heap grown by {} KiB", (got - b0) / 1024);
    }
    let mut n = 0;
    let mut first = 0;
    let err = loop {
        let pid = sys::fork();
        if pid == 0 {
            sys::sleep_ns(1_000_000_000_000);
            sys::exit(0);
        }
        if pid < 0 {
            break pid;
        }
        if first == 0 {
            first = pid;
        }
        n += 1;
    };
    println!("forkbomb: {} children, then fork = {}", n, err);
    for pid in first..first + n {
        sys::kill(pid, sys::SIGKILL);
    }
    let mut reaped = 0;
    let mut st = 0;
    while sys::wait4(-1, &mut st, 0) > 0 {
        reaped += 1;
    }
    println!("forkbomb: killed and reaped {}", reaped);
    0
}
