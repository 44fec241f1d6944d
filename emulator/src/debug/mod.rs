//! What a debugger asks of the run loop: breakpoints, watchpoints, single
//! steps and stops at a given point of the run, checked before and after
//! every instruction while [`crate::machine::Machine::debug`] is set; and
//! the debugger's view of memory ([`memory`]) and page tables ([`ptdump`]).
//!
//! A point of the run is its *position*: instructions retired plus traps
//! taken, by all harts ([`position`]). Every step of a hart either retires
//! an instruction or takes a trap, so the position grows by at least one
//! between two checks, and a deterministic run passes through the same
//! positions in the same states every time: that is what reverse execution
//! replays to (see `crate::gdb`).

pub mod memory;
pub mod ptdump;

use std::collections::BTreeSet;

use crate::cpu::MemAccess;
use crate::hart::Hart;
use crate::machine::RunStats;

/// The position of a run with counters `stats`: instructions retired plus
/// traps taken (exceptions and interrupts), all harts.
pub fn position(stats: RunStats) -> u64 {
    stats.instructions + stats.traps
}

/// A point of a run: its position and the instructions retired there
/// (a replay runs at full speed to just before that count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// Instructions retired plus traps taken ([`position`]).
    pub position: u64,
    /// Instructions retired.
    pub instructions: u64,
}

impl Point {
    /// The point of a run with counters `stats`.
    pub fn of(stats: RunStats) -> Point {
        Point { position: position(stats), instructions: stats.instructions }
    }
}

/// What a watchpoint watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    /// Stores (also SC and AMOs).
    Write,
    /// Loads (also LR).
    Read,
    /// Both.
    Access,
}

/// A watched range of virtual addresses, `[addr, addr + len)`, in every
/// address space (as a hardware watchpoint compares virtual addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watchpoint {
    /// First byte.
    pub addr: u64,
    /// Length in bytes (at least 1).
    pub len: u64,
    /// Accesses that hit it.
    pub kind: WatchKind,
}

/// Why the machine stopped for the debugger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Hart `hart` is about to execute the instruction at a breakpoint `pc`.
    Breakpoint {
        /// The hart.
        hart: usize,
        /// Its pc.
        pc: u64,
    },
    /// Hart `hart`'s last instruction accessed a watched range (the machine
    /// stops after the access; `before` is the point just before that
    /// instruction, where a debugger expecting the stop before the access,
    /// as gdb does on RISC-V, must be shown the hart).
    Watch {
        /// The hart.
        hart: usize,
        /// The point before the accessing instruction.
        before: Point,
        /// The watchpoint's first byte.
        addr: u64,
        /// The access: [`WatchKind::Write`] for a store, [`WatchKind::Read`] for a load.
        kind: WatchKind,
    },
    /// Hart `hart` made the step it was asked for (retired an instruction or
    /// took a trap).
    Step {
        /// The hart.
        hart: usize,
    },
    /// Hart `hart` took a trap (exception or interrupt) and is about to
    /// run the first instruction of its handler ([`Debug::trap_stop`]).
    Trap {
        /// The hart.
        hart: usize,
    },
    /// The run reached the position asked for ([`Debug::stop_at`]); `hart`
    /// is the hart about to run or that just ran.
    Position {
        /// The hart.
        hart: usize,
    },
}

/// The debugger's requests, checked by the run loop around every
/// instruction.
#[derive(Clone, Debug, Default)]
pub struct Debug {
    /// Virtual addresses that stop a hart before it executes there (any
    /// hart, any address space).
    pub breakpoints: BTreeSet<u64>,
    /// Watched ranges.
    pub watchpoints: Vec<Watchpoint>,
    /// Stop after this hart's next step.
    pub step: Option<usize>,
    /// Stop before the first instruction of a trap handler: the run's trap
    /// count when the stop was last made or the run resumed (None: off).
    pub trap_stop: Option<u64>,
    /// Stop at the first check at or past this position.
    pub stop_at: Option<u64>,
    /// The position the run resumed from: a breakpoint there is the one the
    /// debugger stopped at, and does not stop the run again.
    pub resumed_at: Option<u64>,
    /// Record instead of stopping (for reverse execution): breakpoint and
    /// watchpoint hits are noted in `hits` and the run goes on.
    pub scan: bool,
    /// With `scan`: the positions of the breakpoint and watchpoint hits seen
    /// (each with the [`Stop`] a forward run would report there).
    pub hits: Vec<(Point, Stop)>,
    /// With `scan`, and this hart set: the positions at which it was about
    /// to step, in order (the points a forward `stepi` on it stops at).
    pub trail: Option<(usize, Vec<Point>)>,
    /// The point of the last check before a step (set by [`Debug::before`]).
    pub last_before: Option<Point>,
}

impl Debug {
    /// True when no check can stop or record anything: the run loop may
    /// then run at full speed without this.
    pub fn is_idle(&self) -> bool {
        self.breakpoints.is_empty()
            && self.watchpoints.is_empty()
            && self.step.is_none()
            && self.stop_at.is_none()
            && self.trail.is_none()
            && self.trap_stop.is_none()
    }

    /// The check before hart `i` (state `hart`) steps, at the run's counters
    /// `stats`.
    pub fn before(&mut self, i: usize, hart: &Hart, stats: RunStats) -> Option<Stop> {
        let pos = position(stats);
        if self.stop_at.is_some_and(|t| pos >= t) {
            return Some(Stop::Position { hart: i });
        }
        if let Some(seen) = self.trap_stop {
            if stats.traps > seen {
                self.trap_stop = Some(stats.traps);
                return Some(Stop::Trap { hart: i });
            }
        }
        self.last_before = Some(Point::of(stats));
        if let Some((h, trail)) = &mut self.trail {
            if *h == i {
                trail.push(Point::of(stats));
            }
        }
        if self.resumed_at != Some(pos) && self.breakpoints.contains(&hart.pc) {
            let stop = Stop::Breakpoint { hart: i, pc: hart.pc };
            if !self.scan {
                return Some(stop);
            }
            self.hits.push((Point::of(stats), stop));
        }
        None
    }

    /// The check after hart `i` stepped, with its data access `access` (if
    /// the instruction made one and retired), at the run's counters `stats`.
    pub fn after(&mut self, i: usize, access: Option<MemAccess>, stats: RunStats) -> Option<Stop> {
        let pos = position(stats);
        if let Some(a) = access {
            let kind = if a.stored.is_some() { WatchKind::Write } else { WatchKind::Read };
            let hit = self.watchpoints.iter().find(|w| {
                let overlaps = a.va < w.addr.saturating_add(w.len) && w.addr < a.va.saturating_add(a.size as u64);
                overlaps && (w.kind == kind || w.kind == WatchKind::Access)
            });
            if let Some(w) = hit {
                let before = self.last_before.unwrap_or(Point::of(stats));
                let stop = Stop::Watch { hart: i, before, addr: w.addr, kind };
                if !self.scan {
                    return Some(stop);
                }
                self.hits.push((Point::of(stats), stop));
            }
        }
        if self.step == Some(i) {
            return Some(Stop::Step { hart: i });
        }
        if self.stop_at.is_some_and(|t| pos >= t) {
            return Some(Stop::Position { hart: i });
        }
        None
    }
}
