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

fn build_with_drive(drive: &Path) -> Result<(), BoardError> {
    board::build(BoardConfig {
        bios: None,
        kernel: Some(bare("virtio_blk")),
        initrd: None,
        append: None,
        ram_size: 128 << 20,
        harts: 1,
        drives: vec![drive.to_owned()],
        drive_locking: true,
        ad_policy: AdPolicy::Hardware,
        tlb: TlbGeometry::default(),
        console_in: ConsoleIn::None,
        console_out: ConsoleOut::Buffer(Vec::new()),
        tracer: Tracer::off(),
    })
    .map(|_| ())
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
