//! Snapshot-testing your own guest: boot an image with options, in this
//! process, and get back what it printed, the trace of the story you cut
//! out of it and the run's counters, as values ready for
//! `insta::assert_snapshot!` and `insta::assert_json_snapshot!`.
//!
//! ```no_run
//! use svemu::testing::Boot;
//!
//! let run = Boot::kernel("guest-os/target/riscv64gc-unknown-none-elf/release/svos")
//!     .initrd("build/initrd.cpio")
//!     .append("init=memory-user:1")
//!     .trace("mmu,tlb,trap")
//!     .trace_from("trap:cause=page-fault,priv=U")
//!     .trace_count(40)
//!     .run()
//!     .expect("the image boots");
//! assert_eq!(run.exit, svemu::machine::Exit::PowerOff(0));
//! // insta::assert_snapshot!(run.trace);
//! // insta::assert_json_snapshot!(run.stats);
//! ```
//!
//! Everything is deterministic: time is a function of retired instructions
//! and console input is a script, so the same image and options give the
//! same values. The trace's icounts are relative to the cut's first event
//! unless [`Boot::absolute_icounts`] is asked for, so a change earlier in
//! the boot does not rewrite every line. The options take the command
//! line's spellings (see `emulator/README.md` and [`crate::trace`]); a
//! bad one is an [`Error`] when [`Boot::run`] is called. A guest that runs
//! away stops at the instruction limit ([`Boot::max_instructions`], one
//! billion by default) with [`Exit::InstructionLimit`].
//!
//! The guide, with an example crate: `emulator/TESTING.md`.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::board::{self, BoardConfig, BoardError};
use crate::devices::uart::{ConsoleIn, ConsoleOut};
use crate::machine::{Exit, Explain};
use crate::mmu::{AdPolicy, TlbGeometry};
use crate::stats::Stats;
use crate::trace::explain::{Space, When};
use crate::trace::{Category, Filter, FilterError, Format, Options, Start, Tracer};

/// Why a boot could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A trace option could not be parsed (the option, and why).
    #[error("{0}: {1}")]
    Option(&'static str, String),
    /// The board could not be built (a file is missing, an ELF is bad, ...).
    #[error(transparent)]
    Board(#[from] BoardError),
}

/// A boot to run: the image and the options, set with the methods below.
#[derive(Clone, Debug)]
pub struct Boot {
    bios: Option<PathBuf>,
    kernel: PathBuf,
    initrd: Option<PathBuf>,
    append: Option<String>,
    memory: u64,
    harts: usize,
    drives: Vec<PathBuf>,
    ad_policy: AdPolicy,
    tlb: TlbGeometry,
    console_input: Vec<u8>,
    max_instructions: u64,
    trace: Option<String>,
    format: Format,
    filter: Option<String>,
    from: Option<String>,
    count: Option<u64>,
    relative: bool,
    explain: Option<(u64, Space, When)>,
}

/// What a boot gave.
#[derive(Clone, Debug)]
pub struct Run {
    /// Why the machine stopped.
    pub exit: Exit,
    /// Everything the guest wrote to the console (lossy UTF-8).
    pub console: String,
    /// The trace, in the format asked for (empty without [`Boot::trace`],
    /// or when the cut's start never came).
    pub trace: String,
    /// The absolute icount the cut started at (None: nothing traced).
    pub cut_start: Option<u64>,
    /// Events in `trace`.
    pub events: u64,
    /// The run's counters (serializable: `insta::assert_json_snapshot!`).
    pub stats: Stats,
    /// The `--explain` text, when [`Boot::explain`] was asked for.
    pub explain: Option<String>,
}

/// A `Write` into a buffer the caller keeps a handle on.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn option<T>(name: &'static str, r: Result<T, FilterError>) -> Result<T, Error> {
    r.map_err(|e| Error::Option(name, e.to_string()))
}

impl Boot {
    /// Boot `kernel` (an ELF) directly (`--bios none`), with 128 MiB of
    /// RAM, one hart, no initrd, no disk, hardware A/D updates, the default
    /// TLB, and no trace.
    pub fn kernel(kernel: impl AsRef<Path>) -> Boot {
        Boot {
            bios: None,
            kernel: kernel.as_ref().to_owned(),
            initrd: None,
            append: None,
            memory: board::DEFAULT_RAM,
            harts: 1,
            drives: Vec::new(),
            ad_policy: AdPolicy::Hardware,
            tlb: TlbGeometry::default(),
            console_input: Vec::new(),
            max_instructions: 1_000_000_000,
            trace: None,
            format: Format::Text,
            filter: None,
            from: None,
            count: None,
            relative: true,
            explain: None,
        }
    }

    /// Firmware run first in M-mode (`--bios FILE`).
    pub fn bios(mut self, path: impl AsRef<Path>) -> Boot {
        self.bios = Some(path.as_ref().to_owned());
        self
    }

    /// The initial ramdisk (`--initrd`).
    pub fn initrd(mut self, path: impl AsRef<Path>) -> Boot {
        self.initrd = Some(path.as_ref().to_owned());
        self
    }

    /// The kernel command line (`--append`).
    pub fn append(mut self, bootargs: &str) -> Boot {
        self.append = Some(bootargs.to_owned());
        self
    }

    /// RAM in bytes (`-m`; a multiple of 4 KiB, at least 16 MiB).
    pub fn memory(mut self, bytes: u64) -> Boot {
        self.memory = bytes;
        self
    }

    /// Number of harts (`--smp`, 1 to 8).
    pub fn harts(mut self, n: usize) -> Boot {
        self.harts = n;
        self
    }

    /// A raw disk image for one more virtio-blk device (`--drive`).
    pub fn drive(mut self, path: impl AsRef<Path>) -> Boot {
        self.drives.push(path.as_ref().to_owned());
        self
    }

    /// How A/D bits are kept (`--ad-update`).
    pub fn ad_policy(mut self, policy: AdPolicy) -> Boot {
        self.ad_policy = policy;
        self
    }

    /// TLB geometry (`--tlb-entries`, `--tlb-ways`).
    pub fn tlb(mut self, geometry: TlbGeometry) -> Boot {
        self.tlb = geometry;
        self
    }

    /// Bytes the console receives, one at a time, as `--console-input`.
    pub fn console_input(mut self, bytes: &[u8]) -> Boot {
        self.console_input = bytes.to_vec();
        self
    }

    /// Stop after `n` instructions (all harts).
    pub fn max_instructions(mut self, n: u64) -> Boot {
        self.max_instructions = n;
        self
    }

    /// Trace categories, comma-separated, as `--trace` (e.g. "mmu,tlb,trap").
    pub fn trace(mut self, categories: &str) -> Boot {
        self.trace = Some(categories.to_owned());
        self
    }

    /// JSON lines instead of text (`--trace-format json`).
    pub fn json(mut self) -> Boot {
        self.format = Format::Json;
        self
    }

    /// Only events meeting these conditions (`--trace-filter`, e.g. "priv=U,asid=1").
    pub fn trace_filter(mut self, conditions: &str) -> Boot {
        self.filter = Some(conditions.to_owned());
        self
    }

    /// Start the cut at the first matching event (`--trace-from`, e.g.
    /// "trap:cause=page-fault,priv=U").
    pub fn trace_from(mut self, start: &str) -> Boot {
        self.from = Some(start.to_owned());
        self
    }

    /// End the cut after `n` events (`--trace-count`).
    pub fn trace_count(mut self, n: u64) -> Boot {
        self.count = Some(n);
        self
    }

    /// Icounts since reset rather than since the cut's start.
    pub fn absolute_icounts(mut self) -> Boot {
        self.relative = false;
        self
    }

    /// Explain `va` in `space` at `when` (`--explain`, `--explain-in`, `--explain-at`).
    pub fn explain(mut self, va: u64, space: Space, when: When) -> Boot {
        self.explain = Some((va, space, when));
        self
    }

    fn options(&self) -> Result<Options, Error> {
        let categories = match &self.trace {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| Category::by_name(c).ok_or_else(|| Error::Option("trace", format!("unknown category '{c}'"))))
                .collect::<Result<_, _>>()?,
        };
        Ok(Options {
            categories,
            format: self.format,
            filter: option("trace_filter", Filter::parse(self.filter.as_deref().unwrap_or("")))?,
            from: self.from.as_deref().map(|s| option("trace_from", Start::parse(s))).transpose()?,
            count: self.count,
            relative_icounts: self.relative,
        })
    }

    /// Boot and run until the guest powers off (or another [`Exit`]).
    pub fn run(&self) -> Result<Run, Error> {
        let options = self.options()?;
        let sink = Shared::default();
        let tracer =
            if options.categories.is_empty() { Tracer::off() } else { Tracer::with(options, Box::new(sink.clone())) };
        let mut m = board::build(BoardConfig {
            bios: self.bios.clone(),
            kernel: Some(self.kernel.clone()),
            initrd: self.initrd.clone(),
            append: self.append.clone(),
            ram_size: self.memory,
            harts: self.harts,
            drives: self.drives.clone(),
            drive_locking: true,
            disk_latency: crate::devices::virtio::blk::DiskLatency::DEFAULT,
            ad_policy: self.ad_policy,
            tlb: self.tlb,
            console_in: ConsoleIn::Script(self.console_input.iter().copied().collect()),
            console_out: ConsoleOut::Buffer(Vec::new()),
            tracer,
        })?;
        m.tracer.set_symbols(crate::symbols::Symbols::new(
            Some(self.kernel.clone()),
            self.bios.clone(),
            self.initrd.clone(),
        ));
        m.max_instructions = Some(self.max_instructions);
        m.explain = self.explain.map(|(va, space, when)| Explain::new(va, space, when));
        let exit = m.run();
        let explain = m.finish_explain();
        let stats = Stats::of(&m);
        let console = String::from_utf8_lossy(m.bus.uart.output().unwrap_or_default()).into_owned();
        let (cut_start, events) = (m.tracer.cut_start(), m.tracer.events_written());
        drop(m);
        let trace = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
        Ok(Run { exit, console, trace, cut_start, events, stats, explain })
    }
}
