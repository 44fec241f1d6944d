//! Command-line interface (clap): `svemu run --kernel FILE ...`.
//!
//! Exit status: the guest's own (from the sifive_test device: 0 on power
//! off, `code` on a failure write), 1 when svemu cannot start or the guest
//! can make no progress (an error line on stderr says why), 2 for a bad
//! command line (including `--trace` and `--explain` in a build without the
//! cargo feature `trace`), 124 when `--max-insns` is reached.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod stats;

use clap::{Parser, Subcommand, ValueEnum};
use svemu::board::{self, BoardConfig};
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::machine::{Exit, Explain};
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu::trace::{Category, Tracer};

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
    /// terminal. The run ends when the guest powers off through the
    /// sifive_test device; svemu exits with the guest's status.
    Run(Box<RunArgs>),
    /// Disassemble the executable sections of an ELF file, one line per
    /// instruction, in the syntax of `riscv64-unknown-elf-objdump -d -M no-aliases`.
    Disasm {
        /// A RISC-V ELF file (executable or relocatable object).
        file: PathBuf,
    },
}

#[derive(clap::Args)]
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

    /// Console input from FILE instead of the terminal: its bytes are received one at a time, each when the
    /// guest finds the receiver empty (deterministic: the same run every time). After the last byte nothing
    /// more arrives.
    #[arg(long, value_name = "FILE")]
    console_input: Option<PathBuf>,

    /// Write the device tree the guest would get to FILE and exit, like QEMU's -machine virt,dumpdtb=FILE.
    #[arg(long, value_name = "FILE")]
    dumpdtb: Option<PathBuf>,

    /// Trace categories, comma-separated: insn (every retired instruction), trap (traps and xRETs),
    /// mmu (page-table walks step by step), tlb (hits, misses, fills, evictions, flushes),
    /// pte (A/D updates), csr (writes of satp, mstatus/sstatus, mtvec/stvec).
    #[arg(long, value_name = "CATS", value_delimiter = ',', value_parser = parse_category)]
    trace: Vec<Category>,

    /// Write the trace to FILE instead of stderr.
    #[arg(long, value_name = "FILE", requires = "trace")]
    trace_file: Option<PathBuf>,

    /// How PTE accessed/dirty bits are kept: hw (the walker sets them, Svadu) or fault (page fault, Svade).
    #[arg(long, value_enum, default_value_t = AdUpdate::Hw)]
    ad_update: AdUpdate,

    /// TLB entries per hart (a multiple of --tlb-ways with a power-of-two number of sets; 0 = no TLB).
    #[arg(long, value_name = "N", default_value_t = TlbGeometry::default().entries)]
    tlb_entries: usize,

    /// TLB associativity: entries per set (replacement: round-robin within a set).
    #[arg(long, value_name = "N", default_value_t = TlbGeometry::default().ways)]
    tlb_ways: usize,

    /// Explain the translation of virtual address VA (hex with 0x, or decimal) under the
    /// current satp: at the first page or access fault in its page, or else when the run
    /// ends. Printed to stderr: the walk step by step, the TLB entry, and which accesses
    /// U- and S-mode may make. (An option of `run`, not a subcommand: the page tables it
    /// reads exist only while a guest runs.)
    #[arg(long, value_name = "VA", value_parser = parse_u64)]
    explain: Option<u64>,

    /// Stop after N retired instructions (exit status 124).
    #[arg(long, value_name = "N")]
    max_insns: Option<u64>,

    /// Print instructions retired, traps, wall time and MIPS, per hart the TLB and
    /// page-walk counters, and the host's peak RSS and guest RAM resident, to stderr at the end.
    #[arg(long)]
    stats: bool,
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
                eprintln!("svemu: error: {e}");
                return 2;
            }
            match run(*args) {
                Ok(code) => code,
                Err(e) => {
                    // The errors name their causes themselves.
                    eprintln!("svemu: error: {e}");
                    1
                }
            }
        }
        Command::Disasm { file } => match disasm(&file) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("svemu: error: {e:#}");
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
        Tracer::new(&args.trace, out)
    };
    let console_in = match &args.console_input {
        Some(p) => ConsoleIn::Script(
            svemu::input::read_limited("console input", p, svemu::input::MAX_CONSOLE_INPUT, "")?.into(),
        ),
        None => ConsoleIn::Stdin(None),
    };
    let (mut machine, dtb) = board::build_with_dtb(BoardConfig {
        bios: (args.bios != Path::new("none")).then_some(args.bios),
        kernel: args.kernel,
        initrd: args.initrd,
        append: args.append,
        ram_size: args.memory,
        harts: args.smp as usize,
        drives: args.drive,
        drive_locking: args.drive_locking == OnOff::On,
        ad_policy: match args.ad_update {
            AdUpdate::Hw => AdPolicy::Hardware,
            AdUpdate::Fault => AdPolicy::Fault,
        },
        tlb: TlbGeometry { entries: args.tlb_entries, ways: args.tlb_ways },
        console_in,
        console_out: ConsoleOut::Stdout(io::stdout()),
        tracer,
    })?;
    if let Some(path) = &args.dumpdtb {
        std::fs::write(path, &dtb).map_err(|e| anyhow::anyhow!("cannot write '{}': {e}", path.display()))?;
        eprintln!("svemu: device tree written to {}", path.display());
        return Ok(0);
    }
    machine.max_instructions = args.max_insns;
    machine.explain = args.explain.map(|va| Explain { va, text: None });
    let start = Instant::now();
    let exit = machine.run();
    let elapsed = start.elapsed();
    if let Some(x) = machine.explain.take() {
        let text = match x.text {
            Some(t) => t,
            None => machine.explain_now(0, x.va, None, "at the end of the run"),
        };
        eprint!("{text}");
    }
    if args.stats {
        let n = machine.stats.instructions;
        eprintln!(
            "svemu: {n} instructions retired, {} traps, {:.3} s, {:.1} MIPS",
            machine.stats.traps,
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
        );
        for (i, mmu) in machine.mmus.iter().enumerate() {
            eprintln!("{}", stats::mmu_line(i, mmu));
        }
        eprintln!("{}", stats::memory_line(&machine.bus.ram));
    }
    Ok(match exit {
        Exit::PowerOff(code) => code as i32,
        Exit::Reset => {
            eprintln!("svemu: the guest asked for a reset, which svemu does not perform; stopping");
            0
        }
        Exit::InstructionLimit(n) => {
            eprintln!("svemu: stopped after {n} instructions (--max-insns)");
            124
        }
        Exit::Idle { pc } => {
            eprintln!("svemu: error: every hart waits for an interrupt that nothing can raise (hart 0 at pc {pc:#x})");
            1
        }
        // A closed pipe ends the run quietly, as other Unix tools end.
        Exit::TraceWriteError { kind: io::ErrorKind::BrokenPipe, .. } => 1,
        Exit::TraceWriteError { message, .. } => {
            let to = args.trace_file.as_ref().map_or("stderr".into(), |p| format!("'{}'", p.display()));
            eprintln!("svemu: error: cannot write the trace to {to}: {message}; the run stopped");
            1
        }
        Exit::TrapLoop { hart, pc, cause } => {
            eprintln!(
                "svemu: error: hart {hart} cannot enter its trap handler at {pc:#x}: {cause}; the guest jumped into nowhere"
            );
            1
        }
    })
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
