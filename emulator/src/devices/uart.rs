//! An NS16550A UART ("ns16550a") at 0x1000_0000, as on QEMU's virt board.
//!
//! Registers (byte offsets, DLAB = LCR bit 7): 0 RBR/THR (DLL when DLAB),
//! 1 IER (DLM when DLAB), 2 IIR/FCR, 3 LCR, 4 MCR, 5 LSR, 6 MSR, 7 SCR.
//! Transmission is instant: THR writes go straight to the console output, so
//! LSR always shows THRE and TEMT. Received bytes come from the console input.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};

const LSR_DR: u8 = 0x01;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;
const IER_RDI: u8 = 0x01;
const IER_THRI: u8 = 0x02;
const LCR_DLAB: u8 = 0x80;

/// Polls of an empty receiver after which a scripted console delivers its
/// next byte ([`ConsoleIn::Script`]).
pub const SCRIPT_PATIENCE: u32 = 1000;

/// Where transmitted bytes go.
pub enum ConsoleOut {
    /// The host's standard output.
    Stdout(std::io::Stdout),
    /// An in-memory buffer (tests read it back).
    Buffer(Vec<u8>),
}

/// Where received bytes come from.
#[derive(Default)]
pub enum ConsoleIn {
    /// Nothing is ever received.
    #[default]
    None,
    /// A fixed script of bytes, received in order, paced like a typist so
    /// that runs are deterministic and no byte is swallowed by a guest that is
    /// not yet waiting for input: the next byte arrives when the receiver is
    /// empty and the guest is waiting for input, that is when it has
    /// enabled the received-data interrupt, or has polled the empty receiver
    /// (LSR or RBR reads) [`SCRIPT_PATIENCE`] times in a row.
    Script(VecDeque<u8>),
    /// The host's standard input, read by a background thread so that the
    /// machine never blocks on it. The thread starts when the guest first
    /// looks at the receive side (LSR or RBR).
    Stdin(Option<Receiver<u8>>),
}

/// The UART. Its registers and receive state are (de)serializable for
/// checkpoints ([`crate::snapshot`]); the console ends are the host's and
/// are not ([`Uart16550::restore`] keeps them).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Uart16550 {
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    dll: u8,
    dlm: u8,
    /// THR-empty interrupt pending (cleared by reading IIR or writing THR).
    thre_pending: bool,
    rx: VecDeque<u8>,
    /// Guest reads of LSR or RBR that found the receiver empty, in a row.
    empty_polls: u32,
    #[serde(skip)]
    input: ConsoleIn,
    #[serde(skip)]
    out: ConsoleOut,
}

impl Default for ConsoleOut {
    fn default() -> Self {
        ConsoleOut::Buffer(Vec::new())
    }
}

impl Uart16550 {
    /// A UART in its reset state with the given console ends.
    pub fn new(input: ConsoleIn, out: ConsoleOut) -> Uart16550 {
        Uart16550 {
            ier: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            dll: 0,
            dlm: 0,
            thre_pending: false,
            rx: VecDeque::new(),
            empty_polls: 0,
            input,
            out,
        }
    }

    fn poll_input(&mut self) {
        if !self.rx.is_empty() {
            return;
        }
        match &mut self.input {
            ConsoleIn::None => {}
            ConsoleIn::Script(s) => {
                if self.ier & IER_RDI != 0 || self.empty_polls >= SCRIPT_PATIENCE {
                    if let Some(b) = s.pop_front() {
                        self.rx.push_back(b);
                        self.empty_polls = 0;
                    }
                }
            }
            ConsoleIn::Stdin(rx) => {
                let rx = rx.get_or_insert_with(spawn_stdin_reader);
                loop {
                    match rx.try_recv() {
                        Ok(b) => self.rx.push_back(b),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            // End of input: nothing more will ever arrive.
                            self.input = ConsoleIn::None;
                            break;
                        }
                    }
                }
            }
        }
    }

    /// True when received bytes may still arrive later from the host (an open
    /// standard input): an idle guest is then waiting for its user, not stuck.
    pub fn input_may_arrive(&mut self) -> bool {
        self.poll_input();
        matches!(self.input, ConsoleIn::Stdin(_))
    }

    /// A guest read of the receive side (LSR or RBR).
    fn guest_polls(&mut self) {
        if self.rx.is_empty() {
            self.empty_polls = self.empty_polls.saturating_add(1);
        }
    }

    fn lsr(&mut self) -> u8 {
        self.poll_input();
        let dr = if self.rx.is_empty() { 0 } else { LSR_DR };
        LSR_THRE | LSR_TEMT | dr
    }

    /// The interrupt output (to the PLIC): received data with IER.RDI, or THR
    /// empty with IER.THRI.
    pub fn irq(&mut self) -> bool {
        (self.ier & IER_RDI != 0 && self.lsr() & LSR_DR != 0) || (self.ier & IER_THRI != 0 && self.thre_pending)
    }

    /// Read the register at `offset` (a byte access; wider reads see the byte).
    pub fn read(&mut self, offset: u64) -> u64 {
        let dlab = self.lcr & LCR_DLAB != 0;
        (match offset {
            0 if dlab => self.dll,
            0 => {
                self.guest_polls();
                self.poll_input();
                self.rx.pop_front().unwrap_or(0)
            }
            1 if dlab => self.dlm,
            1 => self.ier,
            2 => {
                // FIFOs enabled (0xc0); the highest-priority pending source.
                let id = if self.ier & IER_RDI != 0 && self.lsr() & LSR_DR != 0 {
                    0x04
                } else if self.ier & IER_THRI != 0 && self.thre_pending {
                    self.thre_pending = false;
                    0x02
                } else {
                    0x01
                };
                0xc0 | id
            }
            3 => self.lcr,
            4 => self.mcr,
            5 => {
                self.guest_polls();
                self.lsr()
            }
            6 => 0xb0, // DCD, DSR, CTS asserted
            7 => self.scr,
            _ => 0,
        }) as u64
    }

    /// Write `val` to the register at `offset`.
    pub fn write(&mut self, offset: u64, val: u64) {
        let b = val as u8;
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            0 if dlab => self.dll = b,
            0 => {
                self.transmit(b);
                self.thre_pending = true;
            }
            1 if dlab => self.dlm = b,
            1 => {
                // Enabling THRI while the holder is empty raises it at once.
                if b & IER_THRI != 0 && self.ier & IER_THRI == 0 {
                    self.thre_pending = true;
                }
                self.ier = b & 0x0f;
            }
            2 => {} // FCR: FIFOs are always on; resets need no action.
            3 => self.lcr = b,
            4 => self.mcr = b,
            7 => self.scr = b,
            _ => {}
        }
    }

    /// Print `bytes` on the console this UART drives, bypassing the
    /// registers (for other console devices of the board, such as HTIF).
    pub fn console_write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.transmit(b);
        }
    }

    fn transmit(&mut self, b: u8) {
        match &mut self.out {
            // A console whose reader went away is not the guest's problem.
            ConsoleOut::Stdout(s) => {
                let _ = s.write_all(&[b]);
                if b == b'\n' {
                    let _ = s.flush();
                }
            }
            ConsoleOut::Buffer(v) => v.push(b),
        }
    }

    /// Push buffered output to the host (called when the machine pauses).
    pub fn flush(&mut self) {
        if let ConsoleOut::Stdout(s) = &mut self.out {
            let _ = s.flush();
        }
    }

    /// The bytes of a scripted console input not received yet (None for
    /// another input): part of a checkpoint, since they decide what the
    /// guest reads next.
    pub fn script_left(&self) -> Option<Vec<u8>> {
        match &self.input {
            ConsoleIn::Script(s) => Some(s.iter().copied().collect()),
            _ => None,
        }
    }

    /// Take `saved`'s registers and receive state, keeping this UART's
    /// console ends; with `script`, the input becomes that script.
    pub fn restore(&mut self, saved: Uart16550, script: Option<Vec<u8>>) {
        let input = std::mem::take(&mut self.input);
        let out = std::mem::take(&mut self.out);
        *self = saved;
        self.out = out;
        self.input = match script {
            Some(s) => ConsoleIn::Script(s.into()),
            None => input,
        };
    }

    /// Empty the output buffer (when the output is one).
    pub fn clear_output(&mut self) {
        if let ConsoleOut::Buffer(v) = &mut self.out {
            v.clear();
        }
    }

    /// Everything transmitted so far, when the output is a buffer.
    pub fn output(&self) -> Option<&[u8]> {
        match &self.out {
            ConsoleOut::Buffer(v) => Some(v),
            ConsoleOut::Stdout(_) => None,
        }
    }
}

fn spawn_stdin_reader() -> Receiver<u8> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || buf[..n].iter().any(|&b| tx.send(b).is_err()) {
                break;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transmits_and_receives() {
        let script = ConsoleIn::Script(b"hi".iter().copied().collect());
        let mut u = Uart16550::new(script, ConsoleOut::Buffer(Vec::new()));
        // A guest that glances at the receiver once gets nothing yet; one that
        // keeps polling gets the next byte.
        assert_eq!(u.read(5) as u8 & LSR_DR, 0);
        for _ in 2..SCRIPT_PATIENCE {
            assert_eq!(u.read(5) as u8 & LSR_DR, 0);
        }
        assert_eq!(u.read(5) as u8 & (LSR_THRE | LSR_DR), LSR_THRE | LSR_DR);
        assert_eq!(u.read(0), b'h' as u64);
        assert_eq!(u.read(5) as u8 & LSR_DR, 0, "the next byte comes after more polls");
        while u.read(5) as u8 & LSR_DR == 0 {}
        assert_eq!(u.read(0), b'i' as u64);
        for _ in 0..2 * SCRIPT_PATIENCE {
            assert_eq!(u.read(5) as u8 & LSR_DR, 0);
        }
        u.write(0, b'A' as u64);
        u.write(3, 0x80); // DLAB: offset 0 is now the divisor latch
        u.write(0, 3);
        u.write(3, 0x03);
        u.write(0, b'B' as u64);
        assert_eq!(u.output().unwrap(), b"AB");
    }

    #[test]
    fn interrupt_identification() {
        let mut u = Uart16550::new(ConsoleIn::Script(b"x".iter().copied().collect()), ConsoleOut::Buffer(Vec::new()));
        assert!(!u.irq());
        u.write(1, IER_RDI as u64);
        assert!(u.irq());
        assert_eq!(u.read(2), 0xc4);
        u.read(0);
        assert!(!u.irq());
        assert_eq!(u.read(2), 0xc1);
    }
}
