//! All harts: per-hart state, starting the secondary harts, inter-processor
//! interrupts and TLB shootdown.
//!
//! - **Start.** Every hart enters at 0x8000_0000 in M-mode; hart 0 boots,
//!   the others do their M-mode set-up (PMP, delegation, mtvec, their own
//!   mscratch area) and park in `wfi` until hart 0 sets `smp_release` and
//!   sends them an IPI ([`start_secondaries`]). They then enter S-mode on
//!   their own stack ([`HART_STACK_SIZE`]) in [`rust_secondary`], switch to
//!   the kernel page table, install the trap vector and join the scheduler.
//! - **Per-hart state.** `tp` points to the hart's [`Hart`] in S-mode (set
//!   once per hart; the trap path restores it, U-mode may change its own tp):
//!   the current process, the scheduler's (idle) context, the FP owner, the
//!   pending TLB-flush requests. The ASID allocator is global (one generation
//!   for all harts, see [`crate::mm::asid`]); one shared run queue for all
//!   harts ([`crate::proc::sched`]).
//! - **IPIs.** S-mode asks M-mode with `ecall` (a7 = 4, a0 = mask of target
//!   harts): M-mode sets each target's CLINT msip. The target's M-mode
//!   handler clears its msip and raises mip.SSIP, which S-mode sees as a
//!   supervisor software interrupt (scause 1): taken at once in U-mode, and
//!   waking `wfi` in the kernel (sie.SSIE is set; the kernel keeps SIE = 0
//!   and polls with [`serve_ipi`]).
//! - **TLB shootdown** ([`shootdown`]): the hart that removes or downgrades
//!   a mapping sets a flush request in every other hart that may cache it,
//!   sends them an IPI and waits until each has executed `sfence.vma` (all
//!   of its TLB) and cleared its request; only then does the caller free the
//!   frames. The initiator holds the big kernel lock, so there is one
//!   initiator at a time; targets answer from U-mode (trap), from `wfi`, or
//!   while spinning for the kernel lock ([`crate::sync::kernel_lock`]).

use crate::proc::context::Context;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Most harts svos uses (hart ids 0..MAX_HARTS); harts with larger ids stay
/// parked in M-mode.
pub const MAX_HARTS: usize = 8;

/// Bytes of the stack of each hart but hart 0 (hart 0 has the 64 KiB boot
/// stack): the hart's scheduler runs on it. Allocated from the kernel heap
/// for the harts the DTB lists, so the kernel image does not grow (no guard
/// page: the schedulers' stack use is small and bounded).
pub const HART_STACK_SIZE: usize = 32 * 1024;

/// State of one hart, reached through `tp`.
pub struct Hart {
    /// The hart id (mhartid).
    id: AtomicUsize,
    /// Another hart asks for a full TLB flush; cleared by this hart after it.
    flush_req: AtomicBool,
    /// An ASID generation ended: flush the whole TLB before the next satp
    /// switch to a user address space (see [`crate::mm::asid`]).
    asid_flush: AtomicBool,
    /// The hart idles in the scheduler's `wfi`.
    idle: AtomicBool,
    /// pid whose f registers this hart holds (0 = none).
    fpu_owner: AtomicUsize,
    /// Physical page number of the root page table of the user address
    /// space this hart has in satp (0 = the kernel's table): see
    /// [`harts_using_root`].
    user_root: AtomicUsize,
    /// Only ever used by the hart itself.
    local: UnsafeCell<Local>,
}

/// The parts of [`Hart`] only its own hart touches.
pub struct Local {
    /// The process running on this hart (None while the scheduler runs).
    pub current: Option<usize>,
    /// The scheduler's context (the idle thread), switched to by processes.
    pub sched_ctx: Context,
}

// SAFETY: the atomics are shared; `local` is only used by its own hart.
unsafe impl Sync for Hart {}

impl Hart {
    const fn new() -> Self {
        Hart {
            id: AtomicUsize::new(0),
            flush_req: AtomicBool::new(false),
            asid_flush: AtomicBool::new(false),
            idle: AtomicBool::new(false),
            fpu_owner: AtomicUsize::new(0),
            user_root: AtomicUsize::new(0),
            local: UnsafeCell::new(Local { current: None, sched_ctx: Context { ra: 0, sp: 0, s: [0; 12] } }),
        }
    }
}

static HARTS: [Hart; MAX_HARTS] = [const { Hart::new() }; MAX_HARTS];

/// Harts running svos (bit i = hart i).
static ONLINE: AtomicU64 = AtomicU64::new(0);

extern "C" {
    /// Released flag read by parked harts in M-mode (boot/mod.rs).
    static smp_release: AtomicU64;
    /// Physical address of each hart's stack top, read by the parked hart
    /// when released (boot/mod.rs).
    static mut hart_stack_tops: [usize; MAX_HARTS];
}

fn this() -> &'static Hart {
    let tp: usize;
    // Not `pure`: re-read after every context switch (a thread may move).
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) tp, options(nomem, nostack, preserves_flags)) };
    // SAFETY: tp was set by `init_hart` to an element of HARTS.
    unsafe { &*(tp as *const Hart) }
}

/// Makes `tp` point to hart `id`'s state and marks the hart online. Called
/// first thing in S-mode on every hart.
pub fn init_hart(id: usize) {
    let h = &HARTS[id];
    h.id.store(id, Ordering::Relaxed);
    unsafe { core::arch::asm!("mv tp, {0}", in(reg) h as *const Hart as usize) };
    // sie.SSIE: IPIs wake wfi (and interrupt U-mode).
    unsafe { core::arch::asm!("csrs sie, {0}", in(reg) 1usize << 1) };
    // sie.SEIE: the disk's interrupt (through the PLIC) too.
    crate::drivers::virtio_blk::enable_on_this_hart();
    ONLINE.fetch_or(1 << id, Ordering::AcqRel);
}

/// This hart's id.
pub fn hart_id() -> usize {
    this().id.load(Ordering::Relaxed)
}

/// This hart's own state. The reference must not be kept across a context
/// switch (the thread may resume on another hart).
#[allow(clippy::mut_from_ref)]
pub fn local() -> &'static mut Local {
    // SAFETY: only this hart uses its Local, and kernel code is not interrupted.
    unsafe { &mut *this().local.get() }
}

/// Harts online (bit i = hart i).
pub fn online_mask() -> u64 {
    ONLINE.load(Ordering::Acquire)
}

/// Sends an IPI to the harts in `mask` (bit i = hart i) through M-mode.
fn send_ipi(mask: u64) {
    if mask != 0 {
        unsafe {
            core::arch::asm!("fence rw, rw", "ecall", in("a7") 4usize, inlateout("a0") mask => _, options(nostack))
        };
    }
}

/// Releases the parked harts `ids` (from the DTB; hart 0 and ids from
/// [`MAX_HARTS`] on are skipped) and waits until each is online. Returns
/// how many harts are online.
pub fn start_secondaries(ids: &[usize]) -> usize {
    let mask = ids.iter().filter(|&&i| i != 0 && i < MAX_HARTS).fold(0u64, |m, &i| m | 1 << i);
    for i in (0..MAX_HARTS).filter(|i| mask >> i & 1 != 0) {
        let layout = core::alloc::Layout::from_size_align(HART_STACK_SIZE, 16).unwrap();
        // SAFETY: a non-zero-size layout; the stack is never freed.
        let base = unsafe { alloc::alloc::alloc(layout) } as usize;
        if base == 0 {
            panic!("no kernel heap for hart {}'s stack", i);
        }
        let top_pa = base + HART_STACK_SIZE - crate::mm::PHYS_OFFSET;
        // SAFETY: hart i is parked and reads its entry only after the release below.
        unsafe { core::ptr::addr_of_mut!(hart_stack_tops[i]).write_volatile(top_pa) };
    }
    // SAFETY: smp_release is an 8-byte aligned word in .data.
    unsafe { (*core::ptr::addr_of!(smp_release)).store(1, Ordering::Release) };
    send_ipi(mask);
    while online_mask() & mask != mask {
        core::hint::spin_loop();
    }
    online_mask().count_ones() as usize
}

/// Answers a pending IPI: clears sip.SSIP, then executes the full TLB flush
/// another hart asked for, if any.
pub fn serve_ipi() {
    unsafe { core::arch::asm!("csrc sip, {0}", in(reg) 1usize << 1) };
    let h = this();
    if h.flush_req.load(Ordering::Acquire) {
        crate::mm::page_table::sfence_vma_all();
        h.flush_req.store(false, Ordering::Release);
    }
}

/// TLB shootdown: every hart of `mask` other than this one flushes its whole
/// TLB (`sfence.vma x0, x0`); returns when all have. The caller holds the
/// big kernel lock and flushes its own TLB as needed; frames unmapped
/// before the call may be reused after it.
pub fn shootdown(mask: u64) {
    crate::drivers::trace::shootdown(mask);
    let me = hart_id();
    let targets = mask & online_mask() & !(1 << me);
    if targets == 0 {
        return;
    }
    for (i, h) in HARTS.iter().enumerate() {
        if targets >> i & 1 != 0 {
            h.flush_req.store(true, Ordering::Release);
        }
    }
    send_ipi(targets);
    for (i, h) in HARTS.iter().enumerate() {
        if targets >> i & 1 != 0 {
            while h.flush_req.load(Ordering::Acquire) {
                core::hint::spin_loop();
            }
        }
    }
}

/// Records that an ASID generation ended: every online hart flushes its
/// whole TLB before its next switch to a user address space.
pub fn request_asid_flush_all() {
    let online = online_mask();
    for (i, h) in HARTS.iter().enumerate() {
        if online >> i & 1 != 0 {
            h.asid_flush.store(true, Ordering::Release);
        }
    }
}

/// True (once) if this hart must flush its TLB because an ASID generation ended.
pub fn take_asid_flush() -> bool {
    this().asid_flush.swap(false, Ordering::AcqRel)
}

/// Marks this hart idle (in the scheduler's `wfi`) or not.
pub fn set_idle(idle: bool) {
    this().idle.store(idle, Ordering::Release);
}

/// Wakes one idle hart of `allowed` other than this one (new runnable work
/// that may run there), if any.
pub fn kick_idle_hart(allowed: u64) {
    let me = hart_id();
    let mask = online_mask() & allowed;
    if let Some(i) = (0..MAX_HARTS).find(|&i| i != me && mask >> i & 1 != 0 && HARTS[i].idle.load(Ordering::Acquire)) {
        send_ipi(1 << i);
    }
}

/// Wakes hart `hart` from the `wfi` it waits for the kernel lock in
/// ([`crate::sync::kernel_lock`]).
pub fn wake(hart: usize) {
    send_ipi(1 << hart);
}

/// Interrupts hart `hart` (an IPI with no request): if it runs a process in
/// U-mode, the process traps to the kernel, which then sees what changed
/// (a kill).
pub fn kick(hart: usize) {
    send_ipi(1 << hart);
}

/// Records the root page table (its physical page number; 0 = the
/// kernel's table) this hart has just written to satp.
pub fn set_user_root(root: usize) {
    this().user_root.store(root, Ordering::Release);
}

/// The online harts whose satp holds the user address space of root page
/// table `root` (physical page number) now: a process running there (in
/// U-mode, or in its kernel thread waiting for the kernel lock) keeps
/// filling its TLB from that table, so a shootdown must not forget them.
pub fn harts_using_root(root: usize) -> u64 {
    let online = online_mask();
    HARTS
        .iter()
        .enumerate()
        .filter(|(i, h)| online >> i & 1 != 0 && h.user_root.load(Ordering::Acquire) == root)
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

/// The pid whose f registers this hart holds (0 = none).
pub fn fpu_owner() -> usize {
    this().fpu_owner.load(Ordering::Relaxed)
}

/// Records that this hart holds `pid`'s f registers.
pub fn set_fpu_owner(pid: usize) {
    this().fpu_owner.store(pid, Ordering::Relaxed);
}

/// Forgets `pid` as the FP owner on every hart.
pub fn forget_fpu_owner(pid: usize) {
    for h in HARTS.iter() {
        let _ = h.fpu_owner.compare_exchange(pid, 0, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// S-mode entry of every hart but hart 0 (from `s_entry`, on its own stack,
/// boot page table on): joins the kernel and runs the scheduler.
#[no_mangle]
extern "C" fn rust_secondary(hartid: usize) -> ! {
    init_hart(hartid);
    crate::mm::kernel_space::activate_kernel();
    crate::trap::init();
    crate::sync::kernel_lock();
    crate::proc::sched::scheduler()
}
