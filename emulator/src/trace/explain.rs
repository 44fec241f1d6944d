//! `--explain VA`: a fully annotated translation of one virtual address,
//! for study. It shows the context (privilege, satp, SUM, MXR, MPRV), the
//! walk step by step as the `mmu` trace category prints it, the TLB entry
//! that currently maps the address (if any), and for the leaf found, which
//! accesses U-mode and S-mode may make and, for each refused one, the rule.
//!
//! Nothing changes in the machine: the walk sets no A/D bit, fills no TLB
//! entry and counts nothing.

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

const ACCESSES: [(Access, &str); 3] = [(Access::Fetch, "fetch"), (Access::Load, "load"), (Access::Store, "store")];

/// The explanation of `va` on `hart` now; `access` is the faulting access
/// (None: at exit, shown for a load); `moment` says when it was taken.
pub fn explain(hart: &Hart, mmu: &Mmu, bus: &mut Bus, va: u64, access: Option<Access>, moment: &str) -> String {
    let access = access.unwrap_or(Access::Load);
    let mut ctx = Context::of(hart, access);
    let mut out = String::new();
    let ms = hart.csr.mstatus;
    let satp = hart.csr.satp;
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
