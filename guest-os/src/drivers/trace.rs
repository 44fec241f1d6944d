//! Kernel events for the machine's trace: svemu's paravirtual trace port
//! (DTB node compatible `svemu,trace`, see `emulator/src/devices/trace_port.rs`),
//! or console lines when the bootarg `svos.trace=console` asks (QEMU has no
//! such device). Without either, every call here returns at once.
//!
//! Protocol: svos fills this hart's [`Record`] (kernel image memory, so its
//! physical address is its address minus [`crate::mm::PHYS_OFFSET`]) and
//! writes that physical address, in one 64-bit store, to the port's
//! register at offset 0: the device reads the record then. One store per
//! event, and one record per hart, so harts never mix their events.
//!
//! Every call site is one line: `drivers::trace::fault(...)` etc.

use crate::mm::PHYS_OFFSET;
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// Event codes (`Record::code`), as the device documents them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Code {
    /// A page fault resolved: args va, scause, [`How`], pid, the process's
    /// resident pages after it (its RSS).
    Fault = 1,
    /// A frame allocated: args pa.
    FrameAlloc = 2,
    /// A frame freed: args pa.
    FrameFree = 3,
    /// A page chosen for eviction: args asid, va, pa, reason (1 = A bit clear on the clock's sweep).
    Victim = 4,
    /// A page written to swap: args asid, va, slot.
    SwapOut = 5,
    /// A page read back from swap: args asid, va, slot.
    SwapIn = 6,
    /// A TLB shootdown sent: args hart mask.
    Shootdown = 7,
    /// A process killed for lack of memory: args pid, va.
    OomKill = 8,
    /// A process created: args pid, ppid; text its name.
    ProcCreate = 9,
    /// A process runs a new ELF: args pid; text the ELF's path.
    ProcExec = 10,
    /// A hart switches to a process: args pid, asid.
    ProcSwitch = 11,
    /// A process exited: args pid, status.
    ProcExit = 12,
    /// A process's resident pages changed other than by its own fault
    /// (reclaim took some): args pid, resident pages.
    Rss = 13,
}

/// How a page fault was resolved (arg 2 of [`Code::Fault`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum How {
    /// A zeroed frame was mapped (minor fault).
    ZeroFill = 1,
    /// The page came from the page cache (read in from the file first if
    /// it was not cached): a file mapping or an ELF segment.
    FileRead = 2,
    /// Read back from its swap slot (major fault).
    SwapIn = 3,
    /// A copy-on-write page was copied (or, when no longer shared, made writable).
    CowCopy = 4,
    /// The access was refused: SIGSEGV.
    Segv = 6,
    /// The resident frame was mapped again.
    Remap = 7,
    /// A stale TLB entry: fenced, nothing mapped.
    Spurious = 8,
    /// No frame: the process is killed.
    OutOfMemory = 9,
    /// The page was mapped: svos set A (and D) in its PTE (Svade).
    AccessedDirty = 10,
}

/// Bytes of text a record carries (names, paths).
const TEXT: usize = 64;

/// One event, as the device reads it (little-endian u64s, then the text).
#[repr(C)]
struct Record {
    code: u64,
    args: [u64; 6],
    text_len: u64,
    text: [u8; TEXT],
}

const MAX_HARTS: usize = 8;

/// One record per hart (only the hart itself writes its own).
static mut RECORDS: [Record; MAX_HARTS] =
    [const { Record { code: 0, args: [0; 6], text_len: 0, text: [0; TEXT] } }; MAX_HARTS];

/// 0: off, 1: the device, 2: console lines.
static MODE: AtomicU8 = AtomicU8::new(0);
/// The device's register (kernel VA), in mode 1.
static PORT: AtomicUsize = AtomicUsize::new(0);

/// Use the trace port at physical address `port` (from the DTB), or the
/// console when `bootargs` has `svos.trace=console` and there is no port.
pub fn init(port: Option<usize>, bootargs: &str) {
    if let Some(pa) = port {
        PORT.store(pa + PHYS_OFFSET, Ordering::Relaxed);
        MODE.store(1, Ordering::Relaxed);
    } else if bootargs.split_whitespace().any(|a| a == "svos.trace=console") {
        MODE.store(2, Ordering::Relaxed);
    }
}

fn name(code: Code) -> &'static str {
    match code {
        Code::Fault => "fault",
        Code::FrameAlloc => "frame-alloc",
        Code::FrameFree => "frame-free",
        Code::Victim => "victim",
        Code::SwapOut => "swap-out",
        Code::SwapIn => "swap-in",
        Code::Shootdown => "shootdown",
        Code::OomKill => "oom-kill",
        Code::ProcCreate => "proc-create",
        Code::ProcExec => "proc-exec",
        Code::ProcSwitch => "proc-switch",
        Code::ProcExit => "proc-exit",
        Code::Rss => "rss",
    }
}

fn emit(code: Code, args: &[u64], text: &str) {
    match MODE.load(Ordering::Relaxed) {
        1 => {
            let hart = crate::smp::hart_id();
            if hart >= MAX_HARTS {
                return;
            }
            // SAFETY: each hart writes only its own record, with interrupts
            // off in the kernel, and the device reads it during the store below.
            unsafe {
                let r = &mut *core::ptr::addr_of_mut!(RECORDS[hart]);
                r.code = code as u64;
                r.args = [0; 6];
                r.args[..args.len().min(6)].copy_from_slice(&args[..args.len().min(6)]);
                let n = text.len().min(TEXT);
                r.text[..n].copy_from_slice(&text.as_bytes()[..n]);
                r.text_len = n as u64;
                let pa = r as *const Record as usize - PHYS_OFFSET;
                core::sync::atomic::fence(Ordering::SeqCst);
                core::ptr::write_volatile(PORT.load(Ordering::Relaxed) as *mut u64, pa as u64);
            }
        }
        // Frame events are not printed: printing may allocate, and an
        // allocation inside the console's lock must not print again.
        2 if matches!(code, Code::FrameAlloc | Code::FrameFree) => {}
        2 => {
            crate::print!("[trace] {}", name(code));
            for a in args {
                crate::print!(" {:#x}", a);
            }
            if !text.is_empty() {
                crate::print!(" {}", text);
            }
            crate::println!();
        }
        _ => {}
    }
}

/// True when events go somewhere (callers may skip work otherwise).
#[inline]
pub fn on() -> bool {
    MODE.load(Ordering::Relaxed) != 0
}

/// Per hart: how the fault being handled was resolved (set by the
/// memory manager with [`resolved_as`], read by [`fault_done`]).
static HOW: [AtomicU8; MAX_HARTS] = [const { AtomicU8::new(0) }; MAX_HARTS];

/// The memory manager resolved the current fault this way.
pub fn resolved_as(how: How) {
    if let Some(h) = HOW.get(crate::smp::hart_id()) {
        h.store(how as u8, Ordering::Relaxed);
    }
}

/// A page fault at `va` (scause `cause`) of process `pid` was handled:
/// `result` is None when the process has no address space, else Ok (how:
/// as [`resolved_as`] said) or the error (SIGSEGV or out of memory);
/// `rss` is the process's resident pages now.
pub fn fault_done(
    va: usize,
    cause: usize,
    pid: usize,
    rss: usize,
    result: Option<Result<(), crate::mm::addr_space::FaultError>>,
) {
    use crate::mm::addr_space::FaultError;
    let noted = HOW.get(crate::smp::hart_id()).map_or(0, |h| h.swap(0, Ordering::Relaxed));
    let how = match result {
        Some(Ok(())) => noted as u64,
        Some(Err(FaultError::OutOfMemory)) => How::OutOfMemory as u64,
        _ => How::Segv as u64,
    };
    emit(Code::Fault, &[va as u64, cause as u64, how, pid as u64, rss as u64], "");
}

/// Frame `pa` allocated.
pub fn frame_alloc(pa: usize) {
    emit(Code::FrameAlloc, &[pa as u64], "");
}

/// Frame `pa` freed.
pub fn frame_free(pa: usize) {
    emit(Code::FrameFree, &[pa as u64], "");
}
/// A TLB shootdown sent to the harts of `mask`.
pub fn shootdown(mask: u64) {
    emit(Code::Shootdown, &[mask], "");
}

/// `pid` killed for lack of memory at `va`.
pub fn oom_kill(pid: usize, va: usize) {
    emit(Code::OomKill, &[pid as u64, va as u64], "");
}

/// Process `pid` (child of `ppid`) created, named `name`.
pub fn proc_create(pid: usize, ppid: usize, name: &str) {
    emit(Code::ProcCreate, &[pid as u64, ppid as u64], name);
}

/// Process `pid` runs the ELF at `path` now.
pub fn proc_exec(pid: usize, path: &str) {
    emit(Code::ProcExec, &[pid as u64], path);
}

/// Process `pid` (child of `ppid`, 0: the kernel) created to run the ELF at `path`.
pub fn spawned(pid: usize, ppid: usize, path: &str) {
    if on() {
        proc_create(pid, ppid, path.rsplit('/').next().unwrap_or(path));
        proc_exec(pid, path);
    }
}

/// This hart runs process `pid` now, in the address space satp holds.
pub fn proc_switch(pid: usize) {
    if on() {
        let satp: usize;
        // SAFETY: reading satp has no side effect.
        unsafe { core::arch::asm!("csrr {0}, satp", out(reg) satp) };
        emit(Code::ProcSwitch, &[pid as u64, ((satp >> 44) & 0xffff) as u64], "");
    }
}

/// Process `pid` has `pages` resident pages now (after reclaim took some).
pub fn rss(pid: usize, pages: usize) {
    emit(Code::Rss, &[pid as u64, pages as u64], "");
}

/// Process `pid` exited with `status`.
pub fn proc_exit(pid: usize, status: usize) {
    emit(Code::ProcExit, &[pid as u64, status as u64], "");
}

/// Page `va` (frame `pa`) of address space `asid` chosen for eviction:
/// its A bit was clear on the clock's sweep.
pub fn victim(asid: u16, va: usize, pa: usize) {
    emit(Code::Victim, &[asid as u64, va as u64, pa as u64, 1], "");
}

/// Page `va` of address space `asid` written to swap slot `slot`.
pub fn swap_out(asid: u16, va: usize, slot: usize) {
    emit(Code::SwapOut, &[asid as u64, va as u64, slot as u64], "");
}

/// Page `va` of address space `asid` read back from swap slot `slot`.
pub fn swap_in(asid: u16, va: usize, slot: usize) {
    emit(Code::SwapIn, &[asid as u64, va as u64, slot as u64], "");
}
