//! Attacks on svemu (issue 11), shared by the property test
//! (`tests/tests/hostile.rs`) and the long fuzz run (`make fuzz`, the
//! binary `src/bin/fuzz.rs`):
//!
//! - **mutated ELFs**: a valid kernel with bytes overwritten, header and
//!   program-header fields set to edge values (0, 2^64 - 1, addresses at the
//!   ends of RAM, sizes beyond the file), cut short or extended, then built
//!   into a board and run for a few thousand instructions (and
//!   disassembled, as `svemu disasm` does). svemu must either refuse it
//!   with one error line or run it; never panic.
//! - **device abuse**: the bus of a board with a virtio-blk disk and HTIF,
//!   driven register by register with a random mix of a correct virtio
//!   set-up, rings and descriptors pointing anywhere (outside RAM, near
//!   2^64, loops, huge lengths, indirect tables), accesses of every width at
//!   every offset of the PLIC, CLINT, UART, sifive_test, boot ROM and the
//!   eight virtio slots (past the registers too), and HTIF commands with
//!   garbage. Nothing may panic.
//!
//! Each case is a function of a 64-bit seed, so a failure is replayed
//! exactly from the seed it reports.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use svemu::board::{self, BoardConfig};
use svemu::bus::{map, Bus};
use svemu::devices::uart::{ConsoleIn, ConsoleOut};
use svemu::devices::virtio::blk::Block;
use svemu::devices::{BootRom, Htif, VirtioMmio};
use svemu::machine::Exit;
use svemu::mmu::{AdPolicy, TlbGeometry};
use svemu::trace::Tracer;

use crate::diff::Rng;

/// A field of an ELF64 file: byte offset (from the ELF header, or from the
/// start of a program header) and width in bytes.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Name, for reports.
    pub name: &'static str,
    /// Offset in bytes.
    pub offset: usize,
    /// Width in bytes (2, 4 or 8).
    pub width: usize,
}

/// The ELF header fields a mutation may set.
pub const HEADER_FIELDS: [Field; 10] = [
    Field { name: "e_type", offset: 16, width: 2 },
    Field { name: "e_machine", offset: 18, width: 2 },
    Field { name: "e_entry", offset: 24, width: 8 },
    Field { name: "e_phoff", offset: 32, width: 8 },
    Field { name: "e_shoff", offset: 40, width: 8 },
    Field { name: "e_phentsize", offset: 54, width: 2 },
    Field { name: "e_phnum", offset: 56, width: 2 },
    Field { name: "e_shentsize", offset: 58, width: 2 },
    Field { name: "e_shnum", offset: 60, width: 2 },
    Field { name: "e_shstrndx", offset: 62, width: 2 },
];

/// The program header fields a mutation may set.
pub const PROGRAM_FIELDS: [Field; 6] = [
    Field { name: "p_type", offset: 0, width: 4 },
    Field { name: "p_offset", offset: 8, width: 8 },
    Field { name: "p_vaddr", offset: 16, width: 8 },
    Field { name: "p_paddr", offset: 24, width: 8 },
    Field { name: "p_filesz", offset: 32, width: 8 },
    Field { name: "p_memsz", offset: 40, width: 8 },
];

/// One change to an ELF file.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Overwrite the byte at `at % len`.
    Byte {
        /// Position (taken modulo the file length).
        at: usize,
        /// New value.
        value: u8,
    },
    /// Set header field [`HEADER_FIELDS`]`[field % len]`.
    Header {
        /// Index into [`HEADER_FIELDS`] (modulo its length).
        field: usize,
        /// New value (truncated to the field's width).
        value: u64,
    },
    /// Set field [`PROGRAM_FIELDS`]`[field % len]` of program header
    /// `index % e_phnum` (where the header says the table is).
    Program {
        /// Program header index.
        index: usize,
        /// Index into [`PROGRAM_FIELDS`].
        field: usize,
        /// New value.
        value: u64,
    },
    /// Place program header `index % e_phnum` at `paddr` with `memsz`
    /// bytes (p_filesz cut to at most `memsz`).
    Place {
        /// Program header index.
        index: usize,
        /// New p_paddr.
        paddr: u64,
        /// New p_memsz.
        memsz: u64,
    },
    /// Cut the file to `at % len` bytes.
    Truncate {
        /// New length (modulo the file length).
        at: usize,
    },
    /// Append `len` bytes of 0xa5.
    Append {
        /// Bytes to append (at most 64 KiB).
        len: usize,
    },
}

/// Values worth trying in a header field with `ram` bytes of RAM: zero,
/// all ones, the top of the address space, the ends of RAM, sizes of ELF
/// structures.
pub fn edge_values(ram: u64) -> Vec<u64> {
    let end = map::DRAM_BASE + ram;
    vec![
        0,
        1,
        56,
        64,
        0xffff,
        0x1000,
        0x7fff_ffff,
        1 << 31,
        1 << 32,
        1 << 63,
        u64::MAX,
        u64::MAX - 7,
        u64::MAX - (1 << 30) + 1,
        3 << 30,
        map::DRAM_BASE,
        map::DRAM_BASE - 8,
        end - 8,
        end,
        end - 0x1000,
        ram,
        ram + 1,
    ]
}

fn put(bytes: &mut [u8], at: usize, width: usize, value: u64) {
    if let Some(dst) = at.checked_add(width).and_then(|end| bytes.get_mut(at..end)) {
        dst.copy_from_slice(&value.to_le_bytes()[..width]);
    }
}

fn get(bytes: &[u8], at: usize, width: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(src) = at.checked_add(width).and_then(|end| bytes.get(at..end)) {
        v[..width].copy_from_slice(src);
    }
    u64::from_le_bytes(v)
}

/// `base` with `mutations` applied in order.
pub fn mutate(base: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = base.to_vec();
    for m in mutations {
        match *m {
            Mutation::Byte { at, value } if !b.is_empty() => {
                let n = b.len();
                b[at % n] = value;
            }
            Mutation::Byte { .. } => {}
            Mutation::Header { field, value } => {
                let f = HEADER_FIELDS[field % HEADER_FIELDS.len()];
                put(&mut b, f.offset, f.width, value);
            }
            Mutation::Program { index, field, value } => {
                let (phoff, phnum) = (get(&b, 32, 8), get(&b, 56, 2).max(1));
                let f = PROGRAM_FIELDS[field % PROGRAM_FIELDS.len()];
                let at = phoff.saturating_add(56 * (index as u64 % phnum)).saturating_add(f.offset as u64);
                put(&mut b, usize::try_from(at).unwrap_or(usize::MAX), f.width, value);
            }
            Mutation::Place { index, paddr, memsz } => {
                let (phoff, phnum) = (get(&b, 32, 8), get(&b, 56, 2).max(1));
                let ph = phoff.saturating_add(56 * (index as u64 % phnum));
                let at = |field: u64| usize::try_from(ph.saturating_add(field)).unwrap_or(usize::MAX);
                let filesz = get(&b, at(32), 8).min(memsz);
                put(&mut b, at(24), 8, paddr);
                put(&mut b, at(32), 8, filesz);
                put(&mut b, at(40), 8, memsz);
            }
            Mutation::Truncate { at } => {
                let n = b.len().max(1);
                b.truncate(at % n);
            }
            Mutation::Append { len } => b.extend(std::iter::repeat_n(0xa5, len.min(64 << 10))),
        }
    }
    b
}

/// `n` random mutations, edge values for RAM of `ram` bytes.
pub fn random_mutations(rng: &mut Rng, n: usize, ram: u64) -> Vec<Mutation> {
    let edges = edge_values(ram);
    let value = |rng: &mut Rng| if rng.below(3) == 0 { rng.next_u64() } else { rng.pick(&edges) };
    (0..n)
        .map(|_| match rng.below(11) {
            10 => Mutation::Place { index: rng.below(8) as usize, paddr: value(rng), memsz: value(rng) },
            0..=3 => Mutation::Byte { at: rng.below(1 << 20) as usize, value: rng.next_u64() as u8 },
            4..=5 => Mutation::Header { field: rng.below(64) as usize, value: value(rng) },
            6..=8 => {
                Mutation::Program { index: rng.below(8) as usize, field: rng.below(64) as usize, value: value(rng) }
            }
            _ if rng.below(2) == 0 => Mutation::Truncate { at: rng.below(1 << 20) as usize },
            _ => Mutation::Append { len: rng.below(1 << 12) as usize },
        })
        .collect()
}

/// What became of one attack.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The board refused it, with this (one-line) error.
    Refused(String),
    /// It ran and stopped so.
    Ran(Exit),
    /// Nothing to report (device abuse that ended).
    Survived,
}

/// The text of a panic's payload.
fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default()
}

/// A file name no other thread or process uses at the same time.
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!("svemu-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir.join(format!("{}-{name}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// Build a board from the kernel image `bytes` with `ram` bytes of RAM and
/// run it for at most `instructions`. Err with the panic message if svemu
/// panicked, or when a refusal is not one line.
pub fn run_image(bytes: &[u8], ram: u64, instructions: u64) -> Result<Outcome, String> {
    let path = scratch("kernel.elf");
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let result = catch_unwind(AssertUnwindSafe(|| {
        // `svemu disasm` reads the same files: its sections, disassembled.
        if let Ok(sections) = svemu::loader::code_sections(bytes) {
            for s in sections {
                let _ = svemu::isa::disassemble(&s.bytes, s.addr);
            }
        }
        let built = board::build(BoardConfig {
            bios: None,
            kernel: Some(path.clone()),
            initrd: None,
            append: None,
            ram_size: ram,
            harts: 1,
            drives: Vec::new(),
            drive_locking: false,
            disk_latency: svemu::devices::virtio::blk::DiskLatency::DEFAULT,
            ad_policy: AdPolicy::Hardware,
            tlb: TlbGeometry::default(),
            console_in: ConsoleIn::None,
            console_out: ConsoleOut::Buffer(Vec::new()),
            tracer: Tracer::off(),
        });
        match built {
            Err(e) => Outcome::Refused(e.to_string()),
            Ok(mut m) => {
                m.max_instructions = Some(instructions);
                Outcome::Ran(m.run())
            }
        }
    }));
    std::fs::remove_file(&path).ok();
    match result {
        Ok(Outcome::Refused(e)) if e.contains('\n') || e.is_empty() => Err(format!("refused without one line: {e:?}")),
        Ok(o) => Ok(o),
        Err(p) => Err(format!("svemu panicked: {}", panic_text(p))),
    }
}

/// Addresses worth pointing a ring or a buffer at, in a RAM of `ram` bytes.
fn addresses(ram: u64) -> [u64; 12] {
    let end = map::DRAM_BASE + ram;
    [
        map::DRAM_BASE + 0x1000,
        map::DRAM_BASE + 0x2000,
        map::DRAM_BASE + 0x3000,
        map::DRAM_BASE + 0x10_0000 - 8,
        end - 16,
        end - 1,
        end,
        0,
        0x1000_1000,
        u64::MAX - 7,
        u64::MAX - (1 << 30) + 1,
        0xffff_ffff_0000_0000,
    ]
}

/// Lengths worth putting in a descriptor or a syscall.
const LENGTHS: [u64; 10] = [0, 1, 15, 16, 512, 513, 4096, 0xffff_fff0, 0xffff_ffff, 3 << 30];

/// Values worth writing to a register.
const VALUES: [u64; 10] = [0, 1, 2, 3, 0xff, 0x5555, 0x3333, 0xffff_ffff, u64::MAX, 0x8000_0000];

/// Device windows: base and how far past it accesses go (twice the window,
/// so offsets beyond the registers are tried too).
const WINDOWS: [(u64, u64); 7] = [
    (map::ROM_BASE, 0x1_0000),
    (map::TEST_BASE, 0x2000),
    (map::CLINT_BASE, 0x2_0000),
    (map::PLIC_BASE, 0x80_0000),
    (map::UART_BASE, 0x200),
    (map::virtio_base(0), map::VIRTIO_SIZE * map::VIRTIO_SLOTS as u64),
    (map::virtio_base(7), 0x2000),
];

/// One device-abuse case from `seed`: see the module documentation. Err
/// with the panic message if svemu panicked.
pub fn abuse_devices(seed: u64, image: &Path) -> Result<Outcome, String> {
    catch_unwind(AssertUnwindSafe(|| abuse(seed, image)))
        .map(|()| Outcome::Survived)
        .map_err(|p| format!("svemu panicked: {}", panic_text(p)))
}

fn abuse(seed: u64, image: &Path) {
    let mut rng = Rng::new(seed);
    // Mostly 1 MiB; sometimes 4 GiB (reserved, not touched), where a length
    // can exceed the distance from RAM's base to 2^64.
    let ram = if rng.below(4) == 0 { 4 << 30 } else { 1 << 20 };
    let mut bus =
        Bus::new(ram, 2, BootRom::reset_vector(map::DRAM_BASE, 0), ConsoleIn::None, ConsoleOut::Buffer(Vec::new()));
    let disk = Block::open(image, "fuzz", false).expect("the fuzz disk image opens");
    bus.virtio[rng.below(map::VIRTIO_SLOTS as u64) as usize] = VirtioMmio::new(Some(disk));
    bus.virtio[0] = VirtioMmio::new(Some(Block::open(image, "fuzz0", false).expect("the fuzz disk image opens")));
    let tohost = map::DRAM_BASE + 0x8000 + 8 * rng.below(64);
    bus.attach_htif(Htif::new(tohost, Some(tohost + 0x40)));
    let addrs = addresses(ram);
    let addr = |rng: &mut Rng| if rng.below(4) == 0 { rng.next_u64() } else { rng.pick(&addrs) };
    let len = |rng: &mut Rng| if rng.below(4) == 0 { rng.next_u64() & 0xffff_ffff } else { rng.pick(&LENGTHS) };
    // A descriptor index: mostly inside a small queue, sometimes anything.
    let index = |rng: &mut Rng| {
        let bound = if rng.below(2) == 0 { 8 } else { 1 << 16 };
        rng.below(bound)
    };
    let w32 = |bus: &mut Bus, slot: usize, reg: u64, v: u64| {
        let _ = bus.write(map::virtio_base(slot) + reg, 4, v);
    };

    // Descriptors, rings and indirect tables of garbage in the first 32 KiB.
    for d in 0..64u64 {
        let at = map::DRAM_BASE + 0x1000 + 16 * d;
        let _ = bus.write(at, 8, addr(&mut rng));
        let _ = bus.write(at + 8, 4, len(&mut rng));
        let _ = bus.write(at + 12, 2, rng.below(8));
        let next = index(&mut rng);
        let _ = bus.write(at + 14, 2, next);
    }
    for k in 0..64u64 {
        let head = index(&mut rng);
        let _ = bus.write(map::DRAM_BASE + 0x2000 + 2 * k, 2, head);
    }

    // A driver set-up, followed or not (each step may be skipped or wrong).
    if rng.below(4) != 0 {
        let slot = 0;
        let features = [1u64 << 32, 1 << 32 | 1 << 28, 1 << 32 | 1 << 29, 1 << 32 | 1 << 28 | 1 << 29, rng.next_u64()];
        let f = rng.pick(&features);
        for (reg, v) in [
            (0x070, 0),
            (0x070, 1),
            (0x070, 3),
            (0x024, 0),
            (0x020, f & 0xffff_ffff),
            (0x024, 1),
            (0x020, f >> 32),
            (0x070, 11),
            (0x030, 0),
            (0x038, rng.pick(&[1, 2, 4, 8, 256, 0, 3, 512])),
            (0x080, map::DRAM_BASE + 0x1000),
            (0x090, map::DRAM_BASE + 0x2000),
            (0x0a0, map::DRAM_BASE + 0x3000),
            (0x044, 1),
            (0x070, 15),
        ] {
            match rng.below(40) {
                0 => {}
                1 => w32(&mut bus, slot, reg, addr(&mut rng)),
                2 if reg >= 0x080 => w32(&mut bus, slot, reg + 4, addr(&mut rng) >> 32),
                _ => w32(&mut bus, slot, reg, v),
            }
        }
    }

    for _ in 0..rng.below(300) {
        match rng.below(10) {
            // Make buffers available and notify.
            0..=2 => {
                let avail = map::DRAM_BASE + 0x2000;
                let idx = bus.read(avail + 2, 2).unwrap_or(0);
                let _ = bus.write(avail + 2, 2, idx.wrapping_add(rng.pick(&[1, 1, 2, 9, 300])));
                w32(&mut bus, rng.below(map::VIRTIO_SLOTS as u64) as usize, 0x050, rng.pick(&[0, 0, 1]));
            }
            // Rewrite a descriptor or ring word.
            3..=4 => {
                let at = map::DRAM_BASE + 0x1000 + 8 * rng.below(0x600);
                let _ = bus.write(at, 8, if rng.below(2) == 0 { addr(&mut rng) } else { len(&mut rng) });
            }
            // Any access to any device window.
            5..=7 => {
                let (base, span) = rng.pick(&WINDOWS);
                let at = base + rng.below(span);
                let size = rng.pick(&[1u8, 2, 4, 8]);
                if rng.below(2) == 0 {
                    let _ = bus.write(at, size, rng.pick(&VALUES) ^ (rng.next_u64() & rng.pick(&[0, 0xff, u64::MAX])));
                } else {
                    let _ = bus.read(at, size);
                }
            }
            // An HTIF command: a proxied syscall with garbage arguments, or anything.
            8 => {
                let magic = map::DRAM_BASE + 0x6000;
                let (buf, mut n) = (addr(&mut rng), len(&mut rng));
                // (Checked here without svemu's own range check, which is under test.)
                let in_ram = buf >= map::DRAM_BASE && buf.checked_add(n).is_some_and(|e| e <= map::DRAM_BASE + ram);
                if ram > 1 << 20 && in_ram {
                    // A valid write of gigabytes would only fill the test's console buffer.
                    n = n.min(4096);
                }
                for (k, v) in [rng.pick(&[64, 64, 93, 0]), rng.pick(&[1, 2, 3]), buf, n].into_iter().enumerate() {
                    let _ = bus.write(magic + 8 * k as u64, 8, v);
                }
                let command = match rng.below(4) {
                    0 => magic,
                    1 => addr(&mut rng) & 0xffff_ffff_ffff,
                    2 => 1 << 56 | 1 << 48 | rng.below(256),
                    _ => rng.next_u64(),
                };
                let _ = bus.write(tohost, 8, command);
            }
            // RAM at its edges, any width.
            _ => {
                let at = addr(&mut rng).wrapping_add(rng.below(16)).wrapping_sub(8);
                let _ = bus.write(at, rng.pick(&[1u8, 2, 4, 8]), rng.next_u64());
            }
        }
        bus.update_interrupts();
        let _ = bus.hart_lines(rng.below(2) as usize);
        let _ = bus.take_power_request();
    }
}
