//! svos: a small no_std kernel for RISC-V RV64 (QEMU `virt` and svemu).
//!
//! Boot flow: [`boot`] (M-mode, drop to S-mode, early Sv39) -> [`rust_main`]:
//! DTB -> kernel heap -> frame allocator -> kernel page table -> trap vector
//! -> ASIDs, FP probe -> the other harts ([`smp`]) -> the schedulers of all
//! harts ([`proc::sched::run`]) run the `init=` programs, one top-level
//! process at a time, with everything they fork, until no process is left
//! -> power off.

#![no_std]
#![no_main]

extern crate alloc;

#[macro_use]
pub mod console;
pub mod boot;
pub mod drivers;
pub mod fs;
pub mod initrd;
pub mod mm;
pub mod proc;
pub mod random;
pub mod smp;
pub mod sync;
pub mod syscall;
pub mod trap;

use alloc::string::String;
use alloc::vec::Vec;
use drivers::sifive_test;
use mm::{frame, kernel_space, PhysAddr};

/// S-mode entry in the upper half, called by the boot code with the MMU on.
#[no_mangle]
extern "C" fn rust_main(hartid: usize, dtb_pa: usize) -> ! {
    smp::init_hart(hartid);
    sync::kernel_lock();
    mm::heap::init();
    let info = match unsafe { boot::dtb::parse(dtb_pa) } {
        Ok(i) => i,
        Err(e) => panic!("cannot read the DTB at {:#x}: {:?}", dtb_pa, e),
    };
    console::set_quiet(info.bootargs.split_whitespace().any(|a| a == "quiet"));
    info!("[svos] booting on hart {}", hartid);
    info!(
        "[svos] memory {:#x}..{:#x} ({} MiB), dtb {:#x}..{:#x}",
        info.mem_start.0,
        info.mem_end.0,
        (info.mem_end.0 - info.mem_start.0) >> 20,
        info.dtb.0 .0,
        info.dtb.1 .0
    );
    match info.initrd {
        Some((s, e)) => info!("[svos] initrd {:#x}..{:#x} ({} bytes)", s.0, e.0, e.0 - s.0),
        None => info!("[svos] no initrd"),
    }
    info!("[svos] bootargs \"{}\"", info.bootargs);

    // Free RAM: after the kernel image, minus the DTB and the initrd.
    let mut reserved: Vec<(usize, usize)> = Vec::new();
    reserved.push((info.dtb.0 .0, info.dtb.1 .0));
    if let Some((s, e)) = info.initrd {
        reserved.push((s.0, e.0));
    }
    let ranges = free_ranges(kernel_space::kernel_end_pa().0.max(info.mem_start.0), info.mem_end.0, &reserved);
    unsafe { frame::init(&ranges) };
    let (free, total) = frame::stats();
    info!("[svos] frame allocator: {} free frames of {} ({} KiB)", free, total, total * 4);

    // vm=sv39 (default) | vm=sv48
    let want = match info.bootargs.split_whitespace().find_map(|a| a.strip_prefix("vm=")) {
        Some("sv48") => 4,
        Some("sv39") | None => 3,
        Some(other) => {
            println!("[svos] unknown vm={}, using sv39", other);
            3
        }
    };
    let levels = match kernel_space::init(info.mem_end, want) {
        Ok(l) => l,
        Err(e) => panic!("cannot build the kernel page table: {:?}", e),
    };
    if want == 4 && levels == 3 {
        println!("[svos] vm=sv48: the hart does not accept Sv48 in satp, using Sv39");
    }
    info!(
        "[svos] kernel page table on ({}), direct map at {:#x}",
        if levels == 4 { "Sv48" } else { "Sv39" },
        mm::PHYS_OFFSET
    );
    trap::init();
    drivers::trace::init(info.trace_port, &info.bootargs);
    if info.bootargs.split_whitespace().any(|a| a == "svos.test=kernel-fault") {
        // Test hook: exercise the fatal kernel-trap path (report, power off with code 2).
        println!("[svos] svos.test=kernel-fault: storing to address 0 from S-mode");
        unsafe { core::ptr::write_volatile(core::hint::black_box(0usize) as *mut u32, 0) };
    }

    let asid_bits = mm::asid::init();
    // svos.vmstat: the memory-management counters at power off.
    if info.bootargs.split_whitespace().any(|a| a == "svos.vmstat") {
        mm::vmstat::REPORT.store(true, core::sync::atomic::Ordering::Relaxed);
    }
    // vm.policy=fifo|clock|lru|random: the page replacement policy.
    mm::policy::init(&info.bootargs);
    // vm.overcommit_memory=N, vm.overcommit_ratio=N, vm.panic_on_oom=N: the overcommit and OOM policies.
    mm::commit::init(&info.bootargs);
    mm::oom::init(&info.bootargs);
    mm::huge_memory::init(&info.bootargs);
    mm::hugetlb::init(&info.bootargs);
    if let Some(n) = info.bootargs.split_whitespace().find_map(|a| a.strip_prefix("svos.asid_max=")) {
        mm::asid::limit(n.parse().unwrap_or(0));
    }
    // FP presence differs between QEMU and svemu: not printed, so both consoles match.
    proc::fpu::init(&info.isa);
    boot::timer::set_timebase(info.timebase);
    random::init(&info.rng_seed, boot::timer::now());
    info!(
        "[svos] {} ASID bits, timebase {} Hz, time slice {} ticks",
        asid_bits,
        boot::timer::timebase(),
        proc::sched::TIME_SLICE_TICKS
    );

    // A virtio-blk disk, if one is attached, becomes swap space (one line; none without a disk).
    let mapped = kernel_space::MMIO.iter().find(|m| m.2 == "virtio-mmio").map_or((0, 0), |m| (m.0, m.0 + m.1));
    let regions: Vec<(usize, usize)> =
        info.virtio_mmio.iter().copied().filter(|&(pa, size)| pa >= mapped.0 && pa + size <= mapped.1).collect();
    if let Some(sectors) = drivers::virtio_blk::probe(&regions, &info.hart_ids) {
        let slots = mm::swap::init(sectors);
        fs::procfs::set_swap_slots(slots);
        info!("[svos] virtio-blk disk: {} sectors; swap: {} slots of 4 KiB", sectors, slots);
    }

    // The other harts the DTB lists join now (the 1-hart console stays as it was).
    let harts = smp::start_secondaries(&info.hart_ids);
    if harts > 1 {
        info!("[svos] {} harts online, one shared run queue", harts);
    }

    let Some((is, ie)) = info.initrd else {
        println!("[svos] nothing to run");
        sifive_test::power_off();
    };
    // SAFETY: the initrd is RAM kept out of the frame allocator, read-only from here on.
    let rd = initrd::Initrd::new(unsafe { core::slice::from_raw_parts(is.to_kva() as *const u8, ie.0 - is.0) });
    let all: Vec<String> = rd.files().into_iter().map(|(n, _)| String::from(n)).collect();
    initrd::set(rd);
    fs::init();

    // init=prog[:arg[:arg...]][,prog...]; without init=, every file in archive order.
    let entries: Vec<proc::sched::InitEntry> =
        match info.bootargs.split_whitespace().find_map(|a| a.strip_prefix("init=")) {
            Some(list) => list
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|e| {
                    let argv: Vec<String> = e.split(':').map(String::from).collect();
                    proc::sched::InitEntry { file: argv[0].clone(), argv }
                })
                .collect(),
            None => all.into_iter().map(|n| proc::sched::InitEntry { file: n.clone(), argv: alloc::vec![n] }).collect(),
        };
    // svos.status=last: the machine's exit status is the last init= program's.
    let exit_with_status = info.bootargs.split_whitespace().any(|a| a == "svos.status=last");
    proc::sched::run(entries, exit_with_status)
}

/// `[start, end)` minus the `reserved` ranges (rounded out to pages), as
/// sorted disjoint ranges.
fn free_ranges(start: usize, end: usize, reserved: &[(usize, usize)]) -> Vec<(PhysAddr, PhysAddr)> {
    let mut res: Vec<(usize, usize)> =
        reserved.iter().map(|&(s, e)| (mm::address::page_floor(s), mm::address::page_ceil(e))).collect();
    res.sort();
    let mut out = Vec::new();
    let mut cur = start;
    for (s, e) in res {
        if e <= cur || s >= end {
            continue;
        }
        if s > cur {
            out.push((PhysAddr(cur), PhysAddr(s)));
        }
        cur = cur.max(e);
    }
    if cur < end {
        out.push((PhysAddr(cur), PhysAddr(end)));
    }
    out
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    match info.location() {
        Some(l) => console::_print_raw(format_args!(
            "[svos] KERNEL PANIC at {}:{}:{}: {}\n",
            l.file(),
            l.line(),
            l.column(),
            info.message()
        )),
        None => console::_print_raw(format_args!("[svos] KERNEL PANIC: {}\n", info.message())),
    }
    print_backtrace();
    print_memory();
    sifive_test::power_off_failure(1)
}

/// The memory figures at a panic (Linux's show_mem on an allocation
/// failure): free frames, the kernel heap's bytes and frames, and its slab
/// caches in use, each skipped if its lock is held (the panic may be
/// inside the allocator).
fn print_memory() {
    if let Some((free, total)) = mm::frame::try_stats() {
        console::_print_raw(format_args!("[svos] frames: {free} free of {total}\n"));
    }
    if let Some(h) = mm::heap::try_stats() {
        console::_print_raw(format_args!(
            "[svos] heap: {} bytes live (peak {}) in {} frames ({} in slabs)\n",
            h.bytes, h.peak_bytes, h.frames, h.slab_frames
        ));
    }
    mm::heap::try_for_each_cache(|c| {
        console::_print_raw(format_args!(
            "[svos]   {}: {} objects of {} bytes in {} frames\n",
            c.name, c.active_objs, c.size, c.frames
        ))
    });
}

/// The return addresses of the panicking hart's kernel call chain, from
/// its frame pointers (the kernel is built with force-frame-pointers: a
/// frame's return address at fp - 8 and its caller's fp at fp - 16, as
/// the RISC-V psABI's frame-pointer convention lays them out), at most 24,
/// while fp stays an aligned address in the kernel's half. Give them to
/// `riscv64-unknown-elf-addr2line -fipe svos` to name the functions.
fn print_backtrace() {
    let mut fp: usize;
    // SAFETY: reads this hart's s0 (the frame pointer).
    unsafe { core::arch::asm!("mv {0}, s0", out(reg) fp) };
    console::_print_raw(format_args!("[svos] backtrace (return addresses):"));
    for _ in 0..24 {
        if fp < mm::PHYS_OFFSET || !fp.is_multiple_of(8) || fp < 16 {
            break;
        }
        // SAFETY: fp is an aligned kernel address on the chain the compiler
        // keeps; every kernel stack is mapped while its thread runs.
        let (ra, next) = unsafe { (*((fp - 8) as *const usize), *((fp - 16) as *const usize)) };
        if ra == 0 {
            break;
        }
        console::_print_raw(format_args!(" {:#x}", ra));
        if next <= fp {
            break;
        }
        fp = next;
    }
    console::_print_raw(format_args!("\n"));
}
