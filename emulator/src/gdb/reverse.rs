//! Going back: the state at any earlier point of a run (see
//! [`crate::debug::Point`]) is found by restoring the last automatic
//! checkpoint before it (one every [`INTERVAL`] instructions, kept in
//! memory, see [`crate::snapshot`]) into a freshly built machine and
//! running on deterministically: at full speed up to the instruction count
//! just before the point, then one instruction at a time to the exact
//! position.
//!
//! - `reverse-stepi` on hart h: a scan replays the last [`WINDOW`]
//!   instructions (doubling the window until it finds one) one at a time,
//!   noting the points where h was about to step; a second replay stops at
//!   the last of them.
//! - `reverse-continue`: scans replay the run one checkpoint interval at a
//!   time, newest first, one instruction at a time with the breakpoints and
//!   watchpoints set, noting their hits; a replay stops at the last hit, or
//!   at the start of the run when there is none (gdb then says it reached
//!   the end of its history).
//! - A watchpoint hit going forward: the machine detects it after the
//!   access, but gdb expects RISC-V watchpoints to stop before it (and
//!   steps over the access itself), so the hart is shown at the point just
//!   before the accessing instruction, found the same way.
//!
//! gdb builds `reverse-step`, `reverse-next` and `reverse-finish` out of
//! `reverse-stepi`. A `reverse-stepi` costs at most two replays of
//! [`INTERVAL`] + [`WINDOW`] instructions from a checkpoint, whatever the
//! length of the run.

use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::reverse_exec::ReplayLogPosition;

use super::{GdbTarget, Reverse};
use crate::debug::{position, Debug, Point, Stop};
use crate::machine::{Exit, Machine};
use crate::snapshot::Snapshot;

/// Instructions between two automatic checkpoints under gdb (all harts).
/// At svemu's speed (50 to 100 million instructions a second) a replay from
/// the last checkpoint takes at most about 0.1 s; a checkpoint takes 3 to
/// 20 ms (a pass over RAM) and holds only the pages that changed since the
/// one before.
pub const INTERVAL: u64 = 5_000_000;

/// A stop of the machine for gdb more than this many instructions from any
/// checkpoint takes one, so that going back from where the user looks costs
/// a replay of at most this many instructions plus [`WINDOW`].
pub const NEAR: u64 = 1_000_000;

/// Instructions the first scan of a `reverse-stepi` replays one at a time.
pub const WINDOW: u64 = 20_000;

/// An automatic checkpoint and how much console output the guest had
/// produced there.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The machine.
    pub snapshot: Snapshot,
    /// Bytes of console output the guest had written by then.
    pub console: usize,
}

/// A replayed machine and the console bytes written before its buffer
/// starts.
pub(super) struct Replayed {
    pub machine: Machine,
    pub console_base: usize,
}

impl GdbTarget {
    /// Take an automatic checkpoint unless the last one before the
    /// machine's point is within `gap` instructions of it (kept in order of
    /// position).
    pub(super) fn maybe_checkpoint(&mut self, gap: u64) {
        let now = Point::of(self.machine.stats);
        let at = self.checkpoints.partition_point(|c| c.snapshot.point.position <= now.position);
        let near = |k: usize| {
            self.checkpoints.get(k).is_some_and(|c| c.snapshot.point.instructions.abs_diff(now.instructions) < gap)
        };
        let same = self.checkpoints.get(at).is_some_and(|c| c.snapshot.point == now);
        if same || (at > 0 && near(at - 1)) {
            return;
        }
        let t = std::time::Instant::now();
        let previous = at.checked_sub(1).map(|k| &self.checkpoints[k].snapshot);
        let snapshot = Snapshot::capture(&mut self.machine, previous);
        let console = self.console_base + self.machine.bus.uart.output().map_or(0, |o| o.len());
        log::debug!(
            "checkpoint at {} instructions: {} KiB of RAM pages, {:.1} ms",
            now.instructions,
            snapshot.ram_bytes() >> 10,
            t.elapsed().as_secs_f64() * 1e3
        );
        self.checkpoints.insert(at, Checkpoint { snapshot, console });
    }

    /// Carry out reverse request `r`: the stop gdb hears.
    pub(super) fn reverse(&mut self, r: Reverse) -> MultiThreadStopReason<u64> {
        let begin = MultiThreadStopReason::ReplayLog { tid: None, pos: ReplayLogPosition::Begin };
        if let Some(why) = &self.no_reverse {
            diag!("svemu: no reverse execution: {why}");
            return begin;
        }
        let now = Point::of(self.machine.stats);
        let t = std::time::Instant::now();
        let found = match r {
            Reverse::Step(h) => self.scan_step(h, now).map(|p| p.map(|p| (p, Stop::Step { hart: h }))),
            Reverse::Cont => self.scan_hits(now),
        };
        let (point, stop) = match found {
            Ok(Some(t)) => t,
            Ok(None) => {
                // Nothing earlier: back to the start of the run.
                if let Err(e) = self.go_to(Point { position: 0, instructions: 0 }) {
                    diag!("svemu: replay failed: {e}");
                }
                return begin;
            }
            Err(e) => {
                diag!("svemu: replay failed: {e}");
                return begin;
            }
        };
        log::debug!("reverse scan: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        // A watchpoint is shown before the access, as going forward.
        let point = match stop {
            Stop::Watch { before, .. } => before,
            _ => point,
        };
        match self.go_to(point) {
            Ok(()) => self.stopped(stop),
            Err(e) => {
                diag!("svemu: replay failed: {e}");
                begin
            }
        }
    }

    /// Make the machine the one at point `p` of the run.
    pub(super) fn go_to(&mut self, p: Point) -> anyhow::Result<()> {
        let t = std::time::Instant::now();
        let r = self.replay(p)?;
        log::debug!("replayed to position {}: {:.1} ms", p.position, t.elapsed().as_secs_f64() * 1e3);
        let old = std::mem::replace(&mut self.machine, r.machine);
        self.keep_spare(old);
        self.sync_triggers();
        self.console_base = r.console_base;
        self.ended = None;
        self.console.pump(&self.machine, self.console_base);
        Ok(())
    }

    /// A machine at the first point where `instructions` had retired: from
    /// the last checkpoint at or before it, at full speed.
    fn machine_at_count(&mut self, instructions: u64) -> anyhow::Result<Replayed> {
        let t = std::time::Instant::now();
        let mut machine = match self.spare.take() {
            Some(m) => m,
            None => (self.rebuild)()?,
        };
        let built = t.elapsed();
        let c = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.snapshot.point.instructions <= instructions)
            .ok_or_else(|| anyhow::anyhow!("no checkpoint before {instructions} instructions"))?;
        c.snapshot.restore(&mut machine).map_err(anyhow::Error::msg)?;
        machine.bus.uart.console().clear_output();
        let console_base = c.console;
        log::debug!(
            "replay from {} instructions to {instructions}: built in {:.1} ms, restored in {:.1} ms",
            machine.stats.instructions,
            built.as_secs_f64() * 1e3,
            (t.elapsed() - built).as_secs_f64() * 1e3
        );
        if machine.stats.instructions < instructions {
            machine.max_instructions = Some(instructions);
            match machine.run() {
                Exit::InstructionLimit(_) => {}
                other => anyhow::bail!("the replay ended early ({other:?}): the run is not deterministic"),
            }
        }
        machine.max_instructions = None;
        Ok(Replayed { machine, console_base })
    }

    /// A machine replayed to point `p` exactly.
    fn replay(&mut self, p: Point) -> anyhow::Result<Replayed> {
        let mut r = self.machine_at_count(p.instructions.saturating_sub(1))?;
        let m = &mut r.machine;
        if position(m.stats) < p.position {
            m.debug = Some(Box::new(Debug { stop_at: Some(p.position), ..Debug::default() }));
            match m.run() {
                Exit::Debug(Stop::Position { .. }) => {}
                other => anyhow::bail!("the replay did not reach position {} ({other:?})", p.position),
            }
            m.debug = None;
        }
        anyhow::ensure!(position(m.stats) == p.position, "the replay missed position {}", p.position);
        Ok(r)
    }

    /// Keep `m` as the machine of the next replay, unless it traces (a
    /// replay must not write the trace again).
    fn keep_spare(&mut self, mut m: Machine) {
        if !crate::trace::Category::ALL.iter().any(|&(_, c)| m.tracer.on(c)) {
            // Whatever it was asked to stop at does not apply to replays.
            m.debug = None;
            m.max_instructions = None;
            self.spare = Some(m);
        }
    }

    /// Run `m` one instruction at a time with `d` until position `end`:
    /// what `d` recorded.
    fn scan(m: &mut Machine, mut d: Debug, end: u64) -> anyhow::Result<Debug> {
        d.stop_at = Some(end);
        d.scan = true;
        m.debug = Some(Box::new(d));
        let exit = m.run();
        anyhow::ensure!(matches!(exit, Exit::Debug(Stop::Position { .. })), "the scan ended early ({exit:?})");
        Ok(*m.debug.take().unwrap())
    }

    /// The last point before `now` at which hart `h` was about to step.
    fn scan_step(&mut self, h: usize, now: Point) -> anyhow::Result<Option<Point>> {
        let mut window = WINDOW;
        // A checkpoint closer than the window (a previous reverse step took
        // it) is where the first scan starts.
        let closest = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.snapshot.point.position < now.position)
            .map_or(0, |c| c.snapshot.point.instructions);
        loop {
            let mut from = now.instructions.saturating_sub(window);
            if window == WINDOW {
                from = from.max(closest);
            }
            let mut r = self.machine_at_count(from)?;
            // The replays of the next reverse steps start here.
            let live = std::mem::replace(&mut self.machine, r.machine);
            let base = std::mem::replace(&mut self.console_base, r.console_base);
            self.maybe_checkpoint(NEAR / 10);
            r.machine = std::mem::replace(&mut self.machine, live);
            self.console_base = base;
            let d = Debug { trail: Some((h, Vec::new())), ..Debug::default() };
            let d = Self::scan(&mut r.machine, d, now.position);
            self.keep_spare(r.machine);
            let d = d?;
            if let Some(&p) = d.trail.and_then(|t| t.1.last().copied()).as_ref() {
                return Ok(Some(p));
            }
            if from == 0 {
                return Ok(None);
            }
            window = window.saturating_mul(2);
        }
    }

    /// The last breakpoint or watchpoint hit before `now`, scanning one
    /// checkpoint interval at a time, newest first.
    fn scan_hits(&mut self, now: Point) -> anyhow::Result<Option<(Point, Stop)>> {
        let starts: Vec<usize> = (0..self.checkpoints.len())
            .filter(|&k| self.checkpoints[k].snapshot.point.position < now.position)
            .collect();
        for (j, &k) in starts.iter().enumerate().rev() {
            let end = starts.get(j + 1).map_or(now.position, |&n| self.checkpoints[n].snapshot.point.position);
            let mut m = match self.spare.take() {
                Some(m) => m,
                None => (self.rebuild)()?,
            };
            self.checkpoints[k].snapshot.restore(&mut m).map_err(anyhow::Error::msg)?;
            let d = Self::scan(&mut m, self.requests.clone(), end);
            self.keep_spare(m);
            if let Some(hit) = d?.hits.iter().rev().find(|(p, _)| p.position < now.position) {
                return Ok(Some(*hit));
            }
        }
        Ok(None)
    }
}
