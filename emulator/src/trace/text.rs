//! Number formatting by hand, straight into the trace's byte buffer: the
//! same text as `format!` gives for `{:016x}`, `{:0N$x}`, `{:x}`, `{:>N}`
//! and `{:<N}` of unsigned integers, without the formatting machinery (the
//! trace writes several such numbers per retired instruction).

use std::fmt;

/// The 16 lower-case hexadecimal digits of `v`, most significant first:
/// the text of `format!("{v:016x}")`. Computed in registers, eight digits
/// per 64-bit word (a table of digit pairs would cost fewer instructions,
/// but its eight 2-byte stores, read back as one 16-byte copy, stall the
/// copy).
#[inline(always)]
pub fn hex16(v: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&hex8((v >> 32) as u32).to_le_bytes());
    out[8..].copy_from_slice(&hex8(v as u32).to_le_bytes());
    out
}

/// The 8 hexadecimal digits of `x` as the bytes of a word, the most
/// significant digit in the lowest byte (so `to_le_bytes` gives the text).
#[inline(always)]
fn hex8(x: u32) -> u64 {
    // Byte j of x (most significant first) into 16-bit lane j...
    let x = x.swap_bytes() as u64;
    let x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    let x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    // ...its high nibble in the lane's low byte, its low nibble in the high byte.
    const LOW: u64 = 0x000f_000f_000f_000f;
    let x = ((x >> 4) & LOW) | ((x & LOW) << 8);
    ascii_digits(x)
}

/// Each byte of `x` (a value 0..=15) turned into its hexadecimal digit
/// (`0`..`9`, `a`..`f`), eight at once: bytes of 10 and more, and only
/// those, carry into bit 4 when 6 is added, and get the distance from
/// `'9' + 1` to `'a'` (0x27) more.
#[inline(always)]
fn ascii_digits(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let letters = ((x + 6 * ONES) >> 4) & ONES;
    x + u64::from(b'0') * ONES + letters * 0x27
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

/// A line of text being written into a byte slice (a window of the trace
/// buffer, or a scratch array). The window is sized for the longest line
/// its writer makes; should a field not fit, it is left out rather than
/// written past the end (the host never panics over a trace line).
pub struct Line<'a> {
    buf: &'a mut [u8],
    len: usize,
}

/// `write!` into a line (for text not worth formatting by hand).
impl fmt::Write for Line<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

impl<'a> Line<'a> {
    /// An empty line written into `buf`.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> Line<'a> {
        Line { buf, len: 0 }
    }

    /// Bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The text written so far.
    pub fn text(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Append `bytes`.
    #[inline(always)]
    pub fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    /// Append the first `used` bytes of `bytes`, by copying all of it (a
    /// copy of fixed size, without a loop) and keeping `used`.
    #[inline(always)]
    pub fn put_first<const N: usize>(&mut self, bytes: &[u8; N], used: usize) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + N) {
            dst.copy_from_slice(bytes);
            self.len += used.min(N);
        } else {
            self.put(&bytes[..used.min(N)]);
        }
    }

    /// Append `n` copies of `byte`.
    #[inline]
    pub fn fill(&mut self, byte: u8, n: usize) {
        // Short runs (padding to a column) as one fixed-size copy.
        const SHORT: usize = 32;
        if n <= SHORT {
            self.put_first(&[byte; SHORT], n);
        } else if let Some(dst) = self.buf.get_mut(self.len..self.len + n) {
            dst.fill(byte);
            self.len += n;
        }
    }

    /// Append `v` as 16 hexadecimal digits (`{v:016x}`).
    #[inline(always)]
    pub fn hex16(&mut self, v: u64) {
        self.put(&hex16(v));
    }

    /// Append `v` in hexadecimal with at least `min` digits (zeros in
    /// front), and at least one: the text of `format!("{v:0min$x}")`.
    #[inline(always)]
    pub fn hex(&mut self, v: u64, min: usize) {
        let significant = (64 - v.leading_zeros() as usize).div_ceil(4).max(1);
        let n = significant.max(min);
        if n > 16 {
            self.fill(b'0', n - 16);
        }
        // The digits wanted first: shift out the leading zeros not wanted.
        let n = n.min(16);
        self.put_first(&hex16(v << (4 * (16 - n))), n);
    }

    /// Append `v` in decimal, right-aligned in `width` columns (spaces in
    /// front): the text of `format!("{v:>width$}")`.
    pub fn decimal_right(&mut self, v: u64, width: usize) {
        let (d, i) = decimal(v);
        self.fill(b' ', width.saturating_sub(d.len() - i));
        self.put(&d[i..]);
    }

    /// Append `v` in decimal, left-aligned in `width` columns (spaces
    /// after): the text of `format!("{v:<width$}")`.
    #[inline]
    pub fn decimal_left(&mut self, v: u64, width: usize) {
        if v < 100 && width == 2 {
            // A register number: the common case, without the division loop.
            let (tens, ones) = ((v / 10) as u8, (v % 10) as u8);
            self.put(&if tens == 0 { [b'0' + ones, b' '] } else { [b'0' + tens, b'0' + ones] });
            return;
        }
        let (d, i) = decimal(v);
        self.put(&d[i..]);
        self.fill(b' ', width.saturating_sub(d.len() - i));
    }
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

    fn formatted(f: impl FnOnce(&mut Line)) -> String {
        let mut buf = [0u8; 64];
        let mut l = Line::new(&mut buf);
        l.put(b"..");
        f(&mut l);
        String::from_utf8(l.text().to_vec()).unwrap()
    }

    #[test]
    fn hex_matches_format() {
        for v in samples() {
            assert_eq!(hex16(v), *format!("{v:016x}").as_bytes(), "{v:#x}");
            for min in [0, 1, 2, 4, 8, 16, 17, 20] {
                assert_eq!(formatted(|l| l.hex(v, min)), format!("..{v:0min$x}"), "{v:#x} min {min}");
            }
        }
    }

    #[test]
    fn decimal_matches_format() {
        for v in samples() {
            for width in [0, 2, 3, 25] {
                assert_eq!(formatted(|l| l.decimal_right(v, width)), format!("..{v:>width$}"));
                assert_eq!(formatted(|l| l.decimal_left(v, width)), format!("..{v:<width$}"));
            }
        }
    }

    #[test]
    fn fields_that_do_not_fit_are_left_out() {
        let mut buf = [0u8; 20];
        let mut l = Line::new(&mut buf);
        l.hex16(0x1234);
        l.hex16(0x5678);
        l.put_first(&[b'x'; 8], 2);
        l.put_first(&[b'y'; 8], 2);
        l.fill(b' ', 3);
        assert_eq!(l.text(), b"0000000000001234xxyy");
    }
}
