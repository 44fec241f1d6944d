//! segfault: stores to address 0. svos must kill it (SIGSEGV) and go on.
#![no_std]
#![no_main]

use ulib::println;

#[no_mangle]
fn main() -> i32 {
    println!("segfault: about to store 42 to address 0x0 (unmapped); svos should kill me with SIGSEGV");
    unsafe {
        core::arch::asm!("sw {v}, 0({a})", a = in(reg) 0usize, v = in(reg) 42usize);
    }
    println!("segfault: still alive?! the store did not fault");
    1
}
