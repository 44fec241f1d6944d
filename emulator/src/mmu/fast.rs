//! The fast TLB: a small direct-mapped cache in front of the whole
//! translation (MMU and PMP) of one hart, one table per access kind, giving
//! the physical page of a virtual page without building a [`super::Context`],
//! probing the set-associative [`super::Tlb`] or scanning the PMP entries.
//!
//! It is an accelerator, not architecture: every entry stands for an outcome
//! the architectural path would give right now, and is dropped as soon as
//! that could change:
//!
//! - Entries are tagged with everything the outcome depends on besides the
//!   address: satp (mode, ASID, root), the effective privilege (MPRV
//!   applied), SUM and MXR. Traps and xRET therefore need no flush: an entry
//!   of another privilege simply does not match.
//! - An sfence.vma by address that removed only 4 KiB TLB entries drops
//!   the fast entries of that page (nothing else stood behind them); every
//!   other sfence.vma bumps a generation number, and entries of an older
//!   generation never match (see [`super::Mmu::sfence`]). The decoded-page
//!   cache's fetch cursor watches [`FastTlb::epoch`], which counts every
//!   change. An architectural TLB fill drops the fast
//!   entries of the page it fills (a new 4 KiB entry is probed before a
//!   superpage's, so it may change the outcome there) and of the entry it
//!   evicts or replaces; a superpage filled or evicted drops everything (a
//!   generation bump). A paged entry is made only when the
//!   architectural TLB holds the translation (a hit, or the fill just made),
//!   so while the generation stands, the architectural lookup would hit with
//!   a usable entry; the fast path then counts that lookup and hit in
//!   [`super::tlb::TlbStats`] exactly as [`super::Tlb::lookup`] does.
//! - Entries are made only when PMP allows the access on the whole 4 KiB
//!   physical page (then it allows every access inside it: the entry
//!   deciding for the page matches all of its bytes), and are tagged with the
//!   PMP's [`crate::hart::pmp::Pmp::generation`].
//! - Store entries exist only for pages whose cached PTE has D set (a store
//!   to a D = 0 page walks, as it must, to set D or raise the Svade fault):
//!   a successful store translation always leaves such an entry behind.
//!
//! The machine uses it only while no MMU event is being recorded (the
//! `mmu`, `tlb` and `pte` traces see every architectural lookup), and never
//! for a TLB of 0 entries (every paged access walks).

use super::Access;
use crate::hart::csr::mstatus;
use crate::hart::{Hart, Priv};

/// Entries per access kind (a power of two).
pub const ENTRIES: usize = 256;

/// Everything a translation's outcome depends on besides the address and
/// the TLB and PMP contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FastKey {
    /// satp.
    pub satp: u64,
    /// Effective privilege (bits 1:0), SUM (bit 2), MXR (bit 3).
    pub mode: u8,
}

impl FastKey {
    /// The key of `access` on `hart` now (MPRV applies to loads and stores
    /// in M-mode, as in [`super::Context::of`]).
    #[inline]
    pub fn of(hart: &Hart, access: Access) -> FastKey {
        let ms = hart.csr.mstatus;
        let prv = if access != Access::Fetch && hart.prv == Priv::M && ms & mstatus::MPRV != 0 {
            Priv::from_bits(ms >> mstatus::MPP_SHIFT)
        } else {
            hart.prv
        };
        let mode = prv as u8 | ((ms & mstatus::SUM != 0) as u8) << 2 | ((ms & mstatus::MXR != 0) as u8) << 3;
        FastKey { satp: hart.csr.satp, mode }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// `va >> 12`, plus one (0 marks an empty entry).
    vpn1: u64,
    key: FastKey,
    /// The TLB generation and PMP generation it was made under.
    generation: u64,
    pmp: u64,
    /// Physical address of the page.
    pa_page: u64,
    /// Made by a paged translation (its use counts as a TLB lookup and hit).
    paged: bool,
}

/// The fast TLB of one hart (see the module documentation).
#[derive(Clone, Debug)]
pub struct FastTlb {
    tables: Box<[[Entry; ENTRIES]; 3]>,
    generation: u64,
    /// Bumped by every change of any entry (see [`FastTlb::epoch`]).
    epoch: u64,
}

impl Default for FastTlb {
    fn default() -> Self {
        FastTlb { tables: Box::new([[Entry::default(); ENTRIES]; 3]), generation: 0, epoch: 0 }
    }
}

/// A fast-TLB hit: the physical address, and whether it stands for an
/// architectural TLB hit.
#[derive(Clone, Copy, Debug)]
pub struct FastHit {
    /// The physical address of the access.
    pub pa: u64,
    /// The translation was paged (count a TLB lookup and hit).
    pub paged: bool,
}

#[inline]
fn slot(va: u64) -> usize {
    (va >> 12) as usize & (ENTRIES - 1)
}

impl FastTlb {
    /// Drop every entry (O(1)): after a TLB fill or an sfence.vma.
    #[inline]
    pub fn invalidate(&mut self) {
        self.generation += 1;
        self.epoch += 1;
    }

    /// A count of the changes made to the fast TLB (invalidations and
    /// insertions): while it stands, every lookup (under the same key and
    /// PMP generation) answers as it did. The decoded-page cache keeps a
    /// fetch translation across instructions on that ground.
    #[inline]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Drop the entries of the 4 KiB page holding `va`, for every access kind.
    #[inline]
    pub fn invalidate_page(&mut self, va: u64) {
        self.epoch += 1;
        for table in self.tables.iter_mut() {
            table[slot(va)].vpn1 = 0;
        }
    }

    /// Drop the entries an architectural TLB entry of `level` at virtual
    /// address `va` may stand behind: its page's for a 4 KiB page, all of
    /// them for a superpage.
    #[inline]
    pub fn invalidate_mapping(&mut self, va: u64, level: u8) {
        if level == 0 {
            self.invalidate_page(va);
        } else {
            self.invalidate();
        }
    }

    /// The translation of `va` for `access` under `key` and PMP generation
    /// `pmp`, if cached. The caller makes sure the access stays in one page.
    #[inline]
    pub fn lookup(&self, access: Access, va: u64, key: FastKey, pmp: u64) -> Option<FastHit> {
        let e = &self.tables[access as usize][slot(va)];
        if e.vpn1 == (va >> 12) + 1 && e.generation == self.generation && e.key == key && e.pmp == pmp {
            Some(FastHit { pa: e.pa_page | (va & 0xfff), paged: e.paged })
        } else {
            None
        }
    }

    /// Remember that `va` translates to physical address `pa` for `access`
    /// under `key` and PMP generation `pmp` (the caller checked the rules of
    /// the module documentation).
    #[inline]
    pub fn insert(&mut self, access: Access, va: u64, pa: u64, key: FastKey, pmp: u64, paged: bool) {
        self.epoch += 1;
        self.tables[access as usize][slot(va)] =
            Entry { vpn1: (va >> 12) + 1, key, generation: self.generation, pmp, pa_page: pa & !0xfff, paged };
    }
}
