//! JSON lines (`--trace-format json`): one object per event, on one line.
//!
//! Every object starts with the same five members, then those of its
//! `event`:
//!
//! ```text
//! {"hart":0,"priv":"U","icount":1234,"asid":1,"cat":"tlb","event":"miss",...}
//! ```
//!
//! `hart`, `icount` and `asid` are numbers, `priv` is `"U"`, `"S"` or
//! `"M"`, `cat` the category's command-line name. Addresses, PTEs, CSR
//! values and raw bits are strings of `0x` and 16 (raw bits: 8) lowercase
//! hexadecimal digits, since JSON numbers above 2^53 lose bits in many
//! readers. The members by `cat` and `event`:
//!
//! | cat / event        | members                                                                      |
//! |--------------------|------------------------------------------------------------------------------|
//! | insn / `retire`    | `pc`, `raw`, `len` (2 or 4), `disasm`; `rd` and `rd_value` if it wrote one (`"x5"`, `"f1"`); `mem_va`, `mem_size`, and `mem_value` for a store |
//! | trap / `trap`      | `cause`, `interrupt` (bool), `name`, `tval`, `epc`, `epc_sym` (when symbols are known), `to` (privilege) |
//! | trap / `mret`, `sret` | `to`, `pc`, `pc_sym` (when known)                                        |
//! | mmu / `walk`       | `access`, `va`, `eff_priv` (MPRV applied), `satp`, `mode`, `root`            |
//! | mmu / `pte`        | `level`, `addr`, `pte`, `flags` (`DAGUXWRV`), `ppn`, `kind` (`leaf`, `next`, `invalid`) |
//! | mmu / `pte_unreadable` | `level`, `addr`                                                          |
//! | mmu / `leaf`       | `va`, `pa`, `page_size` (bytes)                                              |
//! | mmu / `fault`      | `cause`, `name`, `rule`                                                      |
//! | mmu / `pmp_denied` | `access`, `va`, `pa`, `eff_priv`                                             |
//! | pte / `ad_update`  | `addr`, `old`, `new`, `set` (`"A"`, `"D"`, `"A,D"`)                          |
//! | tlb-hit / `hit`    | `access`, `va`, `entry`, `usable` (bool)                                     |
//! | tlb / `miss`       | `access`, `va`                                                               |
//! | tlb / `fill`, `evict` | `entry`                                                                   |
//! | tlb / `flush`      | `scope` (`all`, `asid`, `va`, `va_asid`), `va` and `flush_asid` as the scope has them, `removed` |
//! | csr / `write`      | `csr`, `old`, `new`                                                          |
//! | kernel / `fault`, `proc-exec`, ... | see [`super::kernel`]                                        |
//!
//! A TLB `entry` is an object: `va`, `pa`, `page_size`, `asid`, `global`,
//! `flags`.

use std::fmt::Write as _;

use super::insn::Retired;
use super::mmu::{access, flags, scheme};
use super::text::Line;
use super::{Category, Stamp};
use crate::hart::trap::Trap;
use crate::hart::Priv;
use crate::isa::disasm::Parts;
use crate::mmu::{pte, pte::Pte, FlushScope, MmuEvent, TlbEntry};

/// `{"hart":H,"priv":"P","icount":I,"asid":A,"cat":"C","event":"E"`
fn open(l: &mut Line, s: &Stamp, cat: Category, event: &str) {
    let _ = write!(
        l,
        r#"{{"hart":{},"priv":"{}","icount":{},"asid":{},"cat":"{}","event":"{event}""#,
        s.hart,
        s.prv.letter(),
        s.icount,
        s.asid,
        cat.name()
    );
}

fn close(l: &mut Line) {
    l.put(b"}\n");
}

/// `,"name":"0x0123456789abcdef"`
fn hex(l: &mut Line, name: &str, v: u64) {
    let _ = write!(l, r#","{name}":"0x{v:016x}""#);
}

/// `,"name":"text"` with the text escaped as JSON requires.
fn string(l: &mut Line, name: &str, text: &str) {
    let _ = write!(l, r#","{name}":""#);
    for c in text.chars() {
        let _ = match c {
            '"' => write!(l, "\\\""),
            '\\' => write!(l, "\\\\"),
            c if (c as u32) < 0x20 => write!(l, "\\u{:04x}", c as u32),
            c => write!(l, "{c}"),
        };
    }
    l.put(b"\"");
}

fn number(l: &mut Line, name: &str, v: u64) {
    let _ = write!(l, r#","{name}":{v}"#);
}

fn priv_member(l: &mut Line, name: &str, p: Priv) {
    let _ = write!(l, r#","{name}":"{}""#, p.letter());
}

fn page_bytes(level: u8) -> u64 {
    1u64 << (12 + 9 * level as u32)
}

/// A retired instruction.
pub(super) fn insn(l: &mut Line, s: &Stamp, e: &Retired) {
    open(l, s, Category::Insn, "retire");
    hex(l, "pc", e.pc);
    let _ = write!(l, r#","raw":"0x{:08x}""#, e.raw);
    number(l, "len", e.insn.len as u64);
    let p = Parts::of(e.insn, e.raw, Some(e.pc));
    let text = if p.operands.is_empty() { p.mnemonic.to_string() } else { format!("{} {}", p.mnemonic, p.operands) };
    string(l, "disasm", &text);
    if let Some(w) = e.write {
        string(l, "rd", &format!("{}{}", w.file, w.reg));
        hex(l, "rd_value", w.value);
    }
    if let Some(m) = e.mem {
        hex(l, "mem_va", m.va);
        number(l, "mem_size", m.size as u64);
        if let Some(v) = m.stored {
            let mask = if m.size >= 8 { u64::MAX } else { (1u64 << (8 * m.size)) - 1 };
            hex(l, "mem_value", v & mask);
        }
    }
    close(l);
}

/// A trap entry.
pub(super) fn trap(l: &mut Line, s: &Stamp, t: Trap, epc: u64, to: Priv, sym: Option<&str>) {
    open(l, s, Category::Trap, "trap");
    number(l, "cause", t.cause() & !(1 << 63));
    let _ = write!(l, r#","interrupt":{}"#, matches!(t, Trap::Interrupt(_)));
    string(l, "name", t.name());
    hex(l, "tval", t.tval());
    hex(l, "epc", epc);
    if let Some(sym) = sym {
        string(l, "epc_sym", sym);
    }
    priv_member(l, "to", to);
    close(l);
}

/// An mret or sret.
pub(super) fn xret(l: &mut Line, s: &Stamp, which: &str, to: Priv, pc: u64, sym: Option<&str>) {
    open(l, s, Category::Trap, which);
    priv_member(l, "to", to);
    hex(l, "pc", pc);
    if let Some(sym) = sym {
        string(l, "pc_sym", sym);
    }
    close(l);
}

/// A kernel event (members: [`super::kernel`]).
pub(super) fn kernel(l: &mut Line, s: &Stamp, e: &crate::devices::trace_port::KernelEvent) {
    open(l, s, Category::Kernel, e.kind.name());
    super::kernel::json_members(l, e);
    close(l);
}

/// A CSR write.
pub(super) fn csr(l: &mut Line, s: &Stamp, name: &str, old: u64, new: u64) {
    open(l, s, Category::Csr, "write");
    string(l, "csr", name);
    hex(l, "old", old);
    hex(l, "new", new);
    close(l);
}

fn entry(l: &mut Line, e: &TlbEntry) {
    let _ = write!(
        l,
        r#","entry":{{"va":"0x{:016x}","pa":"0x{:016x}","page_size":{},"asid":{},"global":{},"flags":"{}"}}"#,
        e.va_base(),
        e.pa_base,
        page_bytes(e.level),
        e.asid,
        e.global(),
        std::str::from_utf8(&flags(e.flags)).unwrap_or("?")
    );
}

/// An MMU event of category `cat`.
pub(super) fn mmu(l: &mut Line, s: &Stamp, cat: Category, e: &MmuEvent) {
    match *e {
        MmuEvent::Walk { va, access: a, prv, satp, .. } => {
            open(l, s, cat, "walk");
            string(l, "access", access(a));
            hex(l, "va", va);
            priv_member(l, "eff_priv", prv);
            hex(l, "satp", satp);
            string(l, "mode", scheme(satp));
            hex(l, "root", (satp & ((1 << 44) - 1)) << 12);
        }
        MmuEvent::Pte { level, addr, pte } => {
            open(l, s, cat, "pte");
            number(l, "level", level as u64);
            hex(l, "addr", addr);
            hex(l, "pte", pte);
            let p = Pte(pte);
            string(l, "flags", &p.flags());
            hex(l, "ppn", p.ppn());
            let kind = match (p.invalid_reason(), p.is_leaf()) {
                (Some(_), _) => "invalid",
                (None, true) => "leaf",
                (None, false) => "next",
            };
            string(l, "kind", kind);
        }
        MmuEvent::PteUnreadable { level, addr } => {
            open(l, s, cat, "pte_unreadable");
            number(l, "level", level as u64);
            hex(l, "addr", addr);
        }
        MmuEvent::Leaf { va, pa, level } => {
            open(l, s, cat, "leaf");
            hex(l, "va", va);
            hex(l, "pa", pa);
            number(l, "page_size", page_bytes(level));
        }
        MmuEvent::Fault { exception, rule } => {
            open(l, s, cat, "fault");
            number(l, "cause", exception.code());
            string(l, "name", exception.name());
            string(l, "rule", rule);
        }
        MmuEvent::PmpDenied { va, pa, access: a, prv } => {
            open(l, s, cat, "pmp_denied");
            string(l, "access", access(a));
            hex(l, "va", va);
            hex(l, "pa", pa);
            priv_member(l, "eff_priv", prv);
        }
        MmuEvent::AdUpdate { addr, old, new } => {
            open(l, s, cat, "ad_update");
            hex(l, "addr", addr);
            hex(l, "old", old);
            hex(l, "new", new);
            let set = match (new & !old) & (pte::A | pte::D) {
                x if x == pte::A => "A",
                x if x == pte::D => "D",
                _ => "A,D",
            };
            string(l, "set", set);
        }
        MmuEvent::TlbHit { access: a, va, entry: ref en, usable, .. } => {
            open(l, s, cat, "hit");
            string(l, "access", access(a));
            hex(l, "va", va);
            entry(l, en);
            let _ = write!(l, r#","usable":{usable}"#);
        }
        MmuEvent::TlbMiss { access: a, va, .. } => {
            open(l, s, cat, "miss");
            string(l, "access", access(a));
            hex(l, "va", va);
        }
        MmuEvent::TlbFill { entry: ref en } => {
            open(l, s, cat, "fill");
            entry(l, en);
        }
        MmuEvent::TlbEvict { entry: ref en } => {
            open(l, s, cat, "evict");
            entry(l, en);
        }
        MmuEvent::TlbFlush { scope, removed } => {
            open(l, s, cat, "flush");
            match scope {
                FlushScope::All => string(l, "scope", "all"),
                FlushScope::Asid(a) => {
                    string(l, "scope", "asid");
                    number(l, "flush_asid", a as u64);
                }
                FlushScope::Va(va) => {
                    string(l, "scope", "va");
                    hex(l, "va", va);
                }
                FlushScope::VaAsid(va, a) => {
                    string(l, "scope", "va_asid");
                    hex(l, "va", va);
                    number(l, "flush_asid", a as u64);
                }
            }
            number(l, "removed", removed as u64);
        }
    }
    close(l);
}
