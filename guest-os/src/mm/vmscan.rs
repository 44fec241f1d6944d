//! Page reclaim (Linux's mm/vmscan.c): evicting a victim page of an
//! address space, chosen by the replacement policy ([`super::policy`]:
//! FIFO, CLOCK on the hardware's accessed bit, LRU by aging, RANDOM), and
//! swapping it out, without I/O when its swap copy is still exact or it
//! holds only zeros.
//!
//! - The policy's scan may clear A bits (CLOCK's second chance, aging's
//!   pass: Linux's ptep_test_and_clear_young). After a scan, the harts that
//!   may cache the space flush their TLBs (one shootdown for every A
//!   cleared and the victim), or a hart could keep using a cached entry
//!   with A set and the page would look idle while in use.
//! - The victim's PTE is exchanged atomically for a swap entry; once the
//!   other harts have flushed, its D bit is final. A page with a swap copy
//!   (a private page read back from swap and not written since: D clear; or
//!   a frame shared copy-on-write, whose contents never change while
//!   shared) is dropped without a write ("dropped clean"); so is a private
//!   page that holds only zeros (it is demand-zero again: its next fault
//!   maps a zeroed frame, as Linux's swap zeromap); any other page is
//!   written to a free slot.
//! - A frame shared copy-on-write after a fork is evicted one space at a
//!   time: the first space writes it and leaves the slot with the frame, the
//!   others drop their reference to it without I/O; the frame is freed with
//!   its last reference.
//!
//! Swappable pages: frames of demand-zero areas (stack, heap, anonymous
//! mmap), not mlock'd ([`super::vma::Vma::evictable`]). ELF pages, file
//! mappings (their page-cache frames are dropped by the page cache itself
//! once no space maps them, [`super::filemap::shrink`]) and page-table
//! pages stay. Without swap space only local replacement
//! ([`super::policy`]) evicts, and only pages of zeros.

use super::addr_space::AddrSpace;
use super::address::VirtPageNum;
use super::cow::PageFrame;
use super::page_table::PteFlags;
use super::policy::Scope;
use super::swap;
use super::vmstat;
use alloc::sync::Arc;

impl AddrSpace {
    /// Swaps out one page of this space, chosen by the system-wide policy
    /// (global replacement; see the module doc). False if swap is off or
    /// full, the disk fails, or the space has no swappable page.
    pub fn swap_out_one(&mut self) -> bool {
        swap::active() && self.evict_one(Scope::whole())
    }

    /// Evicts one page of `scope`, chosen by its policy
    /// ([`Self::choose_victim`]). False if no page could be evicted (none
    /// swappable; not all zeros and swap off or full; a disk error).
    pub(super) fn evict_one(&mut self, scope: Scope) -> bool {
        let (victim, cleared) = self.choose_victim(scope);
        let Some(vpn) = victim else {
            if cleared {
                self.shootdown();
            }
            return false;
        };
        let Some(frame) = self.frames.remove(&vpn) else { return false };
        crate::drivers::trace::victim(self.asid, vpn.addr().0, frame.ppn().addr().0);
        // The slot the page goes to: its copy if exact, else a fresh write.
        // Until the PTE is exchanged the page may still be written: D is read
        // from the exchanged PTE, after the shootdown.
        let copy = match &frame {
            PageFrame::Private(_, copy) => copy.clone(),
            PageFrame::Shared(sf) | PageFrame::Cache(sf) => sf.copy.lock().clone(),
        };
        let old = match copy.as_ref() {
            Some(slot) => self.pt.replace_with_swap_entry(vpn, slot.number()),
            None => self.pt.replace_with_swap_entry(vpn, 0),
        };
        self.shootdown();
        let dirty = old.is_some_and(|pte| pte.flags().contains(PteFlags::D));
        if copy.is_none() && is_zero_private(&frame) {
            // Only zeros: demand-zero again, no slot, no write.
            self.pt.clear_swap_entry(vpn);
            vmstat::DROPPED_CLEAN.inc();
            vmstat::PGSTEAL.inc();
            self.note_evicted(vpn);
            drop(frame);
            return true;
        }
        if copy.is_none() && !swap::active() {
            self.undo_eviction(vpn, frame, old);
            return false;
        }
        let slot = match copy {
            Some(slot) if !dirty || matches!(frame, PageFrame::Shared(_)) => {
                vmstat::DROPPED_CLEAN.inc();
                slot
            }
            _ => {
                // SAFETY: no hart maps the frame writable any more (the PTE
                // is gone and flushed; a shared frame is read-only everywhere).
                let page = unsafe { frame.ppn().bytes_mut() };
                // Swap full: the swap cache copies this space's resident
                // pages hold are given up first (their frames hold the
                // same bytes), then the write is tried once more.
                let written = swap::write_out(page)
                    .or_else(|| (self.drop_swap_copies() > 0).then(|| swap::write_out(page)).flatten());
                let Some(slot) = written else {
                    self.undo_eviction(vpn, frame, old);
                    return false;
                };
                crate::drivers::trace::swap_out(self.asid, vpn.addr().0, slot.number());
                let slot = Arc::new(slot);
                if let PageFrame::Shared(sf) = &frame {
                    // The other spaces sharing the frame evict it without I/O.
                    *sf.copy.lock() = Some(slot.clone());
                }
                slot
            }
        };
        if self.pt.set_swap_entry(vpn, slot.number()).is_err() {
            self.undo_eviction(vpn, frame, old);
            return false;
        }
        self.swapped.insert(vpn, slot);
        self.note_evicted(vpn);
        vmstat::PGSTEAL.inc();
        drop(frame);
        true
    }

    /// Gives up the swap cache copies of this space's resident private
    /// pages (Linux frees swap cache when swap is full, vm_swap_full): the
    /// frames hold the same bytes, so only a later eviction pays a write.
    /// Returns how many slots it freed (a slot still referenced elsewhere
    /// is not freed).
    pub(super) fn drop_swap_copies(&mut self) -> usize {
        let mut freed = 0;
        for frame in self.frames.values_mut() {
            if let PageFrame::Private(_, copy @ Some(_)) = frame {
                if copy.take().is_some_and(|slot| Arc::strong_count(&slot) == 1) {
                    freed += 1;
                }
            }
        }
        freed
    }

    /// Puts back a page whose eviction failed (swap full, disk error): its
    /// frame, and its old PTE if it had one (the swap entry is cleared).
    fn undo_eviction(&mut self, vpn: VirtPageNum, frame: PageFrame, old: Option<super::page_table::PageTableEntry>) {
        self.pt.clear_swap_entry(vpn);
        if let Some(pte) = old {
            let _ = self.pt.map(vpn, pte.ppn(), PteFlags(pte.flags().0 & !PteFlags::V.0));
        }
        let frame = match frame {
            // A copy that the page may no longer match is dropped.
            PageFrame::Private(f, copy) => {
                let dirty = old.is_some_and(|pte| pte.flags().contains(PteFlags::D));
                PageFrame::Private(f, copy.filter(|_| !dirty))
            }
            shared => shared,
        };
        self.frames.insert(vpn, frame);
    }
}

/// True if `frame` is a private frame that holds only zeros (read
/// through the direct map: no hart maps it any more, see the caller).
fn is_zero_private(frame: &PageFrame) -> bool {
    let PageFrame::Private(f, _) = frame else { return false };
    // SAFETY: the frame is owned by the caller's space and no longer mapped.
    let words = unsafe { core::slice::from_raw_parts(f.ppn().addr().to_kva() as *const u64, 512) };
    words.iter().all(|&w| w == 0)
}
