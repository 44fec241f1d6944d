//! Boot information read from the flattened device tree (DTB) with the `fdt` crate.
//!
//! Reads `/memory` (RAM ranges), `/chosen/bootargs` and
//! `/chosen/linux,initrd-start` / `linux,initrd-end` (32- or 64-bit cells, as
//! QEMU and Linux's `Documentation/devicetree/bindings/chosen.txt` allow).

use crate::mm::PhysAddr;
use alloc::string::String;
use alloc::vec::Vec;

/// What svos needs to know about the machine, all physical addresses in bytes.
#[derive(Debug, Clone)]
pub struct BootInfo {
    /// First byte of RAM (the first /memory region).
    pub mem_start: PhysAddr,
    /// One past the last byte of that RAM region.
    pub mem_end: PhysAddr,
    /// The DTB itself: [start, end).
    pub dtb: (PhysAddr, PhysAddr),
    /// The initrd, [start, end), if /chosen names one.
    pub initrd: Option<(PhysAddr, PhysAddr)>,
    /// /chosen/bootargs, or "" if absent.
    pub bootargs: String,
    /// /cpus/timebase-frequency in Hz (0 if absent).
    pub timebase: u64,
    /// The first cpu's riscv,isa string ("" if absent).
    pub isa: String,
    /// Hart ids of the /cpus/cpu@N nodes (their `reg`), in DTB order.
    pub hart_ids: Vec<usize>,
    /// The register windows (physical base, size in bytes) of the nodes
    /// compatible with `virtio,mmio`, in DTB order (QEMU lists them from
    /// the highest address down).
    pub virtio_mmio: Vec<(usize, usize)>,
    /// /chosen/rng-seed (QEMU puts 32 random bytes there; empty if absent).
    pub rng_seed: Vec<u8>,
    /// The physical base of svemu's trace port (`svemu,trace`), if any.
    pub trace_port: Option<usize>,
}

/// Errors reading the DTB. All are fatal at boot.
#[derive(Debug)]
pub enum DtbError {
    /// The magic at the given address is not 0xd00dfeed.
    BadMagic,
    /// The `fdt` crate rejected the blob.
    Parse(fdt::FdtError),
    /// No /memory region.
    NoMemory,
}

/// Parses the DTB at physical address `dtb_pa`, accessed through the direct map.
///
/// # Safety
/// `dtb_pa` must be the address the boot ROM passed in `a1`, and the direct map
/// (boot page table) must cover it.
pub unsafe fn parse(dtb_pa: usize) -> Result<BootInfo, DtbError> {
    let va = PhysAddr(dtb_pa).to_kva() as *const u8;
    // fdt header: magic (be32) at 0, totalsize (be32) at 4.
    let hdr = core::slice::from_raw_parts(va, 8);
    let magic = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
    if magic != 0xd00d_feed {
        return Err(DtbError::BadMagic);
    }
    let size = u32::from_be_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]) as usize;
    let blob = core::slice::from_raw_parts(va, size);
    let fdt = fdt::Fdt::new(blob).map_err(DtbError::Parse)?;

    let region = fdt.memory().regions().next().ok_or(DtbError::NoMemory)?;
    let mem_start = region.starting_address as usize;
    let mem_size = region.size.ok_or(DtbError::NoMemory)?;

    let bootargs = String::from(fdt.chosen().bootargs().unwrap_or(""));

    let initrd = fdt.find_node("/chosen").and_then(|chosen| {
        let start = chosen.property("linux,initrd-start")?.as_usize()?;
        let end = chosen.property("linux,initrd-end")?.as_usize()?;
        if end > start {
            Some((PhysAddr(start), PhysAddr(end)))
        } else {
            None
        }
    });

    let cpus = fdt.find_node("/cpus");
    let timebase = cpus.and_then(|c| c.property("timebase-frequency")).and_then(|p| p.as_usize()).unwrap_or(0) as u64;
    let isa = fdt
        .cpus()
        .next()
        .and_then(|c| c.property("riscv,isa"))
        .and_then(|p| p.as_str())
        .map(String::from)
        .unwrap_or_default();

    let hart_ids = fdt.cpus().map(|c| c.ids().first()).collect();
    let virtio_mmio = fdt
        .all_nodes()
        .filter(|n| n.compatible().is_some_and(|c| c.all().any(|s| s == "virtio,mmio")))
        .filter_map(|n| n.reg()?.next())
        .map(|r| (r.starting_address as usize, r.size.unwrap_or(0)))
        .collect();

    let rng_seed =
        fdt.find_node("/chosen").and_then(|c| c.property("rng-seed")).map(|p| p.value.to_vec()).unwrap_or_default();

    let trace_port = fdt
        .all_nodes()
        .find(|n| n.compatible().is_some_and(|c| c.all().any(|s| s == "svemu,trace")))
        .and_then(|n| n.reg()?.next())
        .map(|r| r.starting_address as usize);

    Ok(BootInfo {
        rng_seed,
        trace_port,
        hart_ids,
        virtio_mmio,
        timebase,
        isa,
        mem_start: PhysAddr(mem_start),
        mem_end: PhysAddr(mem_start + mem_size),
        dtb: (PhysAddr(dtb_pa), PhysAddr(dtb_pa + size)),
        initrd,
        bootargs,
    })
}
