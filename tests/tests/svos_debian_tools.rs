//! Real Linux tools over svos's /proc: BusyBox (static) and procps
//! (dynamically linked, with trixie's glibc and libproc2) from Debian's
//! riscv64 packages (`make debian-tools`, scripts/fetch-debian-tools) run
//! unmodified on svos under svemu, by tests/debian-tools/tools.sh, next to
//! two processes holding 4 and 8 MiB they touched and a procps `top`
//! waiting between refreshes. What the tools print must agree with the
//! kernel's own counts, read from the /proc files by `cat` in the same
//! run: free's totals with /proc/meminfo, ps's and top's RSS and VSZ with
//! each process's /proc/PID/status, pmap's areas with /proc/PID/maps.

use std::collections::BTreeMap;
use std::path::PathBuf;
use svemu::machine::Exit;
use svemu_tests::{parse_memory, run_svemu, svos_image, RunOptions};

/// Boots the tools image with tools.sh and returns the console.
fn console() -> String {
    let img = svos_image();
    let initrd: PathBuf = std::env::var("SVOS_DEBTOOLS_INITRD")
        .expect("SVOS_DEBTOOLS_INITRD is not set: run the tests with `make test` (it runs `make debian-tools`)")
        .into();
    let run = run_svemu(&RunOptions {
        initrd: Some(&initrd),
        append: Some("init=sh:tools.sh"),
        memory: parse_memory(&img.memory),
        max_instructions: Some(5_000_000_000),
        ..RunOptions::new(&img.kernel)
    });
    assert_eq!(run.exit, Exit::PowerOff(0), "console:\n{}", run.console);
    run.console
}

/// The lines the script printed after `echo @@NAME`, up to the next
/// section, without the shell's `$ ...` echo and `[PID] exit S` lines.
fn section<'a>(console: &'a str, name: &str) -> Vec<&'a str> {
    let start = console.find(&format!("\n@@{name}\n")).unwrap_or_else(|| panic!("no section {name}:\n{console}"));
    console[start + name.len() + 4..]
        .lines()
        .take_while(|l| !l.starts_with("$ echo @@"))
        .filter(|l| !l.starts_with("$ ") && !l.starts_with('[') && !l.is_empty())
        .collect()
}

/// `Key:   value kB` lines (meminfo, status) as key -> first number.
fn fields(lines: &[&str]) -> BTreeMap<String, u64> {
    lines
        .iter()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_owned(), v.split_whitespace().next()?.parse().ok()?))
        })
        .collect()
}

/// The whitespace-separated columns of the line starting with `first`.
fn row<'a>(lines: &[&'a str], first: &str) -> Vec<&'a str> {
    let l = lines
        .iter()
        .find(|l| l.split_whitespace().next() == Some(first))
        .unwrap_or_else(|| panic!("no line starting with {first:?} in {lines:#?}"));
    l.split_whitespace().collect()
}

fn num(s: &str) -> u64 {
    s.trim_end_matches('K').parse().unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

#[test]
fn busybox_and_procps_read_svos_proc_and_agree_with_the_kernel() {
    let c = console();
    let pids: Vec<String> = section(&c, "pids")[0].split_whitespace().map(str::to_owned).collect();
    let (m4, m8, top) = (&pids[0], &pids[1], &pids[2]);
    let status: BTreeMap<&String, BTreeMap<String, u64>> = [(m4, "status4"), (m8, "status8"), (top, "statustop")]
        .into_iter()
        .map(|(p, s)| (p, fields(&section(&c, s))))
        .collect();
    let meminfo = fields(&section(&c, "meminfo"));
    let meminfo2 = fields(&section(&c, "meminfo2"));
    let total = meminfo["MemTotal"];
    // The two memory users hold what they touched: 4 and 8 MiB and a little.
    assert!((4096..4096 + 512).contains(&status[m4]["VmRSS"]), "{:?}", status[m4]);
    assert!((8192..8192 + 512).contains(&status[m8]["VmRSS"]), "{:?}", status[m8]);

    // free: procps's reads /proc/meminfo; BusyBox's sysinfo(2) (totals, shared) and meminfo.
    let free = section(&c, "procps-free");
    assert_eq!(num(row(&free, "Mem:")[1]), total, "procps free's total is MemTotal:\n{free:#?}");
    assert_eq!(num(row(&free, "Swap:")[1]), meminfo["SwapTotal"], "{free:#?}");
    let bfree = section(&c, "busybox-free");
    let mem = row(&bfree, "Mem:");
    assert_eq!(num(mem[1]), total, "busybox free's total is MemTotal:\n{bfree:#?}");
    assert_eq!(num(mem[4]), meminfo2["Shmem"], "busybox free's shared is Shmem:\n{bfree:#?}");

    // ps: every process the script started, RSS and VSZ as its status says.
    let ps = section(&c, "procps-ps");
    assert_eq!(row(&ps, "PID")[4], "RSS", "{ps:#?}");
    for pid in [m4, m8, top] {
        let r = row(&ps, pid);
        assert_eq!(num(r[4]), status[pid]["VmRSS"], "procps ps RSS of {pid}:\n{ps:#?}\n{:?}", status[pid]);
        assert_eq!(num(r[3]), status[pid]["VmSize"], "procps ps VSZ of {pid}:\n{ps:#?}");
    }
    assert_eq!(row(&ps, m4)[7], "memory-user");
    assert_eq!(row(&ps, top)[7], "top");
    let bps = section(&c, "busybox-ps");
    for pid in [m4, m8, top] {
        let r = row(&bps, pid);
        assert_eq!(num(r[2]), status[pid]["VmRSS"], "busybox ps RSS of {pid}:\n{bps:#?}");
        assert_eq!(num(r[1]), status[pid]["VmSize"], "busybox ps VSZ of {pid}:\n{bps:#?}");
    }

    // vmstat: no swap in use, and free memory as MemFree, give or take
    // vmstat's own pages (it reads /proc/meminfo while resident: its RSS
    // and page tables, under 6 MiB; the meminfo after it runs has them back).
    let vm = section(&c, "procps-vmstat");
    let cols: Vec<u64> = vm[2].split_whitespace().map(num).collect();
    assert_eq!(cols[2], meminfo2["SwapTotal"] - meminfo2["SwapFree"], "vmstat swpd:\n{vm:#?}");
    assert!(
        cols[3] <= meminfo2["MemFree"] && meminfo2["MemFree"] - cols[3] < 6 * 1024,
        "vmstat free {} vs MemFree {}:\n{vm:#?}",
        cols[3],
        meminfo2["MemFree"]
    );
    // The toolbox's vmstat prints procps 4's columns (18, with gu).
    let ours = section(&c, "toolbox-vmstat");
    assert_eq!(ours[..2], vm[..2], "toolbox vmstat's header is procps's:\n{ours:#?}\n{vm:#?}");
    assert_eq!(ours[2].split_whitespace().count(), vm[2].split_whitespace().count(), "{ours:#?}\n{vm:#?}");

    // pmap: the areas of /proc/PID/maps, sizes adding up to VmSize; a
    // dynamic program's libraries named by their files.
    let pmap4 = section(&c, "procps-pmap4");
    assert_eq!(num(row(&pmap4, "total")[1]), status[m4]["VmSize"], "{pmap4:#?}");
    assert!(pmap4.iter().any(|l| l.contains("4096K rw---   [ anon ]")), "the 4 MiB buffer:\n{pmap4:#?}");
    assert!(pmap4.iter().any(|l| l.ends_with("[ stack ]")), "{pmap4:#?}");
    let pmaptop = section(&c, "procps-pmaptop");
    let maps = section(&c, "mapstop");
    assert_eq!(num(row(&pmaptop, "total")[1]), status[top]["VmSize"], "{pmaptop:#?}");
    assert_eq!(pmaptop.len() - 2, maps.len(), "one pmap line per area:\n{pmaptop:#?}\n{maps:#?}");
    for (p, m) in pmaptop[1..].iter().zip(&maps) {
        let (range, name) = (m.split_whitespace().next().unwrap(), m.split_whitespace().nth(5));
        let (s, e) = range.split_once('-').unwrap();
        let (s, e) = (u64::from_str_radix(s, 16).unwrap(), u64::from_str_radix(e, 16).unwrap());
        let cols: Vec<&str> = p.split_whitespace().collect();
        assert_eq!(u64::from_str_radix(cols[0], 16).unwrap(), s, "{p} vs {m}");
        assert_eq!(num(cols[1]) * 1024, e - s, "{p} vs {m}");
        if let Some(path) = name.filter(|n| n.starts_with('/')) {
            assert_eq!(cols[3], path.rsplit('/').next().unwrap(), "{p} vs {m}");
        }
    }
    for lib in ["libc.so.6", "libproc2.so.0", "ld-linux-riscv64-lp64d.so.1"] {
        assert!(pmaptop.iter().any(|l| l.ends_with(&format!("r-x-- {lib}"))), "{lib} in pmap:\n{pmaptop:#?}");
        let path = if lib.starts_with("ld-") { format!("/lib/{lib}") } else { format!("/lib/riscv64-linux-gnu/{lib}") };
        assert!(maps.iter().any(|l| l.ends_with(&format!(" {path}")) && l.contains(" r-xp ")), "{path}:\n{maps:#?}");
    }

    // top: the memory summary in MiB and each process's RES, as the kernel counts them.
    let t = section(&c, "procps-top");
    let mib = row(&t, "MiB");
    assert_eq!(mib[3], format!("{:.1}", total as f64 / 1024.0), "top's MiB Mem total:\n{t:#?}");
    for pid in [m4, m8] {
        let r = row(&t, pid);
        assert_eq!(num(r[5]), status[pid]["VmRSS"], "top RES of {pid}:\n{t:#?}");
        assert_eq!(num(r[4]), status[pid]["VmSize"], "top VIRT of {pid}:\n{t:#?}");
        assert_eq!(r[1], "root", "user from /etc/passwd:\n{t:#?}");
    }
    let bt = section(&c, "busybox-top");
    let m = row(&bt, "Mem:");
    assert_eq!(num(m[1]) + num(m[3]), total, "busybox top: used + free = MemTotal:\n{bt:#?}");
    for pid in [m4, m8] {
        assert_eq!(num(row(&bt, pid)[4]), status[pid]["VmSize"], "busybox top VSZ of {pid}:\n{bt:#?}");
    }

    // uptime: under a minute up, the load averages of /proc/loadavg.
    let load = section(&c, "loadavg")[0].split_whitespace().take(3).collect::<Vec<_>>().join(", ");
    for s in ["procps-uptime", "busybox-uptime"] {
        let u = section(&c, s);
        assert!(u[0].contains(" up 0 min,"), "{s}: {u:#?}");
        assert!(u[0].ends_with(&format!("load average: {load}")), "{s}: {u:#?} vs {load}");
    }
}
