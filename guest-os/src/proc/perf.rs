//! Per-process hardware performance counters (Zihpm).
//!
//! mhpmevent is an M-mode register and svos keeps no M-mode code for it
//! after boot, so the boot code programs mhpmcounter3.. once with the
//! events of [`svos_abi::perf::EVENTS`] (TLB misses by access, walks, A/D
//! updates, page faults, evictions; svemu's numbers) and sets mcounteren
//! so S-mode may read them. The counters count per hart; svos makes them
//! per process: the scheduler reads them when a process starts running
//! ([`Perf::enter`]) and adds what they advanced when it stops
//! ([`Perf::leave`]), so a process's counts hold its user code and the
//! kernel's work on its behalf (its page faults, its system calls), as
//! `perf stat` without a `:u` modifier. wait4 adds a reaped child's counts
//! to its parent's children counts, as getrusage's RUSAGE_CHILDREN.
//!
//! A user program reads them with [`svos_abi::perf`]'s system call
//! (`svos_perf`), choosing the events by their mhpmevent values.

use svos_abi::perf::EVENTS;

/// Number of counters svos uses (mhpmcounter3 .. 3 + N - 1).
pub const N: usize = EVENTS.len();

/// Counts of the events, in the order of [`EVENTS`].
pub type Counts = [u64; N];

/// This hart's counters now.
#[inline]
fn read_all() -> Counts {
    let mut c = [0u64; N];
    // SAFETY: reading hpmcounter3..9 has no side effect; the boot code
    // set mcounteren so S-mode may.
    unsafe {
        core::arch::asm!(
            "csrr {0}, hpmcounter3",
            "csrr {1}, hpmcounter4",
            "csrr {2}, hpmcounter5",
            "csrr {3}, hpmcounter6",
            "csrr {4}, hpmcounter7",
            "csrr {5}, hpmcounter8",
            "csrr {6}, hpmcounter9",
            out(reg) c[0], out(reg) c[1], out(reg) c[2], out(reg) c[3],
            out(reg) c[4], out(reg) c[5], out(reg) c[6],
        );
    }
    c
}

/// A process's counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Perf {
    /// Its own counts up to its last [`Perf::leave`].
    own: Counts,
    /// The sum of its reaped children's (and their reaped descendants').
    pub children: Counts,
    /// The hart's counters when it started running, while it runs.
    since: Option<Counts>,
}

impl Perf {
    /// The process starts running on this hart.
    pub fn enter(&mut self) {
        self.since = Some(read_all());
    }

    /// The process stops running on this hart (a switch away, or its
    /// exit): its counts take what the counters advanced. Idempotent.
    pub fn leave(&mut self) {
        if let Some(s) = self.since.take() {
            let now = read_all();
            for i in 0..N {
                self.own[i] = self.own[i].wrapping_add(now[i].wrapping_sub(s[i]));
            }
        }
    }

    /// Its own counts up to now (it may be running: called from its own
    /// system call).
    pub fn own(&self) -> Counts {
        let mut c = self.own;
        if let Some(s) = self.since {
            let now = read_all();
            for i in 0..N {
                c[i] = c[i].wrapping_add(now[i].wrapping_sub(s[i]));
            }
        }
        c
    }

    /// Its own counts and its children's, summed (what its parent adds to
    /// its own children counts when it reaps it).
    pub fn total(&self) -> Counts {
        let mut c = self.own();
        for (t, k) in c.iter_mut().zip(self.children) {
            *t = t.wrapping_add(k);
        }
        c
    }

    /// Add a reaped child's total.
    pub fn add_child(&mut self, child: Counts) {
        for (t, k) in self.children.iter_mut().zip(child) {
            *t = t.wrapping_add(k);
        }
    }
}

/// The index in [`Counts`] of mhpmevent value `event`, if svos counts it.
pub fn index_of(event: u64) -> Option<usize> {
    EVENTS.iter().position(|&(e, _)| e == event)
}
