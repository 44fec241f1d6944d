//! syscalls: checks svos's Linux-compatible syscall edge cases (bad pointers
//! give -EFAULT, bad fds -EBADF, unknown numbers -ENOSYS, brk semantics).
//! Prints one line per check and exits 0 if all pass, 1 otherwise.
#![no_std]
#![no_main]

use ulib::check::Checks;
use ulib::println;
use ulib::sys::{self, syscall3, syscall4};

use ulib::sys::errno::{EBADF, EFAULT, ENOSYS};

#[no_mangle]
fn main() -> i32 {
    let mut c = Checks::default();
    println!("syscalls: checking svos syscall edge cases");
    c.eq("write(1, NULL, 4)", sys::write(1, unsafe { core::slice::from_raw_parts(8 as *const u8, 4) }), EFAULT);
    c.eq("write(1, kernel address, 4)", syscall3(sys::SYS_WRITE, 1, 0xffff_ffc0_8000_0000, 4), EFAULT);
    c.eq("write(1, top of user half, 4096)", syscall3(sys::SYS_WRITE, 1, 0x40_0000_0000 - 2, 4096), EFAULT);
    c.eq("write(3, buf, 1)", sys::write(3, b"x"), EBADF);
    c.eq("write(1, buf, 0)", sys::write(1, b""), 0);
    c.eq("syscall 999", syscall3(999, 0, 0, 0), ENOSYS);

    let b0 = sys::brk(0);
    c.eq("brk(0) is page aligned", (b0 % 4096) as isize, 0);
    c.eq("brk(b0 + 10000)", (sys::brk(b0 + 10000) - b0) as isize, 10000);
    // The new pages are zeroed and writable.
    let p = (b0 + 9000) as *mut u8;
    let v = unsafe {
        let before = p.read_volatile();
        p.write_volatile(0x5a);
        before as isize + p.read_volatile() as isize
    };
    c.eq("new heap byte: 0, then 0x5a", v, 0x5a);
    c.eq("write(1, heap, 0 bytes past brk page)", syscall3(sys::SYS_WRITE, 1, b0 + 12287, 0), 0);
    c.eq("brk(b0) shrinks", (sys::brk(b0) - b0) as isize, 0);
    c.eq("write from freed heap page", syscall3(sys::SYS_WRITE, 1, b0 + 100, 1), EFAULT);
    c.eq("brk(1 TiB) fails, returns old break", (sys::brk(1 << 40) - b0) as isize, 0);
    c.eq("brk(b0 - 4096) below start, returns break", (sys::brk(b0 - 4096) - b0) as isize, 0);
    c.eq("auxv AT_PAGESZ", ulib::getauxval(6).map_or(-1, |v| v as isize), 4096);
    extern "C" {
        fn _start();
    }
    c.eq("auxv AT_ENTRY == _start", ulib::getauxval(9).map_or(-1, |v| v as isize), _start as *const () as isize);
    c.eq("getpid() > 0", (sys::getpid() > 0) as isize, 1);

    // Every pointer argument is checked: bad ones give -EFAULT, never a kernel fault.
    const KADDR: usize = 0xffff_ffc0_8000_0000;
    let text = main as fn() -> i32 as usize;
    c.eq("openat(kernel path)", syscall3(sys::SYS_OPENAT, -100isize as usize, KADDR, 0), EFAULT);
    c.eq("openat(\"nope\")", sys::open(b"nope\0"), -2);
    c.eq(
        "openat(\"hello\", O_WRONLY)",
        syscall3(sys::SYS_OPENAT, -100isize as usize, b"hello\0".as_ptr() as usize, 1),
        -30,
    );
    let fd = sys::open(b"hello\0");
    c.eq("openat(\"hello\") = 3", fd, 3);
    c.eq("read(fd, text, 16): text is not writable", syscall3(sys::SYS_READ, fd as usize, text, 16), EFAULT);
    c.eq("read(fd, kernel, 16)", syscall3(sys::SYS_READ, fd as usize, KADDR, 16), EFAULT);
    let mut magic = [0u8; 4];
    c.eq("read(fd, buf, 4)", sys::read(fd as usize, &mut magic), 4);
    c.eq("the file starts with \\x7fELF", (magic == *b"\x7fELF") as isize, 1);
    c.eq("lseek(fd, 0, SEEK_END) > 0", (syscall3(sys::SYS_LSEEK, fd as usize, 0, 2) > 0) as isize, 1);
    c.eq("fstat(fd, kernel)", syscall3(sys::SYS_FSTAT, fd as usize, KADDR, 0), EFAULT);
    c.eq("write(fd, buf, 1): read-only file", syscall3(sys::SYS_WRITE, fd as usize, b"x".as_ptr() as usize, 1), EBADF);
    c.eq("close(fd)", sys::close(fd as usize), 0);
    c.eq("close(fd) again", sys::close(fd as usize), EBADF);
    c.eq("clock_gettime(MONOTONIC, text)", syscall3(sys::SYS_CLOCK_GETTIME, 1, text, 0), EFAULT);
    c.eq("clock_gettime(99, buf)", syscall3(sys::SYS_CLOCK_GETTIME, 99, b0 - 64, 0), -22);
    c.eq("nanosleep(NULL)", syscall3(sys::SYS_NANOSLEEP, 0, 0, 0), EFAULT);
    c.eq("uname(kernel)", syscall3(sys::SYS_UNAME, KADDR, 0, 0), EFAULT);
    c.eq("execve(kernel path)", syscall3(sys::SYS_EXECVE, KADDR, 0, 0), EFAULT);
    c.eq("execve(\"nope\")", syscall3(sys::SYS_EXECVE, b"nope\0".as_ptr() as usize, 0, 0), -2);
    c.eq("execve(path, argv = kernel)", syscall3(sys::SYS_EXECVE, b"hello\0".as_ptr() as usize, KADDR, 0), EFAULT);
    c.eq("wait4(-1) with no children", syscall3(sys::SYS_WAIT4, -1isize as usize, 0, 0), -10);
    c.eq("clone(CLONE_VM) unsupported", syscall3(sys::SYS_CLONE, 0x100, 0, 0), -22);
    c.eq("kill(12345, SIGKILL)", sys::kill(12345, 9), -3);
    c.eq("kill(self, 65) no such signal", sys::kill(sys::getpid(), 65), -22);
    let mut uts = [0u8; 390];
    c.eq("uname(buf)", syscall3(sys::SYS_UNAME, uts.as_mut_ptr() as usize, 0, 0), 0);
    c.eq(
        "uname sysname = Linux, machine = riscv64",
        (&uts[..6] == b"Linux\0" && &uts[260..268] == b"riscv64\0") as isize,
        1,
    );
    let t0 = sys::monotonic_ns();
    c.eq("nanosleep(10 ms)", sys::sleep_ns(10_000_000), 0);
    c.eq("CLOCK_MONOTONIC advanced >= 10 ms", (sys::monotonic_ns() - t0 >= 10_000_000) as isize, 1);
    c.eq(
        "nanosleep(tv_nsec = 1e9) invalid",
        syscall3(sys::SYS_NANOSLEEP, [0i64, 1_000_000_000].as_ptr() as usize, 0, 0),
        -22,
    );
    c.eq("getppid() = 0 (started by the kernel)", sys::getppid(), 0);
    let pid = sys::fork();
    if pid == 0 {
        sys::exit(3);
    }
    let mut st = 0;
    c.eq("wait4(child, kernel status ptr)", syscall4(sys::SYS_WAIT4, pid as usize, KADDR, 0, 0), EFAULT);
    c.eq("wait4(child, &st) after that", sys::wait4(pid, &mut st, 0), pid);
    c.eq("child status 3", sys::status_code(st) as isize, 3);
    c.finish("syscalls")
}
