//! A page table as ranges: every leaf reachable from a satp's root, with
//! neighbours that continue each other (next virtual page, next physical
//! page, same size and flags) merged into one line. Read-only: PTEs are
//! read straight from RAM, nothing is set or counted.

use std::fmt::Write as _;

use crate::bus::Bus;
use crate::mmu::pte::Pte;
use crate::mmu::{Scheme, PAGE_SIZE};
use crate::trace::mmu::{page_size, scheme};

/// A run of leaves mapping consecutive virtual pages to consecutive
/// physical pages with the same size and flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// First virtual address (sign-extended).
    pub va: u64,
    /// First physical address.
    pub pa: u64,
    /// Leaf level: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, ...
    pub level: u8,
    /// Number of pages.
    pub pages: u64,
    /// The PTE flag bits 7:0 (DAGUXWRV).
    pub flags: u8,
}

impl Range {
    fn page_bytes(&self) -> u64 {
        PAGE_SIZE << (9 * self.level as u32)
    }
}

/// The ranges of the page table that `satp` selects, in virtual-address
/// order; `Err` when satp is Bare. PTEs outside RAM end their branch; an
/// invalid PTE maps nothing.
pub fn ranges(bus: &Bus, satp: u64) -> Result<Vec<Range>, String> {
    let Scheme::Paged(levels) = Scheme::of_satp(satp) else {
        return Err(format!("satp {satp:#x} is Bare: no page table"));
    };
    let mut out: Vec<Range> = Vec::new();
    let root = (satp & ((1 << 44) - 1)) * PAGE_SIZE;
    walk(bus, root, levels - 1, 0, levels, &mut out);
    Ok(out)
}

fn walk(bus: &Bus, table: u64, level: u32, va_prefix: u64, levels: u32, out: &mut Vec<Range>) {
    for idx in 0..512u64 {
        let addr = table + idx * 8;
        if !bus.ram.contains(addr, 8) {
            return;
        }
        let pte = Pte(bus.ram.read(addr, 8));
        if pte.invalid_reason().is_some() {
            continue;
        }
        let va = va_prefix | idx << (12 + 9 * level);
        if !pte.is_leaf() {
            if level > 0 {
                walk(bus, pte.ppn() * PAGE_SIZE, level - 1, va, levels, out);
            }
            continue;
        }
        // Sign-extend from the top VA bit.
        let bits = 12 + 9 * levels;
        let va = ((va << (64 - bits)) as i64 >> (64 - bits)) as u64;
        let pa = pte.ppn() * PAGE_SIZE;
        let flags = pte.0 as u8;
        if let Some(last) = out.last_mut() {
            let size = last.page_bytes();
            if last.level == level as u8
                && last.flags == flags
                && last.va.wrapping_add(size * last.pages) == va
                && last.pa + size * last.pages == pa
            {
                last.pages += 1;
                continue;
            }
        }
        out.push(Range { va, pa, level: level as u8, pages: 1, flags });
    }
}

/// The table of [`ranges`] as text, one line per range:
/// `va_first-va_last -> pa_first  N x SIZE  DAGUXWRV`.
pub fn dump(bus: &Bus, satp: u64) -> Result<String, String> {
    let ranges = ranges(bus, satp)?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "page table of satp {satp:#018x} ({} asid {} root {:#x}): {} ranges",
        scheme(satp),
        (satp >> 44) as u16,
        (satp & ((1 << 44) - 1)) * PAGE_SIZE,
        ranges.len()
    );
    let _ = writeln!(s, "{:<39} {:<18}  {:>13}  DAGUXWRV", "virtual", "physical", "pages");
    for r in &ranges {
        let bytes = r.page_bytes() * r.pages;
        let _ = writeln!(
            s,
            "{:#018x}-{:#018x} {:#018x}  {:>5} x {:<6} {}",
            r.va,
            r.va.wrapping_add(bytes - 1),
            r.pa,
            r.pages,
            page_size(r.level),
            Pte(r.flags as u64).flags()
        );
    }
    Ok(s)
}
