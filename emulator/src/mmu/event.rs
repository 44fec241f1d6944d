//! What the MMU did, step by step, for traces (`mmu`, `tlb`, `pte`) and
//! `--explain`. The MMU records these only while [`super::Mmu::record`] is
//! set; the trace module turns them into text.

use super::tlb::{FlushScope, TlbEntry};
use super::Access;
use crate::hart::trap::Exception;
use crate::hart::Priv;

/// One step of a translation or a TLB operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmuEvent {
    /// A page-table walk starts (12.3.2 step 1).
    Walk {
        /// The virtual address.
        va: u64,
        /// Fetch, load or store.
        access: Access,
        /// The effective privilege (MPRV applied).
        prv: Priv,
        /// satp (MODE, ASID, root PPN).
        satp: u64,
        /// Levels of the scheme: 3 = Sv39, 4 = Sv48, 5 = Sv57.
        levels: u8,
    },
    /// A PTE read at `level` (levels-1 = root, 0 = last).
    Pte {
        /// Level.
        level: u8,
        /// Physical address of the PTE.
        addr: u64,
        /// Its raw value.
        pte: u64,
    },
    /// A PTE that could not be read (no memory behind it, or PMP).
    PteUnreadable {
        /// Level.
        level: u8,
        /// Physical address of the PTE.
        addr: u64,
    },
    /// The walk found a usable leaf.
    Leaf {
        /// The virtual address.
        va: u64,
        /// The physical address it maps to.
        pa: u64,
        /// The leaf's level (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB).
        level: u8,
    },
    /// The translation raises `exception` because of `rule`.
    Fault {
        /// The page or access fault.
        exception: Exception,
        /// The rule, in words (see [`super::rule`]).
        rule: &'static str,
    },
    /// PMP refused the final physical access.
    PmpDenied {
        /// The virtual address.
        va: u64,
        /// The physical address.
        pa: u64,
        /// Fetch, load or store.
        access: Access,
        /// The effective privilege.
        prv: Priv,
    },
    /// The walker set A (and D) in a PTE (Svadu).
    AdUpdate {
        /// Physical address of the PTE.
        addr: u64,
        /// Value before.
        old: u64,
        /// Value after.
        new: u64,
    },
    /// A TLB lookup found `entry`; `usable` is false when its cached
    /// permissions do not allow the access (or D = 0 for a store), so the
    /// MMU walks again.
    TlbHit {
        /// Fetch, load or store.
        access: Access,
        /// The virtual address.
        va: u64,
        /// satp.ASID.
        asid: u16,
        /// The entry.
        entry: TlbEntry,
        /// Whether the entry served the access.
        usable: bool,
    },
    /// A TLB lookup found nothing.
    TlbMiss {
        /// Fetch, load or store.
        access: Access,
        /// The virtual address.
        va: u64,
        /// satp.ASID.
        asid: u16,
    },
    /// An entry was put in the TLB.
    TlbFill {
        /// The entry.
        entry: TlbEntry,
    },
    /// An entry was evicted to make room.
    TlbEvict {
        /// The entry.
        entry: TlbEntry,
    },
    /// An sfence.vma.
    TlbFlush {
        /// What it selected.
        scope: FlushScope,
        /// Entries removed.
        removed: usize,
    },
}
