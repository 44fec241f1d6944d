//! The `kernel` category: events the guest kernel reports through the
//! trace port ([`crate::devices::trace_port`]), and what they say about its
//! processes (pid, name, ELF, ASID, faults by resolution, swap I/O), kept
//! whether or not the category is traced, for filters by process and for
//! `--stats`.
//!
//! Text (`core H: kernel @I P asid A: ...`):
//!
//! ```text
//! core   0: kernel @16279736 S asid 1: fault va 0x0000003fbff00000 cause 15 zero-fill pid 1 (memory-user) rss 57
//! core   0: kernel @16279700 S asid 1: frame-alloc pa 0x000000008084f000
//! core   0: kernel @100 S asid 0: proc-create pid 2 ppid 1 name sh
//! core   0: kernel @120 S asid 0: proc-exec pid 2 path /memory-user
//! core   0: kernel @130 S asid 2: proc-switch pid 2 (memory-user) asid 2
//! core   0: kernel @900 S asid 0: proc-exit pid 2 (memory-user) status 0
//! core   0: kernel @500 S asid 1: victim asid 1 va 0x... pa 0x... (A clear)
//! core   0: kernel @501 S asid 1: swap-out asid 1 va 0x... slot 3
//! core   0: kernel @502 S asid 1: shootdown harts 0x6
//! core   0: kernel @503 S asid 1: oom-kill pid 4 (thrash) va 0x...
//! core   0: kernel @504 S asid 0: rss pid 3 (thrash) 120
//! ```
//!
//! The stamp is that of the store that sent the event (icount before it
//! retired). JSON members by `event`: `fault`: `va`, `cause`, `how`, `pid`,
//! `rss` (resident pages after it); `rss`: `pid`, `rss`;
//! `frame-alloc`/`frame-free`: `pa`; `victim`: `asid_of_page`, `va`, `pa`;
//! `swap-out`/`swap-in`: `asid_of_page`, `va`, `slot`; `shootdown`: `harts`;
//! `oom-kill`: `pid`, `va`; `proc-create`: `pid`, `ppid`, `name`;
//! `proc-exec`: `pid`, `path`; `proc-switch`: `pid`, `to_asid`;
//! `proc-exit`: `pid`, `status`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::text::Line;
use crate::devices::trace_port::{resolution, KernelEvent, Kind};

/// What the kernel said about one process.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Process {
    /// Its pid.
    pub pid: u64,
    /// Its parent's pid.
    pub ppid: u64,
    /// Its name (the ELF's base name after an exec).
    pub name: String,
    /// The path of the ELF it runs (empty before its first exec).
    pub path: String,
    /// The ASID it last ran with.
    pub asid: u64,
    /// Page faults by resolution (`zero-fill`, `cow-copy`, `swap-in`, ...).
    pub faults: BTreeMap<&'static str, u64>,
    /// Its pages written to swap.
    pub swap_outs: u64,
    /// Its pages read back from swap.
    pub swap_ins: u64,
    /// Its exit status, once it exited.
    pub exit_status: Option<u64>,
    /// Its resident pages, as the kernel last reported (0 after its exit).
    #[serde(skip)]
    pub rss: u64,
}

/// The processes the kernel reported, and the one each hart runs.
#[derive(Clone, Debug, Default)]
pub struct Processes {
    by_pid: BTreeMap<u64, Process>,
    /// Per hart: the pid it last switched to (None after that one exited).
    current: Vec<Option<u64>>,
}

/// What a checkpoint keeps of [`Processes`] ([`crate::snapshot`]), so a
/// restored run names user pcs from the right ELF and keeps its counters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedProcesses {
    procs: Vec<SavedProcess>,
    current: Vec<Option<u64>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
struct SavedProcess {
    pid: u64,
    ppid: u64,
    name: String,
    path: String,
    asid: u64,
    /// Faults by resolution code (see [`resolution`]).
    faults: Vec<(u64, u64)>,
    swap_outs: u64,
    swap_ins: u64,
    exit_status: Option<u64>,
    rss: u64,
}

/// The code [`resolution`] names `name` with (0, "unknown", for none).
fn resolution_code(name: &str) -> u64 {
    (1..=10).find(|&c| resolution(c) == name).unwrap_or(0)
}

impl Processes {
    /// This table, for a checkpoint.
    pub fn save(&self) -> SavedProcesses {
        let procs = self
            .by_pid
            .values()
            .map(|p| SavedProcess {
                pid: p.pid,
                ppid: p.ppid,
                name: p.name.clone(),
                path: p.path.clone(),
                asid: p.asid,
                faults: p.faults.iter().map(|(k, &n)| (resolution_code(k), n)).collect(),
                swap_outs: p.swap_outs,
                swap_ins: p.swap_ins,
                exit_status: p.exit_status,
                rss: p.rss,
            })
            .collect();
        SavedProcesses { procs, current: self.current.clone() }
    }

    /// The table a checkpoint saved.
    pub fn restore(saved: SavedProcesses) -> Processes {
        let by_pid = saved
            .procs
            .into_iter()
            .map(|p| {
                let faults = p.faults.into_iter().map(|(code, n)| (resolution(code), n)).collect();
                let process = Process {
                    pid: p.pid,
                    ppid: p.ppid,
                    name: p.name,
                    path: p.path,
                    asid: p.asid,
                    faults,
                    swap_outs: p.swap_outs,
                    swap_ins: p.swap_ins,
                    exit_status: p.exit_status,
                    rss: p.rss,
                };
                (p.pid, process)
            })
            .collect();
        Processes { by_pid, current: saved.current }
    }

    /// Every process reported, by pid.
    pub fn all(&self) -> impl Iterator<Item = &Process> {
        self.by_pid.values()
    }

    /// The process hart `hart` last switched to, if it still runs.
    pub fn current(&self, hart: u64) -> Option<&Process> {
        let pid = (*self.current.get(hart as usize)?)?;
        self.by_pid.get(&pid)
    }

    fn process(&mut self, pid: u64) -> &mut Process {
        self.by_pid.entry(pid).or_insert_with(|| Process { pid, ..Process::default() })
    }

    fn by_asid(&mut self, asid: u64) -> Option<&mut Process> {
        // The process that ran last with this ASID (ASIDs are reused).
        let current = self.current.iter().flatten().copied().collect::<Vec<_>>();
        let pid = current.into_iter().find(|p| self.by_pid.get(p).is_some_and(|q| q.asid == asid))?;
        self.by_pid.get_mut(&pid)
    }

    /// Take in event `e`, sent by hart `hart`.
    pub fn apply(&mut self, hart: u64, e: &KernelEvent) {
        let a = e.args;
        match e.kind {
            Kind::ProcCreate => {
                // A forked child runs its parent's ELF until it execs.
                let path = self.by_pid.get(&a[1]).map(|p| p.path.clone()).unwrap_or_default();
                let p = self.process(a[0]);
                p.ppid = a[1];
                p.name = e.text.clone();
                p.path = path;
            }
            Kind::ProcExec => {
                let p = self.process(a[0]);
                p.path = e.text.clone();
                p.name = e.text.rsplit('/').next().unwrap_or_default().to_owned();
            }
            Kind::ProcSwitch => {
                self.process(a[0]).asid = a[1];
                let h = hart as usize;
                if self.current.len() <= h {
                    self.current.resize(h + 1, None);
                }
                self.current[h] = Some(a[0]);
            }
            Kind::ProcExit => {
                let p = self.process(a[0]);
                p.exit_status = Some(a[1]);
                p.rss = 0;
                for c in &mut self.current {
                    if *c == Some(a[0]) {
                        *c = None;
                    }
                }
            }
            Kind::Fault => {
                let p = self.process(a[3]);
                *p.faults.entry(resolution(a[2])).or_default() += 1;
                p.rss = a[4];
            }
            Kind::Rss => self.process(a[0]).rss = a[1],
            Kind::SwapOut => {
                if let Some(p) = self.by_asid(a[0]) {
                    p.swap_outs += 1;
                }
            }
            Kind::SwapIn => {
                if let Some(p) = self.by_asid(a[0]) {
                    p.swap_ins += 1;
                }
            }
            _ => {}
        }
    }

    /// `pid N (name)` for the process `e` names, `pid N` if it has no
    /// name yet; empty for events that name no process.
    pub(super) fn label_of(&self, e: &KernelEvent) -> String {
        match e.kind {
            Kind::Fault => self.label(e.args[3]),
            Kind::OomKill | Kind::ProcSwitch | Kind::ProcExit | Kind::Rss => self.label(e.args[0]),
            _ => String::new(),
        }
    }

    fn label(&self, pid: u64) -> String {
        match self.by_pid.get(&pid) {
            Some(p) if !p.name.is_empty() => format!("pid {pid} ({})", p.name),
            _ => format!("pid {pid}"),
        }
    }
}

/// The virtual address an event is about (faults, victims, swap I/O, OOM kills).
pub fn event_va(e: &KernelEvent) -> Option<u64> {
    match e.kind {
        Kind::Fault | Kind::OomKill => Some(e.args[if e.kind == Kind::Fault { 0 } else { 1 }]),
        Kind::Victim | Kind::SwapOut | Kind::SwapIn => Some(e.args[1]),
        _ => None,
    }
}

/// The text of `e` (without the `core ... : ` header).
/// `label` is [`Processes::label_of`] the event.
pub(super) fn describe(l: &mut Line, e: &KernelEvent, label: &str) {
    let a = e.args;
    let _ = match e.kind {
        Kind::Fault => write!(l, "fault va 0x{:016x} cause {} {} {} rss {}", a[0], a[1], resolution(a[2]), label, a[4]),
        Kind::FrameAlloc => write!(l, "frame-alloc pa 0x{:016x}", a[0]),
        Kind::FrameFree => write!(l, "frame-free pa 0x{:016x}", a[0]),
        Kind::Victim => write!(l, "victim asid {} va 0x{:016x} pa 0x{:016x} (A clear)", a[0], a[1], a[2]),
        Kind::SwapOut => write!(l, "swap-out asid {} va 0x{:016x} slot {}", a[0], a[1], a[2]),
        Kind::SwapIn => write!(l, "swap-in asid {} va 0x{:016x} slot {}", a[0], a[1], a[2]),
        Kind::Shootdown => write!(l, "shootdown harts {:#x}", a[0]),
        Kind::OomKill => write!(l, "oom-kill {label} va 0x{:016x}", a[1]),
        Kind::ProcCreate => write!(l, "proc-create pid {} ppid {} name {}", a[0], a[1], e.text),
        Kind::ProcExec => write!(l, "proc-exec pid {} path {}", a[0], e.text),
        Kind::ProcSwitch => write!(l, "proc-switch {label} asid {}", a[1]),
        Kind::ProcExit => write!(l, "proc-exit {label} status {}", a[1]),
        Kind::Rss => write!(l, "rss {label} {}", a[1]),
    };
}

/// The JSON members of `e` after the common ones.
pub(super) fn json_members(l: &mut Line, e: &KernelEvent) {
    let a = e.args;
    let hex = |l: &mut Line, n: &str, v: u64| {
        let _ = write!(l, r#","{n}":"0x{v:016x}""#);
    };
    let num = |l: &mut Line, n: &str, v: u64| {
        let _ = write!(l, r#","{n}":{v}"#);
    };
    let text = |l: &mut Line, n: &str, v: &str| {
        let _ = write!(l, r#","{n}":{}"#, serde_json::Value::from(v));
    };
    match e.kind {
        Kind::Fault => {
            hex(l, "va", a[0]);
            num(l, "cause", a[1]);
            text(l, "how", resolution(a[2]));
            num(l, "pid", a[3]);
            num(l, "rss", a[4]);
        }
        Kind::FrameAlloc | Kind::FrameFree => hex(l, "pa", a[0]),
        Kind::Victim => {
            num(l, "asid_of_page", a[0]);
            hex(l, "va", a[1]);
            hex(l, "pa", a[2]);
        }
        Kind::SwapOut | Kind::SwapIn => {
            num(l, "asid_of_page", a[0]);
            hex(l, "va", a[1]);
            num(l, "slot", a[2]);
        }
        Kind::Shootdown => hex(l, "harts", a[0]),
        Kind::OomKill => {
            num(l, "pid", a[0]);
            hex(l, "va", a[1]);
        }
        Kind::ProcCreate => {
            num(l, "pid", a[0]);
            num(l, "ppid", a[1]);
            text(l, "name", &e.text);
        }
        Kind::ProcExec => {
            num(l, "pid", a[0]);
            text(l, "path", &e.text);
        }
        Kind::ProcSwitch => {
            num(l, "pid", a[0]);
            num(l, "to_asid", a[1]);
        }
        Kind::ProcExit => {
            num(l, "pid", a[0]);
            num(l, "status", a[1]);
        }
        Kind::Rss => {
            num(l, "pid", a[0]);
            num(l, "rss", a[1]);
        }
    }
}
