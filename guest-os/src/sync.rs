//! Kernel-global state without locks: svos runs on one hart and the kernel
//! never takes interrupts (sstatus.SIE = 0 in S-mode), so kernel code is
//! never interrupted by other kernel code. [`Global`] encodes that rule.

use core::cell::UnsafeCell;

/// A global mutable value, accessed only from kernel code on hart 0 with
/// interrupts off. Callers must not keep a reference from [`Global::get`]
/// across a context switch.
pub struct Global<T>(UnsafeCell<T>);

// SAFETY: one hart, no kernel preemption (see the module docs).
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    /// Wraps `v`.
    pub const fn new(v: T) -> Self {
        Global(UnsafeCell::new(v))
    }
    /// The value. See the type's rule on references across switches.
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut T {
        // SAFETY: single hart, non-preemptible kernel.
        unsafe { &mut *self.0.get() }
    }
}
