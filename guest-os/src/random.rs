//! The kernel's random numbers (AT_RANDOM, getrandom(2), /dev/urandom):
//! xoshiro256** (Blackman and Vigna) seeded at boot from the device tree's
//! `/chosen/rng-seed` (QEMU passes 32 random bytes there) mixed with the
//! `time` CSR. Not a cryptographic generator. On svemu, which gives no
//! rng-seed and whose time is deterministic, the sequence is the same on
//! every run, so runs stay reproducible.

use crate::sync::Global;

static STATE: Global<[u64; 4]> = Global::new([0x9e37_79b9_7f4a_7c15, 0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb, 1]);

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Seeds the generator from `seed` bytes (any length) and `time`.
pub fn init(seed: &[u8], time: u64) {
    let mut x = time;
    for chunk in seed.chunks(8) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        x ^= u64::from_le_bytes(b);
        splitmix(&mut x);
    }
    let s = STATE.get();
    for w in s.iter_mut() {
        *w = splitmix(&mut x);
    }
}

/// The next 64 random bits.
pub fn next_u64() -> u64 {
    let s = STATE.get();
    let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    result
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let r = next_u64().to_le_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
}
