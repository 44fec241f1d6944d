//! spawn N: starts N `worker` processes (fork + execve) that all run at
//! once, waits for every one, and reports how many exited 0. Exits 0 if all did.
#![no_std]
#![no_main]

extern crate alloc;
use alloc::format;
use alloc::vec::Vec;
use ulib::{println, sys};

#[no_mangle]
fn main() -> i32 {
    let n: usize = ulib::arg(1).parse().unwrap_or(10);
    let t0 = sys::monotonic_ns();
    let mut pids = Vec::new();
    for i in 0..n {
        let arg = format!("{}", i);
        let pid = ulib::spawn(&["worker", &arg]);
        if pid < 0 {
            println!("spawn: fork {} failed: {}", i, pid);
            break;
        }
        pids.push(pid);
    }
    println!(
        "spawn: started {} workers (pids {}..{})",
        pids.len(),
        pids.first().unwrap_or(&0),
        pids.last().unwrap_or(&0)
    );
    let mut ok = 0;
    let mut reaped = 0;
    loop {
        let mut st = 0;
        let r = sys::wait4(-1, &mut st, 0);
        if r < 0 {
            break;
        }
        reaped += 1;
        if sys::status_code(st) == 0 {
            ok += 1;
        }
    }
    let _elapsed = sys::monotonic_ns() - t0;
    println!("spawn: reaped {} of {}, {} exited 0", reaped, n, ok);
    if ok == n {
        0
    } else {
        1
    }
}
