//! syscalls: checks svos's Linux-compatible syscall edge cases (bad pointers
//! give -EFAULT, bad fds -EBADF, unknown numbers -ENOSYS, brk semantics).
//! Prints one line per check and exits 0 if all pass, 1 otherwise.
#![no_std]
#![no_main]

use ulib::println;
use ulib::sys::{self, syscall3};

const EFAULT: isize = -14;
const EBADF: isize = -9;
const ENOSYS: isize = -38;

fn check(name: &str, got: isize, want: isize, fails: &mut u32) {
    if got == want {
        println!("  ok   {} = {}", name, got);
    } else {
        println!("  FAIL {} = {} (want {})", name, got, want);
        *fails += 1;
    }
}

#[no_mangle]
fn main() -> i32 {
    let mut fails = 0;
    println!("syscalls: checking svos syscall edge cases");
    check("write(1, NULL, 4)", sys::write(1, unsafe { core::slice::from_raw_parts(8 as *const u8, 4) }), EFAULT, &mut fails);
    check("write(1, kernel address, 4)", syscall3(sys::SYS_WRITE, 1, 0xffff_ffc0_8000_0000, 4), EFAULT, &mut fails);
    check("write(1, top of user half, 4096)", syscall3(sys::SYS_WRITE, 1, 0x40_0000_0000 - 2, 4096), EFAULT, &mut fails);
    check("write(3, buf, 1)", sys::write(3, b"x"), EBADF, &mut fails);
    check("write(1, buf, 0)", sys::write(1, b""), 0, &mut fails);
    check("syscall 999", syscall3(999, 0, 0, 0), ENOSYS, &mut fails);

    let b0 = sys::brk(0);
    check("brk(0) is page aligned", (b0 % 4096) as isize, 0, &mut fails);
    check("brk(b0 + 10000)", (sys::brk(b0 + 10000) - b0) as isize, 10000, &mut fails);
    // The new pages are zeroed and writable.
    let p = (b0 + 9000) as *mut u8;
    let v = unsafe {
        let before = p.read_volatile();
        p.write_volatile(0x5a);
        before as isize + p.read_volatile() as isize
    };
    check("new heap byte: 0, then 0x5a", v, 0x5a, &mut fails);
    check("write(1, heap, 0 bytes past brk page)", syscall3(sys::SYS_WRITE, 1, b0 + 12287, 0), 0, &mut fails);
    check("brk(b0) shrinks", (sys::brk(b0) - b0) as isize, 0, &mut fails);
    check("write from freed heap page", syscall3(sys::SYS_WRITE, 1, b0 + 100, 1), EFAULT, &mut fails);
    check("brk(1 TiB) fails, returns old break", (sys::brk(1 << 40) - b0) as isize, 0, &mut fails);
    check("brk(b0 - 4096) below start, returns break", (sys::brk(b0 - 4096) - b0) as isize, 0, &mut fails);
    check("auxv AT_PAGESZ", ulib::getauxval(6).map_or(-1, |v| v as isize), 4096, &mut fails);
    extern "C" {
        fn _start();
    }
    check("auxv AT_ENTRY == _start", ulib::getauxval(9).map_or(-1, |v| v as isize), _start as *const () as isize, &mut fails);
    check("getpid() > 0", (sys::getpid() > 0) as isize, 1, &mut fails);
    println!("syscalls: {} failed", fails);
    if fails == 0 { 0 } else { 1 }
}
