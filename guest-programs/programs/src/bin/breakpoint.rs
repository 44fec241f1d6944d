//! breakpoint: executes `ebreak` with no debugger. svos must kill it (SIGTRAP) and go on.
#![no_std]
#![no_main]

use ulib::println;

#[no_mangle]
fn main() -> i32 {
    println!("breakpoint: about to execute ebreak; svos should kill me with SIGTRAP");
    unsafe {
        core::arch::asm!("ebreak");
    }
    println!("breakpoint: still alive?!");
    1
}
