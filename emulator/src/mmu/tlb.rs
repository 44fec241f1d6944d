//! The translation lookaside buffer of one hart: cached leaf translations
//! tagged by ASID (satp.ASID), with global (G) mappings shared by every
//! address space, and superpages held as one entry each (RISC-V Privileged
//! ISA 12.2.1 "Supervisor Memory-Management Fence Instruction" gives the
//! rules the cache must follow).
//!
//! Organisation: `entries` entries in sets of `ways` (set-associative; with
//! `ways == entries` it is fully associative). An entry for a page of level
//! `L` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB, 4 = 256 TiB) is placed
//! in set `(va >> (12 + 9·L)) % sets`, so a lookup probes one set per page
//! size, smallest first, skipping the sizes of which no entry is valid (a
//! count per level is kept), and an sfence.vma by address probes the same
//! sets instead of every entry.
//!
//! Replacement: per set, an invalid way if there is one, otherwise the way
//! a round-robin pointer designates (the pointer then advances). This is
//! deterministic: the same sequence of accesses evicts the same entries.
//!
//! Only leaf PTEs are cached, with their permission bits: every hit re-checks
//! U, SUM, MXR and the MPRV-adjusted privilege, because those can change
//! without an sfence.vma. Entries are made only by successful walks, so A is
//! always 1 in them; an entry with D = 0 never serves a store (the MMU walks
//! again, so that D is set or the Svade fault is raised).

/// Size and associativity of a TLB.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbGeometry {
    /// Total entries (a multiple of `ways`; 0 disables the TLB).
    pub entries: usize,
    /// Entries per set (1 = direct mapped).
    pub ways: usize,
}

impl Default for TlbGeometry {
    /// 64 entries, 4-way set associative.
    fn default() -> Self {
        TlbGeometry { entries: 64, ways: 4 }
    }
}

/// Most entries a TLB may have: 65,536 (real TLBs hold a few thousand; the
/// limit keeps the host allocation of 8 harts' TLBs small).
pub const MAX_ENTRIES: usize = 1 << 16;

impl TlbGeometry {
    /// Check the geometry: at most [`MAX_ENTRIES`] entries, `ways` at least
    /// 1, `entries` a multiple of `ways` and the number of sets a power of
    /// two (0 entries is allowed: no TLB).
    pub fn validate(self) -> Result<TlbGeometry, String> {
        if self.entries > MAX_ENTRIES {
            return Err(format!("TLB of {} entries is too large: give at most {MAX_ENTRIES}", self.entries));
        }
        if self.entries == 0 {
            return Ok(self);
        }
        if self.ways == 0 || !self.entries.is_multiple_of(self.ways) {
            return Err(format!(
                "TLB of {} entries cannot have {} ways: entries must be a multiple of ways",
                self.entries, self.ways
            ));
        }
        if !(self.entries / self.ways).is_power_of_two() {
            return Err(format!(
                "TLB of {} entries and {} ways has {} sets: the number of sets must be a power of two",
                self.entries,
                self.ways,
                self.entries / self.ways
            ));
        }
        Ok(self)
    }
}

/// One cached leaf translation.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbEntry {
    /// In use.
    pub valid: bool,
    /// Page level: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB.
    pub level: u8,
    /// The PTE's flag bits 7:0 (DAGUXWRV).
    pub flags: u8,
    /// The address space (satp.ASID at fill time); ignored when G is set.
    pub asid: u16,
    /// `va >> (12 + 9·level)`: the virtual page number at this page size.
    pub tag: u64,
    /// Physical address of the page's first byte.
    pub pa_base: u64,
    /// Physical address of the leaf PTE (for traces and `--explain`).
    pub pte_addr: u64,
}

impl TlbEntry {
    /// log2 of the page size: 12 + 9·level.
    #[inline]
    pub fn shift(&self) -> u32 {
        12 + 9 * self.level as u32
    }

    /// The first virtual address of the page (sign bits as they were in the VA).
    pub fn va_base(&self) -> u64 {
        self.tag << self.shift()
    }

    /// True when the entry is global (PTE G bit).
    #[inline]
    pub fn global(&self) -> bool {
        self.flags & super::pte::G as u8 != 0
    }
}

/// What an sfence.vma (or a full flush) removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushScope {
    /// rs1 = x0, rs2 = x0: every entry.
    All,
    /// rs1 = x0, rs2 = ASID: non-global entries of that address space.
    Asid(u16),
    /// rs1 = VA, rs2 = x0: entries mapping VA, any ASID, global ones too.
    Va(u64),
    /// rs1 = VA, rs2 = ASID: non-global entries of that address space mapping VA.
    VaAsid(u64, u16),
}

/// What a flush removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Entries removed.
    pub removed: usize,
    /// Bit `L` set when an entry of page level `L` was removed.
    pub levels: u8,
}

/// Counters of a TLB's work.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbStats {
    /// Lookups (translations of paged accesses).
    pub lookups: u64,
    /// Lookups that found an entry.
    pub hits: u64,
    /// Lookups that found none (and so walked).
    pub misses: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// sfence.vma with rs1 = x0, rs2 = x0.
    pub flush_all: u64,
    /// sfence.vma with rs1 = x0, rs2 = ASID.
    pub flush_asid: u64,
    /// sfence.vma with rs1 = VA, rs2 = x0.
    pub flush_va: u64,
    /// sfence.vma with rs1 = VA, rs2 = ASID.
    pub flush_va_asid: u64,
    /// Entries removed by flushes.
    pub flushed_entries: u64,
}

/// Page levels a TLB entry can have (0 = 4 KiB up to 4 = 256 TiB, Sv57).
const LEVELS: usize = 5;

/// A set-associative TLB.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct Tlb {
    geometry: TlbGeometry,
    /// `sets · ways` entries, set after set.
    entries: Vec<TlbEntry>,
    /// Per set: the way the next eviction replaces.
    next_victim: Vec<u16>,
    /// `sets - 1`.
    set_mask: u64,
    /// Valid entries per page level: a lookup skips the levels with none.
    valid_per_level: [u32; LEVELS],
    /// Counters.
    pub stats: TlbStats,
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb::new(TlbGeometry::default())
    }
}

impl Tlb {
    /// An empty TLB of `geometry`, which must have passed [`TlbGeometry::validate`].
    pub fn new(geometry: TlbGeometry) -> Tlb {
        let sets = if geometry.entries == 0 { 0 } else { geometry.entries / geometry.ways };
        Tlb {
            geometry,
            entries: vec![TlbEntry::default(); geometry.entries],
            next_victim: vec![0; sets],
            set_mask: (sets as u64).saturating_sub(1),
            valid_per_level: [0; LEVELS],
            stats: TlbStats::default(),
        }
    }

    /// The size and associativity.
    pub fn geometry(&self) -> TlbGeometry {
        self.geometry
    }

    /// The set holding the pages of some level with virtual page number
    /// `vpn` (`va >> (12 + 9·level)`), and the index of its first way.
    #[inline]
    fn set_of(&self, vpn: u64) -> (usize, usize) {
        let set = (vpn & self.set_mask) as usize;
        (set, set * self.geometry.ways)
    }

    /// The entry mapping `va` in address space `asid`, probing page sizes up
    /// to `levels - 1` (the scheme's largest leaf), counting a lookup.
    #[inline]
    pub fn lookup(&mut self, va: u64, asid: u16, levels: u32) -> Option<TlbEntry> {
        self.stats.lookups += 1;
        let ways = self.geometry.ways;
        for level in 0..(levels as usize).min(LEVELS) {
            if self.valid_per_level[level] == 0 {
                continue;
            }
            let vpn = va >> (12 + 9 * level);
            let (_, start) = self.set_of(vpn);
            for e in &self.entries[start..start + ways] {
                if e.tag == vpn && e.valid && e.level as usize == level && (e.global() || e.asid == asid) {
                    self.stats.hits += 1;
                    return Some(*e);
                }
            }
        }
        self.stats.misses += 1;
        None
    }

    /// Insert `entry` (replacing an entry for the same page and address
    /// space, else an invalid way, else the round-robin victim). Returns the
    /// entry evicted, if a valid one was.
    #[inline]
    pub fn fill(&mut self, entry: TlbEntry) -> Option<TlbEntry> {
        if self.entries.is_empty() {
            return None;
        }
        let ways = self.geometry.ways;
        let (set, start) = self.set_of(entry.tag);
        let mut same = None;
        let mut free = None;
        for (i, e) in self.entries[start..start + ways].iter().enumerate() {
            if !e.valid {
                free = free.or(Some(i));
            } else if e.level == entry.level
                && e.tag == entry.tag
                && (e.asid == entry.asid || e.global() || entry.global())
            {
                same = Some(i);
                break;
            }
        }
        let (way, evicted) = match (same, free) {
            (Some(i), _) => (i, None),
            (None, Some(i)) => {
                self.valid_per_level[entry.level as usize] += 1;
                (i, None)
            }
            (None, None) => {
                let v = self.next_victim[set] as usize;
                self.next_victim[set] = if v + 1 == ways { 0 } else { v as u16 + 1 };
                self.stats.evictions += 1;
                let old = self.entries[start + v];
                self.valid_per_level[old.level as usize] -= 1;
                self.valid_per_level[entry.level as usize] += 1;
                (v, Some(old))
            }
        };
        self.entries[start + way] = entry;
        evicted
    }

    /// Remove the entries `scope` selects; returns how many were removed.
    /// A flush by address probes only the sets that address maps to.
    pub fn flush(&mut self, scope: FlushScope) -> usize {
        self.flush_levels(scope).removed
    }

    /// [`Tlb::flush`], also telling which page levels the removed entries had.
    pub fn flush_levels(&mut self, scope: FlushScope) -> Flushed {
        let counter = match scope {
            FlushScope::All => &mut self.stats.flush_all,
            FlushScope::Asid(_) => &mut self.stats.flush_asid,
            FlushScope::Va(_) => &mut self.stats.flush_va,
            FlushScope::VaAsid(..) => &mut self.stats.flush_va_asid,
        };
        *counter += 1;
        let mut flushed = Flushed::default();
        match scope {
            FlushScope::All => {
                for (level, n) in self.valid_per_level.iter().enumerate() {
                    if *n > 0 {
                        flushed.removed += *n as usize;
                        flushed.levels |= 1 << level;
                    }
                }
                if flushed.removed > 0 {
                    self.entries.iter_mut().for_each(|e| e.valid = false);
                    self.valid_per_level = [0; LEVELS];
                }
            }
            FlushScope::Asid(a) => {
                self.remove_where(0..self.entries.len(), &mut flushed, |e| !e.global() && e.asid == a);
            }
            FlushScope::Va(va) | FlushScope::VaAsid(va, _) => {
                let asid = match scope {
                    FlushScope::VaAsid(_, a) => Some(a),
                    _ => None,
                };
                for level in 0..LEVELS {
                    if self.valid_per_level[level] == 0 {
                        continue;
                    }
                    let vpn = va >> (12 + 9 * level);
                    let (_, start) = self.set_of(vpn);
                    self.remove_where(start..start + self.geometry.ways, &mut flushed, |e| {
                        e.level as usize == level && e.tag == vpn && asid.is_none_or(|a| !e.global() && e.asid == a)
                    });
                }
            }
        }
        self.stats.flushed_entries += flushed.removed as u64;
        flushed
    }

    /// Invalidate the valid entries of `range` that `hit` selects, adding
    /// them to `flushed`.
    fn remove_where(&mut self, range: std::ops::Range<usize>, flushed: &mut Flushed, hit: impl Fn(&TlbEntry) -> bool) {
        for e in self.entries[range].iter_mut() {
            if e.valid && hit(e) {
                e.valid = false;
                self.valid_per_level[e.level as usize] -= 1;
                flushed.removed += 1;
                flushed.levels |= 1 << e.level;
            }
        }
    }

    /// The valid entries, set after set (for `--explain` and tests).
    pub fn valid_entries(&self) -> impl Iterator<Item = &TlbEntry> {
        self.entries.iter().filter(|e| e.valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::pte;

    fn entry(va: u64, level: u8, asid: u16, global: bool) -> TlbEntry {
        let shift = 12 + 9 * level as u32;
        let flags = (pte::V | pte::R | pte::A | if global { pte::G } else { 0 }) as u8;
        TlbEntry { valid: true, level, flags, asid, tag: va >> shift, pa_base: 0x8000_0000, pte_addr: 0 }
    }

    #[test]
    fn superpage_entry_covers_the_whole_page() {
        let mut t = Tlb::default();
        t.fill(entry(0x4020_0000, 1, 1, false));
        assert!(t.lookup(0x4020_0000, 1, 3).is_some());
        assert!(t.lookup(0x403f_fff8, 1, 3).is_some());
        assert!(t.lookup(0x4040_0000, 1, 3).is_none());
        assert!(t.lookup(0x4020_0000, 2, 3).is_none()); // other ASID
        assert_eq!((t.stats.lookups, t.stats.hits, t.stats.misses), (4, 2, 2));
    }

    #[test]
    fn four_sfence_scopes() {
        let fill = |t: &mut Tlb| {
            t.fill(entry(0x1000, 0, 1, false));
            t.fill(entry(0x1000, 0, 2, false));
            t.fill(entry(0x2000, 0, 1, false));
            t.fill(entry(0x20_0000, 1, 0, true));
        };
        let mut t = Tlb::default();
        fill(&mut t);
        assert_eq!(t.flush(FlushScope::Asid(1)), 2); // global entry kept
        assert!(t.lookup(0x20_0000, 1, 3).is_some());
        assert_eq!(t.flush(FlushScope::All), 2);
        fill(&mut t);
        assert_eq!(t.flush(FlushScope::Va(0x1008)), 2); // both ASIDs
        assert_eq!(t.flush(FlushScope::Va(0x20_1000)), 1); // global superpage by an address inside it
        fill(&mut t);
        assert_eq!(t.flush(FlushScope::VaAsid(0x20_0000, 1)), 0); // global: untouched
        assert_eq!(t.flush(FlushScope::VaAsid(0x1000, 2)), 1);
        assert!(t.lookup(0x1000, 1, 3).is_some());
        assert_eq!((t.stats.flush_all, t.stats.flush_asid, t.stats.flush_va, t.stats.flush_va_asid), (1, 1, 2, 2));
    }

    #[test]
    fn round_robin_replacement_is_deterministic() {
        let mut t = Tlb::new(TlbGeometry { entries: 2, ways: 2 });
        assert_eq!(t.fill(entry(0x1000, 0, 0, false)), None);
        assert_eq!(t.fill(entry(0x2000, 0, 0, false)), None);
        assert_eq!(t.fill(entry(0x3000, 0, 0, false)).map(|e| e.tag), Some(1));
        assert_eq!(t.fill(entry(0x4000, 0, 0, false)).map(|e| e.tag), Some(2));
        assert_eq!(t.stats.evictions, 2);
        assert!(TlbGeometry { entries: 48, ways: 4 }.validate().is_err());
        assert!(TlbGeometry { entries: 6, ways: 4 }.validate().is_err());
    }
}
