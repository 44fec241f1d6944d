//! Traces: one timeline of events, filtered by category, hart, privilege,
//! ASID, virtual address and instruction count, cut from a chosen event
//! for a number of events, and written as text or JSON lines to one sink.
//!
//! # The event model
//!
//! Every event carries a [`Stamp`]: the hart, the privilege it ran in, its
//! retired-instruction count (`icount`, its instret) and satp.ASID. The
//! events of one instruction carry the stamp the instruction started with
//! (the count before it retires; a trap carries the privilege it was taken
//! from), and come before its `insn` line. Categories:
//!
//! | category  | events                                                          |
//! |-----------|-----------------------------------------------------------------|
//! | `insn`    | every retired instruction                                       |
//! | `trap`    | trap entries, mret and sret                                     |
//! | `mmu`     | page-table walks step by step, PMP refusals                     |
//! | `tlb`     | TLB misses, fills, evictions and flushes (sfence.vma)           |
//! | `tlb-hit` | TLB hits: one per translated access, so only when asked for     |
//! | `pte`     | A/D updates made by the walker (Svadu)                          |
//! | `csr`     | writes of satp, mstatus, sstatus, mtvec, stvec                  |
//!
//! `--stats` counts TLB hits (and everything else) whatever is traced.
//! Which events are written and where the cut starts: [`filter`]. The JSON
//! lines format: [`json`].
//!
//! # Text format
//!
//! Stable; one event per line, every line starts with the hart:
//!
//! ```text
//! core   0: 3 0x0000000000001000 (0x00000297) auipc   t0,0x0                   x5  0x0000000000001000
//! core   0: 3 0x0000000080000010 (0x00b53023) sd      a1,0(a0)                 mem 0x0000000080001000 0x0000000000000005
//! core   0: 3 0x0000000080000014 (0x631c)     c.ld    a5,0(a4)                 x15 0x0000000000000006 mem 0x0000000080001000
//! core   0: trap @42 U asid 0: illegal instruction (cause 2) tval 0x0000000000000000 epc 0x0000000000010074 U -> S
//! core   0: trap @57 S asid 0: sret S -> U pc 0x0000000000010078
//! ```
//!
//! Instruction lines follow Spike's commit log (`core`, hart id, privilege
//! as a number: 3 = M, 1 = S, 0 = U, pc, raw bits: 4 hex digits when
//! compressed, padded to the width of 8), then the disassembly (objdump `-M no-aliases` syntax, padded
//! to a fixed width), then the register written (`x5  value`, omitted when
//! none or x0) and the memory access (`mem address` for loads, `mem address
//! value` for stores). All other lines are `core H: CATEGORY @I P asid A: TEXT`:
//! hart, category, icount, privilege letter and ASID, then the event.
//!
//! `mmu` (one walk, Privileged ISA 12.3.2; the indented lines belong to the
//! walk above them):
//!
//! ```text
//! core   0: mmu @83 S asid 0: walk load va 0x0000000040000000 from S satp sv39 asid 0 root 0x0000000080002000: vpn[2]=0x001 vpn[1]=0x000 vpn[0]=0x000 offset=0x000
//! core   0: mmu @83 S asid 0:   L2 pte @0x0000000080002008 = 0x0000000020000c01 [-------V] ppn 0x80003 -> next level
//! core   0: mmu @83 S asid 0:   L0 pte @0x0000000080004000 = 0x0000000020001407 [-----WRV] ppn 0x80005 leaf
//! core   0: mmu @83 S asid 0:   va 0x0000000040000000 -> pa 0x0000000080005000 (4 KiB page)
//! core   0: mmu @83 S asid 0:   fault: load page fault (cause 13): A=0 (Svade: software must set A)
//! core   0: mmu @90 S asid 0: pmp denies store pa 0x0000000080004000 (va 0x0000000080004000) from S: store access fault
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
//! `tlb` (misses, fills, evictions and sfence.vma) and `tlb-hit`:
//!
//! ```text
//! core   0: tlb @100 S asid 1: miss load va 0x0000000040000000 asid 1
//! core   0: tlb @100 S asid 1: fill page va 0x0000000040000000 pa 0x0000000080004000 4 KiB asid 1 [DA---WRV]
//! core   0: tlb-hit @101 S asid 1: hit load va 0x0000000040000000 asid 1 page va 0x0000000040000000 pa 0x0000000080004000 4 KiB asid 1 [DA---WRV]
//! core   0: tlb @102 S asid 1: evict page va ... (same fields as fill)
//! core   0: tlb @135 S asid 1: flush asid 1 (global entries kept): 1 entry removed
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
//! core   0: pte @83 S asid 0: set A pte @0x0000000080004000 0x0000000020001407 -> 0x0000000020001447 [-A---WRV]
//! ```
//!
//! `csr` (writes of satp, mstatus, sstatus, mtvec, stvec; satp decoded):
//!
//! ```text
//! core   0: csr @78 M asid 0: satp 0x0000000000000000 -> 0x8000100000080001 (sv39 asid 1 root 0x0000000080001000)
//! ```
//!
//! `trap`: trap entry with the cause by name and number, tval, epc, and the
//! privilege change; `mret`/`sret` with the privilege change and the new pc.
//!
//! # Cost
//!
//! Recording costs nothing when these categories are off: the MMU records
//! events (no formatting) only while [`crate::mmu::Mmu::record`] is set,
//! and the walk is compiled twice, with and without recording.
//!
//! A category that is off costs one test of a mask ([`Tracer::on`]);
//! built without the cargo feature `trace` (on by default) that test is the
//! constant `false` and the tracing code leaves the run loop. A category
//! that is on writes its lines into one 1 MiB buffer, emptied into the sink
//! by large writes. The `insn` line, written per retired instruction, and
//! the `tlb` lines, written per translated access, are formatted by hand
//! (`text`: digits computed in registers, no allocation); the disassembly
//! and raw-bits columns of an encoding are made once and cached by its raw
//! bits (`insn`), only a branch or jump target being formatted per line.
//! The rarer lines use `write!`. A filter costs its tests per event of a
//! recorded category; a cut waiting for its start formats the events of
//! the current instruction and drops them at the next.

pub mod csr;
pub mod explain;
pub mod filter;
mod insn;
pub mod json;
pub mod kernel;
pub mod mmu;
mod text;

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::cpu::MemAccess;
use crate::hart::trap::Trap;
use crate::hart::Priv;
use crate::isa::Insn;
pub use filter::{Filter, FilterError, Stamp, Start, Subject};
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
    /// TLB misses, fills, evictions and flushes.
    Tlb = 1 << 3,
    /// PTE A/D updates made by the walker (Svadu).
    Pte = 1 << 4,
    /// Writes of satp, mstatus/sstatus, mtvec/stvec.
    Csr = 1 << 5,
    /// TLB hits (one per translated access: always counted by `--stats`,
    /// written only when asked for).
    TlbHit = 1 << 6,
    /// The guest kernel's own events, through the trace port (see [`kernel`]).
    Kernel = 1 << 7,
}

impl Category {
    /// All categories with their command-line names.
    pub const ALL: [(&'static str, Category); 8] = [
        ("insn", Category::Insn),
        ("trap", Category::Trap),
        ("mmu", Category::Mmu),
        ("tlb", Category::Tlb),
        ("tlb-hit", Category::TlbHit),
        ("pte", Category::Pte),
        ("csr", Category::Csr),
        ("kernel", Category::Kernel),
    ];

    /// The category named `name`.
    pub fn by_name(name: &str) -> Option<Category> {
        Category::ALL.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
    }

    /// The command-line name of the category.
    pub fn name(self) -> &'static str {
        Category::ALL.iter().find(|(_, c)| *c == self).map_or("?", |(n, _)| n)
    }
}

/// How events are written: the text lines documented above, or JSON lines
/// (one object per event, the schema in [`json`]'s documentation and in
/// `emulator/README.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What to trace and how: categories, format, filter and cut (see
/// [`filter`]).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Categories written.
    pub categories: Vec<Category>,
    /// Text or JSON lines.
    pub format: Format,
    /// Events that fail it are not written.
    pub filter: Filter,
    /// The cut starts at the first event matching this (None: at the start).
    pub from: Option<Start>,
    /// The cut ends after this many written events (None: never).
    pub count: Option<u64>,
    /// Write icounts relative to the cut's start (the icount of its first
    /// event, whose hart's count it is) rather than since reset, so that a
    /// change earlier in the run does not rewrite every line of a snapshot.
    pub relative_icounts: bool,
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

/// Where the cut is.
#[derive(Clone, Debug)]
enum Cut {
    /// Waiting for the event that starts it; the buffer holds the written
    /// events of instruction `pending` (hart, icount), `pending_lines` of them.
    Waiting { start: Box<Start>, pending: Option<(u64, u64)>, pending_lines: u64 },
    /// Writing; `left` events more at most.
    Open { left: u64 },
    /// Done: nothing more is written.
    Closed,
}

/// The trace sink with its category mask, filter and cut. Events of
/// categories outside the mask cost one test of [`Tracer::on`]; without the
/// cargo feature `trace` that test is the constant `false`, so the compiler
/// removes the tracing code from the run loop, and a tracer records nothing
/// whatever its categories.
///
/// Lines are gathered in a buffer of 1 MiB and written to the sink when it
/// fills, by [`Tracer::flush`] (the machine calls it when a run ends) and
/// when the tracer is dropped. The first write error of the sink is kept
/// ([`Tracer::error`]) and every later line is dropped: the machine ends the
/// run on it (a trace with a hole would mislead).
pub struct Tracer {
    /// Categories recorded: those written and the one the cut starts at.
    mask: u32,
    /// Categories written.
    written_mask: u32,
    /// `--trace-count` (u64::MAX: none).
    count: u64,
    /// [`Options::relative_icounts`].
    relative: bool,
    format: Format,
    /// None when the filter holds for everything.
    filter: Option<Box<Filter>>,
    cut: Cut,
    /// The instruction count at which the cut started (hart's icount of
    /// its first event), once it has.
    cut_start: Option<u64>,
    /// Events written so far.
    written: u64,
    buffer: Buffer,
    insn_lines: insn::InsnLines,
    /// What the kernel said about its processes (kept even when no
    /// category is traced).
    procs: kernel::Processes,
    /// Names for pcs, when given ([`Tracer::set_symbols`]).
    symbols: Option<Box<crate::symbols::Symbols>>,
}

/// Trace text on its way to the sink.
struct Buffer {
    out: Box<dyn Write>,
    /// Text not yet written to `out`: `bytes[..used]`. [`BUFFER`] bytes
    /// plus room for one longest line (empty while nothing is recorded).
    bytes: Box<[u8]>,
    /// Bytes of `bytes` in use; at most [`BUFFER`] between lines.
    used: usize,
    /// Bytes handed to `out` so far.
    drained: u64,
    /// While false the text is kept (a cut waiting for its start).
    may_drain: bool,
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
            if self.may_drain {
                self.drain();
            } else {
                // One instruction's events never fill a MiB; if they did,
                // the oldest of them are dropped rather than the sink's order broken.
                self.used = 0;
            }
        }
    }

    /// Write the buffered text to the sink.
    #[cold]
    fn drain(&mut self) {
        if self.error.is_none() {
            self.error = self.out.write_all(&self.bytes[..self.used]).err();
        }
        self.drained += self.used as u64;
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
        Tracer::with(Options::default(), Box::new(io::sink()))
    }

    /// A tracer for `categories`, writing text lines to `out`.
    pub fn new(categories: &[Category], out: Box<dyn Write>) -> Tracer {
        Tracer::with(Options { categories: categories.to_vec(), ..Options::default() }, out)
    }

    /// A tracer as `options` say, writing to `out`.
    pub fn with(options: Options, out: Box<dyn Write>) -> Tracer {
        let mut mask = options.categories.iter().fold(0, |m, &c| m | c as u32);
        if let Some(s) = &options.from {
            // The start event is looked for even if it is not written.
            mask |= s.category as u32;
        }
        let bytes = if mask == 0 { Box::default() } else { vec![0; BUFFER + LINE_MAX].into_boxed_slice() };
        let left = options.count.unwrap_or(u64::MAX);
        let cut = match options.from {
            Some(start) => Cut::Waiting { start: Box::new(start), pending: None, pending_lines: 0 },
            None if left == 0 => Cut::Closed,
            None => Cut::Open { left },
        };
        let may_drain = matches!(cut, Cut::Open { .. });
        Tracer {
            mask,
            format: options.format,
            filter: (!options.filter.is_empty()).then(|| Box::new(options.filter)),
            written_mask: options.categories.iter().fold(0, |m, &c| m | c as u32),
            count: left,
            relative: options.relative_icounts,
            cut,
            cut_start: None,
            written: 0,
            buffer: Buffer { out, bytes, used: 0, drained: 0, may_drain, error: None },
            insn_lines: insn::InsnLines::default(),
            procs: kernel::Processes::default(),
            symbols: None,
        }
    }

    /// Name pcs (trap epc, xRET targets) as `symbol+offset file:line` with
    /// these symbols.
    pub fn set_symbols(&mut self, symbols: crate::symbols::Symbols) {
        self.symbols = Some(Box::new(symbols));
    }

    /// The name of code address `pc` on hart `hart` (in the program its
    /// current process runs, else the kernel's or firmware's), if known.
    fn symbol(&mut self, hart: u64, pc: u64) -> Option<String> {
        let program = self.procs.current(hart).map(|p| p.path.as_str());
        self.symbols.as_mut()?.describe(pc, program)
    }

    /// The name of `pc`, the target of an xRET to `to`: a user pc belongs
    /// to the hart's current process.
    fn symbol_after_xret(&mut self, hart: u64, to: Priv, pc: u64) -> Option<String> {
        let program = if to == Priv::U { self.procs.current(hart).map(|p| p.path.as_str()) } else { None };
        self.symbols.as_mut()?.describe(pc, program)
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

    /// The icount (of the hart that raised it) of the first event of the
    /// cut, once the cut has started.
    pub fn cut_start(&self) -> Option<u64> {
        self.cut_start
    }

    /// Events written so far.
    pub fn events_written(&self) -> u64 {
        self.written
    }

    /// Bytes written so far (to the sink and still buffered).
    pub fn bytes_written(&self) -> u64 {
        self.buffer.drained + if self.buffer.may_drain { self.buffer.used as u64 } else { 0 }
    }

    /// Write one event of category `cat` if the filter and the cut admit
    /// it: `line` makes its text in the tracer's format.
    #[inline(always)]
    fn event(
        &mut self,
        cat: Category,
        s: &Stamp,
        subject: Subject,
        line: impl FnOnce(&mut Line, &Stamp, Format, &mut insn::InsnLines),
    ) {
        if let Some(f) = &self.filter {
            if !f.holds(s, &subject) || (f.names_process() && !f.holds_process(self.procs.current(s.hart))) {
                return;
            }
        }
        let written = self.written_mask & cat as u32 != 0;
        match &mut self.cut {
            Cut::Open { .. } => {}
            Cut::Closed => return,
            Cut::Waiting { start, pending, pending_lines } => {
                let starts = start.category == cat && start.filter.holds(s, &subject);
                if *pending != Some((s.hart, s.icount)) {
                    // A new instruction: the events of the last one are not in the cut.
                    *pending = Some((s.hart, s.icount));
                    *pending_lines = 0;
                    self.buffer.used = 0;
                }
                if !starts {
                    if written {
                        *pending_lines += 1;
                        self.write_line(s, line);
                    }
                    return;
                }
                let before = *pending_lines;
                self.cut = Cut::Open { left: self.count.saturating_sub(before) };
                self.cut_start = Some(s.icount);
                self.written += before;
                self.buffer.may_drain = true;
                if self.count <= before {
                    self.close();
                    return;
                }
            }
        }
        if !written {
            return;
        }
        if self.cut_start.is_none() {
            self.cut_start = Some(s.icount);
        }
        self.write_line(s, line);
        self.written += 1;
        if let Cut::Open { left } = &mut self.cut {
            *left -= 1;
            if *left == 0 {
                self.close();
            }
        }
    }

    #[inline(always)]
    fn write_line(&mut self, s: &Stamp, line: impl FnOnce(&mut Line, &Stamp, Format, &mut insn::InsnLines)) {
        let shown = if self.relative {
            // While waiting, the lines held are those of the instruction at s.icount.
            let base = self.cut_start.unwrap_or(s.icount);
            Stamp { icount: s.icount.wrapping_sub(base), ..*s }
        } else {
            *s
        };
        let (format, lines) = (self.format, &mut self.insn_lines);
        self.buffer.line(|l| line(l, &shown, format, lines));
    }

    /// The cut is complete: nothing more is recorded.
    #[cold]
    fn close(&mut self) {
        self.cut = Cut::Closed;
        self.mask = 0;
    }

    /// A retired instruction: hart `s.hart` in `s.prv` retired `insn` (raw
    /// bits `raw`, 16 or 32 of them as `insn.len` says; `insn` must be
    /// their decoding) at `pc`, writing `write` (if any) and accessing
    /// memory as `mem` says (if at all).
    #[inline(never)]
    pub fn insn(&mut self, s: &Stamp, pc: u64, raw: u32, insn: &Insn, write: Option<RegWrite>, mem: Option<MemAccess>) {
        let subject = Subject { va: mem.map(|m| m.va), cause: None };
        self.event(Category::Insn, s, subject, |l, s, format, lines| {
            let e = insn::Retired { hart: s.hart, prv: s.prv, pc, raw, insn, write, mem };
            match format {
                Format::Text => lines.write(l, &e),
                Format::Json => json::insn(l, s, &e),
            }
        });
    }

    /// A trap taken at `epc`, from privilege `from` (`s.prv`) to `to`.
    pub fn trap(&mut self, s: &Stamp, trap: Trap, epc: u64, to: Priv) {
        let cause = trap.cause() & !(1 << 63);
        let faults = matches!(trap, Trap::Exception(e) if explain::fault_access(e).is_some());
        let subject = Subject { va: faults.then(|| trap.tval()), cause: Some(cause) };
        let sym = self.symbol(s.hart, epc);
        self.event(Category::Trap, s, subject, |l, s, format, _| match format {
            Format::Text => {
                header(l, Category::Trap, s);
                let _ = write!(l, "{} (cause {cause}) tval 0x{:016x} epc 0x{epc:016x}", trap.name(), trap.tval());
                if let Some(sym) = &sym {
                    let _ = write!(l, " <{sym}>");
                }
                let _ = writeln!(l, " {} -> {}", s.prv.letter(), to.letter());
            }
            Format::Json => json::trap(l, s, trap, epc, to, sym.as_deref()),
        });
    }

    /// An xRET (`which` = "mret" or "sret") from `s.prv` to `to`, landing at `pc`.
    pub fn xret(&mut self, s: &Stamp, which: &str, to: Priv, pc: u64) {
        let sym = if self.symbols.is_some() { self.symbol_after_xret(s.hart, to, pc) } else { None };
        self.event(Category::Trap, s, Subject::default(), |l, s, format, _| match format {
            Format::Text => {
                header(l, Category::Trap, s);
                let _ = write!(l, "{which} {} -> {} pc 0x{pc:016x}", s.prv.letter(), to.letter());
                if let Some(sym) = &sym {
                    let _ = write!(l, " <{sym}>");
                }
                l.put(b"\n");
            }
            Format::Json => json::xret(l, s, which, to, pc, sym.as_deref()),
        });
    }

    /// The MMU events of one instruction (categories `mmu`, `tlb`,
    /// `tlb-hit`, `pte`; each written only if on). The steps of a walk
    /// take the walk's virtual address for `va` filters.
    pub fn mmu_events(&mut self, s: &Stamp, events: &[crate::mmu::MmuEvent]) {
        let mut walk_va = None;
        for e in events {
            let cat = mmu::category(e);
            let va = mmu::event_va(e);
            if va.is_some() {
                walk_va = va;
            }
            if !self.on(cat) {
                continue;
            }
            let subject = Subject { va: va.or(walk_va), cause: None };
            self.event(cat, s, subject, |l, s, format, _| match format {
                Format::Text => {
                    header(l, cat, s);
                    mmu::describe(l, e);
                    l.put(b"\n");
                }
                Format::Json => json::mmu(l, s, cat, e),
            });
        }
    }

    /// An event of the guest kernel (category `kernel`), sent by the
    /// instruction stamped `s`. Always taken into the process table.
    pub fn kernel_event(&mut self, s: &Stamp, e: &crate::devices::trace_port::KernelEvent) {
        self.procs.apply(s.hart, e);
        if !self.on(Category::Kernel) {
            return;
        }
        let subject = Subject { va: kernel::event_va(e), cause: None };
        let label = self.procs.label_of(e);
        self.event(Category::Kernel, s, subject, |l, s, format, _| match format {
            Format::Text => {
                header(l, Category::Kernel, s);
                kernel::describe(l, e, &label);
                l.put(b"\n");
            }
            Format::Json => json::kernel(l, s, e),
        });
    }

    /// What the kernel reported about its processes.
    pub fn processes(&self) -> &kernel::Processes {
        &self.procs
    }

    /// Replaces what the kernel reported about its processes (a restored
    /// checkpoint's table, [`crate::snapshot`]).
    pub fn set_processes(&mut self, procs: kernel::Processes) {
        self.procs = procs;
    }

    /// A CSR write (category `csr`): `name` went from `old` to `new`
    /// (satp values are decoded as MODE, ASID and root table address).
    pub fn csr_write(&mut self, s: &Stamp, name: &str, old: u64, new: u64) {
        self.event(Category::Csr, s, Subject::default(), |l, s, format, _| match format {
            Format::Text => {
                header(l, Category::Csr, s);
                let _ = write!(l, "{name} 0x{old:016x} -> 0x{new:016x}");
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
            }
            Format::Json => json::csr(l, s, name, old, new),
        });
    }

    /// Write out everything buffered, to the sink and through it (a cut
    /// still waiting for its start writes nothing).
    pub fn flush(&mut self) {
        if self.buffer.may_drain {
            self.buffer.drain();
        }
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

/// `core   H: CAT @I P asid A: `, the start of every text line but `insn`'s.
fn header(l: &mut Line, cat: Category, s: &Stamp) {
    l.put(b"core ");
    l.decimal_right(s.hart, 3);
    l.put(b": ");
    l.put(cat.name().as_bytes());
    l.put(b" @");
    l.decimal_right(s.icount, 0);
    l.put(b" ");
    l.put(&[s.prv.letter() as u8]);
    l.put(b" asid ");
    l.decimal_right(s.asid as u64, 0);
    l.put(b": ");
}
