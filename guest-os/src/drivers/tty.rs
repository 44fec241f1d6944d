//! The console's input side: a canonical-mode line discipline over the
//! polled UART. Typed bytes are echoed; backspace/DEL erase; a line becomes
//! readable at `\n` or `\r` (delivered as `\n`); Ctrl-D on an empty line is
//! end of file (read returns 0).

use crate::sync::Global;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Longest line being edited, in bytes (Linux's N_TTY_BUF_SIZE); more typed bytes are dropped.
pub const MAX_INPUT: usize = 4096;

struct Tty {
    /// The line being edited.
    edit: Vec<u8>,
    /// Completed input, ready for read().
    ready: VecDeque<u8>,
    /// Pending end-of-file markers (Ctrl-D on an empty line).
    eof: usize,
}

static TTY: Global<Tty> = Global::new(Tty { edit: Vec::new(), ready: VecDeque::new(), eof: 0 });

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
