//! hugepage: transparent 2 MiB megapages, the TLB-reach experiment and the checks.
//!
//! - `hugepage touch MIB PASSES huge|small|default`: maps MIB MiB of anonymous
//!   memory at a 2 MiB-aligned address, madvise(MADV_HUGEPAGE) (`huge`),
//!   madvise(MADV_NOHUGEPAGE) (`small`) or no advice (`default`: what the
//!   system-wide policy gives), then walks it PASSES times, one
//!   load and one store per 4 KiB page (address order, so each page is a new
//!   translation). With megapages the whole region needs MIB/2 TLB entries,
//!   with 4 KiB pages MIB*256: run it under svemu's `--stats` both ways and
//!   compare the TLB misses and page walks. Prints the faults taken, the
//!   region's AnonHugePages (its /proc/self/smaps entry) and a checksum.
//! - `hugepage check`: the megapage life cycle with data checks: maps 8 MiB
//!   with MADV_HUGEPAGE and fills it with a pattern (4 megapages); munmaps
//!   one 4 KiB page inside the first (a split), mprotects 64 KiB of the
//!   second read-only (a split), munmaps the third whole (no split), forks:
//!   the child writes one page of the fourth (its megapage splits, the page
//!   is copied) and checks everything, the parent checks its own data
//!   after the child exits. Prints the smaps and /proc/vmstat figures at
//!   each step; exits 0 only if every word read back right.
//! - `hugepage hugetlb`: mmap(MAP_HUGETLB) checks against the pool (boot
//!   with `hugepages=N`): the errors Linux gives (MAP_HUGE_1GB, a file
//!   mapping, an unaligned MAP_FIXED, a partial munmap: -EINVAL; more than
//!   the pool: -ENOMEM), 4 MiB mapped, filled and read back, a fork whose
//!   child gets its own copy, HugePages_Free and the area's smaps at each step.
//! - `hugepage policy VALUE`: prints /proc/sys/vm/transparent_hugepage,
//!   writes VALUE into it, prints it again.
//! - `hugepage fill MIB`: maps MIB MiB with MADV_HUGEPAGE, writes a pattern
//!   into every page, then reads every page back twice (under memory
//!   pressure with a swap disk the megapages split and their pages are
//!   swapped out and in); prints the bad pages (0 expected).
#![no_std]
#![no_main]

use ulib::println;
use ulib::sys::{self, mman::*, rusage::RUSAGE_SELF, syscall3};

const PAGE: usize = 4096;
const HPAGE: usize = 2 << 20;
const SYS_MADVISE: usize = 233;

fn faults() -> (i64, i64) {
    sys::getrusage(RUSAGE_SELF).map_or((-1, -1), |r| (r.ru_minflt, r.ru_majflt))
}

/// Maps `len` bytes of anonymous R+W memory at a 2 MiB-aligned address
/// (over-maps by 2 MiB and unmaps the slack) and gives it `advice` (none if 0).
fn map_aligned(len: usize, advice: usize) -> Option<usize> {
    let raw = sys::mmap(0, len + HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    if raw < 0 {
        println!("hugepage: mmap of {} bytes failed: {}", len + HPAGE, raw);
        return None;
    }
    let raw = raw as usize;
    let base = raw.next_multiple_of(HPAGE);
    if base > raw {
        sys::munmap(raw, base - raw);
    }
    if raw + HPAGE > base {
        sys::munmap(base + len, raw + HPAGE - base);
    }
    let r = if advice == 0 { 0 } else { syscall3(SYS_MADVISE, base, len, advice) };
    if r != 0 {
        println!("hugepage: madvise({}) failed: {}", advice, r);
        return None;
    }
    Some(base)
}

/// Reads a whole (small) file into `buf`; the bytes read.
fn read_file<'a>(path: &[u8], buf: &'a mut [u8]) -> &'a str {
    let fd = sys::open(path);
    if fd < 0 {
        return "";
    }
    let mut n = 0;
    while n < buf.len() {
        let r = sys::read(fd as usize, &mut buf[n..]);
        if r <= 0 {
            break;
        }
        n += r as usize;
    }
    sys::close(fd as usize);
    core::str::from_utf8(&buf[..n]).unwrap_or("")
}

/// The value (first number) of the line of `text` that starts with `key`.
fn field(text: &str, key: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l[key.len()..].split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// AnonHugePages (kB) of the smaps entry of the area starting at `base`.
fn area_huge_kb(base: usize) -> u64 {
    static mut BUF: [u8; 32768] = [0; 32768];
    // SAFETY: single-threaded program; the buffer is only used here.
    let text = read_file(b"/proc/self/smaps\0", unsafe { &mut *core::ptr::addr_of_mut!(BUF) });
    let mut head = [0u8; 20];
    let want = fmt_hex(base, &mut head);
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with(want) && l.as_bytes().get(want.len()) == Some(&b'-') {
            for l in lines.by_ref() {
                if let Some(rest) = l.strip_prefix("AnonHugePages:") {
                    return rest.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
                }
            }
        }
    }
    0
}

/// `v` in lower-case hex, at least 8 digits (as maps prints addresses).
fn fmt_hex(v: usize, buf: &mut [u8; 20]) -> &str {
    let digits = ((usize::BITS - v.leading_zeros()).div_ceil(4) as usize).max(8);
    for i in 0..digits {
        buf[digits - 1 - i] = b"0123456789abcdef"[(v >> (4 * i)) & 15];
    }
    core::str::from_utf8(&buf[..digits]).unwrap_or("")
}

/// One line with the system-wide THP figures: meminfo AnonHugePages and
/// the vmstat thp_* counters.
fn print_counters(step: &str) {
    let mut buf = [0u8; 4096];
    let meminfo = read_file(b"/proc/meminfo\0", &mut buf);
    let huge = field(meminfo, "AnonHugePages:");
    let mut buf = [0u8; 4096];
    let vmstat = read_file(b"/proc/vmstat\0", &mut buf);
    println!(
        "hugepage: {}: AnonHugePages {} kB, thp_fault_alloc {}, thp_fault_fallback {}, thp_split_page {}",
        step,
        huge,
        field(vmstat, "thp_fault_alloc "),
        field(vmstat, "thp_fault_fallback "),
        field(vmstat, "thp_split_page ")
    );
}

/// The word stored at byte offset `off` of a region (tag picks the writer).
fn value(off: usize, tag: u64) -> u64 {
    ((off as u64) << 8 | tag).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn store(base: usize, off: usize, tag: u64) {
    // SAFETY: inside an R+W mapping of this program.
    unsafe { ((base + off) as *mut u64).write_volatile(value(off, tag)) };
}

fn load(base: usize, off: usize) -> u64 {
    // SAFETY: inside a readable mapping of this program.
    unsafe { ((base + off) as *const u64).read_volatile() }
}

/// Pages of `[from, to)` (offsets) whose first and last words are not `tag`'s.
fn bad_pages(base: usize, from: usize, to: usize, tag: u64) -> usize {
    (from..to)
        .step_by(PAGE)
        .filter(|&off| load(base, off) != value(off, tag) || load(base, off + PAGE - 8) != value(off + PAGE - 8, tag))
        .count()
}

fn fill(base: usize, from: usize, to: usize, tag: u64) {
    for off in (from..to).step_by(PAGE) {
        store(base, off, tag);
        store(base, off + PAGE - 8, tag);
    }
}

fn touch(mib: usize, passes: usize, how: &str) -> i32 {
    let len = mib << 20;
    let (minor0, _) = faults();
    let advice = match how {
        "huge" => MADV_HUGEPAGE,
        "small" => MADV_NOHUGEPAGE,
        _ => 0,
    };
    let Some(base) = map_aligned(len, advice) else { return 1 };
    let mut sum = 0u64;
    for pass in 0..passes as u64 {
        for off in (0..len).step_by(PAGE) {
            let p = (base + off) as *mut u64;
            // SAFETY: inside the R+W mapping made above.
            unsafe {
                sum = sum.wrapping_add(p.read_volatile());
                p.write_volatile(off as u64 ^ pass);
            }
        }
    }
    let (minor, _) = faults();
    println!(
        "hugepage: {} MiB x {} passes, {} pages: {} minor faults, AnonHugePages {} kB, checksum {:#x}",
        mib,
        passes,
        how,
        minor - minor0,
        area_huge_kb(base),
        sum
    );
    0
}

fn check() -> i32 {
    let len = 4 * HPAGE;
    let Some(base) = map_aligned(len, MADV_HUGEPAGE) else { return 1 };
    fill(base, 0, len, 1);
    println!("hugepage: filled 8 MiB at a 2 MiB boundary: area AnonHugePages {} kB", area_huge_kb(base));
    print_counters("after the faults");
    let mut bad = bad_pages(base, 0, len, 1);

    // A hole in the first megapage: split, the other 511 pages intact.
    let hole = 5 * PAGE;
    if sys::munmap(base + hole, PAGE) != 0 {
        println!("hugepage: FAIL: munmap of one page");
        return 1;
    }
    bad += bad_pages(base, 0, hole, 1) + bad_pages(base, hole + PAGE, HPAGE, 1);
    println!("hugepage: munmap 4 KiB at +{:#x}: first part AnonHugePages {} kB", hole, area_huge_kb(base));
    print_counters("after the partial munmap");

    // 64 KiB of the second megapage read-only: split, data intact.
    if sys::mprotect(base + HPAGE + 16 * PAGE, 16 * PAGE, PROT_READ) != 0 {
        println!("hugepage: FAIL: mprotect");
        return 1;
    }
    bad += bad_pages(base, HPAGE, 2 * HPAGE, 1);
    print_counters("after the partial mprotect");

    // The third megapage unmapped whole: no split.
    if sys::munmap(base + 2 * HPAGE, HPAGE) != 0 {
        println!("hugepage: FAIL: munmap of a megapage");
        return 1;
    }
    print_counters("after munmap of a whole megapage");
    println!("hugepage: fourth megapage AnonHugePages {} kB", area_huge_kb(base + 3 * HPAGE));

    // fork: the fourth megapage is shared copy-on-write.
    let last = 3 * HPAGE;
    let pid = sys::fork();
    if pid < 0 {
        println!("hugepage: FAIL: fork: {}", pid);
        return 1;
    }
    if pid == 0 {
        println!("hugepage: child sees AnonHugePages {} kB before its store", area_huge_kb(base + last));
        fill(base, last + 7 * PAGE, last + 8 * PAGE, 2);
        let mut bad = bad_pages(base, last, last + 7 * PAGE, 1)
            + bad_pages(base, last + 7 * PAGE, last + 8 * PAGE, 2)
            + bad_pages(base, last + 8 * PAGE, last + HPAGE, 1);
        bad += bad_pages(base, 0, hole, 1) + bad_pages(base, HPAGE, 2 * HPAGE, 1);
        println!("hugepage: child stored into one page: AnonHugePages {} kB", area_huge_kb(base + last));
        print_counters("child after its store");
        println!("hugepage: child: {} bad pages", bad);
        sys::exit(if bad == 0 { 0 } else { 1 });
    }
    let mut status = 0;
    sys::wait4(pid, &mut status, 0);
    bad += bad_pages(base, last, last + HPAGE, 1);
    println!(
        "hugepage: parent after the child: AnonHugePages {} kB, child status {}",
        area_huge_kb(base + last),
        sys::status_code(status)
    );
    print_counters("at the end");
    println!("hugepage: {} bad pages", bad);
    if bad == 0 && sys::status_code(status) == 0 {
        0
    } else {
        1
    }
}

fn fill_check(mib: usize) -> i32 {
    let len = mib << 20;
    let (minor0, major0) = faults();
    let Some(base) = map_aligned(len, MADV_HUGEPAGE) else { return 1 };
    fill(base, 0, len, 3);
    print_counters("filled");
    let bad = bad_pages(base, 0, len, 3) + bad_pages(base, 0, len, 3);
    let (minor, major) = faults();
    println!(
        "hugepage: fill {} MiB: {} minor faults, {} major faults, {} bad pages",
        mib,
        minor - minor0,
        major - major0,
        bad
    );
    print_counters("checked");
    i32::from(bad != 0)
}

fn policy(value: &str) -> i32 {
    const PATH: &[u8] = b"/proc/sys/vm/transparent_hugepage\0";
    let mut buf = [0u8; 64];
    println!("hugepage: transparent_hugepage was: {}", read_file(PATH, &mut buf).trim_end());
    let fd = sys::open_with(PATH, 1, 0);
    let r = if fd < 0 { fd } else { sys::write(fd as usize, value.as_bytes()) };
    if fd >= 0 {
        sys::close(fd as usize);
    }
    let mut buf = [0u8; 64];
    println!("hugepage: write {:?}: {}; now: {}", value, r, read_file(PATH, &mut buf).trim_end());
    i32::from(r < 0)
}

/// meminfo's HugePages_Free and the smaps Private_Hugetlb and
/// KernelPageSize of the area at `base` (0: none).
fn print_hugetlb(step: &str, base: usize) {
    let mut buf = [0u8; 4096];
    let meminfo = read_file(b"/proc/meminfo\0", &mut buf);
    let (total, free) = (field(meminfo, "HugePages_Total:"), field(meminfo, "HugePages_Free:"));
    let (mut private, mut page) = (0, 0);
    if base != 0 {
        static mut BUF: [u8; 32768] = [0; 32768];
        // SAFETY: single-threaded program; the buffer is only used here.
        let text = read_file(b"/proc/self/smaps\0", unsafe { &mut *core::ptr::addr_of_mut!(BUF) });
        let mut head = [0u8; 20];
        let want = fmt_hex(base, &mut head);
        if let Some(at) = text.find(want) {
            let entry = &text[at..];
            let entry = &entry[..entry.find("VmFlags").unwrap_or(entry.len())];
            private =
                field(entry.lines().find(|l| l.starts_with("Private_Hugetlb:")).unwrap_or(""), "Private_Hugetlb:");
            page = field(entry.lines().find(|l| l.starts_with("KernelPageSize:")).unwrap_or(""), "KernelPageSize:");
        }
    }
    println!(
        "hugepage: {}: HugePages_Total {}, HugePages_Free {}; area Private_Hugetlb {} kB, KernelPageSize {} kB",
        step, total, free, private, page
    );
}

fn hugetlb() -> i32 {
    let rw = PROT_READ | PROT_WRITE;
    let anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
    print_hugetlb("at start", 0);
    let mut ok = true;
    let mut expect = |what: &str, got: isize, want: isize| {
        println!("hugepage: {}: {}", what, got);
        ok &= got == want;
    };
    expect("MAP_HUGE_1GB", sys::mmap(0, HPAGE, rw, anon | MAP_HUGE_1GB), -22);
    expect("MAP_SHARED", sys::mmap(0, HPAGE, rw, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB), -22);
    expect("unaligned MAP_FIXED", sys::mmap(0x4000_1000, HPAGE, rw, anon | MAP_FIXED), -22);
    expect("more than the pool", sys::mmap(0, 64 * HPAGE, rw, anon), -12);
    let base = sys::mmap(0, 2 * HPAGE - PAGE, rw, anon | MAP_HUGE_2MB);
    if base < 0 || !(base as usize).is_multiple_of(HPAGE) {
        println!("hugepage: FAIL: MAP_HUGETLB of 4 MiB: {}", base);
        return 1;
    }
    let base = base as usize;
    print_hugetlb("mapped 4 MiB", base);
    fill(base, 0, 2 * HPAGE, 4);
    let mut bad = bad_pages(base, 0, 2 * HPAGE, 4);
    expect("munmap of 4 KiB of it", sys::munmap(base + PAGE, PAGE), -22);
    expect("mprotect of 4 KiB of it", sys::mprotect(base, PAGE, PROT_READ), -22);
    expect("madvise DONTNEED", syscall3(SYS_MADVISE, base, HPAGE, MADV_DONTNEED), -22);
    let pid = sys::fork();
    if pid == 0 {
        fill(base, 0, HPAGE, 5);
        let bad = bad_pages(base, 0, HPAGE, 5) + bad_pages(base, HPAGE, 2 * HPAGE, 4);
        print_hugetlb("child after its stores", base);
        sys::exit(i32::from(bad != 0));
    }
    let mut status = 0;
    sys::wait4(pid, &mut status, 0);
    bad += bad_pages(base, 0, 2 * HPAGE, 4);
    println!("hugepage: child status {}, parent's data {} bad pages", sys::status_code(status), bad);
    expect("munmap of the first 2 MiB", sys::munmap(base, HPAGE), 0);
    print_hugetlb("after munmap of one page", base + HPAGE);
    bad += bad_pages(base, HPAGE, 2 * HPAGE, 4);
    expect("munmap of the rest", sys::munmap(base + HPAGE, HPAGE), 0);
    print_hugetlb("at the end", 0);
    println!("hugepage: hugetlb: {} bad pages", bad);
    i32::from(!(ok && bad == 0 && sys::status_code(status) == 0))
}

#[no_mangle]
fn main() -> i32 {
    let num = |i: usize| if ulib::argc() > i { ulib::arg(i).parse::<usize>().unwrap_or(0) } else { 0 };
    match ulib::arg(1) {
        "touch" if num(2) > 0 && num(3) > 0 && matches!(ulib::arg(4), "huge" | "small" | "default") => {
            touch(num(2), num(3), ulib::arg(4))
        }
        "policy" if ulib::argc() > 2 => policy(ulib::arg(2)),
        "check" => check(),
        "hugetlb" => hugetlb(),
        "fill" if num(2) > 0 => fill_check(num(2)),
        _ => {
            println!(
                "usage: hugepage touch MIB PASSES huge|small|default | hugepage check | hugepage hugetlb | hugepage fill MIB | hugepage policy VALUE"
            );
            2
        }
    }
}
