//! va: the OSTEP address-space experiment (OSTEP ch. 13, "The Abstraction:
//! Address Spaces"): print where code, a global, a heap object and a stack
//! variable live in the virtual address space.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use ulib::println;

static mut GLOBAL: u64 = 42;

#[no_mangle]
fn main() -> i32 {
    let heap = Box::new(7u64);
    let stack = 3u64;
    let code = main as fn() -> i32 as usize;
    let global = core::ptr::addr_of!(GLOBAL) as usize;
    let heap_addr = &*heap as *const u64 as usize;
    let stack_addr = &stack as *const u64 as usize;
    println!("va: where things live in my (pid {}) virtual address space", ulib::sys::getpid());
    println!("  code   {:#012x}  address of main(): text segment, loaded from the ELF at 0x10000", code);
    println!("  global {:#012x}  a static variable: data segment, above the text", global);
    println!("  heap   {:#012x}  a Box<u64>: brk heap, just above the data/bss", heap_addr);
    println!("  stack  {:#012x}  a local variable: stack, at the top of the user half", stack_addr);
    core::hint::black_box((&heap, &stack));
    0
}
