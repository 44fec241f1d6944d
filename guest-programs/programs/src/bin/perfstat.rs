//! perfstat PROGRAM [ARG...]: `perf stat` for svos. Runs PROGRAM (fork +
//! execve, PATH=/), waits for it, and prints the hardware performance
//! counts of its run (its own and its descendants', user code and the
//! kernel's work on its behalf) that svos keeps per process: TLB misses by
//! access, page-table walks, A/D updates, page faults and TLB evictions
//! (svos's `svos_perf` system call over the hpm counters). Exits with
//! PROGRAM's status (128 + signal if killed), or 127 if it could not start.
#![no_std]
#![no_main]

extern crate alloc;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::sys::perf::{EVENTS, SYS_SVOS_PERF};
use ulib::sys::rusage::RUSAGE_CHILDREN;
use ulib::{println, sys};

#[no_mangle]
fn main() -> i32 {
    if ulib::argc() < 2 {
        println!("usage: perfstat PROGRAM [ARG...]");
        return 2;
    }
    let args: Vec<String> = (1..ulib::argc()).map(|i| String::from(ulib::arg(i))).collect();
    let argv: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
    let pid = ulib::spawn(&argv);
    if pid < 0 {
        println!("perfstat: fork failed: {}", pid);
        return 127;
    }
    let mut status = 0i32;
    if sys::wait4(pid, &mut status, 0) != pid {
        println!("perfstat: wait4 failed");
        return 127;
    }
    let events: Vec<u64> = EVENTS.iter().map(|&(e, _)| e).collect();
    let mut counts = [0u64; EVENTS.len()];
    let r = sys::syscall4(
        SYS_SVOS_PERF,
        RUSAGE_CHILDREN as usize,
        events.as_ptr() as usize,
        counts.as_mut_ptr() as usize,
        events.len(),
    );
    if r != 0 {
        println!("perfstat: svos_perf failed: {}", r);
        return 127;
    }
    println!();
    println!(" Performance counter stats for '{}':", args.join(" "));
    println!();
    for (&(code, name), n) in EVENTS.iter().zip(counts) {
        println!("{:>16}      {:<20} (mhpmevent {:#x})", n, name, code);
    }
    println!();
    if status & 0x7f != 0 {
        128 + (status & 0x7f)
    } else {
        (status >> 8) & 0xff
    }
}
