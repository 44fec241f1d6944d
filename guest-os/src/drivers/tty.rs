//! The console's input side: a canonical-mode line discipline over the
//! polled UART. Typed bytes are echoed; backspace/DEL erase; a line becomes
//! readable at `\n` or `\r` (delivered as `\n`); Ctrl-D on an empty line is
//! end of file (read returns 0).
//!
//! Signal characters (termios ISIG, VINTR and VQUIT): Ctrl-C and Ctrl-\
//! discard the line being edited, echo `^C` / `^\` and a newline, and
//! post SIGINT / SIGQUIT for the terminal's foreground process group
//! ([`set_foreground`], TIOCSPGRP); the scheduler delivers them
//! ([`take_signals`]), so the driver never reaches into the process table.

use crate::sync::Global;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Longest line being edited, in bytes (Linux's N_TTY_BUF_SIZE); more typed bytes are dropped.
pub const MAX_INPUT: usize = 4096;

struct Tty {
    /// The line being edited.
    edit: Vec<u8>,
    /// Completed input, ready for read().
    ready: VecDeque<u8>,
    /// Pending end-of-file markers (Ctrl-D on an empty line).
    eof: usize,
    /// Signals typed and not yet delivered (bit n = signal n).
    signals: u64,
}

static TTY: Global<Tty> = Global::new(Tty { edit: Vec::new(), ready: VecDeque::new(), eof: 0, signals: 0 });

/// The foreground process group of the console (0 = none).
static FOREGROUND: AtomicUsize = AtomicUsize::new(0);

/// SIGINT, sent by Ctrl-C (VINTR).
const SIGINT: u32 = 2;
/// SIGQUIT, sent by Ctrl-\ (VQUIT).
const SIGQUIT: u32 = 3;

/// Makes process group `pgid` the console's foreground group (TIOCSPGRP;
/// svos also sets it when it starts an `init=` program, as a session
/// leader's terminal).
pub fn set_foreground(pgid: usize) {
    FOREGROUND.store(pgid, Ordering::Relaxed);
}

/// The console's foreground process group (TIOCGPGRP), 0 if none was set.
pub fn foreground() -> usize {
    FOREGROUND.load(Ordering::Relaxed)
}

/// The signals typed since the last call (bit n = signal n) and the
/// foreground group they are for. Drains the UART first.
pub fn take_signals() -> (u64, usize) {
    poll();
    let t = TTY.get();
    (core::mem::take(&mut t.signals), foreground())
}

/// Drains the UART into the line discipline. Returns true if input is
/// readable (a line or an end-of-file is complete).
pub fn poll() -> bool {
    let t = TTY.get();
    while let Some(c) = super::uart::getc() {
        match c {
            b'\r' | b'\n' => {
                t.edit.push(b'\n');
                t.ready.extend(t.edit.drain(..));
                super::uart::write_bytes(b"\n");
            }
            0x7f | 0x08 => {
                if t.edit.pop().is_some() {
                    super::uart::write_bytes(b"\x08 \x08");
                }
            }
            0x03 | 0x1c => {
                t.edit.clear();
                let sig = if c == 0x03 { SIGINT } else { SIGQUIT };
                t.signals |= 1 << sig;
                super::uart::write_bytes(if c == 0x03 { b"^C\n" } else { b"^\\\n" });
            }
            0x04 => {
                if t.edit.is_empty() {
                    t.eof += 1;
                } else {
                    t.ready.extend(t.edit.drain(..));
                }
            }
            c => {
                if t.edit.len() < MAX_INPUT {
                    t.edit.push(c);
                    super::uart::putc(c);
                }
            }
        }
    }
    !t.ready.is_empty() || t.eof > 0
}

/// Reads up to `buf.len()` bytes of completed input, at most one line.
/// `None` if nothing is readable yet (the caller blocks); `Some(0)` at end of file.
pub fn read(buf: &mut [u8]) -> Option<usize> {
    poll();
    let t = TTY.get();
    if t.ready.is_empty() {
        if t.eof > 0 {
            t.eof -= 1;
            return Some(0);
        }
        return None;
    }
    let mut n = 0;
    while n < buf.len() {
        let Some(c) = t.ready.pop_front() else { break };
        buf[n] = c;
        n += 1;
        if c == b'\n' {
            break;
        }
    }
    Some(n)
}
