//! Snapshot tests of what svos does for a program's page faults, written
//! as a user of svemu would write them for their own program.

use snapshot_test::{image, until_back_in_user};
use svemu::machine::Exit;
use svemu::testing::Boot;

/// A boot of `init` on svos with the page-fault story traced from the first
/// user-mode event matching `from`.
fn story(init: &str, from: &str) -> String {
    let (kernel, initrd) = image();
    let run = Boot::kernel(kernel)
        .initrd(initrd)
        .append(&format!("init={init}"))
        .trace("trap,mmu,tlb,kernel")
        .trace_from(from)
        .trace_count(500)
        .run()
        .expect("svos boots");
    assert_eq!(run.exit, Exit::PowerOff(0), "{}", run.console);
    until_back_in_user(&run.trace)
}

/// memory-user's first page fault in the memory it maps (its code, data and
/// .bss fault in before, from the page cache and as zero-fill): the store misses the TLB, the
/// walk finds no valid PTE, the store page fault traps to S-mode, svos maps a
/// zeroed frame, and sret returns to the store.
#[test]
fn memory_user_first_page_fault() {
    let s = story("memory-user:1", "trap:cause=15,va=0x3fbff00000..0x3fbff01000,priv=U");
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].contains("U asid 1: miss store va 0x0000003fbff00000"), "{s}");
    assert!(s.contains("trap @0 U asid 1: store/AMO page fault (cause 15)"), "{s}");
    assert!(s.contains("zero-fill pid 1 (memory-user)"), "{s}");
    assert!(lines.last().unwrap().contains("sret S -> U pc 0x0000000000010212"), "{s}");
    insta::assert_snapshot!(s);
}

/// forkdemo's child writes a global its parent had: the page is shared
/// copy-on-write after fork, so the store faults and svos copies the frame.
#[test]
fn forkdemo_child_copy_on_write() {
    let s = story("forkdemo", "trap:cause=15,va=0x13000..0x14000,priv=U");
    assert!(s.contains("cow-copy pid 2 (forkdemo)"), "{s}");
    assert!(
        s.contains("fault: store/AMO page fault (cause 15): store to a page with W=0"),
        "the walk finds the page read-only:\n{s}"
    );
    insta::assert_snapshot!(s);
}
