//! Snapshots of deterministic svos memory stories that issue 13 asks to
//! pin (the eviction order per policy is in svos_policy, the OOM victim
//! choice in svos_oom and svos_mm_limits): copy-on-write counts after a
//! fork, and VSZ/RSS over a demand-paging run, each also checked number
//! by number so that a regression names itself.

use svemu::machine::Exit;
use svemu_tests::{run_svemu, svos_image, RunOptions};

/// The `memstress:` lines of `init=memstress:ARGS` on svemu, 1 hart, 128 MiB.
fn memstress(args: &str) -> Vec<String> {
    let img = svos_image();
    let append = format!("init=memstress:{args}");
    let run = run_svemu(&RunOptions {
        initrd: Some(&img.initrd),
        append: Some(&append),
        max_instructions: Some(2_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "{}", run.console);
    assert!(run.console.contains("exited with status 0") && run.console.contains("(no leak)"), "{}", run.console);
    run.console.lines().filter(|l| l.starts_with("memstress:")).map(String::from).collect()
}

/// The number before `word` in `line`.
fn number_before(line: &str, word: &str) -> u64 {
    let at = line.find(word).unwrap_or_else(|| panic!("no {word} in {line}"));
    line[..at].split_whitespace().last().unwrap().parse().unwrap()
}

#[test]
fn copy_on_write_counts_after_fork() {
    let lines = memstress("cow:64:16");
    insta::assert_snapshot!(lines.join("\n"));
    let faults: Vec<u64> = lines.iter().map(|l| number_before(l, "minor faults")).collect();
    // 64 demand-zero faults; reading shared frames costs none; each of the
    // 16 pages the child writes is copied at its first store; the parent
    // takes one fault per page to get W back once the child has gone.
    assert_eq!(faults, [64, 0, 16, 64], "{lines:#?}");
    // The child's 256 kB: all shared after fork, 64 kB its own after 16 copies.
    assert!(
        lines[1].ends_with("Shared_Clean 256 kB, Shared_Dirty 0 kB, Private_Clean 0 kB, Private_Dirty 0 kB"),
        "{lines:#?}"
    );
    assert!(
        lines[2].ends_with("Shared_Clean 192 kB, Shared_Dirty 0 kB, Private_Clean 0 kB, Private_Dirty 64 kB"),
        "{lines:#?}"
    );
}

#[test]
fn vsz_and_rss_over_a_demand_paging_run() {
    let lines = memstress("demand:4");
    insta::assert_snapshot!(lines.join("\n"));
    let vsz: Vec<u64> = lines.iter().map(|l| number_before(l, "kB  RSS")).collect();
    let rss: Vec<u64> = lines.iter().map(|l| number_before(l.rsplit_once("RSS").unwrap().1, "kB")).collect();
    // mmap adds 4 MiB of VSZ and no RSS; each quarter touched adds 1 MiB of RSS; munmap takes both back.
    assert_eq!(vsz[1] - vsz[0], 4096, "{lines:#?}");
    assert_eq!(rss[1], rss[0], "{lines:#?}");
    for q in 2..=5 {
        assert_eq!(rss[q] - rss[q - 1], 1024, "{lines:#?}");
        assert_eq!(vsz[q], vsz[1], "{lines:#?}");
    }
    assert_eq!((vsz[6], rss[6]), (vsz[0], rss[0]), "{lines:#?}");
}
