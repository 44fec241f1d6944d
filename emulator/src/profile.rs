//! `--profile FILE`: where each hart spends its instructions.
//!
//! Every `every` instructions a hart retires (its own minstret, so a
//! sample stands for the same amount of work on every hart), the hart's
//! pc is recorded with its privilege mode, its return address (x1) and,
//! for a user pc, the ELF the guest kernel reported for the hart's current
//! process (see [`crate::trace::kernel`]). The machine stops its bursts
//! exactly at those counts, as it does for `--max-insns`, so a profiled
//! run executes exactly as an unprofiled one and two runs give the same
//! profile, byte for byte. Harts waiting in WFI retire nothing and are not
//! sampled: the profile is of instructions, not of time.
//!
//! At the end, pcs are named by the function covering them
//! ([`crate::symbols`]: the kernel's, the firmware's, or the user
//! program's ELF from the initrd) and the report lists, per hart, the
//! samples in each privilege mode, then a flat profile (samples per mode
//! and function, most first) and, for the hottest functions, the
//! functions their return address points into (for a leaf or a spinning
//! loop, its caller; elsewhere whatever x1 last held).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::hart::{Hart, Priv};
use crate::symbols::Symbols;

/// Functions listed with their callers after the flat profile.
const CALLER_FUNCTIONS: usize = 15;
/// Callers listed for each of them.
const CALLERS_EACH: usize = 4;

/// One sample's place: mode, program (index into `programs`; user pcs
/// only), pc and return address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    prv: Priv,
    program: Option<u32>,
    pc: u64,
    ra: u64,
}

/// A sampling profiler of retired instructions, one sample every `every`
/// instructions of each hart.
pub struct Profiler {
    every: u64,
    /// Per hart: the minstret at which it is sampled next.
    next: Vec<u64>,
    /// Per hart: samples in U, S and M mode.
    by_hart: Vec<[u64; 3]>,
    samples: HashMap<Key, u64>,
    programs: Vec<String>,
    program_index: HashMap<String, u32>,
}

fn mode_index(p: Priv) -> usize {
    match p {
        Priv::U => 0,
        Priv::S => 1,
        Priv::M => 2,
    }
}

impl Profiler {
    /// A profiler of `harts` harts sampling each every `every` (at least 1)
    /// retired instructions, starting from their current counts `instret`.
    pub fn new(instret: impl Iterator<Item = u64>, every: u64) -> Profiler {
        let every = every.max(1);
        let next: Vec<u64> = instret.map(|n| n + every).collect();
        Profiler {
            every,
            by_hart: vec![[0; 3]; next.len()],
            next,
            samples: HashMap::new(),
            programs: Vec::new(),
            program_index: HashMap::new(),
        }
    }

    /// Instructions hart `i` (having retired `instret`) may run before its
    /// next sample (at least 1).
    #[inline]
    pub fn until_sample(&self, i: usize, instret: u64) -> u64 {
        self.next[i].saturating_sub(instret).max(1)
    }

    /// Sample hart `i` if it reached its next sample count; `program` is
    /// the ELF path of the process it runs, as the kernel reported it.
    #[inline]
    pub fn maybe_sample<'a>(&mut self, i: usize, hart: &Hart, program: impl FnOnce() -> Option<&'a str>) {
        if hart.instret < self.next[i] {
            return;
        }
        self.next[i] += self.every;
        let program = match hart.prv {
            Priv::U => program().filter(|p| !p.is_empty()).map(|p| self.program_id(p)),
            _ => None,
        };
        self.by_hart[i][mode_index(hart.prv)] += 1;
        *self.samples.entry(Key { prv: hart.prv, program, pc: hart.pc, ra: hart.x[1] }).or_insert(0) += 1;
    }

    fn program_id(&mut self, path: &str) -> u32 {
        if let Some(&id) = self.program_index.get(path) {
            return id;
        }
        let id = self.programs.len() as u32;
        self.programs.push(path.to_owned());
        self.program_index.insert(path.to_owned(), id);
        id
    }

    /// Samples taken, all harts.
    pub fn total(&self) -> u64 {
        self.by_hart.iter().flatten().sum()
    }

    /// The report (see the module doc), with pcs named through `symbols`.
    pub fn report(&self, symbols: &mut Symbols) -> String {
        let total = self.total();
        let pct = |n: u64| if total == 0 { 0.0 } else { n as f64 * 100.0 / total as f64 };
        let mut out = String::new();
        let _ =
            writeln!(out, "svemu profile: one sample every {} instructions of each hart, {total} samples", self.every);
        let _ = writeln!(out, "\nhart    samples        U        S        M");
        for (i, [u, s, m]) in self.by_hart.iter().enumerate() {
            let n = u + s + m;
            let share = |x: u64| if n == 0 { 0.0 } else { x as f64 * 100.0 / n as f64 };
            let _ = writeln!(out, "{i:>4} {n:>10} {:>7.2}% {:>7.2}% {:>7.2}%", share(*u), share(*s), share(*m));
        }

        // Name every pc and return address once.
        let mut names: HashMap<(Option<u32>, u64), String> = HashMap::new();
        let mut name = |program: Option<u32>, pc: u64| -> String {
            names
                .entry((program, pc))
                .or_insert_with(|| {
                    let path = program.map(|p| self.programs[p as usize].as_str());
                    symbols.function(pc, path).unwrap_or_else(|| format!("{pc:#x}"))
                })
                .clone()
        };
        let mut flat: HashMap<(Priv, Option<u32>, String), u64> = HashMap::new();
        let mut callers: HashMap<(Priv, Option<u32>, String), HashMap<String, u64>> = HashMap::new();
        for (k, &n) in &self.samples {
            let f = name(k.program, k.pc);
            let caller = name(k.program, k.ra);
            *flat.entry((k.prv, k.program, f.clone())).or_insert(0) += n;
            *callers.entry((k.prv, k.program, f)).or_default().entry(caller).or_insert(0) += n;
        }
        let mut flat: Vec<_> = flat.into_iter().collect();
        flat.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let program_of = |p: Option<u32>| p.map_or(String::new(), |p| format!("  [{}]", self.programs[p as usize]));

        let _ = writeln!(out, "\n   samples       %  mode  function");
        for ((prv, program, f), n) in &flat {
            let _ = writeln!(out, "{n:>10} {:>6.2}%  {}     {f}{}", pct(*n), prv.letter(), program_of(*program));
        }

        let _ = writeln!(out, "\nreturn address (x1) of the {CALLER_FUNCTIONS} hottest functions:");
        for (key, n) in flat.iter().take(CALLER_FUNCTIONS) {
            let (prv, program, f) = key;
            let _ = writeln!(out, "{n:>10} {:>6.2}%  {}     {f}{}", pct(*n), prv.letter(), program_of(*program));
            let mut by: Vec<_> = callers[key].iter().collect();
            by.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            for (caller, m) in by.into_iter().take(CALLERS_EACH) {
                let _ = writeln!(out, "{m:>21}  ra in {caller}");
            }
        }
        out
    }
}
