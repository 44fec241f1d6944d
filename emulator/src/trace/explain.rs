//! `--explain VA`: a fully annotated translation of one virtual address,
//! for study. It shows the context (privilege, satp, SUM, MXR, MPRV), the
//! walk step by step as the `mmu` trace category prints it, the TLB entry
//! that currently maps the address (if any), and for the leaf found, which
//! accesses U-mode and S-mode may make and, for each refused one, the rule.
//!
//! Nothing changes in the machine: the walk sets no A/D bit, fills no TLB
//! entry and counts nothing.
//!
//! Which address space ([`Space`]): the hart's current satp, the address
//! space of an ASID (the satp value last written with that ASID), that of
//! a process (the ASID the guest kernel last reported switching to it
//! with, through the trace port's `proc-switch` events), or a satp value
//! given outright. When ([`When`]): at the first page or access
//! fault in the address's 4 KiB page (in that address space), at every such
//! fault, when a hart has retired a given number of instructions, or at the
//! end of the run. An address that never faults is explained, at the end
//! of the run, as it was mapped when its address space was last left (the
//! satp write that switched away from it, when the page tables were still
//! those of the process), so a user address is not read through the
//! kernel's tables; only when it was never mapped in a space left is it
//! read under the satp the run ends with.

use std::fmt::Write as _;

use super::mmu::{describe, scheme};
use super::text::Line;
use crate::bus::Bus;
use crate::hart::csr::mstatus;
use crate::hart::trap::Exception;
use crate::hart::{Hart, Priv};
use crate::mmu::{permitted, pte::Pte, Access, Context, Mmu, MmuEvent};

/// The access that raised a page or access fault (None for other exceptions).
pub fn fault_access(e: Exception) -> Option<Access> {
    use Exception::*;
    match e {
        InstructionPageFault(_) | InstructionAccessFault(_) => Some(Access::Fetch),
        LoadPageFault(_) | LoadAccessFault(_) => Some(Access::Load),
        StorePageFault(_) | StoreAccessFault(_) => Some(Access::Store),
        _ => None,
    }
}

fn ms_sum_clear(hart: &Hart) -> bool {
    hart.csr.mstatus & mstatus::SUM == 0
}

const ACCESSES: [(Access, &str); 3] = [(Access::Fetch, "fetch"), (Access::Load, "load"), (Access::Store, "store")];

/// The address space to explain an address in (`--explain-in`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// The hart's satp at the moment chosen.
    Current,
    /// The satp last written with this ASID (or the current one, if it has it).
    Asid(u16),
    /// This satp value (MODE, ASID, root PPN).
    Satp(u64),
    /// The process with this pid: the ASID the kernel last reported it
    /// running with (`proc-switch`), then as [`Space::Asid`].
    Pid(u64),
}

/// When to explain (`--explain-at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// At the first page or access fault in the page (else at the end).
    FirstFault,
    /// At every page or access fault in the page (else at the end).
    EveryFault,
    /// When hart 0 has retired this many instructions.
    Icount(u64),
    /// When the run ends.
    End,
}

/// `--explain`: what to explain, and the explanations made so far.
#[derive(Clone, Debug)]
pub struct Explain {
    /// The virtual address.
    pub va: u64,
    /// In which address space.
    pub space: Space,
    /// When.
    pub when: When,
    /// The explanations made (empty until the moment comes).
    pub text: String,
    /// The satp each hart had when last looked at (to see switches).
    last_satp: Vec<u64>,
    /// The satp value last written per ASID.
    satp_of_asid: std::collections::BTreeMap<u16, u64>,
    /// The explanation made when the address space was last left with
    /// `va` mapped in it (for [`Explain::finish`]).
    left_mapped: Option<String>,
    /// For [`Space::Pid`]: the ASID that process last ran with.
    pid_asid: Option<u16>,
}

impl Explain {
    /// Explain `va` in `space` at `when`.
    pub fn new(va: u64, space: Space, when: When) -> Explain {
        Explain {
            va,
            space,
            when,
            text: String::new(),
            last_satp: Vec::new(),
            satp_of_asid: Default::default(),
            left_mapped: None,
            pid_asid: None,
        }
    }

    /// The kernel reported that process `pid` runs now with ASID `asid`.
    pub fn process_switched(&mut self, pid: u64, asid: u16) {
        if self.space == Space::Pid(pid) {
            self.pid_asid = Some(asid);
        }
    }

    /// The space asked for, a process resolved to its ASID (None: the
    /// process has not run yet).
    fn resolved(&self) -> Option<Space> {
        match self.space {
            Space::Pid(_) => self.pid_asid.map(Space::Asid),
            s => Some(s),
        }
    }

    /// The satp to use now on a hart whose satp is `current`; None when
    /// the ASID asked for has not been seen yet.
    fn satp_now(&self, current: u64) -> Option<u64> {
        match self.resolved()? {
            Space::Current => Some(current),
            Space::Satp(s) => Some(s),
            Space::Asid(a) if (current >> 44) as u16 == a => Some(current),
            Space::Asid(a) => self.satp_of_asid.get(&a).copied(),
            Space::Pid(_) => None,
        }
    }

    /// True when faults under `current` belong to the address space asked for.
    fn in_space(&self, current: u64) -> bool {
        Self::holds(self.resolved(), current)
    }

    /// True when satp `satp` is the address space `space`.
    fn holds(space: Option<Space>, satp: u64) -> bool {
        match space {
            Some(Space::Current) => true,
            Some(Space::Asid(a)) => (satp >> 44) as u16 == a,
            Some(Space::Satp(s)) => satp == s,
            Some(Space::Pid(_)) | None => false,
        }
    }

    /// A page or access fault `e` on `hart`: explain if it is one asked for.
    pub fn fault(&mut self, hart: &Hart, mmu: &Mmu, bus: &mut Bus, e: Exception) {
        let Some(access) = fault_access(e) else { return };
        if e.tval() >> 12 != self.va >> 12 || !self.in_space(hart.csr.satp) {
            return;
        }
        let first = match self.when {
            When::FirstFault => true,
            When::EveryFault => false,
            _ => return,
        };
        if first && !self.text.is_empty() {
            return;
        }
        let what = if first { "the first fault" } else { "a fault" };
        let moment = format!("at {what} at this page: {} (tval {:#x}) at icount {}", e.name(), e.tval(), hart.instret);
        self.text += &explain(hart, mmu, bus, self.va, hart.csr.satp, Some(access), &moment);
    }

    /// Hart `hart` may have written satp: remember the value per ASID and,
    /// when it left an address space the address is mapped in, the
    /// explanation there.
    pub fn satp_written(&mut self, hart: &Hart, mmu: &Mmu, bus: &mut Bus) {
        let i = hart.id as usize;
        if self.last_satp.len() <= i {
            self.last_satp.resize(i + 1, 0);
        }
        let (old, new) = (self.last_satp[i], hart.csr.satp);
        if old == new {
            return;
        }
        self.last_satp[i] = new;
        self.satp_of_asid.insert((new >> 44) as u16, new);
        let wanted = Self::holds(self.resolved(), old);
        if wanted && old >> 60 != 0 && self.text.is_empty() {
            let moment = format!(
                "when its address space (satp {old:#x}) was last left, at icount {} (it never faulted)",
                hart.instret
            );
            let text = explain(hart, mmu, bus, self.va, old, None, &moment);
            if text.contains(" leaf") {
                self.left_mapped = Some(text);
            }
        }
    }

    /// Hart 0 has retired `icount` instructions: explain if that is the moment.
    pub fn icount_reached(&mut self, hart: &Hart, mmu: &Mmu, bus: &mut Bus) {
        if self.when != When::Icount(hart.instret) || !self.text.is_empty() {
            return;
        }
        self.explain_now(hart, mmu, bus, &format!("at icount {}", hart.instret));
    }

    /// The icount to stop at for [`When::Icount`] (None for the other moments).
    pub fn stop_at(&self) -> Option<u64> {
        match self.when {
            When::Icount(n) if self.text.is_empty() => Some(n),
            _ => None,
        }
    }

    fn explain_now(&mut self, hart: &Hart, mmu: &Mmu, bus: &mut Bus, moment: &str) {
        match self.satp_now(hart.csr.satp) {
            Some(satp) => self.text += &explain(hart, mmu, bus, self.va, satp, None, moment),
            None => {
                let what = match (self.space, self.pid_asid) {
                    (Space::Pid(p), None) => format!("pid {p} has not run yet (no proc-switch event from the kernel)"),
                    (Space::Pid(p), Some(a)) => format!("pid {p}'s asid {a} has not been in satp yet"),
                    (_, _) => match self.resolved() {
                        Some(Space::Asid(a)) => format!("asid {a} has not been in satp yet"),
                        _ => "the address space has not been in satp yet".to_owned(),
                    },
                };
                self.text += &format!("explain va 0x{:016x} {moment}\n  {what}\n", self.va);
            }
        }
    }

    /// The run ended on `hart`: the explanations made, or the one the
    /// module documentation describes for an address that never faulted.
    pub fn finish(mut self, hart: &Hart, mmu: &Mmu, bus: &mut Bus) -> String {
        if self.text.is_empty() {
            match (self.when, self.left_mapped.take()) {
                (When::FirstFault | When::EveryFault, Some(t)) => self.text = t,
                _ => self.explain_now(hart, mmu, bus, "at the end of the run"),
            }
        }
        self.text
    }
}

/// The explanation of `va` on `hart` now, under `satp`; `access` is the
/// faulting access (None: shown for a load); `moment` says when it was taken.
pub fn explain(
    hart: &Hart,
    mmu: &Mmu,
    bus: &mut Bus,
    va: u64,
    satp: u64,
    access: Option<Access>,
    moment: &str,
) -> String {
    let faulting = access;
    let access = access.unwrap_or(Access::Load);
    let mut ctx = Context::of(hart, access);
    ctx.satp = satp;
    if faulting.is_none() && ctx.prv == Priv::S && va >> 63 == 0 && ms_sum_clear(hart) {
        // Not at a fault, a user address is checked as its user would use it.
        ctx.prv = Priv::U;
    }
    let mut out = String::new();
    let ms = hart.csr.mstatus;
    let _ = writeln!(out, "explain va 0x{va:016x} {moment}");
    let _ = writeln!(
        out,
        "  hart {} in {}-mode; {} access checked as {}-mode; satp 0x{satp:016x} = {} asid {} root 0x{:016x}; SUM={} MXR={} MPRV={}",
        hart.id,
        hart.prv.letter(),
        ACCESSES.iter().find(|a| a.0 == access).map_or("?", |a| a.1),
        ctx.prv.letter(),
        scheme(satp),
        (satp >> 44) as u16,
        (satp & ((1 << 44) - 1)) << 12,
        (ms & mstatus::SUM != 0) as u8,
        (ms & mstatus::MXR != 0) as u8,
        (ms & mstatus::MPRV != 0) as u8
    );
    if scheme(satp) == "bare" {
        let _ = writeln!(out, "  satp.MODE is Bare: no translation, pa = va");
        return out;
    }
    if ctx.prv == Priv::M {
        let _ = writeln!(out, "  M-mode does not translate; shown as S-mode would see it");
        ctx.prv = Priv::S;
    }
    let events = mmu.explain(&ctx, va, access, bus);
    let mut leaf = None;
    for e in &events {
        let mut buf = [0u8; 512];
        let mut line = Line::new(&mut buf);
        line.put(b"  ");
        describe(&mut line, e);
        let _ = writeln!(out, "{}", String::from_utf8_lossy(line.text()));
        if let MmuEvent::Pte { pte, .. } = *e {
            let p = Pte(pte);
            if p.invalid_reason().is_none() && p.is_leaf() {
                leaf = Some(p);
            }
        }
    }
    if let Some(e) = mmu.tlb.valid_entries().find(|e| va >> e.shift() == e.tag && (e.global() || e.asid == ctx.asid()))
    {
        let _ = writeln!(
            out,
            "  TLB: cached as a {} page at pa 0x{:016x} [{}]",
            super::mmu::page_size(e.level),
            e.pa_base,
            Pte(e.flags as u64).flags()
        );
    } else {
        let _ = writeln!(out, "  TLB: not cached");
    }
    if let Some(p) = leaf {
        for prv in [Priv::U, Priv::S] {
            let c = Context { prv, ..ctx };
            for (a, name) in ACCESSES {
                let verdict = match permitted(&c, p, a) {
                    Ok(()) => "allowed".to_string(),
                    Err(rule) => format!("page fault: {rule}"),
                };
                let _ = writeln!(out, "  {}-mode {name:<5}: {verdict}", prv.letter());
            }
        }
    }
    out
}
