//! A memo of [`decode`]: decoded instructions looked up by their raw bits.
//!
//! Decoding is a pure function of the instruction's bits (16 of them for a
//! compressed instruction, 32 otherwise), so a cache keyed by the bits
//! themselves is exact without any invalidation: self-modifying code, DMA
//! into code pages and fence.i need no action, because the fetch always
//! reads the bits from memory and a changed word simply misses (or hits the
//! entry of its new bits). What the cache saves is the decoder's work (the
//! field extraction and, for RVC, the expansion), which profiling showed to
//! be about a fifth of the host instructions per guest instruction.
//!
//! Organisation: direct mapped, [`SLOTS`] slots, indexed by a multiplicative
//! hash of the bits. Every slot always holds a true (bits, decode(bits))
//! pair: the cache starts filled with the decode of 0 (the all-zero word,
//! an illegal instruction), so no validity flag is needed.

use super::decode::{decode, Insn};

/// Number of slots (a power of two). Loops of hot code have far fewer
/// distinct instruction words than this.
pub const SLOTS: usize = 4096;

/// Direct-mapped memo of decoded instructions, keyed by raw bits.
pub struct DecodeCache {
    slots: Box<[(u32, Insn); SLOTS]>,
}

impl Default for DecodeCache {
    fn default() -> Self {
        DecodeCache::new()
    }
}

impl DecodeCache {
    /// A cache of [`SLOTS`] slots, each holding the decode of the word 0.
    pub fn new() -> DecodeCache {
        DecodeCache { slots: Box::new([(0, decode(0)); SLOTS]) }
    }

    /// `decode(bits)`, from the cache when these bits were decoded recently.
    #[inline]
    pub fn decode(&mut self, bits: u32) -> Insn {
        let i = (bits.wrapping_mul(0x9e37_79b1) >> (32 - SLOTS.trailing_zeros())) as usize;
        let slot = &mut self.slots[i & (SLOTS - 1)];
        if slot.0 != bits {
            *slot = (bits, decode(bits));
        }
        slot.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_decode_equals_decode_even_when_slots_collide() {
        let mut c = DecodeCache::new();
        // A spread of 32-bit and 16-bit words, each decoded twice (the second
        // time from the cache unless a colliding word evicted it).
        let words: Vec<u32> = (0..20_000u32).map(|k| k.wrapping_mul(0x0101_0203) ^ (k << 7)).collect();
        for _ in 0..2 {
            for &w in &words {
                let bits = if w & 3 == 3 { w } else { w & 0xffff };
                assert_eq!(c.decode(bits), decode(bits), "bits {bits:#x}");
            }
        }
        assert_eq!(c.decode(0), decode(0));
    }
}
