//! Text for the `mmu`, `tlb` and `pte` trace categories and for `--explain`:
//! one line per [`MmuEvent`], in the format the module documentation of
//! [`crate::trace`] describes.

use std::fmt::Write as _;

use super::text::Line;
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
        MmuEvent::TlbHit { .. } => Category::TlbHit,
        MmuEvent::TlbMiss { .. } | MmuEvent::TlbFill { .. } | MmuEvent::TlbEvict { .. } | MmuEvent::TlbFlush { .. } => {
            Category::Tlb
        }
    }
}

/// The virtual address an event is about, for `va` filters: the address
/// translated (walks, leaves, PMP refusals, TLB lookups), a TLB entry's
/// page base (fills, evictions), the address of a flush by address. None
/// for the steps inside a walk (they take the walk's) and other flushes.
pub fn event_va(e: &MmuEvent) -> Option<u64> {
    match *e {
        MmuEvent::Walk { va, .. }
        | MmuEvent::Leaf { va, .. }
        | MmuEvent::PmpDenied { va, .. }
        | MmuEvent::TlbHit { va, .. }
        | MmuEvent::TlbMiss { va, .. } => Some(va),
        MmuEvent::TlbFill { entry } | MmuEvent::TlbEvict { entry } => Some(entry.va_base()),
        MmuEvent::TlbFlush { scope: FlushScope::Va(va) | FlushScope::VaAsid(va, _), .. } => Some(va),
        _ => None,
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

pub(super) fn access(a: Access) -> &'static str {
    match a {
        Access::Fetch => "fetch",
        Access::Load => "load",
        Access::Store => "store",
    }
}

/// The flag bits 7..0 of a PTE as text, `DAGUXWRV` with `-` for a clear
/// bit (as [`Pte::flags`] gives them, without allocating).
pub(super) fn flags(bits: u8) -> [u8; 8] {
    let mut t = *b"DAGUXWRV";
    for (i, c) in t.iter_mut().enumerate() {
        if bits >> (7 - i) & 1 == 0 {
            *c = b'-';
        }
    }
    t
}

/// `page va V pa P SIZE asid A[ global] [FLAGS]`: a TLB entry.
fn entry(l: &mut Line, e: &TlbEntry) {
    l.put(b"page va 0x");
    l.hex16(e.va_base());
    l.put(b" pa 0x");
    l.hex16(e.pa_base);
    l.put(b" ");
    l.put(page_size(e.level).as_bytes());
    l.put(b" asid ");
    l.decimal_right(e.asid as u64, 0);
    if e.global() {
        l.put(b" global");
    }
    l.put(b" [");
    l.put(&flags(e.flags));
    l.put(b"]");
}

/// `ACCESS va 0xV asid A`: the lookup of a TLB hit or miss.
fn lookup(l: &mut Line, a: Access, va: u64, asid: u16) {
    l.put(access(a).as_bytes());
    l.put(b" va 0x");
    l.hex16(va);
    l.put(b" asid ");
    l.decimal_right(asid as u64, 0);
}

/// Append the text of `e` (without the `core N: cat @I ` prefix) to `l`.
/// The TLB events, one per translated access when `tlb` is traced, are
/// formatted by hand; the rarer ones with `write!`.
pub(super) fn describe(l: &mut Line, e: &MmuEvent) {
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
                l.put(if p.is_leaf() { b" leaf" } else { b" -> next level" });
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
            l.put(b"hit ");
            lookup(l, a, va, asid);
            l.put(b" ");
            entry(l, en);
            if !usable {
                l.put(b" not usable for this access: walking");
            }
        }
        MmuEvent::TlbMiss { access: a, va, asid } => {
            l.put(b"miss ");
            lookup(l, a, va, asid);
        }
        MmuEvent::TlbFill { entry: ref en } => {
            l.put(b"fill ");
            entry(l, en);
        }
        MmuEvent::TlbEvict { entry: ref en } => {
            l.put(b"evict ");
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
