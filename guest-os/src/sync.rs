//! Kernel-global state and the big kernel lock.
//!
//! svos runs on every hart, but its kernel code runs under one spin lock,
//! the *big kernel lock* ([`kernel_lock`] / [`kernel_unlock`]), as early
//! SMP Linux and xv6's `ptable.lock` do: a hart holds it whenever it runs
//! kernel code (syscalls, trap handling, the scheduler) and releases it only
//! to enter U-mode ([`crate::proc::sched::user_loop`]) or to idle in `wfi`.
//! The lock is held across a context switch: the thread switched to
//! continues with it (so a zombie's kernel stack is never freed while its
//! hart still runs on it). Everything behind a [`Global`] (process table,
//! run queue, ASID allocator, kernel-stack slots, initrd index, per-process
//! state) is protected by it.
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
static KERNEL_LOCK: AtomicUsize = AtomicUsize::new(0);

/// Harts spinning in [`kernel_lock`].
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Takes the big kernel lock for this hart, spinning (and serving IPIs)
/// while another hart holds it. Panics if this hart already holds it.
pub fn kernel_lock() {
    let me = crate::smp::hart_id() + 1;
    loop {
        match KERNEL_LOCK.compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return,
            Err(holder) if holder == me => panic!("hart {} takes the kernel lock twice", me - 1),
            Err(_) => {
                WAITING.fetch_add(1, Ordering::Relaxed);
                while KERNEL_LOCK.load(Ordering::Relaxed) != 0 {
                    crate::smp::serve_ipi();
                    core::hint::spin_loop();
                }
                WAITING.fetch_sub(1, Ordering::Relaxed);
                core::hint::spin_loop();
            }
        }
    }
}

/// Releases the big kernel lock, held by this hart.
pub fn kernel_unlock() {
    let me = crate::smp::hart_id() + 1;
    if KERNEL_LOCK.load(Ordering::Relaxed) != me {
        panic!("hart {} releases a kernel lock it does not hold", me - 1);
    }
    KERNEL_LOCK.store(0, Ordering::Release);
}

/// Lets a hart waiting for the kernel lock have it, then takes it back:
/// long kernel work (a munmap over thousands of areas) calls this between
/// bounded steps, so no process holds every hart for long. Returns at once
/// when no hart waits. The caller must hold the lock and have its data in a
/// consistent state (other harts' kernel code runs in between).
pub fn kernel_relax() {
    if WAITING.load(Ordering::Relaxed) == 0 {
        return;
    }
    kernel_unlock();
    while KERNEL_LOCK.load(Ordering::Relaxed) == 0 && WAITING.load(Ordering::Relaxed) != 0 {
        core::hint::spin_loop();
    }
    kernel_lock();
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
