//! Counters of a run, per hart and per privilege, for `--stats`,
//! `--stats-json` and [`crate::testing`].
//!
//! [`PrivClock`] splits each hart's retired instructions by privilege
//! without a cost per instruction: the privilege changes only at a trap
//! and at an xRET, where the machine settles the count. [`Stats::of`]
//! gathers everything once the run is over; the result holds only counts
//! that depend on the guest and the options (no time, no host memory), so
//! the same image and flags give the same JSON bytes.
//!
//! `--stats-json` schema (numbers are counts unless named otherwise):
//!
//! ```text
//! { "instructions": N, "traps": N,
//!   "harts": [ { "hart": 0, "instructions": N,
//!                "instructions_by_priv": {"U": N, "S": N, "M": N},
//!                "traps_by_cause": [ {"interrupt": false, "cause": 13, "name": "load page fault", "count": N}, ... ],
//!                "traps_by_priv": {"U": N, "S": N, "M": N},       (the privilege trapped from)
//!                "page_faults": {"fetch": N, "load": N, "store": N},
//!                "tlb": {"entries": N, "ways": N, "lookups": N, "hits": N, "misses": N,
//!                        "hit_rate": F (hits / lookups, 0 when none), "evictions": N,
//!                        "flushes": {"all": N, "asid": N, "va": N, "va_asid": N, "entries_removed": N}},
//!                "walks": N, "pte_reads": N, "ad_updates": N, "translation_faults": N } ],
//!   "disk": [ {"slot": N, "requests": N, "sectors_read": N, "sectors_written": N} ],
//!   "processes": [ {"pid": N, "ppid": N, "name": "...", "path": "...", "asid": N,
//!                   "faults": {"zero-fill": N, "cow-copy": N, ...}, "swap_outs": N, "swap_ins": N,
//!                   "exit_status": N or null} ],
//!   "samples": [ {"instructions": N,                   (only with --stats-every N)
//!                 "harts": [ {"hart": 0, "instructions": N, "tlb_lookups": N, "tlb_hits": N,
//!                             "tlb_misses": N, "walks": N, "page_faults": N} ],
//!                 "processes": [ {"pid": N, "name": "...", "rss": N} ] } ] }
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use crate::hart::trap::Trap;
use crate::hart::Priv;
use crate::machine::Machine;

/// A hart's instructions by privilege and traps by cause, kept by the
/// machine at privilege changes.
#[derive(Clone, Debug)]
pub struct PrivClock {
    /// The privilege since `since`.
    prv: Option<Priv>,
    /// The instret at the last change.
    since: u64,
    /// Instructions retired in U, S, (2 unused), M.
    by_priv: [u64; 4],
    /// Traps by (interrupt, cause), with the name.
    traps: BTreeMap<(bool, u64), (&'static str, u64)>,
    /// Traps by the privilege they were taken from.
    traps_from: [u64; 4],
}

impl Default for PrivClock {
    /// A hart out of reset: in M-mode, nothing retired.
    fn default() -> PrivClock {
        PrivClock { prv: Some(Priv::M), since: 0, by_priv: [0; 4], traps: BTreeMap::new(), traps_from: [0; 4] }
    }
}

impl PrivClock {
    /// The hart, having retired `instret` instructions, now runs in `prv`.
    #[inline]
    pub fn switch(&mut self, instret: u64, prv: Priv) {
        if let Some(p) = self.prv {
            self.by_priv[p as usize] += instret.wrapping_sub(self.since);
        }
        self.prv = Some(prv);
        self.since = instret;
    }

    /// A trap taken from `from` after `instret` instructions, to `to`.
    pub fn trap(&mut self, instret: u64, trap: Trap, from: Priv, to: Priv) {
        if self.prv.is_none() {
            self.prv = Some(from);
        }
        let e = self.traps.entry((matches!(trap, Trap::Interrupt(_)), trap.cause() & !(1 << 63)));
        e.or_insert((trap.name(), 0)).1 += 1;
        self.traps_from[from as usize] += 1;
        self.switch(instret, to);
    }

    /// Instructions by privilege (U, S, -, M) for a hart that has retired
    /// `instret` and runs in `now`.
    fn by_priv(&self, instret: u64, now: Priv) -> [u64; 4] {
        let mut c = self.clone();
        if c.prv.is_none() {
            c.prv = Some(now);
        }
        c.switch(instret, now);
        c.by_priv
    }
}

/// Counts per privilege letter.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[allow(non_snake_case)] // the privilege letters
pub struct ByPriv {
    /// User mode.
    pub U: u64,
    /// Supervisor mode.
    pub S: u64,
    /// Machine mode.
    pub M: u64,
}

impl From<[u64; 4]> for ByPriv {
    fn from(c: [u64; 4]) -> ByPriv {
        ByPriv { U: c[0], S: c[1], M: c[3] }
    }
}

/// Page faults by access.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ByAccess {
    /// Instruction page faults (cause 12).
    pub fetch: u64,
    /// Load page faults (13).
    pub load: u64,
    /// Store/AMO page faults (15).
    pub store: u64,
}

/// sfence.vma counts by scope.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Flushes {
    /// rs1 = rs2 = x0.
    pub all: u64,
    /// By ASID.
    pub asid: u64,
    /// By VA, all ASIDs.
    pub va: u64,
    /// By VA and ASID.
    pub va_asid: u64,
    /// TLB entries they removed.
    pub entries_removed: u64,
}

/// One hart's TLB.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TlbCounts {
    /// Entries.
    pub entries: usize,
    /// Ways per set.
    pub ways: usize,
    /// Lookups (translated accesses that looked in the TLB).
    pub lookups: u64,
    /// Hits.
    pub hits: u64,
    /// Misses.
    pub misses: u64,
    /// hits / lookups (0 when there were none).
    pub hit_rate: f64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// sfence.vma by scope.
    pub flushes: Flushes,
}

/// Traps of one cause.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct TrapCount {
    /// An interrupt (else an exception).
    pub interrupt: bool,
    /// mcause/scause without the interrupt bit.
    pub cause: u64,
    /// The cause's name in the Privileged ISA's table (e.g. "load page fault").
    pub name: &'static str,
    /// How many were taken.
    pub count: u64,
}

/// One hart's counters.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct HartStats {
    /// Hart id.
    pub hart: u64,
    /// Instructions retired.
    pub instructions: u64,
    /// Instructions retired by privilege.
    pub instructions_by_priv: ByPriv,
    /// Traps by cause: exceptions by cause number, then interrupts.
    pub traps_by_cause: Vec<TrapCount>,
    /// Traps by the privilege they were taken from.
    pub traps_by_priv: ByPriv,
    /// Page faults (traps with cause 12, 13, 15) by access.
    pub page_faults: ByAccess,
    /// The TLB.
    pub tlb: TlbCounts,
    /// Page-table walks.
    pub walks: u64,
    /// PTEs read by the walker.
    pub pte_reads: u64,
    /// A/D updates made by the walker.
    pub ad_updates: u64,
    /// Translations that ended in a page or access fault.
    pub translation_faults: u64,
}

/// One virtio-blk disk.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct DiskStats {
    /// Its virtio-mmio slot (0..7).
    pub slot: usize,
    /// Requests completed.
    pub requests: u64,
    /// 512-byte sectors read.
    pub sectors_read: u64,
    /// 512-byte sectors written.
    pub sectors_written: u64,
}

/// The counters of a run.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Stats {
    /// Instructions retired, all harts.
    pub instructions: u64,
    /// Traps taken, all harts.
    pub traps: u64,
    /// Per hart.
    pub harts: Vec<HartStats>,
    /// Per disk.
    pub disk: Vec<DiskStats>,
    /// Per process, as the guest kernel reported them through the trace
    /// port (empty for a kernel that does not).
    pub processes: Vec<crate::trace::kernel::Process>,
    /// Counters every N instructions (`--stats-every N`; left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Sample>,
}

/// The running counters at one moment of the run (`--stats-every`).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Sample {
    /// Instructions retired so far, all harts.
    pub instructions: u64,
    /// Per hart.
    pub harts: Vec<HartSample>,
    /// Per process the kernel reported and that has not exited: its
    /// resident pages as last reported.
    pub processes: Vec<ProcessSample>,
}

/// One hart's running counters in a [`Sample`].
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct HartSample {
    /// Hart id.
    pub hart: u64,
    /// Instructions it retired.
    pub instructions: u64,
    /// TLB lookups.
    pub tlb_lookups: u64,
    /// TLB hits.
    pub tlb_hits: u64,
    /// TLB misses.
    pub tlb_misses: u64,
    /// Page-table walks.
    pub walks: u64,
    /// Page faults raised by translations (all accesses).
    pub page_faults: u64,
}

/// One process in a [`Sample`].
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ProcessSample {
    /// Its pid.
    pub pid: u64,
    /// Its name.
    pub name: String,
    /// Its resident pages, as the kernel last reported.
    pub rss: u64,
}

impl Sample {
    /// The counters of `m` now.
    pub fn of(m: &Machine) -> Sample {
        Sample {
            instructions: m.stats.instructions,
            harts: m
                .harts
                .iter()
                .zip(&m.mmus)
                .map(|(h, mmu)| HartSample {
                    hart: h.id,
                    instructions: h.instret,
                    tlb_lookups: mmu.tlb.stats.lookups,
                    tlb_hits: mmu.tlb.stats.hits,
                    tlb_misses: mmu.tlb.stats.misses,
                    walks: mmu.stats.walks,
                    page_faults: mmu.stats.page_faults.iter().sum(),
                })
                .collect(),
            processes: m
                .tracer
                .processes()
                .all()
                .filter(|p| p.exit_status.is_none())
                .map(|p| ProcessSample { pid: p.pid, name: p.name.clone(), rss: p.rss })
                .collect(),
        }
    }
}

impl Stats {
    /// The counters of `m` now (normally once its run is over).
    pub fn of(m: &Machine) -> Stats {
        let harts = m
            .harts
            .iter()
            .zip(&m.mmus)
            .zip(m.priv_clocks())
            .map(|((h, mmu), clock)| {
                let t = &mmu.tlb.stats;
                let g = mmu.tlb.geometry();
                let mut page_faults = ByAccess::default();
                let mut by_cause = Vec::new();
                for (&(interrupt, cause), &(name, n)) in &clock.traps {
                    by_cause.push(TrapCount { interrupt, cause, name, count: n });
                    match (interrupt, cause) {
                        (false, 12) => page_faults.fetch += n,
                        (false, 13) => page_faults.load += n,
                        (false, 15) => page_faults.store += n,
                        _ => {}
                    }
                }
                HartStats {
                    hart: h.id,
                    instructions: h.instret,
                    instructions_by_priv: clock.by_priv(h.instret, h.prv).into(),
                    traps_by_cause: by_cause,
                    traps_by_priv: clock.traps_from.into(),
                    page_faults,
                    tlb: TlbCounts {
                        entries: g.entries,
                        ways: g.ways,
                        lookups: t.lookups,
                        hits: t.hits,
                        misses: t.misses,
                        hit_rate: if t.lookups == 0 { 0.0 } else { t.hits as f64 / t.lookups as f64 },
                        evictions: t.evictions,
                        flushes: Flushes {
                            all: t.flush_all,
                            asid: t.flush_asid,
                            va: t.flush_va,
                            va_asid: t.flush_va_asid,
                            entries_removed: t.flushed_entries,
                        },
                    },
                    walks: mmu.stats.walks,
                    pte_reads: mmu.stats.pte_reads,
                    ad_updates: mmu.stats.ad_updates,
                    translation_faults: mmu.stats.faults,
                }
            })
            .collect();
        Stats {
            instructions: m.stats.instructions,
            traps: m.stats.traps,
            harts,
            disk: m.bus.disk_stats(),
            processes: m.tracer.processes().all().cloned().collect(),
            samples: Vec::new(),
        }
    }

    /// The JSON text of `--stats-json` (pretty-printed, one trailing newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
