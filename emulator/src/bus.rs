//! The physical address map of the board (QEMU `virt` compatible) and the
//! dispatch of physical accesses to RAM and devices.

use crate::devices::ram::RamAllocError;
use crate::devices::sifive_test::PowerRequest;
use crate::devices::trace_port::TracePort;
use crate::devices::virtio::GuestMemory;
use crate::devices::{BootRom, Clint, Htif, Plic, Ram, SifiveTest, Uart16550, VirtioMmio};
use crate::reservations::Reservations;

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
    /// svemu's paravirtual trace port (`svemu,trace`; not on QEMU's board).
    pub const TRACE_BASE: u64 = 0x11_0000;
    /// Its window.
    pub const TRACE_SIZE: u64 = 0x1000;
    /// CLINT.
    pub const CLINT_BASE: u64 = 0x200_0000;
    /// CLINT window size.
    pub const CLINT_SIZE: u64 = 0x1_0000;
    /// PLIC.
    pub const PLIC_BASE: u64 = 0xc00_0000;
    /// PLIC window size.
    pub const PLIC_SIZE: u64 = crate::devices::plic::WINDOW_SIZE;
    /// NS16550A UART.
    pub const UART_BASE: u64 = 0x1000_0000;
    /// UART window size.
    pub const UART_SIZE: u64 = 0x100;
    /// PLIC source of the UART's interrupt.
    pub const UART_IRQ: usize = 10;
    /// Number of virtio-mmio slots.
    pub const VIRTIO_SLOTS: usize = 8;
    /// Window size of one virtio-mmio slot.
    pub const VIRTIO_SIZE: u64 = 0x1000;
    /// Base address of virtio-mmio slot `slot` (0..[`VIRTIO_SLOTS`]).
    pub const fn virtio_base(slot: usize) -> u64 {
        0x1000_1000 + VIRTIO_SIZE * slot as u64
    }
    /// PLIC source of virtio-mmio slot `slot`.
    pub const fn virtio_irq(slot: usize) -> usize {
        1 + slot
    }
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
    /// LR/SC reservations, broken by stores to RAM.
    pub reservations: Reservations,
    /// Boot ROM.
    pub rom: BootRom,
    /// Core-local interruptor and the machine's time.
    pub clint: Clint,
    /// Platform-level interrupt controller.
    pub plic: Plic,
    /// Console UART.
    pub uart: Uart16550,
    /// Power-off device.
    pub test: SifiveTest,
    /// The kernel's events ([`crate::devices::trace_port`]).
    pub trace_port: TracePort,
    /// HTIF, for programs with a `tohost` symbol: a device at that RAM address.
    htif: Option<Htif>,
    /// The aligned 8 bytes of `tohost`, or `u64::MAX` without HTIF: stores
    /// there go to the HTIF after RAM.
    tohost: u64,
    /// The virtio-mmio slots, [`map::VIRTIO_SLOTS`] of them.
    pub virtio: Vec<VirtioMmio>,
    /// Set by every device access: interrupt lines may have changed, so the
    /// machine re-evaluates them before the next instruction
    /// ([`Bus::update_interrupts`]) and clears this.
    pub lines_dirty: bool,
    /// Set by every device access and HTIF command: the machine's run loop
    /// ends its current burst of unchecked instructions (devices may raise
    /// lines or ask for power-off) and clears this at the next one.
    pub attention: bool,
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
    ///
    /// Always inlined: the store handlers then write RAM with a constant
    /// size, and whether the compiler inlined it otherwise flipped with
    /// unrelated changes (worth 6% of memcopy's host instructions).
    #[inline(always)]
    pub fn write(&mut self, pa: u64, size: u8, val: u64) -> Result<(), BusFault> {
        if self.ram.contains(pa, size as u64) {
            if self.reservations.any() {
                self.reservations.store(pa, size);
            }
            self.ram.write(pa, size, val);
            if pa & !7 == self.tohost {
                self.poll_htif();
            }
            return Ok(());
        }
        self.write_mmio(pa, size, val)
    }

    /// The offset in RAM of the page holding `pa` when loads from it (or,
    /// `for_store`, stores to it) may go straight to RAM with
    /// [`Bus::read_direct`] and [`Bus::write_direct`]: a RAM page, not
    /// marked as holding decoded code for a store, and not HTIF's `tohost`
    /// page for a store (a store there is a command).
    #[inline]
    pub fn direct_page(&self, pa: u64, for_store: bool) -> Option<usize> {
        if for_store && pa >> 12 == self.tohost >> 12 {
            return None;
        }
        self.ram.page_offset(pa, for_store)
    }

    /// [`Bus::read`] of RAM at offset `off` from its start, with no checks.
    ///
    /// # Safety
    ///
    /// As [`Ram::read_page`]: a `size`-byte access within a page given by
    /// [`Bus::direct_page`].
    #[inline(always)]
    pub unsafe fn read_direct(&self, off: usize, size: u8) -> u64 {
        // SAFETY: as the caller guarantees.
        unsafe { self.ram.read_page(off, size) }
    }

    /// [`Bus::write`] to RAM at offset `off` from its start: the
    /// reservations on it end, with no other check.
    ///
    /// # Safety
    ///
    /// As [`Ram::write_page`]: a `size`-byte access within a page given by
    /// [`Bus::direct_page`] for a store, not marked as holding decoded
    /// code since.
    #[inline(always)]
    pub unsafe fn write_direct(&mut self, off: usize, size: u8, val: u64) {
        if self.reservations.any() {
            self.reservations.store(self.ram.base() + off as u64, size);
        }
        // SAFETY: as the caller guarantees.
        unsafe { self.ram.write_page(off, size, val) }
    }

    #[inline(never)]
    fn poll_htif(&mut self) {
        self.attention = true;
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
        self.lines_dirty = true;
        self.attention = true;
        let fault = Err(BusFault { addr: pa });
        match pa {
            _ if in_window(pa, size, ROM_BASE, ROM_SIZE) => Ok(self.rom.read(pa - ROM_BASE, size)),
            _ if in_window(pa, size, TEST_BASE, TEST_SIZE) && SifiveTest::size_ok(size) => {
                Ok(self.test.read(pa - TEST_BASE, size))
            }
            _ if in_window(pa, size, TRACE_BASE, TRACE_SIZE) => Ok(self.trace_port.read(pa - TRACE_BASE)),
            _ if in_window(pa, size, CLINT_BASE, CLINT_SIZE) => Ok(self.clint.read(pa - CLINT_BASE, size)),
            _ if in_window(pa, size, PLIC_BASE, PLIC_SIZE) && size == 4 => Ok(self.plic.read(pa - PLIC_BASE, size)),
            _ if in_window(pa, size, UART_BASE, UART_SIZE) => Ok(self.uart.read(pa - UART_BASE, self.clint.cycles())),
            _ if in_window(pa, size, virtio_base(0), VIRTIO_SIZE * VIRTIO_SLOTS as u64) => {
                let off = pa - virtio_base(0);
                Ok(self.virtio[(off / VIRTIO_SIZE) as usize].read(off % VIRTIO_SIZE, size))
            }
            _ => fault,
        }
    }

    #[inline(never)]
    fn write_mmio(&mut self, pa: u64, size: u8, val: u64) -> Result<(), BusFault> {
        use map::*;
        self.lines_dirty = true;
        self.attention = true;
        match pa {
            _ if in_window(pa, size, ROM_BASE, ROM_SIZE) => {}
            _ if in_window(pa, size, TEST_BASE, TEST_SIZE) && SifiveTest::size_ok(size) => {
                self.test.write(pa - TEST_BASE, val)
            }
            _ if in_window(pa, size, TRACE_BASE, TRACE_SIZE) => self.trace_port.write(pa - TRACE_BASE, val, &self.ram),
            _ if in_window(pa, size, CLINT_BASE, CLINT_SIZE) => self.clint.write(pa - CLINT_BASE, size, val),
            _ if in_window(pa, size, PLIC_BASE, PLIC_SIZE) && size == 4 => self.plic.write(pa - PLIC_BASE, size, val),
            _ if in_window(pa, size, UART_BASE, UART_SIZE) => self.uart.write(pa - UART_BASE, val, self.clint.cycles()),
            _ if in_window(pa, size, virtio_base(0), VIRTIO_SIZE * VIRTIO_SLOTS as u64) => {
                let off = pa - virtio_base(0);
                let mut mem = GuestMemory::new(&mut self.ram, &mut self.reservations);
                let now = self.clint.cycles();
                self.virtio[(off / VIRTIO_SIZE) as usize].write(off % VIRTIO_SIZE, size, val, &mut mem, now);
            }
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
    ///
    /// Panics when the host cannot allocate the RAM: for tests with small
    /// sizes; [`Bus::try_new`] reports it instead.
    pub fn new(
        ram_size: u64,
        harts: usize,
        rom: BootRom,
        input: crate::devices::uart::ConsoleIn,
        out: crate::devices::uart::ConsoleOut,
    ) -> Bus {
        Bus::try_new(ram_size, harts, rom, input, out).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Bus::new`], or an error when the host refuses the RAM's memory.
    pub fn try_new(
        ram_size: u64,
        harts: usize,
        rom: BootRom,
        input: crate::devices::uart::ConsoleIn,
        out: crate::devices::uart::ConsoleOut,
    ) -> Result<Bus, RamAllocError> {
        Ok(Bus {
            ram: Ram::try_new(map::DRAM_BASE, ram_size)?,
            reservations: Reservations::new(harts),
            rom,
            clint: Clint::new(harts),
            plic: Plic::new(harts),
            uart: Uart16550::new(input, out),
            test: SifiveTest::default(),
            trace_port: TracePort::default(),
            htif: None,
            tohost: u64::MAX,
            virtio: (0..map::VIRTIO_SLOTS).map(|_| VirtioMmio::new(None)).collect(),
            lines_dirty: true,
            attention: false,
        })
    }

    /// Let the UART see the time (its character timeout, console input)
    /// and carry the devices' reports of their interrupt lines into the
    /// PLIC's gateway ([`Plic::set_level`]), after device state changed or
    /// console input may have arrived.
    pub fn update_interrupts(&mut self) {
        self.lines_dirty = false;
        self.uart.advance(self.clint.cycles());
        if let Some(level) = self.uart.take_line_update() {
            self.plic.set_level(map::UART_IRQ, level);
        }
        let now = self.clint.cycles();
        for v in self.virtio.iter_mut().filter(|v| v.next_event().is_some_and(|due| due <= now)) {
            v.advance(now, &mut GuestMemory::new(&mut self.ram, &mut self.reservations));
        }
        for (slot, v) in self.virtio.iter_mut().enumerate() {
            if let Some(level) = v.take_line_update() {
                self.plic.set_level(map::virtio_irq(slot), level);
            }
        }
    }

    /// The next cycle at which a device changes state on its own (the
    /// UART's character timeout, a disk request's completion), if any: the
    /// machine does not let time jump past it.
    pub fn next_device_event(&self) -> Option<u64> {
        self.virtio.iter().filter_map(VirtioMmio::next_event).chain(self.uart.next_event()).min()
    }

    /// Per disk (by virtio-mmio slot) the requests it carried out.
    pub fn disk_stats(&self) -> Vec<crate::stats::DiskStats> {
        let slots = self.virtio.iter().enumerate();
        slots
            .filter_map(|(slot, v)| v.disk().map(|d| (slot, d.counts)))
            .map(|(slot, c)| crate::stats::DiskStats {
                slot,
                requests: c.requests,
                sectors_read: c.sectors_read,
                sectors_written: c.sectors_written,
            })
            .collect()
    }

    /// The HTIF device's state, for checkpoints (None without HTIF).
    pub fn htif_mut(&mut self) -> &mut Option<Htif> {
        &mut self.htif
    }

    /// Make every disk write durable (fsync each image): at power-off.
    pub fn sync_disks(&self) {
        for b in self.virtio.iter().filter_map(VirtioMmio::block) {
            if let Err(e) = b.sync() {
                log::error!("cannot sync disk image '{}': {e}", b.path().display());
            }
        }
    }

    /// The interrupt lines of hart `hart` as mip bits: MSIP and MTIP from the
    /// CLINT, MEIP and SEIP from the PLIC's contexts 2·hart and 2·hart + 1.
    pub fn hart_lines(&self, hart: usize) -> u64 {
        use crate::hart::trap::irq;
        ((self.clint.msip(hart) as u64) << irq::MSI)
            | ((self.clint.mtip(hart) as u64) << irq::MTI)
            | ((self.plic.irq(2 * hart) as u64) << irq::MEI)
            | ((self.plic.irq(2 * hart + 1) as u64) << irq::SEI)
    }
}
