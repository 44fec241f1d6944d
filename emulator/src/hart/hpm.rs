//! The hardware performance-monitoring counters mhpmcounter3..31 and their
//! event selectors mhpmevent3..31 (Privileged ISA 3.1.10, "Hardware
//! Performance Monitor"; the unprivileged views hpmcounter3..31 are Zihpm,
//! gated by mcounteren and scounteren as [`super::csr::CsrFile::check_access`]
//! checks).
//!
//! Each counter counts the event its mhpmevent names, on its own hart.
//! Events (the values mhpmevent accepts; any other value reads back as 0,
//! "no event", and the counter stops counting):
//!
//! | mhpmevent | event                                                        |
//! |-----------|--------------------------------------------------------------|
//! | 0x00001   | cycles (as mcycle)                                           |
//! | 0x00002   | instructions retired (as minstret)                           |
//! | 0x10019   | TLB misses of loads (QEMU's and SBI's DTLB read miss)        |
//! | 0x1001b   | TLB misses of stores and AMOs (DTLB write miss)              |
//! | 0x10021   | TLB misses of instruction fetches (ITLB miss)                |
//! | 0x20001   | TLB misses, any access                                       |
//! | 0x20002   | page-table walks started                                     |
//! | 0x20003   | PTEs read by the walker                                      |
//! | 0x20004   | A/D bits set by the walker (Svadu; none with Svade)          |
//! | 0x20005   | instruction page faults raised (cause 12)                    |
//! | 0x20006   | load page faults raised (cause 13)                           |
//! | 0x20007   | store/AMO page faults raised (cause 15)                      |
//! | 0x20008   | page faults raised, any access                               |
//! | 0x20009   | TLB entries evicted to make room                             |
//! | 0x2000a   | sfence.vma executed (any scope)                              |
//!
//! The first five numbers are those of the SBI PMU extension's event
//! encoding that QEMU's `riscv_pmu_event_idx` uses for the same counts;
//! the 0x2xxxx events are svemu's own. A TLB miss is a lookup that found no
//! entry for the page (a hit whose cached permissions do not allow the
//! access walks again without counting a miss); a page fault counts when
//! the translation raises it, before any trap handler runs.
//!
//! Counting costs nothing per event: a counter is kept as an offset from a
//! running total the MMU already keeps ([`Sources`]), settled at every read,
//! write of the counter, write of its selector, and change of its
//! mcountinhibit bit (an inhibited counter holds its value).

use serde::{Deserialize, Serialize};

use super::Hart;
use crate::mmu::Mmu;

/// Number of programmable counters (mhpmcounter3..31).
pub const COUNTERS: usize = 29;

/// The events: (mhpmevent value, name in `perfstat`-like tools).
pub const EVENTS: [(u64, &str); 15] = [
    (0x1, "cycles"),
    (0x2, "instructions"),
    (0x10019, "dtlb-load-misses"),
    (0x1001b, "dtlb-store-misses"),
    (0x10021, "itlb-misses"),
    (0x20001, "tlb-misses"),
    (0x20002, "page-walks"),
    (0x20003, "pte-reads"),
    (0x20004, "ad-updates"),
    (0x20005, "fetch-page-faults"),
    (0x20006, "load-page-faults"),
    (0x20007, "store-page-faults"),
    (0x20008, "page-faults"),
    (0x20009, "tlb-evictions"),
    (0x2000a, "sfence-vma"),
];

/// The running totals of every event on one hart, at one moment, indexed
/// like [`EVENTS`].
pub type Sources = [u64; EVENTS.len()];

/// The running totals of hart `hart` whose MMU is `mmu`.
pub fn sources(hart: &Hart, mmu: &Mmu) -> Sources {
    let s = &mmu.stats;
    let t = &mmu.tlb.stats;
    let [fetch, load, store] = s.tlb_misses;
    let [pf_fetch, pf_load, pf_store] = s.page_faults;
    [
        hart.cycle,
        hart.instret,
        load,
        store,
        fetch,
        fetch + load + store,
        s.walks,
        s.pte_reads,
        s.ad_updates,
        pf_fetch,
        pf_load,
        pf_store,
        pf_fetch + pf_load + pf_store,
        t.evictions,
        t.flush_all + t.flush_asid + t.flush_va + t.flush_va_asid,
    ]
}

/// The index in [`EVENTS`] of selector value `v`, if it names an event.
fn event_index(v: u64) -> Option<usize> {
    EVENTS.iter().position(|&(code, _)| code == v)
}

/// The state of the 29 counters of one hart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Hpm {
    /// mhpmevent3..31 (0 or a value of [`EVENTS`]).
    event: [u64; COUNTERS],
    /// Per counter: its value minus its event's running total (wrapping),
    /// while it counts; its value, while inhibited or with no event.
    offset: [u64; COUNTERS],
    /// Counters that do not count now: mcountinhibit bits 3..31 (bit n for
    /// counter n), as last applied by [`Hpm::set_inhibit`].
    inhibit: u32,
}

impl Hpm {
    fn counting(&self, n: usize) -> Option<usize> {
        if self.inhibit & (1 << (n + 3)) != 0 {
            return None;
        }
        event_index(self.event[n])
    }

    /// mhpmcounter(3 + n), `n` in 0..29, with the running totals `src`.
    pub fn counter(&self, n: usize, src: &Sources) -> u64 {
        match self.counting(n) {
            Some(e) => src[e].wrapping_add(self.offset[n]),
            None => self.offset[n],
        }
    }

    /// Write mhpmcounter(3 + n): it reads `v` now and counts on from there.
    pub fn set_counter(&mut self, n: usize, v: u64, src: &Sources) {
        self.offset[n] = match self.counting(n) {
            Some(e) => v.wrapping_sub(src[e]),
            None => v,
        };
    }

    /// mhpmevent(3 + n).
    pub fn event(&self, n: usize) -> u64 {
        self.event[n]
    }

    /// Write mhpmevent(3 + n) (WARL: a value naming no event reads 0): the
    /// counter keeps its value and counts the new event from now on.
    pub fn set_event(&mut self, n: usize, v: u64, src: &Sources) {
        let value = self.counter(n, src);
        self.event[n] = if event_index(v).is_some() { v } else { 0 };
        self.set_counter(n, value, src);
    }

    /// mcountinhibit became `mask`: counters whose bit is set hold their
    /// value, the others count on from it.
    pub fn set_inhibit(&mut self, mask: u64, src: &Sources) {
        let values: Vec<u64> = (0..COUNTERS).map(|n| self.counter(n, src)).collect();
        self.inhibit = (mask as u32) & !7;
        for (n, v) in values.into_iter().enumerate() {
            self.set_counter(n, v, src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(walks: u64) -> Sources {
        let mut s = [0; EVENTS.len()];
        s[6] = walks;
        s
    }

    #[test]
    fn counts_its_event_from_the_value_written() {
        let mut h = Hpm::default();
        h.set_event(0, 0x20002, &src(100));
        assert_eq!(h.counter(0, &src(100)), 0);
        assert_eq!(h.counter(0, &src(107)), 7);
        h.set_counter(0, 1000, &src(107));
        assert_eq!(h.counter(0, &src(110)), 1003);
        // Another counter with no event stays still.
        assert_eq!(h.counter(1, &src(110)), 0);
    }

    #[test]
    fn unknown_events_read_zero_and_inhibit_holds_the_value() {
        let mut h = Hpm::default();
        h.set_event(2, 0x777, &src(0));
        assert_eq!(h.event(2), 0);
        h.set_event(2, 0x20002, &src(5));
        h.set_inhibit(1 << 5, &src(9));
        assert_eq!(h.counter(2, &src(50)), 4);
        h.set_inhibit(0, &src(50));
        assert_eq!(h.counter(2, &src(52)), 6);
    }
}
