//! virtio-blk on the whole board: a bare-metal driver writes sectors
//! (directly and through an indirect table), flushes, reads back, asks for
//! the serial and reads past the end, on svemu and on QEMU; both consoles
//! and both image files must be identical, and the image must hold exactly
//! the bytes written.

use std::path::{Path, PathBuf};

use svemu::board::{self, BoardConfig, BoardError};
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::machine::Exit;
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu::trace::Tracer;
use svemu_tests::{bare, qemu_disk_args, run_qemu, run_svemu, RunOptions};

const DISK_SIZE: usize = 1 << 20;

fn blank_image(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, vec![0u8; DISK_SIZE]).unwrap();
    p
}

/// What the driver program writes: sectors 1-2 = 7i + 3, sector 5 = 0xa5.
fn expected_image() -> Vec<u8> {
    let mut img = vec![0u8; DISK_SIZE];
    for i in 0..1024 {
        img[512 + i] = (7 * i + 3) as u8;
    }
    img[5 * 512..6 * 512].fill(0xa5);
    img
}

#[test]
fn driver_writes_reach_the_image_as_on_qemu() {
    let dir = std::env::temp_dir().join(format!("svemu-blk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kernel = bare("virtio_blk");
    let ours = blank_image(&dir, "svemu.img");
    let run = run_svemu(&RunOptions { drives: std::slice::from_ref(&ours), ..RunOptions::new(&kernel) });
    assert_eq!(run.exit, Exit::PowerOff(0), "console: {}", run.console);
    assert_eq!(
        run.console,
        "capacity 0x800 sectors, blk_size 0x200\nstatus: 0 0 0 0 0 1 \nserial: svemu-disk0\ninterrupts: 0x6\n"
    );
    assert!(std::fs::read(&ours).unwrap() == expected_image(), "the image holds exactly the bytes written");

    // QEMU attaches a -device to the last free slot unless told the bus: slot 0 is virtio-mmio-bus.0.
    let theirs = blank_image(&dir, "qemu.img");
    let disk_args = qemu_disk_args(&theirs, ",serial=svemu-disk0");
    let (qemu, status) = run_qemu(&kernel, "128M", &disk_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((status, qemu.as_str()), (0, run.console.as_str()));
    assert!(std::fs::read(&theirs).unwrap() == expected_image(), "QEMU wrote the same bytes");
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 17, item 1: a driver that negotiates only the low 32 feature
/// bits (no VIRTIO_F_VERSION_1) on the modern transport gets FEATURES_OK
/// and the same service on svemu as on QEMU 7.2.
#[test]
fn a_driver_without_version_1_is_served_as_on_qemu() {
    let dir = std::env::temp_dir().join(format!("svemu-virtio-no-v1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kernel = bare("virtio_blk_no_v1");
    let expected =
        "capacity 0x800 sectors, blk_size 0x200\nstatus: 0 0 0 0 0 1 \nserial: svemu-disk0\ninterrupts: 0x6\n";
    for harts in [1, 3] {
        let ours = blank_image(&dir, "svemu.img");
        let run = run_svemu(&RunOptions { harts, drives: std::slice::from_ref(&ours), ..RunOptions::new(&kernel) });
        assert_eq!((run.exit, run.console.as_str()), (Exit::PowerOff(0), expected), "{harts} harts");
        assert!(std::fs::read(&ours).unwrap() == expected_image());
        let theirs = blank_image(&dir, "qemu.img");
        let mut args = qemu_disk_args(&theirs, ",serial=svemu-disk0");
        args.extend(["-smp".into(), harts.to_string()]);
        let (qemu, status) = run_qemu(&kernel, "128M", &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!((status, qemu.as_str()), (0, expected), "QEMU, {harts} harts");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The virtio_blk program's board with `drive` as its disk, image locking on.
fn config_with_drive(drive: &Path) -> BoardConfig {
    BoardConfig {
        bios: None,
        kernel: Some(bare("virtio_blk")),
        initrd: None,
        append: None,
        ram_size: 128 << 20,
        harts: 1,
        drives: vec![drive.to_owned()],
        drive_locking: true,
        disk_latency: svemu::devices::virtio::blk::DiskLatency::DEFAULT,
        ad_policy: AdPolicy::Hardware,
        tlb: TlbGeometry::default(),
        console_in: ConsoleIn::None,
        console_out: ConsoleOut::Buffer(Vec::new()),
        tracer: Tracer::off(),
    }
}

fn build_with_drive(drive: &Path) -> Result<(), BoardError> {
    board::build(config_with_drive(drive)).map(|_| ())
}

#[test]
fn unusable_images_are_one_clear_error_before_the_guest_starts() {
    let missing = Path::new("/nonexistent/disk.img");
    let e = build_with_drive(missing).unwrap_err().to_string();
    assert!(e.starts_with("cannot use disk image '/nonexistent/disk.img': "), "{e}");
    // A directory cannot be opened for writing, even by root.
    let e = build_with_drive(&std::env::temp_dir()).unwrap_err().to_string();
    assert!(e.contains("cannot use disk image") && e.to_lowercase().contains("directory"), "{e}");
}

/// svemu locks an image with QEMU's lock bytes: while a QEMU uses it,
/// svemu refuses it with one line; while svemu holds it, QEMU refuses it
/// with its own lock error.
#[test]
fn svemu_and_qemu_see_each_others_image_locks() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let dir = std::env::temp_dir().join(format!("svemu-blk-lock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let disk = blank_image(&dir, "shared.img");
    // QEMU itself (not under `timeout`, so that killing the child kills it),
    // or, when it should refuse to start, under `timeout` in case it does not.
    let qemu = |disk: &Path, timeout: bool| {
        let mut c = Command::new(if timeout { "timeout" } else { "qemu-system-riscv64" });
        if timeout {
            c.args(["60", "qemu-system-riscv64"]);
        }
        c.args(["-machine", "virt", "-bios", "none", "-nographic", "-monitor", "none"])
            .args(["-serial", "null", "-kernel"])
            // htif_hello waits for HTIF's answer forever on QEMU's virt board.
            .arg(bare("htif_hello"))
            .args(qemu_disk_args(disk, ""))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    };

    // QEMU first.
    /// Kills and reaps its QEMU when dropped, also when an assertion fails.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let running = Running(qemu(&disk, false).spawn().expect("QEMU runs"));
    let start = Instant::now();
    while !svemu::devices::virtio::lock::in_use(&std::fs::File::open(&disk).unwrap()).unwrap() {
        assert!(start.elapsed() < Duration::from_secs(30), "QEMU never locked the image");
        std::thread::sleep(Duration::from_millis(20));
    }
    let e = build_with_drive(&disk).unwrap_err().to_string();
    assert!(e.contains("it is locked: another process (svemu or QEMU)") && !e.contains('\n'), "{e}");
    drop(running);

    // svemu first: the board holds the image until it is dropped.
    let board = board::build(config_with_drive(&disk)).expect("the image is free again");
    let out = qemu(&disk, true).output().expect("QEMU runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Failed to get \"write\" lock"), "{err}");
    drop(board);
    std::fs::remove_dir_all(&dir).ok();
}
