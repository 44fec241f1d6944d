//! The device tree svemu gives its guests against the one QEMU's virt board
//! gives (`-machine virt,dumpdtb=FILE`), node by node, for the same -smp, -m,
//! -kernel and -append. Every difference allowed is listed here: the devices
//! svemu does not emulate, and the properties that legitimately differ.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use svemu::board::{self, BoardConfig};
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu::trace::Tracer;
use svemu_tests::{bare, parse_memory};

/// QEMU virt nodes for devices svemu does not emulate.
const NOT_EMULATED: &[&str] =
    &["/pmu", "/fw-cfg@10100000", "/flash@20000000", "/platform-bus@4000000", "/soc/rtc@101000", "/soc/pci@30000000"];

/// Nodes svemu adds to QEMU's tree: its paravirtual trace port
/// (emulator/src/devices/trace_port.rs), which QEMU does not have.
const SVEMU_ONLY: &[&str] = &["/soc/trace@110000"];

/// Properties whose values differ by design: (node path suffix, property, why).
const DIFFERENT: &[(&str, &str, &str)] = &[
    // QEMU 7.2 lists F, D, H and Zb*/Sstc, which svemu does not implement;
    // svemu states exactly what it implements (checked below).
    ("", "riscv,isa", "the extensions differ"),
    // Random bytes QEMU draws at every boot.
    ("/chosen", "rng-seed", "random"),
];

/// Properties that hold phandles, and the cell layout: (name, cells per
/// entry, which cells of an entry are phandles).
const PHANDLE_PROPS: &[(&str, usize, usize)] =
    &[("interrupt-parent", 1, 0), ("regmap", 1, 0), ("cpu", 1, 0), ("interrupts-extended", 2, 0)];

/// path -> property -> value, with phandles replaced by the path they point to.
type Tree = BTreeMap<String, BTreeMap<String, String>>;

fn flatten(dtb: &[u8]) -> Tree {
    let fdt = fdt::Fdt::new(dtb).expect("a valid DTB");
    let mut by_phandle = BTreeMap::new();
    let mut nodes = Vec::new();
    fn walk<'b, 'a>(
        node: fdt::node::FdtNode<'b, 'a>,
        path: String,
        out: &mut Vec<(String, fdt::node::FdtNode<'b, 'a>)>,
    ) {
        for child in node.children() {
            let p = format!("{}/{}", if path == "/" { "" } else { &path }, child.name);
            walk(child, p.clone(), out);
        }
        out.push((path, node));
    }
    walk(fdt.find_node("/").unwrap(), "/".into(), &mut nodes);
    for (path, node) in &nodes {
        if let Some(p) = node.property("phandle") {
            by_phandle.insert(p.as_usize().unwrap() as u32, path.clone());
        }
    }
    let mut tree = Tree::new();
    for (path, node) in &nodes {
        let mut props = BTreeMap::new();
        for p in node.properties() {
            if p.name == "phandle" {
                continue;
            }
            let cells: Vec<u32> =
                p.value.chunks(4).filter(|c| c.len() == 4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect();
            let value = match PHANDLE_PROPS.iter().find(|(n, _, _)| *n == p.name) {
                Some(&(_, per, at)) => cells
                    .chunks(per)
                    .map(|e| {
                        e.iter()
                            .enumerate()
                            .map(|(i, &c)| {
                                if i == at {
                                    by_phandle.get(&c).cloned().unwrap_or_else(|| format!("<dangling {c}>"))
                                } else {
                                    c.to_string()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                None => format!("{:02x?}", p.value),
            };
            props.insert(p.name.to_string(), value);
        }
        tree.insert(path.clone(), props);
    }
    tree
}

fn qemu_dtb(smp: usize, memory: &str, kernel: &Path, append: &str, out: &Path) -> Vec<u8> {
    let status = Command::new("qemu-system-riscv64")
        .arg("-machine")
        .arg(format!("virt,dumpdtb={}", out.display()))
        .args(["-bios", "none", "-nographic", "-smp", &smp.to_string(), "-m", memory, "-append", append])
        .arg("-kernel")
        .arg(kernel)
        .output()
        .expect("qemu-system-riscv64 runs");
    assert!(status.status.success(), "QEMU failed: {}", String::from_utf8_lossy(&status.stderr));
    std::fs::read(out).unwrap()
}

fn svemu_dtb(smp: usize, memory: &str, kernel: &Path, append: &str) -> Vec<u8> {
    let (_, dtb) = board::build_with_dtb(BoardConfig {
        bios: None,
        kernel: Some(kernel.to_owned()),
        initrd: None,
        append: Some(append.into()),
        ram_size: parse_memory(memory),
        harts: smp,
        drives: Vec::new(),
        drive_locking: true,
        disk_latency: svemu::devices::virtio::blk::DiskLatency::DEFAULT,
        ad_policy: AdPolicy::Hardware,
        tlb: TlbGeometry::default(),
        console_in: ConsoleIn::None,
        console_out: ConsoleOut::Buffer(Vec::new()),
        tracer: Tracer::off(),
    })
    .expect("board builds");
    dtb
}

fn compare(smp: usize, memory: &str) {
    let dir = std::env::temp_dir().join(format!("svemu-dtb-{}-{smp}-{memory}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kernel = bare("trace_demo");
    let append = "console=ttyS0 earlycon";
    let q = flatten(&qemu_dtb(smp, memory, &kernel, append, &dir.join("qemu.dtb")));
    let s = flatten(&svemu_dtb(smp, memory, &kernel, append));
    std::fs::remove_dir_all(&dir).ok();

    let emulated: Vec<&String> = q
        .keys()
        .filter(|p| !NOT_EMULATED.iter().any(|n| p.as_str() == *n || p.starts_with(&format!("{n}/"))))
        .collect();
    for only in SVEMU_ONLY {
        let node = &s[*only];
        assert_eq!(node["compatible"], format!("{:02x?}", b"svemu,trace\0"), "{only}");
    }
    let ours: Vec<&String> = s.keys().filter(|p| !SVEMU_ONLY.contains(&p.as_str())).collect();
    assert_eq!(ours, emulated, "svemu's nodes are QEMU's minus the devices not emulated");

    let mut problems = Vec::new();
    for path in emulated {
        let (qp, sp) = (&q[path], &s[path]);
        let allowed = |name: &str| DIFFERENT.iter().any(|(suffix, prop, _)| *prop == name && path.ends_with(suffix));
        for name in qp.keys().chain(sp.keys()).collect::<std::collections::BTreeSet<_>>() {
            if allowed(name) {
                continue;
            }
            if qp.get(name) != sp.get(name) {
                problems.push(format!("{path} {name}: QEMU {:?}, svemu {:?}", qp.get(name), sp.get(name)));
            }
        }
    }
    assert!(problems.is_empty(), "-smp {smp} -m {memory}:\n{}", problems.join("\n"));

    // The allowed difference in riscv,isa: svemu states what it implements,
    // a subset of QEMU's string with the same base and MMU.
    for h in 0..smp {
        let isa = &s[&format!("/cpus/cpu@{h}")]["riscv,isa"];
        let text: Vec<u8> = isa
            .trim_matches(|c| c == '[' || c == ']')
            .split(", ")
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("rv64ima") && text.contains("_zicsr_zifencei"), "cpu@{h}: {text}");
    }
}

#[test]
fn one_hart_128m_matches_qemu() {
    compare(1, "128M");
}

#[test]
fn four_harts_256m_matches_qemu() {
    compare(4, "256M");
}

#[test]
fn eight_harts_1g_matches_qemu() {
    compare(8, "1G");
}
