//! Shared helpers for the integration tests: where the images are, and
//! running them on svemu (in-process, with console and trace captured) and on
//! qemu-system-riscv64.

pub mod diff;
pub mod hostile;

use std::cell::RefCell;
pub use svemu::devices::virtio::blk::DiskLatency;

use regex::Regex;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use svemu::board::{self, BoardConfig};
use svemu::devices::console::{ConsoleIn, ConsoleOut, ExpectScript};
use svemu::machine::{Exit, Explain};
use svemu::mmu::tlb::TlbStats;
use svemu::mmu::{AdPolicy, MmuStats, TlbGeometry};
use svemu::trace::explain::{Space, When};
use svemu::trace::{Category, Tracer};

/// The `make run` initrd with `files` (name, contents) added, built in
/// `dir` (emptied first; the archive is `dir` with the extension `cpio`):
/// the archive is unpacked (the toolbox's hard links stay links) and
/// packed again.
pub fn initrd_with(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let img = svos_image();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let run = |cmd: String| {
        let st = Command::new("sh").arg("-c").arg(&cmd).current_dir(dir).status().expect("sh runs");
        assert!(st.success(), "{cmd}");
    };
    run(format!("cpio --quiet -id < '{}'", img.initrd.display()));
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    pack_initrd(dir)
}

/// Packs the files of `dir` (not its subdirectories' contents) as a cpio
/// newc archive, `dir` with the extension `cpio`, and returns its path.
pub fn pack_initrd(dir: &Path) -> PathBuf {
    let out = dir.with_extension("cpio");
    let cmd = format!("ls | cpio --quiet -o -H newc > '{}'", out.display());
    let st = Command::new("sh").arg("-c").arg(&cmd).current_dir(dir).status().expect("sh runs");
    assert!(st.success(), "{cmd}");
    out
}

/// What the script printed after `echo @@NAME` up to the next `echo @@`
/// line or its end, without the shell's `$ ...` and `[PID] exit S` lines.
pub fn section(console: &str, name: &str) -> Vec<String> {
    let start = console.find(&format!("\n@@{name}\n")).unwrap_or_else(|| panic!("no section {name}:\n{console}"));
    let report = Regex::new(r"^\[\d+\] exit \d+").unwrap();
    console[start + name.len() + 4..]
        .lines()
        .take_while(|l| !l.starts_with("$ echo @@") && !l.starts_with("[svos] pid 1 "))
        .filter(|l| !l.starts_with("$ ") && !report.is_match(l))
        .map(String::from)
        .collect()
}

/// Path of the bare-metal test program `name` (from `tests/bare/<name>.S`).
pub fn bare(name: &str) -> PathBuf {
    Path::new(env!("OUT_DIR")).join(format!("{name}.elf"))
}

/// Path of the relocatable object assembled from `tests/disasm/<name>.S`.
pub fn disasm_object(name: &str) -> PathBuf {
    Path::new(env!("OUT_DIR")).join(format!("{name}.o"))
}

/// The svos image `make run` boots: kernel, initrd, bootargs and RAM size.
/// The Makefile passes them in (`make test`), so the demo has one definition.
pub struct SvosImage {
    /// Kernel ELF.
    pub kernel: PathBuf,
    /// Initrd (cpio).
    pub initrd: PathBuf,
    /// Kernel command line.
    pub append: String,
    /// RAM size as given to `-m` (e.g. "128M").
    pub memory: String,
}

/// The image of `make run`. Panics with instructions when the tests were not
/// started by `make test`.
pub fn svos_image() -> SvosImage {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run the tests with `make test`, which builds svos and passes its image")
        })
    };
    SvosImage {
        kernel: var("SVOS_KERNEL").into(),
        initrd: var("SVOS_INITRD").into(),
        append: var("SVOS_APPEND"),
        memory: var("SVOS_MEMORY"),
    }
}

/// Parse a `-m`-style size ("128M", "1G") in bytes.
pub fn parse_memory(s: &str) -> u64 {
    let (n, unit) = s.split_at(s.len() - 1);
    let n: u64 = n.parse().expect("memory size");
    match unit {
        "M" => n << 20,
        "G" => n << 30,
        _ => panic!("memory size {s}: use M or G"),
    }
}

/// A `Write` into a buffer shared with the test.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a run on svemu produced.
pub struct Run {
    /// Why it stopped.
    pub exit: Exit,
    /// Everything the guest wrote to the UART.
    pub console: String,
    /// The trace text.
    pub trace: String,
    /// Instructions retired.
    pub instructions: u64,
    /// The `--explain` text, when `RunOptions::explain` was set.
    pub explain: Option<String>,
    /// Hart 0's TLB counters.
    pub tlb: TlbStats,
    /// Hart 0's walker counters.
    pub mmu: MmuStats,
}

/// Options of an svemu run.
pub struct RunOptions<'a> {
    /// Firmware (`--bios`), None for `--bios none`.
    pub bios: Option<&'a Path>,
    /// Kernel.
    pub kernel: Option<&'a Path>,
    /// Initrd.
    pub initrd: Option<&'a Path>,
    /// Bootargs.
    pub append: Option<&'a str>,
    /// RAM in bytes.
    pub memory: u64,
    /// Number of harts.
    pub harts: usize,
    /// Disk images (virtio-blk).
    pub drives: &'a [PathBuf],
    /// Their latency (`--disk-latency`; default svemu's).
    pub disk_latency: DiskLatency,
    /// Trace categories.
    pub trace: &'a [Category],
    /// A/D policy.
    pub ad_policy: AdPolicy,
    /// Stop after this many instructions.
    pub max_instructions: Option<u64>,
    /// Bytes the UART receives, in order (deterministic console input).
    pub console_input: &'a [u8],
    /// An expect-style console script (`--console-script`'s language);
    /// when set, `console_input` is not used.
    pub console_script: Option<&'a str>,
    /// TLB geometry.
    pub tlb: TlbGeometry,
    /// `--explain VA`.
    pub explain: Option<u64>,
}

impl<'a> RunOptions<'a> {
    /// Defaults: no initrd, 128 MiB, no trace, hardware A/D, a limit of 100
    /// million instructions (so a broken guest cannot hang a test).
    pub fn new(kernel: &'a Path) -> Self {
        RunOptions {
            bios: None,
            kernel: Some(kernel),
            initrd: None,
            append: None,
            memory: 128 << 20,
            harts: 1,
            drives: &[],
            disk_latency: DiskLatency::DEFAULT,
            trace: &[],
            ad_policy: AdPolicy::Hardware,
            max_instructions: Some(100_000_000),
            console_input: b"",
            console_script: None,
            tlb: TlbGeometry::default(),
            explain: None,
        }
    }
}

/// Run a guest on svemu in this process, capturing console and trace.
pub fn run_svemu(o: &RunOptions) -> Run {
    let trace = SharedBuf::default();
    let tracer = if o.trace.is_empty() { Tracer::off() } else { Tracer::new(o.trace, Box::new(trace.clone())) };
    let mut m = board::build(BoardConfig {
        bios: o.bios.map(Path::to_owned),
        kernel: o.kernel.map(Path::to_owned),
        initrd: o.initrd.map(Path::to_owned),
        append: o.append.map(str::to_owned),
        ram_size: o.memory,
        harts: o.harts,
        drives: o.drives.to_vec(),
        drive_locking: true,
        disk_latency: o.disk_latency,
        ad_policy: o.ad_policy,
        tlb: o.tlb,
        console_in: match o.console_script {
            Some(text) => ConsoleIn::Expect(ExpectScript::parse(text).expect("a valid console script")),
            None => ConsoleIn::Script(o.console_input.iter().copied().collect()),
        },
        console_out: ConsoleOut::Buffer(Vec::new()),
        tracer,
    })
    .expect("board builds");
    m.max_instructions = o.max_instructions;
    m.explain = o.explain.map(|va| Explain::new(va, Space::Current, When::FirstFault));
    let exit = m.run();
    let explain = m.finish_explain();
    let console = String::from_utf8_lossy(m.bus.uart.output().expect("buffered console")).into_owned();
    let instructions = m.stats.instructions;
    let (tlb, mmu) = (m.mmus[0].tlb.stats, m.mmus[0].stats);
    drop(m);
    let trace = String::from_utf8_lossy(&trace.0.borrow()).into_owned();
    Run { exit, console, trace, instructions, explain, tlb, mmu }
}

/// Run a guest on qemu-system-riscv64 -machine virt -bios none; returns the
/// console bytes and the exit status. `extra` are more QEMU arguments.
pub fn run_qemu(kernel: &Path, memory: &str, extra: &[&str]) -> (String, i32) {
    run_qemu_with_input(kernel, memory, extra, b"")
}

/// QEMU arguments attaching the raw image `image` as a virtio-blk disk the
/// way svemu's `--drive` does: modern virtio-mmio (version 2), in the first
/// slot (`virtio-mmio-bus.0`, at 0x1000_1000; QEMU would otherwise take the
/// last free slot), with `device_opts` appended to the device's options
/// (e.g. `",serial=NAME"`, or `""`).
pub fn qemu_disk_args(image: &Path, device_opts: &str) -> Vec<String> {
    vec![
        "-global".into(),
        "virtio-mmio.force-legacy=false".into(),
        "-drive".into(),
        format!("file={},format=raw,if=none,id=d0", image.display()),
        "-device".into(),
        format!("virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0{device_opts}"),
    ]
}

/// [`run_qemu`] with `input` written to the console (QEMU's standard input).
/// A run that has not powered off after 600 s of wall time is killed (a
/// hang guard, not a speed check: a 4-hart swap run takes ~2 minutes on a
/// loaded 2-core host).
pub fn run_qemu_with_input(kernel: &Path, memory: &str, extra: &[&str], input: &[u8]) -> (String, i32) {
    use std::process::Stdio;
    let mut child = Command::new("timeout")
        .args(["600", "qemu-system-riscv64", "-machine", "virt", "-bios", "none"])
        .args(["-m", memory, "-nographic", "-monitor", "none", "-serial", "stdio"])
        .arg("-kernel")
        .arg(kernel)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("qemu-system-riscv64 runs (scripts/setup installs qemu-system-misc)");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input).expect("QEMU reads its console input");
    let out = child.wait_with_output().expect("QEMU finishes");
    drop(stdin);
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

/// svos's console with the parts that depend on the size of the device tree
/// masked: QEMU's DTB is larger than svemu's (it describes devices svemu
/// does not have), which moves the DTB's end address and the free-frame
/// counts, and, with a swap disk, the kernel's total of pages swapped out
/// (one frame more or less changes how many pages end up evicted; the
/// fault counts programs print do not mask anything), and the machine-wide
/// memory totals the demo's `free` and `vmstat` print (their columns
/// stay; per-process figures of `ps` and `pmap` are not masked). The leak check
/// stays: the free-frame counts before and after the programs must match
/// (panics otherwise).
pub fn normalize_svos_console(console: &str) -> String {
    let swapped_out = Regex::new(r"swap: \d+ pages swapped out").unwrap();
    let console = swapped_out.replace_all(console, "swap: N pages swapped out");
    let console = console.as_ref();
    let dtb = Regex::new(r"dtb (0x[0-9a-f]+)\.\.0x[0-9a-f]+").unwrap();
    let frames = Regex::new(r"\d+ free frames of \d+ \(\d+ KiB\)").unwrap();
    let leak = Regex::new(r"free frames (\d+) -> (\d+)").unwrap();
    if let Some(c) = leak.captures(console) {
        assert_eq!(c[1], c[2], "frames leaked: {}", &c[0]);
    }
    let s = dtb.replace_all(console, "dtb $1..END");
    let s = frames.replace_all(&s, "N free frames of N (N KiB)");
    let s = leak.replace_all(&s, "free frames N -> N");
    // The memory totals of `free` and `vmstat` count every frame of the
    // machine (RAM the firmware and DTB take, page-table levels): their
    // numbers are masked, their columns kept.
    let free = Regex::new(r"(?m)^(Mem|Swap):( +)\d+( +)\d+( +)\d+(.*)$").unwrap();
    let s = free.replace_all(&s, |c: &regex::Captures| {
        let rest = Regex::new(r"\d").unwrap().replace_all(&c[5], "N");
        format!("{}:{}N{}N{}N{}", &c[1], &c[2], &c[3], &c[4], rest)
    });
    // vmstat's numbers, CPU times included, vary in width: its columns are kept as N each.
    let vmstat = Regex::new(r"(?m)^( r  b   swpd   free .*\n)(.*)$").unwrap();
    vmstat
        .replace_all(&s, |c: &regex::Captures| {
            format!("{}{}", &c[1], c[2].split_whitespace().map(|_| "N").collect::<Vec<_>>().join(" "))
        })
        .into_owned()
}

/// `console` with the CPU-time columns of vmstat's report (us, sy, id, wa,
/// st, gu: the last six) masked: they follow how long the kernel ran
/// (longer under Svade, whose A/D faults are system time), not what it
/// printed.
pub fn mask_cpu_times(console: &str) -> String {
    let vmstat = Regex::new(r"(?m)^( r  b   swpd   free .* gu\n)(.*)$").unwrap();
    vmstat
        .replace_all(console, |c: &regex::Captures| {
            let cols: Vec<&str> = c[2].split_whitespace().collect();
            let keep = cols.len().saturating_sub(6);
            format!("{}{} N N N N N N", &c[1], cols[..keep].join(" "))
        })
        .into_owned()
}

/// The lines of an svos `trace` cut up to and including the first sret to
/// U-mode, without the kernel's own S-mode `tlb`/`mmu` lines: their
/// addresses depend on where the linker put kernel functions, which changes
/// with the checkout's path (cargo hashes the path of svos's path dependency
/// into symbol names), so a snapshot of them would differ between clones.
/// Panics if the cut has no such sret.
pub fn until_sret_to_user(trace: &str) -> String {
    let mut out = String::new();
    for l in trace.lines() {
        let mut words = l.split_once(": ").map_or("", |(_, rest)| rest).split_whitespace();
        let (cat, _icount, privilege) = (words.next(), words.next(), words.next());
        if matches!(cat, Some("tlb" | "mmu")) && privilege == Some("S") {
            continue;
        }
        out += l;
        out.push('\n');
        if l.contains(": sret S -> U") {
            return out;
        }
    }
    panic!("no sret back to U-mode in the cut:\n{trace}");
}
