//! The `svemu` command on bad input: one clear error line and a non-zero
//! exit, never a panic. And a guest that jumps into nowhere, or executes
//! something svemu does not implement.

mod common;

use common::{assert_clean_error, stderr, svemu, temp_file, tiny_elf, POWER_OFF};

#[test]
fn a_minimal_elf_runs_and_powers_off() {
    let k = temp_file("ok.elf", &tiny_elf(&POWER_OFF));
    let o = svemu(&["run", "--kernel", k.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
}

#[test]
fn missing_kernel_file() {
    let o = svemu(&["run", "--kernel", "/nonexistent/kernel.elf"]);
    assert_clean_error(&o, 1, "cannot read kernel '/nonexistent/kernel.elf'");
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn not_an_elf() {
    let k = temp_file("text.elf", b"this is not an ELF file\n");
    assert_clean_error(&svemu(&["run", "--kernel", k.to_str().unwrap()]), 1, "not a valid ELF file");
}

#[test]
fn truncated_elf() {
    let elf = tiny_elf(&POWER_OFF);
    for cut in [10, 64, 100, elf.len() - 4] {
        let k = temp_file(&format!("cut{cut}.elf"), &elf[..cut]);
        let o = svemu(&["run", "--kernel", k.to_str().unwrap()]);
        assert_clean_error(&o, 1, "cannot load kernel");
    }
}

#[test]
fn elf_for_another_machine() {
    // The svemu binary itself: an ELF, but for the host.
    let o = svemu(&["run", "--kernel", env!("CARGO_BIN_EXE_svemu")]);
    assert_clean_error(&o, 1, "not a 64-bit little-endian RISC-V ELF");
}

#[test]
fn missing_initrd() {
    let k = temp_file("ok2.elf", &tiny_elf(&POWER_OFF));
    let o = svemu(&["run", "--kernel", k.to_str().unwrap(), "--initrd", "/nonexistent/initrd"]);
    assert_clean_error(&o, 1, "cannot read initrd");
}

#[test]
fn bad_memory_sizes() {
    let k = temp_file("ok3.elf", &tiny_elf(&POWER_OFF));
    let k = k.to_str().unwrap();
    assert_clean_error(&svemu(&["run", "--kernel", k, "-m", "12X"]), 2, "unknown size suffix");
    assert_clean_error(&svemu(&["run", "--kernel", k, "-m", "lots"]), 2, "is not a size");
    assert_clean_error(&svemu(&["run", "--kernel", k, "-m", "1M"]), 1, "RAM size");
    assert_clean_error(&svemu(&["run", "--kernel", k, "-m", "100G"]), 1, "RAM size");
}

#[test]
fn bad_flags() {
    assert_clean_error(&svemu(&["run", "--kernel", "x", "--trace", "everything"]), 2, "unknown trace category");
    assert_clean_error(&svemu(&["run"]), 2, "--kernel");
    assert_clean_error(&svemu(&["fly"]), 2, "unrecognized subcommand");
}

#[test]
fn guest_jumping_into_nowhere_is_reported() {
    // jalr zero, 0(zero): jump to address 0, where nothing is mapped; mtvec is 0 too.
    let k = temp_file("nowhere.elf", &tiny_elf(&[0x0000_0067]));
    let o = svemu(&["run", "--kernel", k.to_str().unwrap()]);
    assert_clean_error(&o, 1, "cannot enter its trap handler at 0x0: instruction access fault");
}

#[test]
fn unimplemented_instruction_traps_in_the_guest_and_is_logged() {
    // mtvec = handler; .word 0xffffffff; handler: power off with status mcause (2).
    let code = [
        0x0000_0297, // auipc t0, 0
        0x0142_8293, // addi t0, t0, 20    -> handler
        0x3052_9073, // csrw mtvec, t0
        0xffff_ffff, // not an instruction
        0x0000_006f, // j . (never reached)
        0x3420_2373, // handler: csrr t1, mcause
        0x0103_1313, // slli t1, t1, 16
        0x0000_33b7, // lui t2, 3
        0x3333_8393, // addi t2, t2, 0x333
        0x0073_6333, // or t1, t1, t2     -> (mcause << 16) | 0x3333
        0x0010_02b7, // lui t0, 0x100
        0x0062_a023, // sw t1, 0(t0)
    ];
    let k = temp_file("illegal.elf", &tiny_elf(&code));
    let o = svemu(&["run", "--kernel", k.to_str().unwrap(), "--trace", "trap", "--max-insns", "1000"]);
    let err = stderr(&o);
    // 0x3333 | 2 << 16: failure with status 2 = the illegal-instruction cause the guest saw.
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("0xffffffff is not an instruction svemu implements"), "{err}");
    // @9: the six instructions of the boot ROM and three of the program had retired.
    assert!(err.contains("trap @9 illegal instruction (cause 2) tval 0x00000000ffffffff"), "{err}");
}

#[test]
fn bad_tlb_geometry_and_explain_address() {
    let k = temp_file("ok4.elf", &tiny_elf(&POWER_OFF));
    let k = k.to_str().unwrap();
    let o = svemu(&["run", "--kernel", k, "--tlb-entries", "48", "--tlb-ways", "4"]);
    assert_clean_error(&o, 1, "the number of sets must be a power of two");
    let o = svemu(&["run", "--kernel", k, "--tlb-entries", "6", "--tlb-ways", "4"]);
    assert_clean_error(&o, 1, "entries must be a multiple of ways");
    assert_clean_error(&svemu(&["run", "--kernel", k, "--explain", "0xzz"]), 2, "is not an address");
}

#[test]
fn stats_show_the_tlb_and_explain_runs_at_exit() {
    let k = temp_file("ok5.elf", &tiny_elf(&POWER_OFF));
    let args = ["run", "--kernel", k.to_str().unwrap(), "--stats", "--explain", "0x1000", "--tlb-entries", "8"];
    let o = svemu(&[&args[..], &["--tlb-ways", "2"]].concat());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    // M-mode only: the TLB is never consulted.
    assert!(err.contains("svemu: hart 0 tlb 8 entries 2-way: 0 lookups, 0 hits (0.00%), 0 misses"), "{err}");
    assert!(err.contains("explain va 0x0000000000001000 at the end of the run"), "{err}");
    assert!(err.contains("satp.MODE is Bare: no translation, pa = va"), "{err}");
}
