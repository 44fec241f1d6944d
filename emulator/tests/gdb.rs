//! gdb-multiarch in batch mode against `svemu run --gdb 0` on svos (the
//! image of `make run`, from SVOS_KERNEL and SVOS_INITRD) running
//! `forkdemo`: a breakpoint at a user program's function, a variable read by
//! its virtual address, `monitor explain` and `monitor ptdump` of it, a
//! watchpoint on the copy-on-write store of the forked child, reverse-stepi
//! to before that store and into the kernel, reverse-continue to the store's
//! faulting attempt, and a stepi from there into the kernel's page-fault
//! handler. Every session has a timeout, so a hang fails the test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user program's ELF (for its symbols).
fn forkdemo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-programs/target/riscv64gc-unknown-none-elf/release/forkdemo")
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests with `make test`"))
}

/// The address of forkdemo's `SHARED` static, from its symbol table.
fn shared_address() -> String {
    let out = Command::new("riscv64-unknown-elf-nm").arg(forkdemo()).output().expect("riscv64-unknown-elf-nm runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("forkdemo6SHARED")).expect("forkdemo has SHARED");
    format!("{:#x}", u64::from_str_radix(line.split(' ').next().unwrap(), 16).unwrap())
}

/// svemu serving gdb for svos with `init=forkdemo`, and its address.
fn start_svemu() -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_svemu"))
        .args(["run", "--kernel", &var("SVOS_KERNEL"), "--initrd", &var("SVOS_INITRD"), "--append", "init=forkdemo"])
        .args(["-m", &var("SVOS_MEMORY"), "--gdb", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("svemu starts");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).expect("svemu's first line");
    let addr = line.split_whitespace().find(|w| w.starts_with("127.0.0.1:")).unwrap_or_else(|| panic!("{line}"));
    // Keep draining svemu's stderr so it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        while err.read_line(&mut rest).is_ok_and(|n| n > 0) {
            rest.clear();
        }
    });
    (child, addr.to_string())
}

/// Run gdb in batch mode with `commands` against a fresh svemu; returns its
/// output (stdout and stderr).
fn gdb_session(commands: &[&str]) -> String {
    let (mut svemu, addr) = start_svemu();
    let mut args: Vec<String> = vec!["120".into(), "gdb-multiarch".into(), "-batch".into(), "-nx".into()];
    let file = format!("file {}", forkdemo().display());
    let target = format!("target remote {addr}");
    for c in ["set pagination off", "set confirm off", &file, &target].into_iter().chain(commands.iter().copied()) {
        args.push("-ex".into());
        args.push(c.into());
    }
    // `timeout` ends a hung session: the test then fails on its output.
    let out = Command::new("timeout").args(&args).output().expect("gdb-multiarch runs (scripts/setup installs it)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let deadline = Instant::now() + Duration::from_secs(30);
    while svemu.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = svemu.kill();
            panic!("svemu did not end after gdb's kill:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    text
}

/// The text after the first line containing `marker` (panics if none).
fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    let at = text.find(marker).unwrap_or_else(|| panic!("no {marker:?} in:\n{text}"));
    &text[at..]
}

#[test]
fn break_in_a_user_program_read_explain_and_ptdump_its_variable() {
    let shared = shared_address();
    let x = format!("x/gx {shared}");
    let explain = format!("monitor explain {shared}");
    let out = gdb_session(&[
        "break main",
        "continue",
        "print $priv",
        &x,
        &explain,
        "monitor ptdump",
        "monitor satp",
        "monitor tlb",
        // A kernel address from U-mode: the translation fails, gdb must say so.
        "x/gx 0xffffffc080000000",
        // Four Sdtrig triggers per hart: a fifth hardware watchpoint has none.
        "watch *(long*)0x13000",
        "rwatch *(long*)0x13008",
        "awatch *(long*)0x13010",
        "hbreak *0x10100",
        "watch *(long*)0x13018",
        "continue",
        "kill",
    ]);
    let o = after(&out, "Breakpoint 1, 0x0000000000010010 in main ()");
    assert!(o.contains("$1 = 0"), "stopped in U-mode:\n{out}");
    assert!(o.contains(&format!("{shared} <_ZN8forkdemo6SHARED")), "{out}");
    assert!(o.contains(":\t0x0000000000000001"), "SHARED reads 1 by its VA:\n{out}");
    let e = after(o, &format!("explain va {:#018x}", u64::from_str_radix(&shared[2..], 16).unwrap()));
    assert!(e.contains("hart 0 in U-mode") && e.contains("sv39 asid"), "{out}");
    assert!(e.contains("L0 pte @") && e.contains("leaf") && e.contains("U-mode store: allowed"), "{out}");
    assert!(e.contains("S-mode load : page fault: U=1 page accessed from S-mode with SUM=0"), "{out}");
    let p = after(e, "page table of satp");
    let va = u64::from_str_radix(&shared[2..], 16).unwrap();
    let row = p.lines().find(|l| l.starts_with(&format!("{va:#018x}-"))).unwrap_or_else(|| panic!("{out}"));
    assert!(row.ends_with("DA-U-WRV") && row.contains("1 x 4 KiB"), "{row}");
    assert!(p.contains("2 MiB") && p.contains("-AG-X-RV"), "kernel text and megapages:\n{out}");
    assert!(p.contains("hart 0 U-mode pc 0x10010: satp 0x8"), "{out}");
    assert!(p.contains("hart 0 tlb (64 entries, 4-way)"), "{out}");
    assert!(
        p.contains("Cannot access memory at address 0xffffffc080000000"),
        "a failed translation is an error:\n{out}"
    );
    assert!(p.contains("Could not insert hardware watchpoint 6."), "no free trigger for the fifth:\n{out}");
    assert!(!p.contains("watchpoint 5.") && !p.contains("breakpoint 5."), "four were inserted:\n{out}");
}

#[test]
fn watch_the_cow_store_reverse_step_into_the_kernel_and_step_into_the_fault_handler() {
    let shared = shared_address();
    let watch = format!("watch *(long*){shared}");
    let out = gdb_session(&[
        "break main",
        "continue",
        // The breakpoint stays: replays must not stop at it.
        &watch,
        // The child's store to SHARED: a copy-on-write fault, then the store.
        "continue",
        "print $priv",
        "reverse-stepi",
        "print $priv",
        "x/i $pc",
        "set $store = $pc",
        // Before the store: the kernel's sret back to it.
        "reverse-stepi",
        "print $priv",
        "x/i $pc",
        "delete",
        "break *$store",
        // Back to the store's first, faulting attempt.
        "reverse-continue",
        "print $pc == $store",
        "print $priv",
        "monitor trap-stop on",
        "stepi",
        "print $priv",
        "print $scause",
        "print/x $stval",
        "print $pc == $stvec",
        "kill",
    ]);
    let o = after(&out, "Old value = 1\nNew value = 2");
    let values: Vec<&str> = o.lines().filter(|l| l.starts_with('$')).collect();
    let expect = [
        "$1 = 0",                  // after the store, in the child, U-mode
        "$2 = 0",                  // reverse-stepi: before the store, still U-mode
        "$3 = 1",                  // reverse-stepi again: in the kernel (S-mode)
        "$4 = 1",                  // reverse-continue: at the store's address again
        "$5 = 0",                  // in U-mode
        "$6 = 1",                  // stepi with trap-stop: in the kernel's handler
        "$7 = 15",                 // scause: store/AMO page fault
        &format!("$8 = {shared}"), // stval: SHARED
        "$9 = 1",                  // pc = stvec
    ];
    assert_eq!(values, expect, "{out}");
    assert!(after(o, "$2 = 0").contains("\tsd\t") || after(o, "$2 = 0").contains("\tc.sd\t"), "a store:\n{out}");
    assert!(after(o, "$3 = 1").contains("sret"), "the kernel returns to the store:\n{out}");
    assert!(o.contains("Breakpoint 3, "), "{out}");
}
