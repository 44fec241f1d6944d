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
/// a page fault's story ends there.
pub fn until_back_in_user(trace: &str) -> String {
    let end = trace.lines().position(|l| l.contains(": sret S -> U")).map_or(usize::MAX, |i| i + 1);
    trace.lines().take(end).map(|l| format!("{l}\n")).collect()
}
