//! Kernel-wide memory-management event counters, kept by the code that does
//! the work (Linux's vm_event_item, /proc/vmstat). [`snapshot`] returns them
//! for the kernel's reports; /proc/vmstat can format them with Linux's names
//! (the field docs give each name).

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Set by the `svos.vmstat` bootarg: [`report`] prints at power off.
pub static REPORT: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Prints the counters and the kernel heap's figures in one line, if
/// `svos.vmstat` was given: `[svos] vmstat: pgfault_minor N pgmajfault N
/// ad_faults N pgscan N pgactivate N pgsteal N dropped_clean N pswpin N
/// pswpout N pgcache_read_in N pgcache_dropped N pgscan_kswapd N
/// pgscan_direct N pgsteal_kswapd N pgsteal_direct N swap_ra N swap_writes
/// N swap_cache_hits N disk_polls N reclaim_throttled N swap_queue_peak N
/// evictions_deferred N; heap N bytes (peak N) in N frames` (pgcache_*: pages read into the page
/// cache, clean ones dropped under pressure: [`super::filemap::meminfo`]).
pub fn report() {
    if !REPORT.load(Relaxed) {
        return;
    }
    let v = snapshot();
    let h = super::heap::stats();
    let c = super::filemap::meminfo();
    crate::println!(
        "[svos] vmstat: pgfault_minor {} pgmajfault {} ad_faults {} pgscan {} pgactivate {} pgsteal {} dropped_clean {} pswpin {} pswpout {} pgcache_read_in {} pgcache_dropped {} pgscan_kswapd {} pgscan_direct {} pgsteal_kswapd {} pgsteal_direct {} swap_ra {} swap_writes {} swap_cache_hits {} disk_polls {} reclaim_throttled {} swap_queue_peak {} evictions_deferred {}; heap {} bytes (peak {}) in {} frames",
        v.pgfault_minor, v.pgmajfault, v.ad_faults, v.pgscan, v.pgactivate, v.pgsteal, v.dropped_clean, v.pswpin, v.pswpout,
        c.read_in, c.dropped, v.pgscan_kswapd, v.pgscan_direct, v.pgsteal_kswapd, v.pgsteal_direct, v.swap_ra, v.swap_writes, SWAP_CACHE_HITS.get(), DISK_POLLS.get(),
        RECLAIM_THROTTLED.get(), SWAP_QUEUE_PEAK.get(), EVICTIONS_DEFERRED.get(),
        h.bytes, h.peak_bytes, h.frames
    );
}

/// One counter.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Zero.
    pub const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Relaxed);
    }
    /// Raises the count to `n` if it is lower (for a high-water mark).
    pub fn max(&self, n: u64) {
        self.0.fetch_max(n, Relaxed);
    }
    /// The count.
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// Page faults of user pages resolved without I/O (minor).
pub static PGFAULT_MINOR: Counter = Counter::new();
/// Page faults that read a page back from swap (major): pgmajfault.
pub static PGMAJFAULT: Counter = Counter::new();
/// Page faults taken only to set A or D (Svade: the hart does not update them).
pub static AD_FAULTS: Counter = Counter::new();
/// Pages the replacement policy looked at (CLOCK and aging: each page
/// whose A bit it tested; FIFO, RANDOM, exact LRU: one per choice): pgscan.
pub static PGSCAN: Counter = Counter::new();
/// Pages whose A bit CLOCK or aging found set (a second chance, or a
/// younger age): pgactivate.
pub static PGACTIVATE: Counter = Counter::new();
/// Pages evicted (their frame freed or their reference dropped): pgsteal.
pub static PGSTEAL: Counter = Counter::new();
/// Pages evicted without a write because their swap copy was still exact,
/// or because they held only zeros.
pub static DROPPED_CLEAN: Counter = Counter::new();
/// Frames handed out by the buddy allocator, counted per 4 KiB frame: pgalloc.
pub static PGALLOC: Counter = Counter::new();
/// Frames given back to the buddy allocator, per 4 KiB frame: pgfree.
pub static PGFREE: Counter = Counter::new();
/// Processes killed by the OOM killer: oom_kill.
pub static OOM_KILL: Counter = Counter::new();
/// Faults that mapped a transparent megapage: thp_fault_alloc.
pub static THP_FAULT_ALLOC: Counter = Counter::new();
/// Faults where a megapage was allowed but no free order-9 block (above the
/// low watermark) was found, so a 4 KiB page was mapped: thp_fault_fallback.
pub static THP_FAULT_FALLBACK: Counter = Counter::new();
/// Megapages split into 512 PTEs (partial munmap, mprotect, madvise,
/// mremap, copy-on-write, swap-out): thp_split_page.
pub static THP_SPLIT_PAGE: Counter = Counter::new();

/// A page-state gauge (Linux's node_stat_item): a number of pages in some
/// state now, raised and lowered by the code that changes the state.
pub struct Gauge(core::sync::atomic::AtomicI64);

impl Gauge {
    const fn new() -> Self {
        Gauge(core::sync::atomic::AtomicI64::new(0))
    }
    /// Adds `n` pages (negative to remove).
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Relaxed);
    }
    /// Pages now (never below 0).
    pub fn pages(&self) -> u64 {
        self.0.load(Relaxed).max(0) as u64
    }
}

/// Dirty page-cache pages: meminfo Dirty, vmstat nr_dirty.
pub static NR_FILE_DIRTY: Gauge = Gauge::new();
/// Pages under write-back I/O: meminfo Writeback, vmstat nr_writeback.
pub static NR_WRITEBACK: Gauge = Gauge::new();
/// Waits for a disk request by polling with the kernel lock held
/// ([`crate::drivers::virtio_blk::wait_polling`] finding the request not
/// done): only exec of an `init=` program, when no process runs to sleep
/// (no Linux counter).
pub static DISK_POLLS: Counter = Counter::new();
/// Pages kswapd's reclaim looked at: pgscan_kswapd.
pub static PGSCAN_KSWAPD: Counter = Counter::new();
/// Pages direct reclaim (an allocation below the min watermark, fork,
/// exec) looked at: pgscan_direct.
pub static PGSCAN_DIRECT: Counter = Counter::new();
/// Pages kswapd evicted: pgsteal_kswapd.
pub static PGSTEAL_KSWAPD: Counter = Counter::new();
/// Pages direct reclaim evicted: pgsteal_direct.
pub static PGSTEAL_DIRECT: Counter = Counter::new();
/// Faults on a swap entry whose page was found in the swap cache
/// ([`super::swap_cache`]): minor faults that avoided a read.
pub static SWAP_CACHE_HITS: Counter = Counter::new();
/// Pages read ahead by major faults (besides the faulting page): swap_ra.
pub static SWAP_RA: Counter = Counter::new();
/// Write requests swap-out sent (each a cluster of consecutive slots; no
/// Linux counter): pswpout / swap_writes is the mean cluster size.
pub static SWAP_WRITE_REQUESTS: Counter = Counter::new();
/// Times reclaim (kswapd, or direct reclaim in a fault, fork or exec)
/// stopped evicting to wait for the disk because the swap write queue was
/// congested ([`super::swap::throttle`]; no Linux counter: Linux traces
/// it as mm_vmscan_throttled).
pub static RECLAIM_THROTTLED: Counter = Counter::new();
/// Evictions given up because the page's frame is shared with another
/// space and free frames were at the floor of the kernel's reserve
/// (`vmscan::eviction_floor`; no Linux counter).
pub static EVICTIONS_DEFERRED: Counter = Counter::new();
/// Most swap writes (pages) queued at once, waiting to be sent
/// ([`super::swap::queue_write`]; no Linux counter).
pub static SWAP_QUEUE_PEAK: Counter = Counter::new();

/// Who runs reclaim now: the eviction code counts its scans and steals for it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reclaimer {
    /// kswapd ([`super::kswapd`]).
    Kswapd,
    /// The allocating process or kernel path itself (direct reclaim).
    Direct,
}

/// True while kswapd's reclaim runs (it never sleeps in the middle of a
/// pass, and the kernel lock serialises passes).
static KSWAPD_RUNS: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Sets who the following scans and steals are counted for (until the next call).
pub fn set_reclaimer(r: Reclaimer) {
    KSWAPD_RUNS.store(r == Reclaimer::Kswapd, Relaxed);
}

fn kswapd_runs() -> bool {
    KSWAPD_RUNS.load(Relaxed)
}

/// Counts one page looked at by reclaim: pgscan and pgscan_kswapd or pgscan_direct.
pub fn scanned() {
    PGSCAN.inc();
    if kswapd_runs() {
        PGSCAN_KSWAPD.inc()
    } else {
        PGSCAN_DIRECT.inc()
    }
}

/// Counts one page evicted by reclaim: pgsteal and pgsteal_kswapd or pgsteal_direct.
pub fn stolen() {
    PGSTEAL.inc();
    if kswapd_runs() {
        PGSTEAL_KSWAPD.inc()
    } else {
        PGSTEAL_DIRECT.inc()
    }
}

/// The counters at one moment (Linux /proc/vmstat names in the docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmStat {
    /// pgfault counts minor and major; this is the minor part.
    pub pgfault_minor: u64,
    /// pgmajfault.
    pub pgmajfault: u64,
    /// Faults for A/D only (no Linux counter; Svade).
    pub ad_faults: u64,
    /// pgscan (kswapd + direct).
    pub pgscan: u64,
    /// pgactivate.
    pub pgactivate: u64,
    /// pgsteal (kswapd + direct).
    pub pgsteal: u64,
    /// Evictions that needed no write (clean swap-cache pages, pages of zeros).
    pub dropped_clean: u64,
    /// pswpin: pages read from swap.
    pub pswpin: u64,
    /// pswpout: pages written to swap.
    pub pswpout: u64,
    /// pgscan_kswapd.
    pub pgscan_kswapd: u64,
    /// pgscan_direct.
    pub pgscan_direct: u64,
    /// pgsteal_kswapd.
    pub pgsteal_kswapd: u64,
    /// pgsteal_direct.
    pub pgsteal_direct: u64,
    /// swap_ra: pages read ahead.
    pub swap_ra: u64,
    /// Swap write requests (clusters) sent.
    pub swap_writes: u64,
    /// pgalloc: frames allocated (all orders, counted per frame).
    pub pgalloc: u64,
    /// pgfree: frames freed (counted per frame).
    pub pgfree: u64,
    /// oom_kill: processes the OOM killer killed.
    pub oom_kill: u64,
    /// thp_fault_alloc.
    pub thp_fault_alloc: u64,
    /// thp_fault_fallback.
    pub thp_fault_fallback: u64,
    /// thp_split_page.
    pub thp_split_page: u64,
}

/// All counters now.
pub fn snapshot() -> VmStat {
    let (pswpout, pswpin, _) = super::swap::stats();
    VmStat {
        pgfault_minor: PGFAULT_MINOR.get(),
        pgmajfault: PGMAJFAULT.get(),
        ad_faults: AD_FAULTS.get(),
        pgscan: PGSCAN.get(),
        pgactivate: PGACTIVATE.get(),
        pgsteal: PGSTEAL.get(),
        dropped_clean: DROPPED_CLEAN.get(),
        pswpin,
        pswpout,
        pgscan_kswapd: PGSCAN_KSWAPD.get(),
        pgscan_direct: PGSCAN_DIRECT.get(),
        pgsteal_kswapd: PGSTEAL_KSWAPD.get(),
        pgsteal_direct: PGSTEAL_DIRECT.get(),
        swap_ra: SWAP_RA.get(),
        swap_writes: SWAP_WRITE_REQUESTS.get(),
        pgalloc: PGALLOC.get(),
        pgfree: PGFREE.get(),
        oom_kill: OOM_KILL.get(),
        thp_fault_alloc: THP_FAULT_ALLOC.get(),
        thp_fault_fallback: THP_FAULT_FALLBACK.get(),
        thp_split_page: THP_SPLIT_PAGE.get(),
    }
}
