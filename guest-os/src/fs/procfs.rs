//! /proc in Linux's formats (proc(5), fs/proc/*.c): per process (`PID/`
//! and the `self` link) maps, stat, statm, status, cmdline, comm and the
//! `exe` link; system-wide meminfo, cpuinfo, stat, uptime, loadavg and
//! version; /proc/sys/vm/policy, the page replacement policy, the one
//! writable file (sysctl(8) style: `echo fifo > /proc/sys/vm/policy`).
//! Contents are generated when the file is opened (a snapshot, as a
//! seq_file read from offset 0 is), field for field as Linux prints them
//! so that procps and BusyBox parse them unchanged. svos keeps no CPU time
//! per process, so time fields are 0.

use super::{Node, Stat, S_IFDIR, S_IFLNK, S_IFREG};
use crate::mm::addr_space::VmaKind;
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
}

/// A system-wide file of /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalFile {
    /// Memory totals.
    Meminfo,
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
}

const PID_FILES: [(&str, PidFile); 6] = [
    ("cmdline", PidFile::Cmdline),
    ("comm", PidFile::Comm),
    ("maps", PidFile::Maps),
    ("stat", PidFile::Stat),
    ("statm", PidFile::Statm),
    ("status", PidFile::Status),
];
const GLOBAL_FILES: [(&str, GlobalFile); 6] = [
    ("cpuinfo", GlobalFile::Cpuinfo),
    ("loadavg", GlobalFile::Loadavg),
    ("meminfo", GlobalFile::Meminfo),
    ("stat", GlobalFile::Stat),
    ("uptime", GlobalFile::Uptime),
    ("version", GlobalFile::Version),
];

/// A file of /proc/sys/vm (a sysctl).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sysctl {
    /// The page replacement policy's name ([`crate::mm::policy`]), writable.
    Policy,
}

const VM_SYSCTLS: [(&str, Sysctl); 1] = [("policy", Sysctl::Policy)];

impl Sysctl {
    /// The value and a newline.
    fn read(self) -> String {
        match self {
            Sysctl::Policy => format!("{}\n", crate::mm::policy::current().name()),
        }
    }

    /// Sets the value from what a write(2) gave: `data` whole (one write is
    /// one value, as Linux's proc_dostring). -EINVAL for an unknown value.
    pub fn write(self, data: &[u8]) -> Result<usize, isize> {
        let text = core::str::from_utf8(data).map_err(|_| crate::syscall::errno::EINVAL)?;
        match self {
            Sysctl::Policy => {
                let p = crate::mm::policy::Policy::parse(text).ok_or(crate::syscall::errno::EINVAL)?;
                crate::mm::policy::set(p);
            }
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
    /// A file of /proc/sys/vm.
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
        matches!(self, Entry::Root | Entry::Pid(_) | Entry::Tasks(_) | Entry::Task(..) | Entry::Sys | Entry::SysVm)
    }

    /// True for the files a write may change (/proc/sys/vm/policy).
    pub fn is_writable(&self) -> bool {
        matches!(self, Entry::Sysctl(_))
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
            Entry::SysVm => Entry::Sysctl(VM_SYSCTLS.iter().find(|(n, _)| *n == name)?.1),
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
            Entry::Sys => out.push((String::from("vm"), Entry::SysVm.stat().ino, super::DT_DIR)),
            Entry::SysVm => {
                for (n, c) in VM_SYSCTLS {
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
            Entry::PidFile(p, f) => (S_IFREG | 0o444, ((p as u64) << 8) | (f as u64 + 2)),
            Entry::Exe(p) => (S_IFLNK | 0o777, ((p as u64) << 8) | 1),
            Entry::Tasks(p) => (S_IFDIR | 0o555, ((p as u64) << 8) | 0x40),
            Entry::Task(_, t) => (S_IFDIR | 0o555, ((t as u64) << 8) | 0x41),
            Entry::TaskFile(_, t, f) => (S_IFREG | 0o444, ((t as u64) << 8) | (0x42 + f as u64)),
            Entry::Global(g) => (S_IFREG | 0o444, 16 + g as u64),
            Entry::Sys => (S_IFDIR | 0o555, 48),
            Entry::SysVm => (S_IFDIR | 0o555, 49),
            Entry::Sysctl(c) => (S_IFREG | 0o644, 64 + c as u64),
        };
        Stat { dev: 4, ino, mode, nlink: 1, rdev: 0, size: 0 }
    }

    /// The file's contents now. `None` for directories and links, or if the process is gone.
    pub fn generate(&self) -> Option<Vec<u8>> {
        let s = match *self {
            Entry::PidFile(pid, f) => {
                let p = live(pid)?;
                match f {
                    PidFile::Maps => maps(p),
                    PidFile::Stat => stat(p),
                    PidFile::Statm => statm(p),
                    PidFile::Status => status(p),
                    PidFile::Comm => format!("{}\n", comm(p)),
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
                    _ => stat(t),
                }
            }
            Entry::Global(g) => match g {
                GlobalFile::Meminfo => meminfo(),
                GlobalFile::Cpuinfo => cpuinfo(),
                GlobalFile::Stat => global_stat(),
                GlobalFile::Uptime => uptime(),
                GlobalFile::Loadavg => loadavg(),
                GlobalFile::Version => String::from("Linux version 6.1.0-svos (svos) #1 SMP\n"),
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
        State::Blocked(_) => ('S', "sleeping"),
        State::Zombie => ('Z', "zombie"),
    }
}

/// Sizes of a process in pages: (vsize, resident, text, data+stack).
fn sizes(p: &Process) -> (usize, usize, usize, usize) {
    let Some(s) = p.space.as_ref() else { return (0, 0, 0, 0) };
    let (mut vsize, mut text, mut data) = (0, 0, 0);
    for v in s.vmas().iter() {
        let n = (v.end - v.start) / 4096;
        vsize += n;
        if v.kind == VmaKind::Elf && v.perm.0 & crate::mm::page_table::PteFlags::X.0 != 0 {
            text += n;
        } else if v.perm.0 & crate::mm::page_table::PteFlags::W.0 != 0 {
            data += n;
        }
    }
    (vsize, s.resident_pages(), text, data)
}

/// /proc/PID/maps: `start-end perms offset dev inode` then, for named
/// areas, spaces up to column 73 and the name (fs/proc/task_mmu.c).
fn maps(p: &Process) -> String {
    let mut out = String::new();
    let Some(s) = p.space.as_ref() else { return out };
    let mut vmas: Vec<_> = s.vmas().iter().cloned().collect();
    vmas.sort_by_key(|v| v.start);
    use crate::mm::page_table::PteFlags;
    for v in vmas {
        let r = if v.perm.0 & PteFlags::R.0 != 0 { 'r' } else { '-' };
        let w = if v.perm.0 & PteFlags::W.0 != 0 { 'w' } else { '-' };
        let x = if v.perm.0 & PteFlags::X.0 != 0 { 'x' } else { '-' };
        let tramp = v.start == p.sigtramp;
        let shared = v.file.as_ref().is_some_and(|f| f.shared);
        let (off, dev, ino, name): (usize, &str, u64, Option<&str>) = match v.kind {
            VmaKind::File => {
                let f = v.file.as_ref().expect("file areas have a file");
                (f.pgoff * 4096, "00:01", f.ino, Some(&*f.name))
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
    out
}

/// /proc/PID/stat: the 52 fields of proc(5) (fs/proc/array.c do_task_stat).
fn stat(p: &Process) -> String {
    let (vsize, rss, _, _) = sizes(p);
    let u = p.usage();
    let c = p.children_usage;
    let (st, _) = state_char(p);
    let hz = crate::boot::timer::timebase().max(1);
    let start = p.start_ticks * 100 / hz;
    let (sig_pending, sig_blocked, sig_ignored, sig_caught) = p.sig.masks();
    let stack = crate::proc::exec::USER_STACK_TOP;
    format!(
        "{} ({}) {} {} {} {} 0 -1 4194304 {} {} {} {} 0 0 0 0 20 0 {} 0 {} {} {} 18446744073709551615 {} {} {} 0 0 {} {} {} {} 0 0 0 17 {} 0 0 0 0 0 0 0 {} 0 0 0 0 0\n",
        p.pid,
        comm(p),
        st,
        p.ppid,
        p.tgid,
        p.tgid,
        u.minor_faults,
        c.minor_faults,
        u.major_faults,
        c.major_faults,
        sched::thread_count(p.tgid),
        start,
        vsize * 4096,
        rss,
        p.elf_map.first().map_or(0, |e| e.0),
        p.brk_start,
        stack,
        sig_pending,
        sig_blocked,
        sig_ignored,
        sig_caught,
        p.hart,
        p.brk_start,
    )
}

/// /proc/PID/statm: size resident shared text lib data dt, in pages.
fn statm(p: &Process) -> String {
    let (vsize, rss, text, data) = sizes(p);
    format!("{} {} 0 {} 0 {} 0\n", vsize, rss, text, data)
}

/// /proc/PID/status (fs/proc/array.c): the lines procps reads, in Linux's order.
fn status(p: &Process) -> String {
    let (vsize, rss, text, data) = sizes(p);
    let (c, name) = state_char(p);
    let u = p.usage();
    let (pnd, blk, ign, cgt) = p.sig.masks();
    let mut s = String::new();
    let _ = write!(
        s,
        "Name:\t{}\nUmask:\t{:04o}\nState:\t{} ({})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n\
         Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t{}\nGroups:\t\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
        comm(p),
        p.umask,
        c,
        name,
        p.tgid,
        p.pid,
        p.ppid,
        p.fds.len().max(64),
        p.tgid,
        p.pid,
        p.tgid,
        p.tgid
    );
    let kb = |pages: usize| pages * 4;
    let _ = write!(
        s,
        "VmPeak:\t{:8} kB\nVmSize:\t{:8} kB\nVmLck:\t{:8} kB\nVmPin:\t{:8} kB\nVmHWM:\t{:8} kB\nVmRSS:\t{:8} kB\n\
         RssAnon:\t{:8} kB\nRssFile:\t{:8} kB\nRssShmem:\t{:8} kB\nVmData:\t{:8} kB\nVmStk:\t{:8} kB\nVmExe:\t{:8} kB\n\
         VmLib:\t{:8} kB\nVmPTE:\t{:8} kB\n",
        kb(vsize.max(p.peak_vsize)),
        kb(vsize),
        kb(p.space.as_ref().map_or(0, |sp| sp.locked_pages())),
        0,
        kb(u.peak_resident.max(rss)),
        kb(rss),
        kb(rss),
        0,
        0,
        kb(data),
        kb(p.space.as_ref().and_then(|sp| sp.vmas().stack()).map_or(0, |(a, b)| (b - a) / 4096)),
        kb(text),
        0,
        0
    );
    let _ = write!(
        s,
        "Threads:\t{}\nSigQ:\t0/1024\nSigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n\
         Cpus_allowed:\t{:x}\nCpus_allowed_list:\t0-{}\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
        sched::thread_count(p.tgid),
        pnd,
        pnd,
        blk,
        ign,
        cgt,
        p.affinity & crate::smp::online_mask(),
        crate::smp::online_mask().count_ones().max(1) - 1
    );
    let _ = u;
    s
}

/// /proc/meminfo (fs/proc/meminfo.c): "Name:" padded to 16 columns, the
/// value in kB right-aligned in 8, " kB".
fn meminfo() -> String {
    let (free, total) = crate::mm::frame::stats();
    let slots = SWAP_SLOTS.load(Ordering::Relaxed);
    let (_, _, swap_used) = crate::mm::swap::stats();
    let c = crate::mm::filemap::meminfo();
    let rows: [(&str, usize); 20] = [
        ("MemTotal:", total * 4),
        ("MemFree:", free * 4),
        ("MemAvailable:", (free + c.cached - c.shmem) * 4),
        ("Buffers:", 0),
        ("Cached:", c.cached * 4),
        ("SwapCached:", 0),
        ("Active:", (total - free) * 4),
        ("Inactive:", 0),
        ("SwapTotal:", slots * 4),
        ("SwapFree:", slots.saturating_sub(swap_used) * 4),
        ("Dirty:", 0),
        ("Writeback:", 0),
        ("AnonPages:", (total - free).saturating_sub(c.cached) * 4),
        ("Mapped:", c.mapped * 4),
        ("Shmem:", c.shmem * 4),
        ("KReclaimable:", 0),
        ("Slab:", 0),
        ("SReclaimable:", 0),
        ("SUnreclaim:", 0),
        ("CommitLimit:", (total + slots) * 4),
    ];
    let mut s = String::new();
    for (n, v) in rows {
        let _ = writeln!(s, "{:<16}{:8} kB", n, v);
    }
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

/// /proc/uptime: seconds since boot and idle seconds, two decimals.
fn uptime() -> String {
    let c = uptime_centis();
    format!("{}.{:02} {}.{:02}\n", c / 100, c % 100, 0, 0)
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

/// /proc/stat: per-hart CPU times (svos counts none) and process counts.
fn global_stat() -> String {
    let mut s = String::new();
    let c = uptime_centis();
    let mask = crate::smp::online_mask().max(1);
    let _ = writeln!(s, "cpu  0 0 0 {} 0 0 0 0 0 0", c * mask.count_ones() as u64);
    for h in 0..64 {
        if mask >> h & 1 != 0 {
            let _ = writeln!(s, "cpu{} 0 0 0 {} 0 0 0 0 0 0", h, c);
        }
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
