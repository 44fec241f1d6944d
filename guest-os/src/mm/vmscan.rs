//! Page reclaim (Linux's mm/vmscan.c): choosing a victim page of an address
//! space by the clock (second-chance) algorithm and swapping it out.

use super::addr_space::AddrSpace;
use super::address::VirtPageNum;
use super::cow::PageFrame;
use super::swap;
use alloc::sync::Arc;

impl AddrSpace {
    /// Swaps out one page of this space, chosen by the clock: from the hand
    /// on (wrapping), a swappable page with a PTE (referenced) loses it and
    /// gets a second chance; the first one without a PTE is the victim.
    /// Swappable: a frame of a demand-zero area (stack, heap, anonymous
    /// mmap) that no other space maps (a frame a fork left shared, whose
    /// other spaces have let it go, becomes private here); ELF pages and
    /// frames still shared copy-on-write are not evicted. After the other
    /// harts flush (none may still write the frame), the page is written to
    /// a free swap slot, its PTE becomes a swap entry and its frame is
    /// freed. False if swap is off or full, the disk fails, or the space has
    /// no swappable page.
    pub fn swap_out_one(&mut self) -> bool {
        let (victim, cleared) = self.clock_scan();
        if cleared || victim.is_some() {
            self.shootdown();
        }
        let Some(vpn) = victim else { return false };
        self.clock_hand = VirtPageNum(vpn.0 + 1);
        let mut frame = match self.frames.remove(&vpn) {
            Some(PageFrame::Private(f)) => f,
            Some(PageFrame::Shared(f)) => match Arc::try_unwrap(f) {
                Ok(f) => f,
                Err(f) => {
                    self.frames.insert(vpn, PageFrame::Shared(f));
                    return false;
                }
            },
            None => return false,
        };
        let Some(slot) = swap::write_out(frame.bytes_mut()) else {
            self.frames.insert(vpn, PageFrame::Private(frame));
            return false;
        };
        if self.pt.set_swap_entry(vpn, slot.number()).is_err() {
            self.frames.insert(vpn, PageFrame::Private(frame));
            return false;
        }
        self.swapped.insert(vpn, Arc::new(slot));
        drop(frame);
        true
    }

    /// The clock's scan for [`Self::swap_out_one`]: at most two sweeps over
    /// the resident pages from the hand, removing the PTE of each swappable
    /// page that has one. Returns the victim (a swappable page without a
    /// PTE), if any, and whether a PTE was removed (the caller shoots down).
    fn clock_scan(&mut self) -> (Option<VirtPageNum>, bool) {
        let AddrSpace { frames, pt, vmas, clock_hand, .. } = self;
        let hand = *clock_hand;
        let sweep = || frames.range(hand..).chain(frames.range(..hand));
        let mut cleared = false;
        for (vpn, frame) in sweep().chain(sweep()) {
            if let PageFrame::Shared(f) = frame {
                if Arc::strong_count(f) > 1 {
                    continue;
                }
            }
            let va = vpn.addr().0;
            if !vmas.find(va).is_some_and(|v| v.kind.is_demand_zero()) {
                continue;
            }
            if pt.translate(vpn.addr()).is_some() {
                let _ = pt.unmap(*vpn);
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
