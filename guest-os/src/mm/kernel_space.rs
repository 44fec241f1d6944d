//! The kernel page table: the kernel image with per-section permissions, the
//! rest of RAM as a read/write direct map (2 MiB megapages where aligned), and the MMIO devices. Every mapping
//! is global and never U. Its upper half is shared by every user page table.

use super::address::{PhysAddr, PhysPageNum, VirtAddr, PAGE_SIZE, PHYS_OFFSET};
use super::page_table::{MapError, PageTable, PteFlags};
use core::sync::atomic::{AtomicUsize, Ordering};

extern "C" {
    static __kernel_start: u8;
    static __etext: u8;
    static __erodata: u8;
    static __kernel_end: u8;
    static boot_stack_guard: u8;
}

/// Linker-script symbol addresses (upper-half virtual addresses).
fn sym(s: *const u8) -> usize {
    s as usize
}

static KERNEL_ROOT: AtomicUsize = AtomicUsize::new(0);
static KERNEL_SATP: AtomicUsize = AtomicUsize::new(0);

/// MMIO regions mapped R+W: (physical base, size in bytes, name). The
/// eight virtio-mmio slots of the `virt` board share the UART's page-table
/// page, so mapping them costs no frame.
pub const MMIO: &[(usize, usize, &str)] = &[
    (0x0010_0000, 0x1000, "sifive_test"),
    (0x0011_0000, 0x1000, "svemu,trace"),
    (0x0200_0000, 0x1_0000, "clint"),
    (0x0c00_0000, 0x3000, "plic"),
    (0x0c20_0000, 0x1_0000, "plic-contexts"),
    (0x1000_0000, 0x1000, "uart"),
    (0x1000_1000, 0x8000, "virtio-mmio"),
];

/// Physical end of the kernel image (page aligned).
pub fn kernel_end_pa() -> PhysAddr {
    PhysAddr(sym(core::ptr::addr_of!(__kernel_end)) - PHYS_OFFSET)
}

const MEGA: usize = 2 * 1024 * 1024;

/// Maps the direct-map range `[va, end)` (VA = PA + PHYS_OFFSET) with
/// `flags | G`, using 2 MiB megapages where alignment allows, else 4 KiB pages.
fn map_range(pt: &mut PageTable, va: usize, end: usize, flags: PteFlags) -> Result<(), MapError> {
    let mut v = va;
    while v < end {
        let ppn = PhysAddr(v - PHYS_OFFSET).floor();
        if v.is_multiple_of(MEGA) && end - v >= MEGA {
            pt.map_mega(VirtAddr(v).floor(), ppn, flags | PteFlags::G)?;
            v += MEGA;
        } else {
            pt.map(VirtAddr(v).floor(), ppn, flags | PteFlags::G)?;
            v += PAGE_SIZE;
        }
    }
    Ok(())
}

/// Builds the kernel page table in the paging mode `want_levels` (3 = Sv39,
/// 4 = Sv48), switches to it, and remembers its root. Sv48 is used only if
/// the hart accepts it: satp is WARL, so after writing MODE = 9 svos reads
/// satp back and falls back to Sv39 if the write did not take. Returns the
/// levels in use. `mem_end` is the end of RAM (exclusive, physical).
pub fn init(mem_end: PhysAddr, want_levels: usize) -> Result<usize, MapError> {
    if want_levels == 4 {
        super::address::set_levels(4);
        let pt = build(mem_end)?;
        let got: usize;
        // SAFETY: same kernel mappings as the boot table; if the hart ignores
        // the write, the boot table stays active.
        unsafe {
            pt.activate();
            core::arch::asm!("csrr {0}, satp", out(reg) got);
        }
        if got >> 60 == 9 {
            keep(pt);
            return Ok(4);
        }
        drop(pt);
        super::address::set_levels(3);
    }
    let pt = build(mem_end)?;
    // SAFETY: the new table maps the kernel image, stack (.bss), heap (.bss)
    // and direct map at the same addresses as the boot table.
    unsafe { pt.activate() };
    keep(pt);
    Ok(3)
}

fn keep(pt: PageTable) {
    KERNEL_ROOT.store(pt.root().0, Ordering::Relaxed);
    KERNEL_SATP.store(pt.satp(), Ordering::Relaxed);
    // The kernel page table lives forever.
    core::mem::forget(pt);
}

fn build(mem_end: PhysAddr) -> Result<PageTable, MapError> {
    let mut pt = PageTable::new()?;
    let (r, w, x) = (PteFlags::R, PteFlags::W, PteFlags::X);
    let ks = sym(core::ptr::addr_of!(__kernel_start));
    map_range(&mut pt, ks, sym(core::ptr::addr_of!(__etext)), r | x)?;
    map_range(&mut pt, sym(core::ptr::addr_of!(__etext)), sym(core::ptr::addr_of!(__erodata)), r)?;
    // .data and .bss, except the boot stack's guard page.
    let guard = sym(core::ptr::addr_of!(boot_stack_guard));
    map_range(&mut pt, sym(core::ptr::addr_of!(__erodata)), guard, r | w)?;
    map_range(&mut pt, guard + PAGE_SIZE, sym(core::ptr::addr_of!(__kernel_end)), r | w)?;
    // Direct map of the rest of RAM (the kernel image is part of it, above).
    map_range(&mut pt, sym(core::ptr::addr_of!(__kernel_end)), PHYS_OFFSET + mem_end.0, r | w)?;
    for &(pa, size, _) in MMIO {
        map_range(&mut pt, PHYS_OFFSET + pa, PHYS_OFFSET + pa + size, r | w)?;
    }
    super::kstack::install(&mut pt)?;
    Ok(pt)
}

/// Root page-table page of the kernel page table.
pub fn kernel_root() -> PhysPageNum {
    PhysPageNum(KERNEL_ROOT.load(Ordering::Relaxed))
}

/// Switches this hart to the kernel page table (ASID 0, only global
/// mappings) without a TLB flush: a scheduler leaves the table of the
/// process it ran, which another hart may free.
pub fn enter_kernel_table() {
    let satp = KERNEL_SATP.load(Ordering::Relaxed);
    unsafe { core::arch::asm!("csrw satp, {0}", in(reg) satp) };
    crate::smp::set_user_root(0);
}

/// Switches back to the kernel page table and flushes this hart's TLB
/// (e.g. before a process's table is freed).
pub fn activate_kernel() {
    let satp = KERNEL_SATP.load(Ordering::Relaxed);
    unsafe { core::arch::asm!("csrw satp, {0}", "sfence.vma", in(reg) satp) };
    crate::smp::set_user_root(0);
}
