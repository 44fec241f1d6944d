//! The physical address map of the board (QEMU `virt` compatible) and the
//! dispatch of physical accesses to RAM and devices.

use crate::devices::sifive_test::PowerRequest;
use crate::devices::{BootRom, Clint, Htif, Ram, SifiveTest, Uart16550};

/// Physical addresses and sizes of the board's regions (QEMU `hw/riscv/virt.c`,
/// `virt_memmap`).
pub mod map {
    /// Boot ROM (reset vector).
    pub const ROM_BASE: u64 = 0x1000;
    /// Boot ROM window size.
    pub const ROM_SIZE: u64 = 0xf000;
    /// SiFive test device (power off / reset).
    pub const TEST_BASE: u64 = 0x10_0000;
    /// Test device window size.
    pub const TEST_SIZE: u64 = 0x1000;
    /// CLINT.
    pub const CLINT_BASE: u64 = 0x200_0000;
    /// CLINT window size.
    pub const CLINT_SIZE: u64 = 0x1_0000;
    /// NS16550A UART.
    pub const UART_BASE: u64 = 0x1000_0000;
    /// UART window size.
    pub const UART_SIZE: u64 = 0x100;
    /// First byte of DRAM.
    pub const DRAM_BASE: u64 = 0x8000_0000;
}

/// A physical access that reached nothing: no device or memory answers at
/// `addr`, or the device refuses an access of that size. The hart turns it
/// into an access-fault exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusFault {
    /// The physical address.
    pub addr: u64,
}

/// The system bus: everything reachable by physical address.
pub struct Bus {
    /// Main memory.
    pub ram: Ram,
    /// Boot ROM.
    pub rom: BootRom,
    /// Core-local interruptor and the machine's time.
    pub clint: Clint,
    /// Console UART.
    pub uart: Uart16550,
    /// Power-off device.
    pub test: SifiveTest,
    /// HTIF, for programs with a `tohost` symbol: a device at that RAM address.
    htif: Option<Htif>,
    /// The aligned 8 bytes of `tohost`, or `u64::MAX` without HTIF: stores
    /// there go to the HTIF after RAM.
    tohost: u64,
}

impl Bus {
    /// Read `size` (1, 2, 4 or 8) bytes at physical address `pa`.
    #[inline]
    pub fn read(&mut self, pa: u64, size: u8) -> Result<u64, BusFault> {
        if self.ram.contains(pa, size as u64) {
            return Ok(self.ram.read(pa, size));
        }
        self.read_mmio(pa, size)
    }

    /// Write the low `size` (1, 2, 4 or 8) bytes of `val` at physical address `pa`.
    #[inline]
    pub fn write(&mut self, pa: u64, size: u8, val: u64) -> Result<(), BusFault> {
        if self.ram.contains(pa, size as u64) {
            self.ram.write(pa, size, val);
            if pa & !7 == self.tohost {
                self.poll_htif();
            }
            return Ok(());
        }
        self.write_mmio(pa, size, val)
    }

    #[inline(never)]
    fn poll_htif(&mut self) {
        if let Some(h) = &mut self.htif {
            h.poll(&mut self.ram, &mut self.uart);
        }
    }

    /// Attach an HTIF whose `tohost` (8 bytes, aligned, in RAM) and
    /// `fromhost` are at these physical addresses.
    pub fn attach_htif(&mut self, htif: Htif) {
        self.tohost = htif.tohost & !7;
        self.htif = Some(htif);
    }

    /// The power-off or reset the guest asked for, through the test device
    /// or HTIF, if any (taken: it is reported once).
    pub fn take_power_request(&mut self) -> Option<PowerRequest> {
        self.test.request.take().or_else(|| self.htif.as_mut().and_then(|h| h.request.take()))
    }

    #[inline(never)]
    fn read_mmio(&mut self, pa: u64, size: u8) -> Result<u64, BusFault> {
        use map::*;
        let fault = Err(BusFault { addr: pa });
        match pa {
            _ if in_window(pa, size, ROM_BASE, ROM_SIZE) => Ok(self.rom.read(pa - ROM_BASE, size)),
            _ if in_window(pa, size, TEST_BASE, TEST_SIZE) => Ok(self.test.read(pa - TEST_BASE, size)),
            _ if in_window(pa, size, CLINT_BASE, CLINT_SIZE) => Ok(self.clint.read(pa - CLINT_BASE, size)),
            _ if in_window(pa, size, UART_BASE, UART_SIZE) => Ok(self.uart.read(pa - UART_BASE)),
            _ => fault,
        }
    }

    #[inline(never)]
    fn write_mmio(&mut self, pa: u64, size: u8, val: u64) -> Result<(), BusFault> {
        use map::*;
        match pa {
            _ if in_window(pa, size, ROM_BASE, ROM_SIZE) => {}
            _ if in_window(pa, size, TEST_BASE, TEST_SIZE) => self.test.write(pa - TEST_BASE, val),
            _ if in_window(pa, size, CLINT_BASE, CLINT_SIZE) => self.clint.write(pa - CLINT_BASE, size, val),
            _ if in_window(pa, size, UART_BASE, UART_SIZE) => self.uart.write(pa - UART_BASE, val),
            _ => return Err(BusFault { addr: pa }),
        }
        Ok(())
    }

    /// True when `pa` is main memory (cacheable, idempotent): the only memory
    /// that instructions may be fetched from besides the boot ROM, and that LR/SC
    /// and AMOs may target.
    pub fn is_memory(&self, pa: u64, size: u8) -> bool {
        self.ram.contains(pa, size as u64) || in_window(pa, size, map::ROM_BASE, map::ROM_SIZE)
    }
}

#[inline]
fn in_window(pa: u64, size: u8, base: u64, len: u64) -> bool {
    pa >= base && pa - base + size as u64 <= len
}

impl Bus {
    /// A bus with `ram_size` bytes of RAM at [`map::DRAM_BASE`], the given
    /// boot ROM, a CLINT for `harts` harts, and a UART on the given console.
    pub fn new(
        ram_size: u64,
        harts: usize,
        rom: BootRom,
        input: crate::devices::uart::ConsoleIn,
        out: crate::devices::uart::ConsoleOut,
    ) -> Bus {
        Bus {
            ram: Ram::new(map::DRAM_BASE, ram_size),
            rom,
            clint: Clint::new(harts),
            uart: Uart16550::new(input, out),
            test: SifiveTest::default(),
            htif: None,
            tohost: u64::MAX,
        }
    }
}
