//! Checkpoints: a whole machine at one point of its run, to resume it there
//! (`--save-at ICOUNT FILE`, `--restore FILE`) or to go back to (reverse
//! execution under gdb, which keeps one every [`crate::gdb::INTERVAL`]
//! instructions in memory).
//!
//! A checkpoint holds the harts (registers, pc, privilege, every CSR, PMP,
//! the LR reservation, WFI, counters), each MMU (TLB entries, replacement
//! pointers, statistics; the fast TLB in front of it is a cache and starts
//! empty), the devices' guest-visible state (CLINT, PLIC, UART registers
//! and FIFO, virtio-mmio registers and queues, sifive_test, HTIF, LR/SC
//! reservations), the run loop's own state (instruction and trap counts, the
//! round and turn it stopped in), and every RAM page holding a non-zero
//! byte. Restoring it into a machine built from the same command line and
//! running on gives the run the uninterrupted one would have made: the same
//! console output and trace, byte for byte.
//!
//! Not in a checkpoint: the disk images behind virtio-blk (svemu writes
//! into them; `--save-at` refuses to run with `--drive`), the console
//! behind the UART (where a `--console-input` or `--console-script` stands:
//! `--save-at` refuses them), the per-privilege counters of `--stats-json`
//! (a restored run counts from the checkpoint), the boot ROM and
//! the loaded images (the command line rebuilds them), caches of decoded
//! instructions (rebuilt as needed).
//!
//! # File format, version 3 (version 1 had no hpm counters, version 2 not
//! what the kernel reported about its processes)
//!
//! ```text
//! offset 0   8 bytes  magic "SVEMUCKP"
//! offset 8   4 bytes  format version, little-endian u32 (3)
//! offset 12  the rest: a postcard (https://postcard.jamesmunns.com) encoding of
//!            struct File {
//!                ram_size: u64,          // bytes of RAM (must equal -m)
//!                harts: u64,             // number of harts (must equal --smp)
//!                instructions: u64,      // instructions retired, all harts
//!                position: u64,          // instructions + traps (crate::debug::position)
//!                state: Vec<u8>,         // postcard of the machine state (State, below)
//!                pages: Vec<(u32, Vec<u8>)>, // (page number from the RAM base, its 4096 bytes)
//!            }
//! ```
//!
//! `State` is, in order: the harts, the MMUs, CLINT, PLIC, UART, the 8
//! virtio-mmio slots,
//! sifive_test, HTIF, reservations, the bus's `lines_dirty` and `attention`
//! flags, [`RunState`], and what the guest kernel reported about its
//! processes through the trace port ([`crate::trace::kernel::SavedProcesses`]:
//! a restored run names user pcs from the ELF each hart's process runs),
//! each as its Rust type derives serde's
//! `Serialize`. A change of any of these types changes the format: bump
//! [`VERSION`] with it. A file of another version is refused.

pub mod array;

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::debug::Point;
use crate::devices::clint::Clint;
use crate::devices::htif::Htif;
use crate::devices::plic::Plic;
use crate::devices::sifive_test::SifiveTest;
use crate::devices::uart::Uart16550;
use crate::devices::virtio::VirtioMmio;
use crate::hart::Hart;
use crate::machine::{Machine, RunState};
use crate::mmu::{Mmu, PAGE_SIZE};
use crate::reservations::Reservations;
use crate::trace::kernel::{Processes, SavedProcesses};

/// The file's first 8 bytes.
pub const MAGIC: [u8; 8] = *b"SVEMUCKP";
/// The format version this svemu writes and reads.
pub const VERSION: u32 = 3;

/// A machine at one point of its run.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Where in the run.
    pub point: Point,
    /// RAM size in bytes.
    pub ram_size: u64,
    /// Number of harts.
    pub harts: usize,
    /// The state besides RAM, postcard-encoded ([`State`]).
    state: Vec<u8>,
    /// RAM pages holding a non-zero byte, by page number from the RAM base,
    /// in increasing order (shared with the previous snapshot when equal).
    pages: Vec<(u32, Arc<[u8]>)>,
}

#[derive(Serialize)]
struct StateRef<'a> {
    harts: &'a [Hart],
    mmus: &'a [Mmu],
    clint: &'a Clint,
    plic: &'a Plic,
    uart: &'a Uart16550,
    virtio: &'a [VirtioMmio],
    test: &'a SifiveTest,
    htif: &'a Option<Htif>,
    reservations: &'a Reservations,
    lines_dirty: bool,
    attention: bool,
    run: RunState,
    processes: SavedProcesses,
}

/// The machine state besides RAM (the same fields as `StateRef`, owned).
#[derive(Deserialize)]
struct State {
    harts: Vec<Hart>,
    mmus: Vec<Mmu>,
    clint: Clint,
    plic: Plic,
    uart: Uart16550,
    virtio: Vec<VirtioMmio>,
    test: SifiveTest,
    htif: Option<Htif>,
    reservations: Reservations,
    lines_dirty: bool,
    attention: bool,
    run: RunState,
    processes: SavedProcesses,
}

#[derive(Serialize, Deserialize)]
struct File {
    ram_size: u64,
    harts: u64,
    instructions: u64,
    position: u64,
    state: Vec<u8>,
    pages: Vec<(u32, Vec<u8>)>,
}

fn is_zero(page: &[u8]) -> bool {
    page.chunks_exact(64).all(|c| c.iter().fold(0u8, |a, &b| a | b) == 0)
}

impl Snapshot {
    /// Capture `m` as it stands (between two [`Machine::run`] calls). Pages
    /// equal to `previous`'s are shared with it.
    pub fn capture(m: &mut Machine, previous: Option<&Snapshot>) -> Snapshot {
        let htif = m.bus.htif_mut().clone();
        let state = StateRef {
            harts: &m.harts,
            mmus: &m.mmus,
            clint: &m.bus.clint,
            plic: &m.bus.plic,
            uart: &m.bus.uart,
            virtio: &m.bus.virtio,
            test: &m.bus.test,
            htif: &htif,
            reservations: &m.bus.reservations,
            lines_dirty: m.bus.lines_dirty,
            attention: m.bus.attention,
            run: m.run_state(),
            processes: m.tracer.processes().save(),
        };
        let state = postcard::to_allocvec(&state).expect("machine state serializes");
        let ram = &m.bus.ram;
        let mut old = previous.map(|p| p.pages.iter().peekable());
        let mut pages = Vec::new();
        for n in 0..(ram.size() / PAGE_SIZE) as u32 {
            let bytes = ram.slice(ram.base() + n as u64 * PAGE_SIZE, PAGE_SIZE).unwrap();
            let same = old.as_mut().and_then(|it| {
                while it.peek().is_some_and(|(k, _)| *k < n) {
                    it.next();
                }
                it.peek().filter(|(k, p)| *k == n && &p[..] == bytes).map(|(_, p)| p.clone())
            });
            if let Some(p) = same {
                pages.push((n, p));
            } else if !is_zero(bytes) {
                pages.push((n, Arc::from(bytes)));
            }
        }
        Snapshot { point: Point::of(m.stats), ram_size: ram.size(), harts: m.harts.len(), state, pages }
    }

    /// Bytes of RAM pages held (shared pages counted in each snapshot).
    pub fn ram_bytes(&self) -> u64 {
        self.pages.len() as u64 * PAGE_SIZE
    }

    /// Put `m` (built from the same command line) in this snapshot's state.
    /// The console ends, the disks and the tracer stay `m`'s.
    pub fn restore(&self, m: &mut Machine) -> Result<(), String> {
        if m.bus.ram.size() != self.ram_size || m.harts.len() != self.harts {
            return Err(format!(
                "the checkpoint is of a machine with {} MiB of RAM and {} harts, this one has {} MiB and {}",
                self.ram_size >> 20,
                self.harts,
                m.bus.ram.size() >> 20,
                m.harts.len()
            ));
        }
        let s: State = postcard::from_bytes(&self.state).map_err(|e| format!("corrupt checkpoint state: {e}"))?;
        if s.harts.len() != self.harts || s.mmus.len() != self.harts || s.virtio.len() != m.bus.virtio.len() {
            return Err("corrupt checkpoint state: wrong number of harts or slots".into());
        }
        m.harts = s.harts;
        for (live, saved) in m.mmus.iter_mut().zip(s.mmus) {
            let record = live.record;
            *live = saved;
            live.record = record;
        }
        m.bus.clint = s.clint;
        m.bus.plic = s.plic;
        m.bus.uart.restore(s.uart);
        for (live, saved) in m.bus.virtio.iter_mut().zip(s.virtio) {
            live.restore(saved);
        }
        m.bus.test = s.test;
        *m.bus.htif_mut() = s.htif;
        m.bus.reservations = s.reservations;
        m.bus.lines_dirty = s.lines_dirty;
        m.bus.attention = s.attention;
        m.set_run_state(s.run);
        m.tracer.set_processes(Processes::restore(s.processes));
        let ram = &mut m.bus.ram;
        let base = ram.base();
        let mut saved = self.pages.iter().peekable();
        let zero = [0u8; PAGE_SIZE as usize];
        for n in 0..(ram.size() / PAGE_SIZE) as u32 {
            let want: &[u8] = match saved.peek() {
                Some((k, p)) if *k == n => {
                    let p = &p[..];
                    saved.next();
                    p
                }
                _ => &zero,
            };
            let pa = base + n as u64 * PAGE_SIZE;
            if ram.slice(pa, PAGE_SIZE).unwrap() != want {
                ram.slice_mut(pa, PAGE_SIZE).unwrap().copy_from_slice(want);
            }
        }
        Ok(())
    }

    /// Write this snapshot to `path` in the format of version [`VERSION`].
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let file = File {
            ram_size: self.ram_size,
            harts: self.harts as u64,
            instructions: self.point.instructions,
            position: self.point.position,
            state: self.state.clone(),
            pages: self.pages.iter().map(|(n, p)| (*n, p.to_vec())).collect(),
        };
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend(postcard::to_allocvec(&file).map_err(|e| format!("cannot encode the checkpoint: {e}"))?);
        std::fs::write(path, bytes).map_err(|e| format!("cannot write checkpoint '{}': {e}", path.display()))
    }

    /// Read a snapshot written by [`Snapshot::save`].
    pub fn load(path: &Path) -> Result<Snapshot, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read checkpoint '{}': {e}", path.display()))?;
        let what = || format!("'{}' is not an svemu checkpoint", path.display());
        if bytes.len() < 12 || bytes[..8] != MAGIC {
            return Err(what());
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        if version != VERSION {
            return Err(format!(
                "checkpoint '{}' has format version {version}; this svemu reads version {VERSION}",
                path.display()
            ));
        }
        let f: File = postcard::from_bytes(&bytes[12..]).map_err(|e| format!("{}: {e}", what()))?;
        let mut pages = Vec::with_capacity(f.pages.len());
        for (n, p) in f.pages {
            if p.len() as u64 != PAGE_SIZE || pages.last().is_some_and(|(k, _): &(u32, Arc<[u8]>)| *k >= n) {
                return Err(format!("{}: malformed page {n}", what()));
            }
            pages.push((n, Arc::from(p)));
        }
        Ok(Snapshot {
            point: Point { position: f.position, instructions: f.instructions },
            ram_size: f.ram_size,
            harts: f.harts as usize,
            state: f.state,
            pages,
        })
    }
}
