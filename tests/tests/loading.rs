//! Loading like QEMU: a firmware (--bios) gets a0 = hart id, a1 = the DTB
//! and a2 = fw_dynamic_info naming the kernel's entry; a raw kernel binary
//! goes at the first 2 MiB boundary after the firmware. The same pair runs
//! on QEMU.

use svemu::machine::Exit;
use svemu_tests::{bare, run_svemu, RunOptions};

/// A raw kernel: power off through sifive_test.
const RAW_KERNEL: [u32; 4] = [
    0x0010_02b7, // lui  t0, 0x100
    0x0000_5337, // lui  t1, 0x5
    0x5553_0313, // addi t1, t1, 0x555
    0x0062_a023, // sw   t1, 0(t0)
];

#[test]
fn firmware_hands_over_to_a_raw_kernel_at_the_next_2_mib_boundary() {
    let dir = std::env::temp_dir().join(format!("svemu-loading-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kernel = dir.join("kernel.bin");
    std::fs::write(&kernel, RAW_KERNEL.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    let bios = bare("fw_dynamic");
    // The firmware ELF ends below 0x8020_0000, so the kernel goes there.
    let expected = "fw_dynamic next_addr 0x0000000080200000\n";
    for harts in [1, 2] {
        let run =
            run_svemu(&RunOptions { bios: Some(&bios), kernel: Some(&kernel), harts, ..RunOptions::new(&kernel) });
        assert_eq!((run.exit, run.console.as_str()), (Exit::PowerOff(0), expected), "{harts} harts");
    }
    let out = std::process::Command::new("timeout")
        .args(["60", "qemu-system-riscv64", "-machine", "virt", "-smp", "2", "-nographic", "-monitor", "none"])
        .args(["-serial", "stdio", "-bios"])
        .arg(&bios)
        .arg("-kernel")
        .arg(&kernel)
        .output()
        .expect("QEMU runs");
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).as_ref()), (Some(0), expected));
    std::fs::remove_dir_all(&dir).ok();
}
