//! Kernel-global state and the big kernel lock.
//!
//! svos runs on every hart, but its kernel code runs under one lock, the
//! *big kernel lock* ([`kernel_lock`] / [`kernel_unlock`]), as early
//! SMP Linux and xv6's `ptable.lock` do: a hart holds it whenever it runs
//! kernel code (syscalls, trap handling, the scheduler) and releases it only
//! to enter U-mode ([`crate::proc::sched::user_loop`]) or to idle in `wfi`.
//! The lock is held across a context switch: the thread switched to
//! continues with it (so a zombie's kernel stack is never freed while its
//! hart still runs on it). Everything behind a [`Global`] (process table,
//! run queue, ASID allocator, kernel-stack slots, initrd index, per-process
//! state) is protected by it.
//!
//! It is a ticket lock (harts get it in the order they asked) whose
//! waiters sleep in `wfi` until the releasing hart wakes the next one with
//! an IPI: a waiting hart retires a handful of instructions per hand-over
//! instead of spinning for the whole time another hart runs kernel code.
//!
//! The kernel runs with sstatus.SIE = 0 and is never interrupted, so no
//! interrupt path ever takes a lock. A hart waiting for the lock keeps
//! answering TLB shootdown requests ([`crate::smp::serve_ipi`]), so the
//! lock holder may wait for them.
//!
//! Lock order (outer first): big kernel lock -> one of the leaf spin locks
//! (frame allocator [`crate::mm::frame`], kernel heap [`crate::mm::heap`],
//! console [`crate::console`]). A leaf lock is never held while taking
//! another lock, and nothing waits for another hart while holding one.

use crate::smp::MAX_HARTS;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A global mutable value, accessed only with the big kernel lock held.
/// Callers must not keep a reference from [`Global::get`] across a context
/// switch or a release of the lock.
pub struct Global<T>(UnsafeCell<T>);

// SAFETY: every access happens under the big kernel lock (see the module docs).
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    /// Wraps `v`.
    pub const fn new(v: T) -> Self {
        Global(UnsafeCell::new(v))
    }
    /// The value. See the type's rule on references across switches.
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut T {
        // SAFETY: the big kernel lock is held (module docs).
        unsafe { &mut *self.0.get() }
    }
}

/// Holder of the big kernel lock: hart id + 1, or 0 when free.
static HOLDER: AtomicUsize = AtomicUsize::new(0);

/// The lock is a ticket lock: a hart takes the next ticket and owns the
/// lock when [`NOW_SERVING`] reaches it, so waiting harts get it in the
/// order they asked (no hart starves while others come and go).
static NEXT_TICKET: AtomicUsize = AtomicUsize::new(0);
static NOW_SERVING: AtomicUsize = AtomicUsize::new(0);

/// Per hart: the ticket it sleeps for, plus 1 (0: not waiting), so the
/// releasing hart wakes exactly the next one.
static SLEEPING_FOR: [AtomicUsize; MAX_HARTS] = [const { AtomicUsize::new(0) }; MAX_HARTS];

/// Full fence: orders a waiter's "I sleep for ticket t" before its read of
/// [`NOW_SERVING`], and the releaser's store of [`NOW_SERVING`] before its
/// read of [`SLEEPING_FOR`], so one of them always sees the other (no lost
/// wake-up).
fn fence() {
    core::sync::atomic::fence(Ordering::SeqCst);
}

/// Takes the big kernel lock for this hart. Panics if this hart already
/// holds it.
///
/// A hart that must wait does not spin: it sleeps in `wfi` until the
/// releasing hart wakes it with an IPI ([`kernel_unlock`]), waking also
/// for TLB shootdown requests, which it serves ([`crate::smp::serve_ipi`])
/// so the lock holder may wait for them. While it waits its timer and
/// external interrupts are masked (sie.STIE, sie.SEIE): a time slice that
/// ends meanwhile stays pending (sip.STIP), and so does a disk completion
/// the PLIC signals to every hart (sip.SEIP, until some hart claims it);
/// either is taken once the hart is back in U-mode or idle, rather than
/// turning every `wfi` into a no-op (`wfi` returns while any interrupt
/// enabled in sie is pending, whatever sstatus.SIE says). On a machine where most work is
/// kernel work under this one lock, waiting harts then retire almost no
/// instructions instead of seven of eight harts spinning.
pub fn kernel_lock() {
    let me = crate::smp::hart_id();
    if HOLDER.load(Ordering::Relaxed) == me + 1 {
        panic!("hart {} takes the kernel lock twice", me);
    }
    let ticket = NEXT_TICKET.fetch_add(1, Ordering::Relaxed);
    if NOW_SERVING.load(Ordering::Acquire) != ticket {
        const STIE: usize = 1 << 5;
        const SEIE: usize = 1 << 9;
        const MASKED: usize = STIE | SEIE;
        let sie: usize;
        // SAFETY: masks this hart's timer and external interrupt sources; restored below.
        unsafe { core::arch::asm!("csrrc {0}, sie, {1}", out(reg) sie, in(reg) MASKED) };
        SLEEPING_FOR[me].store(ticket + 1, Ordering::Relaxed);
        fence();
        loop {
            crate::smp::serve_ipi();
            if NOW_SERVING.load(Ordering::Acquire) == ticket {
                break;
            }
            // SAFETY: waits for an interrupt (the handover IPI or a shootdown); SIE = 0, none is taken.
            unsafe { core::arch::asm!("wfi") };
        }
        SLEEPING_FOR[me].store(0, Ordering::Relaxed);
        // SAFETY: restores sie.STIE and sie.SEIE as they were.
        unsafe { core::arch::asm!("csrs sie, {0}", in(reg) sie & MASKED) };
    }
    HOLDER.store(me + 1, Ordering::Relaxed);
}

/// Releases the big kernel lock, held by this hart, to the next waiting
/// hart in ticket order, woken by an IPI if it sleeps.
pub fn kernel_unlock() {
    let me = crate::smp::hart_id();
    if HOLDER.load(Ordering::Relaxed) != me + 1 {
        panic!("hart {} releases a kernel lock it does not hold", me);
    }
    HOLDER.store(0, Ordering::Relaxed);
    let next = NOW_SERVING.load(Ordering::Relaxed) + 1;
    NOW_SERVING.store(next, Ordering::Release);
    fence();
    if NEXT_TICKET.load(Ordering::Relaxed) != next {
        if let Some(h) = SLEEPING_FOR.iter().position(|t| t.load(Ordering::Relaxed) == next + 1) {
            crate::smp::wake(h);
        }
    }
}

/// Lets the harts waiting for the kernel lock have it, then takes it back
/// (after them, in ticket order): long kernel work (a munmap over
/// thousands of areas) calls this between bounded steps, so no process
/// holds every hart for long. Returns at once when no hart waits. The
/// caller must hold the lock and have its data in a consistent state
/// (other harts' kernel code runs in between).
pub fn kernel_relax() {
    if !lock_contended() {
        return;
    }
    kernel_unlock();
    kernel_lock();
}

/// True if another hart waits for the kernel lock (held by this one).
pub fn lock_contended() -> bool {
    NEXT_TICKET.load(Ordering::Relaxed) != NOW_SERVING.load(Ordering::Relaxed) + 1
}

/// A value shared by the threads of one process (Linux's `mm_struct`,
/// `files_struct`, `sighand_struct` pointers): reference-counted, dropped
/// with its last holder, and reached only with the big kernel lock held, so
/// at most one hart touches it at a time. [`Shared::share`] gives another
/// handle to the same value (clone with CLONE_VM, CLONE_FILES,
/// CLONE_SIGHAND); `clone` copies the value into a new, unshared one
/// (fork). The usual rule of [`Global`] applies: no reference from
/// `deref_mut` is kept across a context switch or a release of the lock.
pub struct Shared<T>(alloc::rc::Rc<UnsafeCell<T>>);

impl<T> Shared<T> {
    /// A new value with one holder.
    pub fn new(v: T) -> Self {
        Shared(alloc::rc::Rc::new(UnsafeCell::new(v)))
    }
    /// Another handle to the same value.
    pub fn share(&self) -> Self {
        Shared(self.0.clone())
    }
    /// How many handles hold the value (1 = not shared).
    pub fn holders(&self) -> usize {
        alloc::rc::Rc::strong_count(&self.0)
    }
    /// An identity of the value, equal for every handle to it (its address),
    /// stable while any handle lives.
    pub fn id(&self) -> usize {
        alloc::rc::Rc::as_ptr(&self.0) as usize
    }
}

impl<T: Clone> Clone for Shared<T> {
    /// A copy of the value with one holder (fork), not another handle: see
    /// [`Shared::share`].
    fn clone(&self) -> Self {
        Shared::new((**self).clone())
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> core::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: accessed under the big kernel lock (type docs).
        unsafe { &*self.0.get() }
    }
}

impl<T> core::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: accessed under the big kernel lock, one hart at a time (type docs).
        unsafe { &mut *self.0.get() }
    }
}
