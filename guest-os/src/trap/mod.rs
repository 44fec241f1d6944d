//! Traps: the S-mode trap vector, entering and leaving U-mode, and the
//! handler for traps taken in S-mode (which are kernel bugs).
//!
//! Protocol: while a user process runs, `sscratch` holds a pointer to its
//! [`TrapFrame`]; while the kernel runs, `sscratch` is 0. `__trap_entry` swaps
//! `sp` and `sscratch`: a zero means the trap came from the kernel. From user
//! mode it saves all 31 user registers and `sepc` into the trap frame, then
//! restores the kernel's callee-saved registers and stack pointer saved by
//! [`run_user`], and returns from `run_user` to its Rust caller, which reads
//! `scause`/`stval` (privileged spec 4.1.9-4.1.11).

use core::arch::global_asm;

/// Saved user state plus the kernel context of the `run_user` call.
#[repr(C)]
#[derive(Debug, Clone, Default)]
pub struct TrapFrame {
    /// x0..x31 of the user (x0 unused).
    pub x: [usize; 32],
    /// The user pc to resume at (sepc).
    pub sepc: usize,
    /// Kernel sp, ra, s0..s11 and tp (the hart's state, see
    /// [`crate::smp`]) during `run_user`.
    pub kernel: [usize; 15],
}

/// Register indexes in [`TrapFrame::x`].
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    pub const A1: usize = 11;
    pub const A2: usize = 12;
    pub const A3: usize = 13;
    pub const A4: usize = 14;
    pub const A5: usize = 15;
    pub const A7: usize = 17;
}

global_asm!(
    r#"
    .section .text
    .globl __run_user
    .align 2
/* fn __run_user(tf: *mut TrapFrame) -- returns when the user traps. */
__run_user:
    sd      sp, 264(a0)
    sd      ra, 272(a0)
    sd      s0, 280(a0)
    sd      s1, 288(a0)
    sd      s2, 296(a0)
    sd      s3, 304(a0)
    sd      s4, 312(a0)
    sd      s5, 320(a0)
    sd      s6, 328(a0)
    sd      s7, 336(a0)
    sd      s8, 344(a0)
    sd      s9, 352(a0)
    sd      s10, 360(a0)
    sd      s11, 368(a0)
    sd      tp, 376(a0)
    csrw    sscratch, a0
    ld      t0, 256(a0)
    csrw    sepc, t0
    /* sstatus.SPP = 0 (return to U), SPIE = 1 (U-mode takes interrupts;
       the kernel itself always runs with SIE = 0). */
    li      t0, 0x100
    csrc    sstatus, t0
    li      t0, 0x20
    csrs    sstatus, t0
    .irp i, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\i, \i*8(a0)
    .endr
    ld      x10, 80(a0)
    sret

    .globl __trap_entry
    .align 2
__trap_entry:
    csrrw   sp, sscratch, sp
    beqz    sp, __kernel_trap
    .irp i, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\i, \i*8(sp)
    .endr
    csrr    t0, sscratch
    sd      t0, 16(sp)
    csrr    t0, sepc
    sd      t0, 256(sp)
    csrw    sscratch, zero
    mv      a0, sp
    ld      ra, 272(a0)
    ld      s0, 280(a0)
    ld      s1, 288(a0)
    ld      s2, 296(a0)
    ld      s3, 304(a0)
    ld      s4, 312(a0)
    ld      s5, 320(a0)
    ld      s6, 328(a0)
    ld      s7, 336(a0)
    ld      s8, 344(a0)
    ld      s9, 352(a0)
    ld      s10, 360(a0)
    ld      s11, 368(a0)
    ld      tp, 376(a0)
    ld      sp, 264(a0)
    ret

__kernel_trap:
    /* From S-mode: sp = 0, sscratch = the kernel sp. Fatal, so use the
       dedicated trap stack (the kernel stack may be what overflowed). */
    lla     sp, kernel_trap_stack_top
    addi    sp, sp, -256
    .irp i, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\i, \i*8(sp)
    .endr
    csrr    t0, sscratch
    sd      t0, 16(sp)
    csrw    sscratch, zero
    mv      a0, sp
    call    kernel_trap_handler
1:  j       1b

    .section .bss
    .align 4
kernel_trap_stack:
    .space 16 * 1024
kernel_trap_stack_top:
"#
);

extern "C" {
    fn __run_user(tf: *mut TrapFrame);
    fn __trap_entry();
}

/// Installs the trap vector (stvec, direct mode) and marks "in kernel" (sscratch = 0).
pub fn init() {
    unsafe {
        core::arch::asm!("csrw stvec, {0}", "csrw sscratch, zero", in(reg) __trap_entry as *const () as usize);
    }
}

/// Runs the user context in `tf` (with the current satp) until its next trap.
/// Returns `(scause, stval)`.
pub fn run_user(tf: &mut TrapFrame) -> (usize, usize) {
    unsafe { __run_user(tf as *mut TrapFrame) };
    let (scause, stval): (usize, usize);
    unsafe {
        core::arch::asm!("csrr {0}, scause", "csrr {1}, stval", out(reg) scause, out(reg) stval);
    }
    (scause, stval)
}

/// The name the privileged spec gives an exception cause (Table 3.6 / 4.2),
/// lower-case, or "unknown exception".
pub fn exception_name(code: usize) -> &'static str {
    match code {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store/AMO address misaligned",
        7 => "store/AMO access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        11 => "environment call from M-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store/AMO page fault",
        _ => "unknown exception",
    }
}

/// The name of an interrupt cause (scause with the interrupt bit cleared).
pub fn interrupt_name(code: usize) -> &'static str {
    match code {
        1 => "supervisor software interrupt",
        5 => "supervisor timer interrupt",
        9 => "supervisor external interrupt",
        _ => "unknown interrupt",
    }
}

/// Handles a trap taken in S-mode: always a kernel bug. Prints every register
/// and the trap CSRs, then powers off with failure code 2.
#[no_mangle]
extern "C" fn kernel_trap_handler(regs: &[usize; 32]) -> ! {
    let (scause, stval, sepc, sstatus): (usize, usize, usize, usize);
    unsafe {
        core::arch::asm!(
            "csrr {0}, scause", "csrr {1}, stval", "csrr {2}, sepc", "csrr {3}, sstatus",
            out(reg) scause, out(reg) stval, out(reg) sepc, out(reg) sstatus
        );
    }
    let interrupt = scause >> 63 != 0;
    let code = scause & !(1 << 63);
    let name = if interrupt { interrupt_name(code) } else { exception_name(code) };
    crate::console::_print_raw(format_args!(
        "[svos] KERNEL TRAP: {} (scause {:#x}) stval {:#x} sepc {:#x} sstatus {:#x}\n",
        name, scause, stval, sepc, sstatus
    ));
    for i in (0..32).step_by(4) {
        crate::console::_print_raw(format_args!(
            "  x{:<2} {:#018x}  x{:<2} {:#018x}  x{:<2} {:#018x}  x{:<2} {:#018x}\n",
            i,
            regs[i],
            i + 1,
            regs[i + 1],
            i + 2,
            regs[i + 2],
            i + 3,
            regs[i + 3]
        ));
    }
    crate::drivers::sifive_test::power_off_failure(2)
}
