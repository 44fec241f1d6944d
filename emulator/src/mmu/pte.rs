//! Page-table entries (RISC-V Privileged ISA 12.3.1, "Sv39 Page-Table Entry"
//! layout, shared by Sv48 and Sv57).

/// Valid.
pub const V: u64 = 1 << 0;
/// Readable.
pub const R: u64 = 1 << 1;
/// Writable.
pub const W: u64 = 1 << 2;
/// Executable.
pub const X: u64 = 1 << 3;
/// Accessible to U-mode.
pub const U: u64 = 1 << 4;
/// Global mapping.
pub const G: u64 = 1 << 5;
/// Accessed.
pub const A: u64 = 1 << 6;
/// Dirty.
pub const D: u64 = 1 << 7;
/// Bits 63:54: N (Svnapot), PBMT (Svpbmt) and reserved bits. None of these
/// extensions is implemented, so all must be zero.
pub const RESERVED: u64 = 0x3ff << 54;

/// A page-table entry (8 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pte(pub u64);

impl Pte {
    /// The physical page number, bits 53:10 (44 bits).
    pub fn ppn(self) -> u64 {
        (self.0 >> 10) & ((1 << 44) - 1)
    }

    /// True when any of `bits` is set.
    pub fn has(self, bits: u64) -> bool {
        self.0 & bits != 0
    }

    /// A leaf has R or X set; otherwise a valid PTE points to the next level.
    pub fn is_leaf(self) -> bool {
        self.has(R | X)
    }

    /// The spec's invalid cases of step 3: V clear, the reserved
    /// W-without-R encoding, or a reserved bit set.
    pub fn invalid_reason(self) -> Option<&'static str> {
        if !self.has(V) {
            Some("V=0: the PTE is not valid")
        } else if self.has(W) && !self.has(R) {
            Some("W=1 with R=0 is reserved")
        } else if self.has(RESERVED) {
            Some("reserved bits 63:54 set (Svnapot, Svpbmt not implemented)")
        } else {
            None
        }
    }

    /// Flags as text in a fixed layout, e.g. `DAGUXWRV` with `-` for clear bits.
    pub fn flags(self) -> String {
        "DAGUXWRV".chars().enumerate().map(|(i, c)| if self.0 >> (7 - i) & 1 != 0 { c } else { '-' }).collect()
    }
}
