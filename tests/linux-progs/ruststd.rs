//! ruststd: an ordinary Rust std program for riscv64gc-unknown-linux-gnu,
//! linked statically (`-C target-feature=+crt-static`, glibc underneath),
//! that exercises what Rust's runtime asks of a kernel: its start-up
//! (args, env, auxv through glibc, the main thread's stack guard found
//! from /proc/self/maps), the allocator (brk and mmap), std::fs, threads
//! (clone, futex through Mutex/Condvar/Barrier/mpsc, thread::scope),
//! unwinding (catch_unwind), time, and std::process (posix_spawn, pipes,
//! wait) with a child that overflows its stack (SIGSEGV on the guard page,
//! taken on the sigaltstack std installs, then abort: SIGABRT).
//!
//! Lines starting with `~` depend on addresses, time, or on what
//! qemu-riscv64 user mode cannot do (execve a RISC-V program); the others
//! must be what Linux prints. Built by `make linux-progs`.

use std::collections::{BTreeMap, HashMap};
use std::io::{ErrorKind, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier, Condvar, Mutex};
use std::time::{Duration, Instant};

extern "C" {
    /// glibc's sched_getcpu(3): the hart the calling thread runs on.
    fn sched_getcpu() -> i32;
}

/// Field `n` (1-based, as proc(5) numbers them) of /proc/self/stat.
fn stat_field(n: usize) -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The comm field is in parentheses and may hold blanks: count after it.
    let rest = &s[s.rfind(')').expect("comm") + 2..];
    rest.split(' ').nth(n - 3).expect("field").parse().expect("number")
}

fn formatting() {
    let x = 2.0f64.sqrt();
    println!("fmt: {x:.6} {:e} {:>8.2}| {:<6}| {:#x} {:#b} {:+}", 1234.5f64, std::f64::consts::PI, "left", 255u32, 5u8, 7i32);
    println!("math: sin(1)={:.9} exp(1)={:.9} ln(10)={:.9} 3^0.5={:.9}", 1f64.sin(), 1f64.exp(), 10f64.ln(), 3f64.powf(0.5));
    println!("ints: {} {} {}", u64::MAX, i64::MIN, (1u128 << 100));
    println!("parse: {:?} {:?} {:?}", "42".parse::<i32>(), "x".parse::<i32>().is_err(), "2.5e3".parse::<f64>());
}

fn collections() {
    let mut v: Vec<i64> = (0..1000).map(|i| (i * 7919) % 1009 - 500).collect();
    v.sort_unstable();
    println!("sort: first {:?} last {:?} sum {}", &v[..3], &v[997..], v.iter().sum::<i64>());
    // HashMap's iteration order is random (its hasher is seeded from
    // getrandom): print it sorted.
    let mut words: HashMap<&str, usize> = HashMap::new();
    for w in "the quick brown fox jumps over the lazy dog the end".split(' ') {
        *words.entry(w).or_default() += 1;
    }
    let sorted: BTreeMap<_, _> = words.into_iter().collect();
    println!("words: {sorted:?}");
    let s: String = "memory".chars().rev().collect::<String>().to_uppercase();
    println!("string: {s} {} {:?}", s.len(), s.find('O'));
}

fn memory() {
    const MIB: usize = 8;
    let before = stat_field(10);
    let mut buf = vec![0u8; MIB << 20];
    for (i, page) in buf.chunks_mut(4096).enumerate() {
        page[0] = i as u8;
    }
    let after = stat_field(10);
    let sum: u64 = buf.chunks(4096).map(|p| p[0] as u64).sum();
    println!("heap: touched {MIB} MiB in {} pages, checksum {sum}", buf.len() / 4096);
    println!("~heap: minflt {before} -> {after} (+{})", after - before);
    println!("~heap at {:p}, stack near {:p}", buf.as_ptr(), &before);
    let maps = std::fs::read_to_string("/proc/self/maps").expect("maps");
    println!("maps: [stack] present: {}", maps.lines().any(|l| l.ends_with("[stack]")));
}

fn files() {
    let dir = "/tmp/ruststd";
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(format!("{dir}/sub")).expect("mkdir");
    std::fs::write(format!("{dir}/a.txt"), b"alpha\nbeta\n").expect("write");
    let mut f = std::fs::OpenOptions::new().append(true).open(format!("{dir}/a.txt")).expect("open");
    writeln!(f, "gamma").expect("append");
    drop(f);
    let text = std::fs::read_to_string(format!("{dir}/a.txt")).expect("read");
    println!("fs: {:?} len {}", text.lines().collect::<Vec<_>>(), std::fs::metadata(format!("{dir}/a.txt")).expect("stat").len());
    std::fs::rename(format!("{dir}/a.txt"), format!("{dir}/sub/b.txt")).expect("rename");
    let mut names: Vec<String> = std::fs::read_dir(format!("{dir}/sub"))
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    println!("fs: sub holds {names:?}");
    let e = std::fs::File::open(format!("{dir}/missing")).expect_err("missing file");
    println!("fs: open missing: {:?} errno {:?}", e.kind(), e.raw_os_error());
    let e = std::fs::remove_dir(format!("{dir}/sub")).expect_err("not empty");
    println!("fs: rmdir non-empty: errno {:?}", e.raw_os_error());
    std::fs::remove_dir_all(dir).expect("rm -r");
    println!("fs: removed: {}", std::fs::metadata(dir).err().map(|e| e.kind()) == Some(ErrorKind::NotFound));
}

fn threads() {
    const N: usize = 4;
    let total = Arc::new(Mutex::new(0u64));
    let barrier = Arc::new(Barrier::new(N));
    let atomic = Arc::new(AtomicU64::new(0));
    let harts = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..N)
        .map(|t| {
            let (total, barrier, atomic, harts, tx) = (total.clone(), barrier.clone(), atomic.clone(), harts.clone(), tx.clone());
            std::thread::Builder::new()
                .name(format!("worker{t}"))
                .spawn(move || {
                    let mut local = 0u64;
                    for i in 0..200_000u64 {
                        local += i % 7;
                        if i % 50_000 == 0 {
                            harts.lock().unwrap().insert(unsafe { sched_getcpu() });
                        }
                    }
                    barrier.wait();
                    *total.lock().unwrap() += local;
                    for _ in 0..1000 {
                        atomic.fetch_add(1, Ordering::Relaxed);
                    }
                    tx.send((t, std::thread::current().name().unwrap().to_owned())).unwrap();
                    local
                })
                .expect("spawn")
        })
        .collect();
    drop(tx);
    let mut got: Vec<_> = rx.iter().collect();
    got.sort();
    let sums: Vec<u64> = handles.into_iter().map(|h| h.join().expect("join")).collect();
    println!("threads: {N} workers, sums {sums:?}, total {}, atomic {}", total.lock().unwrap(), atomic.load(Ordering::Relaxed));
    println!("threads: messages {got:?}");
    println!("~threads ran on {} harts", harts.lock().unwrap().len());
    // A condition variable with a timeout that expires, and one that is signalled.
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (lock, cv) = &*pair;
    let start = Instant::now();
    let (_g, res) = cv.wait_timeout(lock.lock().unwrap(), Duration::from_millis(20)).unwrap();
    println!("condvar: timed out {} after >= 20 ms: {}", res.timed_out(), start.elapsed() >= Duration::from_millis(20));
    drop(_g);
    let p2 = pair.clone();
    let t = std::thread::spawn(move || {
        *p2.0.lock().unwrap() = true;
        p2.1.notify_one();
    });
    let g = cv.wait_while(lock.lock().unwrap(), |ready| !*ready).unwrap();
    println!("condvar: signalled {}", *g);
    drop(g);
    t.join().unwrap();
    // Scoped threads borrowing the caller's data.
    let data: Vec<u32> = (1..=100).collect();
    let halves: Vec<u32> = std::thread::scope(|s| {
        let (a, b) = data.split_at(50);
        let ha = s.spawn(|| a.iter().sum::<u32>());
        let hb = s.spawn(|| b.iter().sum::<u32>());
        vec![ha.join().unwrap(), hb.join().unwrap()]
    });
    println!("scope: {halves:?}");
}

fn panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("?");
        println!("panic hook: {msg}");
    }));
    let r = std::panic::catch_unwind(|| {
        let v: Vec<u8> = Vec::new();
        if v.is_empty() {
            panic!("boom");
        }
    });
    println!("catch_unwind: caught {}", r.is_err());
    let r = std::thread::spawn(|| panic!("in a thread")).join();
    println!("thread panic: join is Err {}", r.is_err());
    let _ = std::panic::take_hook();
}

fn time() {
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(15));
    let slept = start.elapsed();
    println!("sleep: at least 15 ms: {}", slept >= Duration::from_millis(15));
    println!("~sleep: {} us", slept.as_micros());
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    println!("~wall clock: {} s since the epoch", since.as_secs());
}

/// The child half of `processes`: what `ruststd child KIND` does.
fn child(kind: &str) -> ! {
    match kind {
        "echo" => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).expect("stdin");
            print!("child read {:?}", input);
            std::process::exit(3)
        }
        "overflow" => {
            #[allow(unconditional_recursion)]
            fn deep(n: u64) -> u64 {
                let pad = [n; 64];
                std::hint::black_box(&pad);
                deep(n + 1) + pad[3]
            }
            println!("{}", deep(0));
            std::process::exit(0)
        }
        _ => std::process::exit(2),
    }
}

fn processes() {
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe().expect("current_exe (readlink /proc/self/exe)");
    println!("~current_exe: {}", exe.display());
    // qemu-riscv64 cannot execve a RISC-V program: these lines are `~`,
    // checked on svos by tests/tests/linux_programs.rs.
    match Command::new(&exe).args(["child", "echo"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn() {
        Ok(mut c) => {
            // Under qemu-riscv64 the child cannot exec and may be gone
            // already: EPIPE (std ignores SIGPIPE), not a panic.
            if let Err(e) = c.stdin.take().unwrap().write_all(b"through a pipe") {
                println!("~spawn: write to the child's stdin: {e}");
            }
            let out = c.wait_with_output().expect("wait");
            println!("~spawn: status {:?}, stdout {:?}", out.status.code(), String::from_utf8_lossy(&out.stdout));
        }
        Err(e) => println!("~spawn: failed: {e}"),
    }
    match Command::new(&exe).args(["child", "overflow"]).stderr(Stdio::piped()).output() {
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            println!(
                "~stack overflow: signal {:?}, stderr says overflowed: {}",
                out.status.signal(),
                err.contains("has overflowed its stack")
            );
        }
        Err(e) => println!("~stack overflow: spawn failed: {e}"),
    }
    match Command::new("/no/such/program").output() {
        Ok(out) => println!("~spawn missing: ran, status {:?}", out.status.code()),
        Err(e) => println!("~spawn missing: {:?} errno {:?}", e.kind(), e.raw_os_error()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "child" {
        child(&args[2]);
    }
    println!("~argv[0] {}", args[0]);
    println!("args: {:?}", &args[1..]);
    formatting();
    collections();
    memory();
    files();
    threads();
    panics();
    time();
    processes();
    println!("pid > 0: {}", std::process::id() > 0);
    std::process::exit(args.len() as i32 + 40)
}
