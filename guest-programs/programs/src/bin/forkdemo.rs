//! forkdemo: fork, isolation, exec with arguments, wait, kill.
//! - a parent and its child write the same virtual address: each sees its
//!   own value (different physical frames);
//! - a child execs `hello` with arguments; the parent waits for its status;
//! - a child that would sleep for a long time is killed with SIGTERM.
#![no_std]
#![no_main]

use ulib::{println, sys};

static mut SHARED: u64 = 1;

fn wait(pid: isize) -> i32 {
    let mut st = 0;
    let r = sys::wait4(pid, &mut st, 0);
    if r != pid {
        println!("forkdemo: wait4({}) = {}", pid, r);
    }
    sys::status_code(st)
}

#[no_mangle]
fn main() -> i32 {
    let addr = core::ptr::addr_of_mut!(SHARED);
    println!(
        "forkdemo: pid {} (parent {}), global at {:#x} = {}",
        sys::getpid(),
        sys::getppid(),
        addr as usize,
        unsafe { addr.read_volatile() }
    );
    let pid = sys::fork();
    if pid == 0 {
        unsafe { addr.write_volatile(2) };
        println!(
            "forkdemo: child pid {} (parent {}) wrote 2 to {:#x}, reads {}",
            sys::getpid(),
            sys::getppid(),
            addr as usize,
            unsafe { addr.read_volatile() }
        );
        sys::exit(7);
    }
    let s = wait(pid);
    unsafe { addr.write_volatile(addr.read_volatile() + 10) };
    println!(
        "forkdemo: child {} exited {}; parent wrote 11 to {:#x}, reads {}: same VA, different frames",
        pid,
        s,
        addr as usize,
        unsafe { addr.read_volatile() }
    );
    let pid = ulib::spawn(&["hello", "from", "forkdemo"]);
    let s = wait(pid);
    println!("forkdemo: exec'd child {} (hello from forkdemo) exited {}", pid, s);
    let pid = ulib::spawn(&["sleep", "100000"]);
    let k = sys::kill(pid, sys::SIGTERM);
    let s = wait(pid);
    println!("forkdemo: kill({}, SIGTERM) = {}; it exited {} (128 + 15)", pid, k, s);
    let mut st = 0;
    println!("forkdemo: wait4 with no children left = {} (-ECHILD)", sys::wait4(-1, &mut st, 0));
    0
}
