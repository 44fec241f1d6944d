//! Where the image under test is: the svos kernel and initrd this
//! repository builds (`make all`), or any others named by the environment
//! variables `SVOS_KERNEL` and `SVOS_INITRD`. A crate of your own would
//! point at its own kernel and initrd the same way.

use std::path::{Path, PathBuf};

/// The kernel ELF and the initrd to boot.
pub fn image() -> (PathBuf, PathBuf) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let pick = |var: &str, default: &str| {
        let p = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| repo.join(default));
        assert!(
            p.exists(),
            "{} does not exist: build svos and its initrd first (`make all`), or set {var}",
            p.display()
        );
        p
    };
    (
        pick("SVOS_KERNEL", "guest-os/target/riscv64gc-unknown-none-elf/release/svos"),
        pick("SVOS_INITRD", "build/initrd.cpio"),
    )
}

/// The lines of `trace` up to and including the first sret back to U-mode:
/// a page fault's story ends there. The kernel's TLB misses and walks for its
/// own code and data (S-mode `tlb` and `mmu` lines) are left out: where the
/// linker put each kernel function depends on the checkout's path (cargo
/// hashes the absolute path of svos's path dependency into symbol names), so
/// those lines would differ from one clone to the next. The user's walk, the
/// trap, the kernel's events and the sret stay.
pub fn until_back_in_user(trace: &str) -> String {
    let end = trace.lines().position(|l| l.contains(": sret S -> U")).map_or(usize::MAX, |i| i + 1);
    trace.lines().take(end).filter(|l| !kernel_translation(l)).map(|l| format!("{l}\n")).collect()
}

/// Whether `line` is a `tlb` or `mmu` event raised in S-mode.
fn kernel_translation(line: &str) -> bool {
    let Some((_, rest)) = line.split_once(": ") else { return false };
    let mut words = rest.split_whitespace();
    let cat = words.next();
    let _icount = words.next();
    matches!(cat, Some("tlb" | "mmu")) && words.next() == Some("S")
}
