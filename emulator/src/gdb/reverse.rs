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
/// At svemu's speed (about 100 million instructions a second) a replay from
/// the last checkpoint takes at most about 0.1 s.
pub const INTERVAL: u64 = 10_000_000;

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
    /// Take an automatic checkpoint when [`INTERVAL`] instructions have
    /// retired since the last one.
    pub(super) fn maybe_checkpoint(&mut self) {
        let last = self.checkpoints.last().map_or(0, |c| c.snapshot.point.instructions);
        if self.machine.stats.instructions >= last + INTERVAL {
            let snapshot = Snapshot::capture(&mut self.machine, self.checkpoints.last().map(|c| &c.snapshot));
            let console = self.console_base + self.machine.bus.uart.output().map_or(0, |o| o.len());
            self.checkpoints.push(Checkpoint { snapshot, console });
        }
    }

    /// Carry out reverse request `r`: the stop gdb hears.
    pub(super) fn reverse(&mut self, r: Reverse) -> MultiThreadStopReason<u64> {
        let begin = MultiThreadStopReason::ReplayLog { tid: None, pos: ReplayLogPosition::Begin };
        if let Some(why) = &self.no_reverse {
            eprintln!("svemu: no reverse execution: {why}");
            return begin;
        }
        let now = Point::of(self.machine.stats);
        let found = match r {
            Reverse::Step(h) => self.scan_step(h, now).map(|p| p.map(|p| (p, Stop::Step { hart: h }))),
            Reverse::Cont => self.scan_hits(now),
        };
        let (point, stop) = match found {
            Ok(Some(t)) => t,
            Ok(None) => {
                // Nothing earlier: back to the start of the run.
                if let Err(e) = self.go_to(Point { position: 0, instructions: 0 }) {
                    eprintln!("svemu: replay failed: {e}");
                }
                return begin;
            }
            Err(e) => {
                eprintln!("svemu: replay failed: {e}");
                return begin;
            }
        };
        // A watchpoint is shown before the access, as going forward.
        let point = match stop {
            Stop::Watch { before, .. } => before,
            _ => point,
        };
        match self.go_to(point) {
            Ok(()) => self.stopped(stop),
            Err(e) => {
                eprintln!("svemu: replay failed: {e}");
                begin
            }
        }
    }

    /// Make the machine the one at point `p` of the run.
    pub(super) fn go_to(&mut self, p: Point) -> anyhow::Result<()> {
        let r = self.replay(p)?;
        self.machine = r.machine;
        self.console_base = r.console_base;
        self.ended = None;
        self.console.pump(&self.machine, self.console_base);
        Ok(())
    }

    /// A machine at the first point where `instructions` had retired: from
    /// the last checkpoint at or before it, at full speed.
    fn machine_at_count(&mut self, instructions: u64) -> anyhow::Result<Replayed> {
        let mut machine = (self.rebuild)()?;
        let mut console_base = 0;
        if let Some(c) = self.checkpoints.iter().rev().find(|c| c.snapshot.point.instructions <= instructions) {
            c.snapshot.restore(&mut machine).map_err(anyhow::Error::msg)?;
            console_base = c.console;
        }
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
        loop {
            let from = now.instructions.saturating_sub(window);
            let mut r = self.machine_at_count(from)?;
            let d = Debug { trail: Some((h, Vec::new())), ..Debug::default() };
            let d = Self::scan(&mut r.machine, d, now.position)?;
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
        let mut starts: Vec<Option<usize>> = vec![None];
        starts.extend(
            (0..self.checkpoints.len())
                .filter(|&k| self.checkpoints[k].snapshot.point.position < now.position)
                .map(Some),
        );
        for (j, start) in starts.iter().enumerate().rev() {
            let end = match starts.get(j + 1) {
                Some(Some(k)) => self.checkpoints[*k].snapshot.point.position,
                _ => now.position,
            };
            let mut m = (self.rebuild)()?;
            if let Some(k) = start {
                self.checkpoints[*k].snapshot.restore(&mut m).map_err(anyhow::Error::msg)?;
            }
            let d = Self::scan(&mut m, self.requests.clone(), end)?;
            if let Some(hit) = d.hits.iter().rev().find(|(p, _)| p.position < now.position) {
                return Ok(Some(*hit));
            }
        }
        Ok(None)
    }
}
