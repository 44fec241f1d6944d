//! Page reclaim (Linux's mm/vmscan.c): evicting a victim page of an
//! address space, chosen by the replacement policy ([`super::policy`]:
//! FIFO, CLOCK on the hardware's accessed bit, LRU by aging, RANDOM), and
//! swapping it out, without I/O when its swap copy is still exact or it
//! holds only zeros.
//!
//! - The policy's scan may clear A bits (CLOCK's second chance, aging's
//!   pass: Linux's ptep_test_and_clear_young). After the scans of a batch
//!   of victims, the harts that may cache the space flush their TLBs (one
//!   shootdown for the A bits cleared and the victims of the batch), or a
//!   hart could keep using a cached entry with A set and the page would
//!   look idle while in use.
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
    /// Swaps out up to `n` pages of this space, chosen by the system-wide
    /// policy (global replacement; see the module doc), with one TLB
    /// shootdown for all of them ([`Self::evict`]). A page that needs a
    /// write gets a slot and is queued for writeback
    /// ([`swap::queue_write`]: its frame is freed when the write completes;
    /// the caller sends the queue with [`swap::flush_writes`]). Returns the
    /// pages evicted: 0 if swap is off or full, or the space has no
    /// swappable page.
    pub fn swap_out(&mut self, n: usize) -> usize {
        if !swap::active() {
            return 0;
        }
        self.evict(Scope::whole(), n)
    }

    /// Evicts one page of `scope`, chosen by its policy
    /// ([`Self::choose_victim`]). False if no page could be evicted (none
    /// swappable; not all zeros and swap off or full; a disk error).
    pub(super) fn evict_one(&mut self, scope: Scope) -> bool {
        self.evict(scope, 1) == 1
    }

    /// Evicts up to `n` pages of `scope` in two steps, as Linux's
    /// shrink_page_list batches its TLB flushes (try_to_unmap_flush): each
    /// victim's PTE is exchanged for a swap entry ([`Self::unmap_victim`]),
    /// then the harts that may cache the space flush once, then each
    /// victim, its D bit now final, is dropped or queued for writing
    /// ([`Self::finish_eviction`]). Returns the pages evicted.
    fn evict(&mut self, scope: Scope, n: usize) -> usize {
        let mut batch = alloc::vec::Vec::new();
        let mut cleared = false;
        while batch.len() < n {
            let (victim, c) = self.unmap_victim(scope);
            cleared |= c;
            match victim {
                Some(u) => batch.push(u),
                None => break,
            }
        }
        if batch.is_empty() && !cleared {
            return 0;
        }
        self.shootdown();
        let mut evicted = 0;
        for u in batch {
            if self.finish_eviction(u) {
                evicted += 1;
            }
        }
        evicted
    }

    /// Step 1 of an eviction: chooses a victim of `scope` by its policy
    /// and exchanges its PTE for a swap entry (its exact copy's slot, or 0
    /// for now). Until the shootdown the page may still be written through
    /// a cached translation: D is read from the exchanged PTE afterwards.
    /// Also says whether the policy's scan cleared an A bit (which needs
    /// the shootdown too).
    fn unmap_victim(&mut self, scope: Scope) -> (Option<Unmapped>, bool) {
        let (victim, cleared) = self.choose_victim(scope);
        let Some(vpn) = victim else { return (None, cleared) };
        let Some(frame) = self.frames.remove(&vpn) else { return (None, cleared) };
        crate::drivers::trace::victim(self.asid, vpn.addr().0, frame.ppn().addr().0);
        // The slot the page goes to: its copy if exact, else a fresh write.
        let copy = match &frame {
            PageFrame::Private(_, copy) => copy.clone(),
            PageFrame::Shared(sf) | PageFrame::Cache(sf) => sf.copy.lock().clone(),
        };
        let old = match copy.as_ref() {
            Some(slot) => self.pt.replace_with_swap_entry(vpn, slot.number()),
            None => self.pt.replace_with_swap_entry(vpn, 0),
        };
        (Some(Unmapped { vpn, frame, copy, old }), cleared)
    }

    /// Step 2 of an eviction, after the shootdown: drops the page (its swap
    /// copy is exact, or it holds only zeros) or gives it a slot and queues
    /// its write. False if it was put back (swap off or full).
    fn finish_eviction(&mut self, u: Unmapped) -> bool {
        let Unmapped { vpn, frame, copy, old } = u;
        let dirty = old.is_some_and(|pte| pte.flags().contains(PteFlags::D));
        if copy.is_none() && is_zero_private(&frame) {
            // Only zeros: demand-zero again, no slot, no write.
            self.pt.clear_swap_entry(vpn);
            vmstat::DROPPED_CLEAN.inc();
            vmstat::stolen();
            self.note_evicted(vpn);
            drop(frame);
            return true;
        }
        if copy.is_none() && !swap::active() {
            self.undo_eviction(vpn, frame, old);
            return false;
        }
        if !frame.is_last_reference() && super::frame::stats().0 <= eviction_floor() {
            // Another space still maps the frame: this eviction frees
            // nothing and costs heap. Near the end of the kernel's reserve
            // the page stays until its sharers are evicted or exit.
            vmstat::EVICTIONS_DEFERRED.inc();
            self.undo_eviction(vpn, frame, old);
            return false;
        }
        let slot = match copy {
            Some(slot) if !dirty || matches!(frame, PageFrame::Shared(_)) => {
                vmstat::DROPPED_CLEAN.inc();
                slot
            }
            _ => {
                // Swap full: the swap cache copies this space's resident
                // pages hold are given up first (their frames hold the
                // same bytes), then a slot is asked for once more.
                let slot = swap::alloc_slot()
                    .or_else(|| (self.drop_swap_copies() > 0).then(swap::alloc_slot).flatten());
                let Some(slot) = slot else {
                    self.undo_eviction(vpn, frame, old);
                    return false;
                };
                crate::drivers::trace::swap_out(self.asid, vpn.addr().0, slot.number());
                let slot = Arc::new(slot);
                if self.pt.set_swap_entry(vpn, slot.number()).is_err() {
                    self.undo_eviction(vpn, frame, old);
                    return false;
                }
                if let PageFrame::Shared(sf) = &frame {
                    // The other spaces sharing the frame evict it without I/O
                    // (a fault on it before the write is done waits for it).
                    // It enters the swap cache: a space that drops it and
                    // faults on the slot again maps it while another still does.
                    sf.set_copy(slot.clone());
                }
                // No hart maps the frame writable any more (the PTE is gone
                // and flushed; a shared frame is read-only everywhere): it is
                // written as it is and freed when the write completes.
                self.swapped.insert(vpn, slot.clone());
                swap::queue_write(slot, frame);
                self.note_evicted(vpn);
                vmstat::stolen();
                return true;
            }
        };
        if self.pt.set_swap_entry(vpn, slot.number()).is_err() {
            self.undo_eviction(vpn, frame, old);
            return false;
        }
        self.swapped.insert(vpn, slot);
        self.note_evicted(vpn);
        vmstat::stolen();
        drop(frame);
        true
    }

    /// Gives up the swap cache copies of this space's resident pages
    /// (Linux frees swap cache when swap is full, vm_swap_full): the frames
    /// hold the same bytes, so only a later eviction pays a write. Private
    /// pages drop theirs; a shared frame drops its copy only when nothing
    /// else holds the slot (no space swapped to it, no write in flight),
    /// and so leaves the swap cache. Returns how many slots it freed (a
    /// slot still referenced elsewhere is not freed).
    pub(super) fn drop_swap_copies(&mut self) -> usize {
        let mut freed = 0;
        for frame in self.frames.values_mut() {
            match frame {
                PageFrame::Private(_, copy) => {
                    freed += usize::from(copy.take().is_some_and(|slot| Arc::strong_count(&slot) == 1));
                }
                PageFrame::Shared(sf) if sf.copy.lock().as_ref().is_some_and(|s| Arc::strong_count(s) == 1) => {
                    sf.forget_copy();
                    freed += 1;
                }
                _ => {}
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

/// Free frames at or below which a page shared with another space is not
/// evicted (a quarter of the min watermark, [`super::frame::watermarks`]).
/// Such an eviction frees no frame until the last space that maps the
/// page evicts it too (svos has no reverse map to unmap it everywhere at
/// once, as Linux's try_to_unmap does), but its records (the swap entry,
/// the slot, the write) take kernel heap. Without this bound a child that
/// shares a large parent's pages and faults repeatedly evicted them all
/// from itself and took the heap's last frame (`memstress hog 60 6` in
/// 64 MiB: a kernel panic). Below it, reclaim evicts only pages whose
/// frames it frees, and when none is left, the OOM killer chooses.
fn eviction_floor() -> usize {
    super::frame::watermarks().0 / 4
}

/// A victim between the two steps of an eviction ([`AddrSpace::evict`]):
/// no longer in the space's frames, its PTE a swap entry.
struct Unmapped {
    vpn: VirtPageNum,
    frame: PageFrame,
    /// Its exact swap copy, if it has one.
    copy: Option<Arc<super::swap::SwapSlot>>,
    /// The PTE it had (None: it had none, e.g. the clock had removed it).
    old: Option<super::page_table::PageTableEntry>,
}

/// True if `frame` is a private frame that holds only zeros (read
/// through the direct map: no hart maps it any more, see the caller).
fn is_zero_private(frame: &PageFrame) -> bool {
    let PageFrame::Private(f, _) = frame else { return false };
    // SAFETY: the frame is owned by the caller's space and no longer mapped.
    let words = unsafe { core::slice::from_raw_parts(f.ppn().addr().to_kva() as *const u64, 512) };
    words.iter().all(|&w| w == 0)
}
