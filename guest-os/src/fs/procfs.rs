//! /proc in Linux's formats (proc(5), fs/proc/*.c, Linux 6.1): per process
//! (`PID/` and the `self` link) maps, smaps, stat, statm, status, cmdline,
//! comm, oom_score, oom_score_adj (writable) and the `exe` link;
//! system-wide meminfo, vmstat, buddyinfo, slabinfo, cpuinfo, stat, uptime,
//! loadavg and version; the writable sysctls of /proc/sys/vm (policy,
//! overcommit_memory, overcommit_ratio, panic_on_oom; sysctl(8) style:
//! `echo fifo > /proc/sys/vm/policy`). Memory figures come from the page tables,
//! frame records and swap slots ([`crate::mm::smaps`]), the buddy allocator
//! and the counters of [`crate::mm::vmstat`]. Contents are generated when
//! the file is opened (a snapshot, as a seq_file read from offset 0 is),
//! field for field as Linux prints them so that procps and BusyBox parse
//! them unchanged. svos keeps no CPU time per process, so time fields are 0.

use super::{Node, Stat, S_IFDIR, S_IFLNK, S_IFREG};
use crate::mm::addr_space::{Vma, VmaKind};
use crate::mm::page_table::PteFlags;
use crate::mm::smaps::{MemSizeStats, PSS_SHIFT};
use crate::mm::PAGE_SIZE;
use crate::proc::cputime::{self, CpuTime};
use crate::proc::process::{Process, State};
use crate::proc::sched;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A file of /proc/PID/.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PidFile {
    /// The VMAs, one line each.
    Maps,
    /// The VMAs, each with its page statistics.
    Smaps,
    /// One line of 52 fields.
    Stat,
    /// Seven sizes in pages.
    Statm,
    /// "Name:\tvalue" lines.
    Status,
    /// argv, NUL-separated.
    Cmdline,
    /// The command name and a newline.
    Comm,
    /// The OOM killer's badness scaled to 0..=2000 ([`crate::mm::oom::oom_score`]).
    OomScore,
    /// oom_score_adj, -1000..=1000: readable and writable.
    OomScoreAdj,
}

/// A system-wide file of /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalFile {
    /// Memory totals.
    Meminfo,
    /// Page-state gauges and event counters, "name value" lines.
    Vmstat,
    /// Free blocks per order of the buddy allocator.
    Buddyinfo,
    /// One paragraph per hart.
    Cpuinfo,
    /// CPU time and process counts.
    Stat,
    /// Seconds since boot and idle seconds.
    Uptime,
    /// Load averages and process counts.
    Loadavg,
    /// The kernel's version line.
    Version,
    /// The kernel heap's slab caches.
    Slabinfo,
}

const PID_FILES: [(&str, PidFile); 9] = [
    ("cmdline", PidFile::Cmdline),
    ("comm", PidFile::Comm),
    ("maps", PidFile::Maps),
    ("oom_score", PidFile::OomScore),
    ("oom_score_adj", PidFile::OomScoreAdj),
    ("smaps", PidFile::Smaps),
    ("stat", PidFile::Stat),
    ("statm", PidFile::Statm),
    ("status", PidFile::Status),
];
const GLOBAL_FILES: [(&str, GlobalFile); 9] = [
    ("buddyinfo", GlobalFile::Buddyinfo),
    ("cpuinfo", GlobalFile::Cpuinfo),
    ("loadavg", GlobalFile::Loadavg),
    ("meminfo", GlobalFile::Meminfo),
    ("slabinfo", GlobalFile::Slabinfo),
    ("stat", GlobalFile::Stat),
    ("uptime", GlobalFile::Uptime),
    ("version", GlobalFile::Version),
    ("vmstat", GlobalFile::Vmstat),
];

/// A file of /proc/sys/vm or /proc/sys/kernel (a sysctl).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sysctl {
    /// vm/policy: the page replacement policy's name ([`crate::mm::policy`]), writable.
    Policy,
    /// vm.overcommit_memory, 0..=2 ([`crate::mm::commit`]), writable.
    OvercommitMemory,
    /// vm.overcommit_ratio, a percentage ([`crate::mm::commit`]), writable.
    OvercommitRatio,
    /// vm.panic_on_oom, 0..=2 ([`crate::mm::oom`]), writable.
    PanicOnOom,
    /// The transparent-huge-page policy ([`crate::mm::huge_memory`]),
    /// writable: Linux's /sys/kernel/mm/transparent_hugepage/enabled.
    TransparentHugepage,
    /// The hugetlb pool's size in 2 MiB pages ([`crate::mm::hugetlb`]), writable.
    NrHugepages,
    /// kernel/osrelease: the release uname(2) reports (procps reads it), read-only.
    OsRelease,
    /// kernel/ostype: "Linux", read-only.
    OsType,
}

const VM_SYSCTLS: [(&str, Sysctl); 6] = [
    ("nr_hugepages", Sysctl::NrHugepages),
    ("overcommit_memory", Sysctl::OvercommitMemory),
    ("overcommit_ratio", Sysctl::OvercommitRatio),
    ("panic_on_oom", Sysctl::PanicOnOom),
    ("policy", Sysctl::Policy),
    ("transparent_hugepage", Sysctl::TransparentHugepage),
];
const KERNEL_SYSCTLS: [(&str, Sysctl); 2] = [("osrelease", Sysctl::OsRelease), ("ostype", Sysctl::OsType)];

/// An integer as Linux's proc_dointvec reads one: blanks around it, an
/// optional sign; anything else is -EINVAL.
fn parse_int(data: &[u8]) -> Result<i64, isize> {
    let text = core::str::from_utf8(data).map_err(|_| crate::syscall::errno::EINVAL)?;
    text.trim().parse().map_err(|_| crate::syscall::errno::EINVAL)
}

impl Sysctl {
    /// The value and a newline.
    fn read(self) -> String {
        match self {
            Sysctl::Policy => format!("{}\n", crate::mm::policy::current().name()),
            Sysctl::OvercommitMemory => format!("{}\n", crate::mm::commit::mode()),
            Sysctl::OvercommitRatio => format!("{}\n", crate::mm::commit::ratio()),
            Sysctl::PanicOnOom => format!("{}\n", crate::mm::oom::panic_on_oom()),
            Sysctl::TransparentHugepage => crate::mm::huge_memory::policy_text(),
            Sysctl::NrHugepages => format!("{}\n", crate::mm::hugetlb::pool().0),
            Sysctl::OsRelease => format!("{}\n", crate::syscall::time::RELEASE),
            Sysctl::OsType => String::from("Linux\n"),
        }
    }

    /// True for the sysctls a write may change.
    fn writable(self) -> bool {
        !matches!(self, Sysctl::OsRelease | Sysctl::OsType)
    }

    /// Sets the value from what a write(2) gave: `data` whole (one write is
    /// one value, as Linux's proc_dostring and proc_dointvec). -EINVAL for
    /// an unknown policy, a number that does not parse, or one out of range;
    /// -EPERM for a read-only sysctl.
    pub fn write(self, data: &[u8]) -> Result<usize, isize> {
        use crate::syscall::errno::EINVAL;
        let text = core::str::from_utf8(data).map_err(|_| EINVAL)?;
        match self {
            Sysctl::Policy => {
                let p = crate::mm::policy::Policy::parse(text).ok_or(EINVAL)?;
                crate::mm::policy::set(p);
            }
            Sysctl::OvercommitMemory => {
                let m = usize::try_from(parse_int(data)?).map_err(|_| EINVAL)?;
                crate::mm::commit::set_mode(m)?;
            }
            Sysctl::OvercommitRatio => {
                crate::mm::commit::set_ratio(usize::try_from(parse_int(data)?).map_err(|_| EINVAL)?);
            }
            Sysctl::PanicOnOom => {
                let m = usize::try_from(parse_int(data)?).map_err(|_| EINVAL)?;
                crate::mm::oom::set_panic_on_oom(m)?;
            }
            Sysctl::TransparentHugepage => {
                let p = crate::mm::huge_memory::Thp::parse(text).ok_or(crate::syscall::errno::EINVAL)?;
                crate::mm::huge_memory::set_policy(p);
            }
            Sysctl::NrHugepages => {
                let n = text.trim().parse::<usize>().map_err(|_| crate::syscall::errno::EINVAL)?;
                crate::mm::hugetlb::set_pool_size(n);
            }
            Sysctl::OsRelease | Sysctl::OsType => return Err(crate::syscall::errno::EPERM),
        }
        Ok(data.len())
    }
}

/// A node of /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// /proc/sys.
    Sys,
    /// /proc/sys/vm.
    SysVm,
    /// /proc/sys/kernel.
    SysKernel,
    /// A file of /proc/sys/vm or /proc/sys/kernel.
    Sysctl(Sysctl),
    /// /proc itself.
    Root,
    /// /proc/self: a link to the caller's PID directory.
    SelfLink,
    /// /proc/PID.
    Pid(usize),
    /// A file of /proc/PID.
    PidFile(usize, PidFile),
    /// /proc/PID/exe: a link to the program's path.
    Exe(usize),
    /// /proc/PID/task: a directory per thread of the process.
    Tasks(usize),
    /// /proc/PID/task/TID (process, thread).
    Task(usize, usize),
    /// A file of /proc/PID/task/TID: stat, status or comm of that thread.
    TaskFile(usize, usize, PidFile),
    /// A file of /proc.
    Global(GlobalFile),
}

static SWAP_SLOTS: AtomicUsize = AtomicUsize::new(0);

/// Records the swap size (slots of 4 KiB) for meminfo's SwapTotal.
pub fn set_swap_slots(n: usize) {
    SWAP_SLOTS.store(n, Ordering::Relaxed);
}

/// The files of /proc/PID/task/TID.
const TASK_FILES: [(&str, PidFile); 3] =
    [("comm", PidFile::Comm), ("stat", PidFile::Stat), ("status", PidFile::Status)];

/// Thread `tid` of live process `pid`, if it has not exited.
fn thread(pid: usize, tid: usize) -> Option<&'static mut Process> {
    live(pid)?;
    sched::proc_mut(tid).filter(|t| t.tgid == pid && t.space.is_some())
}

/// A process that has not exited: its directory is its leader's (a
/// thread id that is not a process id has none).
fn live(pid: usize) -> Option<&'static mut Process> {
    sched::proc_mut(pid).filter(|p| p.space.is_some() && p.is_leader())
}

impl Entry {
    /// True for directories.
    pub fn is_dir(&self) -> bool {
        matches!(
            self,
            Entry::Root
                | Entry::Pid(_)
                | Entry::Tasks(_)
                | Entry::Task(..)
                | Entry::Sys
                | Entry::SysVm
                | Entry::SysKernel
        )
    }

    /// True for the files a write may change (the sysctls of /proc/sys/vm,
    /// /proc/PID/oom_score_adj).
    pub fn is_writable(&self) -> bool {
        matches!(self, Entry::Sysctl(c) if c.writable()) || matches!(self, Entry::PidFile(_, PidFile::OomScoreAdj))
    }

    /// A write(2) of `data` (whole: one write is one value) to a writable
    /// file. -EINVAL for a value the file refuses, -ESRCH if the process
    /// has exited, -EBADF for a file that is not writable.
    pub fn write(&self, data: &[u8]) -> Result<usize, isize> {
        match *self {
            Entry::Sysctl(c) => c.write(data),
            Entry::PidFile(pid, PidFile::OomScoreAdj) => {
                set_oom_score_adj(pid, parse_int(data)?)?;
                Ok(data.len())
            }
            _ => Err(crate::syscall::errno::EBADF),
        }
    }

    /// The entry `name` of this directory.
    pub fn lookup(&self, name: &str) -> Option<Node> {
        let e = match *self {
            Entry::Root => {
                if name == "self" {
                    Entry::SelfLink
                } else if name == "sys" {
                    Entry::Sys
                } else if let Ok(pid) = name.parse::<usize>() {
                    live(pid)?;
                    Entry::Pid(pid)
                } else {
                    Entry::Global(GLOBAL_FILES.iter().find(|(n, _)| *n == name)?.1)
                }
            }
            Entry::Pid(pid) => {
                live(pid)?;
                if name == "exe" {
                    Entry::Exe(pid)
                } else if name == "task" {
                    Entry::Tasks(pid)
                } else {
                    Entry::PidFile(pid, PID_FILES.iter().find(|(n, _)| *n == name)?.1)
                }
            }
            Entry::Tasks(pid) => {
                let tid = name.parse::<usize>().ok()?;
                thread(pid, tid)?;
                Entry::Task(pid, tid)
            }
            Entry::Task(pid, tid) => {
                thread(pid, tid)?;
                Entry::TaskFile(pid, tid, TASK_FILES.iter().find(|(n, _)| *n == name)?.1)
            }
            Entry::Sys if name == "vm" => Entry::SysVm,
            Entry::Sys if name == "kernel" => Entry::SysKernel,
            Entry::SysVm => Entry::Sysctl(VM_SYSCTLS.iter().find(|(n, _)| *n == name)?.1),
            Entry::SysKernel => Entry::Sysctl(KERNEL_SYSCTLS.iter().find(|(n, _)| *n == name)?.1),
            _ => return None,
        };
        Some(Node::Proc(e))
    }

    /// The entries of this directory (without "." and "..").
    pub fn list(&self) -> Vec<(String, u64, u8)> {
        let mut out = Vec::new();
        match *self {
            Entry::Root => {
                for (n, g) in GLOBAL_FILES {
                    out.push((String::from(n), Entry::Global(g).stat().ino, super::DT_REG));
                }
                out.push((String::from("self"), Entry::SelfLink.stat().ino, super::DT_LNK));
                out.push((String::from("sys"), Entry::Sys.stat().ino, super::DT_DIR));
                for pid in sched::pids() {
                    if live(pid).is_some() {
                        out.push((format!("{}", pid), Entry::Pid(pid).stat().ino, super::DT_DIR));
                    }
                }
            }
            Entry::Pid(pid) => {
                out.push((String::from("exe"), Entry::Exe(pid).stat().ino, super::DT_LNK));
                for (n, f) in PID_FILES {
                    out.push((String::from(n), Entry::PidFile(pid, f).stat().ino, super::DT_REG));
                }
                out.push((String::from("task"), Entry::Tasks(pid).stat().ino, super::DT_DIR));
            }
            Entry::Tasks(pid) => {
                for tid in sched::pids() {
                    if thread(pid, tid).is_some() {
                        out.push((format!("{}", tid), Entry::Task(pid, tid).stat().ino, super::DT_DIR));
                    }
                }
            }
            Entry::Task(pid, tid) => {
                for (n, f) in TASK_FILES {
                    out.push((String::from(n), Entry::TaskFile(pid, tid, f).stat().ino, super::DT_REG));
                }
            }
            Entry::Sys => {
                out.push((String::from("kernel"), Entry::SysKernel.stat().ino, super::DT_DIR));
                out.push((String::from("vm"), Entry::SysVm.stat().ino, super::DT_DIR));
            }
            Entry::SysVm | Entry::SysKernel => {
                let files: &[(&str, Sysctl)] = if *self == Entry::SysVm { &VM_SYSCTLS } else { &KERNEL_SYSCTLS };
                for &(n, c) in files {
                    out.push((String::from(n), Entry::Sysctl(c).stat().ino, super::DT_REG));
                }
            }
            _ => {}
        }
        out
    }

    /// Where a link points.
    pub fn link_target(&self) -> Option<String> {
        match *self {
            Entry::SelfLink => Some(format!("/proc/{}", sched::current().tgid)),
            Entry::Exe(pid) => live(pid).map(|p| p.exe.clone()),
            _ => None,
        }
    }

    /// Metadata (inode numbers are made from the entry, as Linux does for /proc).
    pub fn stat(&self) -> Stat {
        let (mode, ino) = match *self {
            Entry::Root => (S_IFDIR | 0o555, 1),
            Entry::SelfLink => (S_IFLNK | 0o777, 2),
            Entry::Pid(p) => (S_IFDIR | 0o555, (p as u64) << 8),
            Entry::PidFile(p, f) => {
                let mode = if f == PidFile::OomScoreAdj { 0o644 } else { 0o444 };
                (S_IFREG | mode, ((p as u64) << 8) | (f as u64 + 2))
            }
            Entry::Exe(p) => (S_IFLNK | 0o777, ((p as u64) << 8) | 1),
            Entry::Tasks(p) => (S_IFDIR | 0o555, ((p as u64) << 8) | 0x40),
            Entry::Task(_, t) => (S_IFDIR | 0o555, ((t as u64) << 8) | 0x41),
            Entry::TaskFile(_, t, f) => (S_IFREG | 0o444, ((t as u64) << 8) | (0x42 + f as u64)),
            Entry::Global(g) => (S_IFREG | 0o444, 16 + g as u64),
            Entry::Sys => (S_IFDIR | 0o555, 48),
            Entry::SysVm => (S_IFDIR | 0o555, 49),
            Entry::SysKernel => (S_IFDIR | 0o555, 50),
            Entry::Sysctl(c) => (S_IFREG | if c.writable() { 0o644 } else { 0o444 }, 64 + c as u64),
        };
        Stat { dev: 4, ino, mode, nlink: 1, rdev: 0, size: 0 }
    }

    /// The file's contents now. `None` for directories and links, or if the process is gone.
    pub fn generate(&self) -> Option<Vec<u8>> {
        let s = match *self {
            Entry::PidFile(pid, f) => {
                let p = live(pid)?;
                match f {
                    PidFile::Maps => maps(p, false),
                    PidFile::Smaps => maps(p, true),
                    PidFile::Stat => {
                        let cpu = sched::group_cputime(p.tgid);
                        stat(live(pid)?, cpu)
                    }
                    PidFile::Statm => statm(p),
                    PidFile::Status => status(p),
                    PidFile::Comm => format!("{}\n", comm(p)),
                    PidFile::OomScore => format!("{}\n", oom_score(p)),
                    PidFile::OomScoreAdj => format!("{}\n", p.oom_score_adj),
                    PidFile::Cmdline => {
                        let mut b = Vec::new();
                        for a in &p.cmdline {
                            b.extend_from_slice(a.as_bytes());
                            b.push(0);
                        }
                        return Some(b);
                    }
                }
            }
            Entry::TaskFile(pid, tid, f) => {
                let t = thread(pid, tid)?;
                match f {
                    PidFile::Status => status(t),
                    PidFile::Comm => format!("{}\n", comm(t)),
                    _ => stat(t, t.cpu),
                }
            }
            Entry::Global(g) => match g {
                GlobalFile::Meminfo => meminfo(),
                GlobalFile::Vmstat => vmstat(),
                GlobalFile::Buddyinfo => buddyinfo(),
                GlobalFile::Slabinfo => crate::mm::heap::slabinfo(),
                GlobalFile::Cpuinfo => cpuinfo(),
                GlobalFile::Stat => global_stat(),
                GlobalFile::Uptime => uptime(),
                GlobalFile::Loadavg => loadavg(),
                GlobalFile::Version => format!("Linux version {} (svos) #1 SMP\n", crate::syscall::time::RELEASE),
            },
            Entry::Sysctl(c) => c.read(),
            _ => return None,
        };
        Some(s.into_bytes())
    }
}

/// The command name as Linux keeps it: at most 15 bytes.
fn comm(p: &Process) -> &str {
    let n = p.name.as_str();
    let mut end = n.len().min(15);
    while !n.is_char_boundary(end) {
        end -= 1;
    }
    &n[..end]
}

fn state_char(p: &Process) -> (char, &'static str) {
    match p.state {
        State::Runnable | State::Running => ('R', "running"),
        State::Blocked(crate::proc::process::WaitFor::Disk(_)) => ('D', "disk sleep"),
        State::Blocked(_) => ('S', "sleeping"),
        State::Zombie => ('Z', "zombie"),
    }
}

/// A process's area sizes in pages (fs/proc/task_mmu.c task_mem, from
/// the VMAs): every area, executable program text, executable file
/// mappings (shared libraries and their loader: VmLib), data (writable,
/// not the stack), stack.
struct AreaSizes {
    total: usize,
    exe: usize,
    lib: usize,
    data: usize,
    stack: usize,
}

fn area_sizes(p: &Process) -> AreaSizes {
    let mut a = AreaSizes { total: 0, exe: 0, lib: 0, data: 0, stack: 0 };
    let Some(s) = p.space.as_ref() else { return a };
    for v in s.vmas().iter() {
        let n = (v.end - v.start) / PAGE_SIZE;
        a.total += n;
        if v.kind == VmaKind::Stack {
            a.stack += n;
        } else if v.kind == VmaKind::Elf && v.perm.contains(PteFlags::X) {
            a.exe += n;
        } else if v.kind == VmaKind::File && v.perm.contains(PteFlags::X) {
            a.lib += n;
        } else if v.perm.contains(PteFlags::W) {
            a.data += n;
        }
    }
    a
}

/// The page statistics of the whole address space (status, smaps_rollup).
fn space_stats(p: &Process) -> MemSizeStats {
    p.space.as_ref().map_or_else(MemSizeStats::default, |s| s.mem_size_stats(0, crate::mm::address::USER_TOP))
}

/// Resident pages of a process (stat's rss, statm's resident, VmRSS).
fn rss_pages(p: &Process) -> usize {
    p.space.as_ref().map_or(0, |s| s.resident_pages())
}

/// The areas of `p` in address order.
fn sorted_vmas(p: &Process) -> Vec<Vma> {
    let Some(s) = p.space.as_ref() else { return Vec::new() };
    let mut vmas: Vec<Vma> = s.vmas().iter().cloned().collect();
    vmas.sort_by_key(|v| v.start);
    vmas
}

/// /proc/PID/maps (and with `smaps`, /proc/PID/smaps): per area
/// `start-end perms offset dev inode` then, for named areas, spaces up to
/// column 73 and the name (fs/proc/task_mmu.c show_map_vma); smaps adds
/// the area's page statistics and VmFlags (show_smap).
fn maps(p: &Process, smaps: bool) -> String {
    let mut out = String::new();
    for v in sorted_vmas(p) {
        map_line(&mut out, p, &v);
        if smaps {
            if let Some(s) = p.space.as_ref() {
                smap(&mut out, &v, &s.mem_size_stats(v.start, v.end));
            }
        }
    }
    out
}

/// One line of /proc/PID/maps.
fn map_line(out: &mut String, p: &Process, v: &Vma) {
    let r = if v.perm.contains(PteFlags::R) { 'r' } else { '-' };
    let w = if v.perm.contains(PteFlags::W) { 'w' } else { '-' };
    let x = if v.perm.contains(PteFlags::X) { 'x' } else { '-' };
    let tramp = v.start == p.sigtramp;
    let shared = v.file.as_ref().is_some_and(|f| f.shared);
    let (off, dev, ino, name): (usize, &str, u64, Option<&str>) = match v.kind {
        VmaKind::File => {
            let f = v.file.as_ref().expect("file areas have a file");
            (f.pgoff * PAGE_SIZE, "00:01", f.ino, Some(&*f.name))
        }
        VmaKind::Elf if tramp => (0, "00:00", 0, Some("[vdso]")),
        VmaKind::Elf => {
            let off = p.elf_map.iter().find(|(va, _)| *va <= v.start).map_or(0, |(va, o)| o + (v.start - va));
            (off, "00:01", p.exe_ino, Some(p.exe.as_str()))
        }
        VmaKind::Heap => (0, "00:00", 0, Some("[heap]")),
        VmaKind::Stack => (0, "00:00", 0, Some("[stack]")),
        _ => (0, "00:00", 0, None),
    };
    let start = out.len();
    let sp = if shared { 's' } else { 'p' };
    let _ = write!(out, "{:08x}-{:08x} {}{}{}{} {:08x} {} {} ", v.start, v.end, r, w, x, sp, off, dev, ino);
    if let Some(n) = name {
        while out.len() - start < 73 {
            out.push(' ');
        }
        out.push_str(n);
    }
    out.push('\n');
}

/// The smaps lines of one area after its maps line (Linux 6.1's show_smap
/// and __show_smap: names padded to 16 columns, values in kB right-aligned
/// in 8; Private_Hugetlb is one column wider, as Linux prints it).
fn smap(out: &mut String, v: &Vma, m: &MemSizeStats) {
    let kb = |bytes: u64| bytes >> 10;
    let pss = |fixed: u64| fixed >> (10 + PSS_SHIFT);
    let hugetlb = v.huge == crate::mm::vma::VmaHuge::Hugetlb;
    let page = if hugetlb { crate::mm::huge_memory::HPAGE_SIZE } else { PAGE_SIZE };
    let rows: &[(&str, u64)] = &[
        ("Size:", kb((v.end - v.start) as u64)),
        ("KernelPageSize:", kb(page as u64)),
        ("MMUPageSize:", kb(page as u64)),
        ("Rss:", kb(m.resident)),
        ("Pss:", pss(m.pss)),
        ("Pss_Dirty:", pss(m.pss_dirty)),
        ("Shared_Clean:", kb(m.shared_clean)),
        ("Shared_Dirty:", kb(m.shared_dirty)),
        ("Private_Clean:", kb(m.private_clean)),
        ("Private_Dirty:", kb(m.private_dirty)),
        ("Referenced:", kb(m.referenced)),
        ("Anonymous:", kb(m.anonymous)),
        ("LazyFree:", 0),
        ("AnonHugePages:", kb(m.anon_huge)),
        ("ShmemPmdMapped:", 0),
        ("FilePmdMapped:", 0),
        ("Shared_Hugetlb:", 0),
        ("Private_Hugetlb:", kb(m.hugetlb)),
        ("Swap:", kb(m.swap)),
        ("SwapPss:", pss(m.swap_pss)),
        // Locked: Pss of mlocked areas; svos has no mlock.
        ("Locked:", 0),
    ];
    for (name, val) in rows {
        if *name == "Private_Hugetlb:" {
            let _ = writeln!(out, "{} {:7} kB", name, val);
        } else {
            let _ = writeln!(out, "{:<16}{:8} kB", name, val);
        }
    }
    let _ = writeln!(out, "THPeligible:    {}", u8::from(crate::mm::huge_memory::thp_allowed(v)));
    out.push_str("VmFlags: ");
    for f in vm_flags(v) {
        out.push_str(f);
        out.push(' ');
    }
    out.push('\n');
}

/// The VmFlags mnemonics of an area, in Linux's bit order (VM_READ,
/// VM_WRITE, VM_EXEC, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_GROWSDOWN,
/// VM_ACCOUNT): every svos area is private and may be given any
/// permission; the stack grows down; areas charged to Committed_AS
/// ([`crate::mm::commit`]) are accounted.
fn vm_flags(v: &Vma) -> Vec<&'static str> {
    let mut f = Vec::new();
    if v.perm.contains(PteFlags::R) {
        f.push("rd");
    }
    if v.perm.contains(PteFlags::W) {
        f.push("wr");
    }
    if v.perm.contains(PteFlags::X) {
        f.push("ex");
    }
    f.extend(["mr", "mw", "me"]);
    if v.kind == VmaKind::Stack {
        f.push("gd");
    }
    if v.account {
        f.push("ac");
    }
    // Linux's show_smap_vma_flags order: ... ac, nr, ht, ..., hg, nh.
    match v.huge {
        crate::mm::vma::VmaHuge::Hugetlb => f.push("ht"),
        crate::mm::vma::VmaHuge::Advised => f.push("hg"),
        crate::mm::vma::VmaHuge::Refused => f.push("nh"),
        crate::mm::vma::VmaHuge::Default => {}
    }
    f
}

/// /proc/PID/stat: the 52 fields of proc(5) (fs/proc/array.c
/// do_task_stat), with `cpu` as utime and stime (the process's, or for
/// /proc/PID/task/TID/stat the thread's) and the reaped children's as
/// cutime and cstime, in clock ticks.
fn stat(p: &Process, cpu: CpuTime) -> String {
    let vsize = area_sizes(p).total;
    let rss = rss_pages(p);
    let u = p.usage();
    let c = p.children_usage;
    let (st, _) = state_char(p);
    let hz = crate::boot::timer::timebase().max(1);
    let start = p.start_ticks * 100 / hz;
    let (sig_pending, sig_blocked, sig_ignored, sig_caught) = p.sig.masks();
    let low = |m: u64| m & 0x7fff_ffff;
    let stack = crate::proc::exec::USER_STACK_TOP;
    format!(
        "{} ({}) {} {} {} {} 0 {} 4194304 {} {} {} {} {} {} {} {} 20 0 {} 0 {} {} {} 18446744073709551615 {} {} {} 0 0 {} {} {} {} 0 0 0 17 {} 0 0 0 0 0 0 0 {} 0 0 0 0 0\n",
        p.pid,
        comm(p),
        st,
        p.ppid,
        p.pgid,
        p.tgid,
        crate::drivers::tty::foreground(),
        u.minor_faults,
        c.minor_faults,
        u.major_faults,
        c.major_faults,
        cputime::to_clock_ticks(cpu.user),
        cputime::to_clock_ticks(cpu.system),
        cputime::to_clock_ticks(p.children_cpu.user),
        cputime::to_clock_ticks(p.children_cpu.system),
        sched::thread_count(p.tgid),
        start,
        vsize * PAGE_SIZE,
        rss,
        p.elf_map.first().map_or(0, |e| e.0),
        p.brk_start,
        stack,
        low(sig_pending),
        low(sig_blocked),
        low(sig_ignored),
        low(sig_caught),
        p.hart,
        p.brk_start,
    )
}

/// /proc/PID/oom_score (fs/proc/base.c proc_oom_score): the badness the
/// OOM killer would give the process now, scaled to 0..=2000; 0 for pid 1
/// and for oom_score_adj -1000 (never chosen).
fn oom_score(p: &Process) -> u64 {
    use crate::mm::oom;
    let total = oom::total_pages();
    let badness = p
        .space
        .as_ref()
        .filter(|_| p.tgid != 1)
        .and_then(|s| oom::badness(&s.oom_info(), p.oom_score_adj.into(), total));
    oom::oom_score(badness, total)
}

/// Sets oom_score_adj of every thread of process `pid` (Linux's
/// __set_oom_adj: the value lives in the shared signal_struct). -EINVAL
/// outside -1000..=1000. svos runs everything as root (CAP_SYS_RESOURCE),
/// so lowering the value needs no privilege check, as for root on Linux.
fn set_oom_score_adj(pid: usize, adj: i64) -> Result<(), isize> {
    use crate::mm::oom::{OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN};
    if !(OOM_SCORE_ADJ_MIN as i64..=OOM_SCORE_ADJ_MAX as i64).contains(&adj) {
        return Err(crate::syscall::errno::EINVAL);
    }
    live(pid).ok_or(crate::syscall::errno::ESRCH)?;
    for tid in sched::pids() {
        if let Some(t) = sched::proc_mut(tid).filter(|t| t.tgid == pid) {
            t.oom_score_adj = adj as i16;
        }
    }
    Ok(())
}

/// /proc/PID/statm: size resident shared text lib data dt, in pages
/// (shared: file-backed resident pages, RssFile; data: data + stack).
fn statm(p: &Process) -> String {
    let a = area_sizes(p);
    let m = space_stats(p);
    let shared = m.resident.saturating_sub(m.anonymous) as usize / PAGE_SIZE;
    format!("{} {} {} {} 0 {} 0\n", a.total, rss_pages(p), shared, a.exe, a.data + a.stack)
}

/// /proc/PID/status (fs/proc/array.c proc_pid_status), in Linux 6.1's
/// order: task_state, task_mem, task_core_dumping, task_thp_status,
/// task_sig, task_cap, task_seccomp, task_cpus_allowed,
/// task_context_switch_counts.
fn status(p: &Process) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{}", comm(p));
    task_state(&mut s, p);
    if p.space.is_some() {
        task_mem(&mut s, p);
        s.push_str("CoreDumping:\t0\nTHP_enabled:\t0\n");
    }
    task_sig(&mut s, p);
    s.push_str(
        "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n\
         CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n\
         Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n",
    );
    let online = crate::smp::online_mask().max(1);
    let _ = write!(
        s,
        "Cpus_allowed:\t{:x}\nCpus_allowed_list:\t{}\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        p.affinity & online,
        cpu_list(p.affinity & online)
    );
    s
}

/// A CPU mask as Linux's %*pbl: ranges "0-3,5".
fn cpu_list(mask: u64) -> String {
    let mut s = String::new();
    let mut h = 0;
    while h < 64 {
        if mask >> h & 1 == 0 {
            h += 1;
            continue;
        }
        let first = h;
        while h + 1 < 64 && mask >> (h + 1) & 1 != 0 {
            h += 1;
        }
        if !s.is_empty() {
            s.push(',');
        }
        if first == h {
            let _ = write!(s, "{}", first);
        } else {
            let _ = write!(s, "{}-{}", first, h);
        }
        h += 1;
    }
    s
}

/// status: the task_state lines, Umask .. NSsid.
fn task_state(s: &mut String, p: &Process) {
    let (c, name) = state_char(p);
    let _ = write!(
        s,
        "Umask:\t{:04o}\nState:\t{} ({})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n\
         Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t{}\nGroups:\t\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
        p.umask,
        c,
        name,
        p.tgid,
        p.pid,
        p.ppid,
        p.fds.len().max(64),
        p.tgid,
        p.pid,
        p.pgid,
        p.tgid
    );
}

/// status: the task_mem lines, VmPeak .. HugetlbPages, in kB.
fn task_mem(s: &mut String, p: &Process) {
    let a = area_sizes(p);
    let m = space_stats(p);
    let sp = p.space.as_ref();
    let rss = rss_pages(p);
    let kb = |pages: usize| pages * (PAGE_SIZE / 1024);
    let rows: &[(&str, usize)] = &[
        ("VmPeak:", kb(a.total.max(p.peak_vsize))),
        ("VmSize:", kb(a.total)),
        ("VmLck:", kb(sp.map_or(0, |s| s.locked_pages()))),
        ("VmPin:", 0),
        ("VmHWM:", kb(p.usage().peak_resident.max(rss))),
        ("VmRSS:", kb(rss)),
        ("RssAnon:", (m.anonymous >> 10) as usize),
        ("RssFile:", ((m.resident - m.anonymous) >> 10) as usize),
        ("RssShmem:", 0),
        ("VmData:", kb(a.data)),
        ("VmStk:", kb(a.stack)),
        ("VmExe:", kb(a.exe)),
        ("VmLib:", kb(a.lib)),
        ("VmPTE:", kb(sp.map_or(0, |s| s.page_table_pages()))),
        ("VmSwap:", kb(sp.map_or(0, |s| s.swapped_pages()))),
        ("HugetlbPages:", 0),
    ];
    for (name, v) in rows {
        let _ = writeln!(s, "{}\t{:8} kB", name, v);
    }
}

/// status: the task_sig lines, Threads .. SigCgt.
fn task_sig(s: &mut String, p: &Process) {
    let (pnd, blk, ign, cgt) = p.sig.masks();
    let _ = write!(
        s,
        "Threads:\t{}\nSigQ:\t0/1024\nSigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n",
        sched::thread_count(p.tgid),
        pnd,
        pnd,
        blk,
        ign,
        cgt
    );
}

/// System-wide page figures, walked from every address space (each frame
/// counted once: see [`crate::mm::smaps`]) plus the kernel's own.
struct SystemPages {
    /// Resident user pages (all anonymous in svos).
    anon: u64,
    /// The part of `anon` whose PTE has A set.
    active_anon: u64,
    /// Resident pages with an exact copy in swap.
    swap_cached: u64,
    /// Page-table pages of user spaces.
    page_tables: u64,
    /// Kernel stacks of live processes, in KiB.
    kernel_stack_kb: u64,
    /// Pages mapped by transparent megapages, each megapage counted once.
    anon_huge: u64,
}

fn system_pages() -> SystemPages {
    let mut total = MemSizeStats::default();
    let mut page_tables = 0;
    let mut procs = 0u64;
    for pid in sched::pids() {
        let Some(p) = sched::proc_mut(pid) else { continue };
        procs += 1;
        let Some(s) = p.space.as_ref() else { continue };
        total.add(&s.mem_size_stats(0, crate::mm::address::USER_TOP));
        page_tables += s.page_table_pages() as u64;
    }
    let pages = |fixed: u64| (fixed >> PSS_SHIFT).div_ceil(PAGE_SIZE as u64);
    let anon = pages(total.pss_anon);
    SystemPages {
        anon,
        active_anon: pages(total.pss_referenced).min(anon),
        swap_cached: pages(total.pss_swap_cached).min(anon),
        page_tables,
        kernel_stack_kb: procs * (crate::mm::kstack::KSTACK_PAGES * PAGE_SIZE / 1024) as u64,
        anon_huge: crate::mm::huge_memory::anon_huge_pages() as u64,
    }
}

/// /proc/meminfo (Linux 6.1 fs/proc/meminfo.c, riscv64 with swap and
/// transparent huge pages configured): "Name:" padded to 16 columns, the
/// value in kB right-aligned in 8, " kB". Figures svos has no mechanism
/// for (buffers, vmalloc, huge pages) print 0, as Linux does for a
/// feature that holds nothing. Active/Inactive split resident pages by
/// their PTE's A bit (the clock's view; svos keeps no LRU lists).
/// MemAvailable is free frames above the high watermark plus the page
/// cache. Slab = SUnreclaim: the frames of the kernel heap's slab caches
/// and large kmalloc blocks ([`crate::mm::slab`]); no cache is
/// reclaimable. CommitLimit and Committed_AS: [`crate::mm::commit`].
fn meminfo() -> String {
    use crate::mm::vmstat::{NR_FILE_DIRTY, NR_WRITEBACK};
    let (free, total) = crate::mm::frame::stats();
    let (free, total) = (free as u64, total as u64);
    let (_, _, high) = crate::mm::frame::watermarks();
    let slots = SWAP_SLOTS.load(Ordering::Relaxed) as u64;
    let (_, _, swap_used) = crate::mm::swap::stats();
    let sys = system_pages();
    let c = crate::mm::filemap::meminfo();
    let file = c.cached as u64;
    let cached = file.saturating_sub(sys.swap_cached);
    let available = free.saturating_sub(high as u64) + file;
    // Slab caches and large kmalloc blocks: none reclaimable.
    let slab = crate::mm::heap::stats().frames as u64;
    let kb = |pages: u64| pages * (PAGE_SIZE as u64 / 1024);
    let rows: &[(&str, u64)] = &[
        ("MemTotal:", kb(total)),
        ("MemFree:", kb(free)),
        ("MemAvailable:", kb(available)),
        ("Buffers:", 0),
        ("Cached:", kb(cached)),
        ("SwapCached:", kb(sys.swap_cached)),
        ("Active:", kb(sys.active_anon)),
        ("Inactive:", kb(sys.anon - sys.active_anon + file)),
        ("Active(anon):", kb(sys.active_anon)),
        ("Inactive(anon):", kb(sys.anon - sys.active_anon)),
        ("Active(file):", 0),
        ("Inactive(file):", kb(file)),
        ("Unevictable:", 0),
        ("Mlocked:", 0),
        ("SwapTotal:", kb(slots)),
        ("SwapFree:", kb(slots.saturating_sub(swap_used as u64))),
        ("Dirty:", kb(NR_FILE_DIRTY.pages())),
        ("Writeback:", kb(NR_WRITEBACK.pages())),
        ("AnonPages:", kb(sys.anon)),
        ("Mapped:", kb(c.mapped as u64)),
        ("Shmem:", kb(c.shmem as u64)),
        ("KReclaimable:", 0),
        ("Slab:", kb(slab)),
        ("SReclaimable:", 0),
        ("SUnreclaim:", kb(slab)),
        ("KernelStack:", sys.kernel_stack_kb),
        ("PageTables:", kb(sys.page_tables)),
        ("SecPageTables:", 0),
        ("NFS_Unstable:", 0),
        ("Bounce:", 0),
        ("WritebackTmp:", 0),
        ("CommitLimit:", kb(crate::mm::commit::commit_limit() as u64)),
        ("Committed_AS:", kb(crate::mm::commit::committed() as u64)),
        ("VmallocTotal:", 0),
        ("VmallocUsed:", 0),
        ("VmallocChunk:", 0),
        ("Percpu:", 0),
        ("AnonHugePages:", kb(sys.anon_huge)),
        ("ShmemHugePages:", 0),
        ("ShmemPmdMapped:", 0),
        ("FileHugePages:", 0),
        ("FilePmdMapped:", 0),
    ];
    let mut s = String::new();
    for (n, v) in rows {
        let _ = writeln!(s, "{:<16}{:8} kB", n, v);
    }
    // hugetlb_report_meminfo: the pool of 2 MiB pages (svos takes pages at
    // mmap, so none is only reserved).
    let (huge_total, huge_free) = crate::mm::hugetlb::pool();
    let _ = write!(
        s,
        "HugePages_Total:   {:5}\nHugePages_Free:    {:5}\nHugePages_Rsvd:    {:5}\nHugePages_Surp:    {:5}\n\
         Hugepagesize:       2048 kB\nHugetlb:        {:8} kB\n",
        huge_total,
        huge_free,
        0,
        0,
        huge_total * 2048
    );
    s
}

/// /proc/vmstat (Linux 6.1 mm/vmstat.c vmstat_text order, the lines of
/// the mechanisms svos has): "name value". Gauges in pages, events since
/// boot. svos reclaims only in the allocating process's context (direct
/// reclaim), and its only block I/O is swap (pgpgin/pgpgout in KiB).
fn vmstat() -> String {
    use crate::mm::vmstat::{NR_FILE_DIRTY, NR_WRITEBACK};
    let (free, _) = crate::mm::frame::stats();
    let sys = system_pages();
    let v = crate::mm::vmstat::snapshot();
    let c = crate::mm::filemap::meminfo();
    let file = c.cached as u64;
    let inactive_anon = sys.anon - sys.active_anon;
    let slab = crate::mm::heap::stats().frames as u64;
    let kb_per_page = (PAGE_SIZE / 1024) as u64;
    let rows: &[(&str, u64)] = &[
        ("nr_free_pages", free as u64),
        ("nr_zone_inactive_anon", inactive_anon),
        ("nr_zone_active_anon", sys.active_anon),
        ("nr_zone_inactive_file", file),
        ("nr_zone_active_file", 0),
        ("nr_zone_unevictable", 0),
        ("nr_zone_write_pending", NR_FILE_DIRTY.pages() + NR_WRITEBACK.pages()),
        ("nr_mlock", 0),
        ("nr_bounce", 0),
        ("nr_free_cma", 0),
        ("nr_inactive_anon", inactive_anon),
        ("nr_active_anon", sys.active_anon),
        ("nr_inactive_file", file),
        ("nr_active_file", 0),
        ("nr_unevictable", 0),
        ("nr_slab_reclaimable", 0),
        ("nr_slab_unreclaimable", slab),
        ("nr_anon_pages", sys.anon),
        ("nr_mapped", c.mapped as u64),
        ("nr_file_pages", file),
        ("nr_dirty", NR_FILE_DIRTY.pages()),
        ("nr_writeback", NR_WRITEBACK.pages()),
        ("nr_shmem", c.shmem as u64),
        ("nr_anon_transparent_hugepages", sys.anon_huge / crate::mm::huge_memory::HPAGE_PAGES as u64),
        ("nr_kernel_stack", sys.kernel_stack_kb),
        ("nr_page_table_pages", sys.page_tables),
        ("nr_swapcached", sys.swap_cached),
        ("pgpgin", v.pswpin * kb_per_page),
        ("pgpgout", v.pswpout * kb_per_page),
        ("pswpin", v.pswpin),
        ("pswpout", v.pswpout),
        ("pgalloc_dma32", v.pgalloc),
        ("pgalloc_normal", 0),
        ("pgalloc_movable", 0),
        ("allocstall_dma32", 0),
        ("allocstall_normal", 0),
        ("allocstall_movable", 0),
        ("pgfree", v.pgfree),
        ("pgactivate", v.pgactivate),
        ("pgdeactivate", 0),
        ("pgfault", v.pgfault_minor + v.pgmajfault),
        ("pgmajfault", v.pgmajfault),
        ("pgrefill", 0),
        ("pgsteal_kswapd", v.pgsteal_kswapd),
        ("pgsteal_direct", v.pgsteal_direct),
        ("pgscan_kswapd", v.pgscan_kswapd),
        ("pgscan_direct", v.pgscan_direct),
        ("pgscan_anon", v.pgscan),
        ("pgscan_file", 0),
        ("pgsteal_anon", v.pgsteal),
        ("pgsteal_file", 0),
        ("oom_kill", v.oom_kill),
        ("thp_fault_alloc", v.thp_fault_alloc),
        ("thp_fault_fallback", v.thp_fault_fallback),
        ("thp_split_page", v.thp_split_page),
        ("swap_ra", v.swap_ra),
    ];
    let mut s = String::new();
    for (n, val) in rows {
        let _ = writeln!(s, "{} {}", n, val);
    }
    s
}

/// /proc/buddyinfo (mm/vmstat.c frag_show_print): the free blocks of each
/// order 0..=10 of the one zone, each right-aligned in 6 after a space.
/// svos's RAM is below 4 GiB, Linux's DMA32 zone on riscv64.
fn buddyinfo() -> String {
    let mut s = String::from("Node 0, zone    DMA32 ");
    for n in crate::mm::frame::buddyinfo() {
        let _ = write!(s, "{:6} ", n);
    }
    s.push('\n');
    s
}

/// /proc/cpuinfo as Linux prints it on RISC-V (arch/riscv/kernel/cpu.c).
fn cpuinfo() -> String {
    let mut s = String::new();
    let mask = crate::smp::online_mask().max(1);
    for h in 0..64 {
        if mask >> h & 1 != 0 {
            let _ = write!(s, "processor\t: {}\nhart\t\t: {}\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\n\n", h, h);
        }
    }
    s
}

fn uptime_centis() -> u64 {
    let hz = crate::boot::timer::timebase().max(1);
    crate::boot::timer::now() * 100 / hz
}

/// /proc/uptime: seconds since boot and the harts' idle seconds summed
/// (as Linux sums its CPUs'), two decimals.
fn uptime() -> String {
    let c = uptime_centis();
    let idle: u64 = hart_times().iter().map(|(_, t)| t[2]).sum();
    format!("{}.{:02} {}.{:02}\n", c / 100, c % 100, idle / 100, idle % 100)
}

/// /proc/loadavg: three load averages (svos keeps none: 0.00), running/total, last pid.
fn loadavg() -> String {
    let pids = sched::pids();
    let running = pids
        .iter()
        .filter(|&&p| sched::proc_mut(p).is_some_and(|p| matches!(p.state, State::Running | State::Runnable)))
        .count();
    format!("0.00 0.00 0.00 {}/{} {}\n", running, pids.len(), sched::last_pid())
}

/// Each online hart's (user, system, idle) time in clock ticks.
fn hart_times() -> Vec<(usize, [u64; 3])> {
    let mask = crate::smp::online_mask().max(1);
    (0..crate::smp::MAX_HARTS)
        .filter(|h| mask >> h & 1 != 0)
        .map(|h| (h, cputime::hart_ticks(h).map(cputime::to_clock_ticks)))
        .collect()
}

/// /proc/stat: per-hart CPU times in clock ticks (user, nice, system,
/// idle, iowait, irq, softirq, steal, guest, guest_nice: svos counts user,
/// system and idle, [`cputime`]), the sum over harts first, and process counts.
fn global_stat() -> String {
    let mut s = String::new();
    let harts = hart_times();
    let sum = harts.iter().fold([0u64; 3], |a, (_, t)| [a[0] + t[0], a[1] + t[1], a[2] + t[2]]);
    let _ = writeln!(s, "cpu  {} 0 {} {} 0 0 0 0 0 0", sum[0], sum[1], sum[2]);
    for (h, t) in &harts {
        let _ = writeln!(s, "cpu{} {} 0 {} {} 0 0 0 0 0 0", h, t[0], t[1], t[2]);
    }
    let pids = sched::pids();
    let running = pids
        .iter()
        .filter(|&&p| sched::proc_mut(p).is_some_and(|p| matches!(p.state, State::Running | State::Runnable)))
        .count();
    let _ = write!(
        s,
        "intr 0\nctxt 0\nbtime 0\nprocesses {}\nprocs_running {}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
        sched::last_pid(),
        running
    );
    s
}

/// The swap size in slots of 4 KiB (0 without a disk).
pub fn swap_slots() -> usize {
    SWAP_SLOTS.load(Ordering::Relaxed)
}
