//! `svemu plot KIND INPUT -o PICTURE`: reads the input, builds the charts
//! of [`svemu::plot`] and draws them (SVG or PNG by PICTURE's extension).

use std::io::Read as _;
use std::path::PathBuf;

use clap::ValueEnum;
use svemu::plot::{self, render, Select};

/// What to draw.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    /// Per process: RSS and page faults by resolution over time (a JSON-lines trace with `--trace kernel`).
    Memory,
    /// Page faults per pass over a working set, by resolution (a JSON-lines trace with `--trace kernel`).
    Passes,
    /// TLB hit rate per interval, per hart (`--stats-json` output made with `--stats-every N`).
    Tlb,
    /// Hit rate against frames per replacement policy (paging-policy summary lines).
    Policy,
}

/// The arguments of `svemu plot`.
#[derive(clap::Args, Clone)]
pub struct PlotArgs {
    /// What to draw.
    #[arg(value_enum)]
    kind: Kind,
    /// The input file ("-" for standard input).
    input: PathBuf,
    /// The picture to write: FILE.svg or FILE.png.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// memory, passes: only the process with this pid.
    #[arg(long)]
    pid: Option<u64>,
    /// memory, passes: only processes of this name (the ELF's base name).
    #[arg(long, value_name = "NAME")]
    proc: Option<String>,
}

/// Run `svemu plot`: Ok, or one line saying what went wrong.
pub fn plot(args: &PlotArgs) -> Result<(), String> {
    render::Format::of(&args.output)?;
    let mut input = String::new();
    let read = if args.input.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut input).map(|_| ())
    } else {
        std::fs::File::open(&args.input).and_then(|mut f| f.read_to_string(&mut input)).map(|_| ())
    };
    read.map_err(|e| format!("cannot read '{}': {e}", args.input.display()))?;
    let select = Select { pid: args.pid, name: args.proc.clone() };
    let charts = match args.kind {
        Kind::Memory => plot::memory(&input, &select),
        Kind::Passes => plot::passes(&input, &select),
        Kind::Tlb => plot::tlb(&input),
        Kind::Policy => plot::policy(&input),
    }
    .map_err(|e| format!("'{}': {e}", args.input.display()))?;
    render::to_file(&charts, &args.output)
}
