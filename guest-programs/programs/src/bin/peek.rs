//! peek: tries to read kernel memory (the first word of the kernel text at
//! 0xffff_ffc0_8000_0000, mapped without U). svos must kill it (SIGSEGV, load
//! page fault) and go on: user programs cannot see the kernel.
#![no_std]
#![no_main]

use ulib::println;

#[no_mangle]
fn main() -> i32 {
    let addr: usize = 0xffff_ffc0_8000_0000;
    println!("peek: about to load from kernel address {:#x}; svos should kill me with SIGSEGV", addr);
    let v: usize;
    unsafe {
        core::arch::asm!("ld {v}, 0({a})", a = in(reg) addr, v = out(reg) v);
    }
    println!("peek: still alive?! read {:#x}", v);
    1
}
