//! svos's userland on svemu (the `make run` image plus a test script):
//! /proc files in Linux's formats, parsed field by field (and, where the
//! host is Linux, in the host's field order); the tools `free`, `ps`,
//! `pmap` and `vmstat` on a process that touched a known number of pages,
//! also swapped out; the shell's features; Ctrl-C on the console stopping
//! the foreground job while the shell goes on.

use regex::Regex;
use std::path::{Path, PathBuf};
use svemu::machine::Exit;
use svemu_tests::{parse_memory, run_svemu, section, svos_image, RunOptions};

/// The `make run` initrd with `files` (name, contents) added, in a
/// directory of this test's own ([`svemu_tests::initrd_with`]).
fn initrd_with(test: &str, files: &[(&str, &str)]) -> PathBuf {
    svemu_tests::initrd_with(&Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svos_userland_{test}")), files)
}

/// Boots `initrd` with `append` (and RAM, disks, console script) on svemu;
/// checks that svos powered off and returns the console.
fn boot(initrd: &Path, append: &str, memory: &str, drives: &[PathBuf], script: Option<&str>) -> String {
    let img = svos_image();
    let run = run_svemu(&RunOptions {
        initrd: Some(initrd),
        append: Some(append),
        memory: parse_memory(memory),
        drives,
        console_script: script,
        max_instructions: Some(20_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    run.console
}

/// The names (text before ':' or ' ') of a host /proc file, if the host has it.
fn host_names(path: &str, sep: char) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().filter_map(|l| l.split_once(sep).map(|(n, _)| n.to_string())).collect())
}

/// `ours` lists the names it shares with `host` in the host's order.
fn same_order_as_host(ours: &[String], host: &[String], what: &str) {
    let common: Vec<&String> = ours.iter().filter(|n| host.contains(n)).collect();
    let in_host: Vec<&String> = host.iter().filter(|n| ours.contains(n)).collect();
    assert_eq!(common, in_host, "{what}: fields in another order than the host's Linux");
    assert!(common.len() * 2 > ours.len(), "{what}: most fields should be the host's: {ours:?}");
}

/// Linux 6.1's /proc/meminfo on riscv64 (swap and transparent huge pages
/// configured), in order.
const MEMINFO: [&str; 48] = [
    "MemTotal",
    "MemFree",
    "MemAvailable",
    "Buffers",
    "Cached",
    "SwapCached",
    "Active",
    "Inactive",
    "Active(anon)",
    "Inactive(anon)",
    "Active(file)",
    "Inactive(file)",
    "Unevictable",
    "Mlocked",
    "SwapTotal",
    "SwapFree",
    "Dirty",
    "Writeback",
    "AnonPages",
    "Mapped",
    "Shmem",
    "KReclaimable",
    "Slab",
    "SReclaimable",
    "SUnreclaim",
    "KernelStack",
    "PageTables",
    "SecPageTables",
    "NFS_Unstable",
    "Bounce",
    "WritebackTmp",
    "CommitLimit",
    "Committed_AS",
    "VmallocTotal",
    "VmallocUsed",
    "VmallocChunk",
    "Percpu",
    "AnonHugePages",
    "ShmemHugePages",
    "ShmemPmdMapped",
    "FileHugePages",
    "FilePmdMapped",
    "HugePages_Total",
    "HugePages_Free",
    "HugePages_Rsvd",
    "HugePages_Surp",
    "Hugepagesize",
    "Hugetlb",
];

/// Linux 6.1's /proc/PID/status memory lines (task_mem), in order.
const STATUS_MEM: [&str; 16] = [
    "VmPeak",
    "VmSize",
    "VmLck",
    "VmPin",
    "VmHWM",
    "VmRSS",
    "RssAnon",
    "RssFile",
    "RssShmem",
    "VmData",
    "VmStk",
    "VmExe",
    "VmLib",
    "VmPTE",
    "VmSwap",
    "HugetlbPages",
];

/// Linux 6.1's per-area smaps lines after the maps line, in order.
const SMAPS: [&str; 23] = [
    "Size",
    "KernelPageSize",
    "MMUPageSize",
    "Rss",
    "Pss",
    "Pss_Dirty",
    "Shared_Clean",
    "Shared_Dirty",
    "Private_Clean",
    "Private_Dirty",
    "Referenced",
    "Anonymous",
    "LazyFree",
    "AnonHugePages",
    "ShmemPmdMapped",
    "FilePmdMapped",
    "Shared_Hugetlb",
    "Private_Hugetlb",
    "Swap",
    "SwapPss",
    "Locked",
    "THPeligible",
    "VmFlags",
];

/// The /proc/vmstat counters the issue names.
const VMSTAT: [&str; 12] = [
    "nr_free_pages",
    "pswpin",
    "pswpout",
    "pgfree",
    "pgactivate",
    "pgfault",
    "pgmajfault",
    "pgsteal_kswapd",
    "pgsteal_direct",
    "pgscan_kswapd",
    "pgscan_direct",
    "oom_kill",
];

const PROC_SCRIPT: &str = "\
echo @@meminfo
cat /proc/meminfo
echo @@status
cat /proc/self/status
echo @@smaps
cat /proc/self/smaps
echo @@stat
cat /proc/self/stat /proc/self/statm
echo @@vmstat
cat /proc/vmstat
echo @@buddy
cat /proc/buddyinfo /proc/meminfo
";

/// A kB line as Linux prints it: the name and colon padded to `width`
/// columns, the value right-aligned in 8 (in 7 after a 17-column name), " kB".
fn kb_line(line: &str, width: usize) -> Option<(String, u64)> {
    let (name, rest) = line.split_at_checked(width)?;
    let value = rest.strip_suffix(" kB")?;
    if width + value.len() != 24 || !name.trim_end().ends_with(':') {
        return None;
    }
    Some((name.trim_end().trim_end_matches(':').to_string(), value.trim_start().parse().ok()?))
}

#[test]
fn proc_files_are_in_linux_formats_field_by_field() {
    let initrd = initrd_with("proc", &[("t.sh", PROC_SCRIPT)]);
    let console = boot(&initrd, "init=sh:t.sh", "128M", &[], None);

    // meminfo: every field of Linux 6.1, in order, in its columns.
    let meminfo = section(&console, "meminfo");
    let names: Vec<String> = meminfo.iter().map(|l| l.split(':').next().unwrap().to_string()).collect();
    assert_eq!(names, MEMINFO, "{console}");
    let mut mem = std::collections::HashMap::new();
    for l in &meminfo {
        if l.starts_with("HugePages_") {
            assert!(Regex::new(r"^HugePages_\w+: {1,4}\s*\d+$").unwrap().is_match(l) && l.len() == 24, "{l:?}");
            continue;
        }
        let (n, v) = kb_line(l, 16).unwrap_or_else(|| panic!("not a meminfo kB line: {l:?}"));
        mem.insert(n, v);
    }
    assert!(mem["MemTotal"] > 100_000 && mem["MemFree"] <= mem["MemTotal"], "{meminfo:?}");
    assert!(mem["AnonPages"] > 0 && mem["Active(anon)"] + mem["Inactive(anon)"] == mem["AnonPages"], "{meminfo:?}");
    assert!(mem["PageTables"] > 0 && mem["KernelStack"] > 0, "{meminfo:?}");
    if let Some(host) = host_names("/proc/meminfo", ':') {
        same_order_as_host(&names, &host, "meminfo");
    }

    // status: the task_mem lines in order, each "Name:\t%8lu kB".
    let status = section(&console, "status");
    let names: Vec<String> = status.iter().map(|l| l.split(':').next().unwrap().to_string()).collect();
    let first = names.iter().position(|n| n == "VmPeak").expect("VmPeak");
    assert_eq!(names[first..first + STATUS_MEM.len()], STATUS_MEM, "{status:?}");
    for l in &status[first..first + STATUS_MEM.len()] {
        assert!(Regex::new(r"^\w+:\t[ \d]{8} kB$").unwrap().is_match(l), "{l:?}");
    }
    assert_eq!(names[0], "Name");
    assert!(status.contains(&"Name:\tcat".to_string()), "{status:?}");
    if let Some(host) = host_names("/proc/self/status", ':') {
        same_order_as_host(&names, &host, "status");
    }

    // smaps: each area's maps line, then the same 23 fields, with Rss the
    // sum of its four parts and Pss at most Rss.
    let smaps = section(&console, "smaps");
    let header = Regex::new(r"^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} \d\d:\d\d \d+ ").unwrap();
    let areas: Vec<&[String]> = smaps.chunk_by(|_, b| !header.is_match(b)).collect();
    assert!(areas.len() >= 4, "{smaps:?}");
    for area in &areas {
        assert!(header.is_match(&area[0]), "{area:?}");
        let fields: Vec<&str> = area[1..].iter().map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(fields, SMAPS, "{area:?}");
        let kb: std::collections::HashMap<String, u64> = area[1..]
            .iter()
            .filter(|l| l.ends_with(" kB"))
            .map(|l| {
                let width = if l.starts_with("Private_Hugetlb") { 17 } else { 16 };
                kb_line(l, width).unwrap_or_else(|| panic!("not an smaps kB line: {l:?}"))
            })
            .collect();
        assert_eq!(kb.len(), 21, "{area:?}");
        let parts = kb["Shared_Clean"] + kb["Shared_Dirty"] + kb["Private_Clean"] + kb["Private_Dirty"];
        assert_eq!(kb["Rss"], parts, "{area:?}");
        assert!(kb["Pss"] <= kb["Rss"] && kb["Rss"] <= kb["Size"] && kb["KernelPageSize"] == 4, "{area:?}");
        assert!(Regex::new(r"^VmFlags:( [a-z]{2})+ $").unwrap().is_match(area.last().unwrap()), "{area:?}");
    }
    let stack = areas.iter().find(|a| a[0].ends_with("[stack]")).expect("a [stack] area");
    assert!(stack.last().unwrap().contains(" gd "), "{stack:?}");
    if let Some(host) = host_names("/proc/self/smaps", ':') {
        let host: Vec<String> = host.into_iter().filter(|n| !n.contains('-') && !n.contains(' ')).collect();
        let ours: Vec<String> = SMAPS.iter().map(|s| s.to_string()).collect();
        let host_area: Vec<String> =
            host.iter().take_while(|n| *n != "VmFlags").cloned().chain(["VmFlags".into()]).collect();
        same_order_as_host(&ours, &host_area, "smaps");
    }

    // stat: 52 fields, comm in parentheses, vsize (23) and rss (24)
    // agreeing with statm's size and resident (the same process).
    let stat = section(&console, "stat");
    let f: Vec<&str> = stat[0].split(' ').collect();
    assert_eq!(f.len(), 52, "{stat:?}");
    assert_eq!(f[1], "(cat)");
    assert_eq!(f[2], "R");
    let statm: Vec<u64> = stat[1].split(' ').map(|x| x.parse().unwrap()).collect();
    assert_eq!(statm.len(), 7, "{stat:?}");
    assert_eq!(f[22].parse::<u64>().unwrap(), statm[0] * 4096, "vsize vs statm size: {stat:?}");
    assert_eq!(f[23].parse::<u64>().unwrap(), statm[1], "rss vs statm resident: {stat:?}");
    assert!(f[9].parse::<u64>().unwrap() > 0, "minflt: {stat:?}");

    // vmstat: "name value" lines, the counters the issue names, in Linux's order.
    let vmstat = section(&console, "vmstat");
    let names: Vec<String> = vmstat
        .iter()
        .map(|l| {
            let (n, v) = l.split_once(' ').unwrap_or_else(|| panic!("{l:?}"));
            assert!(v.parse::<u64>().is_ok(), "{l:?}");
            n.to_string()
        })
        .collect();
    for n in VMSTAT {
        assert!(names.iter().any(|x| x == n), "/proc/vmstat has no {n}: {names:?}");
    }
    if let Some(host) = host_names("/proc/vmstat", ' ') {
        same_order_as_host(&names, &host, "vmstat");
    }

    // buddyinfo: Linux's line for one zone; its blocks add up to MemFree
    // (read by the same process a moment later: within 64 KiB).
    let buddy = section(&console, "buddy");
    let re = Regex::new(r"^Node 0, zone    DMA32 ((?: {0,5}\d+ ){11})$").unwrap();
    let caps = re.captures(&buddy[0]).unwrap_or_else(|| panic!("{buddy:?}"));
    let free_kb: u64 =
        caps[1].split_whitespace().enumerate().map(|(k, n)| n.parse::<u64>().unwrap() << k).sum::<u64>() * 4;
    let memfree = buddy.iter().find_map(|l| kb_line(l, 16).filter(|(n, _)| n == "MemFree")).unwrap().1;
    assert!(free_kb.abs_diff(memfree) <= 64, "buddyinfo {free_kb} kB free, meminfo {memfree} kB: {buddy:?}");
}

/// The workload of the tool tests: a process that touches every page of
/// MIB MiB and keeps them, watched by the tools.
fn tools_script(mib: u64) -> String {
    format!(
        "echo @@free0\nfree\nmemory-user {mib} 1 30000 &\nsleep 3000\necho @@ps\nps $!\necho @@status0\ncat /proc/$!/status\necho @@pmap\npmap $!\n\
         echo @@free\nfree\necho @@vmstat\nvmstat\necho @@status\ncat /proc/$!/status\necho @@proc\ncat /proc/vmstat\n\
         kill $!\nwait\n"
    )
}

/// Numbers of a line of the `Mem:`/`Swap:` kind.
fn numbers(line: &str) -> Vec<u64> {
    line.split_whitespace().filter_map(|w| w.parse().ok()).collect()
}

#[test]
fn tools_show_the_pages_a_process_touched() {
    let initrd = initrd_with("tools", &[("t.sh", &tools_script(4))]);
    let console = boot(&initrd, "init=sh:t.sh", "128M", &[], None);

    // ps: the process that touched 1024 pages has about 4 MiB resident,
    // took at least 1024 minor faults and no major one.
    let ps = section(&console, "ps");
    assert_eq!(ps[0], "  PID COMMAND         S    VSZ   RSS  MINFL  MAJFL", "{console}");
    let row = Regex::new(r"^ +(\d+) memory-user +S +(\d+) +(\d+) +(\d+) +(\d+)$").unwrap();
    let c = row.captures(&ps[1]).unwrap_or_else(|| panic!("{ps:?}"));
    let n = |i: usize| c[i].parse::<u64>().unwrap();
    assert!((4096..4096 + 256).contains(&n(3)), "RSS: {ps:?}");
    assert!(n(2) > 4096 && n(2) >= n(3), "VSZ: {ps:?}");
    assert!(n(4) >= 1024 && n(5) == 0, "faults: {ps:?}");

    // pmap: the 4 MiB area, all resident and dirty, no swap.
    let pmap = section(&console, "pmap");
    assert_eq!(pmap[1], "Address           Kbytes     RSS   Dirty    Swap Mode  Mapping", "{pmap:?}");
    let area = Regex::new(r"^[0-9a-f]{16}    4096    4096    4096       0 rw---   \[ anon \]$").unwrap();
    assert!(pmap.iter().any(|l| area.is_match(l)), "{pmap:?}");
    let total = numbers(pmap.last().unwrap());
    assert!(pmap.last().unwrap().starts_with("total kB ") && total[1] >= 4096, "{pmap:?}");

    // free: 4 MiB more used than before the process ran; columns as procps.
    let (before, during) = (section(&console, "free0"), section(&console, "free"));
    assert_eq!(during[0], "               total        used        free      shared  buff/cache   available");
    assert!(during[1].starts_with("Mem:    ") && during[2].starts_with("Swap:   "), "{during:?}");
    let (b, d) = (numbers(&before[1]), numbers(&during[1]));
    assert_eq!(b[0], d[0], "total");
    assert!(d[1] >= b[1] + 4096 && b[2] >= d[2] + 4096, "used/free: {before:?} {during:?}");

    // vmstat: procps's columns; its free column is free's, a moment later
    // (each tool's own pages and the page cache it fills differ: within 1 MiB).
    let vmstat = section(&console, "vmstat");
    assert_eq!(vmstat[1], " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st gu");
    let v = numbers(&vmstat[2]);
    assert_eq!(v.len(), 18, "{vmstat:?}");
    assert!(v[3].abs_diff(d[2]) <= 1024, "vmstat free {} vs free {}", v[3], d[2]);

    // status: VmRSS and RssAnon agree with ps.
    let status = section(&console, "status");
    let rss = status.iter().find_map(|l| l.strip_prefix("VmRSS:\t")).unwrap();
    assert_eq!(rss.trim_start().trim_end_matches(" kB").parse::<u64>().unwrap(), n(3), "{status:?}");
    assert!(console.contains("[3] exit 143 (SIGTERM)"), "{console}");
}

#[test]
fn tools_show_pages_swapped_out() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("svos_userland_swap.img");
    std::fs::File::create(&dir).unwrap().set_len(64 << 20).unwrap();
    let initrd = initrd_with("swap", &[("t.sh", &tools_script(32))]);
    let console = boot(&initrd, "init=sh:t.sh", "32M", &[dir], None);

    // The 32 MiB area does not fit in 32 MiB of RAM: pmap shows part of it in swap.
    let pmap = section(&console, "pmap");
    let area = Regex::new(r"^[0-9a-f]{16}   32768 +(\d+) +\d+ +(\d+) rw---   \[ anon \]$").unwrap();
    let c = pmap.iter().find_map(|l| area.captures(l)).unwrap_or_else(|| panic!("{pmap:?}"));
    let (rss, swap) = (c[1].parse::<u64>().unwrap(), c[2].parse::<u64>().unwrap());
    assert!(swap > 0 && rss + swap >= 32768 - 4, "rss {rss} swap {swap}: {pmap:?}");

    // status's VmSwap is the swap of all the process's areas at the moment
    // it is read, as pmap's total: the programs run between the reads
    // (cat, pmap, free, vmstat) need frames, and reclaim may take more of
    // the sleeping process's pages for them (kswapd evicts in batches),
    // while nothing brings any back. So VmSwap read before pmap is at most
    // pmap's total swap, and read after it at least that.
    let vmswap = |name: &str| {
        let status = section(&console, name);
        let kb = status.iter().find_map(|l| l.strip_prefix("VmSwap:\t")).unwrap_or_else(|| panic!("{status:?}"));
        kb.trim_start().trim_end_matches(" kB").parse::<u64>().unwrap()
    };
    let total_swap = numbers(pmap.last().unwrap())[3];
    assert!(total_swap >= swap, "{pmap:?}");
    let (before, after) = (vmswap("status0"), vmswap("status"));
    assert!(before <= total_swap && total_swap <= after, "VmSwap {before} then {after}, pmap {total_swap}: {pmap:?}");
    let free = section(&console, "free");
    let s = numbers(&free[2]);
    assert!(s[0] == 65536 && s[1] >= swap, "{free:?}");
    let proc = section(&console, "proc");
    let pswpout: u64 = proc.iter().find_map(|l| l.strip_prefix("pswpout ")).unwrap().parse().unwrap();
    assert!(pswpout * 4 >= swap, "{proc:?}");
}

const SHELL_SCRIPT: &str = r#"X=hello; echo $X "${X}world" '$X' \$X
echo a; echo b
false || echo or-ran; true && echo and-ran; false && echo skipped; echo status $?
nosuch; echo status $?
echo first > /tmp/f; echo second >> /tmp/f; cat < /tmp/f
cat /tmp/f | cat | cat > /tmp/p; ls -l /tmp/p
cat /nonexistent 2>&1 | cat > /tmp/e; cat /tmp/e; ls -l /tmp/e
cat /nonexistent 2> /tmp/err; cat /tmp/err
export Y=exported; Z=only-here env | cat
env | cat
cd /tmp; pwd; ls
hello bg &
echo started $!
wait
kill nonsense; echo status $?
sleep 100000 & kill -s KILL $!; wait
sh -c 'echo in -c $0 $1; exit 7' name arg; echo got $?
sh -c "X=inner; echo \$X"; echo $X
exit 3
"#;

#[test]
fn shell_runs_pipelines_redirections_lists_and_variables() {
    let initrd = initrd_with("shell", &[("t.sh", SHELL_SCRIPT)]);
    let console = boot(&initrd, "init=sh:t.sh", "128M", &[], None);
    let from = console.find("$ X=hello").unwrap_or_else(|| panic!("{console}"));
    let out = &console[from..];
    for want in [
        "hello helloworld $X $X\n",
        "a\nb\n",
        "or-ran\nand-ran\nstatus 1\n",
        "sh: nosuch: not found\n",
        "status 127\n",
        "first\nsecond\n",
        // Through two pipes into a file: 13 bytes; stderr through the pipe: 45.
        "       13 /tmp/p\n",
        "cat: /nonexistent: No such file or directory\n",
        "       45 /tmp/e\n",
        "Z=only-here\n",
        "Y=exported\n",
        "/tmp\ne\nerr\nf\np\n",
        "sh: usage: kill [-SIGNAL | -s SIGNAL] PID... | kill -l\nstatus 2\n",
        "exit 137 (SIGKILL)\n",
        "in -c name arg\n",
        "got 7\n",
        "inner\n",
        "[svos] pid 1 (sh) exited with status 3\n",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    // Z was set for that one command only.
    assert_eq!(out.lines().filter(|l| *l == "Z=only-here").count(), 1, "{out}");
    // The shell's whole story, up to its exit (not the kernel's frame counts after it).
    let end = out.find("[svos] 1 programs requested").unwrap_or(out.len());
    insta::assert_snapshot!(&out[..end]);
}

#[test]
fn ctrl_c_stops_the_foreground_job_and_the_shell_goes_on() {
    let img = svos_image();
    // Each expect may wait 2 billion instructions: a shell that did not get
    // the prompt back fails the run (status 124) in about a minute.
    let script = "timeout 2000000000\nexpect sh$ \nsend sleep 100000\ntype \\x03\nexpect sh$ \nsend echo alive $?\nexpect alive\n\
                  type half a line\\x03\nexpect sh$ \nsend sleep 100000 | cat\ntype \\x03\nexpect sh$ \n\
                  send sleep 100000 &\nexpect sh$ \ntype \\x03\nexpect sh$ \nsend kill -9 $!; wait\nexpect sh$ \nsend exit 5\n";
    let console = boot(&img.initrd, "init=sh", &img.memory, &[], Some(script));
    let from = console.find("sh$ sleep").unwrap_or_else(|| panic!("{console}"));
    let out = &console[from..];
    // The foreground job (alone or a pipeline) dies of SIGINT; the shell
    // survives, knows why, and drops a half-typed line; a background job
    // is not in the foreground group and lives on until killed.
    assert!(out.starts_with("sh$ sleep 100000\n^C\n[2] exit 130 (SIGINT)\nsh$ echo alive $?\nalive 130\n"), "{out}");
    assert!(out.contains("sh$ half a line^C\nsh$ sleep 100000 | cat\n^C\n[4] exit 130 (SIGINT)\n"), "{out}");
    assert!(out.contains("[5] sleep &\nsh$ ^C\nsh$ kill -9 $!; wait\n[5] exit 137 (SIGKILL)\n"), "{out}");
    assert!(out.contains("[svos] pid 1 (sh) exited with status 5"), "{out}");
}
