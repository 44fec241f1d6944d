//! illegal: reads the S-mode CSR satp from U-mode. svos must kill it (SIGILL) and go on.
#![no_std]
#![no_main]

use ulib::println;

#[no_mangle]
fn main() -> i32 {
    println!("illegal: about to execute `csrr a0, satp` in U-mode; svos should kill me with SIGILL");
    let satp: usize;
    unsafe {
        core::arch::asm!("csrr {0}, satp", out(reg) satp);
    }
    println!("illegal: still alive?! read satp = {:#x}", satp);
    1
}
