//! What the bench reads back from the programs it runs: svemu's `--stats`
//! lines, rvemu_run's summary line and callgrind's instruction total.

/// The figures of one `svemu run --stats` (its stderr).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SvemuStats {
    /// Guest instructions retired (all harts).
    pub instructions: u64,
    /// Host peak resident set size in bytes (`None`: svemu printed `?` or no memory line).
    pub peak_rss: Option<u64>,
    /// Guest RAM resident on the host in bytes (`None` as above).
    pub guest_resident: Option<u64>,
}

/// Parse the `--stats` lines in svemu's stderr:
/// `svemu: N instructions retired, ...` (required) and
/// `svemu: memory: host peak RSS A KiB, guest RAM resident B KiB of C KiB` (optional).
pub fn svemu_stats(stderr: &str) -> Option<SvemuStats> {
    let instructions = stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("svemu: ")?;
        let (n, tail) = rest.split_once(' ')?;
        tail.starts_with("instructions retired").then(|| n.parse().ok())?
    })?;
    let memory = stderr.lines().find_map(|l| l.strip_prefix("svemu: memory: "));
    let kib_after = |key: &str| -> Option<u64> {
        let rest = memory?.split_once(key)?.1.trim_start();
        let n: u64 = rest.split(' ').next()?.parse().ok()?;
        Some(n * 1024)
    };
    Some(SvemuStats {
        instructions,
        peak_rss: kib_after("host peak RSS"),
        guest_resident: kib_after("guest RAM resident"),
    })
}

/// Instructions retired from rvemu_run's summary line
/// (`rvemu: N instructions retired, ...`).
pub fn rvemu_instructions(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|l| {
        let (n, tail) = l.strip_prefix("rvemu: ")?.split_once(' ')?;
        tail.starts_with("instructions retired").then(|| n.parse().ok())?
    })
}

/// Host instructions counted by callgrind, from its `==PID== Collected : N` line.
pub fn callgrind_collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|l| {
        let rest = l.split_once("Collected")?.1.trim_start().strip_prefix(':')?;
        rest.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATS: &str = "\
svemu: 123456 instructions retired, 3 traps, 0.010 s, 12.3 MIPS
svemu: hart 0 tlb 64 entries 4-way: 10 lookups, 9 hits (90.00%), 1 misses, 0 evictions; ...
svemu: memory: host peak RSS 3480 KiB, guest RAM resident 212 KiB of 131072 KiB
";

    #[test]
    fn svemu_stats_lines() {
        let s = svemu_stats(STATS).unwrap();
        assert_eq!(
            s,
            SvemuStats { instructions: 123456, peak_rss: Some(3480 * 1024), guest_resident: Some(212 * 1024) }
        );
    }

    #[test]
    fn svemu_stats_without_memory_figures() {
        let old = "svemu: 77 instructions retired, 0 traps, 0.001 s, 0.1 MIPS\n";
        assert_eq!(svemu_stats(old), Some(SvemuStats { instructions: 77, peak_rss: None, guest_resident: None }));
        let unknown =
            "svemu: 5 instructions retired\nsvemu: memory: host peak RSS ? KiB, guest RAM resident ? KiB of 4 KiB";
        assert_eq!(svemu_stats(unknown), Some(SvemuStats { instructions: 5, peak_rss: None, guest_resident: None }));
    }

    #[test]
    fn svemu_stats_needs_the_instruction_line() {
        assert_eq!(svemu_stats("svemu: stopped after 1 instructions (--max-insns)\n"), None);
        assert_eq!(svemu_stats(""), None);
    }

    #[test]
    fn rvemu_summary() {
        let line = "rvemu: 991 instructions retired, ended by StoreAMOAccessFault at mepc 0x80000040, 0.002 s\n";
        assert_eq!(rvemu_instructions(line), Some(991));
        assert_eq!(rvemu_instructions("rvemu: stopped after 5 instructions (--max-insns), 0.1 s"), None);
    }

    #[test]
    fn callgrind_total() {
        let err = "==42== Events    : Ir\n==42== Collected : 541234567\n==42==\n==42== I   refs:      541,234,567\n";
        assert_eq!(callgrind_collected(err), Some(541234567));
        assert_eq!(callgrind_collected("==42== I refs: 5\n"), None);
    }
}
