use super::*;
use crate::bus::map::DRAM_BASE;
use crate::devices::uart::{ConsoleIn, ConsoleOut};
use crate::devices::BootRom;
use crate::hart::pmp::Pmp;

const ROOT: u64 = DRAM_BASE + 0x10_0000;
const L1: u64 = DRAM_BASE + 0x10_1000;
const L0: u64 = DRAM_BASE + 0x10_2000;

fn bus() -> Bus {
    Bus::new(4 << 20, 1, BootRom::reset_vector(0, 0), ConsoleIn::None, ConsoleOut::Buffer(Vec::new()))
}

fn leaf(pa: u64, flags: u64) -> u64 {
    ((pa >> 12) << 10) | flags | pte::V
}

fn table(pa: u64) -> u64 {
    ((pa >> 12) << 10) | pte::V
}

/// PMP entry 0 over all of memory, RWX (what a kernel sets before leaving M-mode).
static OPEN_PMP: std::sync::LazyLock<Pmp> = std::sync::LazyLock::new(|| {
    let mut p = Pmp::new();
    p.write_addr(0, u64::MAX);
    p.write_cfg(0, 0x1f);
    p
});

/// An MMU without a TLB: these tests rewrite PTEs between translations.
fn no_tlb(ad: AdPolicy) -> Mmu {
    Mmu::new(ad, TlbGeometry { entries: 0, ways: 1 })
}

fn ctx(prv: Priv, levels: u32) -> Context<'static> {
    let mode = match levels {
        3 => 8,
        4 => 9,
        _ => 10,
    };
    Context { satp: (mode << 60) | (ROOT >> 12), prv, sum: false, mxr: false, pmp: &OPEN_PMP }
}

/// VA 0x40_0000 (VPN2 = 0, VPN1 = 2, VPN0 = 0) -> a 4 KiB page at DRAM + 0x20_0000.
fn sv39_4k(bus: &mut Bus, flags: u64) {
    bus.write(ROOT, 8, table(L1)).unwrap();
    bus.write(L1 + 2 * 8, 8, table(L0)).unwrap();
    bus.write(L0, 8, leaf(DRAM_BASE + 0x20_0000, flags)).unwrap();
}

#[test]
fn sv39_4k_translation_sets_accessed_and_dirty() {
    let mut b = bus();
    sv39_4k(&mut b, pte::R | pte::W | pte::U);
    let mut mmu = no_tlb(AdPolicy::Hardware);
    let c = ctx(Priv::U, 3);
    assert_eq!(mmu.translate(&c, 0x40_0123, 8, Access::Load, &mut b), Ok(DRAM_BASE + 0x20_0123));
    assert_eq!(b.read(L0, 8).unwrap() & (pte::A | pte::D), pte::A);
    assert_eq!(mmu.translate(&c, 0x40_0008, 8, Access::Store, &mut b), Ok(DRAM_BASE + 0x20_0008));
    assert_eq!(b.read(L0, 8).unwrap() & (pte::A | pte::D), pte::A | pte::D);
    assert_eq!((mmu.stats.walks, mmu.stats.pte_reads, mmu.stats.ad_updates), (2, 6, 2));
    // Not executable: fetch faults with the VA in tval.
    assert_eq!(mmu.translate(&c, 0x40_0010, 8, Access::Fetch, &mut b), Err(Exception::InstructionPageFault(0x40_0010)));
}

#[test]
fn svade_faults_instead_of_setting_bits() {
    let mut b = bus();
    sv39_4k(&mut b, pte::R | pte::W | pte::U);
    let mut mmu = no_tlb(AdPolicy::Fault);
    let c = ctx(Priv::U, 3);
    assert_eq!(mmu.translate(&c, 0x40_0000, 8, Access::Load, &mut b), Err(Exception::LoadPageFault(0x40_0000)));
    b.write(L0, 8, leaf(DRAM_BASE + 0x20_0000, pte::R | pte::W | pte::U | pte::A)).unwrap();
    assert!(mmu.translate(&c, 0x40_0000, 8, Access::Load, &mut b).is_ok());
    assert_eq!(mmu.translate(&c, 0x40_0000, 8, Access::Store, &mut b), Err(Exception::StorePageFault(0x40_0000)));
}

#[test]
fn user_supervisor_sum_and_mxr_rules() {
    let mut b = bus();
    sv39_4k(&mut b, pte::X | pte::U | pte::A);
    let mut mmu = no_tlb(AdPolicy::Hardware);
    let va = 0x40_0000;
    let mut s = ctx(Priv::S, 3);
    // S-mode cannot touch a U page without SUM, and never executes one.
    assert!(mmu.translate(&s, va, 8, Access::Load, &mut b).is_err());
    s.sum = true;
    // Execute-only: a load needs MXR.
    assert!(mmu.translate(&s, va, 8, Access::Load, &mut b).is_err());
    s.mxr = true;
    assert!(mmu.translate(&s, va, 8, Access::Load, &mut b).is_ok());
    assert!(mmu.translate(&s, va, 8, Access::Fetch, &mut b).is_err());
    assert!(mmu.translate(&ctx(Priv::U, 3), va, 8, Access::Fetch, &mut b).is_ok());
    // A supervisor page is closed to U-mode.
    sv39_4k(&mut b, pte::R | pte::X | pte::A);
    assert_eq!(mmu.translate(&ctx(Priv::U, 3), va, 8, Access::Load, &mut b), Err(Exception::LoadPageFault(va)));
}

#[test]
fn superpages_and_misaligned_superpages() {
    let mut b = bus();
    let mut mmu = no_tlb(AdPolicy::Hardware);
    // 1 GiB gigapage at VPN2 = 2 -> PA 0x8000_0000.
    b.write(ROOT + 2 * 8, 8, leaf(DRAM_BASE, pte::R | pte::A)).unwrap();
    let c = ctx(Priv::S, 3);
    assert_eq!(mmu.translate(&c, 0x8012_3456, 8, Access::Load, &mut b), Ok(0x8012_3456));
    // 2 MiB megapage at VA 0x20_0000 -> DRAM + 0x20_0000.
    b.write(ROOT, 8, table(L1)).unwrap();
    b.write(L1 + 8, 8, leaf(DRAM_BASE + 0x20_0000, pte::R | pte::A)).unwrap();
    assert_eq!(mmu.translate(&c, 0x2f_fff8, 8, Access::Load, &mut b), Ok(DRAM_BASE + 0x2f_fff8));
    // Megapage whose PPN is not 2 MiB aligned.
    b.write(L1 + 8, 8, leaf(DRAM_BASE + 0x20_1000, pte::R | pte::A)).unwrap();
    assert_eq!(mmu.translate(&c, 0x20_0000, 8, Access::Load, &mut b), Err(Exception::LoadPageFault(0x20_0000)));
}

#[test]
fn invalid_encodings_and_non_canonical_addresses() {
    let mut b = bus();
    let mut mmu = no_tlb(AdPolicy::Hardware);
    let c = ctx(Priv::S, 3);
    b.write(ROOT, 8, leaf(DRAM_BASE, pte::W | pte::A | pte::D)).unwrap(); // W without R
    assert_eq!(mmu.translate(&c, 0x1000, 8, Access::Load, &mut b), Err(Exception::LoadPageFault(0x1000)));
    b.write(ROOT, 8, leaf(DRAM_BASE, pte::R | pte::A) | (1 << 60)).unwrap(); // reserved bit
    assert!(mmu.translate(&c, 0x1000, 8, Access::Load, &mut b).is_err());
    // Bit 38 = 0 but bit 39 set: not canonical in Sv39, fine in Sv48 (where the walk fails on V = 0).
    let va = 1u64 << 39;
    assert_eq!(mmu.translate(&c, va, 8, Access::Store, &mut b), Err(Exception::StorePageFault(va)));
    assert_eq!(mmu.stats.pte_reads, 2);
    // A PTE address with nothing behind it is an access fault.
    let bad = Context { satp: (8 << 60) | 0x10, ..c };
    assert_eq!(mmu.translate(&bad, 0x1000, 8, Access::Load, &mut b), Err(Exception::LoadAccessFault(0x1000)));
}

#[test]
fn sv48_uses_four_levels() {
    let mut b = bus();
    let mut mmu = no_tlb(AdPolicy::Hardware);
    let c = ctx(Priv::S, 4);
    // VPN3 = 1 (VA 0x80_0000_0000) -> a 1 GiB page through a level-2 table.
    b.write(ROOT + 8, 8, table(L1)).unwrap();
    b.write(L1, 8, leaf(DRAM_BASE, pte::R | pte::A)).unwrap();
    assert_eq!(mmu.translate(&c, 0x80_0000_1234, 8, Access::Load, &mut b), Ok(DRAM_BASE + 0x1234));
    // M-mode and Bare never translate.
    assert_eq!(mmu.translate(&ctx(Priv::M, 4), 0x1234, 8, Access::Load, &mut b), Ok(0x1234));
}

#[test]
fn tlb_hit_rechecks_permissions_and_never_stores_through_d_clear() {
    let mut b = bus();
    sv39_4k(&mut b, pte::R | pte::W | pte::U);
    let mut mmu = Mmu::default();
    let u = ctx(Priv::U, 3);
    assert!(mmu.translate(&u, 0x40_0000, 8, Access::Load, &mut b).is_ok()); // walk, fill with D = 0
    assert!(mmu.translate(&u, 0x40_0008, 8, Access::Load, &mut b).is_ok()); // hit
    assert_eq!((mmu.tlb.stats.hits, mmu.stats.walks), (1, 1));
    // The store cannot use the D = 0 entry: it walks and sets D.
    assert!(mmu.translate(&u, 0x40_0010, 8, Access::Store, &mut b).is_ok());
    assert_eq!(mmu.stats.walks, 2);
    assert_eq!(b.read(L0, 8).unwrap() & pte::D, pte::D);
    assert!(mmu.translate(&u, 0x40_0018, 8, Access::Store, &mut b).is_ok());
    assert_eq!(mmu.stats.walks, 2); // the refilled entry has D = 1
                                    // SUM is checked on the hit, not only when the entry was made.
    let mut s = ctx(Priv::S, 3);
    assert!(mmu.translate(&s, 0x40_0000, 8, Access::Load, &mut b).is_err());
    s.sum = true;
    assert!(mmu.translate(&s, 0x40_0000, 8, Access::Load, &mut b).is_ok());
    // Another ASID misses.
    let other = Context { satp: s.satp | (5 << 44), ..s };
    let walks = mmu.stats.walks;
    assert!(mmu.translate(&other, 0x40_0000, 8, Access::Load, &mut b).is_ok());
    assert_eq!(mmu.stats.walks, walks + 1);
}

#[test]
fn pmp_guards_pte_reads_and_final_accesses() {
    let mut b = bus();
    sv39_4k(&mut b, pte::R | pte::W | pte::U | pte::A | pte::D);
    let mut mmu = no_tlb(AdPolicy::Hardware);
    let mut pmp = Pmp::new();
    // Entry 0: NAPOT over the 4 KiB page holding the level-0 table, no permissions.
    pmp.write_addr(0, (L0 >> 2) | 0x1ff);
    // Entry 1: NAPOT over all of memory, RWX.
    pmp.write_addr(1, u64::MAX);
    pmp.write_cfg(0, 0x18 | (0x1f << 8));
    let u = Context { pmp: &pmp, ..ctx(Priv::U, 3) };
    assert_eq!(mmu.translate(&u, 0x40_0000, 8, Access::Load, &mut b), Err(Exception::LoadAccessFault(0x40_0000)));
    // The data page itself is guarded the same way.
    pmp.write_addr(0, ((DRAM_BASE + 0x20_0000) >> 2) | 0x1ff);
    let u = Context { pmp: &pmp, ..ctx(Priv::U, 3) };
    assert_eq!(mmu.translate(&u, 0x40_0000, 8, Access::Store, &mut b), Err(Exception::StoreAccessFault(0x40_0000)));
}

#[test]
fn sv57_512_gib_leaf_is_one_tlb_entry() {
    let mut b = bus();
    let mut mmu = Mmu::default();
    let c = ctx(Priv::S, 5);
    // VPN4 = 0 -> L1 table; VPN3 = 1 -> a 512 GiB leaf at PA 512 GiB.
    b.write(ROOT, 8, table(L1)).unwrap();
    b.write(L1 + 8, 8, leaf(1 << 39, pte::R | pte::A)).unwrap();
    let va = (1u64 << 39) | 0x12_3456_7890;
    assert_eq!(mmu.translate(&c, va, 8, Access::Load, &mut b), Ok((1 << 39) | 0x12_3456_7890));
    assert_eq!(mmu.translate(&c, (1 << 39) | 0x7f_ffff_fff8, 8, Access::Load, &mut b), Ok((1 << 40) - 8));
    assert_eq!((mmu.stats.walks, mmu.tlb.stats.hits), (1, 1));
    assert_eq!(mmu.tlb.valid_entries().map(|e| e.level).collect::<Vec<_>>(), [3]);
    // sfence.vma by an address anywhere inside it removes it.
    mmu.sfence(FlushScope::Va((1 << 39) | 0x40_0000_0000));
    assert_eq!(mmu.tlb.valid_entries().count(), 0);
}

/// sfence.vma by address drops from the fast TLB exactly what the TLB loses:
/// an MMU with the fast TLB and one recording events (which bypasses it) see
/// the same translations, TLB counters and walker counters at every step,
/// while PTEs are rewritten without fences (the stale translations stay
/// until the fence), a fence by one address spares the other pages, and a
/// fence by an address inside a superpage removes it.
#[test]
fn sfence_by_address_keeps_the_fast_tlb_exact() {
    const A: u64 = 0x40_0000; // 4 KiB pages A and B in table L0
    const B: u64 = 0x40_1000;
    const C: u64 = 0x60_0000; // a 2 MiB page (L1 slot 3)
    let frame = |n: u64| DRAM_BASE + 0x20_0000 + n * 0x1000;
    let mut b = bus();
    let rw = pte::R | pte::W | pte::A | pte::D;
    b.write(ROOT, 8, table(L1)).unwrap();
    b.write(L1 + 2 * 8, 8, table(L0)).unwrap();
    b.write(L0, 8, leaf(frame(0), rw)).unwrap();
    b.write(L0 + 8, 8, leaf(frame(1), rw)).unwrap();
    b.write(L1 + 3 * 8, 8, leaf(DRAM_BASE + 0x40_0000, rw)).unwrap();
    let mut hart = Hart::new(0, 0);
    hart.prv = Priv::S;
    hart.csr.satp = ctx(Priv::S, 3).satp;
    hart.csr.pmp = OPEN_PMP.clone();
    let mut oracle = Mmu::new(AdPolicy::Hardware, TlbGeometry::default());
    oracle.record = true;
    let mut mmus = [Mmu::new(AdPolicy::Hardware, TlbGeometry::default()), oracle];
    // Translate a load of `va` on both, check they agree, return the PA.
    let step = |mmus: &mut [Mmu; 2], va: u64, b: &mut Bus| {
        let [fast, oracle] = mmus;
        let want = oracle.translate_for(&hart, va, 8, Access::Load, b);
        let got = fast.translate_for(&hart, va, 8, Access::Load, b);
        assert_eq!(got, want, "translation of {va:#x}");
        assert_eq!(fast.tlb.stats, oracle.tlb.stats);
        assert_eq!((fast.stats.walks, fast.stats.pte_reads), (oracle.stats.walks, oracle.stats.pte_reads));
        got.unwrap()
    };
    let fence = |mmus: &mut [Mmu; 2], scope: FlushScope| mmus.iter_mut().for_each(|m| m.sfence(scope));
    for va in [A, B, C + 0x1008, A + 8, B + 16, C + 0x2000] {
        step(&mut mmus, va, &mut b);
    }
    // Remap A, B and C without a fence: the TLB (and so the fast TLB) keeps
    // the old translations.
    b.write(L0, 8, leaf(frame(2), rw)).unwrap();
    b.write(L0 + 8, 8, leaf(frame(3), rw)).unwrap();
    b.write(L1 + 3 * 8, 8, leaf(DRAM_BASE + 0x60_0000, rw)).unwrap();
    assert_eq!(
        (step(&mut mmus, A, &mut b), step(&mut mmus, B, &mut b), step(&mut mmus, C, &mut b)),
        (frame(0), frame(1), DRAM_BASE + 0x40_0000)
    );
    fence(&mut mmus, FlushScope::Va(A + 0x10));
    assert_eq!(
        (step(&mut mmus, A, &mut b), step(&mut mmus, B, &mut b), step(&mut mmus, C, &mut b)),
        (frame(2), frame(1), DRAM_BASE + 0x40_0000)
    );
    fence(&mut mmus, FlushScope::VaAsid(B, 0));
    assert_eq!((step(&mut mmus, B, &mut b), step(&mut mmus, C + 0x1000, &mut b)), (frame(3), DRAM_BASE + 0x40_1000));
    fence(&mut mmus, FlushScope::Va(C + 0x1f_f000));
    assert_eq!((step(&mut mmus, C + 0x1000, &mut b), step(&mut mmus, A, &mut b)), (DRAM_BASE + 0x60_1000, frame(2)));
    assert_eq!(mmus[0].tlb.stats.flushed_entries, 3);
}
