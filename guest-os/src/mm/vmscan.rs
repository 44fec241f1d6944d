//! Page reclaim (Linux's mm/vmscan.c): choosing a victim page of an address
//! space by the clock (second-chance) algorithm on the hardware's accessed
//! bit, and swapping it out, without I/O when its swap copy is still exact.
//!
//! - The clock's hand walks the space's resident pages in address order.
//!   A page whose PTE has A set (the hart set it at an access, Svadu; or
//!   svos did on an A/D fault, Svade) gets a second chance: A is cleared
//!   (Linux's ptep_test_and_clear_young). The first page found with A clear
//!   (or with no PTE: mprotect(PROT_NONE)) is the victim. After a scan, the
//!   harts that may cache the space flush their TLBs (one shootdown for
//!   every A cleared and the victim), or a hart could keep using a cached
//!   entry with A set and the page would look idle while in use.
//! - The victim's PTE is exchanged atomically for a swap entry; once the
//!   other harts have flushed, its D bit is final. A page with a swap copy
//!   (a private page read back from swap and not written since: D clear; or
//!   a frame shared copy-on-write, whose contents never change while
//!   shared) is dropped without a write ("dropped clean"); any other page is
//!   written to a free slot.
//! - A frame shared copy-on-write after a fork is evicted one space at a
//!   time: the first space writes it and leaves the slot with the frame, the
//!   others drop their reference to it without I/O; the frame is freed with
//!   its last reference.
//!
//! Swappable pages: frames of demand-zero areas (stack, heap, anonymous
//! mmap) and the private copies in file mappings and ELF segments. ELF
//! pages copied at exec (segments not page-congruent with the file) and
//! page-table pages stay; page-cache frames are dropped by the page cache
//! itself once no space maps them ([`super::filemap::shrink`]); pages of
//! mlock'd areas stay ([`super::mlock`]).

use super::addr_space::AddrSpace;
use super::address::VirtPageNum;
use super::cow::PageFrame;
use super::page_table::PteFlags;
use super::swap;
use super::vmstat;
use alloc::sync::Arc;

impl AddrSpace {
    /// Swaps out one page of this space, chosen by the clock (see the module
    /// doc). False if swap is off or full, the disk fails, or the space has
    /// no swappable page.
    pub fn swap_out_one(&mut self) -> bool {
        if !swap::active() {
            return false;
        }
        let (victim, cleared) = self.clock_scan();
        let Some(vpn) = victim else {
            if cleared {
                self.shootdown();
            }
            return false;
        };
        self.clock_hand = VirtPageNum(vpn.0 + 1);
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
        let slot = match copy {
            Some(slot) if !dirty || matches!(frame, PageFrame::Shared(_)) => {
                vmstat::DROPPED_CLEAN.inc();
                slot
            }
            _ => {
                // SAFETY: no hart maps the frame writable any more (the PTE
                // is gone and flushed; a shared frame is read-only everywhere).
                let Some(slot) = swap::write_out(unsafe { frame.ppn().bytes_mut() }) else {
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
        vmstat::PGSTEAL.inc();
        drop(frame);
        true
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

    /// The clock's scan for [`Self::swap_out_one`]: at most two sweeps over
    /// the resident swappable pages from the hand, clearing A where it is
    /// set. Returns the victim (a swappable page with A clear or without a
    /// PTE), if any, and whether an A bit was cleared.
    fn clock_scan(&mut self) -> (Option<VirtPageNum>, bool) {
        let AddrSpace { frames, pt, vmas, clock_hand, .. } = self;
        let hand = *clock_hand;
        let sweep = || frames.range(hand..).chain(frames.range(..hand));
        let mut cleared = false;
        for (vpn, frame) in sweep().chain(sweep()) {
            let va = vpn.addr().0;
            // Anonymous pages, and the private copies made in file mappings
            // (ELF segments too); page-cache frames are the cache's to drop.
            let swappable = vmas.find(va).is_some_and(|v| {
                !v.locked
                    && match frame {
                        PageFrame::Cache(_) => false,
                        PageFrame::Private(..) => v.kind.is_demand_zero() || v.file.is_some(),
                        PageFrame::Shared(_) => v.kind.is_demand_zero(),
                    }
            });
            if !swappable {
                continue;
            }
            vmstat::PGSCAN.inc();
            if pt.test_and_clear_accessed(*vpn) {
                vmstat::PGACTIVATE.inc();
                cleared = true;
                continue;
            }
            return (Some(*vpn), cleared);
        }
        if let Some((last, _)) = frames.iter().next_back() {
            *clock_hand = VirtPageNum(last.0 + 1);
        }
        (None, cleared)
    }
}
