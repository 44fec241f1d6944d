//! Assembling the `virt` board from files, as QEMU does for `-kernel`,
//! `-initrd`, `-append` and `-m` with `-bios none`: the kernel ELF loaded at
//! its physical addresses, the initrd and the DTB placed where QEMU places
//! them (`hw/riscv/boot.c`), and a reset vector in the boot ROM that jumps
//! to the kernel with a0 = mhartid and a1 = the DTB address.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::bus::{map, Bus};
use crate::devices::ram::RamAllocError;
use crate::devices::uart::{ConsoleIn, ConsoleOut};
use crate::devices::virtio::blk::{Block, DiskLatency};
use crate::devices::{BootRom, Htif, VirtioMmio};
use crate::fdt::{self, DtbConfig};
use crate::hart::Hart;
use crate::input::{read_limited, InputError, MAX_IMAGE};
use crate::loader::{self, LoadError};
use crate::machine::Machine;
use crate::mmu::{AdPolicy, Mmu, TlbGeometry};
use crate::trace::Tracer;

/// Default RAM size: 128 MiB, as QEMU's virt board.
pub const DEFAULT_RAM: u64 = 128 << 20;
/// Largest RAM size accepted: 64 GiB.
pub const MAX_RAM: u64 = 64 << 30;
/// Most harts a board can have (`--smp`).
pub const MAX_HARTS: usize = 8;

/// What to build.
pub struct BoardConfig {
    /// Firmware (`--bios FILE`): an ELF, or a raw binary loaded at
    /// 0x8000_0000, where every hart jumps from the boot ROM. `None` is
    /// `--bios none`: the boot ROM jumps to the kernel.
    pub bios: Option<PathBuf>,
    /// Kernel: an ELF; with a firmware also a raw binary, loaded at the
    /// first 2 MiB boundary after the firmware (QEMU's
    /// `riscv_calc_kernel_start_addr`). Optional only with a firmware.
    pub kernel: Option<PathBuf>,
    /// Initial ramdisk, placed in RAM and named in `/chosen`.
    pub initrd: Option<PathBuf>,
    /// Kernel command line (`/chosen/bootargs`).
    pub append: Option<String>,
    /// RAM size in bytes (a multiple of 4 KiB, at least 16 MiB, at most [`MAX_RAM`]).
    pub ram_size: u64,
    /// Number of harts, 1..=[`MAX_HARTS`].
    pub harts: usize,
    /// Raw disk images, one virtio-blk device each in virtio-mmio slots 0, 1, ...
    /// (at most [`map::VIRTIO_SLOTS`]).
    pub drives: Vec<PathBuf>,
    /// Lock the disk images as QEMU does (`--drive-locking on`, the default):
    /// an image another svemu or QEMU uses is an error.
    pub drive_locking: bool,
    /// How long each disk takes per request (`--disk-latency`), in machine time.
    pub disk_latency: DiskLatency,
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
    /// A file could not be read, or is larger than its limit.
    #[error(transparent)]
    Read(#[from] InputError),
    /// The firmware or kernel cannot be loaded.
    #[error("cannot load {what} '{path}': {source}", path = .path.display())]
    Load {
        /// "firmware" or "kernel".
        what: &'static str,
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
    /// A disk image cannot be opened for reading and writing.
    #[error(transparent)]
    Drive(#[from] crate::devices::virtio::blk::DriveError),
    /// The host cannot give guest RAM its memory.
    #[error(transparent)]
    Ram(#[from] RamAllocError),
    /// The device tree could not be written.
    #[error("cannot build the device tree: {0}")]
    Dtb(vm_fdt::Error),
}

/// Build a machine from `cfg`: every hart starts at the boot ROM in M-mode,
/// as QEMU starts them.
pub fn build(cfg: BoardConfig) -> Result<Machine, BoardError> {
    build_with_dtb(cfg).map(|(m, _)| m)
}

/// [`build`], also returning the device tree blob given to the guest (what
/// `--dumpdtb` writes).
pub fn build_with_dtb(cfg: BoardConfig) -> Result<(Machine, Vec<u8>), BoardError> {
    let harts = cfg.harts;
    if !(1..=MAX_HARTS).contains(&harts) {
        return Err(BoardError::Config(format!("{harts} harts are not supported: give 1 to {MAX_HARTS}")));
    }
    if cfg.ram_size < (16 << 20) || cfg.ram_size > MAX_RAM || !cfg.ram_size.is_multiple_of(4096) {
        return Err(BoardError::Config(format!(
            "RAM size {} bytes is not supported: give a multiple of 4 KiB from 16 MiB to {} GiB",
            cfg.ram_size,
            MAX_RAM >> 30
        )));
    }
    cfg.tlb.validate().map_err(BoardError::Config)?;
    if cfg.drives.len() > map::VIRTIO_SLOTS {
        return Err(BoardError::Config(format!(
            "{} drives given, but the board has {} virtio-mmio slots",
            cfg.drives.len(),
            map::VIRTIO_SLOTS
        )));
    }
    let disks = cfg
        .drives
        .iter()
        .enumerate()
        .map(|(k, p)| Block::open(p, &format!("svemu-disk{k}"), cfg.drive_locking))
        .collect::<Result<Vec<_>, _>>()?;
    if cfg.bios.is_none() && cfg.kernel.is_none() {
        return Err(BoardError::Config("nothing to run: give --kernel, or a firmware with --bios".into()));
    }
    let image = |what, p: &Path| read_limited(what, p, MAX_IMAGE, "");
    let bios = cfg.bios.as_deref().map(|p| image("firmware", p)).transpose()?;
    let kernel = cfg.kernel.as_deref().map(|p| image("kernel", p)).transpose()?;
    // The initrd is copied into RAM whole: it can be no larger.
    let initrd =
        cfg.initrd.as_deref().map(|p| read_limited("initrd", p, cfg.ram_size, ", the RAM size")).transpose()?;

    let mut bus = Bus::try_new(cfg.ram_size, harts, BootRom::reset_vector(0, 0), cfg.console_in, cfg.console_out)?;
    for (slot, disk) in disks.into_iter().enumerate() {
        bus.virtio[slot] = VirtioMmio::new(Some(disk));
        bus.virtio[slot].set_latency(cfg.disk_latency);
    }
    // raw_addr None: only an ELF is accepted.
    let load = |what, path: &Option<PathBuf>, bytes: &[u8], ram: &mut crate::devices::Ram, raw_addr: Option<u64>| {
        match raw_addr {
            Some(addr) => loader::load_image(bytes, ram, addr),
            None => loader::load_elf(bytes, ram),
        }
        .map_err(|source| BoardError::Load { what, path: path.clone().unwrap_or_default(), source })
    };
    let firmware = match &bios {
        Some(bytes) => Some(load("firmware", &cfg.bios, bytes, &mut bus.ram, Some(map::DRAM_BASE))?),
        None => None,
    };
    // QEMU: a raw kernel goes to the firmware's end rounded up to 2 MiB
    // (RV64). Without a firmware QEMU would load it at the start of RAM;
    // svemu insists on an ELF there, so that a wrong file is an error
    // rather than a jump into garbage.
    let kernel_start = firmware.as_ref().map(|f| f.end.next_multiple_of(2 << 20));
    let image = match &kernel {
        Some(bytes) => {
            let image = load("kernel", &cfg.kernel, bytes, &mut bus.ram, kernel_start)?;
            if let Some(f) = firmware.as_ref().filter(|f| f.start < image.end && image.start < f.end) {
                return Err(BoardError::DoesNotFit(format!(
                    "the kernel at {:#x}..{:#x} overlaps the firmware at {:#x}..{:#x}",
                    image.start, image.end, f.start, f.end
                )));
            }
            Some(image)
        }
        None => None,
    };
    let ram_end = map::DRAM_BASE + cfg.ram_size;

    // Where the firmware hands over (fw_dynamic next_addr): the kernel's
    // entry, 0 without a kernel, as QEMU.
    let kernel_entry = image.as_ref().map_or(0, |i| i.entry);
    // What is loaded, for overlap checks.
    let loaded: Vec<(u64, u64)> = firmware.iter().chain(image.iter()).map(|i| (i.start, i.end)).collect();
    // The initrd goes at entry + min(RAM / 2, 128 MiB), as QEMU's riscv_load_initrd.
    let initrd_range = match &initrd {
        Some(bytes) => {
            let start = kernel_entry.max(map::DRAM_BASE).wrapping_add((cfg.ram_size / 2).min(128 << 20));
            let end = start + bytes.len() as u64;
            if let Some((s, e)) = loaded.iter().find(|&&(s, e)| start < e && s < end) {
                return Err(BoardError::DoesNotFit(format!(
                    "the initrd at {start:#x}..{end:#x} would overlap the image at {s:#x}..{e:#x}"
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
    let Some(dtb_addr) =
        top.checked_sub(dtb.len() as u64).map(|a| a & !((2 << 20) - 1)).filter(|&a| a >= map::DRAM_BASE)
    else {
        return Err(BoardError::DoesNotFit(format!("the device tree ({} bytes) does not fit in RAM", dtb.len())));
    };
    let overlaps = |(s, e): (u64, u64)| dtb_addr < e && s < dtb_addr + dtb.len() as u64;
    if loaded.iter().copied().any(overlaps) || initrd_range.is_some_and(overlaps) {
        return Err(BoardError::DoesNotFit(format!(
            "no room for the device tree at {dtb_addr:#x}; give more memory with -m"
        )));
    }
    let dst = bus.ram.slice_mut(dtb_addr, dtb.len() as u64);
    dst.ok_or_else(|| BoardError::DoesNotFit(format!("no room for the device tree at {dtb_addr:#x}")))?
        .copy_from_slice(&dtb);
    let start = firmware.as_ref().map_or(kernel_entry, |f| f.entry);
    bus.rom = BootRom::with_next_stage(start, dtb_addr, kernel_entry);
    // HTIF for the kernel's tohost, else the firmware's.
    if let Some(img) = image.iter().chain(firmware.iter()).find(|i| i.tohost.is_some()) {
        let tohost = img.tohost.expect("found by tohost");
        if bus.ram.contains(tohost, 8) {
            bus.attach_htif(Htif::new(tohost, img.fromhost));
        } else {
            log::warn!("tohost at {tohost:#x} is not in RAM: HTIF is off");
        }
    }

    let hart_list = (0..harts as u64).map(|id| Hart::new(id, map::ROM_BASE)).collect();
    let mmus = (0..harts).map(|_| Mmu::new(cfg.ad_policy, cfg.tlb)).collect();
    Ok((Machine::new(hart_list, mmus, bus, cfg.tracer), dtb))
}
