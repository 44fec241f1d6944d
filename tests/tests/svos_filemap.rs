//! svos's page cache seen from outside: the story of a page fault on a
//! private file mapping (the kernel resolves it by a file read from the
//! page cache), and clean file pages dropped under memory pressure and
//! counted, and mlock'd pages that reclaim leaves resident. The program is
//! tests/linux-progs/filefault.c (in the linux-progs initrd, `make
//! linux-progs`).

use std::path::{Path, PathBuf};
use svemu::machine::Exit;
use svemu::testing::{Boot, Run};
use svemu_tests::{pack_initrd, parse_memory, svos_image, until_sret_to_user};

/// RAM for the pressure tests (bytes): with [`small_initrd`]'s 2.3 MB,
/// about the 17 MiB free that 32 MiB left with the whole initrd.
const PRESSURE_RAM: u64 = 20 << 20;

fn lxp_initrd() -> PathBuf {
    std::env::var("SVOS_LXP_INITRD").expect("SVOS_LXP_INITRD is not set: run the tests with `make test`").into()
}

/// A zeroed (sparse) raw disk image of `mib` MiB for this test process.
fn disk(name: &str, mib: u64) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svos-filemap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().set_len(mib << 20).unwrap();
    p
}

/// An initrd of filefault and cxx only (the file it reads under
/// pressure), for the tests that want little RAM: the whole linux-progs
/// initrd (14 MiB) leaves little room in 32 MiB, and its size changes
/// with every program added. `test` names the copy.
fn small_initrd(test: &str) -> PathBuf {
    let lxp = std::env::var("SVOS_LXP_DIR").expect("SVOS_LXP_DIR is not set: run the tests with `make test`");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svos-filemap-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["filefault", "cxx"] {
        std::fs::copy(Path::new(&lxp).join(name), dir.join(name)).unwrap();
    }
    pack_initrd(&dir)
}

/// Boots filefault with `append`: from the whole linux-progs initrd with
/// the default memory, or from [`small_initrd`] with `memory` bytes.
fn filefault(append: &str, memory: Option<u64>, configure: impl FnOnce(Boot) -> Boot) -> Run {
    let img = svos_image();
    let test = append.split([':', ' ']).nth(1).unwrap_or("story");
    let initrd = if memory.is_some() { small_initrd(test) } else { lxp_initrd() };
    let boot = Boot::kernel(&img.kernel)
        .initrd(&initrd)
        .append(append)
        .memory(memory.unwrap_or_else(|| parse_memory(&img.memory)));
    let run = configure(boot).run().expect("svos boots");
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    run
}

#[test]
fn a_load_from_a_private_file_mapping_is_resolved_by_a_file_read() {
    let run = filefault("init=filefault", None, |b| {
        b.trace("mmu,tlb,trap,kernel")
            .trace_from("trap:cause=page-fault,priv=U,va=0x20000000..0x20001000")
            .trace_count(2000)
    });
    assert!(run.console.contains("file byte E, private copy x"), "{}", run.console);
    let story = until_sret_to_user(&run.trace);
    let fault =
        story.lines().find(|l| l.contains(": fault va ")).unwrap_or_else(|| panic!("no kernel fault event:\n{story}"));
    assert!(fault.contains("fault va 0x0000000020000001 cause 13 file-read pid 1 (filefault) rss "), "{fault}");
    insta::assert_snapshot!(story);
    // The store that follows copies the cached page: the file never sees it.
    let after = &run.trace[run.trace.find(": sret S -> U").unwrap()..];
    assert!(after.contains("fault va 0x0000000020000001 cause 15 cow-copy pid 1 (filefault)"), "{after}");
}

#[test]
fn clean_file_pages_are_dropped_under_pressure_and_counted() {
    // cxx, the largest program of the initrd, read through read(): its
    // pages are cached and mapped by no one.
    let run = filefault("init=filefault:pressure:/cxx svos.vmstat", Some(PRESSURE_RAM), |b| b);
    let c = &run.console;
    assert!(c.contains("clean file pages dropped"), "{c}");
    let line = c.lines().find(|l| l.starts_with("[svos] vmstat: ")).unwrap_or_else(|| panic!("{c}"));
    let words: Vec<&str> = line.split([' ', ';']).filter(|w| !w.is_empty()).collect();
    let get = |k: &str| -> u64 { words[words.iter().position(|w| *w == k).unwrap() + 1].parse().unwrap() };
    let (read_in, dropped) = (get("pgcache_read_in"), get("pgcache_dropped"));
    // The program read all of cxx (over 400 pages) into the cache; the
    // anonymous memory it touched took most of them back.
    assert!(read_in > 400, "{line}");
    assert!(dropped > 200 && dropped <= read_in, "{line}");
    assert!(c.contains("(no leak)"), "{c}");
}

#[test]
fn mlocked_pages_stay_resident_while_reclaim_swaps_the_others() {
    // Two 2 MiB areas, one mlock'd, then 40 MiB touched in 20 MiB of RAM
    // with a 64 MiB swap disk: the unlocked area goes to swap (major
    // faults when read again), the locked one never does.
    let swap = disk("swap.img", 64);
    let run = filefault("init=filefault:lock:40", Some(PRESSURE_RAM), |b| b.drive(&swap));
    let c = &run.console;
    assert!(c.contains("VmLck before mlock: 0 kB\nmlock: 0\nVmLck after mlock: 2048 kB"), "{c}");
    assert!(c.contains("madvise(DONTNEED) on locked pages: -1"), "{c}");
    let line = c.lines().find(|l| l.starts_with("after touching 40 MiB: ")).unwrap_or_else(|| panic!("{c}"));
    let n: Vec<u64> = line.split(' ').filter_map(|w| w.parse().ok()).collect();
    assert_eq!(n[1], 0, "locked pages were evicted: {line}");
    assert!(n[2] > 0, "the unlocked area should have been swapped out (else the test shows nothing): {line}");
    assert!(c.contains("munlock: 0, VmLck 0 kB"), "{c}");
    assert!(c.contains("(no leak)"), "{c}");
}
