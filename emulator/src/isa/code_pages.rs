//! A cache of decoded instructions per physical page of RAM, so the common
//! fetch is: same virtual page as the previous fetch -> index a slot ->
//! the decoded instruction.
//!
//! It is an accelerator, not architecture; it gives what the ordinary fetch
//! ([`crate::cpu::Cpu::fetch`] then [`super::DecodeCache`]) would give, and
//! counts the same TLB lookup and hit, because:
//!
//! - The translation of the current fetch page is the fast TLB's
//!   ([`crate::mmu::FastTlb`]), looked up when the fetch moves to another
//!   virtual page and again whenever the fast TLB changed since
//!   ([`crate::mmu::FastTlb::epoch`]). A [`Cursor`] lives for one burst of the
//!   run loop only: everything else the lookup depends on (privilege, satp,
//!   mstatus, PMP) changes only through traps, xRET and CSR instructions,
//!   which end the burst.
//! - A page's slots are valid for one code version of the page
//!   ([`crate::devices::Ram::code_version`]). Every write into RAM goes
//!   through [`crate::devices::Ram`], which gives a page marked as holding
//!   decoded code a new version at its first write and bumps its code
//!   generation; the cursor re-checks its page's version whenever that
//!   generation moved. So a store into the page being executed is seen by
//!   the very next fetch.
//! - Both checks (fast-TLB epoch, code generation) are made by
//!   [`Cursor::revalidate`], which the run loop calls after each memory
//!   access and each general step, the only things that can move either;
//!   the fetch itself compares the virtual page number only.
//! - Only instructions wholly inside one RAM page are cached: a 32-bit
//!   instruction in the last halfword of a page, and fetches outside RAM or
//!   missing the fast TLB, take the ordinary fetch.
//! - Each slot holds a threaded handler ([`Threaded`]): it runs its
//!   instruction, then finds the next one's slot itself and jumps to its
//!   handler ([`chain`]): the slot right after its own for an instruction
//!   that went on to the next one in memory, the slot of the new pc for a
//!   jump or taken branch within the page. The thread returns to the fetch
//!   loop ([`Leave`]) when the budget is spent, the next slot is on another
//!   page or not filled, a load or store moved the fast TLB, wrote into
//!   decoded code or asked for the bus's attention, an instruction needs
//!   the general step, or one raised an exception; so the checks the fetch
//!   loop would make between two instructions are all made.

use super::decode::Insn;
use super::exec::threaded;
use super::DecodeCache;
use crate::cpu::Cpu;
use crate::devices::Ram;
use crate::hart::Hart;
use crate::mmu::{Access, FastHit, Mmu, PAGE_SIZE};

/// Sets of pages held (a power of two), chosen by physical page number;
/// each holds [`WAYS`] pages.
pub const PAGES: usize = 64;

/// Pages per set: two, so a kernel page and a user page whose physical
/// page numbers agree in their low bits do not evict each other at every
/// trap and return.
pub const WAYS: usize = 2;

/// Slots per page: one per halfword.
const SLOTS: usize = PAGE_SIZE as usize / 2;

/// Slots per entry in [`CodePages::slots`]: the page's, then one that is
/// never filled (its stamp stays 0, which no page's stamp is), so
/// [`CodePages::follow`] from the page's last instruction finds an empty
/// slot instead of the next entry's first.
const ENTRY: usize = SLOTS + 1;

/// A decoded instruction with its raw bits and its threaded short-path
/// handler, valid while its stamp equals its page's.
#[derive(Clone, Copy)]
pub struct Slot {
    stamp: u32,
    /// The instruction's raw bits (16 or 32 of them).
    pub raw: u32,
    /// The decoded instruction.
    pub insn: Insn,
    /// Its threaded short-path handler ([`super::exec::threaded`] of its
    /// operation), chosen when the slot was filled.
    pub go: Threaded,
}

/// A threaded short-path handler: runs the instruction of `slot` on `cpu`
/// and, unless something ends the thread ([`Leave`]), the next one's
/// handler, and so on ([`chain`]), all within the budget of
/// [`Chain::rem`] instructions.
///
/// # Safety
///
/// `slot` must point to a filled slot of the slots `cpu.chain` was set up
/// for ([`Chain::start`]), and those slots must not change or move while
/// the thread runs.
pub type Threaded = unsafe fn(&mut Cpu, *const Slot) -> Leave;

/// Why a thread of [`Threaded`] handlers returned to the fetch loop. The
/// instructions retired are counted in [`Chain::rem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// The next instruction's slot is not at hand (another page, a slot not
    /// filled, or the fast TLB or decoded code changed): fetch it.
    Refetch,
    /// The budget is spent, or a device asked for the bus's attention.
    Done,
    /// The instruction of [`Chain::stopped`] has no short path: nothing was
    /// done.
    NotShort,
    /// An instruction raised [`Chain::fault`]; nothing architectural changed.
    Exception,
}

/// What the threaded handlers share with the fetch loop (kept in the
/// [`Cpu`], which every handler has at hand): the budget, and the
/// cursor's page, so a handler can find the next slot itself.
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    /// Instructions the thread may still retire (the stretch's budget,
    /// counted down; 0 outside a stretch).
    pub rem: u64,
    /// [`Chain::rem`] when the CLINT was last told of the instructions
    /// retired ([`Cpu::tick_clint`]).
    pub ticked: u64,
    /// The cursor's page: virtual page number, stamp of its filled slots,
    /// its first slot, and the fast TLB's epoch and RAM's code generation
    /// the cursor checked.
    vpn: u64,
    stamp: u32,
    page: *const Slot,
    /// The virtual address of the cursor's page.
    vbase: u64,
    epoch: u64,
    generation: u64,
    /// The slot a thread stopped at with [`Leave::NotShort`].
    pub stopped: *const Slot,
    /// The exception of [`Leave::Exception`].
    pub fault: Option<crate::hart::trap::Exception>,
}

impl Chain {
    /// No thread: nothing to run.
    pub const IDLE: Chain = Chain {
        rem: 0,
        ticked: 0,
        vpn: u64::MAX,
        stamp: 0,
        page: std::ptr::null(),
        vbase: 0,
        epoch: 0,
        generation: 0,
        stopped: std::ptr::null(),
        fault: None,
    };

    /// Set up a thread on `cur`'s page of `slots` (the cursor just served a
    /// fetch, so it is on its page).
    #[inline(always)]
    pub fn start(&mut self, slots: &[Slot], cur: &Cursor) {
        self.vpn = cur.vpn;
        self.stamp = cur.stamp;
        self.page = slots[cur.base..].as_ptr();
        self.vbase = cur.vpn << 12;
        self.epoch = cur.epoch;
        self.generation = cur.generation;
    }
}

/// The dispatch at the end of every [`Threaded`] handler: count the
/// instruction just retired, then run the next one's handler (a tail
/// call) when its slot is at hand and the budget allows, else return to
/// the fetch loop.
pub mod chain {
    use super::{Leave, Slot, PAGE_SIZE};
    use crate::cpu::Cpu;
    use crate::hart::trap::Exception;

    /// After an instruction that left the pc at the next one in memory: its
    /// slot is the next of the same page (the never-filled slot after the
    /// page's last one stops the thread).
    ///
    /// # Safety
    ///
    /// As [`super::Threaded`]; `slot` is the instruction just run.
    #[inline(always)]
    pub unsafe fn next(cpu: &mut Cpu, slot: *const Slot) -> Leave {
        // SAFETY: `slot` is filled, so its instruction lies within its
        // page: the slot after it is one of the page's or the never-filled
        // one after them ([`super::ENTRY`]), within the same slots. An
        // instruction is 2 or 4 bytes long: len / 2 slots.
        unsafe {
            let next = slot.byte_add((*slot).insn.len as usize * (std::mem::size_of::<Slot>() / 2));
            cpu.chain.rem -= 1;
            if cpu.chain.rem == 0 {
                return done_at(cpu, next);
            }
            if (*next).stamp != cpu.chain.stamp {
                return refetch_at(cpu, next);
            }
            ((*next).go)(cpu, next)
        }
    }

    /// The virtual address of the instruction of `slot`, a slot of the
    /// thread's page (or the never-filled one after them, which stands for
    /// the next page's first byte). Handlers do not move `cpu.hart.pc`
    /// while a thread runs straight on; those that need the pc compute it
    /// here.
    ///
    /// # Safety
    ///
    /// `slot` must be one of the thread's page's slots or the one after.
    #[inline(always)]
    pub unsafe fn pc_of(cpu: &Cpu, slot: *const Slot) -> u64 {
        // One slot of `size_of::<Slot>()` bytes per 2-byte halfword.
        const _: () = assert!(std::mem::size_of::<Slot>() == 32);
        cpu.chain.vbase + ((slot as usize - cpu.chain.page as usize) >> 4) as u64
    }

    /// Leave the thread with `why`, the pc settled at `slot`'s instruction.
    ///
    /// # Safety
    ///
    /// As [`pc_of`].
    #[inline(always)]
    unsafe fn leave_at(cpu: &mut Cpu, slot: *const Slot, why: Leave) -> Leave {
        // SAFETY: as this function requires.
        cpu.hart.pc = unsafe { pc_of(cpu, slot) };
        why
    }

    /// [`leave_at`] for [`Leave::Done`] (out of line: a tail call).
    #[cold]
    #[inline(never)]
    unsafe fn done_at(cpu: &mut Cpu, slot: *const Slot) -> Leave {
        // SAFETY: as `leave_at`.
        unsafe { leave_at(cpu, slot, Leave::Done) }
    }

    /// [`leave_at`] for [`Leave::Refetch`] (out of line: a tail call).
    #[cold]
    #[inline(never)]
    unsafe fn refetch_at(cpu: &mut Cpu, slot: *const Slot) -> Leave {
        // SAFETY: as `leave_at`.
        unsafe { leave_at(cpu, slot, Leave::Refetch) }
    }

    /// After a jump or taken branch: the slot of the new pc when it is on
    /// the same page.
    ///
    /// # Safety
    ///
    /// As [`super::Threaded`].
    #[inline(always)]
    pub unsafe fn jump(cpu: &mut Cpu) -> Leave {
        cpu.chain.rem -= 1;
        if cpu.chain.rem == 0 {
            return Leave::Done;
        }
        let pc = cpu.hart.pc;
        if pc >> 12 != cpu.chain.vpn {
            return Leave::Refetch;
        }
        // SAFETY: the page's slots start at `page`, one per halfword.
        unsafe {
            let next = cpu.chain.page.add(((pc & (PAGE_SIZE - 1)) >> 1) as usize);
            if (*next).stamp != cpu.chain.stamp {
                return Leave::Refetch;
            }
            ((*next).go)(cpu, next)
        }
    }

    /// After a load or store: as [`next`], unless a device wants the
    /// bus's attention, or the fast TLB or decoded code changed (the
    /// cursor must look its page up again).
    ///
    /// # Safety
    ///
    /// As [`next`].
    #[inline(always)]
    pub unsafe fn after_memory(cpu: &mut Cpu, slot: *const Slot) -> Leave {
        cpu.past_memo = false;
        let why = if cpu.bus.attention {
            Leave::Done
        } else if cpu.mmu.fast.epoch() != cpu.chain.epoch || cpu.bus.ram.code_generation() != cpu.chain.generation {
            Leave::Refetch
        } else {
            // SAFETY: as this function requires.
            return unsafe { next(cpu, slot) };
        };
        cpu.chain.rem -= 1;
        // SAFETY: the slot after a filled slot's instruction, as in `next`.
        unsafe { leave_at(cpu, slot.byte_add((*slot).insn.len as usize * (std::mem::size_of::<Slot>() / 2)), why) }
    }

    /// The instruction of `slot` raised `e` (the pc is settled at it).
    ///
    /// # Safety
    ///
    /// As [`pc_of`].
    #[cold]
    pub unsafe fn fault(cpu: &mut Cpu, slot: *const Slot, e: Exception) -> Leave {
        cpu.chain.fault = Some(e);
        // SAFETY: as this function requires.
        unsafe { leave_at(cpu, slot, Leave::Exception) }
    }

    /// The instruction of `slot` needs the general step (the pc is settled
    /// at it).
    ///
    /// # Safety
    ///
    /// As [`pc_of`].
    #[cold]
    pub unsafe fn not_short(cpu: &mut Cpu, slot: *const Slot) -> Leave {
        cpu.chain.stopped = slot;
        // SAFETY: as this function requires.
        unsafe { leave_at(cpu, slot, Leave::NotShort) }
    }
}

/// One entry of the cache: which physical page its slots hold.
#[derive(Clone, Copy)]
struct Page {
    /// Physical address of the page (`u64::MAX` for none).
    pa: u64,
    /// The page's code version its slots were decoded under.
    version: u32,
    /// Slots whose stamp differs are empty; bumping it empties them all.
    stamp: u32,
    /// Index of its first slot in [`CodePages::slots`] (`usize::MAX` until
    /// the entry is first used).
    base: usize,
}

/// The decoded-page cache of a machine (shared by its harts: it is keyed by
/// physical address).
pub struct CodePages {
    pages: [Page; PAGES * WAYS],
    /// Per set, the way last pointed at by a cursor (the other one is
    /// replaced first).
    recent: [u8; PAGES],
    /// The slots of every entry used so far, [`ENTRY`] per entry, in the
    /// order the entries were first used (so only those take memory).
    slots: Vec<Slot>,
}

/// Where a hart is fetching from within one burst (see the module
/// documentation).
#[derive(Clone, Copy)]
pub struct Cursor {
    /// Virtual page number of the fetch page (`u64::MAX` for none).
    vpn: u64,
    /// The fast TLB's epoch and RAM's code generation when last checked.
    epoch: u64,
    generation: u64,
    /// Index in [`CodePages::slots`] of the page's first slot, and the
    /// page's stamp (which only [`CodePages::seek`], pointing a cursor at
    /// the page, changes).
    base: usize,
    stamp: u32,
    /// The fast TLB hit of the fetch page (its physical page, and whether a
    /// use counts as an architectural TLB lookup and hit).
    hit: FastHit,
    /// How many of the current stretch's fetches (all of them through `hit`
    /// since the last seek) are already counted as TLB lookups and hits (see
    /// [`Cursor::settle`]).
    counted: u64,
}

impl Cursor {
    /// A cursor on no page: the first fetch looks one up.
    pub fn new() -> Cursor {
        Cursor {
            vpn: u64::MAX,
            epoch: 0,
            generation: 0,
            base: 0,
            stamp: 0,
            hit: FastHit { pa: 0, paged: false },
            counted: 0,
        }
    }

    /// Count the fetches made through the cursor's fast-TLB hit since the
    /// last count as the architectural TLB lookups and hits they stand for
    /// (none when the hit is not paged); `fetched` is the number of fetches
    /// [`CodePages::fetch`] has served in the current stretch (it counts
    /// them here instead of one by one). [`CodePages::seek`] calls this
    /// before it replaces the hit.
    #[inline]
    fn settle(&mut self, mmu: &mut Mmu, fetched: u64) {
        if self.hit.paged {
            let n = fetched - self.counted;
            mmu.tlb.stats.lookups += n;
            mmu.tlb.stats.hits += n;
        }
        self.counted = fetched;
    }

    /// End a stretch of fetches in which [`CodePages::fetch`] served
    /// `fetched`: count those not counted yet (see [`Cursor::settle`]) and
    /// start the next stretch's count at 0. The fetch loop must call this
    /// before anything reads the TLB statistics.
    #[inline]
    pub fn end_stretch(&mut self, mmu: &mut Mmu, fetched: u64) {
        self.settle(mmu, fetched);
        self.counted = 0;
    }

    /// Leave the current page when the fast TLB or RAM's code generation
    /// moved since the cursor looked its page up, so the next fetch looks
    /// it up again. [`CodePages::fetch`] does not check this itself: its
    /// caller calls this after anything that may have changed either (a
    /// memory access, a general step).
    /// True when the cursor is still on its page.
    #[inline(always)]
    pub fn revalidate(&mut self, mmu: &Mmu, ram: &Ram) -> bool {
        if mmu.fast.epoch() != self.epoch || ram.code_generation() != self.generation {
            self.vpn = u64::MAX;
            return false;
        }
        true
    }
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor::new()
    }
}

impl Default for CodePages {
    fn default() -> Self {
        CodePages::new()
    }
}

impl CodePages {
    /// An empty cache (pages are allocated on first use).
    pub fn new() -> CodePages {
        CodePages {
            pages: [Page { pa: u64::MAX, version: 0, stamp: 1, base: usize::MAX }; PAGES * WAYS],
            recent: [0; PAGES],
            slots: Vec::new(),
        }
    }

    /// The index of the slot of the instruction at `hart`'s pc (the cursor
    /// kept valid by [`Cursor::revalidate`]), or `None` when the ordinary
    /// fetch must run (no fast TLB entry, not RAM, or a 32-bit instruction
    /// crossing the page). `fetched` is the number of slots served earlier
    /// in the current stretch (by this or the threaded handlers); the
    /// fetch's TLB lookup is counted by [`Cursor::end_stretch`] or the next
    /// seek.
    #[inline]
    pub fn fetch(&mut self, cur: &mut Cursor, fetched: u64, cpu: &mut Cpu, memo: &mut DecodeCache) -> Option<usize> {
        let pc = cpu.hart.pc;
        if pc >> 12 != cur.vpn {
            self.seek(cur, fetched, cpu.hart, cpu.mmu, &mut cpu.bus.ram)?;
            // The page is marked as holding decoded code now: stores into
            // it must see to that (no store entry of the data memo for it).
            cpu.forget_store_page(cur.hit.pa);
        }
        let off = (pc & (PAGE_SIZE - 1)) as usize;
        let at = cur.base + (off >> 1);
        // Within the slots: seek allocated the page's.
        let slot = self.slots.get_mut(at)?;
        if slot.stamp != cur.stamp {
            fill(slot, cur, off, &cpu.bus.ram, memo)?;
        }
        Some(at)
    }

    /// All slots, indexed by what [`CodePages::fetch`] returns. The slot
    /// right after a filled slot's instruction (`at + len / 2`) is that of
    /// the next instruction in memory when its stamp is the cursor's; after
    /// a page's last slot comes one that is never filled, so this holds at
    /// the page's end too ([`chain::next`]).
    #[inline(always)]
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }
}

impl CodePages {
    /// Point `cur` at the page of `hart`'s pc, refilling that page's entry
    /// when it holds another page or an older version of this one.
    #[cold]
    #[inline(never)]
    fn seek(&mut self, cur: &mut Cursor, fetched: u64, hart: &Hart, mmu: &mut Mmu, ram: &mut Ram) -> Option<()> {
        cur.settle(mmu, fetched);
        cur.vpn = u64::MAX;
        let hit = mmu.fast_lookup(hart, hart.pc, Access::Fetch)?;
        let pa = hit.pa & !(PAGE_SIZE - 1);
        if !ram.contains(pa, PAGE_SIZE) {
            return None;
        }
        let set = (pa >> 12) as usize & (PAGES - 1);
        let way = match (0..WAYS).find(|&w| self.pages[set * WAYS + w].pa == pa) {
            Some(w) => w,
            None => (self.recent[set] as usize + 1) % WAYS,
        };
        self.recent[set] = way as u8;
        let page = &mut self.pages[set * WAYS + way];
        if page.base == usize::MAX {
            page.base = self.slots.len();
            let empty = Slot { stamp: 0, raw: 0, insn: super::decode(0), go: threaded(super::decode(0).op) };
            self.slots.resize(page.base + ENTRY, empty);
        }
        let version = ram.mark_code(pa);
        if page.pa != pa || page.version != version {
            page.pa = pa;
            page.version = version;
            page.stamp = page.stamp.wrapping_add(1);
            if page.stamp == 0 {
                // Stamps wrapped: empty the slots for real.
                self.slots[page.base..page.base + SLOTS].iter_mut().for_each(|s| s.stamp = 0);
                page.stamp = 1;
            }
        }
        *cur = Cursor {
            vpn: hart.pc >> 12,
            epoch: mmu.fast.epoch(),
            generation: ram.code_generation(),
            base: page.base,
            stamp: page.stamp,
            hit: FastHit { pa, paged: hit.paged },
            counted: fetched,
        };
        Some(())
    }
}

/// Decode the instruction at offset `off` of `cur`'s page into `slot`
/// (stamping it valid), or `None` when it is a 32-bit instruction in the
/// page's last halfword. Out of line and cold: the fetch loop runs the
/// filled slot far more often than it fills one.
#[cold]
#[inline(never)]
fn fill(slot: &mut Slot, cur: &Cursor, off: usize, ram: &Ram, memo: &mut DecodeCache) -> Option<()> {
    let pa = cur.hit.pa + off as u64;
    let lo = ram.read(pa, 2) as u32;
    let raw = if lo & 3 != 3 {
        lo
    } else if off <= PAGE_SIZE as usize - 4 {
        ram.read(pa, 4) as u32
    } else {
        return None;
    };
    let insn = memo.decode(raw);
    *slot = Slot { stamp: cur.stamp, raw, insn, go: threaded(insn.op) };
    Some(())
}
