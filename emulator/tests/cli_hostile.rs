//! Hostile files and command lines (issue 11): each gets one `svemu:
//! error:` line and exit status 1, never a panic, an abort or an endless
//! read; a second svemu on an image in use is refused; a trace that cannot
//! be written ends the run.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_one_error_line, stderr, svemu, temp_file, ElfSpec, POWER_OFF};

/// `j .`: a guest that runs until --max-insns.
const SPIN: [u32; 1] = [0x0000_006f];

#[test]
fn endless_input_files_stop_at_their_limits() {
    let k = temp_file("limits.elf", &ElfSpec::code(&POWER_OFF).bytes());
    let k = k.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["run", "--kernel", "/dev/zero"], "kernel '/dev/zero' is larger than 512 MiB"),
        (&["run", "--bios", "/dev/zero"], "firmware '/dev/zero' is larger than 512 MiB"),
        (
            &["run", "--kernel", k, "--initrd", "/dev/zero", "-m", "16M"],
            "initrd '/dev/zero' is larger than 16 MiB, the RAM size",
        ),
        (&["run", "--kernel", k, "--console-input", "/dev/zero"], "console input '/dev/zero' is larger than 64 MiB"),
        (&["disasm", "/dev/zero"], "ELF file '/dev/zero' is larger than 512 MiB"),
    ];
    for (args, message) in cases {
        assert_one_error_line(&svemu(args), message);
    }
}

/// Total memory and swap of this host, in bytes.
fn host_memory() -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib = |key: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (kib("MemTotal:") + kib("SwapTotal:")) << 10
}

#[test]
fn ram_larger_than_the_host_is_an_error_not_an_abort() {
    // With overcommit_memory = 1 the host promises any amount: nothing to see.
    if std::fs::read_to_string("/proc/sys/vm/overcommit_memory").is_ok_and(|m| m.trim() == "1") {
        eprintln!("skipped: this host overcommits without limit (vm.overcommit_memory = 1)");
        return;
    }
    let gib = (host_memory() >> 30) + 2;
    if gib > 64 {
        eprintln!("skipped: this host has more memory than svemu's largest RAM (64 GiB)");
        return;
    }
    let k = temp_file("big.elf", &ElfSpec::code(&POWER_OFF).bytes());
    let o = svemu(&["run", "--kernel", k.to_str().unwrap(), "-m", &format!("{gib}G")]);
    assert_one_error_line(&o, &format!("cannot allocate {gib} GiB of guest RAM: the host is out of memory"));
}

#[test]
fn huge_tlbs_are_refused_before_allocating() {
    let k = temp_file("tlb.elf", &ElfSpec::code(&POWER_OFF).bytes());
    for n in ["4294967296", "18446744073709551615", "131072"] {
        let o = svemu(&["run", "--kernel", k.to_str().unwrap(), "--tlb-entries", n, "--tlb-ways", "1"]);
        assert_one_error_line(&o, &format!("TLB of {n} entries is too large: give at most 65536"));
    }
}

#[test]
fn malformed_executables_are_named_as_such() {
    let mut rel = ElfSpec::code(&POWER_OFF);
    rel.e_type = 1;
    let mut phentsize = ElfSpec::code(&POWER_OFF);
    phentsize.phentsize = 0;
    let mut outside = ElfSpec::code(&POWER_OFF);
    outside.entry = 0x1000;
    let mut top = ElfSpec::code(&POWER_OFF);
    top.entry = u64::MAX - 1;
    let cases = [
        (rel, "not an executable ELF (type REL): link it into an executable first"),
        (phentsize, "program headers of 0 bytes: an ELF64 program header has 56"),
        (outside, "the entry point 0x1000 lies outside RAM 0x80000000..0x88000000"),
        (top, "the entry point 0xfffffffffffffffe lies outside RAM"),
    ];
    for (i, (spec, message)) in cases.into_iter().enumerate() {
        let k = temp_file(&format!("bad{i}.elf"), &spec.bytes());
        assert_one_error_line(&svemu(&["run", "--kernel", k.to_str().unwrap()]), message);
    }
}

/// A segment whose end lies past 2^64 with more than 2 GiB of RAM: the
/// range check used to wrap and the copy panicked (exit 101).
#[test]
fn segments_reaching_past_2_to_the_64_are_outside_ram() {
    let mut spec = ElfSpec::code(&POWER_OFF);
    for (paddr, memsz) in [(u64::MAX - (1 << 30) + 1, 3 << 30), (u64::MAX - 7, 16), (0x7fff_f000, 3 << 30)] {
        spec.segments.truncate(1);
        spec.segments.push((paddr, vec![0xaa; 16], memsz));
        let k = temp_file("top.elf", &spec.bytes());
        let o = svemu(&["run", "--kernel", k.to_str().unwrap(), "-m", "4G"]);
        assert_one_error_line(&o, &format!("segment 1 at {paddr:#x}.."));
        assert!(stderr(&o).contains("lies outside RAM 0x80000000..0x180000000"), "{}", stderr(&o));
    }
}

#[test]
fn a_trace_that_cannot_be_written_ends_the_run() {
    let k = temp_file("spin.elf", &ElfSpec::code(&SPIN).bytes());
    let o = svemu(&["run", "--kernel", k.to_str().unwrap(), "--trace", "insn", "--trace-file", "/dev/full"]);
    assert_one_error_line(&o, "cannot write the trace to '/dev/full': No space left on device");
}

/// A reader that goes away (`--trace-file` a pipe whose reader closed):
/// the run ends with status 1 and, as Unix tools do on EPIPE, no message.
#[test]
fn a_trace_pipe_closed_by_its_reader_ends_the_run_quietly() {
    let dir = std::env::temp_dir().join(format!("svemu-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("trace");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let k = temp_file("spin2.elf", &ElfSpec::code(&SPIN).bytes());
    let child = Command::new(env!("CARGO_BIN_EXE_svemu"))
        .args(["run", "--kernel", k.to_str().unwrap(), "--trace", "insn", "--max-insns", "50000000"])
        .arg("--trace-file")
        .arg(&fifo)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::fs::File::open(&fifo).unwrap();
    let mut first = [0u8; 4096];
    reader.read_exact(&mut first).unwrap();
    assert!(first.starts_with(b"core   0: 3 0x0000000000001000"), "{}", String::from_utf8_lossy(&first));
    drop(reader);
    let o = child.wait_with_output().unwrap();
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(1), ""));
    std::fs::remove_dir_all(&dir).ok();
}

/// A second svemu on an image in use fails with one line; with
/// `--drive-locking off` it runs.
#[test]
fn a_second_svemu_on_one_drive_is_refused() {
    let image = temp_file("shared.img", &vec![0u8; 1 << 20]);
    let k = temp_file("spin3.elf", &ElfSpec::code(&SPIN).bytes());
    let (k, img) = (k.to_str().unwrap(), image.to_str().unwrap());
    /// Kills and reaps its svemu when dropped, also when an assertion fails.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let first = Command::new(env!("CARGO_BIN_EXE_svemu"))
        .args(["run", "--kernel", k, "--drive", img, "--max-insns", "100000000000"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = Running(first);
    // Wait until the first one holds its locks (looking takes no lock: a
    // reader's lock would make the first one's own check fail).
    let start = Instant::now();
    loop {
        let f = std::fs::File::open(&image).unwrap();
        if svemu::devices::virtio::lock::in_use(&f).unwrap() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the first svemu never locked the image");
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = svemu(&["run", "--kernel", k, "--drive", img, "--max-insns", "1000"]);
    assert_one_error_line(&o, &format!("cannot use disk image '{img}': it is locked: another process (svemu or QEMU)"));
    assert!(stderr(&o).contains("--drive-locking off skips this check"), "{}", stderr(&o));
    let o = svemu(&["run", "--kernel", k, "--drive", img, "--max-insns", "1000", "--drive-locking", "off"]);
    assert_eq!(o.status.code(), Some(124), "{}", stderr(&o));
    drop(first);
    // The first one is gone, and its locks with it.
    let o = svemu(&["run", "--kernel", k, "--drive", img, "--max-insns", "1000"]);
    assert_eq!(o.status.code(), Some(124), "{}", stderr(&o));
}
