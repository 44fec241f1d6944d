//! An NS16550A UART ("ns16550a") at 0x1000_0000, as on QEMU's virt board,
//! with the registers, interrupt conditions and side effects of QEMU 7.2's
//! `hw/char/serial.c` (baud base 399193, as `hw/riscv/virt.c` makes it).
//!
//! Transmission is instant: a THR write goes to the console at once, so
//! THRE and TEMT are set again before the next access. Received bytes come
//! from the console ([`crate::devices::console`]), one at a time when the
//! FIFOs are off (the next arrives once RBR was read, as QEMU's
//! `serial_can_receive` allows), into a 16-byte FIFO when they are on.
//!
//! | off | DLAB | read | write | reset |
//! |---|---|---|---|---|
//! | 0 | 0 | RBR: next received byte (0 when none); clears DR when the receiver empties, and the timeout condition; re-arms the timeout while bytes remain | THR: transmit; clears the THRE condition, which the instant transmission sets again | 0 |
//! | 0 | 1 | DLL | DLL (divisor low byte) | 0x0c |
//! | 1 | 0 | IER (low 4 bits) | IER; enabling or disabling THRI samples THRE into the THRE condition (set when LSR.THRE, cleared otherwise) | 0 |
//! | 1 | 1 | DLM | DLM | 0 |
//! | 2 | – | IIR: the highest pending condition (bits 3:0) and FIFO-enabled bits 7:6 (0xc0); reading it while it shows THRE clears the THRE condition | FCR: bit 0 enables FIFOs (changing it resets both); bit 1 resets the receiver (drops its bytes, clears DR and timeout), bit 2 the transmitter (sets the THRE condition); bits 7:6 the receive trigger level (1, 4, 8, 14) | IIR 0x01, FCR 0 (FIFOs off) |
//! | 3 | – | LCR | LCR (bit 7: DLAB; bits 5:0 set the character time) | 0 |
//! | 4 | – | MCR (low 5 bits) | MCR; bit 4 loops THR back into the receiver and MCR into MSR | 0x08 (OUT2) |
//! | 5 | – | LSR: DR (0), OE (1), BI (4), THRE (5), TEMT (6); the read clears OE and BI | ignored | 0x60 |
//! | 6 | – | MSR: DCD, DSR, CTS (0xb0); in loopback MCR bits mapped as QEMU does | ignored | 0xb0 |
//! | 7 | – | SCR | SCR | 0 |
//!
//! Interrupt conditions, highest priority first (IIR id), each masked by
//! an IER bit; the output line (PLIC source 10) is high while one holds and
//! is re-sent to the PLIC after every access that re-evaluates it, as
//! QEMU's `serial_update_irq` does (see [`crate::devices::plic`]):
//!
//! | IIR | condition | IER bit | set by | cleared by |
//! |---|---|---|---|---|
//! | 0x06 | receiver line status (OE, BI) | RLSI (2) | a byte received while DR was set (FIFOs off) or the FIFO was full | reading LSR |
//! | 0x0c | character timeout (FIFOs on) | RDI (0) | 4 character times after the last byte received or read, bytes still waiting | reading RBR; a receiver reset |
//! | 0x04 | received data available | RDI (0) | DR with FIFOs off; with FIFOs on, as many bytes as the trigger level | the reads that empty the receiver (below the trigger level) |
//! | 0x02 | THR empty | THRI (1) | each transmission; enabling THRI while LSR.THRE; a transmitter reset | reading IIR while it shows 0x02; writing THR; disabling THRI |
//!
//! Modem-status interrupts never occur (the modem lines do not change).

use std::collections::VecDeque;

use super::console::{Console, ConsoleEnd};
pub use super::console::{ConsoleIn, ConsoleOut};

const LSR_DR: u8 = 0x01;
const LSR_OE: u8 = 0x02;
const LSR_BI: u8 = 0x10;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;
const LSR_INT_ANY: u8 = 0x1e;
const IER_RDI: u8 = 0x01;
const IER_THRI: u8 = 0x02;
const IER_RLSI: u8 = 0x04;
const IIR_NO_INT: u8 = 0x01;
const IIR_THRI: u8 = 0x02;
const IIR_RDI: u8 = 0x04;
const IIR_RLSI: u8 = 0x06;
const IIR_CTI: u8 = 0x0c;
const IIR_FE: u8 = 0xc0;
const FCR_FE: u8 = 0x01;
const FCR_RFR: u8 = 0x02;
const FCR_XFR: u8 = 0x04;
const LCR_DLAB: u8 = 0x80;
const MCR_LOOP: u8 = 0x10;
const MSR_DEFAULT: u8 = 0xb0;
const FIFO_LEN: usize = 16;
/// QEMU virt's baud base (`serial_mm_init(..., 399193, ...)`).
const BAUD_BASE: u64 = 399_193;
/// Nanoseconds per cycle (the harts run at 100 MHz, see [`crate::devices::clint`]).
const NS_PER_CYCLE: u64 = 10;

/// The UART. Its registers and FIFO are (de)serializable for checkpoints
/// ([`crate::snapshot`]); the console behind it is the host's and is not
/// ([`Uart16550::restore`] keeps it).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Uart16550 {
    ier: u8,
    iir: u8,
    lcr: u8,
    mcr: u8,
    lsr: u8,
    scr: u8,
    fcr: u8,
    divider: u16,
    /// The byte in RBR when the FIFOs are off.
    rbr: u8,
    rx: VecDeque<u8>,
    /// Receive FIFO trigger level (bytes).
    trigger: usize,
    thr_ipending: bool,
    timeout_ipending: bool,
    /// Cycle at which the character timeout fires, if armed.
    timeout_at: Option<u64>,
    /// Cycles per character at the current divisor and frame.
    char_cycles: u64,
    /// The interrupt line as last evaluated.
    line: bool,
    /// The line was re-evaluated since the PLIC last saw it.
    line_update: bool,
    #[serde(skip)]
    console: Console,
}

impl Uart16550 {
    /// A UART in its reset state with the given console ends.
    pub fn new(input: ConsoleIn, out: ConsoleOut) -> Uart16550 {
        Uart16550 {
            ier: 0,
            iir: IIR_NO_INT,
            lcr: 0,
            mcr: 0x08,
            lsr: LSR_TEMT | LSR_THRE,
            scr: 0,
            fcr: 0,
            divider: 0x0c,
            rbr: 0,
            rx: VecDeque::new(),
            trigger: 1,
            thr_ipending: false,
            timeout_ipending: false,
            timeout_at: None,
            // QEMU's reset value: 9600 baud, 10-bit frames.
            char_cycles: 1_000_000_000 / 9600 * 10 / NS_PER_CYCLE,
            line: false,
            line_update: false,
            console: Console::new(input, out),
        }
    }

    /// Take `saved`'s registers and FIFO, keeping this UART's console.
    pub fn restore(&mut self, saved: Uart16550) {
        let console = std::mem::take(&mut self.console);
        *self = saved;
        self.console = console;
    }

    /// The console this UART drives.
    pub fn console(&mut self) -> &mut Console {
        &mut self.console
    }

    fn fifo(&self) -> bool {
        self.fcr & FCR_FE != 0
    }

    /// QEMU's `serial_update_irq`: the IIR id and the line.
    fn update_irq(&mut self) {
        let id = if self.ier & IER_RLSI != 0 && self.lsr & LSR_INT_ANY != 0 {
            IIR_RLSI
        } else if self.ier & IER_RDI != 0 && self.timeout_ipending {
            IIR_CTI
        } else if self.ier & IER_RDI != 0 && self.lsr & LSR_DR != 0 && (!self.fifo() || self.rx.len() >= self.trigger) {
            IIR_RDI
        } else if self.ier & IER_THRI != 0 && self.thr_ipending {
            IIR_THRI
        } else {
            IIR_NO_INT
        };
        self.iir = id | (self.iir & 0xf0);
        self.line = id != IIR_NO_INT;
        self.line_update = true;
    }

    /// The interrupt line's new level, when it was re-evaluated since the
    /// last call (the PLIC's gateway takes each such report, see
    /// [`crate::devices::plic::Plic::set_level`]).
    pub fn take_line_update(&mut self) -> Option<bool> {
        std::mem::take(&mut self.line_update).then_some(self.line)
    }

    /// Let time reach cycle `now`: fire the character timeout, and receive a
    /// console byte when the receiver can take one.
    pub fn advance(&mut self, now: u64) {
        self.console.tick(now);
        if self.timeout_at.is_some_and(|t| now >= t) {
            self.timeout_at = None;
            if !self.rx.is_empty() {
                self.timeout_ipending = true;
                self.update_irq();
            }
        }
        if self.mcr & MCR_LOOP == 0 && self.can_receive() {
            if let Some(b) = self.console.next_byte(self.ier & IER_RDI != 0) {
                self.receive(b, now);
            }
        }
    }

    /// The next cycle at which [`Uart16550::advance`] has something to do
    /// on its own (the character timeout), if any.
    pub fn next_event(&self) -> Option<u64> {
        self.timeout_at
    }

    /// QEMU's `serial_can_receive`, for one byte at a time.
    fn can_receive(&self) -> bool {
        if self.fifo() {
            self.rx.len() < FIFO_LEN
        } else {
            self.lsr & LSR_DR == 0
        }
    }

    /// QEMU's `serial_receive1` for one byte.
    fn receive(&mut self, b: u8, now: u64) {
        if self.fifo() {
            if self.rx.len() < FIFO_LEN {
                self.rx.push_back(b);
            } else {
                self.lsr |= LSR_OE;
            }
            self.lsr |= LSR_DR;
            self.timeout_at = Some(now + 4 * self.char_cycles);
        } else {
            if self.lsr & LSR_DR != 0 {
                self.lsr |= LSR_OE;
            }
            self.rbr = b;
            self.lsr |= LSR_DR;
        }
        self.update_irq();
    }

    fn update_parameters(&mut self) {
        if self.divider == 0 || self.divider as u64 > BAUD_BASE {
            return;
        }
        let parity = (self.lcr >> 3) & 1;
        let stop = if self.lcr & 0x04 != 0 { 2 } else { 1 };
        let frame = 1 + parity as u64 + (self.lcr & 3) as u64 + 5 + stop;
        let speed = BAUD_BASE / self.divider as u64;
        self.char_cycles = (1_000_000_000 / speed * frame / NS_PER_CYCLE).max(1);
    }

    /// Read the register at `offset` (a byte access; wider reads see the
    /// byte) at cycle `now`.
    pub fn read(&mut self, offset: u64, now: u64) -> u64 {
        let dlab = self.lcr & LCR_DLAB != 0;
        (match offset {
            0 if dlab => self.divider as u8,
            0 => {
                if self.lsr & LSR_DR == 0 {
                    self.console.polled_empty();
                }
                let b = if self.fifo() {
                    let b = self.rx.pop_front().unwrap_or(0);
                    if self.rx.is_empty() {
                        self.lsr &= !(LSR_DR | LSR_BI);
                        self.timeout_at = None;
                    } else {
                        self.timeout_at = Some(now + 4 * self.char_cycles);
                    }
                    self.timeout_ipending = false;
                    b
                } else {
                    self.lsr &= !(LSR_DR | LSR_BI);
                    self.rbr
                };
                self.update_irq();
                // A byte waiting on the host arrives now that there is room.
                self.advance(now);
                b
            }
            1 if dlab => (self.divider >> 8) as u8,
            1 => self.ier,
            2 => {
                let v = self.iir;
                if v & 0x0f == IIR_THRI {
                    self.thr_ipending = false;
                    self.update_irq();
                }
                v
            }
            3 => self.lcr,
            4 => self.mcr,
            5 => {
                if self.lsr & LSR_DR == 0 {
                    self.console.polled_empty();
                }
                self.advance(now);
                let v = self.lsr;
                if v & (LSR_BI | LSR_OE) != 0 {
                    self.lsr &= !(LSR_BI | LSR_OE);
                    self.update_irq();
                }
                v
            }
            6 if self.mcr & MCR_LOOP != 0 => {
                ((self.mcr & 0x0c) << 4) | ((self.mcr & 0x02) << 3) | ((self.mcr & 0x01) << 5)
            }
            6 => MSR_DEFAULT,
            7 => self.scr,
            _ => 0,
        }) as u64
    }

    /// Write `val` to the register at `offset` at cycle `now`.
    pub fn write(&mut self, offset: u64, val: u64, now: u64) {
        let b = val as u8;
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            0 if dlab => {
                self.divider = (self.divider & 0xff00) | b as u16;
                self.update_parameters();
            }
            0 => {
                self.thr_ipending = false;
                self.lsr &= !(LSR_THRE | LSR_TEMT);
                self.update_irq();
                // The instant transmission (QEMU's serial_xmit).
                self.lsr |= LSR_THRE;
                self.thr_ipending = true;
                self.update_irq();
                if self.mcr & MCR_LOOP != 0 {
                    self.receive(b, now);
                } else {
                    self.console.write(b);
                }
                self.lsr |= LSR_TEMT;
            }
            1 if dlab => {
                self.divider = (self.divider & 0x00ff) | (b as u16) << 8;
                self.update_parameters();
            }
            1 => {
                let changed = (self.ier ^ b) & 0x0f;
                self.ier = b & 0x0f;
                if changed & IER_THRI != 0 {
                    self.thr_ipending = self.ier & IER_THRI != 0 && self.lsr & LSR_THRE != 0;
                }
                if changed != 0 {
                    self.update_irq();
                }
            }
            2 => {
                let mut val = b;
                if (val ^ self.fcr) & FCR_FE != 0 {
                    val |= FCR_XFR | FCR_RFR;
                }
                if val & FCR_RFR != 0 {
                    self.lsr &= !(LSR_DR | LSR_BI);
                    self.timeout_at = None;
                    self.timeout_ipending = false;
                    self.rx.clear();
                }
                if val & FCR_XFR != 0 {
                    self.lsr |= LSR_THRE;
                    self.thr_ipending = true;
                }
                self.fcr = val & 0xc9;
                if self.fifo() {
                    self.iir |= IIR_FE;
                    self.trigger = [1, 4, 8, 14][(val >> 6) as usize];
                } else {
                    self.iir &= !IIR_FE;
                }
                self.update_irq();
            }
            3 => {
                self.lcr = b;
                self.update_parameters();
            }
            4 => self.mcr = b & 0x1f,
            7 => self.scr = b,
            _ => {}
        }
    }

    /// Print `bytes` on the console this UART drives, bypassing the
    /// registers (for other console devices of the board, such as HTIF).
    pub fn console_write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.console.write(b);
        }
    }

    /// Push buffered output to the host (called when the machine pauses).
    pub fn flush(&mut self) {
        self.console.flush();
    }

    /// Every hart is idle at cycle `now`: a scripted console may offer its
    /// next byte. True when a byte arrived.
    pub fn machine_idle(&mut self, now: u64) -> bool {
        self.console.machine_idle();
        let before = self.lsr & LSR_DR != 0;
        let len = self.rx.len();
        self.advance(now);
        (self.lsr & LSR_DR != 0 && !before) || self.rx.len() > len
    }

    /// True when received bytes may still arrive later from the host (an open
    /// standard input): an idle guest is then waiting for its user, not stuck.
    pub fn input_may_arrive(&self) -> bool {
        self.console.input_may_arrive()
    }

    /// The console condition that ends the run, if one holds, at
    /// `instructions` retired.
    pub fn take_console_end(&mut self, instructions: u64) -> Option<ConsoleEnd> {
        self.console.take_end(instructions)
    }

    /// Everything transmitted so far, when the output is a buffer.
    pub fn output(&self) -> Option<&[u8]> {
        self.console.output()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::console::SCRIPT_PATIENCE;

    fn uart(input: &[u8]) -> Uart16550 {
        Uart16550::new(ConsoleIn::Script(input.iter().copied().collect()), ConsoleOut::Buffer(Vec::new()))
    }

    #[test]
    fn transmits_and_receives() {
        let mut u = uart(b"hi");
        // A guest that glances at the receiver once gets nothing yet; one that
        // keeps polling gets the next byte.
        assert_eq!(u.read(5, 0) as u8 & LSR_DR, 0);
        for _ in 2..SCRIPT_PATIENCE {
            assert_eq!(u.read(5, 0) as u8 & LSR_DR, 0);
        }
        assert_eq!(u.read(5, 0) as u8 & (LSR_THRE | LSR_DR), LSR_THRE | LSR_DR);
        assert_eq!(u.read(0, 0), b'h' as u64);
        assert_eq!(u.read(5, 0) as u8 & LSR_DR, 0, "the next byte comes after more polls");
        while u.read(5, 0) as u8 & LSR_DR == 0 {}
        assert_eq!(u.read(0, 0), b'i' as u64);
        for _ in 0..2 * SCRIPT_PATIENCE {
            assert_eq!(u.read(5, 0) as u8 & LSR_DR, 0);
        }
        u.write(0, b'A' as u64, 0);
        u.write(3, 0x80, 0); // DLAB: offset 0 is now the divisor latch
        u.write(0, 3, 0);
        assert_eq!(u.read(0, 0), 3);
        u.write(3, 0x03, 0);
        u.write(0, b'B' as u64, 0);
        assert_eq!(u.output().unwrap(), b"AB");
    }

    #[test]
    fn reset_values_are_qemus() {
        let mut u = uart(b"");
        let regs: Vec<u64> = (0..8).map(|o| u.read(o, 0)).collect();
        assert_eq!(regs, [0, 0, 0x01, 0, 0x08, 0x60, 0xb0, 0]);
        u.write(3, 0x80, 0);
        assert_eq!((u.read(0, 0), u.read(1, 0)), (0x0c, 0));
    }

    #[test]
    fn thre_fires_once_per_transmission_and_reading_iir_clears_it() {
        let mut u = uart(b"");
        u.write(1, IER_THRI as u64, 0);
        assert_eq!(u.take_line_update(), Some(true), "enabling THRI with THR empty raises it");
        assert_eq!(u.read(2, 0), 0x02);
        assert_eq!(u.take_line_update(), Some(false), "reading IIR showing THRE clears it");
        assert_eq!(u.read(2, 0), 0x01);
        assert_eq!(u.take_line_update(), None, "an IIR read with nothing pending re-evaluates nothing");
        u.write(0, b'x' as u64, 0);
        assert_eq!(u.take_line_update(), Some(true), "each transmission sets it again");
        // Enabling RDI re-evaluates; THRE stays pending and shows.
        u.write(1, (IER_THRI | IER_RDI) as u64, 0);
        assert_eq!((u.take_line_update(), u.read(2, 0)), (Some(true), 0x02));
    }

    #[test]
    fn fifo_trigger_level_and_character_timeout() {
        let mut u = uart(b"abc");
        u.write(2, 0x81, 0); // FIFOs on, trigger level 8
        assert_eq!(u.read(2, 0), 0xc1);
        u.write(1, IER_RDI as u64, 0);
        u.take_line_update();
        for now in 0..3 {
            u.advance(now);
        }
        assert_eq!(u.read(5, 3) as u8 & LSR_DR, LSR_DR);
        assert_eq!(u.read(2, 3), 0xc1, "3 bytes are below the trigger level");
        let at = u.next_event().expect("the timeout is armed");
        u.advance(at - 1);
        assert_eq!(u.read(2, at - 1), 0xc1);
        u.advance(at);
        assert_eq!((u.take_line_update(), u.read(2, at)), (Some(true), 0xcc));
        assert_eq!(u.read(0, at), b'a' as u64);
        assert_eq!(u.read(2, at), 0xc1, "reading RBR clears the timeout");
        u.write(2, 0x83, at); // receiver reset
        assert_eq!(u.read(5, at) as u8 & LSR_DR, 0);
    }

    #[test]
    fn overrun_sets_rls_until_lsr_is_read() {
        let mut u = uart(b"");
        u.write(1, (IER_RLSI | IER_RDI) as u64, 0);
        u.receive(b'1', 0);
        assert_eq!(u.read(2, 0), 0x04);
        u.receive(b'2', 0);
        assert_eq!(u.read(2, 0), 0x06, "a byte over an unread one is an overrun");
        assert_eq!(u.read(5, 0) as u8 & LSR_OE, LSR_OE);
        assert_eq!(u.read(2, 0), 0x04, "reading LSR cleared OE");
        assert_eq!(u.read(0, 0), b'2' as u64);
    }

    #[test]
    fn loopback_receives_what_is_sent() {
        let mut u = uart(b"");
        u.write(4, 0x1f, 0);
        assert_eq!(u.read(6, 0), 0xf0);
        u.write(0, b'L' as u64, 0);
        assert_eq!(u.read(0, 0), b'L' as u64);
        assert_eq!(u.output().unwrap(), b"");
    }
}
