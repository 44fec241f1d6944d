//! ulib: the svos user runtime.
//!
//! - `_start` (asm): `sp` points at argc, argv..., NULL, envp..., NULL, auxv
//!   (Linux/System V layout); it calls [`__ulib_start`], which records argc and
//!   argv and calls the program's `main() -> i32`, then `exit`s with its value.
//! - [`sys`]: Linux riscv64 syscalls (ecall, a7 = number).
//! - [`print!`]/[`println!`] over write(1).
//! - A bump heap over brk as the `#[global_allocator]`.
//! - A panic handler that prints the message and exits with 101.
//! - [`check::Checks`] for self-checking test programs.
//!
//! A program is a `#![no_std] #![no_main]` binary that defines
//! `#[no_mangle] fn main() -> i32`.

#![no_std]

pub mod check;
pub mod heap;
pub mod io;
pub mod sys;

pub extern crate alloc;

use core::sync::atomic::{AtomicUsize, Ordering};

static ARGC: AtomicUsize = AtomicUsize::new(0);
static ARGV: AtomicUsize = AtomicUsize::new(0);

core::arch::global_asm!(
    r#"
    .section .text.entry
    .globl _start
_start:
    mv      a0, sp
    andi    sp, sp, -16
    call    __ulib_start
1:  j       1b
"#
);

extern "Rust" {
    fn main() -> i32;
}

/// Called by `_start` with the initial stack pointer.
#[no_mangle]
unsafe extern "C" fn __ulib_start(sp: *const usize) -> ! {
    ARGC.store(*sp, Ordering::Relaxed);
    ARGV.store(sp.add(1) as usize, Ordering::Relaxed);
    let code = main();
    sys::exit(code)
}

/// The value of auxiliary-vector entry `key` (e.g. 6 = AT_PAGESZ, 9 =
/// AT_ENTRY) from the initial stack, if present.
pub fn getauxval(key: usize) -> Option<usize> {
    unsafe {
        let argv = ARGV.load(Ordering::Relaxed) as *const usize;
        if argv.is_null() {
            return None;
        }
        // Skip argv[..argc], NULL, then envp up to its NULL.
        let mut p = argv.add(argc() + 1);
        while *p != 0 {
            p = p.add(1);
        }
        p = p.add(1);
        loop {
            let (k, v) = (*p, *p.add(1));
            if k == 0 {
                return None;
            }
            if k == key {
                return Some(v);
            }
            p = p.add(2);
        }
    }
}

/// Number of arguments.
pub fn argc() -> usize {
    ARGC.load(Ordering::Relaxed)
}

/// Argument `i` as a string ("" if out of range or not UTF-8).
pub fn arg(i: usize) -> &'static str {
    if i >= argc() {
        return "";
    }
    unsafe {
        let p = *(ARGV.load(Ordering::Relaxed) as *const *const u8).add(i);
        let mut n = 0;
        while *p.add(n) != 0 {
            n += 1;
        }
        core::str::from_utf8(core::slice::from_raw_parts(p, n)).unwrap_or("")
    }
}

/// The environment the program was started with ("NAME=value" strings,
/// from the initial stack after argv).
pub fn environ() -> alloc::vec::Vec<&'static str> {
    let mut out = alloc::vec::Vec::new();
    unsafe {
        let argv = ARGV.load(Ordering::Relaxed) as *const *const u8;
        if argv.is_null() {
            return out;
        }
        let mut e = argv.add(argc() + 1);
        while !(*e).is_null() {
            let p = *e;
            let mut n = 0;
            while *p.add(n) != 0 {
                n += 1;
            }
            if let Ok(s) = core::str::from_utf8(core::slice::from_raw_parts(p, n)) {
                out.push(s);
            }
            e = e.add(1);
        }
    }
    out
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {}", info);
    sys::exit(101)
}

/// Runs `argv[0]` from the initrd in a new process (fork + execve) and
/// returns its pid, or -errno if fork failed. If exec fails the child prints
/// a message and exits 127.
pub fn spawn(argv: &[&str]) -> isize {
    use alloc::vec::Vec;
    // Build everything before fork: the child only calls execve.
    let owned: Vec<Vec<u8>> = argv
        .iter()
        .map(|a| {
            let mut v = Vec::from(a.as_bytes());
            v.push(0);
            v
        })
        .collect();
    let mut ptrs: Vec<*const u8> = owned.iter().map(|v| v.as_ptr()).collect();
    ptrs.push(core::ptr::null());
    let envp: [*const u8; 2] = [b"PATH=/\0".as_ptr(), core::ptr::null()];
    let pid = sys::fork();
    if pid == 0 {
        let e = sys::execve(owned[0].as_ptr(), ptrs.as_ptr(), envp.as_ptr());
        println!("{}: cannot execute (error {})", argv[0], e);
        sys::exit(127);
    }
    pid
}
