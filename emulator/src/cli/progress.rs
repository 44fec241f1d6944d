//! The run loop of `svemu run` around [`Machine::run`]: it stops the
//! machine at the points where the command line wants something done and
//! resumes it exactly there (a stopped run continues as the uninterrupted
//! one would, so none of this changes the console, the trace or the
//! counters): the `--save-at` checkpoint, the `--stats-every` samples, and
//! a progress bar (indicatif) on standard error when it is a terminal and
//! the console (standard output) is not: nothing is drawn otherwise, so
//! CI logs and redirected traces stay byte-identical.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use svemu::machine::{Exit, Machine};
use svemu::snapshot::Snapshot;
use svemu::stats::Sample;

/// Instructions between two updates of the progress bar.
const PROGRESS_EVERY: u64 = 1 << 24;

/// What to do along the run.
pub struct Plan {
    /// Stop for good after this many instructions (`--max-insns`).
    pub max: Option<u64>,
    /// Write a checkpoint at this instruction count (`--save-at`).
    pub save_at: Option<(u64, PathBuf)>,
    /// Record a [`Sample`] every this many instructions (`--stats-every`).
    pub sample_every: Option<u64>,
}

/// A progress bar when standard error is a terminal and standard output
/// is not; None otherwise.
fn progress_bar(max: Option<u64>) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || std::io::stdout().is_terminal() {
        return None;
    }
    let bar = match max {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("svemu: {bar:30} {human_pos}/{human_len} instructions, {msg}, {elapsed}")
                .ok()?,
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("svemu: {spinner} {human_pos} instructions, {msg}, {elapsed}").ok()?,
        ),
    };
    Some(bar)
}

/// Run `machine` to its end following `plan`; returns how it ended and
/// the samples taken (the first at the start, then one every
/// `sample_every` instructions, and one at the end).
pub fn run(machine: &mut Machine, mut plan: Plan) -> anyhow::Result<(Exit, Vec<Sample>)> {
    let bar = progress_bar(plan.max);
    let mut samples = Vec::new();
    let mut next_sample = plan.sample_every.map(|n| {
        samples.push(Sample::of(machine));
        machine.stats.instructions + n.max(1)
    });
    let exit = loop {
        let now = machine.stats.instructions;
        let next_progress = bar.as_ref().map(|_| (now / PROGRESS_EVERY + 1) * PROGRESS_EVERY);
        let stops = [plan.save_at.as_ref().map(|s| s.0), next_sample, next_progress, plan.max];
        machine.max_instructions = stops.into_iter().flatten().filter(|&n| n > now).min().or(plan.max);
        let exit = machine.run();
        let Exit::InstructionLimit(n) = exit else { break exit };
        if let Some(bar) = &bar {
            bar.set_position(n);
            bar.set_message(format!("{:.1} MIPS", n as f64 / bar.elapsed().as_secs_f64().max(1e-9) / 1e6));
        }
        if let Some((at, path)) = &plan.save_at {
            if n >= *at {
                Snapshot::capture(machine, None).save(path).map_err(anyhow::Error::msg)?;
                let line = format!("svemu: checkpoint at {n} instructions written to {}", path.display());
                match &bar {
                    Some(b) => b.println(line),
                    None => svemu::diag!("{line}"),
                }
                plan.save_at = None;
            }
        }
        if next_sample.is_some_and(|at| n >= at) {
            samples.push(Sample::of(machine));
            next_sample = plan.sample_every.map(|every| n + every.max(1));
        }
        if plan.max.is_some_and(|m| n >= m) {
            break exit;
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if plan.sample_every.is_some() && samples.last().is_none_or(|s| s.instructions != machine.stats.instructions) {
        samples.push(Sample::of(machine));
    }
    Ok((exit, samples))
}
