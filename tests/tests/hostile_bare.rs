//! The bare-metal attack suite (issue 11): guests that abuse each device
//! (tests/bare/hostile_*.S) must leave svemu running, with the outcome QEMU
//! gives where QEMU's behaviour is comparable.

use std::path::PathBuf;

use svemu::machine::Exit;
use svemu_tests::{bare, qemu_disk_args, run_qemu, run_svemu, DiskLatency, RunOptions};

fn image(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("svemu-hostile-bare-{}-{name}.img", std::process::id()));
    std::fs::write(&p, vec![0u8; 1 << 20]).unwrap();
    p
}

/// The virtio-blk ring rules broken one at a time (see hostile_virtio.S for
/// the letters): each makes the device ask for a reset, and after a reset
/// it reads a sector again. With 4 GiB of RAM the 0xfffffff0-byte buffer
/// from RAM's base is RAM (the request then fails with IOERR only), and
/// the 3 GiB buffer ending at 2^64 is still not.
#[test]
fn virtio_blk_survives_every_broken_ring_rule() {
    let kernel = bare("hostile_virtio");
    let expected = |h: char| format!("L1 I1 O1 H{h} T1 W1 R1 N1 X1 A1 read 0\n");
    for (memory, h) in [(128u64 << 20, '1'), (4 << 30, '0')] {
        let disk = image(&format!("virtio-{memory}"));
        // Latency 0: the rules, not the timing. At the default per-KiB
        // latency the 3 and 4 GiB buffers (H, W) would complete seconds of
        // machine time later, past the guest's wait for an answer.
        let disk_latency = DiskLatency { per_request: 0, per_kib: 0 };
        let run = run_svemu(&RunOptions {
            memory,
            drives: std::slice::from_ref(&disk),
            disk_latency,
            ..RunOptions::new(&kernel)
        });
        assert_eq!((run.exit, run.console.as_str()), (Exit::PowerOff(0), expected(h).as_str()), "{memory} bytes");
        std::fs::remove_file(&disk).ok();
    }
    // QEMU 7.2 gives the same answers, except for the buffer outside RAM
    // (O): it reads into its bounce buffer, writes nothing, and completes.
    let disk = image("virtio-qemu");
    let args = qemu_disk_args(&disk, "");
    let (console, status) = run_qemu(&kernel, "128M", &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((status, console.replace("O0", "O1")), (0, expected('1')));
    std::fs::remove_file(&disk).ok();
}

/// Out-of-range registers, odd values and holes in the address map: the
/// program checks each result and passes on svemu and on QEMU.
#[test]
fn device_registers_out_of_range_pass_as_on_qemu() {
    let kernel = bare("hostile_mmio");
    let run = run_svemu(&RunOptions { max_instructions: Some(1_000_000), ..RunOptions::new(&kernel) });
    assert_eq!(run.exit, Exit::PowerOff(0), "check {:?} failed on svemu", run.exit);
    let (_, status) = run_qemu(&kernel, "128M", &[]);
    assert_eq!(status, 0, "check {status} failed on QEMU");
}

/// HTIF system calls with buffers past 2^64 and lengths of 2^64 - 1 get
/// -EFAULT, unknown ones -ENOSYS or -EBADF, unknown devices are dropped;
/// with 128 MiB and with 4 GiB of RAM (where svemu used to panic).
#[test]
fn htif_garbage_gets_errors_not_a_panic() {
    let kernel = bare("hostile_htif");
    for memory in [128u64 << 20, 4 << 30] {
        let run = run_svemu(&RunOptions { memory, max_instructions: Some(1_000_000), ..RunOptions::new(&kernel) });
        assert_eq!((run.exit, run.console.as_str()), (Exit::PowerOff(3), "k\nhtif ok\n"), "{memory} bytes");
    }
}
