//! Number formatting by hand, straight into the trace's byte buffer: the
//! same text as `format!` gives for `{:016x}`, `{:0N$x}`, `{:x}`, `{:>N}`
//! and `{:<N}` of unsigned integers, without the formatting machinery (the
//! trace writes several such numbers per retired instruction).

/// The 16 lower-case hexadecimal digits of `v`, most significant first:
/// the text of `format!("{v:016x}")`.
#[inline]
pub fn hex16(v: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&ascii_digits(nibbles_to_bytes(v >> 32)).to_be_bytes());
    out[8..].copy_from_slice(&ascii_digits(nibbles_to_bytes(v & 0xffff_ffff)).to_be_bytes());
    out
}

/// The 8 nibbles of `x` (below 2^32), nibble k moved to byte k.
#[inline]
fn nibbles_to_bytes(x: u64) -> u64 {
    let x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    let x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f
}

/// Each byte of `x` (a value 0..=15) turned into its hexadecimal digit
/// (`0`..`9`, `a`..`f`), eight at once: bytes of 10 and more, and only
/// those, carry into bit 4 when 6 is added, and get the distance from
/// `'9' + 1` to `'a'` (0x27) more.
#[inline]
fn ascii_digits(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let letters = ((x + 6 * ONES) >> 4) & ONES;
    x + u64::from(b'0') * ONES + letters * 0x27
}

/// Append `v` in hexadecimal with at least `min` digits (zeros in front),
/// and at least one: the text of `format!("{v:0min$x}")`.
#[inline]
pub fn push_hex(out: &mut Vec<u8>, v: u64, min: usize) {
    let significant = (64 - v.leading_zeros() as usize).div_ceil(4).max(1);
    let n = significant.max(min);
    if n > 16 {
        out.resize(out.len() + n - 16, b'0');
    }
    out.extend_from_slice(&hex16(v)[16 - n.min(16)..]);
}

/// The decimal digits of `v`: a buffer and the index of its first digit.
#[inline]
fn decimal(mut v: u64) -> ([u8; 20], usize) {
    let mut d = [0u8; 20];
    let mut i = d.len();
    loop {
        i -= 1;
        d[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return (d, i);
        }
    }
}

/// Append `v` in decimal, right-aligned in `width` columns (spaces in
/// front): the text of `format!("{v:>width$}")`.
#[inline]
pub fn push_decimal_right(out: &mut Vec<u8>, v: u64, width: usize) {
    let (d, i) = decimal(v);
    let digits = &d[i..];
    out.resize(out.len() + width.saturating_sub(digits.len()), b' ');
    out.extend_from_slice(digits);
}

/// Append `v` in decimal, left-aligned in `width` columns (spaces after):
/// the text of `format!("{v:<width$}")`.
#[inline]
pub fn push_decimal_left(out: &mut Vec<u8>, v: u64, width: usize) {
    let (d, i) = decimal(v);
    let digits = &d[i..];
    out.extend_from_slice(digits);
    out.resize(out.len() + width.saturating_sub(digits.len()), b' ');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values around every digit boundary plus a pseudo-random spread.
    fn samples() -> Vec<u64> {
        let mut v = vec![0, 1, 9, 10, 15, 16, 99, 100, 255, 256, 999, 1000, u64::MAX, u64::MAX - 1];
        for s in 0..64 {
            v.extend([1u64 << s, (1u64 << s) - 1, (1u64 << s) + 1]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.push(x >> (x % 64));
        }
        v
    }

    #[test]
    fn hex_matches_format() {
        for v in samples() {
            assert_eq!(hex16(v), *format!("{v:016x}").as_bytes(), "{v:#x}");
            for min in [0, 1, 2, 4, 8, 16, 17, 20] {
                let mut out = b"..".to_vec();
                push_hex(&mut out, v, min);
                assert_eq!(String::from_utf8(out).unwrap(), format!("..{v:0min$x}"), "{v:#x} min {min}");
            }
        }
    }

    #[test]
    fn decimal_matches_format() {
        for v in samples() {
            for width in [0, 2, 3, 25] {
                let mut right = Vec::new();
                push_decimal_right(&mut right, v, width);
                assert_eq!(String::from_utf8(right).unwrap(), format!("{v:>width$}"));
                let mut left = Vec::new();
                push_decimal_left(&mut left, v, width);
                assert_eq!(String::from_utf8(left).unwrap(), format!("{v:<width$}"));
            }
        }
    }
}
