//! The core-local interruptor (SiFive CLINT, "sifive,clint0") at 0x200_0000,
//! and the machine's notion of time.
//!
//! Layout and rules (as QEMU 7.2 `hw/intc/riscv_aclint.c`):
//!
//! | offset | register | reset | read | write |
//! |---|---|---|---|---|
//! | 0x0 + 4·h | msip of hart h | 0 | bit 0 | bit 0 drives mip.MSIP; other bits ignored |
//! | 0x4000 + 8·h | mtimecmp of hart h | all ones | the value (either 32-bit half alone too) | the value or one half; mip.MTIP = mtime >= mtimecmp at once |
//! | 0xbff8 | mtime | 0 | ticks of [`TIMEBASE_HZ`] since reset | moves mtime (an offset; time goes on from there) |
//!
//! Harts past the configured number read 0 and ignore writes. There is no
//! interrupt through the PLIC: MSIP and MTIP are per-hart lines.
//!
//! Time is deterministic: it is a function of the machine's cycle count,
//! which the run loop advances as if all harts ran in parallel at one
//! instruction per cycle (see [`crate::machine`]: a round of turns of
//! [`crate::machine::QUANTUM`] slots is QUANTUM cycles, whatever the number of
//! harts). mtime counts at [`TIMEBASE_HZ`] and advances by one every
//! [`CYCLES_PER_TICK`] cycles, as if the harts ran at 100 MHz. A guest write
//! to mtime moves mtime by an offset; the cycle count goes on unchanged.

/// The frequency of mtime in Hz (the `timebase-frequency` in the DTB), as on
/// QEMU's virt board.
pub const TIMEBASE_HZ: u64 = 10_000_000;
/// Cycles (instruction slots) per mtime tick.
pub const CYCLES_PER_TICK: u64 = 10;

const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// CLINT state for `harts` harts.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Clint {
    msip: Vec<bool>,
    mtimecmp: Vec<u64>,
    /// Machine cycles since reset.
    cycles: u64,
    /// mtime minus cycles / CYCLES_PER_TICK (wrapping), set by mtime writes.
    offset: u64,
}

impl Clint {
    /// A CLINT for `harts` harts, with mtimecmp at its reset value (all ones,
    /// so no timer interrupt is pending).
    pub fn new(harts: usize) -> Clint {
        Clint { msip: vec![false; harts], mtimecmp: vec![u64::MAX; harts], cycles: 0, offset: 0 }
    }

    /// The current value of mtime, in ticks of [`TIMEBASE_HZ`].
    #[inline]
    pub fn mtime(&self) -> u64 {
        (self.cycles / CYCLES_PER_TICK).wrapping_add(self.offset)
    }

    /// Cycles run so far.
    #[inline]
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Advance time by `n` cycles.
    #[inline]
    pub fn tick(&mut self, n: u64) {
        self.cycles += n;
    }

    /// Set the cycle count to `cycles` (the run loop places each hart's turn
    /// at the start of its round).
    #[inline]
    pub fn set_cycles(&mut self, cycles: u64) {
        self.cycles = cycles;
    }

    /// The cycle count at which hart `hart`'s timer interrupt becomes pending
    /// (the current count when it already is, `u64::MAX` when it never will
    /// without another mtimecmp or mtime write).
    pub fn timer_deadline(&self, hart: usize) -> u64 {
        if self.mtip(hart) {
            return self.cycles;
        }
        // mtime < mtimecmp: mtime reaches it after (mtimecmp - mtime) ticks.
        let ticks = self.mtimecmp[hart].wrapping_sub(self.mtime());
        let tick_start = self.cycles - self.cycles % CYCLES_PER_TICK;
        ticks.checked_mul(CYCLES_PER_TICK).and_then(|c| c.checked_add(tick_start)).unwrap_or(u64::MAX)
    }

    /// Machine timer interrupt line of `hart` (mip.MTIP): mtime >= mtimecmp.
    pub fn mtip(&self, hart: usize) -> bool {
        self.mtime() >= self.mtimecmp[hart]
    }

    /// Machine software interrupt line of `hart` (mip.MSIP).
    pub fn msip(&self, hart: usize) -> bool {
        self.msip[hart]
    }

    /// Read `size` bytes at `offset`; unknown offsets read as 0.
    pub fn read(&self, offset: u64, size: u8) -> u64 {
        let (reg, shift) = (offset & !7, (offset & 7) * 8);
        let v = match offset {
            o if o < MTIMECMP => {
                let hart = ((o - MSIP) / 4) as usize;
                return self.msip.get(hart).map_or(0, |&b| b as u64);
            }
            o if o < MTIME => {
                let hart = ((reg - MTIMECMP) / 8) as usize;
                self.mtimecmp.get(hart).copied().unwrap_or(0)
            }
            o if o & !7 == MTIME => self.mtime(),
            _ => 0,
        };
        let v = v >> shift;
        if size >= 8 {
            v
        } else {
            v & ((1u64 << (size * 8)) - 1)
        }
    }

    /// Write `size` bytes of `val` at `offset`; unknown offsets are ignored.
    pub fn write(&mut self, offset: u64, size: u8, val: u64) {
        let merge = |old: u64| -> u64 {
            let shift = (offset & 7) * 8;
            let mask = if size >= 8 { u64::MAX } else { ((1u64 << (size * 8)) - 1) << shift };
            (old & !mask) | ((val << shift) & mask)
        };
        match offset {
            o if o < MTIMECMP => {
                if let Some(b) = self.msip.get_mut((o / 4) as usize) {
                    *b = val & 1 != 0;
                }
            }
            o if o < MTIME => {
                let hart = (((o & !7) - MTIMECMP) / 8) as usize;
                if let Some(cmp) = self.mtimecmp.get_mut(hart) {
                    *cmp = merge(*cmp);
                }
            }
            o if o & !7 == MTIME => {
                let t = merge(self.mtime());
                self.offset = t.wrapping_sub(self.cycles / CYCLES_PER_TICK);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtime_follows_cycles_and_mtimecmp_raises_mtip() {
        let mut c = Clint::new(2);
        assert!(!c.mtip(0));
        c.write(MTIMECMP + 8, 8, 5);
        assert_eq!(c.read(MTIMECMP + 8, 8), 5);
        c.tick(49);
        assert_eq!(c.read(MTIME, 8), 4);
        assert!(!c.mtip(1));
        c.tick(1);
        assert!(c.mtip(1));
        assert!(!c.mtip(0));
        // 32-bit halves, as a 32-bit guest would write them.
        c.write(MTIMECMP + 4, 4, 0);
        assert_eq!(c.read(MTIMECMP, 8), 0xffff_ffff);
        c.write(MSIP + 4, 4, 1);
        assert!(c.msip(1) && !c.msip(0));
    }

    #[test]
    fn mtime_writes_offset_time_and_deadlines_follow() {
        let mut c = Clint::new(1);
        c.tick(1234);
        c.write(MTIME, 8, 1000);
        assert_eq!(c.mtime(), 1000);
        c.tick(10);
        assert_eq!(c.mtime(), 1001);
        c.write(MTIMECMP, 8, 1003);
        // 1244 cycles now; tick 1001 began at 1240; two more ticks: 1260.
        assert_eq!(c.timer_deadline(0), 1260);
        c.tick(15);
        assert!(!c.mtip(0));
        c.tick(1);
        assert!(c.mtip(0));
        assert_eq!(c.timer_deadline(0), 1260);
    }
}
