//! Property tests of svemu against hostile input (issue 11): randomly
//! mutated ELF kernels are refused with one error line or run, and random
//! abuse of every device through the bus never panics. The cases come from
//! a fixed seed, so every run tries the same ones; `make fuzz` runs the
//! same attacks for as long as you like (see `svemu_tests::hostile`).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use svemu::machine::Exit;
use svemu_tests::bare;
use svemu_tests::hostile::{abuse_devices, edge_values, mutate, run_image, Mutation, Outcome};

/// The kernels mutated: an HTIF program, a virtio-blk driver, an Sv39 test.
const BASES: [&str; 3] = ["htif_hello", "virtio_blk", "priv_sv39"];

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(11), ..Config::default() }
}

fn mutation(ram: u64) -> impl Strategy<Value = Mutation> {
    let value = prop_oneof![any::<u64>(), prop::sample::select(edge_values(ram))];
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Byte { at, value }),
        2 => (any::<usize>(), value.clone()).prop_map(|(field, value)| Mutation::Header { field, value }),
        3 => (0..8usize, any::<usize>(), value.clone()).prop_map(|(index, field, value)| Mutation::Program { index, field, value }),
        2 => (0..8usize, value.clone(), value.clone()).prop_map(|(index, paddr, memsz)| Mutation::Place { index, paddr, memsz }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        1 => (0..4096usize).prop_map(|len| Mutation::Append { len }),
    ]
}

proptest! {
    #![proptest_config(config(400))]

    /// A mutated kernel, in 128 MiB or (for lengths that pass 2^64) 4 GiB
    /// of RAM, is refused with one line or runs; svemu never panics.
    #[test]
    fn mutated_elfs_are_refused_or_run_never_panic(
        base in 0..BASES.len(),
        big_ram in prop::bool::weighted(0.25),
        mutations in prop::collection::vec(mutation(128 << 20), 1..8),
    ) {
        let ram = if big_ram { 4 << 30 } else { 128 << 20 };
        let bytes = mutate(&std::fs::read(bare(BASES[base])).unwrap(), &mutations);
        let outcome = run_image(&bytes, ram, 20_000);
        prop_assert!(outcome.is_ok(), "{:?}: {:?}", mutations, outcome);
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// A segment placed at any edge address with any edge size, in 4 GiB of
    /// RAM (more than 2 GiB: a size can exceed the distance from RAM's base
    /// to 2^64), is loaded or refused; never a panic.
    #[test]
    fn segments_at_edge_addresses_in_4_gib_are_loaded_or_refused(
        base in 0..BASES.len(),
        index in 0..4usize,
        paddr in prop::sample::select(edge_values(4 << 30)),
        memsz in prop::sample::select(edge_values(4 << 30)),
    ) {
        // Segments of more than 64 MiB inside RAM are legal and load, but
        // zeroing gigabytes would only make the test slow.
        let dram = svemu::bus::map::DRAM_BASE;
        let inside = paddr >= dram && paddr.checked_add(memsz).is_some_and(|end| end <= dram + (4 << 30));
        prop_assume!(!inside || memsz <= 64 << 20);
        let bytes = mutate(&std::fs::read(bare(BASES[base])).unwrap(), &[Mutation::Place { index, paddr, memsz }]);
        let outcome = run_image(&bytes, 4 << 30, 1000);
        prop_assert!(outcome.is_ok(), "segment {} at {:#x}, {:#x} bytes: {:?}", index, paddr, memsz, outcome);
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// Random device abuse from a random seed never panics svemu.
    #[test]
    fn device_abuse_never_panics(seed in any::<u64>()) {
        let image = std::env::temp_dir().join(format!("svemu-hostile-{}-{seed}.img", std::process::id()));
        std::fs::write(&image, vec![0u8; 64 << 10]).unwrap();
        let outcome = abuse_devices(seed, &image);
        std::fs::remove_file(&image).ok();
        prop_assert_eq!(outcome, Ok(Outcome::Survived), "seed {}", seed);
    }
}

/// The mutations are not all refused at the door: some mutated kernels
/// load and run (else the property above would test only the parser).
#[test]
fn some_mutated_kernels_still_run() {
    let base = std::fs::read(bare("htif_hello")).unwrap();
    let mut ran = 0;
    let mut rng = svemu_tests::diff::Rng::new(7);
    for _ in 0..100 {
        let m = svemu_tests::hostile::random_mutations(&mut rng, 1, 128 << 20);
        if let Ok(Outcome::Ran(exit)) = run_image(&mutate(&base, &m), 128 << 20, 20_000) {
            ran += 1;
            assert!(!matches!(exit, Exit::TraceWriteError { .. }));
        }
    }
    assert!(ran >= 20, "only {ran} of 100 single mutations ran");
}
