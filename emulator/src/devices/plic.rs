//! The platform-level interrupt controller ("sifive,plic-1.0.0",
//! "riscv,plic0") at 0xc00_0000, as on QEMU's virt board
//! (`hw/intc/sifive_plic.c` with `hw/riscv/virt.c`'s parameters).
//!
//! Register layout (RISC-V PLIC Specification 1.0.0, chapter 3), byte offsets
//! in the window, every register 32 bits wide:
//!
//! | offset | register |
//! |---|---|
//! | 0x00_0000 + 4·s | priority of source s (1..=95; source 0 does not exist) |
//! | 0x00_1000 + 4·w | pending bits of sources 32w..32w+31 (read-only) |
//! | 0x00_2000 + 0x80·c + 4·w | enable bits of context c for sources 32w.. |
//! | 0x20_0000 + 0x1000·c | priority threshold of context c |
//! | 0x20_0004 + 0x1000·c | claim (read) / complete (write) of context c |
//!
//! Context 2h is hart h's M-mode (it drives mip.MEIP), context 2h+1 its
//! S-mode (mip.SEIP). Priorities and thresholds have [`PRIORITY_BITS`] bits
//! (0..=7, written modulo 8); a source interrupts a context when it is
//! pending, not claimed, enabled there, and its priority is above the
//! context's threshold.
//!
//! The gateway is QEMU 7.2's (`sifive_plic_irq_request` as Debian's
//! 7.2.22 has it): a device reports its line each time it re-evaluates it
//! (QEMU's `qemu_set_irq`), and each report of a high line sets the pending
//! bit, whether the source is claimed or not; a low report changes nothing
//! (only a claim clears a pending bit). A claim takes the pending source of highest priority
//! (lowest id on ties), clears its pending bit and marks it claimed; a
//! completion (a write of an id below [`NUM_SOURCES`] to the same register,
//! enabled or not) clears the claim and nothing else: a line that is still
//! high is pending again only when its device next reports it. So a device
//! condition that holds without being re-evaluated interrupts once, as on
//! QEMU (a 16550 with THRI enabled interrupts once per transmission, not
//! at every completion).
//!
//! | register | reset | read | write |
//! |---|---|---|---|
//! | priority s (1..95) | 0 | the value | value mod 8 (source 0's stays 0) |
//! | pending word w (0..2) | 0 | the bits | ignored |
//! | enable (c, w) | 0 | the bits | the bits (bit 0 too, as QEMU; source 0 is never pending) |
//! | threshold c | 0 | the value | value mod 8 |
//! | claim/complete c | – | claims (0: none); clears pending, sets claimed | completes: clears claimed |
//!
//! Only 32-bit accesses reach the registers: others are access faults (the
//! bus refuses them, as QEMU's `.valid` sizes do). Unknown offsets read 0
//! and ignore writes.

/// Interrupt sources, counting the non-existent source 0: QEMU's
/// `VIRT_IRQCHIP_NUM_SOURCES` (the DTB's `riscv,ndev` is this number).
pub const NUM_SOURCES: usize = 96;
/// Bits of a priority or threshold (QEMU's `VIRT_IRQCHIP_NUM_PRIO_BITS`).
pub const PRIORITY_BITS: u32 = 3;
/// The PLIC window size as QEMU's virt states it in its DTB: room for the
/// contexts of its largest configuration (512 harts, 2 contexts each).
pub const WINDOW_SIZE: u64 = CONTEXT_BASE + 1024 * CONTEXT_STRIDE;

const WORDS: usize = NUM_SOURCES.div_ceil(32);
const PRIORITY_MASK: u32 = (1 << PRIORITY_BITS) - 1;
const PENDING_BASE: u64 = 0x1000;
const ENABLE_BASE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT_BASE: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;

type Bits = [u32; WORDS];

fn set_bit(bits: &mut Bits, src: usize, on: bool) {
    let mask = 1 << (src % 32);
    if on {
        bits[src / 32] |= mask;
    } else {
        bits[src / 32] &= !mask;
    }
}

/// PLIC state for `2 · harts` contexts.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Plic {
    #[serde(with = "crate::snapshot::array")]
    priority: [u32; NUM_SOURCES],
    pending: Bits,
    /// Claimed and not yet completed.
    in_service: Bits,
    enable: Vec<Bits>,
    threshold: Vec<u32>,
}

impl Plic {
    /// A PLIC in its reset state (all priorities, enables and thresholds 0)
    /// with an M and an S context for each of `harts` harts.
    pub fn new(harts: usize) -> Plic {
        let contexts = 2 * harts;
        Plic {
            priority: [0; NUM_SOURCES],
            pending: [0; WORDS],
            in_service: [0; WORDS],
            enable: vec![[0; WORDS]; contexts],
            threshold: vec![0; contexts],
        }
    }

    /// Number of contexts (twice the number of harts).
    pub fn contexts(&self) -> usize {
        self.threshold.len()
    }

    /// A report of source `src`'s line (1..[`NUM_SOURCES`]) at level
    /// `high`: a high report makes it pending (the gateway above).
    /// Out-of-range sources are ignored.
    pub fn set_level(&mut self, src: usize, high: bool) {
        if high && src != 0 && src < NUM_SOURCES {
            set_bit(&mut self.pending, src, true);
        }
    }

    /// The source context `ctx` would claim now: pending, not in service,
    /// enabled, priority above the threshold; highest priority, then lowest id.
    fn best(&self, ctx: usize) -> Option<usize> {
        let mut best: Option<(u32, usize)> = None;
        for w in 0..WORDS {
            let mut cand = self.pending[w] & self.enable[ctx][w] & !self.in_service[w];
            while cand != 0 {
                let src = w * 32 + cand.trailing_zeros() as usize;
                cand &= cand - 1;
                let prio = self.priority[src];
                if prio > self.threshold[ctx] && best.is_none_or(|(p, _)| prio > p) {
                    best = Some((prio, src));
                }
            }
        }
        best.map(|(_, src)| src)
    }

    /// The interrupt output of context `ctx` (the hart's MEIP or SEIP line).
    pub fn irq(&self, ctx: usize) -> bool {
        ctx < self.contexts() && self.best(ctx).is_some()
    }

    /// Read the 32-bit register at `offset`; other sizes and unknown offsets
    /// read as 0. Reading a claim register claims.
    pub fn read(&mut self, offset: u64, size: u8) -> u64 {
        if size != 4 || offset & 3 != 0 {
            return 0;
        }
        let word = |base: u64| ((offset - base) / 4) as usize;
        (match offset {
            o if o < PENDING_BASE => self.priority.get(word(0)).copied().unwrap_or(0),
            o if o < ENABLE_BASE => self.pending.get(word(PENDING_BASE)).copied().unwrap_or(0),
            o if o < CONTEXT_BASE => {
                let (ctx, w) = (((o - ENABLE_BASE) / ENABLE_STRIDE) as usize, ((o % ENABLE_STRIDE) / 4) as usize);
                self.enable.get(ctx).and_then(|e| e.get(w)).copied().unwrap_or(0)
            }
            o => {
                let ctx = ((o - CONTEXT_BASE) / CONTEXT_STRIDE) as usize;
                match (o % CONTEXT_STRIDE, ctx < self.contexts()) {
                    (0, true) => self.threshold[ctx],
                    (4, true) => self.claim(ctx),
                    _ => 0,
                }
            }
        }) as u64
    }

    /// Write the 32-bit register at `offset`; other sizes, read-only and
    /// unknown registers ignore writes.
    pub fn write(&mut self, offset: u64, size: u8, val: u64) {
        if size != 4 || offset & 3 != 0 {
            return;
        }
        let val = val as u32;
        match offset {
            o if o < PENDING_BASE => {
                let src = (o / 4) as usize;
                if src != 0 && src < NUM_SOURCES {
                    self.priority[src] = val & PRIORITY_MASK;
                }
            }
            o if o < ENABLE_BASE => {}
            o if o < CONTEXT_BASE => {
                let (ctx, w) = (((o - ENABLE_BASE) / ENABLE_STRIDE) as usize, ((o % ENABLE_STRIDE) / 4) as usize);
                if let Some(e) = self.enable.get_mut(ctx).and_then(|e| e.get_mut(w)) {
                    *e = val;
                }
            }
            o => {
                let ctx = ((o - CONTEXT_BASE) / CONTEXT_STRIDE) as usize;
                match (o % CONTEXT_STRIDE, ctx < self.contexts()) {
                    (0, true) => self.threshold[ctx] = val & PRIORITY_MASK,
                    (4, true) => self.complete(ctx, val as usize),
                    _ => {}
                }
            }
        }
    }

    /// Claim (PLIC spec 3.9): the best source for `ctx`, now in service, or 0.
    fn claim(&mut self, ctx: usize) -> u32 {
        match self.best(ctx) {
            Some(src) => {
                set_bit(&mut self.pending, src, false);
                set_bit(&mut self.in_service, src, true);
                src as u32
            }
            None => 0,
        }
    }

    /// Completion (PLIC spec 3.10, as QEMU 7.2 does it: any id below
    /// [`NUM_SOURCES`], whether `ctx` has it enabled or not).
    fn complete(&mut self, _ctx: usize, src: usize) {
        if src < NUM_SOURCES {
            set_bit(&mut self.in_service, src, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAIM_S0: u64 = CONTEXT_BASE + CONTEXT_STRIDE + 4;

    #[test]
    fn claim_complete_priorities_and_threshold() {
        let mut p = Plic::new(2);
        p.write(10 * 4, 4, 3); // uart
        p.write(4, 4, 5); // virtio slot 0
        p.write(ENABLE_BASE + ENABLE_STRIDE, 4, (1 << 10) | (1 << 1)); // hart 0, S
        p.set_level(10, true);
        assert!(p.irq(1) && !p.irq(0) && !p.irq(3));
        assert_eq!(p.read(PENDING_BASE, 4), 1 << 10);
        p.set_level(1, true);
        // Higher priority first.
        assert_eq!(p.read(CLAIM_S0, 4), 1);
        assert_eq!(p.read(CLAIM_S0, 4), 10);
        assert_eq!(p.read(CLAIM_S0, 4), 0);
        assert!(!p.irq(1));
        // Threshold masks priorities at or below it.
        p.write(CONTEXT_BASE + CONTEXT_STRIDE, 4, 5);
        p.set_level(1, true);
        p.write(CLAIM_S0, 4, 1);
        assert!(!p.irq(1), "priority 5 is not above threshold 5");
        p.write(CONTEXT_BASE + CONTEXT_STRIDE, 4, 4);
        assert!(p.irq(1));
        assert_eq!(p.read(CONTEXT_BASE + CONTEXT_STRIDE, 4), 4);
    }

    #[test]
    fn gateway_takes_reports_not_levels() {
        let mut p = Plic::new(1);
        p.write(10 * 4, 4, 1);
        p.write(ENABLE_BASE + ENABLE_STRIDE, 4, 1 << 10);
        p.set_level(10, true);
        assert_eq!(p.read(CLAIM_S0, 4), 10);
        // Completing a source whose line stayed high: nothing until the
        // device reports its line again.
        p.write(CLAIM_S0, 4, 10);
        assert!(!p.irq(1));
        // A report while claimed sets pending; it interrupts after completion.
        p.set_level(10, true);
        assert_eq!(p.read(CLAIM_S0, 4), 10);
        p.set_level(10, true);
        assert!(!p.irq(1), "claimed: not offered");
        assert_eq!(p.read(PENDING_BASE, 4), 1 << 10);
        p.write(CLAIM_S0, 4, 10);
        assert!(p.irq(1));
        // A low report leaves pending set: only a claim clears it.
        p.set_level(10, false);
        assert!(p.irq(1));
        assert_eq!(p.read(CLAIM_S0, 4), 10);
        p.write(CLAIM_S0, 4, 10);
        assert!(!p.irq(1));
        // Completion of a source the context has not enabled still ends its claim.
        p.set_level(10, true);
        assert_eq!(p.read(CLAIM_S0, 4), 10);
        p.write(ENABLE_BASE + ENABLE_STRIDE, 4, 0);
        p.write(CLAIM_S0, 4, 10);
        p.write(ENABLE_BASE + ENABLE_STRIDE, 4, 1 << 10);
        p.set_level(10, true);
        assert_eq!(p.read(CLAIM_S0, 4), 10);
    }

    #[test]
    fn bounds_priority_width_and_source_zero() {
        let mut p = Plic::new(1);
        p.write(4, 4, 0xffff_ffff);
        assert_eq!(p.read(4, 4), 7);
        p.write(4, 4, 9);
        assert_eq!(p.read(4, 4), 1, "written modulo 8");
        // Source 0's priority stays 0; QEMU keeps its enable bit (it is never pending).
        p.write(0, 4, 7);
        assert_eq!(p.read(0, 4), 0);
        p.write(ENABLE_BASE, 4, u32::MAX as u64);
        assert_eq!(p.read(ENABLE_BASE, 4), u32::MAX as u64);
        assert_eq!(p.read(CONTEXT_BASE + 4, 4), 0);
        // Contexts that do not exist, sources past the end.
        p.write(CONTEXT_BASE + 7 * CONTEXT_STRIDE + 4, 4, 1);
        assert_eq!(p.read(CONTEXT_BASE + 7 * CONTEXT_STRIDE + 4, 4), 0);
        assert_eq!(p.read(ENABLE_BASE + 9 * ENABLE_STRIDE, 4), 0);
        p.set_level(200, true);
        p.write(CONTEXT_BASE + 4, 4, 5000);
    }
}
