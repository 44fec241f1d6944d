//! Memory as a debugger sees it: virtual addresses translated through a
//! stopped hart's current context (satp, privilege, MPRV, SUM, MXR, PMP),
//! physical addresses read and written only where memory is (RAM and the
//! boot ROM), never a device register (a read could pop a UART byte).
//!
//! Nothing changes in the machine besides the bytes written: the walk is
//! [`Mmu::explain`]'s dry walk (no A/D update, no TLB fill, no counters).

use crate::bus::Bus;
use crate::hart::{Hart, Priv};
use crate::mmu::{Access, Context, Mmu, MmuEvent, Scheme, PAGE_SIZE};

/// Why a debugger access failed: one line for the user.
pub type Refusal = String;

/// The physical address of `va` for `access` by `hart` now, by a dry walk
/// (Privileged ISA 12.3.2 without step 7's A/D update): `Err` with the
/// page-fault rule or the access fault that the hart would take.
pub fn translate(hart: &Hart, mmu: &Mmu, bus: &mut Bus, va: u64, access: Access) -> Result<u64, Refusal> {
    let ctx = Context::of(hart, access);
    let pa = match (ctx.prv, Scheme::of_satp(ctx.satp)) {
        (Priv::M, _) | (_, Scheme::Bare) => va,
        _ => {
            let events = mmu.explain(&ctx, va, access, bus);
            match events.last() {
                Some(MmuEvent::Leaf { pa, .. }) => *pa,
                Some(MmuEvent::Fault { exception, rule }) => return Err(format!("{exception}: {rule}")),
                _ => return Err(format!("va {va:#x} does not translate")),
            }
        }
    };
    if !ctx.pmp.allows(pa, 1, access, ctx.prv) {
        return Err(format!("pa {pa:#x}: PMP denies {}-mode access", ctx.prv.letter()));
    }
    Ok(pa)
}

/// The physical address of `va` for a debugger read: as a load, else as a
/// fetch (so that execute-only code can be disassembled).
fn translate_read(hart: &Hart, mmu: &Mmu, bus: &mut Bus, va: u64) -> Result<u64, Refusal> {
    translate(hart, mmu, bus, va, Access::Load).or_else(|e| translate(hart, mmu, bus, va, Access::Fetch).map_err(|_| e))
}

/// Read `buf.len()` bytes at virtual address `va` as `hart` sees it now:
/// the number of bytes read (all of them, or up to the first byte whose
/// page does not translate or is not memory), or `Err` when the first
/// byte cannot be read.
pub fn read_virtual(hart: &Hart, mmu: &Mmu, bus: &mut Bus, va: u64, buf: &mut [u8]) -> Result<usize, Refusal> {
    let mut done = 0;
    while done < buf.len() {
        let at = va.wrapping_add(done as u64);
        let chunk = ((PAGE_SIZE - (at & (PAGE_SIZE - 1))) as usize).min(buf.len() - done);
        let r = translate_read(hart, mmu, bus, at).and_then(|pa| read_physical(bus, pa, &mut buf[done..done + chunk]));
        match r {
            Ok(()) => done += chunk,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// Write `data` at virtual address `va` as `hart` would store it now
/// (every page must translate for a store and be RAM; nothing is written
/// otherwise).
pub fn write_virtual(hart: &Hart, mmu: &Mmu, bus: &mut Bus, va: u64, data: &[u8]) -> Result<(), Refusal> {
    let mut pieces = Vec::new();
    let mut done = 0;
    while done < data.len() {
        let at = va.wrapping_add(done as u64);
        let chunk = ((PAGE_SIZE - (at & (PAGE_SIZE - 1))) as usize).min(data.len() - done);
        let pa = translate(hart, mmu, bus, at, Access::Store)?;
        if !bus.ram.contains(pa, chunk as u64) {
            return Err(format!("pa {pa:#x} is not RAM"));
        }
        pieces.push((pa, done, chunk));
        done += chunk;
    }
    for (pa, from, len) in pieces {
        write_physical(bus, pa, &data[from..from + len])?;
    }
    Ok(())
}

/// Read physical memory (RAM or the boot ROM) into `buf`.
pub fn read_physical(bus: &mut Bus, pa: u64, buf: &mut [u8]) -> Result<(), Refusal> {
    if let Some(s) = bus.ram.slice(pa, buf.len() as u64) {
        buf.copy_from_slice(s);
        return Ok(());
    }
    for (k, b) in buf.iter_mut().enumerate() {
        let a = pa.wrapping_add(k as u64);
        if !bus.is_memory(a, 1) {
            return Err(format!("pa {a:#x} is not memory (RAM or boot ROM)"));
        }
        *b = bus.read(a, 1).map_err(|_| format!("pa {a:#x} cannot be read"))? as u8;
    }
    Ok(())
}

/// Write `data` into RAM at `pa` (the decoded-code cache sees it, as it
/// sees every RAM write).
pub fn write_physical(bus: &mut Bus, pa: u64, data: &[u8]) -> Result<(), Refusal> {
    match bus.ram.slice_mut(pa, data.len() as u64) {
        Some(s) => {
            s.copy_from_slice(data);
            Ok(())
        }
        None => Err(format!("pa {pa:#x}..{:#x} is not RAM", pa + data.len() as u64)),
    }
}
