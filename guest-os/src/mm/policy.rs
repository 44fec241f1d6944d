//! Page replacement policies (OSTEP ch. 22; Linux's mm/vmscan.c chooses
//! with its LRU lists): which resident page of an address space reclaim
//! evicts. One seam: [`AddrSpace::choose_victim`], called by
//! [`super::vmscan`] for every eviction, picks by the [`Policy`] of the
//! [`Scope`] it is given.
//!
//! - **FIFO**: the page loaded longest ago (a global load sequence, so
//!   pages of different spaces compare). A and D are not looked at.
//! - **CLOCK** (second chance, the default): a hand walks the resident
//!   pages in address order; a page whose PTE has A set (set by the hart,
//!   Svadu, or by svos at an A/D fault, Svade) has A cleared and is passed
//!   over; the first with A clear is the victim.
//! - **LRU**, approximated by *aging* (per-page 8-bit counters, Tanenbaum's
//!   aging algorithm, Linux 2.4's page age): an aging pass shifts every
//!   counter right and puts the page's A bit in its top bit (clearing A),
//!   so a counter orders pages by how recently they were seen used, over
//!   the last eight passes. The victims are the pages with the lowest
//!   counters (older load first on a tie). A pass keeps the scope's lowest
//!   sixteenth (at least one, at most 256) as the next victims; a kept page
//!   whose A bit is set again before its turn is passed over. We
//!   keep counters rather than Linux's active/inactive lists because one
//!   pass is one scan (no list to keep in step with every fault, fork and
//!   munmap) and because the counter shows the approximation plainly: eight
//!   bits of history instead of exact recency.
//! - **RANDOM**: a page chosen uniformly among the scope's resident pages
//!   by a xorshift64* generator with a fixed seed per space (the same runs
//!   evict the same pages).
//! - **Exact LRU** (only for a replay region, see [`Region`]): every access
//!   to the region traps. Only the page used last keeps a valid PTE; a
//!   touch of any other resident page faults (a minor fault that maps it
//!   again and unmaps the previous one), so the kernel sees each change of
//!   page and keeps true recency; the victim is the page used longest ago.
//!
//! Every A bit cleared (CLOCK, aging) is fenced on every hart that may
//! cache the page: the caller ([`super::vmscan`]) does one shootdown per
//! scan, which covers them and the victim.
//!
//! **Scopes.** Global replacement: when free frames fall to the low
//! watermark, reclaim evicts from the faulting space, then from the other
//! processes, by the system-wide policy ([`current`]: bootarg
//! `vm.policy=fifo|clock|lru|random`, file /proc/sys/vm/policy). Local
//! replacement: a process whose resident pages reach its RLIMIT_RSS
//! (setrlimit/prlimit, bytes) evicts one of its own pages, by the
//! system-wide policy, before a fault maps a new one; and a replay region
//! ([`AddrSpace::set_region`], the `svos_replay` system call) holds at most
//! its own number of frames, evicted by its own policy.
//!
//! The limits are soft: a page that cannot be evicted (no swap space and
//! not all zeros; ELF pages) leaves the process over its limit.

use super::addr_space::AddrSpace;
use super::address::VirtAddr;
use super::address::VirtPageNum;
use super::page_table::PteFlags;
use alloc::collections::{BTreeMap, BinaryHeap};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};

/// A replacement policy (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// First in, first out: the page loaded longest ago.
    Fifo,
    /// Second chance on the A bit, a hand in address order.
    Clock,
    /// LRU approximated by 8-bit aging counters fed by the A bit.
    Lru,
    /// Uniformly random, fixed seed.
    Random,
    /// Exact LRU by trapping every access (replay regions only).
    ExactLru,
}

impl Policy {
    /// The policies the system-wide setting accepts, by name.
    pub const GLOBAL: [Policy; 4] = [Policy::Fifo, Policy::Clock, Policy::Lru, Policy::Random];

    /// The policy's name as the bootarg and /proc/sys/vm/policy spell it
    /// (`lru-exact` for [`Policy::ExactLru`]).
    pub fn name(self) -> &'static str {
        match self {
            Policy::Fifo => "fifo",
            Policy::Clock => "clock",
            Policy::Lru => "lru",
            Policy::Random => "random",
            Policy::ExactLru => "lru-exact",
        }
    }

    /// The system-wide policy named `s` (surrounding blanks and a newline
    /// allowed, as `echo fifo > /proc/sys/vm/policy` writes it).
    pub fn parse(s: &str) -> Option<Policy> {
        let s = s.trim();
        Policy::GLOBAL.into_iter().find(|p| p.name() == s)
    }

    /// The policy of number `n` in the `svos_replay` system call: 0 FIFO,
    /// 1 CLOCK, 2 LRU (aging), 3 RANDOM, 4 exact LRU, 5 the system-wide
    /// policy of the moment (`Some(None)`); `None` for other numbers.
    pub fn from_number(n: usize) -> Option<Option<Policy>> {
        match n {
            5 => Some(None),
            _ => [Policy::Fifo, Policy::Clock, Policy::Lru, Policy::Random, Policy::ExactLru].get(n).map(|&p| Some(p)),
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(1);

/// The system-wide policy (global and RLIMIT_RSS replacement); CLOCK at boot.
pub fn current() -> Policy {
    Policy::GLOBAL[CURRENT.load(Relaxed) as usize % 4]
}

/// Sets the system-wide policy; it applies from the next eviction on.
/// [`Policy::ExactLru`] is refused (false): it needs a region's traps.
pub fn set(p: Policy) -> bool {
    match Policy::GLOBAL.iter().position(|&q| q == p) {
        Some(i) => {
            CURRENT.store(i as u8, Relaxed);
            true
        }
        None => false,
    }
}

/// Applies the bootarg `vm.policy=NAME`; an unknown name is reported
/// (`[svos] unknown vm.policy=X, using clock`) and the default kept.
pub fn init(bootargs: &str) {
    if let Some(v) = bootargs.split_whitespace().find_map(|a| a.strip_prefix("vm.policy=")) {
        match Policy::parse(v) {
            Some(p) => {
                set(p);
            }
            None => crate::println!("[svos] unknown vm.policy={}, using {}", v, current().name()),
        }
    }
}

/// Next value of the load sequence (FIFO order across every space).
static LOADS: AtomicU64 = AtomicU64::new(1);

/// What replacement knows of one resident page.
#[derive(Clone, Copy, Debug, Default)]
struct PageRecord {
    /// When it was loaded (zero-filled or read back), from [`LOADS`].
    loaded: u64,
    /// Aging counter (LRU): bit 7 = A seen at the last pass.
    age: u8,
    /// Exact LRU: the region's use tick of its last access.
    used: u64,
}

/// A replay region: `[start, end)` holds at most `frames` resident pages;
/// a fault that needs one more evicts one of the region's pages by
/// `policy` (`None`: the system-wide policy at that moment) first.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    start: VirtPageNum,
    end: VirtPageNum,
    frames: usize,
    policy: Option<Policy>,
    /// Exact LRU: the one page of the region with a valid PTE.
    last: Option<VirtPageNum>,
}

/// Where a victim may come from, and by which policy.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    start: VirtPageNum,
    end: VirtPageNum,
    policy: Policy,
}

impl Scope {
    /// Every page of the space, by the system-wide policy.
    pub fn whole() -> Scope {
        Scope { start: VirtPageNum(0), end: VirtPageNum(usize::MAX), policy: current() }
    }
}

/// Most victims one aging pass keeps (a pass over 5,600 pages then serves
/// 256 evictions).
const AGED_MAX: usize = 256;
/// Victims a pass keeps when the heap has no block for [`AGED_MAX`].
const AGED_FALLBACK: usize = 32;

/// Seed of every space's RANDOM generator (xorshift64*).
const RANDOM_SEED: u64 = 0x5eed_2026_0d15_c0de;

/// A space's replacement state: the page records, the FIFO queue, the
/// clock hand, the aging pass's victims, the random generator, the
/// resident-set limit and the replay region.
#[derive(Clone, Debug)]
pub struct Replacement {
    records: BTreeMap<VirtPageNum, PageRecord>,
    /// Load order: load sequence -> page. Entries of pages evicted or
    /// unmapped since are stale (their record's `loaded` differs, or they
    /// have none) and dropped when met.
    fifo: BTreeMap<u64, VirtPageNum>,
    /// CLOCK: the next page the hand looks at.
    hand: VirtPageNum,
    /// LRU: the last aging pass's victims, lowest counter last (popped).
    aged: Vec<VirtPageNum>,
    rng: u64,
    /// RLIMIT_RSS in pages (`usize::MAX`: none).
    rss_limit: usize,
    region: Option<Region>,
    /// Exact LRU: the region's use counter.
    tick: u64,
}

impl Default for Replacement {
    fn default() -> Self {
        Replacement {
            records: BTreeMap::new(),
            fifo: BTreeMap::new(),
            hand: VirtPageNum(0),
            aged: Vec::new(),
            rng: RANDOM_SEED,
            rss_limit: usize::MAX,
            region: None,
            tick: 0,
        }
    }
}

impl Replacement {
    /// The state a fork's child starts with: the same records (a shared
    /// page keeps its load time and age), queues, hand, limit and region.
    pub fn for_child(&self) -> Replacement {
        Replacement { aged: Vec::new(), ..self.clone() }
    }

    /// The state exec's new space starts with: only the resident-set
    /// limit (an rlimit) survives exec.
    pub fn for_exec(&self) -> Replacement {
        Replacement { rss_limit: self.rss_limit, ..Replacement::default() }
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Drops the records and queue entries of pages no longer resident
    /// once they outnumber the live ones by a quarter (amortized O(1) per
    /// load; the heap holds at most 1.25 times the live entries).
    fn prune(&mut self, resident: &BTreeMap<VirtPageNum, super::cow::PageFrame>) {
        let bound = |n: usize, of: usize| n <= of + of / 4 + 64;
        if bound(self.records.len(), resident.len()) && bound(self.fifo.len(), self.records.len()) {
            return;
        }
        self.records.retain(|vpn, _| resident.contains_key(vpn));
        let records = &self.records;
        let live = |vpn: &VirtPageNum, seq: u64| records.get(vpn).is_some_and(|r| r.loaded == seq);
        self.fifo.retain(|seq, vpn| live(vpn, *seq));
    }
}

impl AddrSpace {
    /// RLIMIT_RSS of the process in pages (`usize::MAX`: unlimited).
    pub fn rss_limit(&self) -> usize {
        self.replacement.rss_limit
    }

    /// Sets RLIMIT_RSS in pages (`usize::MAX`: unlimited); it applies from
    /// the next fault on (pages resident beyond it stay until evicted).
    pub fn set_rss_limit(&mut self, pages: usize) {
        self.replacement.rss_limit = pages;
    }

    /// What exec's new space keeps of the old one (`self`): the resident-set
    /// limit, an rlimit.
    pub fn inherit_limits(&mut self, old: &AddrSpace) {
        self.replacement = old.replacement.for_exec();
    }

    /// Records that page `vpn` was just loaded (given a frame): its place
    /// in FIFO order, a fresh aging counter.
    pub(super) fn note_loaded(&mut self, vpn: VirtPageNum) {
        let seq = LOADS.fetch_add(1, Relaxed);
        let r = &mut self.replacement;
        r.records.insert(vpn, PageRecord { loaded: seq, age: 0, used: r.tick });
        r.fifo.insert(seq, vpn);
        r.prune(&self.frames);
    }

    /// Forgets evicted page `vpn`.
    pub(super) fn note_evicted(&mut self, vpn: VirtPageNum) {
        self.replacement.records.remove(&vpn);
    }

    /// Makes `[start, end)` (page
    /// aligned, inside one demand-zero area) the replay region, holding at most `frames`
    /// resident pages replaced by `policy` (`None`: the system-wide one);
    /// `frames` = 0 removes the region. Pages of the range already
    /// resident stay (and count). The region's random generator restarts
    /// from its seed, so a replay is reproducible. False (nothing changes)
    /// if the range is not inside one demand-zero area.
    pub fn set_region(&mut self, start: usize, end: usize, frames: usize, policy: Option<Policy>) -> bool {
        let (s, e) = (super::address::VirtAddr(start).floor(), super::address::VirtAddr(end).floor());
        if frames == 0 {
            self.replacement.region = None;
            return true;
        }
        let Some(vma) = self.vmas.find(start) else { return false };
        if !vma.kind.is_demand_zero() || end > vma.end || start >= end {
            return false;
        }
        let r = &mut self.replacement;
        r.region = Some(Region { start: s, end: e, frames, policy, last: None });
        r.rng = RANDOM_SEED;
        r.hand = s;
        r.aged.clear();
        true
    }

    /// Ends the replay region if it overlaps `[start, end)` (munmap).
    pub fn end_region_over(&mut self, start: usize, end: usize) {
        let (s, e) = (super::address::VirtAddr(start).floor(), super::address::VirtAddr(end).ceil());
        if self.replacement.region.is_some_and(|r| r.start < e && s < r.end) {
            self.replacement.region = None;
        }
    }

    /// True if `n` pages from `first` may get frames at once without local
    /// replacement: no replay region overlaps them and RLIMIT_RSS leaves
    /// room (a megapage's condition, [`super::huge_memory`]).
    pub(super) fn room_for(&self, first: VirtPageNum, n: usize) -> bool {
        let end = VirtPageNum(first.0 + n);
        let overlaps = self.replacement.region.is_some_and(|r| r.start < end && first < r.end);
        !overlaps && self.frames.len() + n <= self.replacement.rss_limit
    }

    /// Before a fault gives page `vpn` a frame: local replacement. In a
    /// replay region at its budget, or in a process at its RLIMIT_RSS, one
    /// page of the region (or of the process) is evicted first
    /// ([`Self::evict_one`]); under exact LRU the region's previous page
    /// loses its PTE, so its next use traps.
    pub(super) fn before_fault(&mut self, vpn: VirtPageNum) {
        let region = self.replacement.region.filter(|r| r.start <= vpn && vpn < r.end);
        let resident = self.frames.contains_key(&vpn);
        if let Some(r) = region {
            let policy = r.policy.unwrap_or_else(current);
            if !resident {
                while self.frames.range(r.start..r.end).count() >= r.frames {
                    if !self.evict_one(Scope { start: r.start, end: r.end, policy }) {
                        break;
                    }
                }
            }
            if policy == Policy::ExactLru {
                self.exact_lru_use(r, vpn);
            }
        } else if !resident && self.frames.len() >= self.replacement.rss_limit {
            while self.frames.len() >= self.replacement.rss_limit && self.evict_one(Scope::whole()) {}
        }
    }

    /// Exact LRU: page `vpn` of region `r` is being used: it becomes the
    /// most recent, and the page used before it loses its PTE (a written
    /// page's swap copy is stale then: D goes with the PTE).
    fn exact_lru_use(&mut self, r: Region, vpn: VirtPageNum) {
        let rep = &mut self.replacement;
        rep.tick += 1;
        let tick = rep.tick;
        if let Some(rec) = rep.records.get_mut(&vpn) {
            rec.used = tick;
        }
        if let Some(region) = rep.region.as_mut() {
            region.last = Some(vpn);
        }
        let Some(prev) = r.last.filter(|&p| p != vpn && self.frames.contains_key(&p)) else { return };
        if let Ok(old) = self.pt.unmap(prev) {
            if old.flags().contains(PteFlags::D) {
                if let Some(super::cow::PageFrame::Private(_, copy)) = self.frames.get_mut(&prev) {
                    *copy = None;
                }
            }
            self.shootdown();
        }
    }

    /// The replacement policies' seam: the page of `scope` to evict next, if
    /// any, and whether an A bit was cleared on the way (the caller shoots
    /// down either way). Only swappable pages (frames of demand-zero areas)
    /// are candidates.
    pub(super) fn choose_victim(&mut self, scope: Scope) -> (Option<VirtPageNum>, bool) {
        match scope.policy {
            Policy::Fifo => (self.fifo_victim(scope), false),
            Policy::Clock => self.clock_victim(scope),
            Policy::Lru => self.aging_victim(scope),
            Policy::Random => (self.random_victim(scope), false),
            Policy::ExactLru => (self.exact_lru_victim(scope), false),
        }
    }

    fn swappable(&self, vpn: VirtPageNum) -> bool {
        self.vmas.find(vpn.addr().0).is_some_and(|v| v.evictable())
    }

    /// FIFO: the first live entry of the load queue inside the scope
    /// (stale entries met on the way are dropped).
    fn fifo_victim(&mut self, scope: Scope) -> Option<VirtPageNum> {
        super::vmstat::PGSCAN.inc();
        let mut from = 0;
        while let Some((&seq, &vpn)) = self.replacement.fifo.range(from..).next() {
            let live =
                self.frames.contains_key(&vpn) && self.replacement.records.get(&vpn).is_some_and(|r| r.loaded == seq);
            if !live {
                self.replacement.fifo.remove(&seq);
            } else if scope.start <= vpn && vpn < scope.end && self.swappable(vpn) {
                return Some(vpn);
            }
            from = seq + 1;
        }
        None
    }

    /// CLOCK: at most two sweeps over the scope's pages from the hand,
    /// clearing A where it is set; the first page with A clear (or no PTE)
    /// is the victim, and the hand moves past it.
    fn clock_victim(&mut self, scope: Scope) -> (Option<VirtPageNum>, bool) {
        let hand = self.replacement.hand.max(scope.start).min(scope.end);
        let AddrSpace { frames, pt, vmas, replacement, .. } = self;
        let sweep = || frames.range(hand..scope.end).chain(frames.range(scope.start..hand));
        let mut cleared = false;
        for (vpn, _) in sweep().chain(sweep()) {
            if !vmas.find(vpn.addr().0).is_some_and(|v| v.evictable()) {
                continue;
            }
            super::vmstat::PGSCAN.inc();
            if pt.test_and_clear_accessed(*vpn) {
                super::vmstat::PGACTIVATE.inc();
                cleared = true;
                continue;
            }
            replacement.hand = VirtPageNum(vpn.0 + 1);
            return (Some(*vpn), cleared);
        }
        (None, cleared)
    }

    /// LRU by aging: the next kept victim of the last pass that is still
    /// resident, in scope and not used since (A clear); otherwise a new
    /// aging pass over the scope. A pass keeps its lowest sixteenth, at
    /// least 1 and at most [`AGED_MAX`] pages (a bounded heap: no
    /// allocation grows with the resident set).
    fn aging_victim(&mut self, scope: Scope) -> (Option<VirtPageNum>, bool) {
        while let Some(vpn) = self.replacement.aged.pop() {
            let used = self.pt.translate(vpn.addr()).is_some_and(|(_, f)| f.contains(PteFlags::A));
            if self.frames.contains_key(&vpn) && scope.start <= vpn && vpn < scope.end && !used {
                return (Some(vpn), false);
            }
        }
        let AddrSpace { frames, pt, vmas, replacement, .. } = self;
        let n = frames.range(scope.start..scope.end).count();
        let mut keep = (n / 16).clamp(1, AGED_MAX);
        // The `keep` lowest (age, load) seen so far, the highest on top.
        let mut lowest: BinaryHeap<(u8, u64, VirtPageNum)> = BinaryHeap::new();
        if lowest.try_reserve_exact(keep + 1).is_err() {
            // No contiguous block for it: a small heap fits the kernel heap's arenas.
            keep = keep.min(AGED_FALLBACK);
            if lowest.try_reserve_exact(keep + 1).is_err() {
                return (None, false);
            }
        }
        let mut cleared = false;
        for (&vpn, _) in frames.range(scope.start..scope.end) {
            if !vmas.find(vpn.addr().0).is_some_and(|v| v.evictable()) {
                continue;
            }
            super::vmstat::PGSCAN.inc();
            let young = pt.test_and_clear_accessed(vpn);
            if young {
                super::vmstat::PGACTIVATE.inc();
                cleared = true;
            }
            let rec = replacement.records.entry(vpn).or_default();
            rec.age = (rec.age >> 1) | if young { 0x80 } else { 0 };
            lowest.push((rec.age, rec.loaded, vpn));
            if lowest.len() > keep {
                lowest.pop();
            }
        }
        // Ascending, then reversed: the lowest is popped first.
        let mut victims = lowest.into_sorted_vec();
        victims.reverse();
        replacement.aged.clear();
        replacement.aged.extend(victims.iter().map(|&(_, _, v)| v));
        (replacement.aged.pop(), cleared)
    }

    /// RANDOM: a uniformly chosen resident swappable page of the scope.
    /// Rejection sampling: a page drawn uniformly from the scope's part of
    /// the demand-zero areas (an area by its size, then a page in it) is
    /// taken if resident; after 64 misses (a sparse resident set) the k-th
    /// of the scope's resident pages, k drawn uniformly, is taken (the next
    /// swappable one, wrapping, if it is not swappable).
    fn random_victim(&mut self, scope: Scope) -> Option<VirtPageNum> {
        super::vmstat::PGSCAN.inc();
        let clip = |v: &super::vma::Vma| {
            let s = VirtAddr(v.start).floor().max(scope.start);
            let e = VirtAddr(v.end).ceil().min(scope.end);
            (v.evictable() && s < e).then_some((s, e))
        };
        let span: usize = self.vmas.iter().filter_map(clip).map(|(s, e)| e.0 - s.0).sum();
        for _ in 0..64.min(span) {
            let mut k = (self.replacement.next_random() % span as u64) as usize;
            let page = self.vmas.iter().filter_map(clip).find_map(|(s, e)| {
                if k < e.0 - s.0 {
                    Some(VirtPageNum(s.0 + k))
                } else {
                    k -= e.0 - s.0;
                    None
                }
            });
            if let Some(vpn) = page.filter(|v| self.frames.contains_key(v)) {
                return Some(vpn);
            }
        }
        let n = self.frames.range(scope.start..scope.end).count();
        if n == 0 {
            return None;
        }
        let k = (self.replacement.next_random() % n as u64) as usize;
        let pages = self.frames.range(scope.start..scope.end).map(|(v, _)| *v);
        pages.clone().skip(k).chain(pages.take(k)).find(|&v| self.swappable(v))
    }

    /// Exact LRU: the scope's page with the oldest use.
    fn exact_lru_victim(&mut self, scope: Scope) -> Option<VirtPageNum> {
        super::vmstat::PGSCAN.inc();
        let records = &self.replacement.records;
        self.frames
            .range(scope.start..scope.end)
            .map(|(v, _)| *v)
            .filter(|&v| self.swappable(v))
            .min_by_key(|v| records.get(v).map_or((0, 0), |r| (r.used, r.loaded)))
    }
}
