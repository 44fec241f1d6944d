//! One hart at work: its architectural state, its MMU and the bus, borrowed
//! together for the duration of a step. Memory accesses made by instructions
//! go through here: virtual address -> MMU -> physical address -> bus.
//!
//! Misaligned loads and stores are performed (as QEMU does for ordinary
//! loads and stores), including across a page boundary, where both pages
//! are translated before any byte is written. LR/SC and AMOs must be
//! naturally aligned (they raise address-misaligned otherwise).

use crate::bus::Bus;
use crate::hart::trap::Exception;
use crate::hart::Hart;
use crate::isa::code_pages::Chain;
use crate::mmu::{Access, Context, FastHit, Mmu, PAGE_SIZE};

/// The last data access of an instruction, for traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemAccess {
    /// Virtual address.
    pub va: u64,
    /// Size in bytes.
    pub size: u8,
    /// The value stored (None for a load).
    pub stored: Option<u64>,
}

/// The RAM pages of a hart's recent fast-TLB load hits and store hits
/// ([`MEMO_WAYS`] of each, direct mapped by virtual page number), kept
/// for one burst of the run loop (while privilege, satp, mstatus and PMP
/// cannot change: they change only through traps, xRET and CSR
/// instructions, which end the burst) and only while the fast TLB stays
/// as it was ([`crate::mmu::FastTlb::epoch`]). A hit counts the same TLB
/// lookup and hit as the fast-TLB hit it stands for.
///
/// A hit compares the virtual page number only: the memo is emptied
/// whenever the fast TLB's epoch moves, by [`DataMemo::revalidate`], which
/// runs at the end of every access past the memo (the only accesses that
/// can move it inside a stretch) and before every stretch. Store entries
/// are made only for pages not marked as holding decoded code, and dropped
/// when [`crate::isa::code_pages`] marks one ([`Cpu::forget_store_page`]),
/// so a store hit needs no check for decoded code.
#[derive(Clone, Copy, Debug)]
pub struct DataMemo {
    epoch: u64,
    /// Per entry (loads first, then stores): virtual page number
    /// (`u64::MAX`: none), the page's offset in RAM ([`Bus::direct_page`]),
    /// and whether a use counts as a TLB hit.
    vpn: [u64; 2 * MEMO_WAYS],
    off: [usize; 2 * MEMO_WAYS],
    paged: [bool; 2 * MEMO_WAYS],
}

/// Entries of a [`DataMemo`] per access kind (a power of two).
pub const MEMO_WAYS: usize = 4;

impl DataMemo {
    /// A memo holding nothing.
    pub fn new() -> DataMemo {
        DataMemo { epoch: 0, vpn: [u64::MAX; 2 * MEMO_WAYS], off: [0; 2 * MEMO_WAYS], paged: [false; 2 * MEMO_WAYS] }
    }

    /// The entry for `va` and access `k` (0 load, 1 store).
    #[inline(always)]
    fn index(k: usize, va: u64) -> usize {
        k * MEMO_WAYS + ((va >> 12) as usize & (MEMO_WAYS - 1))
    }

    /// The RAM offset of `va` (its access within one page) for access `k`
    /// (0 load, 1 store), and whether it counts as a TLB hit, if memoised.
    #[inline(always)]
    fn get(&self, k: usize, va: u64) -> Option<(usize, bool)> {
        let e = Self::index(k, va);
        if va >> 12 == self.vpn[e] {
            Some((self.off[e] | (va & (PAGE_SIZE - 1)) as usize, self.paged[e]))
        } else {
            None
        }
    }

    /// Empty the memo when the fast TLB moved since its entries were made.
    #[inline(always)]
    pub fn revalidate(&mut self, mmu: &Mmu) {
        if self.epoch != mmu.fast.epoch() {
            self.vpn = [u64::MAX; 2 * MEMO_WAYS];
            self.epoch = mmu.fast.epoch();
        }
    }

    /// Remember the fast-TLB hit `hit` of `va` for access `k` when its page
    /// is RAM (and, for a store, not marked as holding decoded code).
    #[inline(always)]
    fn put(&mut self, k: usize, va: u64, hit: FastHit, mmu: &Mmu, bus: &Bus) {
        self.revalidate(mmu);
        if let Some(off) = bus.direct_page(hit.pa, k == 1) {
            let e = Self::index(k, va);
            self.vpn[e] = va >> 12;
            self.off[e] = off;
            self.paged[e] = hit.paged;
        }
    }
}

impl Default for DataMemo {
    fn default() -> Self {
        DataMemo::new()
    }
}

/// A hart with its MMU and the bus, for executing instructions.
pub struct Cpu<'a> {
    /// Architectural state.
    pub hart: &'a mut Hart,
    /// The hart's MMU.
    pub mmu: &'a mut Mmu,
    /// The system bus.
    pub bus: &'a mut Bus,
    /// The data access of the current instruction, if any (for traces; not
    /// recorded on a [`DataMemo`] hit, since only the short path, which
    /// writes no traces, has a memo).
    pub mem: Option<MemAccess>,
    /// The burst's memo of data pages, if the caller keeps one.
    memo: Option<&'a mut DataMemo>,
    /// The threaded handlers' budget and page ([`Chain`]; idle outside the
    /// fetch loop). The instructions retired on the short path that the
    /// CLINT has not counted yet are `chain.ticked - chain.rem`: the fetch
    /// loop hands them to [`Cpu::tick_clint`] when it stops, and every load
    /// or store that misses the [`DataMemo`], the only ones that can reach
    /// a device, hands them over first, so a read of mtime sees the same
    /// count as with a tick per instruction.
    pub chain: Chain,
    /// A load or store went past the [`DataMemo`] (to the fast TLB, the
    /// full translation or a device) since the threaded handlers last
    /// cleared it: it may have moved the fast TLB, written into decoded
    /// code or asked for the bus's attention. Memo hits can do none of it.
    pub past_memo: bool,
}

impl<'a> Cpu<'a> {
    /// Borrow a hart, its MMU and the bus together.
    pub fn new(hart: &'a mut Hart, mmu: &'a mut Mmu, bus: &'a mut Bus) -> Cpu<'a> {
        Cpu { hart, mmu, bus, mem: None, memo: None, chain: Chain::IDLE, past_memo: false }
    }

    /// [`Cpu::new`] with a burst's [`DataMemo`] for loads and stores.
    pub fn with_memo(hart: &'a mut Hart, mmu: &'a mut Mmu, bus: &'a mut Bus, memo: &'a mut DataMemo) -> Cpu<'a> {
        Cpu { hart, mmu, bus, mem: None, memo: Some(memo), chain: Chain::IDLE, past_memo: false }
    }

    /// Advance the CLINT by one cycle per instruction retired on the short
    /// path since it was last told ([`Cpu::chain`]).
    #[inline(always)]
    pub fn tick_clint(&mut self) {
        let n = self.chain.ticked - self.chain.rem;
        if n != 0 {
            self.bus.clint.tick(n);
            self.chain.ticked = self.chain.rem;
        }
    }

    /// Translate `va` for a `size`-byte `access` under the hart's current
    /// context (translation, then PMP on the physical address).
    #[inline]
    pub fn translate(&mut self, va: u64, size: u8, access: Access) -> Result<u64, Exception> {
        self.mmu.translate_for(self.hart, va, size, access, self.bus)
    }

    /// Fetch the instruction at pc: its raw bits (16 or 32 of them). The
    /// second half of a 32-bit instruction uses the first half's translation
    /// when both are on one page (one TLB lookup per instruction), and its
    /// own when the instruction crosses a page boundary.
    #[inline]
    pub fn fetch(&mut self) -> Result<u32, Exception> {
        let pc = self.hart.pc;
        // Fast path: both halves in one page the fast TLB holds (so PMP
        // allows all of it), and that page is RAM.
        if pc & (PAGE_SIZE - 1) <= PAGE_SIZE - 4 {
            if let Some(hit) = self.mmu.fast_lookup(self.hart, pc, Access::Fetch) {
                if let Some(word) = self.bus.ram.read_u32(hit.pa) {
                    self.mmu.count_fast_hit(hit);
                    return Ok(if word & 3 == 3 { word } else { word & 0xffff });
                }
            }
        }
        self.fetch_slow(pc)
    }

    /// [`Cpu::fetch`] halfword by halfword, through the full translation.
    #[inline(never)]
    fn fetch_slow(&mut self, pc: u64) -> Result<u32, Exception> {
        let pa = self.fetch_pa(pc)?;
        let lo = self.fetch16(pa, pc)?;
        if lo & 3 != 3 {
            return Ok(lo as u32);
        }
        let va_hi = pc.wrapping_add(2);
        let pa_hi = if va_hi & (PAGE_SIZE - 1) != 0 {
            let ctx = Context::of(self.hart, Access::Fetch);
            if !ctx.pmp.allows(pa + 2, 2, Access::Fetch, ctx.prv) {
                return Err(Exception::InstructionAccessFault(va_hi));
            }
            pa + 2
        } else {
            self.fetch_pa(va_hi)?
        };
        let hi = self.fetch16(pa_hi, va_hi)?;
        Ok(lo as u32 | (hi as u32) << 16)
    }

    fn fetch_pa(&mut self, va: u64) -> Result<u64, Exception> {
        self.translate(va, 2, Access::Fetch)
    }

    fn fetch16(&mut self, pa: u64, va: u64) -> Result<u16, Exception> {
        if !self.bus.is_memory(pa, 2) {
            return Err(Exception::InstructionAccessFault(va));
        }
        self.bus.read(pa, 2).map(|v| v as u16).map_err(|_| Exception::InstructionAccessFault(va))
    }

    /// Load `size` (1, 2, 4, 8) bytes at `va`, zero-extended.
    #[inline(always)]
    pub fn load(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        if !crosses_page(va, size) {
            if let Some((off, paged)) = self.memo.as_ref().and_then(|m| m.get(0, va)) {
                // No `MemAccess` record: the memo exists only on the short
                // path, which writes no traces.
                self.mmu.count_fast_hit(FastHit { pa: 0, paged });
                // SAFETY: a `size`-byte access within a page of
                // `Bus::direct_page` (the access does not cross the page).
                return Ok(unsafe { self.bus.read_direct(off, size) });
            }
        }
        self.load_fast_tlb(va, size)
    }

    /// [`Cpu::load`] past the data memo: the fast TLB, else the full
    /// translation.
    #[inline(never)]
    fn load_fast_tlb(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        // A device read may read mtime.
        self.tick_clint();
        self.past_memo = true;
        if !crosses_page(va, size) {
            if let Some(hit) = self.mmu.fast_lookup(self.hart, va, Access::Load) {
                if let Some(m) = self.memo.as_mut() {
                    m.put(0, va, hit, self.mmu, self.bus);
                }
                self.mmu.count_fast_hit(hit);
                self.mem = Some(MemAccess { va, size, stored: None });
                return self.bus.read(hit.pa, size).map_err(|_| Exception::LoadAccessFault(va));
            }
        }
        let r = self.load_slow(va, size);
        if let Some(m) = self.memo.as_mut() {
            m.revalidate(self.mmu);
        }
        r
    }

    #[inline(never)]
    fn load_slow(&mut self, va: u64, size: u8) -> Result<u64, Exception> {
        self.mem = Some(MemAccess { va, size, stored: None });
        if crosses_page(va, size) {
            let mut v = 0u64;
            // Past the memo: a byte's translation may move the fast TLB,
            // which empties the memo only when `load_fast_tlb` ends.
            for i in (0..size as u64).rev() {
                v = (v << 8) | self.load_fast_tlb(va.wrapping_add(i), 1)?;
            }
            self.mem = Some(MemAccess { va, size, stored: None });
            return Ok(v);
        }
        let pa = self.translate(va, size, Access::Load)?;
        self.bus.read(pa, size).map_err(|_| Exception::LoadAccessFault(va))
    }

    /// Store the low `size` (1, 2, 4, 8) bytes of `val` at `va`.
    #[inline(always)]
    pub fn store(&mut self, va: u64, size: u8, val: u64) -> Result<(), Exception> {
        if !crosses_page(va, size) {
            if let Some((off, paged)) = self.memo.as_ref().and_then(|m| m.get(1, va)) {
                // No `MemAccess` record, as for loads.
                self.mmu.count_fast_hit(FastHit { pa: 0, paged });
                // SAFETY: a `size`-byte access within a page of
                // `Bus::direct_page` for a store, which stays unmarked as
                // code while memoised (`Cpu::forget_store_page`).
                unsafe { self.bus.write_direct(off, size, val) };
                return Ok(());
            }
        }
        self.store_fast_tlb(va, size, val)
    }

    /// Store through `hit`, the memo's or fast TLB's translation of `va`,
    /// counting the TLB lookup and hit it stands for, and recording the
    /// access in [`Cpu::mem`] when `record`.
    #[inline(always)]
    fn store_at(&mut self, hit: FastHit, va: u64, size: u8, val: u64, record: bool) -> Result<(), Exception> {
        self.mmu.count_fast_hit(hit);
        self.bus.write(hit.pa, size, val).map_err(|_| Exception::StoreAccessFault(va))?;
        if record {
            self.mem = Some(MemAccess { va, size, stored: Some(val) });
        }
        Ok(())
    }

    /// [`Cpu::store`] past the data memo: the fast TLB, else the full
    /// translation.
    #[inline(never)]
    fn store_fast_tlb(&mut self, va: u64, size: u8, val: u64) -> Result<(), Exception> {
        // A device write may read or set mtime.
        self.tick_clint();
        self.past_memo = true;
        if !crosses_page(va, size) {
            if let Some(hit) = self.mmu.fast_lookup(self.hart, va, Access::Store) {
                if let Some(m) = self.memo.as_mut() {
                    m.put(1, va, hit, self.mmu, self.bus);
                }
                return self.store_at(hit, va, size, val, true);
            }
        }
        let r = self.store_slow(va, size, val);
        if let Some(m) = self.memo.as_mut() {
            m.revalidate(self.mmu);
        }
        r
    }

    /// Forget the memoised store page at physical address `pa` (a page
    /// just marked as holding decoded code, see [`DataMemo`]).
    #[inline]
    pub fn forget_store_page(&mut self, pa: u64) {
        if let (Some(m), Some(off)) = (self.memo.as_mut(), self.bus.ram.page_offset(pa, false)) {
            for e in MEMO_WAYS..2 * MEMO_WAYS {
                if m.off[e] == off {
                    m.vpn[e] = u64::MAX;
                }
            }
        }
    }

    /// Empty the burst's memo when the fast TLB moved since its entries
    /// were made (before a stretch: the general step may have moved it).
    #[inline]
    pub fn revalidate_memo(&mut self) {
        if let Some(m) = self.memo.as_mut() {
            m.revalidate(self.mmu);
        }
    }

    #[inline(never)]
    fn store_slow(&mut self, va: u64, size: u8, val: u64) -> Result<(), Exception> {
        if crosses_page(va, size) {
            // Translate both pages first, so a fault on the second page
            // leaves memory untouched.
            let split = PAGE_SIZE - (va & (PAGE_SIZE - 1));
            let pa1 = self.translate(va, split as u8, Access::Store)?;
            let pa2 = self.translate(va.wrapping_add(split), size - split as u8, Access::Store)?;
            for i in 0..size as u64 {
                let pa = if i < split { pa1 + i } else { pa2 + (i - split) };
                let fault_va = va.wrapping_add(i);
                self.bus.write(pa, 1, val >> (8 * i)).map_err(|_| Exception::StoreAccessFault(fault_va))?;
            }
        } else {
            let pa = self.translate(va, size, Access::Store)?;
            self.bus.write(pa, size, val).map_err(|_| Exception::StoreAccessFault(va))?;
        }
        self.mem = Some(MemAccess { va, size, stored: Some(val) });
        Ok(())
    }

    /// Translate `va` for an atomic access of `size` bytes: it must be
    /// naturally aligned and in main memory. LR uses `Access::Load`; SC and
    /// AMOs use `Access::Store`.
    pub fn translate_atomic(&mut self, va: u64, size: u8, access: Access) -> Result<u64, Exception> {
        if va & (size as u64 - 1) != 0 {
            return Err(match access {
                Access::Load => Exception::LoadAddressMisaligned(va),
                _ => Exception::StoreAddressMisaligned(va),
            });
        }
        let pa = self.translate(va, size, access)?;
        if !self.bus.is_memory(pa, size) {
            return Err(access.access_fault(va));
        }
        Ok(pa)
    }
}

#[inline]
fn crosses_page(va: u64, size: u8) -> bool {
    (va & (PAGE_SIZE - 1)) + size as u64 > PAGE_SIZE
}
