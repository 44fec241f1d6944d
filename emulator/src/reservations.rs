//! LR/SC reservations seen from the memory side (RISC-V Unprivileged ISA,
//! section 13.2, "Load-Reserved/Store-Conditional Instructions"): an SC must
//! fail when another hart has stored to the reservation set since the LR.
//!
//! Each hart records its own reservation (`Hart::reservation`); this registry,
//! owned by the bus, additionally watches the reserved granule of every hart and
//! breaks it when any store reaches that granule (from any hart, the MMU's A/D
//! updates or a device's DMA). A store to RAM consults the registry only
//! while at least one reservation is live, so the store path costs one
//! compare of a counter when no hart holds a reservation.

/// Size of a reservation set in bytes: the naturally aligned doubleword
/// holding the LR's address.
pub const GRANULE: u64 = 8;

/// The watched granule of each hart.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, Default)]
pub struct Reservations {
    watched: Vec<Option<u64>>,
    live: u32,
}

impl Reservations {
    /// A registry for `harts` harts, none holding a reservation.
    pub fn new(harts: usize) -> Reservations {
        Reservations { watched: vec![None; harts], live: 0 }
    }

    /// Hart `hart` executed LR at physical address `pa`: watch its granule
    /// (replacing any earlier reservation of that hart).
    pub fn acquire(&mut self, hart: usize, pa: u64) {
        if let Some(w) = self.watched.get_mut(hart) {
            if w.is_none() {
                self.live += 1;
            }
            *w = Some(pa & !(GRANULE - 1));
        }
    }

    /// Hart `hart` executes SC (or gives its reservation up): stop watching.
    /// Returns true when its reservation is still intact (no store reached it).
    pub fn release(&mut self, hart: usize) -> bool {
        match self.watched.get_mut(hart).and_then(Option::take) {
            Some(_) => {
                self.live -= 1;
                true
            }
            None => false,
        }
    }

    /// True when some hart holds a reservation (the store path checks this first).
    #[inline]
    pub fn any(&self) -> bool {
        self.live != 0
    }

    /// Break every reservation whose granule overlaps the `len` bytes at
    /// `pa` (`len` > 0, the range in RAM): a device's DMA write, in one pass
    /// over the harts whatever its length.
    #[cold]
    pub fn store_range(&mut self, pa: u64, len: u64) {
        let (first, last) = (pa & !(GRANULE - 1), (pa + (len - 1)) & !(GRANULE - 1));
        for w in &mut self.watched {
            if w.is_some_and(|g| (first..=last).contains(&g)) {
                *w = None;
                self.live -= 1;
            }
        }
    }

    /// A store of `size` bytes at `pa` happened: break every reservation whose
    /// granule it overlaps.
    #[cold]
    pub fn store(&mut self, pa: u64, size: u8) {
        let (first, last) = (pa & !(GRANULE - 1), (pa + size as u64 - 1) & !(GRANULE - 1));
        for w in &mut self.watched {
            if w.is_some_and(|g| g == first || g == last) {
                *w = None;
                self.live -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_break_overlapping_reservations_only() {
        let mut r = Reservations::new(3);
        assert!(!r.any());
        r.acquire(0, 0x8000_0104);
        r.acquire(1, 0x8000_0200);
        r.acquire(1, 0x8000_0300); // replaces its earlier one
        assert!(r.any());
        r.store(0x8000_0200, 8);
        r.store(0x8000_0108, 4); // next granule
        r.store(0x8000_00ff, 2); // crosses into 0x8000_0100
        assert!(!r.release(0));
        assert!(r.release(1));
        assert!(!r.release(1));
        assert!(!r.release(2));
        assert!(!r.any());
    }

    #[test]
    fn a_dma_range_breaks_the_granules_it_overlaps_only() {
        let mut r = Reservations::new(4);
        for (hart, pa) in [(0, 0x8000_0ff8), (1, 0x8000_1000), (2, 0x8000_2ff8), (3, 0x8000_3000)] {
            r.acquire(hart, pa);
        }
        // 8 KiB from 0x8000_1000 - 1: granules 0x8000_0ff8 .. 0x8000_2ff8.
        r.store_range(0x8000_0fff, 0x2000);
        assert_eq!((0..4).map(|h| r.release(h)).collect::<Vec<_>>(), [false, false, false, true]);
    }
}
