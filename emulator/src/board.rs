//! Assembling the `virt` board from files, as QEMU does for `-kernel`,
//! `-initrd`, `-append` and `-m` with `-bios none`: the kernel ELF loaded at
//! its physical addresses, the initrd and the DTB placed where QEMU places
//! them (`hw/riscv/boot.c`), and a reset vector in the boot ROM that jumps
//! to the kernel with a0 = mhartid and a1 = the DTB address.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::bus::{map, Bus};
use crate::devices::uart::{ConsoleIn, ConsoleOut};
use crate::devices::{BootRom, Htif};
use crate::fdt::{self, DtbConfig};
use crate::hart::Hart;
use crate::loader::{self, LoadError};
use crate::machine::Machine;
use crate::mmu::{AdPolicy, Mmu, TlbGeometry};
use crate::trace::Tracer;

/// Default RAM size: 128 MiB, as QEMU's virt board.
pub const DEFAULT_RAM: u64 = 128 << 20;
/// Largest RAM size accepted: 64 GiB.
pub const MAX_RAM: u64 = 64 << 30;

/// What to build.
pub struct BoardConfig {
    /// Kernel ELF.
    pub kernel: PathBuf,
    /// Initial ramdisk, placed in RAM and named in `/chosen`.
    pub initrd: Option<PathBuf>,
    /// Kernel command line (`/chosen/bootargs`).
    pub append: Option<String>,
    /// RAM size in bytes (a multiple of 4 KiB, at least 16 MiB, at most [`MAX_RAM`]).
    pub ram_size: u64,
    /// A/D bit policy of every hart's MMU.
    pub ad_policy: AdPolicy,
    /// TLB size and associativity of every hart (validated by [`build`]).
    pub tlb: TlbGeometry,
    /// Console input.
    pub console_in: ConsoleIn,
    /// Console output.
    pub console_out: ConsoleOut,
    /// Trace sink.
    pub tracer: Tracer,
}

/// Why the board could not be built. Nothing has run when this is returned.
#[derive(Debug, Error)]
pub enum BoardError {
    /// A file could not be read.
    #[error("cannot read {what} '{path}': {source}")]
    Read {
        /// "kernel" or "initrd".
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The kernel is not a loadable RISC-V ELF.
    #[error("cannot load kernel '{path}': {source}")]
    Kernel {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        source: LoadError,
    },
    /// Something does not fit in RAM.
    #[error("{0}")]
    DoesNotFit(String),
    /// Bad configuration.
    #[error("{0}")]
    Config(String),
    /// The device tree could not be written.
    #[error("cannot build the device tree: {0}")]
    Dtb(vm_fdt::Error),
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, BoardError> {
    std::fs::read(path).map_err(|source| BoardError::Read { what, path: path.to_owned(), source })
}

/// Build a one-hart machine from `cfg`.
pub fn build(cfg: BoardConfig) -> Result<Machine, BoardError> {
    let harts = 1;
    if cfg.ram_size < (16 << 20) || cfg.ram_size > MAX_RAM || cfg.ram_size % 4096 != 0 {
        return Err(BoardError::Config(format!(
            "RAM size {} bytes is not supported: give a multiple of 4 KiB from 16 MiB to {} GiB",
            cfg.ram_size,
            MAX_RAM >> 30
        )));
    }
    cfg.tlb.validate().map_err(BoardError::Config)?;
    let kernel = read("kernel", &cfg.kernel)?;
    let initrd = cfg.initrd.as_deref().map(|p| read("initrd", p)).transpose()?;

    let mut bus = Bus::new(cfg.ram_size, harts, BootRom::reset_vector(0, 0), cfg.console_in, cfg.console_out);
    let image = loader::load_elf(&kernel, &mut bus.ram)
        .map_err(|source| BoardError::Kernel { path: cfg.kernel.clone(), source })?;
    let ram_end = map::DRAM_BASE + cfg.ram_size;

    // The initrd goes at entry + min(RAM / 2, 128 MiB), as QEMU's riscv_load_initrd.
    let initrd_range = match &initrd {
        Some(bytes) => {
            let start = image.entry.wrapping_add((cfg.ram_size / 2).min(128 << 20));
            let end = start + bytes.len() as u64;
            if start < image.end && image.start < end {
                return Err(BoardError::DoesNotFit(format!(
                    "the initrd at {start:#x}..{end:#x} would overlap the kernel at {:#x}..{:#x}",
                    image.start, image.end
                )));
            }
            let dst = bus.ram.slice_mut(start, bytes.len() as u64).ok_or_else(|| {
                BoardError::DoesNotFit(format!(
                    "the initrd ({} bytes) does not fit in RAM at {start:#x}; give more memory with -m",
                    bytes.len()
                ))
            })?;
            dst.copy_from_slice(bytes);
            Some((start, end))
        }
        None => None,
    };

    let dtb = fdt::build(&DtbConfig { harts, ram_size: cfg.ram_size, bootargs: cfg.append, initrd: initrd_range })
        .map_err(BoardError::Dtb)?;
    // The DTB goes at the end of RAM (below 3 GiB), aligned down to 2 MiB,
    // as QEMU's riscv_compute_fdt_addr.
    let top = ram_end.min(map::DRAM_BASE + (3 << 30));
    let dtb_addr = (top - dtb.len() as u64) & !((2 << 20) - 1);
    let overlaps = |(s, e): (u64, u64)| dtb_addr < e && s < dtb_addr + dtb.len() as u64;
    if overlaps((image.start, image.end)) || initrd_range.is_some_and(overlaps) {
        return Err(BoardError::DoesNotFit(format!(
            "no room for the device tree at {dtb_addr:#x}; give more memory with -m"
        )));
    }
    bus.ram.slice_mut(dtb_addr, dtb.len() as u64).expect("DTB address is inside RAM").copy_from_slice(&dtb);
    bus.rom = BootRom::reset_vector(image.entry, dtb_addr);
    if let Some(tohost) = image.tohost {
        if bus.ram.contains(tohost, 8) {
            bus.attach_htif(Htif::new(tohost, image.fromhost));
        } else {
            log::warn!("tohost at {tohost:#x} is not in RAM: HTIF is off");
        }
    }

    let hart_list = (0..harts as u64).map(|id| Hart::new(id, map::ROM_BASE)).collect();
    let mmus = (0..harts).map(|_| Mmu::new(cfg.ad_policy, cfg.tlb)).collect();
    Ok(Machine::new(hart_list, mmus, bus, cfg.tracer))
}
