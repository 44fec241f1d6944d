//! svos (the `make run` image) under the MMU's options: both A/D policies
//! and several TLB geometries print the same console (Svade's CPU times
//! aside), and the TLB does
//! cache (svos never sees a difference, only the counters do).

use svemu::machine::Exit;
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu_tests::{mask_cpu_times, parse_memory, run_svemu, svos_image, Run, RunOptions};

fn svos(ad: AdPolicy, tlb: TlbGeometry) -> Run {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(&img.append),
        memory: parse_memory(&img.memory),
        ad_policy: ad,
        tlb,
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{ad:?} {tlb:?}: console:\n{}", run.console);
    run
}

#[test]
fn same_console_under_both_ad_policies_and_any_tlb() {
    let base = svos(AdPolicy::Hardware, TlbGeometry::default());
    // svos maps user pages with A and D clear: under Svade the hart faults
    // and svos sets them itself, so the console is the same (but for the
    // CPU times vmstat shows: those faults are system time) and the run is
    // longer by those faults.
    let svade = svos(AdPolicy::Fault, TlbGeometry::default());
    assert_eq!(mask_cpu_times(&svade.console), mask_cpu_times(&base.console));
    assert!(svade.instructions > base.instructions, "Svade {} vs Svadu {}", svade.instructions, base.instructions);
    for tlb in [TlbGeometry { entries: 0, ways: 1 }, TlbGeometry { entries: 8, ways: 1 }] {
        let r = svos(AdPolicy::Hardware, tlb);
        assert_eq!(r.console, base.console, "{tlb:?}");
        assert_eq!(r.instructions, base.instructions, "{tlb:?}");
    }
}

#[test]
fn the_tlb_caches_and_its_counters_add_up() {
    let r = svos(AdPolicy::Hardware, TlbGeometry::default());
    let t = r.tlb;
    assert_eq!(t.hits + t.misses, t.lookups);
    assert!(r.mmu.walks >= t.misses, "every miss walks: {t:?}");
    assert!(t.hits * 100 > t.lookups * 99, "hit rate under 99%: {t:?}");
    assert!(t.flush_va > 0 && t.flush_all > 0, "svos fences by address and globally: {t:?}");
    let none = svos(AdPolicy::Hardware, TlbGeometry { entries: 0, ways: 1 });
    assert_eq!((none.tlb.hits, none.mmu.walks), (0, none.tlb.lookups));
    assert!(none.mmu.pte_reads > 2 * r.mmu.pte_reads);
}
