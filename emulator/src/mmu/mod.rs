//! Address translation: satp-driven page-table walks for Bare, Sv39, Sv48 and
//! Sv57 (RISC-V Privileged ISA, chapter 12 "Supervisor-Level ISA", sections
//! 12.3-12.6), with the permission rules of U, SUM and MXR, MPRV for M-mode
//! loads and stores, and accessed/dirty bits.
//!
//! The walker is written once and parameterised by the number of levels.

pub mod event;
pub mod fast;
pub mod pte;
pub mod tlb;

use crate::bus::Bus;
use crate::hart::csr::mstatus;
use crate::hart::pmp::Pmp;
use crate::hart::trap::Exception;
use crate::hart::{Hart, Priv};
pub use event::MmuEvent;
pub use fast::{FastHit, FastKey, FastTlb};
use pte::Pte;
pub use tlb::{FlushScope, Flushed, Tlb, TlbEntry, TlbGeometry};

/// Bytes in a base page.
pub const PAGE_SIZE: u64 = 4096;

/// The kind of memory access being translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Load (also LR).
    Load,
    /// Store (also SC and AMOs).
    Store,
}

impl Access {
    /// The page-fault exception for this access at `va`.
    pub fn page_fault(self, va: u64) -> Exception {
        match self {
            Access::Fetch => Exception::InstructionPageFault(va),
            Access::Load => Exception::LoadPageFault(va),
            Access::Store => Exception::StorePageFault(va),
        }
    }

    /// The access-fault exception for this access at `va`.
    pub fn access_fault(self, va: u64) -> Exception {
        match self {
            Access::Fetch => Exception::InstructionAccessFault(va),
            Access::Load => Exception::LoadAccessFault(va),
            Access::Store => Exception::StoreAccessFault(va),
        }
    }
}

/// How the A and D bits of a PTE are maintained.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AdPolicy {
    /// Svadu: the walker sets A (and D on a store) in the PTE in memory.
    #[default]
    Hardware,
    /// Svade: a page fault when A = 0, or D = 0 on a store; software sets them.
    Fault,
}

/// The translation scheme selected by satp.MODE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// No translation.
    Bare,
    /// Page-based, with this many levels (3 = Sv39, 4 = Sv48, 5 = Sv57).
    Paged(u32),
}

impl Scheme {
    /// The scheme of satp value `satp` (its MODE field, bits 63:60).
    pub fn of_satp(satp: u64) -> Scheme {
        match satp >> 60 {
            8 => Scheme::Paged(3),
            9 => Scheme::Paged(4),
            10 => Scheme::Paged(5),
            _ => Scheme::Bare,
        }
    }
}

/// Everything a translation depends on besides the address.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// satp.
    pub satp: u64,
    /// The privilege the access is checked at (MPRV applied).
    pub prv: Priv,
    /// mstatus.SUM: S-mode may load and store U pages.
    pub sum: bool,
    /// mstatus.MXR: loads may read executable-only pages.
    pub mxr: bool,
    /// The hart's PMP entries, checked for the final physical address and
    /// for the walker's own PTE accesses.
    pub pmp: &'a Pmp,
}

impl<'a> Context<'a> {
    /// The context for `access` on `hart`: fetches use the current mode; loads
    /// and stores use mstatus.MPP when in M-mode with mstatus.MPRV set (3.1.6.3).
    pub fn of(hart: &'a Hart, access: Access) -> Context<'a> {
        let ms = hart.csr.mstatus;
        let prv = if access != Access::Fetch && hart.prv == Priv::M && ms & mstatus::MPRV != 0 {
            Priv::from_bits(ms >> mstatus::MPP_SHIFT)
        } else {
            hart.prv
        };
        Context {
            satp: hart.csr.satp,
            prv,
            sum: ms & mstatus::SUM != 0,
            mxr: ms & mstatus::MXR != 0,
            pmp: &hart.csr.pmp,
        }
    }

    /// satp.ASID (bits 59:44; all 16 bits are implemented).
    #[inline]
    pub fn asid(&self) -> u16 {
        (self.satp >> 44) as u16
    }
}

/// The memory-management unit of one hart: its TLB, its A/D policy, its
/// counters, and (only while tracing) the events of the current instruction.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default)]
pub struct Mmu {
    /// How A/D bits are maintained.
    pub ad_policy: AdPolicy,
    /// Cached translations.
    pub tlb: Tlb,
    /// Statistics.
    pub stats: MmuStats,
    /// Record [`MmuEvent`]s into `events` (set by the machine when a trace
    /// category wants them; costs nothing when false).
    #[serde(skip)]
    pub record: bool,
    /// While `record` is set, record TLB hits too (one per translated
    /// access: only when the `tlb-hit` trace category wants them).
    pub record_hits: bool,
    /// Events recorded since the machine last drained them.
    #[serde(skip)]
    pub events: Vec<MmuEvent>,
    /// Outcomes of recent translations, in front of the TLB and PMP (used
    /// only while `record` is false; see [`fast`]).
    #[serde(skip)]
    pub fast: FastTlb,
}

/// Counters of the MMU's work.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, Default)]
pub struct MmuStats {
    /// Page-table walks started.
    pub walks: u64,
    /// PTEs read from memory.
    pub pte_reads: u64,
    /// PTEs written to set A or D.
    pub ad_updates: u64,
    /// Translations that ended in a page or access fault.
    pub faults: u64,
    /// TLB lookups that found no entry, by access (fetch, load, store).
    pub tlb_misses: [u64; 3],
    /// Page faults raised by translations, by access (fetch, load, store).
    pub page_faults: [u64; 3],
}

impl Mmu {
    /// An MMU with the given A/D policy and TLB geometry (validated by the caller).
    pub fn new(ad_policy: AdPolicy, tlb: TlbGeometry) -> Mmu {
        Mmu {
            ad_policy,
            tlb: Tlb::new(tlb),
            stats: MmuStats::default(),
            record: false,
            record_hits: false,
            events: Vec::new(),
            fast: FastTlb::default(),
        }
    }

    /// Translate virtual address `va` for a `size`-byte `access` under `ctx`,
    /// returning the physical address or the exception the access raises:
    /// a page fault (12/13/15) from the translation rules, or an access fault
    /// (1/5/7) when PMP denies the access or a PTE read.
    #[inline]
    pub fn translate(
        &mut self,
        ctx: &Context,
        va: u64,
        size: u8,
        access: Access,
        bus: &mut Bus,
    ) -> Result<u64, Exception> {
        let pa = match (ctx.prv, Scheme::of_satp(ctx.satp)) {
            (Priv::M, _) | (_, Scheme::Bare) => va,
            (_, Scheme::Paged(levels)) => {
                if self.record {
                    self.translate_paged::<true>(ctx, levels, va, access, bus)?
                } else {
                    self.translate_paged::<false>(ctx, levels, va, access, bus)?
                }
            }
        };
        if !ctx.pmp.allows(pa, size as u64, access, ctx.prv) {
            self.stats.faults += 1;
            if self.record {
                self.events.push(MmuEvent::PmpDenied { va, pa, access, prv: ctx.prv });
            }
            return Err(access.access_fault(va));
        }
        Ok(pa)
    }

    /// Translate `va` for a `size`-byte `access` by `hart` now: as
    /// [`Mmu::translate`] under [`Context::of`]`(hart, access)`, with the
    /// same result, TLB contents and counters, answered from the fast TLB
    /// when it holds the page (never while events are recorded).
    #[inline]
    pub fn translate_for(
        &mut self,
        hart: &Hart,
        va: u64,
        size: u8,
        access: Access,
        bus: &mut Bus,
    ) -> Result<u64, Exception> {
        if (va & (PAGE_SIZE - 1)) + size as u64 <= PAGE_SIZE {
            if let Some(hit) = self.fast_lookup(hart, va, access) {
                self.count_fast_hit(hit);
                return Ok(hit.pa);
            }
        }
        self.translate_slow(hart, va, size, access, bus)
    }

    /// The fast TLB's translation of `va` for `access` by `hart` now, if it
    /// holds one (none while events are recorded). Counts nothing: call
    /// [`Mmu::count_fast_hit`] when the translation is used.
    #[inline]
    pub fn fast_lookup(&self, hart: &Hart, va: u64, access: Access) -> Option<FastHit> {
        if self.record {
            return None;
        }
        self.fast.lookup(access, va, FastKey::of(hart, access), hart.csr.pmp.generation())
    }

    /// Count a used fast-TLB hit as the architectural lookup it stands for.
    #[inline]
    pub fn count_fast_hit(&mut self, hit: FastHit) {
        if hit.paged {
            self.tlb.stats.lookups += 1;
            self.tlb.stats.hits += 1;
        }
    }

    /// [`Mmu::translate`] under the hart's context, remembering the outcome
    /// in the fast TLB when the rules of [`fast`] allow.
    #[inline(never)]
    fn translate_slow(
        &mut self,
        hart: &Hart,
        va: u64,
        size: u8,
        access: Access,
        bus: &mut Bus,
    ) -> Result<u64, Exception> {
        let ctx = Context::of(hart, access);
        let pa = self.translate(&ctx, va, size, access, bus)?;
        if self.record || (va & (PAGE_SIZE - 1)) + size as u64 > PAGE_SIZE {
            return Ok(pa);
        }
        let paged = ctx.prv != Priv::M && Scheme::of_satp(ctx.satp) != Scheme::Bare;
        // A paged entry needs the translation to stay in the TLB, and every
        // entry needs PMP to allow the whole physical page.
        let page = pa & !(PAGE_SIZE - 1);
        if (!paged || self.tlb.geometry().entries > 0) && ctx.pmp.allows(page, PAGE_SIZE, access, ctx.prv) {
            let key = FastKey::of(hart, access);
            self.fast.insert(access, va, pa, key, ctx.pmp.generation(), paged);
        }
        Ok(pa)
    }

    /// Apply an sfence.vma of `scope` to the TLB (Privileged ISA 12.2.1).
    /// The fast TLB loses the entries the removed TLB entries stood behind:
    /// for a flush by address that removed only 4 KiB pages, that page's
    /// alone (the other fast entries still match TLB entries that stay);
    /// otherwise all of them.
    pub fn sfence(&mut self, scope: FlushScope) {
        let flushed = self.tlb.flush_levels(scope);
        let removed = flushed.removed;
        match scope {
            FlushScope::Va(va) | FlushScope::VaAsid(va, _) if flushed.levels & !1 == 0 => {
                if flushed.levels != 0 {
                    self.fast.invalidate_page(va);
                }
            }
            _ => self.fast.invalidate(),
        }
        if self.record {
            self.events.push(MmuEvent::TlbFlush { scope, removed });
        }
    }

    /// The translation of `va` by the page table under `ctx`, with every
    /// step recorded, changing nothing (no A/D update, no TLB fill, no
    /// counters): what `--explain` prints. Bare and M-mode contexts give
    /// an empty list.
    pub fn explain(&self, ctx: &Context, va: u64, access: Access, bus: &mut Bus) -> Vec<MmuEvent> {
        let mut probe = Mmu {
            ad_policy: self.ad_policy,
            record: true,
            ..Mmu::new(self.ad_policy, TlbGeometry { entries: 0, ways: 1 })
        };
        if let (Priv::S | Priv::U, Scheme::Paged(levels)) = (ctx.prv, Scheme::of_satp(ctx.satp)) {
            let _ = probe.walk::<true>(ctx, levels, va, access, bus, true);
        }
        probe.events
    }

    #[inline]
    fn translate_paged<const TRACE: bool>(
        &mut self,
        ctx: &Context,
        levels: u32,
        va: u64,
        access: Access,
        bus: &mut Bus,
    ) -> Result<u64, Exception> {
        let asid = ctx.asid();
        if let Some(e) = self.tlb.lookup(va, asid, levels) {
            let pte = Pte(e.flags as u64);
            let usable = permitted(ctx, pte, access).is_ok() && (access != Access::Store || pte.has(pte::D));
            if TRACE && self.record_hits {
                self.events.push(MmuEvent::TlbHit { access, va, asid, entry: e, usable });
            }
            if usable {
                return Ok(e.pa_base | (va & ((1u64 << e.shift()) - 1)));
            }
            // The cached PTE does not allow this access as it is (D = 0 for a
            // store, or permissions): walk the table as it is now.
        } else {
            self.stats.tlb_misses[access as usize] += 1;
            if TRACE {
                self.events.push(MmuEvent::TlbMiss { access, va, asid });
            }
        }
        let entry = self.walk::<TRACE>(ctx, levels, va, access, bus, false)?;
        self.fast.invalidate_mapping(entry.va_base(), entry.level);
        let evicted = self.tlb.fill(entry);
        if let Some(old) = evicted {
            self.fast.invalidate_mapping(old.va_base(), old.level);
        }
        if TRACE {
            if let Some(old) = evicted {
                self.events.push(MmuEvent::TlbEvict { entry: old });
            }
            self.events.push(MmuEvent::TlbFill { entry });
        }
        Ok(entry.pa_base | (va & ((1u64 << entry.shift()) - 1)))
    }

    fn fault<const TRACE: bool>(&mut self, e: Exception, rule: &'static str) -> Result<TlbEntry, Exception> {
        self.stats.faults += 1;
        match e {
            Exception::InstructionPageFault(_) => self.stats.page_faults[0] += 1,
            Exception::LoadPageFault(_) => self.stats.page_faults[1] += 1,
            Exception::StorePageFault(_) => self.stats.page_faults[2] += 1,
            _ => {}
        }
        if TRACE {
            self.events.push(MmuEvent::Fault { exception: e, rule });
        }
        Err(e)
    }

    /// The address-translation algorithm of Privileged ISA 12.3.2, for a
    /// scheme with `levels` levels of 9-bit VPN fields and 8-byte PTEs.
    /// `dry`: change nothing in memory (for [`Mmu::explain`]).
    fn walk<const TRACE: bool>(
        &mut self,
        ctx: &Context,
        levels: u32,
        va: u64,
        access: Access,
        bus: &mut Bus,
        dry: bool,
    ) -> Result<TlbEntry, Exception> {
        self.stats.walks += 1;
        if TRACE {
            self.events.push(MmuEvent::Walk { va, access, prv: ctx.prv, satp: ctx.satp, levels: levels as u8 });
        }
        // Bits above the VA width must all equal its top bit.
        let va_bits = 12 + 9 * levels;
        let top = (va as i64) >> (va_bits - 1);
        if top != 0 && top != -1 {
            return self.fault::<TRACE>(access.page_fault(va), rule::NON_CANONICAL);
        }
        let mut table = (ctx.satp & ((1 << 44) - 1)) * PAGE_SIZE;
        let mut level = levels;
        loop {
            level -= 1;
            let vpn = (va >> (12 + 9 * level)) & 0x1ff;
            let pte_addr = table + vpn * 8;
            self.stats.pte_reads += 1;
            let pte = match read_pte(bus, ctx.pmp, pte_addr) {
                Some(v) => Pte(v),
                None => {
                    if TRACE {
                        self.events.push(MmuEvent::PteUnreadable { level: level as u8, addr: pte_addr });
                    }
                    return self.fault::<TRACE>(access.access_fault(va), rule::PTE_ACCESS);
                }
            };
            if TRACE {
                self.events.push(MmuEvent::Pte { level: level as u8, addr: pte_addr, pte: pte.0 });
            }
            if let Some(why) = pte.invalid_reason() {
                return self.fault::<TRACE>(access.page_fault(va), why);
            }
            if !pte.is_leaf() {
                if level == 0 {
                    return self.fault::<TRACE>(access.page_fault(va), rule::NO_LEAF);
                }
                table = pte.ppn() * PAGE_SIZE;
                continue;
            }
            if let Err(why) = permitted(ctx, pte, access) {
                return self.fault::<TRACE>(access.page_fault(va), why);
            }
            // A superpage's PPN must be aligned to its size.
            let low_ppn_mask = (1u64 << (9 * level)) - 1;
            if pte.ppn() & low_ppn_mask != 0 {
                return self.fault::<TRACE>(access.page_fault(va), rule::MISALIGNED_SUPERPAGE);
            }
            let mut pte = pte;
            let need = pte::A | if access == Access::Store { pte::D } else { 0 };
            if pte.0 & need != need {
                match self.ad_policy {
                    AdPolicy::Fault => {
                        let why = if pte.has(pte::A) { rule::SVADE_D } else { rule::SVADE_A };
                        return self.fault::<TRACE>(access.page_fault(va), why);
                    }
                    AdPolicy::Hardware if !dry => {
                        // The emulator runs one hart at a time, so this
                        // read-check-write is atomic with respect to the guest.
                        // The PTE write is checked by PMP as an S-mode store.
                        if !ctx.pmp.allows(pte_addr, 8, Access::Store, Priv::S)
                            || bus.write(pte_addr, 8, pte.0 | need).is_err()
                        {
                            return self.fault::<TRACE>(access.access_fault(va), rule::PTE_ACCESS);
                        }
                        self.stats.ad_updates += 1;
                        if TRACE {
                            self.events.push(MmuEvent::AdUpdate { addr: pte_addr, old: pte.0, new: pte.0 | need });
                        }
                        pte = Pte(pte.0 | need);
                    }
                    AdPolicy::Hardware => {}
                }
            }
            let shift = 12 + 9 * level;
            let pa_base = (pte.ppn() * PAGE_SIZE) & !((1u64 << shift) - 1);
            let entry = TlbEntry {
                valid: true,
                level: level as u8,
                flags: pte.0 as u8,
                asid: ctx.asid(),
                tag: va >> shift,
                pa_base,
                pte_addr,
            };
            if TRACE {
                self.events.push(MmuEvent::Leaf { va, pa: pa_base | (va & ((1u64 << shift) - 1)), level: level as u8 });
            }
            return Ok(entry);
        }
    }
}

/// The PTE at physical address `addr`, or `None` when it cannot be read:
/// not in memory (RAM or boot ROM), or PMP denies it (PTE accesses are
/// checked as S-mode loads, 3.7.2). A PTE in RAM is read straight from it.
#[inline]
fn read_pte(bus: &mut Bus, pmp: &Pmp, addr: u64) -> Option<u64> {
    let readable = pmp.allows(addr, 8, Access::Load, Priv::S);
    if readable && bus.ram.contains(addr, 8) {
        return Some(bus.ram.read(addr, 8));
    }
    read_pte_off_ram(bus, readable, addr)
}

/// [`read_pte`] outside RAM or under a PMP denial: the read still reaches
/// the bus (a device may see it), and only memory answers.
#[inline(never)]
fn read_pte_off_ram(bus: &mut Bus, readable: bool, addr: u64) -> Option<u64> {
    let readable = readable && bus.is_memory(addr, 8);
    match bus.read(addr, 8) {
        Ok(v) if readable => Some(v),
        _ => None,
    }
}

/// The spec rules a translation can break, as the traces name them.
pub mod rule {
    /// 12.3.2 step 1 / 12.4.1: bits 63:VA-width must equal the top VA bit.
    pub const NON_CANONICAL: &str = "non-canonical address: bits above the VA width differ from its top bit";
    /// 12.3.2 step 2: the PTE cannot be read (no memory there, or PMP).
    pub const PTE_ACCESS: &str = "PTE access fails: no memory there or PMP denies it";
    /// 12.3.2 step 4: a pointer PTE at level 0.
    pub const NO_LEAF: &str = "no leaf PTE by level 0";
    /// 12.3.2 step 5 with U = 0 in U-mode.
    pub const U_PAGE_NEEDED: &str = "U=0 page accessed from U-mode";
    /// 12.3.2 step 5 / 12.1.1.2: S-mode and U = 1 pages without SUM.
    pub const SUM_CLEAR: &str = "U=1 page accessed from S-mode with SUM=0";
    /// 12.1.1.2: S-mode never executes U = 1 pages.
    pub const S_FETCH_U: &str = "U=1 page fetched from S-mode (never allowed)";
    /// 12.3.2 step 5: fetch needs X.
    pub const NOT_X: &str = "fetch from a page with X=0";
    /// 12.3.2 step 5: load needs R (or X with MXR).
    pub const NOT_R: &str = "load from a page with R=0 (and not X=1 with MXR=1)";
    /// 12.3.2 step 5: store needs W.
    pub const NOT_W: &str = "store to a page with W=0";
    /// 12.3.2 step 6.
    pub const MISALIGNED_SUPERPAGE: &str = "misaligned superpage: PPN bits below the leaf level are not zero";
    /// 12.3.2 step 7, Svade: A = 0.
    pub const SVADE_A: &str = "A=0 (Svade: software must set A)";
    /// 12.3.2 step 7, Svade: D = 0 on a store.
    pub const SVADE_D: &str = "D=0 on a store (Svade: software must set D)";
}

/// The permission checks of step 5 for a leaf PTE under `ctx` (privilege,
/// SUM, MXR); the error names the rule broken (one of [`rule`]).
#[inline]
pub fn permitted(ctx: &Context, pte: Pte, access: Access) -> Result<(), &'static str> {
    let user_page = pte.has(pte::U);
    match ctx.prv {
        Priv::U if !user_page => return Err(rule::U_PAGE_NEEDED),
        Priv::S if user_page && access == Access::Fetch => return Err(rule::S_FETCH_U),
        Priv::S if user_page && !ctx.sum => return Err(rule::SUM_CLEAR),
        _ => {}
    }
    match access {
        Access::Fetch if !pte.has(pte::X) => Err(rule::NOT_X),
        Access::Load if !(pte.has(pte::R) || (ctx.mxr && pte.has(pte::X))) => Err(rule::NOT_R),
        Access::Store if !pte.has(pte::W) => Err(rule::NOT_W),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
