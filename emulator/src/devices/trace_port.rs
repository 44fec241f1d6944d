//! The paravirtual trace port: how a guest kernel puts its own events
//! (page faults and how they were resolved, frames, swap, processes) into
//! svemu's trace. svemu's own device; QEMU has none.
//!
//! Device tree: `trace@110000 { compatible = "svemu,trace"; reg = <0x0
//! 0x110000 0x0 0x1000>; }` under `/soc`.
//!
//! Registers (64-bit, little-endian):
//!
//! | offset | access | meaning                                                         |
//! |--------|--------|-----------------------------------------------------------------|
//! | 0x0    | write  | the physical address of a record: the device reads it now       |
//! | 0x8    | read   | magic `0x5356_5452` ("SVTR") and version 1 in bits 63:32        |
//!
//! A record, in RAM (little-endian): `code: u64`, `args: [u64; 6]`,
//! `text_len: u64`, `text: [u8; 64]` (UTF-8, `text_len` bytes of it used).
//! Codes and their arguments (unused arguments are 0):
//!
//! | code | event         | args                                   | text      |
//! |------|---------------|----------------------------------------|-----------|
//! | 1    | `fault`       | va, scause, how (below), pid, rss      |           |
//! | 2    | `frame-alloc` | pa                                     |           |
//! | 3    | `frame-free`  | pa                                     |           |
//! | 4    | `victim`      | asid, va, pa, reason (1: A clear on the clock's sweep) | |
//! | 5    | `swap-out`    | asid, va, slot                         |           |
//! | 6    | `swap-in`     | asid, va, slot                         |           |
//! | 7    | `shootdown`   | hart mask                              |           |
//! | 8    | `oom-kill`    | pid, va                                |           |
//! | 9    | `proc-create` | pid, ppid                              | name      |
//! | 10   | `proc-exec`   | pid                                    | ELF path  |
//! | 11   | `proc-switch` | pid, asid                              |           |
//! | 12   | `proc-exit`   | pid, status                            |           |
//! | 13   | `rss`         | pid, rss                               |           |
//!
//! `rss` is the process's resident pages (frames mapped in its address
//! space, page tables not counted) after the fault; the `rss` event
//! reports a change made by reclaim rather than by its own fault.
//! `how` of a fault: 1 zero-fill, 2 file-read, 3 swap-in, 4 cow-copy,
//! 5 stack-growth, 6 sigsegv, 7 remap (resident frame mapped again),
//! 8 spurious (stale TLB entry), 9 oom, 10 ad-update (the kernel set A/D
//! in the PTE, under Svade). A record that cannot be read, or
//! an unknown code, is dropped (with one warning): a guest never stops
//! svemu. The machine takes the events with [`TracePort::take`] after the
//! store that sent them, and stamps them with that hart's state.

use crate::devices::ram::Ram;

/// Size of a record in bytes.
pub const RECORD_BYTES: u64 = 8 + 6 * 8 + 8 + TEXT_MAX;
/// Bytes of text a record can carry.
pub const TEXT_MAX: u64 = 64;
/// The value register 0x8 reads.
pub const MAGIC: u64 = 0x5356_5452 | (1 << 32);

/// A kernel event as the guest sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelEvent {
    /// What happened.
    pub kind: Kind,
    /// The arguments (their meaning depends on `kind`; see the module table).
    pub args: [u64; 6],
    /// The text (process name or ELF path), empty if none.
    pub text: String,
}

/// The kinds of kernel events (the record's code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A page fault and how it was resolved.
    Fault,
    /// A frame allocated.
    FrameAlloc,
    /// A frame freed.
    FrameFree,
    /// A page chosen for eviction.
    Victim,
    /// A page written to a swap slot.
    SwapOut,
    /// A page read back from a swap slot.
    SwapIn,
    /// A TLB shootdown sent to other harts.
    Shootdown,
    /// A process killed for lack of memory.
    OomKill,
    /// A process created.
    ProcCreate,
    /// A process runs a new ELF.
    ProcExec,
    /// A hart switches to a process.
    ProcSwitch,
    /// A process exited.
    ProcExit,
    /// A process's resident pages, changed by reclaim.
    Rss,
}

impl Kind {
    /// The kind of record code `code`.
    pub fn of_code(code: u64) -> Option<Kind> {
        use Kind::*;
        [
            Fault, FrameAlloc, FrameFree, Victim, SwapOut, SwapIn, Shootdown, OomKill, ProcCreate, ProcExec,
            ProcSwitch, ProcExit, Rss,
        ]
        .get((code as usize).wrapping_sub(1))
        .copied()
    }

    /// Its name in traces.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fault => "fault",
            Kind::FrameAlloc => "frame-alloc",
            Kind::FrameFree => "frame-free",
            Kind::Victim => "victim",
            Kind::SwapOut => "swap-out",
            Kind::SwapIn => "swap-in",
            Kind::Shootdown => "shootdown",
            Kind::OomKill => "oom-kill",
            Kind::ProcCreate => "proc-create",
            Kind::ProcExec => "proc-exec",
            Kind::ProcSwitch => "proc-switch",
            Kind::ProcExit => "proc-exit",
            Kind::Rss => "rss",
        }
    }
}

/// The name of a fault resolution (`how`, arg 2 of a fault).
pub fn resolution(how: u64) -> &'static str {
    match how {
        1 => "zero-fill",
        2 => "file-read",
        3 => "swap-in",
        4 => "cow-copy",
        5 => "stack-growth",
        6 => "sigsegv",
        7 => "remap",
        8 => "spurious",
        9 => "oom",
        10 => "ad-update",
        _ => "unknown",
    }
}

/// The device: events received and not yet taken by the machine.
#[derive(Debug, Default)]
pub struct TracePort {
    pending: Vec<KernelEvent>,
    warned: bool,
}

impl TracePort {
    /// Register read at `offset`.
    pub fn read(&self, offset: u64) -> u64 {
        if offset == 8 {
            MAGIC
        } else {
            0
        }
    }

    /// Register write: at offset 0 the record at physical address `val`
    /// is read from `ram`.
    pub fn write(&mut self, offset: u64, val: u64, ram: &Ram) {
        if offset != 0 {
            return;
        }
        let Some(bytes) = ram.slice(val, RECORD_BYTES) else {
            self.warn(format_args!("record at {val:#x} is not in RAM"));
            return;
        };
        let word = |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap_or_default());
        let Some(kind) = Kind::of_code(word(0)) else {
            self.warn(format_args!("unknown event code {}", word(0)));
            return;
        };
        let mut args = [0; 6];
        for (i, a) in args.iter_mut().enumerate() {
            *a = word(1 + i);
        }
        let len = word(7).min(TEXT_MAX) as usize;
        let text = String::from_utf8_lossy(&bytes[64..64 + len]).into_owned();
        self.pending.push(KernelEvent { kind, args, text });
    }

    fn warn(&mut self, what: std::fmt::Arguments) {
        if !self.warned {
            log::warn!("svemu,trace: {what}: dropped (further problems are not reported)");
            self.warned = true;
        }
    }

    /// True when events wait to be taken.
    #[inline]
    pub fn has_events(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The events received since the last call.
    pub fn take(&mut self) -> Vec<KernelEvent> {
        std::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_in_ram_becomes_an_event_and_bad_ones_are_dropped() {
        let mut ram = Ram::new(0x8000_0000, 1 << 20);
        let at = 0x8000_1000;
        let mut rec = Vec::new();
        for w in [10u64, 7, 0, 0, 0, 0, 0, 10] {
            rec.extend_from_slice(&w.to_le_bytes());
        }
        rec.extend_from_slice(b"/bin/hello");
        for (i, b) in rec.iter().enumerate() {
            ram.write(at + i as u64, 1, *b as u64);
        }
        let mut port = TracePort::default();
        assert_eq!(port.read(8), MAGIC);
        port.write(0, at, &ram);
        port.write(0, 0x1000, &ram); // not RAM
        ram.write(at, 8, 99);
        port.write(0, at, &ram); // unknown code
        let events = port.take();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, Kind::ProcExec);
        assert_eq!(events[0].args[0], 7);
        assert_eq!(events[0].text, "/bin/hello");
        assert!(!port.has_events());
    }
}
