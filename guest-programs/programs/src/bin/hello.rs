//! hello: greets, and shows its pid and argv[0].
#![no_std]
#![no_main]

use ulib::{println, sys};

#[no_mangle]
fn main() -> i32 {
    println!("Hello from user space on svos!");
    println!("I am pid {}, argv[0] = \"{}\", argc = {}", sys::getpid(), ulib::arg(0), ulib::argc());
    0
}
