//! Address translation: satp-driven page-table walks for Bare, Sv39, Sv48 and
//! Sv57 (RISC-V Privileged ISA, chapter 12 "Supervisor-Level ISA", sections
//! 12.3-12.6), with the permission rules of U, SUM and MXR, MPRV for M-mode
//! loads and stores, and accessed/dirty bits.
//!
//! The walker is written once and parameterised by the number of levels.

pub mod pte;

use crate::bus::Bus;
use crate::hart::csr::mstatus;
use crate::hart::trap::Exception;
use crate::hart::{Hart, Priv};
use pte::Pte;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
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
pub struct Context {
    /// satp.
    pub satp: u64,
    /// The privilege the access is checked at (MPRV applied).
    pub prv: Priv,
    /// mstatus.SUM: S-mode may load and store U pages.
    pub sum: bool,
    /// mstatus.MXR: loads may read executable-only pages.
    pub mxr: bool,
}

impl Context {
    /// The context for `access` on `hart`: fetches use the current mode; loads
    /// and stores use mstatus.MPP when in M-mode with mstatus.MPRV set (3.1.6.3).
    pub fn of(hart: &Hart, access: Access) -> Context {
        let ms = hart.csr.mstatus;
        let prv = if access != Access::Fetch && hart.prv == Priv::M && ms & mstatus::MPRV != 0 {
            Priv::from_bits(ms >> mstatus::MPP_SHIFT)
        } else {
            hart.prv
        };
        Context { satp: hart.csr.satp, prv, sum: ms & mstatus::SUM != 0, mxr: ms & mstatus::MXR != 0 }
    }
}

/// The memory-management unit of one hart.
#[derive(Debug, Default)]
pub struct Mmu {
    /// How A/D bits are maintained.
    pub ad_policy: AdPolicy,
    /// Statistics.
    pub stats: MmuStats,
}

/// Counters of the MMU's work.
#[derive(Clone, Copy, Debug, Default)]
pub struct MmuStats {
    /// Page-table walks started.
    pub walks: u64,
    /// PTEs read from memory.
    pub pte_reads: u64,
    /// PTEs written to set A or D.
    pub ad_updates: u64,
    /// Walks that ended in a page or access fault.
    pub faults: u64,
}

impl Mmu {
    /// An MMU with the given A/D policy.
    pub fn new(ad_policy: AdPolicy) -> Mmu {
        Mmu { ad_policy, stats: MmuStats::default() }
    }

    /// Translate virtual address `va` for `access` under `ctx`, returning the
    /// physical address or the exception the access raises.
    #[inline]
    pub fn translate(&mut self, ctx: &Context, va: u64, access: Access, bus: &mut Bus) -> Result<u64, Exception> {
        match (ctx.prv, Scheme::of_satp(ctx.satp)) {
            (Priv::M, _) | (_, Scheme::Bare) => Ok(va),
            (_, Scheme::Paged(levels)) => self.walk(ctx, levels, va, access, bus),
        }
    }

    /// The address-translation algorithm of Privileged ISA 12.3.2, for a
    /// scheme with `levels` levels of 9-bit VPN fields and 8-byte PTEs.
    fn walk(&mut self, ctx: &Context, levels: u32, va: u64, access: Access, bus: &mut Bus) -> Result<u64, Exception> {
        self.stats.walks += 1;
        let fault = |s: &mut MmuStats, e: Exception| {
            s.faults += 1;
            Err(e)
        };
        // Bits above the VA width must all equal its top bit.
        let va_bits = 12 + 9 * levels;
        let top = (va as i64) >> (va_bits - 1);
        if top != 0 && top != -1 {
            return fault(&mut self.stats, access.page_fault(va));
        }
        let mut table = (ctx.satp & ((1 << 44) - 1)) * PAGE_SIZE;
        let mut level = levels;
        loop {
            level -= 1;
            let vpn = (va >> (12 + 9 * level)) & 0x1ff;
            let pte_addr = table + vpn * 8;
            self.stats.pte_reads += 1;
            let pte = match bus.read(pte_addr, 8) {
                Ok(v) if bus.is_memory(pte_addr, 8) => Pte(v),
                _ => return fault(&mut self.stats, access.access_fault(va)),
            };
            if pte.invalid_reason().is_some() {
                return fault(&mut self.stats, access.page_fault(va));
            }
            if !pte.is_leaf() {
                if level == 0 {
                    return fault(&mut self.stats, access.page_fault(va));
                }
                table = pte.ppn() * PAGE_SIZE;
                continue;
            }
            if !permitted(ctx, pte, access) {
                return fault(&mut self.stats, access.page_fault(va));
            }
            // A superpage's PPN must be aligned to its size.
            let low_ppn_mask = (1u64 << (9 * level)) - 1;
            if pte.ppn() & low_ppn_mask != 0 {
                return fault(&mut self.stats, access.page_fault(va));
            }
            let need = pte::A | if access == Access::Store { pte::D } else { 0 };
            if pte.0 & need != need {
                match self.ad_policy {
                    AdPolicy::Fault => return fault(&mut self.stats, access.page_fault(va)),
                    AdPolicy::Hardware => {
                        // The emulator runs one hart at a time, so this
                        // read-check-write is atomic with respect to the guest.
                        if bus.write(pte_addr, 8, pte.0 | need).is_err() {
                            return fault(&mut self.stats, access.access_fault(va));
                        }
                        self.stats.ad_updates += 1;
                    }
                }
            }
            let offset_mask = (1u64 << (12 + 9 * level)) - 1;
            let pa = ((pte.ppn() * PAGE_SIZE) & !offset_mask) | (va & offset_mask);
            return Ok(pa);
        }
    }
}

/// The permission checks of step 5 for a leaf PTE.
fn permitted(ctx: &Context, pte: Pte, access: Access) -> bool {
    let user_page = pte.has(pte::U);
    let mode_ok = match ctx.prv {
        Priv::U => user_page,
        // S-mode never executes U pages; it loads and stores them only with SUM.
        Priv::S => !user_page || (ctx.sum && access != Access::Fetch),
        Priv::M => true,
    };
    let rwx_ok = match access {
        Access::Fetch => pte.has(pte::X),
        Access::Load => pte.has(pte::R) || (ctx.mxr && pte.has(pte::X)),
        Access::Store => pte.has(pte::W),
    };
    mode_ok && rwx_ok
}

#[cfg(test)]
mod tests;
