//! Text for the `mmu`, `tlb` and `pte` trace categories and for `--explain`:
//! one line per [`MmuEvent`], in the format the module documentation of
//! [`crate::trace`] describes.

use std::fmt::Write as _;

use super::Category;
use crate::mmu::{pte::Pte, Access, FlushScope, MmuEvent, TlbEntry};

/// The trace category an event belongs to.
pub fn category(e: &MmuEvent) -> Category {
    match e {
        MmuEvent::Walk { .. }
        | MmuEvent::Pte { .. }
        | MmuEvent::PteUnreadable { .. }
        | MmuEvent::Leaf { .. }
        | MmuEvent::Fault { .. }
        | MmuEvent::PmpDenied { .. } => Category::Mmu,
        MmuEvent::AdUpdate { .. } => Category::Pte,
        MmuEvent::TlbHit { .. }
        | MmuEvent::TlbMiss { .. }
        | MmuEvent::TlbFill { .. }
        | MmuEvent::TlbEvict { .. }
        | MmuEvent::TlbFlush { .. } => Category::Tlb,
    }
}

/// The name of a page size by leaf level.
pub fn page_size(level: u8) -> &'static str {
    ["4 KiB", "2 MiB", "1 GiB", "512 GiB", "256 TiB"].get(level as usize).copied().unwrap_or("?")
}

/// The scheme named by satp.MODE: bare, sv39, sv48, sv57.
pub fn scheme(satp: u64) -> &'static str {
    match satp >> 60 {
        8 => "sv39",
        9 => "sv48",
        10 => "sv57",
        _ => "bare",
    }
}

fn access(a: Access) -> &'static str {
    match a {
        Access::Fetch => "fetch",
        Access::Load => "load",
        Access::Store => "store",
    }
}

fn entry(l: &mut String, e: &TlbEntry) {
    let _ = write!(
        l,
        "page va 0x{:016x} pa 0x{:016x} {} asid {}{} [{}]",
        e.va_base(),
        e.pa_base,
        page_size(e.level),
        e.asid,
        if e.global() { " global" } else { "" },
        Pte(e.flags as u64).flags()
    );
}

/// Append the text of `e` (without the `core N: cat @I ` prefix) to `l`.
pub fn describe(l: &mut String, e: &MmuEvent) {
    match *e {
        MmuEvent::Walk { va, access: a, prv, satp, levels } => {
            let _ = write!(
                l,
                "walk {} va 0x{va:016x} from {} satp {} asid {} root 0x{:016x}:",
                access(a),
                prv.letter(),
                scheme(satp),
                (satp >> 44) as u16,
                (satp & ((1 << 44) - 1)) << 12
            );
            for i in (0..levels as u32).rev() {
                let _ = write!(l, " vpn[{i}]=0x{:03x}", (va >> (12 + 9 * i)) & 0x1ff);
            }
            let _ = write!(l, " offset=0x{:03x}", va & 0xfff);
        }
        MmuEvent::Pte { level, addr, pte } => {
            let p = Pte(pte);
            let _ = write!(l, "  L{level} pte @0x{addr:016x} = 0x{pte:016x} [{}] ppn 0x{:x}", p.flags(), p.ppn());
            if p.invalid_reason().is_none() {
                l.push_str(if p.is_leaf() { " leaf" } else { " -> next level" });
            }
        }
        MmuEvent::PteUnreadable { level, addr } => {
            let _ = write!(l, "  L{level} pte @0x{addr:016x} cannot be read");
        }
        MmuEvent::Leaf { va, pa, level } => {
            let _ = write!(l, "  va 0x{va:016x} -> pa 0x{pa:016x} ({} page)", page_size(level));
        }
        MmuEvent::Fault { exception, rule } => {
            let _ = write!(l, "  fault: {} (cause {}): {rule}", exception.name(), exception.code());
        }
        MmuEvent::PmpDenied { va, pa, access: a, prv } => {
            let _ = write!(
                l,
                "pmp denies {} pa 0x{pa:016x} (va 0x{va:016x}) from {}: {}",
                access(a),
                prv.letter(),
                a.access_fault(va).name()
            );
        }
        MmuEvent::AdUpdate { addr, old, new } => {
            let set = match (new & !old) & (crate::mmu::pte::A | crate::mmu::pte::D) {
                x if x == crate::mmu::pte::A => "A",
                x if x == crate::mmu::pte::D => "D",
                _ => "A,D",
            };
            let _ = write!(l, "set {set} pte @0x{addr:016x} 0x{old:016x} -> 0x{new:016x} [{}]", Pte(new).flags());
        }
        MmuEvent::TlbHit { access: a, va, asid, entry: ref en, usable } => {
            let _ = write!(l, "hit {} va 0x{va:016x} asid {asid} ", access(a));
            entry(l, en);
            if !usable {
                l.push_str(" not usable for this access: walking");
            }
        }
        MmuEvent::TlbMiss { access: a, va, asid } => {
            let _ = write!(l, "miss {} va 0x{va:016x} asid {asid}", access(a));
        }
        MmuEvent::TlbFill { entry: ref en } => {
            l.push_str("fill ");
            entry(l, en);
        }
        MmuEvent::TlbEvict { entry: ref en } => {
            l.push_str("evict ");
            entry(l, en);
        }
        MmuEvent::TlbFlush { scope, removed } => {
            let _ = match scope {
                FlushScope::All => write!(l, "flush all"),
                FlushScope::Asid(a) => write!(l, "flush asid {a} (global entries kept)"),
                FlushScope::Va(va) => write!(l, "flush va 0x{va:016x} all asids"),
                FlushScope::VaAsid(va, a) => write!(l, "flush va 0x{va:016x} asid {a} (global entries kept)"),
            };
            let _ = write!(l, ": {removed} entr{} removed", if removed == 1 { "y" } else { "ies" });
        }
    }
}
