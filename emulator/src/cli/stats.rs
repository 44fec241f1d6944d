//! The per-hart MMU lines and the memory line of `--stats`.

use svemu::devices::ram::Ram;
use svemu::mmu::Mmu;
use svemu::stats::HartStats;

/// One line of TLB and walker counters for hart `i`, e.g.
/// `svemu: hart 0 tlb 64x4: 1000 lookups, 990 hits (99.00%), 10 misses, ...`.
pub fn mmu_line(i: usize, mmu: &Mmu) -> String {
    let t = &mmu.tlb.stats;
    let g = mmu.tlb.geometry();
    let pct = if t.lookups == 0 { 0.0 } else { 100.0 * t.hits as f64 / t.lookups as f64 };
    format!(
        "svemu: hart {i} tlb {} entries {}-way: {} lookups, {} hits ({pct:.2}%), {} misses, {} evictions; \
         {} walks, {} PTE reads, {} A/D updates, {} faults; sfence.vma: {} all, {} by asid, {} by va, {} by va+asid ({} entries removed)",
        g.entries,
        g.ways,
        t.lookups,
        t.hits,
        t.misses,
        t.evictions,
        mmu.stats.walks,
        mmu.stats.pte_reads,
        mmu.stats.ad_updates,
        mmu.stats.faults,
        t.flush_all,
        t.flush_asid,
        t.flush_va,
        t.flush_va_asid,
        t.flushed_entries
    )
}

/// One line of instructions by privilege and traps for one hart, e.g.
/// `svemu: hart 0 instructions: U 1000, S 200, M 30; traps from U 5, S 0, M 1; page faults: fetch 1, load 2, store 3`.
pub fn priv_line(h: &HartStats) -> String {
    let (i, t, p) = (&h.instructions_by_priv, &h.traps_by_priv, &h.page_faults);
    format!(
        "svemu: hart {} instructions: U {}, S {}, M {}; traps from U {}, S {}, M {}; page faults: fetch {}, load {}, store {}",
        h.hart, i.U, i.S, i.M, t.U, t.S, t.M, p.fetch, p.load, p.store
    )
}

/// The memory line of `--stats`: the host process's peak resident set
/// (`getrusage(2)` `ru_maxrss`) and how much of the guest RAM is resident on
/// the host ([`Ram::resident_bytes`]), both in KiB, e.g.
/// `svemu: memory: host peak RSS 3480 KiB, guest RAM resident 212 KiB of 131072 KiB`.
/// A figure the host cannot give is printed as `?`.
pub fn memory_line(ram: &Ram) -> String {
    let kib = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |b| (b / 1024).to_string());
    format!(
        "svemu: memory: host peak RSS {} KiB, guest RAM resident {} KiB of {} KiB",
        kib(peak_rss_bytes()),
        kib(ram.resident_bytes()),
        ram.size() / 1024
    )
}

/// Peak resident set size of this process in bytes, or `None` when
/// `getrusage` fails.
fn peak_rss_bytes() -> Option<u64> {
    // SAFETY: getrusage writes one `rusage` into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    // Linux reports ru_maxrss in KiB.
    (r == 0).then(|| u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024)
}
