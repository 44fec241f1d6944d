//! The line of the `insn` category (the format is in [`crate::trace`]),
//! made without allocating and without the formatting machinery, since it is
//! written once per retired instruction.
//!
//! The raw-bits column and the disassembly of an instruction depend only on
//! its bits, except the target of a jump or branch, which depends on the pc.
//! So they are made once per encoding with [`Parts`] and kept, ready to
//! copy, in a direct-mapped cache keyed by the raw bits (checked against
//! the bits and the decoded [`Insn`] on every hit, so a hit is always the
//! text the slow path would make). The target is appended per line; the
//! numbers are formatted by [`super::text`].

use super::text::{hex16, Line};
use super::RegWrite;
use crate::cpu::MemAccess;
use crate::hart::Priv;
use crate::isa::disasm::Parts;
use crate::isa::Insn;

/// Cached text per encoding: `(0x%08x)` or `(0x%04x)    ` then a space,
/// then the mnemonic padded to 7 columns, a space and the operands (without
/// a pc-relative target).
const TEXT_MAX: usize = 80;

/// Width of the raw-bits column plus the space after it.
const BITS_COLUMN: usize = 13;

/// Width of the disassembly column (padded when other fields follow).
const DISASM_COLUMN: usize = 32;

/// Slots of the text cache (a power of two).
const SLOTS: usize = 1024;

/// The longest `core NNN: P 0x` prefix kept ready (harts beyond 10^20 - 1
/// do not exist: a u64 has at most 20 decimal digits).
const PREFIX_MAX: usize = 40;

/// One retired instruction, as [`super::Tracer::insn`] describes it.
#[derive(Clone, Copy)]
pub struct Retired<'a> {
    /// The hart's id.
    pub hart: u64,
    /// The privilege it ran in.
    pub prv: Priv,
    /// Its address.
    pub pc: u64,
    /// Its raw bits (16 or 32 of them, as `insn.len` says).
    pub raw: u32,
    /// Its decoding: must be `decode(raw)` (the text cache is keyed by
    /// `raw` alone).
    pub insn: &'a Insn,
    /// The register it wrote, if any.
    pub write: Option<RegWrite>,
    /// Its memory access, if any.
    pub mem: Option<MemAccess>,
}

/// One encoding's text.
#[derive(Clone)]
struct Slot {
    /// The instruction the text is for (None: empty slot).
    insn: Option<Insn>,
    /// Its raw bits.
    raw: u32,
    /// Bytes used in `text`.
    len: u8,
    /// The offset of the pc-relative target to append, if any.
    target: Option<i64>,
    /// Raw-bits column and disassembly (see [`TEXT_MAX`]).
    text: [u8; TEXT_MAX],
}

const EMPTY: Slot = Slot { insn: None, raw: 0, len: 0, target: None, text: [0; TEXT_MAX] };

/// Formats `insn` lines; holds the text cache and the line prefix of the
/// last hart and privilege seen.
pub struct InsnLines {
    /// Direct-mapped by the raw bits; empty until the first line.
    slots: Vec<Slot>,
    /// `core {hart:>3}: {prv} 0x` for `prefix_of`.
    prefix: [u8; PREFIX_MAX],
    /// Bytes used in `prefix`.
    prefix_len: usize,
    /// The hart and privilege `prefix` is for.
    prefix_of: Option<(u64, Priv)>,
}

impl Default for InsnLines {
    fn default() -> Self {
        InsnLines { slots: Vec::new(), prefix: [0; PREFIX_MAX], prefix_len: 0, prefix_of: None }
    }
}

impl InsnLines {
    /// Append the line of the retired instruction `e` (with its newline)
    /// to `l`.
    #[inline(always)]
    pub fn write(&mut self, l: &mut Line, e: &Retired) {
        let Retired { hart, prv, pc, raw, insn, write, mem } = *e;
        if self.prefix_of != Some((hart, prv)) {
            self.set_prefix(hart, prv);
        }
        // Few writes of fixed-size pieces: each write checks the room left.
        l.put_first(&self.prefix, self.prefix_len);
        l.put(&then_space(hex16(pc)));
        let text_start = l.len();
        let target = match self.slot(raw, insn) {
            Some(slot) => {
                l.put_first(&slot.text, slot.len as usize);
                slot.target
            }
            None => {
                let (text, target) = text(raw, insn);
                l.put(&text);
                target
            }
        };
        if let Some(offset) = target {
            l.hex(pc.wrapping_add(offset as u64), 1);
        }
        if write.is_some() || mem.is_some() {
            let disasm_len = l.len() - text_start - BITS_COLUMN;
            l.fill(b' ', DISASM_COLUMN.saturating_sub(disasm_len));
        }
        if let Some(w) = write {
            match u8::try_from(w.file) {
                Ok(file) if file.is_ascii() && w.reg < 100 => l.put(&register_field(file, w.reg, w.value)),
                _ => {
                    l.put(b" ");
                    l.put(w.file.encode_utf8(&mut [0; 4]).as_bytes());
                    l.decimal_left(w.reg as u64, 2);
                    l.put(b" 0x");
                    l.hex16(w.value);
                }
            }
        }
        if let Some(m) = mem {
            let mut field = *b" mem 0x0123456789abcdef";
            field[7..].copy_from_slice(&hex16(m.va));
            l.put(&field);
            if let Some(v) = m.stored {
                let mask = if m.size >= 8 { u64::MAX } else { (1u64 << (8 * m.size)) - 1 };
                l.put(b" 0x");
                l.hex(v & mask, 2 * m.size as usize);
            }
        }
        l.put(b"\n");
    }

    /// Make the line prefix for `hart` in `prv`.
    #[cold]
    fn set_prefix(&mut self, hart: u64, prv: Priv) {
        let mut l = Line::new(&mut self.prefix);
        l.put(b"core ");
        l.decimal_right(hart, 3);
        l.put(b": ");
        l.put(&[b'0' + prv as u8]);
        l.put(b" 0x");
        self.prefix_len = l.len();
        self.prefix_of = Some((hart, prv));
    }

    /// The cached text of `insn` (raw bits `raw`), made on a miss; None
    /// for a text too long for a slot (none of RV64GC is, see the tests).
    #[inline]
    fn slot(&mut self, raw: u32, insn: &Insn) -> Option<&Slot> {
        if self.slots.is_empty() {
            self.slots = vec![EMPTY; SLOTS];
        }
        let i = (raw.wrapping_mul(0x9e37_79b1) >> (32 - SLOTS.trailing_zeros())) as usize & (SLOTS - 1);
        // The bits alone decide the text (decoding is a function of them);
        // `insn` is kept to tell an empty slot from the text of raw = 0.
        if self.slots[i].raw != raw || self.slots[i].insn.is_none() {
            self.slots[i] = make_slot(raw, insn)?;
        }
        let slot = &self.slots[i];
        debug_assert_eq!(slot.insn.as_ref(), Some(insn), "insn is not the decoding of {raw:#x}");
        Some(slot)
    }
}

/// `digits` and a space.
#[inline(always)]
fn then_space(digits: [u8; 16]) -> [u8; 17] {
    let mut t = [b' '; 17];
    t[..16].copy_from_slice(&digits);
    t
}

/// ` {file}{reg:<2} 0x{value:016x}` for a register number below 100 and an
/// ASCII register-file letter.
#[inline(always)]
fn register_field(file: u8, reg: u8, value: u64) -> [u8; 23] {
    let mut t = *b" x00 0x0123456789abcdef";
    t[1] = file;
    (t[2], t[3]) = if reg < 10 { (b'0' + reg, b' ') } else { (b'0' + reg / 10, b'0' + reg % 10) };
    t[7..].copy_from_slice(&hex16(value));
    t
}

/// The cache slot of `insn` with raw bits `raw`; None if its text is too long.
#[cold]
#[inline(never)]
fn make_slot(raw: u32, insn: &Insn) -> Option<Slot> {
    let (t, target) = text(raw, insn);
    let mut text = [0u8; TEXT_MAX];
    text.get_mut(..t.len())?.copy_from_slice(&t);
    Some(Slot { insn: Some(*insn), raw, len: t.len() as u8, target, text })
}

/// The raw-bits column and the disassembly of `insn` (raw bits `raw`) up
/// to its pc-relative target, and the target's offset from the pc if any.
fn text(raw: u32, insn: &Insn) -> (Vec<u8>, Option<i64>) {
    let parts = Parts::of(insn, raw, None);
    let mut buf = [0u8; 256];
    let mut l = Line::new(&mut buf);
    l.put(b"(0x");
    if insn.len == 2 {
        l.hex((raw & 0xffff) as u64, 4);
        l.put(b")    ");
    } else {
        l.hex(raw as u64, 8);
        l.put(b")");
    }
    l.put(b" ");
    debug_assert_eq!(l.len(), BITS_COLUMN);
    l.put(parts.mnemonic.as_bytes());
    if !parts.operands.is_empty() || parts.target.is_some() {
        l.fill(b' ', 7usize.saturating_sub(parts.mnemonic.len()) + 1);
        l.put(parts.operands.as_bytes());
    }
    (l.text().to_vec(), parts.target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{decode, Disasm};

    /// The insn line as the first version of the tracer made it, with
    /// `format!` per field: the reference the fast formatter must equal.
    fn reference(e: &Retired) -> String {
        use std::fmt::Write as _;
        let Retired { hart, prv, pc, raw, insn, write, mem } = *e;
        let mut l = String::new();
        let bits = if insn.len == 2 { format!("(0x{:04x})", raw & 0xffff) } else { format!("(0x{:08x})", raw) };
        let dis = Disasm { insn, raw, pc }.to_string();
        let dis = match dis.split_once('\t') {
            Some((m, ops)) => format!("{m:<7} {ops}"),
            None => dis,
        };
        let _ = write!(l, "core {hart:>3}: {} 0x{pc:016x} {bits:<12} {dis:<32}", prv as u8);
        if let Some(w) = write {
            let _ = write!(l, " {}{:<2} 0x{:016x}", w.file, w.reg, w.value);
        }
        if let Some(m) = mem {
            let _ = write!(l, " mem 0x{:016x}", m.va);
            if let Some(v) = m.stored {
                let digits = 2 * m.size as usize;
                let mask = if m.size >= 8 { u64::MAX } else { (1u64 << (8 * m.size)) - 1 };
                let _ = write!(l, " 0x{:0digits$x}", v & mask);
            }
        }
        let trimmed = l.trim_end().len();
        l.truncate(trimmed);
        l.push('\n');
        l
    }

    /// [`InsnLines::write`] appending to `out`.
    fn append(lines: &mut InsnLines, out: &mut Vec<u8>, e: &Retired) {
        let mut window = [0u8; 1024];
        let mut l = Line::new(&mut window);
        lines.write(&mut l, e);
        out.extend_from_slice(l.text());
    }

    /// xorshift64: a fixed pseudo-random sequence.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<T: Copy>(&mut self, from: &[T]) -> T {
            from[self.next() as usize % from.len()]
        }
    }

    /// Random encodings: 32-bit words with each major opcode equally
    /// likely (so every instruction class shows up), compressed halfwords,
    /// and fully random words (mostly illegal).
    fn random_raw(r: &mut Rng) -> u32 {
        let x = r.next() as u32;
        match r.next() % 4 {
            0 | 1 => (x & !0x7f) | ((r.next() as u32 & 0x1f) << 2) | 3,
            2 => {
                let half = x & 0xffff;
                if half & 3 == 3 {
                    half & !1
                } else {
                    half
                }
            }
            _ => x,
        }
    }

    /// Interesting pcs: around zero, the 32-bit boundary and the top, so
    /// targets wrap and have from 1 to 16 digits.
    fn random_pc(r: &mut Rng) -> u64 {
        let base = r.pick(&[0, 0x1000, 0x8000_0000, 0xffff_ffff, 0xffff_ffc0_0000_0000, u64::MAX - 0x800]);
        base.wrapping_add(r.next() % 0x2000) & !1
    }

    #[test]
    fn fast_lines_equal_the_reference_formatting() {
        let mut r = Rng(0x2545_f491_4f6c_dd1d);
        let mut lines = InsnLines::default();
        let mut out = Vec::new();
        let mut want = String::new();
        // A small pool of encodings reused at many pcs, so the cache is hit,
        // missed and its slots replaced, plus fresh ones.
        let pool: Vec<u32> = (0..3000).map(|_| random_raw(&mut r)).collect();
        let mut compressed = 0;
        let mut targets = 0;
        for n in 0..200_000 {
            let raw = if n % 3 == 0 { random_raw(&mut r) } else { r.pick(&pool) };
            let insn = decode(raw);
            compressed += (insn.len == 2) as u32;
            let pc = random_pc(&mut r);
            targets += Parts::of(&insn, raw, None).target.is_some() as u32;
            let hart = r.pick(&[0, 0, 0, 1, 7, 42, 999, 1000, 123_456, u64::MAX]);
            let prv = r.pick(&[Priv::M, Priv::S, Priv::U]);
            let write = match r.next() % 3 {
                0 => None,
                k => Some(RegWrite {
                    file: if k == 1 { 'x' } else { 'f' },
                    reg: (r.next() % 32) as u8,
                    value: r.next() >> (r.next() % 64),
                }),
            };
            let mem = match r.next() % 3 {
                0 => None,
                k => Some(MemAccess { va: r.next(), size: r.pick(&[1, 2, 4, 8]), stored: (k == 2).then(|| r.next()) }),
            };
            let e = Retired { hart, prv, pc, raw, insn: &insn, write, mem };
            append(&mut lines, &mut out, &e);
            want.push_str(&reference(&e));
            // Compare as it goes, so a failure names the first differing line.
            if n % 1000 == 999 {
                let got = String::from_utf8(std::mem::take(&mut out)).unwrap();
                for (g, w) in got.lines().zip(want.lines()) {
                    assert_eq!(g, w);
                }
                assert_eq!(got, want);
                want.clear();
            }
        }
        // The sample covered what it is meant to.
        assert!(compressed > 40_000 && targets > 5_000, "{compressed} compressed, {targets} with targets");
    }

    #[test]
    fn unusual_access_sizes_and_registers_equal_the_reference_formatting() {
        let insn = decode(0x00b53023); // sd a1,0(a0)
        let mut lines = InsnLines::default();
        for size in [0, 1, 3, 8, 9, 16, 255] {
            for reg in [0, 9, 10, 99, 100, 255] {
                let write = Some(RegWrite { file: 'é', reg, value: 5 });
                let mem = Some(MemAccess { va: 0x8000_1000, size, stored: Some(u64::MAX) });
                let e = Retired { hart: 3, prv: Priv::S, pc: 0x8000_0010, raw: 0x00b53023, insn: &insn, write, mem };
                let mut out = Vec::new();
                append(&mut lines, &mut out, &e);
                assert_eq!(String::from_utf8(out).unwrap(), reference(&e));
            }
        }
    }

    #[test]
    fn every_text_fits_a_slot() {
        // Every compressed halfword, and every 32-bit major opcode with every
        // funct3 and every value of bits 20..31 (all CSR numbers, all I-type
        // immediates, every funct7 with every rs2), rd and rs1 being x0/f0
        // or x26/f26 (the longest register names).
        let halves = (0..=0xffffu32).filter(|h| h & 3 != 3);
        let words = (0..32u32).flat_map(|op| {
            (0..8u32).flat_map(move |f3| {
                (0..4096u32).flat_map(move |hi| {
                    [0u32, 26].into_iter().flat_map(move |rd| {
                        [0u32, 26].map(move |rs1| hi << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op << 2 | 3)
                    })
                })
            })
        });
        for raw in halves.chain(words) {
            let (t, _) = text(raw, &decode(raw));
            assert!(t.len() <= TEXT_MAX, "{raw:#x}: {} bytes", t.len());
        }
    }
}
