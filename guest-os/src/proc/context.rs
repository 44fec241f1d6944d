//! Kernel contexts and the context switch.
//!
//! Every process has its own kernel stack ([`KernelStack`], with a guard
//! page) and a kernel thread that runs its
//! user loop ([`super::sched::user_loop`]); the scheduler runs on the boot
//! stack. [`switch`] saves the callee-saved registers (ra, sp, s0..s11; the
//! RISC-V psABI's callee-saved set) of the running thread and loads another's:
//! the caller-saved ones are already saved by the compiler around the call.

/// Callee-saved registers of a suspended kernel thread.
#[repr(C)]
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// Return address: where the thread resumes.
    pub ra: usize,
    /// Kernel stack pointer.
    pub sp: usize,
    /// s0..s11.
    pub s: [usize; 12],
}

pub use crate::mm::kstack::KernelStack;

core::arch::global_asm!(
    r#"
    .section .text
    .globl __switch
    .align 2
/* __switch(old: *mut Context, new: *const Context) */
__switch:
    sd      ra, 0(a0)
    sd      sp, 8(a0)
    sd      s0, 16(a0)
    sd      s1, 24(a0)
    sd      s2, 32(a0)
    sd      s3, 40(a0)
    sd      s4, 48(a0)
    sd      s5, 56(a0)
    sd      s6, 64(a0)
    sd      s7, 72(a0)
    sd      s8, 80(a0)
    sd      s9, 88(a0)
    sd      s10, 96(a0)
    sd      s11, 104(a0)
    ld      ra, 0(a1)
    ld      sp, 8(a1)
    ld      s0, 16(a1)
    ld      s1, 24(a1)
    ld      s2, 32(a1)
    ld      s3, 40(a1)
    ld      s4, 48(a1)
    ld      s5, 56(a1)
    ld      s6, 64(a1)
    ld      s7, 72(a1)
    ld      s8, 80(a1)
    ld      s9, 88(a1)
    ld      s10, 96(a1)
    ld      s11, 104(a1)
    ret

    .globl __thread_start
    .align 2
/* First activation of a process's kernel thread. */
__thread_start:
    call    process_thread_entry
1:  j       1b

    .globl __kthread_start
    .align 2
/* First activation of a kernel thread: its entry function is in s0. */
__kthread_start:
    jalr    s0
2:  j       2b
"#
);

extern "C" {
    fn __switch(old: *mut Context, new: *const Context);
    /// The first `ra` of a new process's kernel thread.
    pub fn __thread_start();
    /// The first `ra` of a kernel thread made by [`Context::new_kthread`].
    fn __kthread_start();
}

/// Saves the running thread's context into `old` and resumes `new`.
///
/// # Safety
/// `new` must be a context saved by `switch` or made by [`Context::new_thread`],
/// and both must stay valid until the switch back.
pub unsafe fn switch(old: *mut Context, new: *const Context) {
    __switch(old, new);
}

impl Context {
    /// The context of a new kernel thread that starts in
    /// `process_thread_entry` on the stack `kstack`.
    pub fn new_thread(kstack: &KernelStack) -> Self {
        Context { ra: __thread_start as *const () as usize, sp: kstack.top(), s: [0; 12] }
    }

    /// The context of a kernel thread (no process: kswapd) that starts in
    /// `entry` on the stack `kstack`.
    pub fn new_kthread(kstack: &KernelStack, entry: extern "C" fn() -> !) -> Self {
        let mut s = [0; 12];
        s[0] = entry as usize;
        Context { ra: __kthread_start as *const () as usize, sp: kstack.top(), s }
    }
}
