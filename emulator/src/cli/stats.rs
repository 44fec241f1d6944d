//! The per-hart MMU line of `--stats`.

use svemu::mmu::Mmu;

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
