//! Address-space identifiers (privileged spec 4.1.11, satp.ASID; 4.2.1,
//! SFENCE.VMA) with a generation scheme, as Linux's riscv `context.c`:
//!
//! - At boot the ASID width is probed: write all ones to satp.ASID and read
//!   back (WARL). svemu keeps 16 bits; QEMU 16; 0 bits means no ASIDs.
//! - Each address space holds (asid, generation). When it is switched to and
//!   its generation is not the current one, it gets the next free ASID.
//!   When the ASIDs of a generation run out, the generation advances and the
//!   whole TLB is flushed (`sfence.vma x0, x0`), so an ASID is never reused
//!   while stale entries tagged with it may remain.
//! - Kernel mappings are global (G), so switching address spaces needs no
//!   flush. With 0 ASID bits every switch flushes everything.
//! - All harts share one generation and one allocator (under the big kernel
//!   lock). A generation ends on one hart, but the ASIDs it handed out may be
//!   cached by every hart (a hart keeps running its process with an ASID of
//!   the old generation); so the end of a generation asks every hart
//!   ([`crate::smp::request_asid_flush_all`]) to flush its whole TLB before
//!   its next switch to a user address space, as Linux's riscv `context.c`
//!   does with its per-CPU flush-pending mask. A process that keeps running
//!   with an old-generation ASID only reuses it on that hart, whose next
//!   switch flushes; when it is switched to again it gets a new ASID.

use crate::sync::Global;

struct AsidState {
    /// Largest ASID (0 = no ASIDs).
    max: usize,
    /// Next ASID to hand out in this generation (1..=max; 0 is the kernel's).
    next: usize,
    /// Current generation (starts at 1; 0 in an address space means "none").
    generation: u64,
}

static STATE: Global<AsidState> = Global::new(AsidState { max: 0, next: 1, generation: 1 });

/// Probes the ASID width with the current satp (restored afterwards).
/// Returns the number of implemented ASID bits.
pub fn init() -> u32 {
    let satp: usize;
    let probed: usize;
    unsafe {
        core::arch::asm!("csrr {0}, satp", out(reg) satp);
        core::arch::asm!("csrw satp, {0}", in(reg) satp | (0xffffusize << 44));
        core::arch::asm!("csrr {0}, satp", out(reg) probed);
        core::arch::asm!("csrw satp, {0}", "sfence.vma", in(reg) satp);
    }
    let max = (probed >> 44) & 0xffff;
    STATE.get().max = max;
    max.count_ones()
}

/// Uses at most ASIDs 1..=`max` (the `svos.asid_max=N` bootarg, for tests:
/// with few ASIDs, generations end often, on every hart). 0 is ignored.
pub fn limit(max: usize) {
    let st = STATE.get();
    if max != 0 {
        st.max = st.max.min(max);
    }
}

/// The ASID to use for an address space tagged (`asid`, `generation`),
/// updating the tag if a new ASID is needed. Flushes this hart's TLB when a
/// generation ended since its last switch, or when there are no ASIDs.
pub fn assign(asid: &mut u16, generation: &mut u64) -> u16 {
    let st = STATE.get();
    if st.max == 0 {
        unsafe { core::arch::asm!("sfence.vma") };
        *asid = 0;
        return 0;
    }
    if *generation != st.generation && st.next > st.max {
        st.generation += 1;
        st.next = 1;
        crate::smp::request_asid_flush_all();
    }
    if crate::smp::take_asid_flush() {
        unsafe { core::arch::asm!("sfence.vma") };
    }
    if *generation == st.generation {
        return *asid;
    }
    *asid = st.next as u16;
    *generation = st.generation;
    st.next += 1;
    *asid
}

/// (largest ASID, current generation), for reports.
pub fn stats() -> (usize, u64) {
    let st = STATE.get();
    (st.max, st.generation)
}
