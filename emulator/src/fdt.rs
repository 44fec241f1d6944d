//! The flattened device tree (DTB) that describes the board to the guest, as
//! QEMU's `virt` machine describes itself (`hw/riscv/virt.c`, `create_fdt`),
//! for the devices svemu emulates. Written with the `vm-fdt` crate.

use crate::bus::map;
use crate::devices::clint::TIMEBASE_HZ;
use crate::devices::plic::NUM_SOURCES;

/// Facts the DTB states that vary per run.
#[derive(Clone, Debug, Default)]
pub struct DtbConfig {
    /// Number of harts.
    pub harts: usize,
    /// RAM size in bytes.
    pub ram_size: u64,
    /// Kernel command line (`/chosen/bootargs`).
    pub bootargs: Option<String>,
    /// Initrd physical range `[start, end)` (`/chosen/linux,initrd-start/end`).
    pub initrd: Option<(u64, u64)>,
}

/// The `riscv,isa` string of each hart: what the interpreter implements.
pub const RISCV_ISA: &str = "rv64imafdc_zicsr_zifencei_sstc";
/// The `mmu-type` of each hart (QEMU 7.2 states Sv48; Sv57 is also accepted in satp).
pub const MMU_TYPE: &str = "riscv,sv48";
/// `clock-frequency` of the UART in Hz, as QEMU states it.
const UART_CLOCK_HZ: u32 = 3_686_400;

const PHANDLE_TEST: u32 = 1;
const PHANDLE_PLIC: u32 = 2;

/// Phandle of hart `hart`'s cpu node.
fn phandle_cpu(hart: usize) -> u32 {
    3 + 2 * hart as u32
}

/// Phandle of hart `hart`'s interrupt controller (riscv,cpu-intc).
fn phandle_intc(hart: usize) -> u32 {
    4 + 2 * hart as u32
}

/// Build the DTB.
///
/// Errors: only `vm-fdt`'s own (a malformed name or string), which the fixed
/// layout here never produces.
pub fn build(cfg: &DtbConfig) -> Result<Vec<u8>, vm_fdt::Error> {
    let mut w = vm_fdt::FdtWriter::new()?;
    let root = w.begin_node("")?;
    w.property_u32("#address-cells", 2)?;
    w.property_u32("#size-cells", 2)?;
    w.property_string("compatible", "riscv-virtio")?;
    w.property_string("model", "riscv-virtio,qemu")?;

    let chosen = w.begin_node("chosen")?;
    if let Some(args) = &cfg.bootargs {
        w.property_string("bootargs", args)?;
    }
    w.property_string("stdout-path", &format!("/soc/serial@{:x}", map::UART_BASE))?;
    if let Some((start, end)) = cfg.initrd {
        w.property_u64("linux,initrd-start", start)?;
        w.property_u64("linux,initrd-end", end)?;
    }
    w.end_node(chosen)?;

    for (name, value) in [("poweroff", 0x5555u32), ("reboot", 0x7777)] {
        let n = w.begin_node(name)?;
        w.property_u32("value", value)?;
        w.property_u32("offset", 0)?;
        w.property_u32("regmap", PHANDLE_TEST)?;
        w.property_string("compatible", &format!("syscon-{name}"))?;
        w.end_node(n)?;
    }

    let memory = w.begin_node(&format!("memory@{:x}", map::DRAM_BASE))?;
    w.property_string("device_type", "memory")?;
    w.property_array_u64("reg", &[map::DRAM_BASE, cfg.ram_size])?;
    w.end_node(memory)?;

    let cpus = w.begin_node("cpus")?;
    w.property_u32("#address-cells", 1)?;
    w.property_u32("#size-cells", 0)?;
    w.property_u32("timebase-frequency", TIMEBASE_HZ as u32)?;
    for hart in 0..cfg.harts {
        let cpu = w.begin_node(&format!("cpu@{hart}"))?;
        w.property_phandle(phandle_cpu(hart))?;
        w.property_string("device_type", "cpu")?;
        w.property_u32("reg", hart as u32)?;
        w.property_string("status", "okay")?;
        w.property_string("compatible", "riscv")?;
        w.property_string("riscv,isa", RISCV_ISA)?;
        w.property_string("mmu-type", MMU_TYPE)?;
        let intc = w.begin_node("interrupt-controller")?;
        w.property_u32("#interrupt-cells", 1)?;
        w.property_null("interrupt-controller")?;
        w.property_string("compatible", "riscv,cpu-intc")?;
        w.property_phandle(phandle_intc(hart))?;
        w.end_node(intc)?;
        w.end_node(cpu)?;
    }
    // One cluster of single-threaded cores, as QEMU describes its harts.
    let cpu_map = w.begin_node("cpu-map")?;
    let cluster = w.begin_node("cluster0")?;
    for hart in 0..cfg.harts {
        let core = w.begin_node(&format!("core{hart}"))?;
        w.property_u32("cpu", phandle_cpu(hart))?;
        w.end_node(core)?;
    }
    w.end_node(cluster)?;
    w.end_node(cpu_map)?;
    w.end_node(cpus)?;

    let soc = w.begin_node("soc")?;
    w.property_u32("#address-cells", 2)?;
    w.property_u32("#size-cells", 2)?;
    w.property_string("compatible", "simple-bus")?;
    w.property_null("ranges")?;

    let uart = w.begin_node(&format!("serial@{:x}", map::UART_BASE))?;
    w.property_u32("interrupts", map::UART_IRQ as u32)?;
    w.property_u32("interrupt-parent", PHANDLE_PLIC)?;
    w.property_u32("clock-frequency", UART_CLOCK_HZ)?;
    w.property_array_u64("reg", &[map::UART_BASE, map::UART_SIZE])?;
    w.property_string("compatible", "ns16550a")?;
    w.end_node(uart)?;

    let test = w.begin_node(&format!("test@{:x}", map::TEST_BASE))?;
    w.property_phandle(PHANDLE_TEST)?;
    w.property_array_u64("reg", &[map::TEST_BASE, map::TEST_SIZE])?;
    w.property_string_list("compatible", vec!["sifive,test1".into(), "sifive,test0".into(), "syscon".into()])?;
    w.end_node(test)?;

    // svemu's own device (QEMU's virt board has none): see devices::trace_port.
    let trace = w.begin_node(&format!("trace@{:x}", map::TRACE_BASE))?;
    w.property_array_u64("reg", &[map::TRACE_BASE, map::TRACE_SIZE])?;
    w.property_string("compatible", "svemu,trace")?;
    w.end_node(trace)?;

    let clint = w.begin_node(&format!("clint@{:x}", map::CLINT_BASE))?;
    // Each hart: machine software (3) and machine timer (7) interrupts.
    let ext: Vec<u32> = (0..cfg.harts).flat_map(|h| [phandle_intc(h), 3, phandle_intc(h), 7]).collect();
    w.property_array_u32("interrupts-extended", &ext)?;
    w.property_array_u64("reg", &[map::CLINT_BASE, map::CLINT_SIZE])?;
    w.property_string_list("compatible", vec!["sifive,clint0".into(), "riscv,clint0".into()])?;
    w.end_node(clint)?;

    for slot in 0..map::VIRTIO_SLOTS {
        let base = map::virtio_base(slot);
        let virtio = w.begin_node(&format!("virtio_mmio@{base:x}"))?;
        w.property_u32("interrupts", map::virtio_irq(slot) as u32)?;
        w.property_u32("interrupt-parent", PHANDLE_PLIC)?;
        w.property_array_u64("reg", &[base, map::VIRTIO_SIZE])?;
        w.property_string("compatible", "virtio,mmio")?;
        w.end_node(virtio)?;
    }

    let plic = w.begin_node(&format!("plic@{:x}", map::PLIC_BASE))?;
    w.property_phandle(PHANDLE_PLIC)?;
    w.property_u32("riscv,ndev", NUM_SOURCES as u32)?;
    w.property_array_u64("reg", &[map::PLIC_BASE, map::PLIC_SIZE])?;
    // Context 2h: hart h's M-mode external interrupt (11); 2h+1: S-mode (9).
    let ext: Vec<u32> = (0..cfg.harts).flat_map(|h| [phandle_intc(h), 11, phandle_intc(h), 9]).collect();
    w.property_array_u32("interrupts-extended", &ext)?;
    w.property_null("interrupt-controller")?;
    w.property_string_list("compatible", vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()])?;
    w.property_u32("#address-cells", 0)?;
    w.property_u32("#interrupt-cells", 1)?;
    w.end_node(plic)?;

    w.end_node(soc)?;
    w.end_node(root)?;
    w.finish()
}
