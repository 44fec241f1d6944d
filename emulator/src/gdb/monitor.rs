//! `monitor` commands: the MMU as the stopped hart sees it.
//!
//! - `monitor explain VA`: the annotated walk of VA, as `--explain` prints it.
//! - `monitor ptdump [ASID|SATP]`: the page table as ranges (permissions,
//!   A/D, page size): the hart's current one, the one of the hart running
//!   ASID, or the one a satp value names (a number above 0xffff).
//! - `monitor tlb [HART]`: the TLB's valid entries.
//! - `monitor satp`: every hart's privilege and satp, decoded.
//! - `monitor phys ADDR LEN`: physical memory (RAM or boot ROM), hex and ASCII.
//! - `monitor stats`: instructions, traps, and per hart the TLB and walker counters.
//! - `monitor trap-stop on|off`: stop each hart that takes a trap at the
//!   first instruction of its handler (gdb steps by breakpoints on RISC-V,
//!   so without it a `stepi` over a faulting store runs the whole handler).
//! - `monitor break-at ICOUNT`: the next `continue` stops when ICOUNT
//!   instructions (all harts) have retired (as QEMU's `replay_break`).
//! - `monitor hart N`: the hart the other commands look at (by default the
//!   one of the last stop).
//!
//! Numbers are hex with `0x` or decimal.

use std::fmt::Write as _;

use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd};

use super::GdbTarget;
use crate::debug::{memory, ptdump};
use crate::mmu::pte::Pte;
use crate::trace::mmu::{page_size, scheme};

/// The text of `monitor help`.
pub const HELP: &str = "\
svemu monitor commands (numbers: hex with 0x, or decimal):
  explain VA          the translation of VA under the hart's satp, step by step
  ptdump [ASID|SATP]  the page table as ranges: VA, PA, pages x size, DAGUXWRV
  tlb [HART]          the TLB's valid entries
  satp                each hart's privilege and satp, decoded
  phys ADDR LEN       physical memory (RAM or boot ROM)
  stats               instructions, traps, TLB and walker counters
  trap-stop on|off    stop at the entry of every trap handler (a stepi over a
                      faulting store then stops in the kernel's handler)
  break-at ICOUNT     the next continue stops when ICOUNT instructions have retired
  hart N              look at hart N (default: the hart of the last stop)
";

fn number(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("'{s}' is not a number"))
}

impl GdbTarget {
    /// The output of monitor command `cmd`, or the error line.
    pub fn monitor(&mut self, cmd: &str) -> Result<String, String> {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let arg = |k: usize| words.get(k).map(|w| number(w)).transpose();
        let i = self.focus;
        let m = &mut self.machine;
        let mut s = String::new();
        match words.first().copied().unwrap_or("help") {
            "help" => s.push_str(HELP),
            "explain" => {
                let va = arg(1)?.ok_or("usage: monitor explain VA")?;
                let satp = m.harts[i].csr.satp;
                let moment = "where the debugger stopped";
                s = crate::trace::explain::explain(&m.harts[i], &m.mmus[i], &mut m.bus, va, satp, None, moment);
            }
            "ptdump" => {
                let satp = match arg(1)? {
                    None => m.harts[i].csr.satp,
                    Some(v) if v > 0xffff => v,
                    Some(asid) => m
                        .harts
                        .iter()
                        .map(|h| h.csr.satp)
                        .find(|satp| satp >> 60 != 0 && (satp >> 44) as u16 == asid as u16)
                        .ok_or(format!("no hart runs asid {asid} now: give the satp value instead"))?,
                };
                s = ptdump::dump(&m.bus, satp)?;
            }
            "tlb" => {
                let h = arg(1)?.map_or(i, |h| h as usize);
                let mmu = m.mmus.get(h).ok_or(format!("no hart {h}"))?;
                let g = mmu.tlb.geometry();
                let entries: Vec<_> = mmu.tlb.valid_entries().collect();
                let _ = writeln!(s, "hart {h} tlb ({} entries, {}-way): {} valid", g.entries, g.ways, entries.len());
                let _ = writeln!(s, "asid  G  {:<18} {:<18} size    DAGUXWRV", "va", "pa");
                for e in entries {
                    let _ = writeln!(
                        s,
                        "{:>4}  {}  {:#018x} {:#018x} {:<7} {}",
                        e.asid,
                        if e.global() { 'G' } else { '-' },
                        e.va_base(),
                        e.pa_base,
                        page_size(e.level),
                        Pte(e.flags as u64).flags()
                    );
                }
            }
            "satp" => {
                for h in &m.harts {
                    let satp = h.csr.satp;
                    let _ = writeln!(
                        s,
                        "hart {} {}-mode pc {:#x}: satp {satp:#018x} = {} asid {} root {:#x}",
                        h.id,
                        h.prv.letter(),
                        h.pc,
                        scheme(satp),
                        (satp >> 44) as u16,
                        (satp & ((1 << 44) - 1)) << 12
                    );
                }
            }
            "phys" => {
                let (Some(pa), Some(len)) = (arg(1)?, arg(2)?) else {
                    return Err("usage: monitor phys ADDR LEN".into());
                };
                let len = len.min(4096) as usize;
                let mut buf = vec![0u8; len];
                memory::read_physical(&mut m.bus, pa, &mut buf)?;
                for (k, row) in buf.chunks(16).enumerate() {
                    let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
                    let text: String =
                        row.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
                    let _ = writeln!(s, "{:#018x}  {:<47}  {text}", pa + 16 * k as u64, hex.join(" "));
                }
            }
            "stats" => {
                let _ =
                    writeln!(s, "{} instructions retired, {} traps (all harts)", m.stats.instructions, m.stats.traps);
                for (h, mmu) in m.mmus.iter().enumerate() {
                    let t = &mmu.tlb.stats;
                    let _ = writeln!(
                        s,
                        "hart {h}: {} TLB lookups, {} hits, {} misses, {} evictions; {} walks, {} PTE reads, \
                         {} A/D updates, {} faults",
                        t.lookups,
                        t.hits,
                        t.misses,
                        t.evictions,
                        mmu.stats.walks,
                        mmu.stats.pte_reads,
                        mmu.stats.ad_updates,
                        mmu.stats.faults
                    );
                }
            }
            "break-at" => {
                let n = arg(1)?.ok_or("usage: monitor break-at ICOUNT")?;
                if n <= m.stats.instructions {
                    return Err(format!("{} instructions have retired already", m.stats.instructions));
                }
                self.break_at = Some(n);
                let _ = writeln!(s, "the next continue stops when {n} instructions have retired");
            }
            "trap-stop" => {
                self.trap_stop = match words.get(1).copied() {
                    Some("on") => true,
                    Some("off") => false,
                    _ => return Err("usage: monitor trap-stop on|off".into()),
                };
                let state = if self.trap_stop { "stop at" } else { "run through" };
                let _ = writeln!(s, "harts now {state} trap handler entries");
            }
            "hart" => {
                let h = arg(1)?.ok_or("usage: monitor hart N")? as usize;
                if h >= m.harts.len() {
                    return Err(format!("no hart {h} (there are {})", m.harts.len()));
                }
                self.focus = h;
                let _ = writeln!(s, "monitor commands now look at hart {h}");
            }
            other => return Err(format!("unknown monitor command '{other}' (monitor help lists them)")),
        }
        Ok(s)
    }
}

impl MonitorCmd for GdbTarget {
    fn handle_monitor_cmd(&mut self, cmd: &[u8], mut out: ConsoleOutput<'_>) -> Result<(), String> {
        let text = match self.monitor(&String::from_utf8_lossy(cmd)) {
            Ok(t) => t,
            Err(e) => format!("error: {e}\n"),
        };
        out.write_raw(text.as_bytes());
        Ok(())
    }
}
