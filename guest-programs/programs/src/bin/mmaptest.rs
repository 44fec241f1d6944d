//! mmaptest [after-munmap | readonly | mprotect | protnone]: anonymous
//! mmap, munmap, mprotect and getrusage on svos, checked from user space.
//!
//! Without an argument: Linux errnos for bad arguments, demand-zero pages
//! (mapping costs no fault, the first touch of each page one), munmap of
//! part of a mapping, MAP_FIXED_NOREPLACE, system calls writing to pages
//! not touched yet, PROT_READ pages, mprotect (contents kept across
//! PROT_NONE, also in a forked child), fork and its copy-on-write minor
//! faults; one line per check, exit 0 if all pass. The other forms store
//! where svos must refuse it and kill the process with SIGSEGV: to a page
//! it has unmapped, to a PROT_READ page, to a page mprotect'ed from
//! read-write to PROT_READ, and to one mprotect'ed to PROT_NONE.
#![no_std]
#![no_main]

use ulib::check::Checks;
use ulib::println;
use ulib::sys::errno::*;
use ulib::sys::mman::*;
use ulib::sys::rusage::{RUSAGE_CHILDREN, RUSAGE_SELF};
use ulib::sys::{self, syscall6};

const PAGE: usize = 4096;
const RW: usize = PROT_READ | PROT_WRITE;
const ANON: usize = MAP_PRIVATE | MAP_ANONYMOUS;

fn minflt(who: isize) -> isize {
    sys::getrusage(who).map_or(-1, |r| r.ru_minflt as isize)
}

fn load(addr: usize) -> u64 {
    // SAFETY: the caller passes an address it mapped readable.
    unsafe { (addr as *const u64).read_volatile() }
}

fn store(addr: usize, v: u64) {
    // SAFETY: the caller passes an address it mapped writable (or wants to fault).
    unsafe { (addr as *mut u64).write_volatile(v) }
}

/// Maps `pages` pages with `prot`, or exits (the later checks need it).
fn map(pages: usize, prot: usize) -> usize {
    let a = sys::mmap(0, pages * PAGE, prot, ANON);
    if a < 0 {
        println!("mmaptest: mmap failed: {}", a);
        sys::exit(1);
    }
    a as usize
}

fn errors(c: &mut Checks) {
    println!("mmaptest: bad arguments get Linux errnos");
    c.eq("mmap(len 0)", sys::mmap(0, 0, RW, ANON), EINVAL);
    c.eq("mmap(prot 0x8)", sys::mmap(0, PAGE, 0x8, ANON), EINVAL);
    c.eq("mmap(MAP_ANONYMOUS only: no type)", sys::mmap(0, PAGE, RW, MAP_ANONYMOUS), EINVAL);
    c.eq("mmap(PROT_WRITE | PROT_EXEC): W^X", sys::mmap(0, PAGE, PROT_WRITE | PROT_EXEC, ANON), EACCES);
    c.eq("mmap(offset 1)", syscall6(sys::SYS_MMAP, 0, PAGE, RW, ANON, usize::MAX, 1), EINVAL);
    c.eq("mmap(file, fd -1)", sys::mmap(0, PAGE, RW, MAP_PRIVATE), EBADF);
    c.eq("mmap(file, fd 0: the console)", syscall6(sys::SYS_MMAP, 0, PAGE, RW, MAP_PRIVATE, 0, 0), ENODEV);
    c.eq("mmap(len 2^62)", sys::mmap(0, 1 << 62, RW, ANON), ENOMEM);
    c.eq("mmap(MAP_FIXED at 0x1001)", sys::mmap(0x1001, PAGE, RW, ANON | MAP_FIXED), EINVAL);
    c.eq("mmap(MAP_FIXED at 0x1000 < mmap_min_addr)", sys::mmap(0x1000, PAGE, RW, ANON | MAP_FIXED), EPERM);
    let text = main as fn() -> i32 as usize & !(PAGE - 1);
    c.eq("mmap(MAP_FIXED over the program text)", sys::mmap(text, PAGE, RW, ANON | MAP_FIXED), EINVAL);
    c.eq("munmap(unaligned)", sys::munmap(0x1_0001, PAGE), EINVAL);
    c.eq("munmap(len 0)", sys::munmap(0x2000_0000, 0), EINVAL);
    c.eq("munmap(past the user half)", sys::munmap(0x3f_ffff_f000, 2 * PAGE), EINVAL);
    c.eq("munmap(the program text)", sys::munmap(text, PAGE), EINVAL);
    c.eq("munmap(nothing mapped there)", sys::munmap(0x2000_0000, PAGE), 0);
    c.eq("getrusage(99)", sys::getrusage(99).err().unwrap_or(0), EINVAL);
    let kernel = 0xffff_ffc0_8000_0000usize;
    c.eq("getrusage(SELF, kernel address)", sys::syscall3(sys::SYS_GETRUSAGE, 0, kernel, 0), EFAULT);
}

fn demand_paging(c: &mut Checks) {
    println!("mmaptest: pages get frames at their first touch");
    let f0 = minflt(RUSAGE_SELF);
    let a = map(3, RW);
    c.eq("minor faults for mmap of 3 pages", minflt(RUSAGE_SELF) - f0, 0);
    for i in 0..3 {
        c.eq("a new page reads 0", load(a + i * PAGE) as isize, 0);
        store(a + i * PAGE, 100 + i as u64);
    }
    c.eq("minor faults for touching them", minflt(RUSAGE_SELF) - f0, 3);
    c.eq("munmap(the middle page)", sys::munmap(a + PAGE, PAGE), 0);
    c.eq("page 0 keeps its value", load(a) as isize, 100);
    c.eq("page 2 keeps its value", load(a + 2 * PAGE) as isize, 102);
    c.eq("MAP_FIXED_NOREPLACE over page 0", sys::mmap(a, PAGE, RW, ANON | MAP_FIXED_NOREPLACE), EEXIST);
    c.eq(
        "MAP_FIXED_NOREPLACE into the hole",
        sys::mmap(a + PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE),
        (a + PAGE) as isize,
    );
    c.eq("the hole's new page reads 0", load(a + PAGE) as isize, 0);
    c.eq("MAP_FIXED over all 3 pages", sys::mmap(a, 3 * PAGE, RW, ANON | MAP_FIXED), a as isize);
    c.eq("page 0 is a fresh zero page again", load(a) as isize, 0);
    let f1 = minflt(RUSAGE_SELF);
    let mut ts = [0i64; 2];
    sys::syscall3(sys::SYS_CLOCK_GETTIME, 1, ts.as_mut_ptr() as usize, 0);
    c.eq("clock_gettime into an untouched page", sys::syscall3(sys::SYS_CLOCK_GETTIME, 1, a + PAGE, 0), 0);
    c.eq("  the kernel's write faulted it in", minflt(RUSAGE_SELF) - f1, 1);
    c.eq("munmap(all 3 pages)", sys::munmap(a, 3 * PAGE), 0);
    c.eq("clock_gettime into the unmapped range", sys::syscall3(sys::SYS_CLOCK_GETTIME, 1, a, 0), EFAULT);

    let r = map(1, PROT_READ);
    c.eq("a PROT_READ page reads 0", load(r) as isize, 0);
    c.eq("clock_gettime into a PROT_READ page", sys::syscall3(sys::SYS_CLOCK_GETTIME, 1, r, 0), EFAULT);
    let hint = r - 16 * PAGE;
    c.eq("mmap(free hint) is placed at the hint", sys::mmap(hint, PAGE, RW, ANON), hint as isize);
    let b0 = sys::brk(0);
    c.eq("brk still grows", (sys::brk(b0 + PAGE) - b0) as isize, PAGE as isize);
    let rss = sys::getrusage(RUSAGE_SELF).map_or(0, |r| r.ru_maxrss);
    c.eq("ru_maxrss > 0 KiB", (rss > 0) as isize, 1);
    c.eq("ru_majflt", sys::getrusage(RUSAGE_SELF).map_or(-1, |r| r.ru_majflt as isize), 0);
}

fn fork(c: &mut Checks) {
    println!("mmaptest: a child gets a copy of the touched pages");
    let a = map(2, RW);
    store(a, 1);
    let pid = sys::fork();
    if pid == 0 {
        store(a, 2);
        // Page 1 was never touched: the child faults it in for itself.
        sys::exit((load(a) + load(a + PAGE)) as i32);
    }
    let mut st = 0;
    c.eq("wait4(child)", sys::wait4(pid, &mut st, 0), pid);
    c.eq("child saw its own write and a zero page", sys::status_code(st) as isize, 2);
    c.eq("parent's page 0 unchanged", load(a) as isize, 1);
    c.eq("RUSAGE_CHILDREN counts the child's faults", (minflt(RUSAGE_CHILDREN) >= 1) as isize, 1);
}

/// Minor faults taken by `touch` (getrusage is called once before, so that
/// its own store to this stack frame is not counted).
fn faults_of(touch: impl FnOnce()) -> isize {
    minflt(RUSAGE_SELF);
    let f0 = minflt(RUSAGE_SELF);
    touch();
    minflt(RUSAGE_SELF) - f0
}

fn copy_on_write(c: &mut Checks) {
    const N: usize = 64;
    println!("mmaptest: fork shares the {} pages; the first store to each copies it", N);
    let a = map(N, RW);
    let fill = |base: u64| (0..N).for_each(|i| store(a + i * PAGE, base + i as u64));
    let sum = || (0..N).map(|i| load(a + i * PAGE)).sum::<u64>() as isize;
    fill(0);
    let pid = sys::fork();
    if pid == 0 {
        let copies = faults_of(|| fill(1000));
        let again = faults_of(|| fill(3000));
        sys::exit(if again == 0 && sum() == (3000 * N + N * (N - 1) / 2) as isize { copies as i32 } else { 255 });
    }
    let mut st = 0;
    c.eq("wait4(child)", sys::wait4(pid, &mut st, 0), pid);
    c.eq("child's minor faults for its first store to each page", sys::status_code(st) as isize, N as isize);
    c.eq("parent's pages unchanged", sum(), (N * (N - 1) / 2) as isize);
    c.eq("parent's first stores, the child gone: W back, no copy", faults_of(|| fill(2000)), N as isize);
    c.eq("parent's second stores", faults_of(|| fill(4000)), 0);
}

fn mprotect(c: &mut Checks) {
    println!("mmaptest: mprotect changes access, keeps contents");
    let text = main as fn() -> i32 as usize & !(PAGE - 1);
    let a = map(3, RW);
    c.eq("mprotect(unaligned)", sys::mprotect(a + 1, PAGE, PROT_READ), EINVAL);
    c.eq("mprotect(prot 0x8)", sys::mprotect(a, PAGE, 0x8), EINVAL);
    c.eq("mprotect(PROT_WRITE | PROT_EXEC): W^X", sys::mprotect(a, PAGE, PROT_WRITE | PROT_EXEC), EACCES);
    c.eq("mprotect(len 0)", sys::mprotect(a, 0, PROT_READ), 0);
    c.eq("mprotect(nothing mapped there)", sys::mprotect(0x2000_0000, PAGE, PROT_READ), ENOMEM);
    let h = map(2, RW);
    sys::munmap(h + PAGE, PAGE);
    c.eq("mprotect(a range with a hole)", sys::mprotect(h, 2 * PAGE, PROT_READ), ENOMEM);
    c.eq("  changed nothing: still writable", faults_of(|| store(h, 1)), 1);
    sys::munmap(h, PAGE);
    c.eq("mprotect(the program text, R+X): allowed, as on Linux", sys::mprotect(text, PAGE, PROT_READ | PROT_EXEC), 0);
    let local = 0u64;
    let stack = core::ptr::addr_of!(local) as usize & !(PAGE - 1);
    c.eq("mprotect(the stack)", sys::mprotect(stack, PAGE, PROT_READ), EACCES);
    (0..3).for_each(|i| store(a + i * PAGE, 200 + i as u64));
    c.eq("mprotect(middle page, PROT_NONE)", sys::mprotect(a + PAGE, PAGE, 0), 0);
    c.eq("page 0 still writable", faults_of(|| store(a, 300)), 0);
    c.eq("clock_gettime into the PROT_NONE page", sys::syscall3(sys::SYS_CLOCK_GETTIME, 1, a + PAGE, 0), EFAULT);
    let pid = sys::fork();
    if pid == 0 {
        // The child's copy of the PROT_NONE page keeps its contents too.
        sys::mprotect(a + PAGE, PAGE, PROT_READ);
        sys::exit((load(a + PAGE) - 200) as i32);
    }
    let mut st = 0;
    sys::wait4(pid, &mut st, 0);
    c.eq("child: PROT_NONE page made readable holds 201", sys::status_code(st) as isize + 200, 201);
    c.eq("mprotect(middle page, RW)", sys::mprotect(a + PAGE, PAGE, RW), 0);
    let mut v = 0;
    let faults = faults_of(|| v = load(a + PAGE));
    c.eq("it still holds 201", v as isize, 201);
    c.eq("  no fault to read it", faults, 0);
    c.eq("mprotect(all, PROT_READ)", sys::mprotect(a, 3 * PAGE, PROT_READ), 0);
    c.eq("page 2 reads 202", load(a + 2 * PAGE) as isize, 202);
    c.eq("clock_gettime into a page made PROT_READ", sys::syscall3(sys::SYS_CLOCK_GETTIME, 1, a, 0), EFAULT);
    c.eq("munmap(all)", sys::munmap(a, 3 * PAGE), 0);
}

/// Stores to an address svos must refuse; returns only if it did not.
fn fatal_store(what: &str) -> i32 {
    let a = match what {
        "after-munmap" => {
            let a = map(2, RW);
            store(a + PAGE, 1);
            sys::munmap(a + PAGE, PAGE);
            a + PAGE
        }
        "readonly" => map(1, PROT_READ),
        prot => {
            let a = map(1, RW);
            store(a, 1);
            sys::mprotect(a, PAGE, if prot == "mprotect" { PROT_READ } else { 0 });
            a
        }
    };
    println!("mmaptest {}: storing to {:#x}; svos should kill me", what, a);
    store(a, 42);
    println!("mmaptest {}: the store to {:#x} succeeded", what, a);
    1
}

#[no_mangle]
fn main() -> i32 {
    if ulib::argc() > 1 {
        return match ulib::arg(1) {
            w @ ("after-munmap" | "readonly" | "mprotect" | "protnone") => fatal_store(w),
            w => {
                println!("usage: mmaptest [after-munmap | readonly | mprotect | protnone] (not {})", w);
                2
            }
        };
    }
    let mut c = Checks::default();
    errors(&mut c);
    demand_paging(&mut c);
    fork(&mut c);
    copy_on_write(&mut c);
    mprotect(&mut c);
    c.finish("mmaptest")
}
