//! The kernel against hostile user programs and inputs (issue 11): the
//! `hostile` program of tests/linux-progs (svemu's own attack suites are tests/hostile.rs) (bad pointers to every system call
//! that takes one, lseek past the end of an initrd file, unknown system
//! calls, 255 arguments of 64 KiB, malformed ELFs exec'd, fd exhaustion,
//! random system calls with fixed seeds in children that may die), then a
//! normal program, then the leak check; malformed ELFs named by `init=`;
//! unknown `vm=` values; shell lines longer than the old 256-byte buffer.

use std::path::{Path, PathBuf};
use std::process::Command;
use svemu::machine::Exit;
use svemu_tests::{parse_memory, run_svemu, svos_image, RunOptions};

fn var(name: &str) -> PathBuf {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the tests with `make test`")).into()
}

fn boot(initrd: &Path, append: &str, input: &[u8]) -> (Exit, String) {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(initrd),
        append: Some(append),
        memory: parse_memory(&img.memory),
        console_input: input,
        max_instructions: Some(3_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    (run.exit, run.console)
}

#[test]
fn hostile_program_leaves_the_kernel_whole() {
    let (exit, console) = boot(&var("SVOS_LXP_INITRD"), "init=hostile,basics:a", b"");
    assert_eq!(exit, Exit::PowerOff(0), "{console}");
    let has = |s: &str| assert!(console.contains(s), "missing {s:?} in:\n{console}");
    has("calls answered, no kernel fault");
    // Issue 11 #1: this read panicked svos (a slice past the file's end).
    has("read past the end of an initrd file = 0");
    has("pread past the end = 0");
    // One console line per unknown number per process, whatever the number of calls.
    has("unknown syscall 400 three times: -1 -1 -1, errno 38 (Function not implemented)");
    assert_eq!(console.matches("pid 1 (hostile): unknown syscall 400,").count(), 1, "{console}");
    assert_eq!(console.matches("pid 1 (hostile): unknown syscall 401,").count(), 1, "{console}");
    has("execve(255 args of 64 KiB): errno 7 (Argument list too long)");
    for what in [
        "truncated header",
        "phnum 65535",
        "phoff past the end",
        "phentsize 0",
        "ET_REL",
        "filesz > memsz",
        "segment past the file",
        "W+X segment",
        "memsz wraps around",
    ] {
        has(&format!("malformed ELF ({what}): execve failed, errno 8\n"));
    }
    // Below vm.mmap_min_addr, as Linux: EPERM.
    has("malformed ELF (segment at address 0): execve failed, errno 1\n");
    // Its PT_INTERP names no file (bytes of the ELF header): one line, status 127.
    has("/tmp/bad-elf: dynamically linked, and its loader ?ELF??? is not in the image: build with -static");
    has("malformed ELF (dynamic (PT_INTERP)): execve failed, errno 127");
    has("fd exhaustion: open failed with errno 24 (Too many open files)");
    has("open after closing them: ok");
    has("fuzzers done");
    has("[svos] pid 1 (hostile) exited with status 0");
    // A normal program afterwards, and not a frame lost.
    has("longjmp returned 42");
    has("(basics) exited with status 7");
    has("(no leak)");
}

/// The malformed ELFs of issue 11 #3, as files: each exec'd by `init=`.
fn malformed(k: usize) -> Vec<u8> {
    let mut f = vec![0u8; 512];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4..7].copy_from_slice(&[2, 1, 1]);
    f[16..18].copy_from_slice(&2u16.to_le_bytes());
    f[18..20].copy_from_slice(&243u16.to_le_bytes());
    f[24..32].copy_from_slice(&0x10000u64.to_le_bytes());
    f[32..40].copy_from_slice(&64u64.to_le_bytes());
    f[54..56].copy_from_slice(&56u16.to_le_bytes());
    f[56..58].copy_from_slice(&1u16.to_le_bytes());
    f[64..68].copy_from_slice(&1u32.to_le_bytes());
    f[68..72].copy_from_slice(&5u32.to_le_bytes());
    f[80..88].copy_from_slice(&0x10000u64.to_le_bytes());
    f[96..104].copy_from_slice(&0x100u64.to_le_bytes());
    f[104..112].copy_from_slice(&0x100u64.to_le_bytes());
    match k {
        0 => f.truncate(30),
        1 => f[56..58].copy_from_slice(&65535u16.to_le_bytes()),
        2 => f[32..40].copy_from_slice(&(1u64 << 40).to_le_bytes()),
        3 => f[54..56].copy_from_slice(&0u16.to_le_bytes()),
        _ => f.truncate(63),
    }
    f
}

#[test]
fn malformed_elfs_named_by_init_are_refused() {
    let dir = std::env::temp_dir().join(format!("svos-bad-elf-{}", std::process::id()));
    let root = dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let names: Vec<String> = (0..5).map(|k| format!("bad{k}")).collect();
    for (k, n) in names.iter().enumerate() {
        std::fs::write(root.join(n), malformed(k)).unwrap();
    }
    std::fs::copy(var("SVOS_LXP_DIR").join("basics"), root.join("basics")).unwrap();
    let list: Vec<&str> = names.iter().map(String::as_str).chain(["basics"]).collect();
    let cpio = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd {} && printf '%s\\n' {} | cpio --quiet -o -H newc > ../rd.cpio",
            root.display(),
            list.join(" ")
        ))
        .status()
        .unwrap();
    assert!(cpio.success());
    let (exit, console) = boot(&dir.join("rd.cpio"), &format!("init={}", list.join(",")), b"");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(exit, Exit::PowerOff(0), "{console}");
    for n in &names {
        assert!(console.contains(&format!("({n}): exec failed: bad ELF")), "{n}:\n{console}");
    }
    assert!(console.contains("(basics) exited with status 7"), "{console}");
    assert!(!console.contains("PANIC"), "{console}");
}

#[test]
fn unknown_vm_modes_are_reported() {
    let img = svos_image();
    for mode in ["bogus", "sv57"] {
        let (exit, console) = boot(&img.initrd, &format!("init=hello vm={mode}"), b"");
        assert_eq!(exit, Exit::PowerOff(0), "{console}");
        assert!(console.contains(&format!("[svos] unknown vm={mode}, using sv39")), "{console}");
        assert!(console.contains("kernel page table on (Sv39)"), "{console}");
    }
}

#[test]
fn the_shell_runs_long_lines_whole() {
    let img = svos_image();
    let long = "x".repeat(600);
    let input = format!("echo {long}\necho after\nexit 3\n");
    let (exit, console) = boot(&img.initrd, "init=sh", input.as_bytes());
    assert_eq!(exit, Exit::PowerOff(0), "{console}");
    // The 600-byte line is one command: its output is the whole word, once.
    let outputs: Vec<&str> = console.lines().filter(|l| l.starts_with('x')).collect();
    assert_eq!(outputs, [long.as_str()], "{console}");
    assert!(console.lines().any(|l| l == "after"), "{console}");
    assert!(console.contains("[svos] pid 1 (sh) exited with status 3"), "{console}");
}
