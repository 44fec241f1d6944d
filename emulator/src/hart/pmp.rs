//! Physical memory protection (RISC-V Privileged ISA 3.7 "Physical Memory
//! Protection"): 16 entries, each a pmpcfg byte and a pmpaddr register, with
//! the address-matching modes OFF, TOR, NA4 and NAPOT, the lock bit L, and
//! the rule that the lowest-numbered matching entry decides.
//!
//! Granularity is 4 bytes (G = 0), as in QEMU. pmpcfg0 holds entries 0-7 and
//! pmpcfg2 entries 8-15 (RV64); pmpcfg4..pmpcfg14 and pmpaddr16..63 are
//! read-only zero (entries not implemented).
//!
//! As the spec requires once any entry is implemented, an S- or U-mode
//! access that no entry matches fails, so a kernel must open memory with a
//! PMP entry before it leaves M-mode (svos sets entry 0 to NAPOT over all
//! of memory). QEMU 7.2 enforces the same need differently: its mret to S
//! or U with no PMP entry configured raises an illegal-instruction
//! exception.

use crate::mmu::Access;

use super::Priv;

/// Number of implemented PMP entries.
pub const ENTRIES: usize = 16;

/// pmpcfg bits.
#[allow(missing_docs)]
pub mod cfg {
    pub const R: u8 = 1 << 0;
    pub const W: u8 = 1 << 1;
    pub const X: u8 = 1 << 2;
    pub const A_SHIFT: u8 = 3;
    pub const A: u8 = 3 << A_SHIFT;
    pub const L: u8 = 1 << 7;
    /// Address matching modes (the A field).
    pub const OFF: u8 = 0;
    pub const TOR: u8 = 1;
    pub const NA4: u8 = 2;
    pub const NAPOT: u8 = 3;
}

/// The PMP registers of one hart, with each entry's address range decoded.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, Default)]
pub struct Pmp {
    cfg: [u8; ENTRIES],
    addr: [u64; ENTRIES],
    /// Per entry: [lo, hi) in bytes (empty when OFF).
    range: [(u64, u64); ENTRIES],
    /// Some entry is not OFF (otherwise only M-mode accesses succeed).
    active: bool,
    /// The lowest-numbered entry with a non-empty range, as [`First`]: every
    /// access wholly inside its range is decided by it alone, in O(1).
    first: First,
    /// Changes whenever a register write may change an outcome: unique
    /// across all [`Pmp`] values of the process (0 is the reset state), so a
    /// cache of PMP outcomes keyed by it cannot mistake one state for another.
    generation: u64,
}

/// The lowest-numbered PMP entry whose range is not empty: no entry before
/// it matches any byte, so it decides every access lying wholly inside
/// `[lo, hi)` (3.7.1). `lo == hi` when there is no such entry.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, Default)]
struct First {
    lo: u64,
    hi: u64,
    /// Permission bits (cfg R, W, X) granted to M-mode: all unless L is set.
    m_perm: u8,
    /// Permission bits granted to S- and U-mode: the entry's R, W, X.
    su_perm: u8,
}

/// The source of [`Pmp::generation`] values.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Pmp {
    /// All entries OFF with address 0 (the reset state).
    pub const fn new() -> Pmp {
        Pmp {
            cfg: [0; ENTRIES],
            addr: [0; ENTRIES],
            range: [(0, 0); ENTRIES],
            active: false,
            first: First { lo: 0, hi: 0, m_perm: 0, su_perm: 0 },
            generation: 0,
        }
    }

    /// The value of pmpcfg`n` (n even; odd n do not exist on RV64).
    pub fn read_cfg(&self, n: usize) -> u64 {
        let first = n / 2 * 8;
        if first >= ENTRIES {
            return 0;
        }
        (0..8).fold(0, |v, i| v | (self.cfg[first + i] as u64) << (8 * i))
    }

    /// The value of pmpaddr`i`.
    pub fn read_addr(&self, i: usize) -> u64 {
        self.addr.get(i).copied().unwrap_or(0)
    }

    /// Write pmpcfg`n`: locked entries keep their byte; bits 6:5 read zero.
    pub fn write_cfg(&mut self, n: usize, v: u64) {
        let first = n / 2 * 8;
        if first >= ENTRIES {
            return;
        }
        for i in 0..8 {
            let e = first + i;
            if self.cfg[e] & cfg::L == 0 {
                self.cfg[e] = (v >> (8 * i)) as u8 & !0x60;
            }
        }
        self.decode();
    }

    /// Write pmpaddr`i` (bits 53:0, the address bits 55:2). Ignored when
    /// entry `i` is locked, or entry `i + 1` is locked in TOR mode (its base
    /// is this register).
    pub fn write_addr(&mut self, i: usize, v: u64) {
        if i >= ENTRIES || self.locked(i) {
            return;
        }
        if i + 1 < ENTRIES && self.locked(i + 1) && self.mode(i + 1) == cfg::TOR {
            return;
        }
        self.addr[i] = v & ((1 << 54) - 1);
        self.decode();
    }

    fn locked(&self, i: usize) -> bool {
        self.cfg[i] & cfg::L != 0
    }

    fn mode(&self, i: usize) -> u8 {
        (self.cfg[i] & cfg::A) >> cfg::A_SHIFT
    }

    /// Identifies the current register values: equal generations mean equal
    /// PMP outcomes (a fresh value after every register write).
    #[inline]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn decode(&mut self) {
        self.generation = GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.active = false;
        for i in 0..ENTRIES {
            let a = self.addr[i];
            self.range[i] = match self.mode(i) {
                cfg::TOR => (if i == 0 { 0 } else { self.addr[i - 1] << 2 }, a << 2),
                cfg::NA4 => (a << 2, (a << 2) + 4),
                cfg::NAPOT => {
                    let ones = a.trailing_ones();
                    if ones >= 54 {
                        (0, u64::MAX)
                    } else {
                        let base = (a & !((1u64 << ones) - 1)) << 2;
                        (base, base + (1u64 << (ones + 3)))
                    }
                }
                _ => (0, 0),
            };
            self.active |= self.mode(i) != cfg::OFF;
        }
        self.first = First::default();
        if let Some(i) = (0..ENTRIES).find(|&i| self.range[i].0 < self.range[i].1) {
            let c = self.cfg[i];
            let rwx = c & (cfg::R | cfg::W | cfg::X);
            let (lo, hi) = self.range[i];
            self.first =
                First { lo, hi, m_perm: if c & cfg::L == 0 { cfg::R | cfg::W | cfg::X } else { rwx }, su_perm: rwx };
        }
    }

    /// May a `size`-byte `access` at physical address `pa` be made at
    /// privilege `prv`? (3.7.1: the lowest-numbered entry matching any byte
    /// decides; it must match all bytes; M-mode passes unless L is set.)
    /// O(1) when no entry is active or the access lies inside the first
    /// non-empty entry; otherwise a scan of the entries.
    #[inline(always)]
    pub fn allows(&self, pa: u64, size: u64, access: Access, prv: Priv) -> bool {
        if !self.active {
            return prv == Priv::M;
        }
        let f = &self.first;
        if pa >= f.lo && pa < f.hi && size <= f.hi - pa {
            let perm = if prv == Priv::M { f.m_perm } else { f.su_perm };
            return perm & need(access) != 0;
        }
        self.check(pa, size, access, prv)
    }

    /// [`Pmp::allows`] by a scan of every entry, lowest-numbered first.
    #[inline(never)]
    fn check(&self, pa: u64, size: u64, access: Access, prv: Priv) -> bool {
        let last = pa.saturating_add(size - 1);
        for i in 0..ENTRIES {
            let (lo, hi) = self.range[i];
            if lo >= hi || last < lo || pa >= hi {
                continue; // OFF, empty, or no byte inside
            }
            if pa < lo || last >= hi {
                return false; // matches only some of the bytes
            }
            let c = self.cfg[i];
            if prv == Priv::M && c & cfg::L == 0 {
                return true;
            }
            return c & need(access) != 0;
        }
        prv == Priv::M
    }
}

/// The pmpcfg permission bit an access needs.
#[inline]
fn need(access: Access) -> u8 {
    match access {
        Access::Fetch => cfg::X,
        Access::Load => cfg::R,
        Access::Store => cfg::W,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn napot(base: u64, size: u64) -> u64 {
        (base >> 2) | ((size >> 3) - 1)
    }

    #[test]
    fn modes_priority_and_m_bypass() {
        let mut p = Pmp::default();
        assert!(!p.allows(0x8000_0000, 8, Access::Store, Priv::U)); // nothing configured: S/U fail
        assert!(p.allows(0x8000_0000, 8, Access::Store, Priv::M));
        p.write_addr(0, 0x8000_1000 >> 2);
        p.write_addr(1, 0x8000_2000 >> 2);
        p.write_addr(2, napot(0x8000_0000, 1 << 20));
        // 0: OFF, 1: TOR [0x80001000, 0x80002000) R, 2: NAPOT 1 MiB RWX.
        let cfg = ((cfg::TOR << cfg::A_SHIFT | cfg::R) as u64) << 8 | ((cfg::NAPOT << 3 | 7) as u64) << 16;
        p.write_cfg(0, cfg);
        assert!(p.allows(0x8000_1ff8, 8, Access::Load, Priv::S));
        assert!(!p.allows(0x8000_1ff8, 8, Access::Store, Priv::S)); // entry 1 wins over 2
        assert!(!p.allows(0x8000_1ffc, 8, Access::Load, Priv::S)); // straddles entries 1 and 2
        assert!(p.allows(0x8000_3000, 8, Access::Store, Priv::U));
        assert!(!p.allows(0x9000_0000, 8, Access::Load, Priv::U)); // no match
        assert!(p.allows(0x8000_1000, 8, Access::Store, Priv::M)); // M bypasses unlocked
        assert_eq!(p.read_cfg(0), cfg);
    }

    /// The O(1) decision by the first non-empty entry agrees with the full
    /// scan for every privilege, access kind and size, at and around the
    /// boundaries of each entry, under several layouts (TOR from 0, NAPOT,
    /// NA4 first, a locked first entry, an OFF entry before the first).
    #[test]
    fn first_entry_shortcut_agrees_with_the_scan() {
        let layouts: [&[(usize, u8, u64)]; 5] = [
            &[(0, cfg::NAPOT << 3 | 7, u64::MAX >> 10)],
            &[(0, cfg::TOR << 3 | cfg::R, 0x8000_1000 >> 2), (1, cfg::NAPOT << 3 | 7, napot(0x8000_0000, 1 << 20))],
            &[(1, cfg::NA4 << 3 | cfg::W | cfg::R, 0x8000_0ff8 >> 2), (2, cfg::TOR << 3 | cfg::X, 0x8000_2000 >> 2)],
            &[
                (0, cfg::L | cfg::NAPOT << 3 | cfg::R, napot(0x8000_0000, 4096)),
                (3, cfg::NAPOT << 3 | 7, u64::MAX >> 10),
            ],
            &[(0, cfg::TOR << 3 | 7, 0), (1, cfg::TOR << 3 | cfg::R | cfg::X, 0x8000_0000 >> 2)],
        ];
        for layout in layouts {
            let mut p = Pmp::default();
            let mut cfgs = 0u64;
            for &(i, c, a) in layout {
                p.write_addr(i, a);
                cfgs |= (c as u64) << (8 * i);
            }
            p.write_cfg(0, cfgs);
            let edges = p.range.iter().flat_map(|&(lo, hi)| [lo, hi]);
            for pa in edges.flat_map(|e| (0..16u64).map(move |d| e.wrapping_add(d).wrapping_sub(8))) {
                for size in [1, 2, 4, 8, 4096] {
                    for access in [Access::Fetch, Access::Load, Access::Store] {
                        for prv in [Priv::M, Priv::S, Priv::U] {
                            let want = p.check(pa, size, access, prv);
                            assert_eq!(p.allows(pa, size, access, prv), want, "{pa:#x} {size} {access:?} {prv:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lock_binds_m_mode_and_freezes_registers() {
        let mut p = Pmp::default();
        p.write_addr(0, 0x8000_0000 >> 2);
        p.write_addr(1, 0x8000_1000 >> 2);
        p.write_cfg(0, ((cfg::L | cfg::TOR << cfg::A_SHIFT | cfg::R) as u64) << 8);
        assert!(!p.allows(0x8000_0000, 4, Access::Store, Priv::M));
        assert!(p.allows(0x8000_0000, 4, Access::Load, Priv::M));
        p.write_addr(1, 0);
        p.write_addr(0, 0); // base of a locked TOR entry
        p.write_cfg(0, 0);
        assert_eq!((p.read_addr(0), p.read_addr(1)), (0x8000_0000 >> 2, 0x8000_1000 >> 2));
        assert_ne!(p.read_cfg(0), 0);
        assert_eq!(p.read_cfg(4), 0); // entries 16.. not implemented
    }
}
