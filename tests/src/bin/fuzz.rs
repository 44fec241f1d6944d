//! `make fuzz`: the attacks of `svemu_tests::hostile` (mutated ELF kernels,
//! device abuse through the bus) for as long as asked, on stable Rust.
//!
//! Environment: `FUZZ_SECONDS` (default 60), `FUZZ_SEED` (default 1; case
//! k uses seed `FUZZ_SEED * 2^32 + k`), `FUZZ_CASE` (replay that one case
//! only and print what became of it). A case that panics svemu is reported
//! with the seed that replays it, and its kernel saved under `build/fuzz/`;
//! the exit status is 1 when any case failed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use svemu_tests::bare;
use svemu_tests::diff::Rng;
use svemu_tests::hostile::{abuse_devices, mutate, random_mutations, run_image, Outcome};

/// The kernels mutated.
const BASES: [&str; 6] = ["htif_hello", "virtio_blk", "priv_sv39", "priv_sv48", "uart_irq", "smp"];

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("fuzz: {name}={v} is not a number");
            std::process::exit(2)
        }),
        Err(_) => default,
    }
}

/// What case `case` does: its kind, and the outcome or the failure.
fn run_case(seed: u64, bases: &[Vec<u8>], image: &std::path::Path) -> (&'static str, Result<Outcome, String>, Vec<u8>) {
    let mut rng = Rng::new(seed);
    if rng.below(2) == 0 {
        return ("devices", abuse_devices(rng.next_u64(), image), Vec::new());
    }
    let ram = if rng.below(4) == 0 { 4 << 30 } else { 128 << 20 };
    let base = &bases[rng.below(bases.len() as u64) as usize];
    let n = 1 + rng.below(8) as usize;
    let bytes = mutate(base, &random_mutations(&mut rng, n, ram));
    ("elf", run_image(&bytes, ram, 20_000), bytes)
}

/// A short name for an outcome, for the summary.
fn kind(o: &Outcome) -> String {
    match o {
        // "cannot load kernel 'PATH': what is wrong (details)": the kind of wrong.
        Outcome::Refused(e) => {
            let why = e.split_once("': ").map_or(e.as_str(), |(_, why)| why);
            let cut = why.find(|c: char| c == ':' || c == '(' || c.is_ascii_digit()).unwrap_or(why.len());
            format!("refused: {}", why[..cut].trim())
        }
        Outcome::Ran(exit) => format!("ran: {}", format!("{exit:?}").split([' ', '(', '{']).next().unwrap_or("")),
        Outcome::Survived => "devices: survived".into(),
    }
}

fn main() {
    let seconds = env_u64("FUZZ_SECONDS", 60);
    let seed = env_u64("FUZZ_SEED", 1);
    let only = std::env::var("FUZZ_CASE").ok().map(|_| env_u64("FUZZ_CASE", 0));
    // Panics are caught and reported per case; the default hook's message
    // for each would bury the summary.
    std::panic::set_hook(Box::new(|_| {}));
    let bases: Vec<Vec<u8>> =
        BASES.iter().map(|b| std::fs::read(bare(b)).expect("the bare-metal programs are built")).collect();
    let image = std::env::temp_dir().join(format!("svemu-fuzz-{}.img", std::process::id()));
    let out = std::path::Path::new("build/fuzz");

    let start = Instant::now();
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures = 0u64;
    let mut case = only.unwrap_or(0);
    let mut slowest = (Duration::ZERO, 0, "");
    println!("fuzz: seed {seed}, {seconds} s (FUZZ_SEED, FUZZ_SECONDS); kernels mutated: {}", BASES.join(", "));
    loop {
        std::fs::write(&image, vec![0u8; 64 << 10]).expect("the fuzz disk image");
        let case_seed = seed << 32 | case;
        let t = Instant::now();
        let (what, result, bytes) = run_case(case_seed, &bases, &image);
        let took = t.elapsed();
        if took > slowest.0 {
            slowest = (took, case, what);
        }
        match &result {
            Ok(o) => *outcomes.entry(kind(o)).or_default() += 1,
            Err(e) => {
                failures += 1;
                println!("fuzz: FAILED case {case} ({what}, replay with FUZZ_SEED={seed} FUZZ_CASE={case}): {e}");
                if !bytes.is_empty() && std::fs::create_dir_all(out).is_ok() {
                    let p = out.join(format!("crash-{seed}-{case}.elf"));
                    if std::fs::write(&p, &bytes).is_ok() {
                        println!("fuzz:   kernel saved as {}", p.display());
                    }
                }
            }
        }
        if let Some(c) = only {
            println!("fuzz: case {c} ({what}): {result:?}");
            break;
        }
        case += 1;
        if start.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
    }
    std::fs::remove_file(&image).ok();
    let elapsed = start.elapsed().as_secs_f64();
    let case = if only.is_some() { 1 } else { case };
    println!(
        "fuzz: {case} cases in {elapsed:.0} s ({:.0} per second), {failures} failed",
        case as f64 / elapsed.max(1e-9)
    );
    println!("fuzz: slowest case {} ({}): {:.3} s", slowest.1, slowest.2, slowest.0.as_secs_f64());
    for (k, n) in &outcomes {
        println!("fuzz: {n:>9}  {k}");
    }
    std::process::exit(if failures == 0 { 0 } else { 1 });
}
