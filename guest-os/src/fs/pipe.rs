//! Pipes (pipe2): a bounded byte queue with reader and writer counts.
//! Readers block while it is empty and a writer exists; writers block
//! while it is full and a reader exists; a write with no reader left gets
//! -EPIPE and SIGPIPE. Blocked processes wait on [`WaitFor::Pipe`] and are
//! all woken at each change (pipes are few and short-lived).

use crate::proc::process::WaitFor;
use crate::proc::sched;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use spin::Mutex;

/// Capacity in bytes (Linux's default: 16 pages).
pub const PIPE_BUF_BYTES: usize = 65536;

/// The shared state of one pipe.
pub struct Pipe {
    /// Bytes written and not yet read.
    pub buf: VecDeque<u8>,
    /// Open read ends.
    pub readers: usize,
    /// Open write ends.
    pub writers: usize,
    /// Inode number (fstat, /proc).
    pub ino: u64,
}

/// One end of a pipe; dropping it (the last fd of its open file closed)
/// closes the end and wakes the other side.
pub struct End {
    /// The pipe.
    pub pipe: Arc<Mutex<Pipe>>,
    /// True for the write end.
    pub write: bool,
}

/// A new pipe: (read end, write end).
pub fn new() -> (End, End) {
    let pipe =
        Arc::new(Mutex::new(Pipe { buf: VecDeque::new(), readers: 1, writers: 1, ino: super::tmpfs::new_ino() }));
    (End { pipe: pipe.clone(), write: false }, End { pipe, write: true })
}

impl Drop for End {
    fn drop(&mut self) {
        {
            let mut p = self.pipe.lock();
            if self.write {
                p.writers -= 1;
            } else {
                p.readers -= 1;
            }
        }
        wake_all();
    }
}

/// Wakes every process blocked on a pipe.
pub fn wake_all() {
    sched::wake_all(WaitFor::Pipe);
}
