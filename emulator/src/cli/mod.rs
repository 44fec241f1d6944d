//! Command-line interface (clap): `svemu run --kernel FILE ...`.
//!
//! Exit status: the guest's own (from the sifive_test device: 0 on power
//! off, `code` on a failure write); 0 when the console shows the
//! `--end-on-output` text or the user types Ctrl-A x; 1 when svemu cannot
//! start, the guest can make no progress, or the console's standard output
//! fails (an error line on stderr says why; none when its reader went away,
//! EPIPE); 2 for a bad command line (including `--trace` and `--explain` in
//! a build without the cargo feature `trace`); 124 when `--max-insns` is
//! reached or an `expect` of `--console-script` times out; 128 + N when
//! signal N (SIGINT, SIGTERM, SIGHUP) stopped the run. Every way out prints
//! `--stats` and flushes the trace.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use svemu::hart::trap::{exception_name, interrupt_name};
use svemu::{diag, diag_text};

mod plot;
mod progress;
mod stats;
mod terminal;

use clap::{Parser, Subcommand, ValueEnum};
use svemu::board::{self, BoardConfig};
use svemu::devices::console::{ConsoleEnd, ConsoleIn, ConsoleOut, ExpectScript};
use svemu::machine::{Exit, Explain};
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu::snapshot::Snapshot;
use svemu::trace::explain::{Space, When};
use svemu::trace::{Category, Filter, Format, Options, Start, Tracer};

#[derive(Parser)]
#[command(
    name = "svemu",
    version,
    about = "An RV64 RISC-V machine you can watch: M/S/U harts with an Sv39/Sv48 MMU on a QEMU virt-compatible board",
    long_about = None,
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot firmware and/or a kernel on the virt board (like qemu-system-riscv64 -machine virt).
    ///
    /// Every hart starts at the boot ROM, which jumps to the firmware (--bios) or, with
    /// --bios none, to the kernel, in M-mode with a0 = hart id, a1 = the device tree's address
    /// and a2 = the fw_dynamic_info naming the kernel's entry. The console (NS16550A UART) is this
    /// terminal, in raw mode as QEMU's -nographic leaves it (Ctrl-C goes to the guest; Ctrl-A x
    /// quits, Ctrl-A h lists the keys). The run ends when the guest powers off through the
    /// sifive_test device (svemu exits with the guest's status), or on --max-insns,
    /// --end-on-output, a --console-script timeout, Ctrl-A x, or SIGINT/SIGTERM.
    Run(Box<RunArgs>),
    /// Disassemble the executable sections of an ELF file, one line per
    /// instruction, in the syntax of `riscv64-unknown-elf-objdump -d -M no-aliases`.
    Disasm {
        /// A RISC-V ELF file (executable or relocatable object).
        file: PathBuf,
    },
    /// Draw a picture of a run (SVG or PNG): per-process RSS and page faults over time,
    /// faults per pass of a thrashing run, TLB hit rate over time, or hit rate against
    /// frames per replacement policy.
    ///
    /// Inputs: a JSON-lines trace with the kernel category (memory, passes), --stats-json
    /// output made with --stats-every (tlb), or paging-policy summary lines (policy).
    Plot(plot::PlotArgs),
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Firmware run in M-mode by every hart (like QEMU's -bios): an ELF, or a raw binary loaded at 0x80000000;
    /// "none" (the default) starts the kernel directly.
    #[arg(long, value_name = "FILE|none", default_value = "none")]
    bios: PathBuf,

    /// Kernel: an ELF loaded at its physical addresses; with a firmware also a raw binary, at the first 2 MiB
    /// boundary after the firmware. Its entry reaches the firmware in fw_dynamic_info (a2).
    #[arg(long, value_name = "FILE", required_unless_present = "bios")]
    kernel: Option<PathBuf>,

    /// Initial ramdisk, placed in RAM as QEMU places it and named in the device tree's /chosen.
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,

    /// Kernel command line (the device tree's /chosen/bootargs).
    #[arg(long, value_name = "STR")]
    append: Option<String>,

    /// RAM size: a number of MiB, or with a suffix K, M or G (e.g. 128M, 1G).
    #[arg(short = 'm', long = "memory", value_name = "SIZE", default_value = "128M", value_parser = parse_size)]
    memory: u64,

    /// Number of harts (1 to 8); all start at the boot ROM with a0 = hart id, as on QEMU.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=board::MAX_HARTS as i64))]
    smp: u8,

    /// A raw disk image (as `qemu-img create -f raw` makes) for a virtio-blk device; repeat for more (up to 8, in slots 0..7).
    #[arg(long, value_name = "FILE")]
    drive: Vec<PathBuf>,

    /// Lock the --drive images as QEMU does (on, the default): an image that another svemu or QEMU
    /// uses is refused, and while svemu runs, they refuse it. "off" skips the locks (QEMU's
    /// file.locking=off), for an image on a file system without locks or that you know is unused.
    #[arg(long, value_enum, value_name = "on|off", default_value_t = OnOff::On)]
    drive_locking: OnOff,

    /// How long the --drive disks take per request, in machine time: PER_REQUEST[,PER_KIB] ticks of the
    /// 10 MHz timer (100 ns, 10 instructions of a hart each). A request completes, its used-ring entry and
    /// interrupt appear, PER_REQUEST + PER_KIB x KiB ticks after the disk is free; one at a time, several in
    /// flight. 0 completes requests during the notify.
    #[arg(long, value_name = "TICKS[,TICKS]", default_value = "1000,10")]
    disk_latency: svemu::devices::virtio::blk::DiskLatency,

    /// Console input from FILE instead of the terminal: its bytes are received one at a time, each once the
    /// guest waits for input (it enabled the receive interrupt, or polled the empty receiver 1000 times, or
    /// 16 times with every hart idle since); deterministic: the same run every time. After the last byte
    /// nothing more arrives.
    #[arg(long, value_name = "FILE", conflicts_with = "console_script")]
    console_input: Option<PathBuf>,

    /// Drive the console with an expect-style script: one directive a line, `expect TEXT` (wait until
    /// the console shows TEXT), `send TEXT` (type TEXT and a newline), `type TEXT` (without the newline),
    /// `timeout N` (later expects may wait N instructions, else the run ends with status 124; default
    /// 10^10). Escapes: \n \r \t \e \s (space) \\ \xHH. Typed bytes are paced as --console-input's.
    #[arg(long, value_name = "FILE")]
    console_script: Option<PathBuf>,

    /// End the run (exit status 0) when the console shows TEXT, e.g. a kernel that never powers off.
    #[arg(long, value_name = "TEXT")]
    end_on_output: Option<String>,

    /// Write the device tree the guest would get to FILE and exit, like QEMU's -machine virt,dumpdtb=FILE.
    #[arg(long, value_name = "FILE")]
    dumpdtb: Option<PathBuf>,

    /// Trace categories, comma-separated: insn (every retired instruction), trap (traps and xRETs),
    /// mmu (page-table walks step by step), tlb (misses, fills, evictions, flushes), tlb-hit (TLB hits),
    /// pte (A/D updates), csr (writes of satp, mstatus/sstatus, mtvec/stvec).
    #[arg(long, value_name = "CATS", value_delimiter = ',', value_parser = parse_category, help_heading = "Tracing")]
    trace: Vec<Category>,

    /// Write the trace to FILE instead of stderr.
    #[arg(long, value_name = "FILE", requires = "trace", help_heading = "Tracing")]
    trace_file: Option<PathBuf>,

    /// Trace format: text (one line per event) or json (JSON lines, one object per event).
    #[arg(long, value_enum, value_name = "FMT", default_value_t = TraceFormat::Text, help_heading = "Tracing")]
    trace_format: TraceFormat,

    /// Write only the events that meet every condition: key=value pairs, comma-separated, a key
    /// repeated meaning either value. Keys: hart=N, priv=U|S|M, asid=N, va=LO..HI, icount=LO..HI
    /// (or LO..), cause=N|page-fault. Example: priv=U,asid=2,va=0x10000..0x20000.
    #[arg(long, value_name = "COND,...", requires = "trace", value_parser = parse_filter, help_heading = "Tracing")]
    trace_filter: Option<Filter>,

    /// Start the trace at the first event of category CAT meeting the conditions (as for
    /// --trace-filter), with the events its instruction raised before it. Example: the first
    /// page fault in user mode, walk included: --trace-from trap:cause=page-fault,priv=U
    #[arg(long, value_name = "CAT[:COND,...]", requires = "trace", value_parser = parse_start, help_heading = "Tracing")]
    trace_from: Option<Start>,

    /// Stop tracing after N events have been written.
    #[arg(long, value_name = "N", requires = "trace", help_heading = "Tracing")]
    trace_count: Option<u64>,

    /// Write icounts (@N, "icount") relative to the first event of the trace (or of the cut
    /// --trace-from starts) instead of since reset (filters still take absolute counts).
    #[arg(long, requires = "trace", help_heading = "Tracing")]
    trace_relative: bool,

    /// How PTE accessed/dirty bits are kept: hw (the walker sets them, Svadu) or fault (page fault, Svade).
    #[arg(long, value_enum, default_value_t = AdUpdate::Hw)]
    ad_update: AdUpdate,

    /// TLB entries per hart (a multiple of --tlb-ways with a power-of-two number of sets; 0 = no TLB).
    #[arg(long, value_name = "N", default_value_t = TlbGeometry::default().entries)]
    tlb_entries: usize,

    /// TLB associativity: entries per set (replacement: round-robin within a set).
    #[arg(long, value_name = "N", default_value_t = TlbGeometry::default().ways)]
    tlb_ways: usize,

    /// Explain the translation of virtual address VA (hex with 0x, or decimal): the walk step by
    /// step, the TLB entry, and which accesses U- and S-mode may make, printed to stderr. By default
    /// at the first page or access fault in its page, else as it was mapped when its address space
    /// was last left, else at the end of the run (see --explain-in, --explain-at). An option of
    /// `run`, not a subcommand: the page tables it reads exist only while a guest runs.
    #[arg(long, value_name = "VA", value_parser = parse_u64, help_heading = "Tracing")]
    explain: Option<u64>,

    /// The address space to explain VA in: current (the hart's satp at that moment), asid=N (the
    /// satp last written with ASID N), pid=N (process N's, through the ASID the guest kernel
    /// reports it runs with: svos's proc-switch events) or satp=VALUE.
    #[arg(long, value_name = "SPACE", requires = "explain", value_parser = parse_space, default_value = "current", help_heading = "Tracing")]
    explain_in: Space,

    /// When to explain VA: first-fault, every-fault (each page or access fault in its page, in
    /// that address space), end (when the run ends) or an icount N (when hart 0 has retired N
    /// instructions).
    #[arg(long, value_name = "WHEN", requires = "explain", value_parser = parse_when, default_value = "first-fault", help_heading = "Tracing")]
    explain_at: When,

    /// Stop after N retired instructions, all harts (exit status 124).
    #[arg(long, value_name = "N")]
    max_insns: Option<u64>,

    /// Print instructions retired, traps, wall time and MIPS, per hart the TLB and
    /// page-walk counters, and the host's peak RSS and guest RAM resident, to stderr at the end.
    #[arg(long)]
    stats: bool,

    /// Write a checkpoint of the whole machine to FILE when ICOUNT instructions (all harts) have
    /// retired, and run on. Not with --drive (the disk images are not part of a checkpoint).
    #[arg(long, num_args = 2, value_names = ["ICOUNT", "FILE"])]
    save_at: Vec<String>,

    /// Start from a checkpoint written by --save-at (with the same kernel, initrd, bootargs, -m, --smp
    /// and console script as the run that wrote it): the run goes on as it would have.
    #[arg(long, value_name = "FILE")]
    restore: Option<PathBuf>,

    /// Serve gdb's remote protocol on 127.0.0.1:PORT (0: any free port; the address is printed on
    /// stderr) and wait for gdb to attach before the first instruction. Each hart is a thread;
    /// memory is read through the stopped hart's translation; `monitor help` lists the MMU
    /// commands; reverse-stepi and reverse-continue replay the run from the start.
    #[arg(long, value_name = "PORT")]
    gdb: Option<u16>,

    /// Like QEMU's -s: serve gdb on port 1234, running the guest until gdb attaches (with -S: waiting).
    #[arg(short = 's')]
    gdb_default_port: bool,

    /// Like QEMU's -S: with -s, wait for gdb before the first instruction (--gdb always waits).
    #[arg(short = 'S', requires = "gdb_default_port")]
    gdb_wait: bool,

    /// Write the run's counters as JSON to FILE ("-" for stdout): per hart instructions by
    /// privilege, traps by cause and by privilege, page faults by access, TLB lookups, hits,
    /// misses and hit rate, walks, A/D updates; per disk requests and sectors. Deterministic:
    /// no times, no host figures (schema in src/stats.rs).
    #[arg(long, value_name = "FILE")]
    stats_json: Option<PathBuf>,

    /// With --stats-json: also record the running counters (per hart TLB lookups, hits and
    /// misses, walks, page faults; per process its RSS) every N instructions of all harts, as
    /// "samples" (what `svemu plot tlb` draws). The run is the same, byte for byte.
    #[arg(long, value_name = "N", requires = "stats_json", value_parser = parse_u64)]
    stats_every: Option<u64>,

    /// Write a profile to FILE ("-" for stdout) at the end: each hart's pc, privilege mode and
    /// return address sampled every --profile-every instructions it retires, named by the
    /// function of the kernel, firmware or user ELF covering it, as a flat profile (samples per
    /// mode and function, most first) after each hart's U/S/M split. The run is unchanged and
    /// the profile deterministic.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,

    /// With --profile: instructions of a hart between two of its samples.
    #[arg(long, value_name = "N", requires = "profile", default_value_t = 1000, value_parser = parse_count)]
    profile_every: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum TraceFormat {
    /// One line of text per event (documented in src/trace/mod.rs).
    Text,
    /// JSON lines: one object per event (schema in src/trace/json.rs).
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum AdUpdate {
    /// Svadu: hardware sets A and D.
    Hw,
    /// Svade: a page fault when A or D needs setting.
    Fault,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "M"),
    };
    let n: u64 = digits.parse().map_err(|_| format!("'{s}' is not a size (examples: 128M, 1G, 512)"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches("IB").trim_end_matches('B') {
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("unknown size suffix '{unit}' in '{s}': use K, M or G")),
    };
    n.checked_mul(1 << shift).filter(|&v| v > 0).ok_or_else(|| format!("size '{s}' is out of range"))
}

fn parse_u64(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => s.replace('_', "").parse(),
    };
    r.map_err(|_| format!("'{s}' is not an address (examples: 0x10000, 0xffffffc000000000)"))
}

fn parse_count(s: &str) -> Result<u64, String> {
    s.replace('_', "").parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("'{s}' is not a positive count"))
}

fn parse_space(s: &str) -> Result<Space, String> {
    let bad = || format!("'{s}' is not an address space (current, asid=N, pid=N or satp=VALUE)");
    match s.split_once('=') {
        None if s == "current" => Ok(Space::Current),
        Some(("asid", n)) => parse_u64(n).ok().and_then(|n| u16::try_from(n).ok()).map(Space::Asid).ok_or_else(bad),
        Some(("satp", v)) => parse_u64(v).map(Space::Satp).map_err(|_| bad()),
        Some(("pid", n)) => parse_u64(n).map(Space::Pid).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn parse_when(s: &str) -> Result<When, String> {
    match s {
        "first-fault" => Ok(When::FirstFault),
        "every-fault" => Ok(When::EveryFault),
        "end" => Ok(When::End),
        n => parse_u64(n)
            .map(When::Icount)
            .map_err(|_| format!("'{s}' is not a moment (first-fault, every-fault, end or an icount)")),
    }
}

fn parse_filter(s: &str) -> Result<Filter, String> {
    Filter::parse(s).map_err(|e| e.to_string())
}

fn parse_start(s: &str) -> Result<Start, String> {
    Start::parse(s).map_err(|e| e.to_string())
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::by_name(s).ok_or_else(|| {
        let names: Vec<_> = Category::ALL.iter().map(|(n, _)| *n).collect();
        format!("unknown trace category '{s}' (known: {})", names.join(", "))
    })
}

/// Run the command line; returns the process exit status.
pub fn main() -> i32 {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp(None)
        .format_target(false)
        .init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Run(args) => {
            if let Some(e) = without_trace_feature(&args) {
                diag!("svemu: error: {e}");
                return 2;
            }
            match run(*args) {
                Ok(code) => code,
                Err(e) => {
                    // The errors name their causes themselves.
                    diag!("svemu: error: {e}");
                    1
                }
            }
        }
        Command::Plot(args) => match plot::plot(&args) {
            Ok(()) => 0,
            Err(e) => {
                svemu::diag!("svemu: error: {e}");
                1
            }
        },
        Command::Disasm { file } => match disasm(&file) {
            Ok(()) => 0,
            Err(e) => {
                diag!("svemu: error: {e:#}");
                1
            }
        },
    }
}

/// The error for options that need the cargo feature `trace` when svemu
/// was built without it (`--trace`, `--explain`; a command-line error, exit
/// status 2); None when they may run.
fn without_trace_feature(args: &RunArgs) -> Option<String> {
    let option = if !args.trace.is_empty() {
        "--trace"
    } else if args.explain.is_some() {
        "--explain"
    } else {
        return None;
    };
    (!cfg!(feature = "trace")).then(|| {
        format!(
            "{option}: svemu was built without the `trace` feature (rebuild it with default features: \
             cargo build --release -p svemu)"
        )
    })
}

/// `svemu disasm FILE`: each executable section, as objdump lays it out:
/// address, encoding (4 hex digits when compressed), mnemonic and operands.
fn disasm(file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = svemu::input::read_limited("ELF file", file, svemu::input::MAX_IMAGE, "")?;
    let sections = svemu::loader::code_sections(&bytes).map_err(|e| anyhow::anyhow!("'{}': {e}", file.display()))?;
    let mut out = BufWriter::new(io::stdout().lock());
    for section in sections {
        writeln!(out, "\nDisassembly of section {}:\n", section.name)?;
        for l in svemu::isa::disassemble(&section.bytes, section.addr) {
            let raw = if l.len == 2 { format!("{:04x}{:16}", l.raw, "") } else { format!("{:08x}{:10}", l.raw, "") };
            writeln!(out, "{:>8x}:\t{raw}\t{}", l.addr, l.text)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn run(args: RunArgs) -> anyhow::Result<i32> {
    let tracer = if args.trace.is_empty() {
        Tracer::off()
    } else {
        // The tracer buffers (1 MiB) and writes large chunks: no BufWriter.
        let out: Box<dyn Write> = match &args.trace_file {
            Some(p) => Box::new(
                File::create(p).map_err(|e| anyhow::anyhow!("cannot create trace file '{}': {e}", p.display()))?,
            ),
            None => Box::new(io::stderr()),
        };
        let options = Options {
            categories: args.trace.clone(),
            format: match args.trace_format {
                TraceFormat::Text => Format::Text,
                TraceFormat::Json => Format::Json,
            },
            filter: args.trace_filter.clone().unwrap_or_default(),
            from: args.trace_from.clone(),
            count: args.trace_count,
            relative_icounts: args.trace_relative,
        };
        Tracer::with(options, out)
    };
    let console_in = if let Some(p) = &args.console_input {
        ConsoleIn::Script(svemu::input::read_limited("console input", p, svemu::input::MAX_CONSOLE_INPUT, "")?.into())
    } else if let Some(p) = &args.console_script {
        let bytes = svemu::input::read_limited("console script", p, svemu::input::MAX_CONSOLE_INPUT, "")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("console script '{}' is not UTF-8 text", p.display()))?;
        ConsoleIn::Expect(ExpectScript::parse(&text).map_err(|e| anyhow::anyhow!("'{}': {e}", p.display()))?)
    } else {
        ConsoleIn::Stdin { escapes: terminal::stdin_is_tty() }
    };
    let gdb = match (args.gdb, args.gdb_default_port) {
        (Some(port), _) => Some((port, svemu::gdb::Start::Wait)),
        (None, true) => Some((1234, if args.gdb_wait { svemu::gdb::Start::Wait } else { svemu::gdb::Start::Run })),
        (None, false) => None,
    };
    // Under gdb the console goes through a buffer (see svemu::gdb::Console).
    let console_out = if gdb.is_some() { ConsoleOut::Buffer(Vec::new()) } else { ConsoleOut::Stdout(io::stdout()) };
    let images =
        (args.kernel.clone(), (args.bios != Path::new("none")).then(|| args.bios.clone()), args.initrd.clone());
    let interactive = matches!(console_in, ConsoleIn::Stdin { .. });
    let (mut machine, dtb) = board::build_with_dtb(board_config(&args, console_in, console_out, tracer))?;
    if let Some(path) = &args.dumpdtb {
        std::fs::write(path, &dtb).map_err(|e| anyhow::anyhow!("cannot write '{}': {e}", path.display()))?;
        diag!("svemu: device tree written to {}", path.display());
        return Ok(0);
    }
    let restore = match &args.restore {
        Some(path) => {
            let snapshot = Snapshot::load(path).map_err(anyhow::Error::msg)?;
            snapshot.restore(&mut machine).map_err(|e| anyhow::anyhow!("'{}': {e}", path.display()))?;
            Some(snapshot)
        }
        None => None,
    };
    let save_at = match args.save_at.as_slice() {
        [n, file] => {
            if !args.drive.is_empty() {
                anyhow::bail!("--save-at: disk images (--drive) are not part of a checkpoint");
            }
            if args.console_input.is_some() || args.console_script.is_some() {
                anyhow::bail!("--save-at: the console's input script is not part of a checkpoint");
            }
            let n = parse_u64(n).map_err(|_| anyhow::anyhow!("--save-at: '{n}' is not an instruction count"))?;
            Some((n, PathBuf::from(file)))
        }
        _ => None,
    };
    if !args.trace.is_empty() {
        let (kernel, bios, initrd) = images.clone();
        machine.tracer.set_symbols(svemu::symbols::Symbols::new(kernel, bios, initrd));
    }
    if args.profile.is_some() {
        let instret = machine.harts.iter().map(|h| h.instret);
        machine.profiler = Some(Box::new(svemu::profile::Profiler::new(instret, args.profile_every)));
    }
    machine.explain = args.explain.map(|va| Explain::new(va, args.explain_in, args.explain_at));
    if let Some(text) = &args.end_on_output {
        machine.bus.uart.console().end_on_output(text.as_bytes());
    }
    if let Some((port, start)) = gdb {
        return serve_gdb(machine, &args, port, start, restore);
    }
    terminal::catch_signals();
    machine.stop_signal = Some(&terminal::STOP_SIGNAL);
    let raw = if interactive { terminal::raw_mode() } else { None };
    let start = Instant::now();
    let plan = progress::Plan { max: args.max_insns, save_at, sample_every: args.stats_every };
    let (exit, samples) = progress::run(&mut machine, plan)?;
    let elapsed = start.elapsed();
    drop(raw);
    if let Some(text) = machine.finish_explain() {
        diag_text!("{text}");
    }
    if args.stats {
        let n = machine.stats.instructions;
        diag!(
            "svemu: {n} instructions retired, {} traps, {:.3} s, {:.1} MIPS",
            machine.stats.traps,
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
        );
        let counts = svemu::stats::Stats::of(&machine);
        for (i, mmu) in machine.mmus.iter().enumerate() {
            diag!("{}", stats::mmu_line(i, mmu));
            diag!("{}", stats::priv_line(&counts.harts[i]));
        }
        diag!("{}", stats::memory_line(&machine.bus.ram));
    }
    if let (Some(path), Some(profiler)) = (&args.profile, &machine.profiler) {
        let report = profiler.report(&mut svemu::symbols::Symbols::new(images.0, images.1, images.2));
        if path == Path::new("-") {
            print!("{report}");
        } else {
            std::fs::write(path, report).map_err(|e| anyhow::anyhow!("cannot write '{}': {e}", path.display()))?;
        }
    }
    if let Some(path) = &args.stats_json {
        let mut stats = svemu::stats::Stats::of(&machine);
        stats.samples = samples;
        let json = stats.to_json();
        if path == Path::new("-") {
            print!("{json}");
        } else {
            std::fs::write(path, json).map_err(|e| anyhow::anyhow!("cannot write '{}': {e}", path.display()))?;
        }
    }
    Ok(match exit {
        Exit::PowerOff(code) => code as i32,
        Exit::Reset => {
            diag!("svemu: the guest asked for a reset, which svemu does not perform; stopping");
            0
        }
        Exit::InstructionLimit(n) => {
            diag!("svemu: stopped after {n} instructions (--max-insns)");
            124
        }
        Exit::Signal(sig) => {
            diag!("svemu: stopped by signal {sig} after {} instructions", machine.stats.instructions);
            128 + sig
        }
        Exit::Console(end) => match end {
            ConsoleEnd::Quit => {
                diag!("svemu: terminated (Ctrl-A x)");
                0
            }
            ConsoleEnd::Matched(_) => 0,
            // The reader went away (`| head`): stop quietly, as Unix tools do.
            ConsoleEnd::Closed => 1,
            ConsoleEnd::WriteError(e) => {
                diag!("svemu: error: cannot write the console to standard output: {e}");
                1
            }
            ConsoleEnd::ScriptTimeout { expect, instructions } => {
                diag!(
                    "svemu: console script: {expect:?} did not show within {instructions} instructions \
                     (raise it with a `timeout` line)"
                );
                124
            }
        },
        Exit::Idle { pc } => {
            diag!("svemu: error: every hart waits for an interrupt that nothing can raise (hart 0 at pc {pc:#x})");
            1
        }
        Exit::Debug(stop) => {
            diag!("svemu: error: stopped for a debugger that is not attached ({stop:?})");
            1
        }
        // A closed pipe ends the run quietly, as other Unix tools end.
        Exit::TraceWriteError { kind: io::ErrorKind::BrokenPipe, .. } => 1,
        Exit::TraceWriteError { message, .. } => {
            let to = args.trace_file.as_ref().map_or("stderr".into(), |p| format!("'{}'", p.display()));
            diag!("svemu: error: cannot write the trace to {to}: {message}; the run stopped");
            1
        }
        Exit::TrapLoop { hart, pc, cause, first: (epc, mcause, tval) } => {
            let code = mcause & !(1 << 63);
            let first = if mcause >> 63 == 1 { interrupt_name(code) } else { exception_name(code) };
            diag!(
                "svemu: error: hart {hart} took {first} at pc {epc:#x} (tval {tval:#x}) and cannot enter its trap handler at {pc:#x}: {cause}; the guest jumped into nowhere"
            );
            1
        }
    })
}

/// The board the command line describes, with this console and tracer.
fn board_config(args: &RunArgs, console_in: ConsoleIn, console_out: ConsoleOut, tracer: Tracer) -> BoardConfig {
    BoardConfig {
        bios: (args.bios != Path::new("none")).then(|| args.bios.clone()),
        kernel: args.kernel.clone(),
        initrd: args.initrd.clone(),
        append: args.append.clone(),
        ram_size: args.memory,
        harts: args.smp as usize,
        drives: args.drive.clone(),
        drive_locking: args.drive_locking == OnOff::On,
        disk_latency: args.disk_latency,
        ad_policy: match args.ad_update {
            AdUpdate::Hw => AdPolicy::Hardware,
            AdUpdate::Fault => AdPolicy::Fault,
        },
        tlb: TlbGeometry { entries: args.tlb_entries, ways: args.tlb_ways },
        console_in,
        console_out,
        tracer,
    }
}

/// `--gdb PORT`, `-s`, `-S`: serve gdb for `machine`, whose replays (for
/// reverse execution) are built from the same command line with the
/// console to a buffer, the console script read again (terminal input is
/// not replayed: replays get none) and tracing off.
fn serve_gdb(
    machine: svemu::machine::Machine,
    args: &RunArgs,
    port: u16,
    start: svemu::gdb::Start,
    restore: Option<Snapshot>,
) -> anyhow::Result<i32> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| anyhow::anyhow!("cannot listen for gdb on 127.0.0.1:{port}: {e}"))?;
    let script = match &args.console_input {
        Some(p) => Some(std::fs::read(p)?),
        None => None,
    };
    let replay_args = RunArgs { trace: Vec::new(), trace_file: None, ..args.clone() };
    let rebuild = Box::new(move || {
        let console_in = script.clone().map_or(ConsoleIn::None, |s| ConsoleIn::Script(s.into()));
        let cfg = board_config(&replay_args, console_in, ConsoleOut::Buffer(Vec::new()), Tracer::off());
        let mut m = board::build(cfg)?;
        if let Some(s) = &restore {
            s.restore(&mut m).map_err(anyhow::Error::msg)?;
        }
        Ok(m)
    });
    let no_reverse = if !args.drive.is_empty() {
        Some("--drive: replays would read the disk images as this run has written them".to_string())
    } else if args.console_input.is_some() || args.console_script.is_some() {
        Some("the console's input script is not part of a checkpoint".to_string())
    } else {
        None
    };
    let target = svemu::gdb::GdbTarget::new(machine, rebuild, args.max_insns, no_reverse);
    svemu::gdb::serve(target, listener, start)
}

#[cfg(test)]
mod tests {
    use super::{parse_size, without_trace_feature, Cli, Command};
    use clap::Parser;

    #[test]
    fn trace_options_are_refused_exactly_when_built_without_the_trace_feature() {
        let refused = |argv: &[&str]| {
            let cli = Cli::try_parse_from(argv).expect("a valid command line");
            let Command::Run(args) = cli.command else { panic!("not run") };
            without_trace_feature(&args)
        };
        let base = ["svemu", "run", "--kernel", "k.elf"];
        assert_eq!(refused(&base), None);
        for extra in [&["--trace", "insn,tlb"][..], &["--explain", "0x1000"]] {
            let argv: Vec<&str> = base.iter().chain(extra).copied().collect();
            let error = refused(&argv);
            assert_eq!(error.is_some(), !cfg!(feature = "trace"), "{argv:?}: {error:?}");
            if let Some(e) = error {
                assert!(e.contains(extra[0]) && e.contains("built without the `trace` feature"), "{e}");
            }
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128M"), Ok(128 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("256"), Ok(256 << 20));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
