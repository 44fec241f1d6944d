//! Writes into code that has already run are seen by the next fetch, on
//! svemu (which caches decoded instructions per physical page) and, where
//! the architecture promises it, on QEMU: stores, AMOs and SC into code,
//! a 32-bit instruction straddling two pages, and a code page remapped
//! with sfence.vma.

use svemu::machine::Exit;
use svemu_tests::{bare, qemu_disk_args, run_qemu, run_svemu, RunOptions};

fn passes_on_svemu(name: &str) {
    let elf = bare(name);
    let run = run_svemu(&RunOptions { max_instructions: Some(1_000_000), ..RunOptions::new(&elf) });
    assert_eq!(run.exit, Exit::PowerOff(0), "{name} on svemu: check {:?} failed", run.exit);
}

#[test]
fn stores_amos_and_sc_into_code_and_a_straddling_instruction() {
    // Not on QEMU: check 1 rewrites the next instruction without fence.i.
    passes_on_svemu("isa_code_writes");
}

#[test]
fn a_code_page_remapped_with_sfence_vma() {
    passes_on_svemu("priv_code_remap");
    let (console, status) = run_qemu(&bare("priv_code_remap"), "128M", &[]);
    assert_eq!(status, 0, "priv_code_remap on QEMU: check {status} failed (console: {console})");
}

#[test]
fn virtio_dma_into_a_code_page() {
    // Sector 0 holds `addi a0, zero, 42; ret`.
    let dir = std::env::temp_dir().join(format!("svemu-code-dma-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut image = vec![0u8; 1 << 20];
    image[..8].copy_from_slice(&[0x13, 0x05, 0xa0, 0x02, 0x67, 0x80, 0x00, 0x00]);
    let disk = dir.join("code.img");
    std::fs::write(&disk, &image).unwrap();
    let elf = bare("virtio_code");
    let run = run_svemu(&RunOptions {
        drives: std::slice::from_ref(&disk),
        max_instructions: Some(1_000_000),
        ..RunOptions::new(&elf)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "virtio_code on svemu: check {:?} failed", run.exit);
    let disk_args = qemu_disk_args(&disk, "");
    let (console, status) = run_qemu(&elf, "128M", &disk_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(status, 0, "virtio_code on QEMU: check {status} failed (console: {console})");
    std::fs::remove_dir_all(&dir).ok();
}
