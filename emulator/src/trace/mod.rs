//! Traces: one line per architectural event, filtered by category, written
//! to one sink.
//!
//! Text format (stable; one event per line, every line starts with the hart):
//!
//! ```text
//! core   0: 3 0x0000000000001000 (0x00000297) auipc   t0,0x0                   x5  0x0000000000001000
//! core   0: 3 0x0000000080000010 (0x00b53023) sd      a1,0(a0)                 mem 0x0000000080001000 0x0000000000000005
//! core   0: 3 0x0000000080000014 (0x631c)     c.ld    a5,0(a4)                 x15 0x0000000000000006 mem 0x0000000080001000
//! core   0: trap @42 illegal instruction (cause 2) tval 0x0000000000000000 epc 0x0000000000010074 U -> S
//! core   0: sret @57 S -> U pc 0x0000000000010078
//! ```
//!
//! Instruction lines follow Spike's commit log (`core`, hart id, privilege
//! as a number: 3 = M, 1 = S, 0 = U, pc, raw bits: 4 hex digits when
//! compressed, padded to the width of 8), then the disassembly (objdump `-M no-aliases` syntax, padded
//! to a fixed width), then the register written (`x5  value`, omitted when
//! none or x0) and the memory access (`mem address` for loads, `mem address
//! value` for stores). All other lines are `core N: CATEGORY @I TEXT`, where
//! `@I` is the number of instructions the hart had retired when the event
//! happened (events of an instruction come before its `insn` line).
//!
//! `mmu` (one walk, Privileged ISA 12.3.2; the indented lines belong to the
//! walk above them):
//!
//! ```text
//! core   0: mmu @83 walk load va 0x0000000040000000 from S satp sv39 asid 0 root 0x0000000080002000: vpn[2]=0x001 vpn[1]=0x000 vpn[0]=0x000 offset=0x000
//! core   0: mmu @83   L2 pte @0x0000000080002008 = 0x0000000020000c01 [-------V] ppn 0x80003 -> next level
//! core   0: mmu @83   L0 pte @0x0000000080004000 = 0x0000000020001407 [-----WRV] ppn 0x80005 leaf
//! core   0: mmu @83   va 0x0000000040000000 -> pa 0x0000000080005000 (4 KiB page)
//! core   0: mmu @83   fault: load page fault (cause 13): A=0 (Svade: software must set A)
//! core   0: mmu @90 pmp denies store pa 0x0000000080004000 (va 0x0000000080004000) from S: store access fault
//! ```
//!
//! `walk` gives the access, the effective privilege (MPRV applied), satp
//! decoded and the VA split into `VPN[i]` and offset. Each `Ln pte` line gives
//! the level, the PTE's physical address, its raw value, its flags
//! (`DAGUXWRV`, `-` for a clear bit) and PPN, and whether it points to the
//! next level or is a leaf. The walk ends with `va -> pa` and the page size,
//! or `fault:` with the exception and the rule broken (the texts of
//! [`crate::mmu::rule`], e.g. "W=1 with R=0 is reserved", "U=0 page
//! accessed from U-mode", "misaligned superpage: ...", "non-canonical
//! address: ..."). A PTE that cannot be read is `Ln pte @addr cannot be read`.
//!
//! `tlb` (hits, misses, fills, evictions and sfence.vma):
//!
//! ```text
//! core   0: tlb @100 miss load va 0x0000000040000000 asid 1
//! core   0: tlb @100 fill page va 0x0000000040000000 pa 0x0000000080004000 4 KiB asid 1 [DA---WRV]
//! core   0: tlb @101 hit load va 0x0000000040000000 asid 1 page va 0x0000000040000000 pa 0x0000000080004000 4 KiB asid 1 [DA---WRV]
//! core   0: tlb @102 evict page va ... (same fields as fill)
//! core   0: tlb @135 flush asid 1 (global entries kept): 1 entry removed
//! ```
//!
//! A hit the cached PTE cannot serve (permissions, or D = 0 for a store)
//! ends with `not usable for this access: walking`. Flush scopes:
//! `flush all`, `flush asid N (global entries kept)`, `flush va V all
//! asids`, `flush va V asid N (global entries kept)`.
//!
//! `pte` (A/D set by the walker under `--ad-update hw`):
//!
//! ```text
//! core   0: pte @83 set A pte @0x0000000080004000 0x0000000020001407 -> 0x0000000020001447 [-A---WRV]
//! ```
//!
//! `csr` (writes of satp, mstatus, sstatus, mtvec, stvec; satp decoded):
//!
//! ```text
//! core   0: csr @79 satp 0x0000000000000000 -> 0x8000100000080001 (sv39 asid 1 root 0x0000000080001000)
//! ```
//!
//! `trap`: trap entry with the cause by name and number, tval, epc, and the
//! privilege change; xRET with the privilege change and the new pc.
//!
//! Recording costs nothing when these categories are off: the MMU records
//! events (no formatting) only while [`crate::mmu::Mmu::record`] is set,
//! and the walk is compiled twice, with and without recording.
//!
//! Cost: a category that is off costs one test of a mask ([`Tracer::on`]);
//! built without the cargo feature `trace` (on by default) that test is the
//! constant `false` and the tracing code leaves the run loop. A category
//! that is on writes its lines into one 1 MiB buffer, emptied into the sink
//! by large writes. The `insn` line, written per retired instruction, and
//! the `tlb` lines, written per translated access, are formatted by hand
//! (`text`: digits computed in registers, no allocation); the disassembly
//! and raw-bits columns of an encoding are made once and cached by its raw
//! bits (`insn`), only a branch or jump target being formatted per line.
//! The rarer lines use `write!`.

pub mod csr;
pub mod explain;
mod insn;
pub mod mmu;
mod text;

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::cpu::MemAccess;
use crate::hart::trap::Trap;
use crate::hart::Priv;
use crate::isa::Insn;
use text::Line;

/// Trace categories, as bits of a mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Every retired instruction.
    Insn = 1 << 0,
    /// Trap entries and xRETs.
    Trap = 1 << 1,
    /// Page-table walks, step by step, with the PA or the fault and its rule.
    Mmu = 1 << 2,
    /// TLB hits, misses, fills, evictions and flushes.
    Tlb = 1 << 3,
    /// PTE A/D updates made by the walker (Svadu).
    Pte = 1 << 4,
    /// Writes of satp, mstatus/sstatus, mtvec/stvec.
    Csr = 1 << 5,
}

impl Category {
    /// All categories with their command-line names.
    pub const ALL: [(&'static str, Category); 6] = [
        ("insn", Category::Insn),
        ("trap", Category::Trap),
        ("mmu", Category::Mmu),
        ("tlb", Category::Tlb),
        ("pte", Category::Pte),
        ("csr", Category::Csr),
    ];

    /// The category named `name`.
    pub fn by_name(name: &str) -> Option<Category> {
        Category::ALL.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
    }
}

/// A register written by an instruction: integer (`x`) or floating (`f`).
#[derive(Clone, Copy, Debug)]
pub struct RegWrite {
    /// `'x'` or `'f'`.
    pub file: char,
    /// Register number.
    pub reg: u8,
    /// New value.
    pub value: u64,
}

/// Bytes of trace text gathered before they are written to the sink.
const BUFFER: usize = 1 << 20;

/// Room for the longest line of any category: the `insn` line with a
/// store of up to 255 bytes (510 digits) is the longest.
const LINE_MAX: usize = 1024;

/// The trace sink with its category mask. Events of categories outside the
/// mask cost one test of [`Tracer::on`]; without the cargo feature `trace`
/// that test is the constant `false`, so the compiler removes the tracing
/// code from the run loop, and a tracer records nothing whatever its
/// categories.
///
/// Lines are gathered in a buffer of 1 MiB and written to the sink when it
/// fills, by [`Tracer::flush`] (the machine calls it when a run ends) and
/// when the tracer is dropped. The first write error of the sink is kept
/// ([`Tracer::error`]) and every later line is dropped: the machine ends the
/// run on it (a trace with a hole would mislead).
pub struct Tracer {
    mask: u32,
    buffer: Buffer,
    insn_lines: insn::InsnLines,
}

/// Trace text on its way to the sink.
struct Buffer {
    out: Box<dyn Write>,
    /// Text not yet written to `out`: `bytes[..used]`. [`BUFFER`] bytes
    /// plus room for one longest line (empty while nothing is recorded).
    bytes: Box<[u8]>,
    /// Bytes of `bytes` in use; at most [`BUFFER`] between lines.
    used: usize,
    /// The first write error of `out`, after which nothing more is written.
    error: Option<io::Error>,
}

impl Buffer {
    /// Append one line, which `write` makes in a window of [`LINE_MAX`]
    /// bytes (fields that would not fit are left out).
    #[inline(always)]
    fn line(&mut self, write: impl FnOnce(&mut Line)) {
        // `used` is at most BUFFER here, so the window exists unless the
        // tracer records nothing (no buffer).
        let Some(window) = self.bytes.get_mut(self.used..).and_then(|b| b.first_chunk_mut::<LINE_MAX>()) else {
            return;
        };
        let mut l = Line::new(window);
        write(&mut l);
        self.used += l.len();
        if self.used > BUFFER {
            self.drain();
        }
    }

    /// Write the buffered text to the sink.
    #[cold]
    fn drain(&mut self) {
        if self.error.is_none() {
            self.error = self.out.write_all(&self.bytes[..self.used]).err();
        }
        self.used = 0;
    }
}

impl Default for Tracer {
    fn default() -> Self {
        Tracer::off()
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Tracer {
    /// A tracer that records nothing.
    pub fn off() -> Tracer {
        Tracer::with_mask(0, Box::new(io::sink()))
    }

    /// A tracer for `categories`, writing text lines to `out`.
    pub fn new(categories: &[Category], out: Box<dyn Write>) -> Tracer {
        let mask = categories.iter().fold(0, |m, &c| m | c as u32);
        Tracer::with_mask(mask, out)
    }

    fn with_mask(mask: u32, out: Box<dyn Write>) -> Tracer {
        let bytes = if mask == 0 { Box::default() } else { vec![0; BUFFER + LINE_MAX].into_boxed_slice() };
        Tracer { mask, buffer: Buffer { out, bytes, used: 0, error: None }, insn_lines: insn::InsnLines::default() }
    }

    /// True when category `c` is recorded (always false without the cargo
    /// feature `trace`).
    #[inline(always)]
    pub fn on(&self, c: Category) -> bool {
        cfg!(feature = "trace") && self.mask & c as u32 != 0
    }

    /// True when any category is recorded (always false without the cargo
    /// feature `trace`): one test that can guard all of a step's tracing.
    #[inline(always)]
    pub fn any_on(&self) -> bool {
        cfg!(feature = "trace") && self.mask != 0
    }

    /// A retired instruction: hart `hart` in `prv` retired `insn` (raw bits
    /// `raw`, 16 or 32 of them as `insn.len` says; `insn` must be their
    /// decoding) at `pc`, writing `write` (if any) and accessing memory as
    /// `mem` says (if at all).
    #[allow(clippy::too_many_arguments)] // the fields of the event; the run loop calls it with them
    #[inline(never)]
    pub fn insn(
        &mut self,
        hart: u64,
        prv: Priv,
        pc: u64,
        raw: u32,
        insn: &Insn,
        write: Option<RegWrite>,
        mem: Option<MemAccess>,
    ) {
        let lines = &mut self.insn_lines;
        let e = insn::Retired { hart, prv, pc, raw, insn, write, mem };
        self.buffer.line(|l| lines.write(l, &e));
    }

    /// A trap taken at `epc`, from privilege `from` to `to`.
    pub fn trap(&mut self, hart: u64, instret: u64, trap: Trap, epc: u64, from: Priv, to: Priv) {
        self.buffer.line(|l| {
            let _ = writeln!(
                l,
                "core {hart:>3}: trap @{instret} {} (cause {}) tval 0x{:016x} epc 0x{epc:016x} {} -> {}",
                trap.name(),
                trap.cause() & !(1 << 63),
                trap.tval(),
                from.letter(),
                to.letter()
            );
        });
    }

    /// An xRET (`which` = "mret" or "sret") from `from` to `to`, landing at `pc`.
    pub fn xret(&mut self, hart: u64, instret: u64, which: &str, from: Priv, to: Priv, pc: u64) {
        self.buffer.line(|l| {
            let _ =
                writeln!(l, "core {hart:>3}: {which} @{instret} {} -> {} pc 0x{pc:016x}", from.letter(), to.letter());
        });
    }

    /// An MMU event (category `mmu`, `tlb` or `pte`, written only if on).
    pub fn mmu_event(&mut self, hart: u64, instret: u64, e: &crate::mmu::MmuEvent) {
        let cat = mmu::category(e);
        if !self.on(cat) {
            return;
        }
        let name = Category::ALL.iter().find(|(_, c)| *c == cat).map_or("?", |(n, _)| n);
        self.buffer.line(|l| {
            l.put(b"core ");
            l.decimal_right(hart, 3);
            l.put(b": ");
            l.put(name.as_bytes());
            l.put(b" @");
            l.decimal_right(instret, 0);
            l.put(b" ");
            mmu::describe(l, e);
            l.put(b"\n");
        });
    }

    /// A CSR write (category `csr`): `name` went from `old` to `new`
    /// (satp values are decoded as MODE, ASID and root table address).
    pub fn csr_write(&mut self, hart: u64, instret: u64, name: &str, old: u64, new: u64) {
        self.buffer.line(|l| {
            let _ = write!(l, "core {hart:>3}: csr @{instret} {name} 0x{old:016x} -> 0x{new:016x}");
            if name == "satp" {
                let _ = write!(
                    l,
                    " ({} asid {} root 0x{:016x})",
                    mmu::scheme(new),
                    (new >> 44) as u16,
                    (new & ((1 << 44) - 1)) << 12
                );
            }
            l.put(b"\n");
        });
    }

    /// Write out everything buffered, to the sink and through it.
    pub fn flush(&mut self) {
        self.buffer.drain();
        if self.buffer.error.is_none() {
            self.buffer.error = self.buffer.out.flush().err();
        }
    }

    /// The first error writing to the sink (the trace is incomplete from
    /// there on), if any.
    pub fn error(&self) -> Option<&io::Error> {
        self.buffer.error.as_ref()
    }
}
