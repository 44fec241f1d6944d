//! HTIF, the host-target interface of Spike (and of QEMU's `spike`
//! machine): a guest ELF with the symbols `tohost` and `fromhost` talks to
//! the host by storing a 64-bit command into `tohost`, which lies in RAM.
//!
//! A command is `device << 56 | cmd << 48 | payload` (48-bit payload):
//! - device 0 (syscall proxy), cmd 0, payload with bit 0 set: the program
//!   ends with exit status `payload >> 1` (riscv-tests write `(code << 1) | 1`);
//! - device 0, cmd 0, payload with bit 0 clear: `payload` is the physical
//!   address of eight 64-bit words `[which, arg0, arg1, arg2, ...]`, a system
//!   call in the Linux/newlib numbering; svemu performs `write` (64) to fd 1
//!   or 2 on its console and answers every other call with -ENOSYS (-38).
//!   The result goes into word 0;
//! - device 1 (console), cmd 1: print the byte `payload & 0xff`.
//!
//! After a command the host clears `tohost` and, except after exit, writes
//! an acknowledgement to `fromhost` (1 for the syscall proxy, `device << 56
//! | cmd << 48` for the console), which the guest polls and clears.

use super::sifive_test::PowerRequest;
use super::{Ram, Uart16550};

/// Linux/newlib `write`.
const SYS_WRITE: u64 = 64;
/// -ENOSYS, the answer to system calls svemu does not proxy.
const ENOSYS: u64 = (-38i64) as u64;

/// The HTIF of one program: where its `tohost` and `fromhost` are.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct Htif {
    /// Physical address of `tohost` (8 bytes, in RAM).
    pub tohost: u64,
    /// Physical address of `fromhost`, if the program has one.
    pub fromhost: Option<u64>,
    /// An exit the guest asked for, until the machine acts on it.
    pub request: Option<PowerRequest>,
}

impl Htif {
    /// The HTIF of a program whose symbols are at these addresses.
    pub fn new(tohost: u64, fromhost: Option<u64>) -> Htif {
        Htif { tohost, fromhost, request: None }
    }

    /// Look at `tohost` after the guest stored into it, and carry out the
    /// command found there, if any. Guest addresses outside RAM are ignored
    /// (a write of nothing, a read of zeros).
    pub fn poll(&mut self, ram: &mut Ram, console: &mut Uart16550) {
        let Some(command) = read64(ram, self.tohost) else { return };
        if command == 0 {
            return;
        }
        write64(ram, self.tohost, 0);
        let (device, cmd, payload) = (command >> 56, (command >> 48) & 0xff, command & 0xffff_ffff_ffff);
        let ack = match (device, cmd) {
            (0, 0) if payload & 1 == 1 => {
                let code = payload >> 1;
                self.request =
                    Some(if code == 0 { PowerRequest::Pass } else { PowerRequest::Fail(code.min(0xffff) as u16) });
                return;
            }
            (0, 0) => {
                let result = self.syscall(ram, console, payload);
                write64(ram, payload, result);
                1
            }
            (1, 1) => {
                console.console_write(&[payload as u8]);
                command & !0xffff_ffff_ffff
            }
            _ => {
                log::warn!("htif: unknown command {command:#x} (device {device}, command {cmd}) ignored");
                return;
            }
        };
        if let Some(fromhost) = self.fromhost {
            write64(ram, fromhost, ack);
        }
    }

    /// The system call described at `magic` (eight words); returns its result.
    fn syscall(&self, ram: &Ram, console: &mut Uart16550, magic: u64) -> u64 {
        let word = |k: u64| read64(ram, magic.wrapping_add(8 * k)).unwrap_or(0);
        let (which, fd, buf, len) = (word(0), word(1), word(2), word(3));
        match which {
            SYS_WRITE if fd == 1 || fd == 2 => match ram.slice(buf, len) {
                Some(bytes) => {
                    console.console_write(bytes);
                    len
                }
                None => (-14i64) as u64, // -EFAULT
            },
            SYS_WRITE => (-9i64) as u64, // -EBADF
            _ => ENOSYS,
        }
    }
}

fn read64(ram: &Ram, pa: u64) -> Option<u64> {
    ram.contains(pa, 8).then(|| ram.read(pa, 8))
}

fn write64(ram: &mut Ram, pa: u64, v: u64) {
    if ram.contains(pa, 8) {
        ram.write(pa, 8, v);
    }
}
