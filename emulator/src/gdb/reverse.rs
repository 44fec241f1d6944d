//! Reverse execution by deterministic replay: a run of svemu is a function
//! of its image and flags, so the state at any earlier position (see
//! [`crate::debug::position`]) is found by building the machine afresh and
//! running it to that position: at full speed up to the instruction count
//! just before it, then one instruction at a time to the exact position.
//!
//! - `reverse-stepi` on hart h: a scan replays the last [`WINDOW`]
//!   instructions (doubling the window until it finds one) one at a time,
//!   noting the positions where h was about to step; a second replay stops
//!   at the last of them.
//! - `reverse-continue`: a scan replays the whole run one instruction at a
//!   time with the breakpoints and watchpoints set, noting their hits; a
//!   second replay stops at the last hit, or at the start of the run when
//!   there is none (gdb then says it reached the end of its history).
//!
//! gdb builds `reverse-step`, `reverse-next` and `reverse-finish` out of
//! these. The cost of a `reverse-stepi` is two runs from the start at full
//! speed (see `make bench`'s numbers in the top-level README).

use gdbstub::stub::MultiThreadStopReason;
use gdbstub::target::ext::base::reverse_exec::ReplayLogPosition;

use super::{GdbTarget, Reverse};
use crate::debug::{position, Debug, Point, Stop};
use crate::machine::{Exit, Machine};

/// Instructions the first scan of a `reverse-stepi` replays one at a time.
pub const WINDOW: u64 = 20_000;

impl GdbTarget {
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
        let target = match found {
            Ok(Some(t)) => t,
            Ok(None) => {
                // Nothing earlier: go back to the start of the run.
                match (self.rebuild)() {
                    Ok(m) => self.machine = m,
                    Err(e) => eprintln!("svemu: replay failed: {e}"),
                }
                return begin;
            }
            Err(e) => {
                eprintln!("svemu: replay failed: {e}");
                return begin;
            }
        };
        match self.replay(target.0) {
            Ok(m) => {
                self.machine = m;
                self.ended = None;
                self.console.pump(&self.machine);
                self.stopped(target.1)
            }
            Err(e) => {
                eprintln!("svemu: replay failed: {e}");
                begin
            }
        }
    }

    /// A fresh machine run at full speed until `instructions` have retired.
    fn fast_forward(&mut self, instructions: u64) -> anyhow::Result<Machine> {
        let mut m = (self.rebuild)()?;
        if instructions > 0 {
            m.max_instructions = Some(instructions);
            match m.run() {
                Exit::InstructionLimit(_) => {}
                other => anyhow::bail!("the replay ended early ({other:?}): the run is not deterministic"),
            }
        }
        m.max_instructions = None;
        Ok(m)
    }

    /// The machine replayed to point `p` exactly.
    fn replay(&mut self, p: Point) -> anyhow::Result<Machine> {
        let mut m = self.fast_forward(p.instructions.saturating_sub(1))?;
        if position(m.stats) < p.position {
            m.debug = Some(Box::new(Debug { stop_at: Some(p.position), ..Debug::default() }));
            match m.run() {
                Exit::Debug(Stop::Position { .. }) => {}
                other => anyhow::bail!("the replay did not reach position {} ({other:?})", p.position),
            }
            m.debug = None;
        }
        anyhow::ensure!(position(m.stats) == p.position, "the replay missed position {}", p.position);
        Ok(m)
    }

    /// The last point before `now` at which hart `h` was about to step.
    fn scan_step(&mut self, h: usize, now: Point) -> anyhow::Result<Option<Point>> {
        let mut window = WINDOW;
        loop {
            let from = now.instructions.saturating_sub(window);
            let mut m = self.fast_forward(from)?;
            let mut d = Debug { stop_at: Some(now.position), scan: true, ..Debug::default() };
            d.trail = Some((h, Vec::new()));
            m.debug = Some(Box::new(d));
            let exit = m.run();
            anyhow::ensure!(matches!(exit, Exit::Debug(Stop::Position { .. })), "the scan ended early ({exit:?})");
            let d = m.debug.take().unwrap();
            let trail = d.trail.map(|t| t.1).unwrap_or_default();
            if let Some(&p) = trail.last() {
                return Ok(Some(p));
            }
            if from == 0 {
                return Ok(None);
            }
            window = window.saturating_mul(2);
        }
    }

    /// The last breakpoint or watchpoint hit before `now`.
    fn scan_hits(&mut self, now: Point) -> anyhow::Result<Option<(Point, Stop)>> {
        let mut m = (self.rebuild)()?;
        let d = Debug { stop_at: Some(now.position), scan: true, ..self.requests.clone() };
        m.debug = Some(Box::new(d));
        let exit = m.run();
        anyhow::ensure!(matches!(exit, Exit::Debug(Stop::Position { .. })), "the scan ended early ({exit:?})");
        let d = m.debug.take().unwrap();
        Ok(d.hits.iter().rev().find(|(p, _)| p.position < now.position).copied())
    }
}
