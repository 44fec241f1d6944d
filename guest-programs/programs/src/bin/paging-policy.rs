//! paging-policy: the page replacement study (OSTEP ch. 22) on real memory.
//!
//! ```text
//! paging-policy POLICIES FRAMES REFS [-q] [-w]
//! paging-policy set-policy NAME          (writes /proc/sys/vm/policy)
//! paging-policy rlimit LIMIT PAGES       (local replacement under RLIMIT_RSS)
//! ```
//!
//! Replays the page reference string REFS on a region of anonymous memory
//! (one page per page number) that the kernel holds to FRAMES resident
//! pages (the `svos_replay` system call, [`SYS_SVOS_REPLAY`]): each
//! reference loads a byte of its page (`-w`: stores one), and the kernel's
//! policy chooses the victim when a page must come in. Before each access
//! `mincore(2)` tells whether the page is resident (a hit) or not (a miss);
//! after it, mincore gives the resident set printed. Policies:
//!
//! - `fifo`, `clock`, `aging` (the kernel's LRU approximation), `random`:
//!   the kernel's policies (see guest-os/src/mm/policy.rs);
//! - `lru`: exact LRU, the kernel's trapping mode (every access to a page
//!   other than the last one faults, so the kernel knows true recency);
//! - `opt`: Belady's optimal policy, computed here from the known string
//!   (no kernel involved): the bound;
//! - `system`: the kernel's system-wide policy (/proc/sys/vm/policy),
//!   reported by its name;
//! - several joined by `+` (`fifo+lru+opt`), or `all` (every one above
//!   but `system`).
//!
//! FRAMES is a number or a range `A-B` (every frame count from A to B).
//! REFS is page numbers separated by `,` `.` or `/` (`1.2.3.4.1.2.5`: the
//! kernel command line cannot carry `,`), or `gen.SEED.LEN.PAGES`: LEN
//! references to PAGES pages with locality (OSTEP's 80-20 workload: 80%
//! of the references go to the first 20% of the pages), from a xorshift
//! generator seeded with SEED. `-q` prints only the totals.
//!
//! For `fifo` and `lru` the kernel's hits are checked against the textbook
//! model of the policy run on the same string: a difference is reported
//! and makes the exit status 1.
//!
//! Each run ends with one machine-readable line (the plots read it):
//! `policy=NAME frames=N refs=N hits=N misses=N hit_rate=0.NNNN`.
#![no_std]
#![no_main]

use ulib::alloc::vec::Vec;
use ulib::println;
use ulib::sys::{self, mman::*};

const PAGE: usize = 4096;
use sys::{SYS_MINCORE, SYS_OPENAT, SYS_PRLIMIT64, SYS_SVOS_REPLAY};
const RLIMIT_RSS: usize = 5;
/// Most distinct page numbers a string may use.
const MAX_PAGES: usize = 4096;

/// How a run replaces pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// A kernel policy, by its svos_replay number (5: the system-wide one).
    Kernel(usize),
    /// Belady's OPT, computed here.
    Opt,
}

/// The policies by name: (name, mode).
const POLICIES: [(&str, Mode); 7] = [
    ("fifo", Mode::Kernel(0)),
    ("clock", Mode::Kernel(1)),
    ("aging", Mode::Kernel(2)),
    ("random", Mode::Kernel(3)),
    ("lru", Mode::Kernel(4)),
    ("opt", Mode::Opt),
    ("system", Mode::Kernel(5)),
];

fn usage() -> i32 {
    println!("usage: paging-policy POLICIES FRAMES REFS [-q] [-w]");
    println!("       paging-policy set-policy fifo|clock|lru|random");
    println!("       paging-policy rlimit LIMIT_PAGES PAGES");
    println!("  POLICIES: fifo clock aging random lru opt system, joined by '+', or all");
    println!("  FRAMES: N or A-B;  REFS: 1,2,3 (or 1.2.3) or gen.SEED.LEN.PAGES");
    2
}

#[no_mangle]
fn main() -> i32 {
    match ulib::arg(1) {
        "set-policy" => return set_policy(ulib::arg(2)),
        "rlimit" => return rlimit(ulib::arg(2).parse().unwrap_or(0), ulib::arg(3).parse().unwrap_or(0)),
        _ => {}
    }
    if ulib::argc() < 4 {
        return usage();
    }
    let mut modes = Vec::new();
    let spec = ulib::arg(1);
    for name in spec.split('+') {
        if name == "all" {
            modes.extend(POLICIES.iter().filter(|(n, _)| *n != "system").copied());
            continue;
        }
        match POLICIES.iter().find(|(n, _)| *n == name) {
            Some(&p) => modes.push(p),
            None => {
                println!("paging-policy: unknown policy {:?}", name);
                return usage();
            }
        }
    }
    let Some((lo, hi)) = parse_frames(ulib::arg(2)) else {
        println!("paging-policy: bad frame count {:?} (N or A-B, N >= 1)", ulib::arg(2));
        return usage();
    };
    let refs = match parse_refs(ulib::arg(3)) {
        Ok(r) => r,
        Err(e) => {
            println!("paging-policy: {}", e);
            return usage();
        }
    };
    let (mut quiet, mut write) = (false, false);
    for i in 4..ulib::argc() {
        match ulib::arg(i) {
            "-q" => quiet = true,
            "-w" => write = true,
            other => {
                println!("paging-policy: unknown option {:?}", other);
                return usage();
            }
        }
    }
    let mut status = 0;
    for &(name, mode) in &modes {
        for frames in lo..=hi {
            match replay(name, mode, frames, &refs, quiet, write) {
                Ok(true) => {}
                Ok(false) => status = 1,
                Err(e) => {
                    println!("paging-policy: {}", e);
                    return 1;
                }
            }
        }
    }
    status
}

/// `N` or `A-B` with 1 <= A <= B.
fn parse_frames(s: &str) -> Option<(usize, usize)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b) = (a.parse().ok()?, b.parse().ok()?);
    (1 <= a && a <= b && b <= MAX_PAGES).then_some((a, b))
}

/// The reference string: page numbers, or `gen.SEED.LEN.PAGES`.
fn parse_refs(s: &str) -> Result<Vec<usize>, &'static str> {
    let sep = |c: char| c == ',' || c == '.' || c == '/';
    let mut parts = s.split(sep);
    if s.starts_with("gen") {
        parts.next();
        let mut num = || parts.next().and_then(|p| p.parse::<usize>().ok());
        let (Some(seed), Some(len), Some(pages)) = (num(), num(), num()) else {
            return Err("gen needs SEED.LEN.PAGES");
        };
        if len == 0 || len > 100_000 || pages == 0 || pages > MAX_PAGES {
            return Err("gen: LEN must be 1..100000 and PAGES 1..4096");
        }
        return Ok(generate(seed as u64, len, pages));
    }
    let refs: Option<Vec<usize>> = parts.map(|p| p.parse().ok().filter(|&n: &usize| n < MAX_PAGES)).collect();
    match refs {
        Some(r) if !r.is_empty() => Ok(r),
        _ => Err("REFS must be page numbers 0..4095 separated by ',' '.' or '/'"),
    }
}

/// `len` references to `pages` pages, 80% of them to the first 20% (at
/// least one page), from xorshift64 seeded with `seed`.
fn generate(seed: u64, len: usize, pages: usize) -> Vec<usize> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let hot = (pages / 5).max(1);
    (0..len)
        .map(|_| {
            let r = next();
            if r % 100 < 80 || hot == pages {
                (next() % hot as u64) as usize
            } else {
                hot + (next() % (pages - hot) as u64) as usize
            }
        })
        .collect()
}

/// One replay of `refs` with `frames` frames; prints each access (unless
/// `quiet`), the totals and the summary line. Ok(false) if the kernel's
/// FIFO or exact LRU disagreed with the textbook model.
fn replay(
    name: &str,
    mode: Mode,
    frames: usize,
    refs: &[usize],
    quiet: bool,
    write: bool,
) -> Result<bool, &'static str> {
    let npages = refs.iter().max().map_or(0, |m| m + 1);
    let label = match mode {
        Mode::Kernel(5) => system_policy_name(),
        _ => Label::from(name),
    };
    let name = label.as_str();
    let model_kind = match (mode, name) {
        (Mode::Opt, _) => Some(Model::Opt),
        (_, "fifo") => Some(Model::Fifo),
        (Mode::Kernel(4), _) => Some(Model::Lru),
        _ => None,
    };
    let model = model_kind.map(|k| simulate(k, frames, refs));
    if !quiet {
        let how = match mode {
            Mode::Opt => "computed from the string",
            Mode::Kernel(4) => "kernel, every access traps",
            _ => "kernel",
        };
        println!("paging-policy: {} ({}), {} frames, {} references to {} pages", name, how, frames, refs.len(), npages);
    }
    let (hits, agree) = match mode {
        Mode::Opt => {
            let m = model.as_ref().ok_or("no model")?;
            if !quiet {
                for (i, &page) in refs.iter().enumerate() {
                    print_access(i, page, m.hit[i], &m.resident[i]);
                }
            }
            (m.hit.iter().filter(|&&h| h).count(), true)
        }
        Mode::Kernel(policy) => {
            let hit = replay_kernel(policy, frames, refs, npages, quiet, write)?;
            let agree = model.as_ref().is_none_or(|m| m.hit == hit);
            if let (Some(m), false) = (&model, agree) {
                let i = m.hit.iter().zip(&hit).position(|(a, b)| a != b).unwrap_or(0);
                println!(
                    "paging-policy: {} DIFFERS from the textbook model at access {} (page {}): kernel {}, model {}",
                    name,
                    i + 1,
                    refs[i],
                    if hit[i] { "hit" } else { "miss" },
                    if m.hit[i] { "hit" } else { "miss" }
                );
            }
            (hit.iter().filter(|&&h| h).count(), agree)
        }
    };
    let misses = refs.len() - hits;
    // Hit rate in hundredths of a percent (0..=10000), rounded half up.
    let rate = (hits * 20_000 + refs.len()) / (2 * refs.len());
    if !quiet {
        println!(
            "{} with {} frames: {} hits, {} misses, hit rate {}.{:02}%{}",
            name,
            frames,
            hits,
            misses,
            rate / 100,
            rate % 100,
            if model_kind.is_some() && mode != Mode::Opt && agree { " (as the textbook model)" } else { "" }
        );
    }
    println!(
        "policy={} frames={} refs={} hits={} misses={} hit_rate={}.{:04}",
        name,
        frames,
        refs.len(),
        hits,
        misses,
        rate / 10_000,
        rate % 10_000
    );
    Ok(agree)
}

/// Replays `refs` on a fresh region of `npages` pages under kernel policy
/// number `policy`; returns hit or miss per access.
fn replay_kernel(
    policy: usize,
    frames: usize,
    refs: &[usize],
    npages: usize,
    quiet: bool,
    write: bool,
) -> Result<Vec<bool>, &'static str> {
    let len = npages * PAGE;
    let base = sys::mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if base < 0 {
        return Err("mmap of the region failed");
    }
    let base = base as usize;
    if sys::syscall4(SYS_SVOS_REPLAY, base, len, frames, policy) != 0 {
        sys::munmap(base, len);
        return Err("svos_replay failed: this kernel has no replay regions (svos only)");
    }
    let mut vec = ulib::alloc::vec![0u8; npages];
    let mut hit = Vec::with_capacity(refs.len());
    for (i, &page) in refs.iter().enumerate() {
        let resident = mincore(base, npages, &mut vec)?;
        if resident.iter().filter(|&&r| r & 1 != 0).count() > frames {
            sys::munmap(base, len);
            return Err("the kernel could not keep the region to its frames (with -w, evictions need a swap disk)");
        }
        hit.push(resident[page] & 1 != 0);
        let p = (base + page * PAGE) as *mut u8;
        // SAFETY: inside the R+W region mapped above.
        unsafe {
            if write {
                p.write_volatile(page as u8 | 1);
            } else {
                p.read_volatile();
            }
        }
        if !quiet {
            let now = mincore(base, npages, &mut vec)?;
            let set: Vec<usize> = (0..npages).filter(|&q| now[q] & 1 != 0).collect();
            print_access(i, page, hit[i], &set);
        }
    }
    sys::munmap(base, len);
    Ok(hit)
}

/// mincore over the region into `vec`.
fn mincore(base: usize, npages: usize, vec: &mut [u8]) -> Result<&[u8], &'static str> {
    if sys::syscall3(SYS_MINCORE, base, npages * PAGE, vec.as_mut_ptr() as usize) != 0 {
        return Err("mincore failed");
    }
    Ok(&vec[..npages])
}

/// `access 5: page 1 hit   resident [0 1 3]`.
fn print_access(i: usize, page: usize, hit: bool, resident: &[usize]) {
    let mut line = ulib::alloc::string::String::new();
    use core::fmt::Write;
    let _ = write!(line, "access {:3}: page {:3} {}  resident [", i + 1, page, if hit { "hit " } else { "miss" });
    for (k, p) in resident.iter().enumerate() {
        let _ = write!(line, "{}{}", if k == 0 { "" } else { " " }, p);
    }
    line.push(']');
    println!("{}", line);
}

/// The textbook models this program computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Model {
    Fifo,
    Lru,
    Opt,
}

/// A model's run: hit per access, resident set (ascending) after each.
struct ModelRun {
    hit: Vec<bool>,
    resident: Vec<Vec<usize>>,
}

/// Runs `kind` over `refs` with `frames` frames. FIFO evicts the page
/// loaded first, LRU the page used longest ago, OPT the page whose next
/// use is farthest (never again counts as farthest; ties: lowest page).
fn simulate(kind: Model, frames: usize, refs: &[usize]) -> ModelRun {
    // (page, loaded at, last used at)
    let mut set: Vec<(usize, usize, usize)> = Vec::new();
    let mut run = ModelRun { hit: Vec::new(), resident: Vec::new() };
    for (i, &page) in refs.iter().enumerate() {
        if let Some(e) = set.iter_mut().find(|e| e.0 == page) {
            e.2 = i;
            run.hit.push(true);
        } else {
            if set.len() >= frames {
                let victim = match kind {
                    Model::Fifo => (0..set.len()).min_by_key(|&k| set[k].1),
                    Model::Lru => (0..set.len()).min_by_key(|&k| set[k].2),
                    Model::Opt => (0..set.len()).max_by_key(|&k| {
                        let next = refs[i + 1..].iter().position(|&p| p == set[k].0).unwrap_or(usize::MAX);
                        (next, usize::MAX - set[k].0)
                    }),
                };
                if let Some(v) = victim {
                    set.remove(v);
                }
            }
            set.push((page, i, i));
            run.hit.push(false);
        }
        let mut now: Vec<usize> = set.iter().map(|e| e.0).collect();
        now.sort_unstable();
        run.resident.push(now);
    }
    run
}

/// A short owned name.
struct Label {
    buf: [u8; 16],
    len: usize,
}

impl Label {
    fn from(s: &str) -> Label {
        let mut l = Label { buf: [0; 16], len: s.len().min(16) };
        l.buf[..l.len].copy_from_slice(&s.as_bytes()[..l.len]);
        l
    }
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

/// The system-wide policy's name from /proc/sys/vm/policy ("system" if
/// it cannot be read).
fn system_policy_name() -> Label {
    let fd = sys::open(b"/proc/sys/vm/policy\0");
    if fd < 0 {
        return Label::from("system");
    }
    let mut buf = [0u8; 16];
    let n = sys::read(fd as usize, &mut buf);
    sys::close(fd as usize);
    let s = core::str::from_utf8(&buf[..n.max(0) as usize]).unwrap_or("system").trim();
    Label::from(if s.is_empty() { "system" } else { s })
}

/// `set-policy NAME`: writes NAME to /proc/sys/vm/policy and prints what
/// the file says then.
fn set_policy(name: &str) -> i32 {
    const O_WRONLY: usize = 1;
    let path = b"/proc/sys/vm/policy\0";
    let fd = sys::syscall4(SYS_OPENAT, sys::AT_FDCWD as usize, path.as_ptr() as usize, O_WRONLY, 0);
    if fd < 0 {
        println!("paging-policy: cannot open /proc/sys/vm/policy for writing: {}", fd);
        return 1;
    }
    let n = sys::write(fd as usize, name.as_bytes());
    sys::close(fd as usize);
    if n < 0 {
        println!("paging-policy: /proc/sys/vm/policy refused {:?}: {}", name, n);
        return 1;
    }
    println!("paging-policy: /proc/sys/vm/policy is now {}", system_policy_name().as_str());
    0
}

/// `rlimit LIMIT PAGES`: sets RLIMIT_RSS to LIMIT pages, then writes PAGES
/// pages of an anonymous area twice over (each pass stores the page's own
/// pattern and checks the previous one), so the kernel must evict the
/// process's own pages (local replacement) to stay under its limit.
/// Prints the peak resident set (ru_maxrss) and faults; exits 0 only if the
/// peak stayed within the limit and every page read back right.
fn rlimit(limit: usize, pages: usize) -> i32 {
    if limit == 0 || pages == 0 {
        return usage();
    }
    let lim = [(limit * PAGE) as u64, u64::MAX];
    if sys::syscall4(SYS_PRLIMIT64, 0, RLIMIT_RSS, lim.as_ptr() as usize, 0) != 0 {
        println!("paging-policy: prlimit(RLIMIT_RSS) failed");
        return 1;
    }
    let base = sys::mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if base < 0 {
        println!("paging-policy: mmap failed");
        return 1;
    }
    let base = base as usize;
    let word = |page: usize, pass: u64| (page as u64) << 8 | pass;
    let mut bad = 0;
    for pass in 1..=2u64 {
        for page in 0..pages {
            let p = (base + page * PAGE) as *mut u64;
            // SAFETY: inside the R+W mapping above.
            unsafe {
                if p.read_volatile() != if pass == 1 { 0 } else { word(page, pass - 1) } {
                    bad += 1;
                }
                p.write_volatile(word(page, pass));
            }
        }
    }
    let r = sys::getrusage(sys::rusage::RUSAGE_SELF).unwrap_or_default();
    let peak = r.ru_maxrss as usize / 4;
    println!(
        "rlimit: RLIMIT_RSS {} pages, wrote {} pages twice: peak resident {} pages, {} minor faults, {} major faults, {} bad pages",
        limit, pages, peak, r.ru_minflt, r.ru_majflt, bad
    );
    sys::munmap(base, pages * PAGE);
    if peak <= limit && bad == 0 {
        0
    } else {
        println!(
            "rlimit: FAIL: {}",
            if bad > 0 { "pages read back wrong" } else { "the resident set exceeded the limit" }
        );
        1
    }
}
