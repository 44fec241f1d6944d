//! svemu's accelerators change nothing a guest or a user can observe: the
//! fast TLB (in front of the architectural TLB and PMP), the decode cache,
//! the decoded-page cache and the run loop's bursts of unchecked
//! instructions.
//!
//! The oracle is the same run with the accelerators out of the way: while an
//! MMU records events (as the `mmu`, `tlb` and `pte` traces make it), every
//! translation goes through the architectural TLB; with `Machine::bursts`
//! off, the run loop checks interrupts, time, devices and the instruction
//! limit before every instruction; with `Machine::decoded_pages` off, every
//! fetch reads the instruction from memory. Both runs must stop the
//! same way after the same instructions with the same console, registers,
//! TLB statistics (lookups, hits, misses, evictions, flushes) and walker
//! counters (walks, PTE reads, A/D updates, faults).

use svemu::board::{self, BoardConfig};
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::machine::Exit;
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu::trace::Tracer;
use svemu_tests::{bare, parse_memory, svos_image};

/// What a run leaves behind that the fast paths must not change.
#[derive(Debug, PartialEq)]
struct Outcome {
    exit: Exit,
    instructions: u64,
    traps: u64,
    console: Vec<u8>,
    /// Per hart: pc, x registers, TLB stats, walks, PTE reads, A/D updates, faults.
    harts: Vec<(u64, [u64; 32], svemu::mmu::tlb::TlbStats, [u64; 4])>,
}

fn run(config: impl Fn() -> BoardConfig, max: u64, reference: bool) -> Outcome {
    let mut m = board::build(config()).expect("board builds");
    m.max_instructions = Some(max);
    if reference {
        for mmu in &mut m.mmus {
            mmu.record = true;
        }
        m.bursts = false;
        m.decoded_pages = false;
    }
    let exit = m.run();
    let harts = m
        .harts
        .iter()
        .zip(&m.mmus)
        .map(|(h, mmu)| {
            let s = mmu.stats;
            (h.pc, h.x, mmu.tlb.stats, [s.walks, s.pte_reads, s.ad_updates, s.faults])
        })
        .collect();
    Outcome {
        exit,
        instructions: m.stats.instructions,
        traps: m.stats.traps,
        console: m.bus.uart.output().expect("buffered console").to_vec(),
        harts,
    }
}

fn config(kernel: std::path::PathBuf, ad_policy: AdPolicy, tlb: TlbGeometry) -> BoardConfig {
    BoardConfig {
        bios: None,
        kernel: Some(kernel),
        initrd: None,
        append: None,
        ram_size: 128 << 20,
        harts: 1,
        drives: Vec::new(),
        drive_locking: true,
        disk_latency: svemu::devices::virtio::blk::DiskLatency::DEFAULT,
        ad_policy,
        tlb,
        console_in: ConsoleIn::Script(Default::default()),
        console_out: ConsoleOut::Buffer(Vec::new()),
        tracer: Tracer::off(),
    }
}

/// Run twice, with the accelerators and without; returns the outcome.
fn same_with_and_without_fast_tlb(what: &str, config: impl Fn() -> BoardConfig, max: u64) -> Outcome {
    let fast = run(&config, max, false);
    let reference = run(&config, max, true);
    assert_eq!(fast, reference, "{what}: the accelerators changed the run");
    fast
}

#[test]
fn privileged_programs_under_every_ad_policy_and_tlb_geometry() {
    let programs = [
        "priv_faults",
        "priv_sv39",
        "priv_sv48",
        "priv_ad",
        "priv_sfence",
        "priv_pmp",
        "priv_deleg",
        "isa_smc",
        "isa_code_writes",
        "priv_code_remap",
        "priv_tlb_conflict",
    ];
    let geometries = [TlbGeometry::default(), TlbGeometry { entries: 2, ways: 1 }, TlbGeometry { entries: 0, ways: 1 }];
    for name in programs {
        for ad in [AdPolicy::Hardware, AdPolicy::Fault] {
            for tlb in geometries {
                let what = format!("{name} {ad:?} {tlb:?}");
                let r = same_with_and_without_fast_tlb(&what, || config(bare(name), ad, tlb), 1_000_000);
                assert_eq!(r.exit, Exit::PowerOff(0), "{what}");
            }
        }
    }
}

#[test]
fn tlb_stride_workloads() {
    // The first 3 million instructions: page-table set-up, then strides
    // that miss the TLB on nearly every access, with and without sfence.vma.
    for name in ["bench_tlb_sv39", "bench_tlb_sv39_sfence", "bench_tlb_sv48_sfence"] {
        let cfg = || config(bare(name), AdPolicy::Hardware, TlbGeometry::default());
        same_with_and_without_fast_tlb(name, cfg, 3_000_000);
    }
}

#[test]
fn ordinary_code_workloads() {
    // The first 3 million instructions of the integer workloads: straight
    // runs of instructions served slot after slot, jumps and branches
    // within a page and across pages, loads and stores on the data memo.
    for name in ["bench_coremark", "bench_intloop", "bench_intmix", "bench_memcopy"] {
        let cfg = || config(bare(name), AdPolicy::Hardware, TlbGeometry::default());
        same_with_and_without_fast_tlb(name, cfg, 3_000_000);
    }
}

/// The svos demo on `harts` harts (its first 100 M instructions), run with
/// the accelerators and without; returns the exit.
fn svos_demo(harts: usize) -> Exit {
    let img = svos_image();
    let cfg = || BoardConfig {
        initrd: Some(img.initrd.clone()),
        append: Some(img.append.clone()),
        ram_size: parse_memory(&img.memory),
        harts,
        ..config(img.kernel.clone(), AdPolicy::Hardware, TlbGeometry::default())
    };
    let what = format!("svos on {harts} harts");
    same_with_and_without_fast_tlb(&what, cfg, 100_000_000).exit
}

#[test]
fn svos_boot_and_demo() {
    assert_eq!(svos_demo(1), Exit::PowerOff(0));
}

#[test]
fn svos_boot_and_demo_on_4_harts() {
    // IPIs and timer interrupts between harts, and the harts' turns, must
    // fall at the same instructions with bursts as without (harts waiting
    // for svos's kernel lock sleep in WFI until an IPI hands it over, so the
    // whole demo fits in 100 M instructions on 4 harts).
    assert_eq!(svos_demo(4), Exit::PowerOff(0));
}
