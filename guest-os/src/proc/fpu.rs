//! Lazy floating-point state (privileged spec 3.1.6.6, the FS field of
//! mstatus/sstatus).
//!
//! The kernel runs with sstatus.FS = Off: no FP instruction can run in
//! S-mode by accident. A process enters U-mode with FS = Clean, its f
//! registers (and fcsr) in the hart if it is the FP owner. After every trap:
//! if FS is Dirty the process wrote f registers, so they are saved into its
//! [`FpState`]. Before entering U-mode: unless the hart holds this
//! process's registers and the process last ran on this hart (it may have
//! run on another hart since, see [`FpState::hart`]), they are reloaded from
//! its state (zeros for a new process, so no FP state leaks between
//! processes). Each hart's owner is in [`crate::smp`].
//!
//! If FS is not writable (a hart without F/D, e.g. svemu today) FP is
//! disabled: users run with FS = Off and FP instructions raise illegal
//! instruction.

use crate::sync::Global;

const FS_MASK: usize = 3 << 13;
const FS_CLEAN: usize = 2 << 13;
const FS_DIRTY: usize = 3 << 13;

/// Saved f0..f31 and fcsr of one process.
#[repr(C)]
#[derive(Clone, Debug, Default)]
pub struct FpState {
    /// f0..f31 (raw bits).
    pub f: [u64; 32],
    /// fcsr.
    pub fcsr: u64,
    /// Hart id + 1 where these registers were last loaded (0 = none).
    pub hart: usize,
}

struct Fpu {
    /// FS can be set (the harts have F/D).
    present: bool,
}

static FPU: Global<Fpu> = Global::new(Fpu { present: false });

/// Probes FP: the DTB's riscv,isa string `isa` must list F and D in its
/// single-letter part ("rv64imafdc..."), and FS must be writable (write
/// Initial, read back). Then turns FP off for the kernel. Returns true if
/// users get FP.
pub fn init(isa: &str) -> bool {
    let base = isa.split('_').next().unwrap_or("");
    let base = base.strip_prefix("rv64").unwrap_or("");
    if !(base.contains('f') && base.contains('d')) {
        unsafe { core::arch::asm!("csrc sstatus, {0}", in(reg) FS_MASK) };
        FPU.get().present = false;
        return false;
    }
    let s: usize;
    unsafe {
        core::arch::asm!("csrs sstatus, {0}", in(reg) 1usize << 13);
        core::arch::asm!("csrr {0}, sstatus", out(reg) s);
        core::arch::asm!("csrc sstatus, {0}", in(reg) FS_MASK);
    }
    FPU.get().present = s & FS_MASK != 0;
    FPU.get().present
}

/// Before entering U-mode as `pid` with state `st`: load the f registers if
/// the hart holds another process's, then set FS = Clean.
pub fn enter_user(pid: usize, st: &mut FpState) {
    if !FPU.get().present {
        return;
    }
    unsafe { core::arch::asm!("csrs sstatus, {0}", in(reg) FS_CLEAN) };
    let here = crate::smp::hart_id() + 1;
    if crate::smp::fpu_owner() != pid || st.hart != here {
        unsafe { restore(st) };
        crate::smp::set_fpu_owner(pid);
        st.hart = here;
    }
    // restore() may have made FS Dirty: force Clean.
    unsafe {
        core::arch::asm!("csrc sstatus, {0}", in(reg) FS_MASK);
        core::arch::asm!("csrs sstatus, {0}", in(reg) FS_CLEAN);
    }
}

/// After a trap from U-mode: save the f registers into `st` if FS is Dirty,
/// then FS = Off for the kernel.
pub fn leave_user(st: &mut FpState) {
    if !FPU.get().present {
        return;
    }
    let s: usize;
    unsafe { core::arch::asm!("csrr {0}, sstatus", out(reg) s) };
    if s & FS_MASK == FS_DIRTY {
        unsafe { save(st) };
    }
    unsafe { core::arch::asm!("csrc sstatus, {0}", in(reg) FS_MASK) };
}

/// Forgets that any hart holds `pid`'s registers (on exit or exec).
pub fn forget(pid: usize) {
    crate::smp::forget_fpu_owner(pid);
}

macro_rules! fp_regs {
    ($m:ident, $p:ident) => {
        core::arch::asm!(
            concat!(stringify!($m), " f0, 0({0})"), concat!(stringify!($m), " f1, 8({0})"),
            concat!(stringify!($m), " f2, 16({0})"), concat!(stringify!($m), " f3, 24({0})"),
            concat!(stringify!($m), " f4, 32({0})"), concat!(stringify!($m), " f5, 40({0})"),
            concat!(stringify!($m), " f6, 48({0})"), concat!(stringify!($m), " f7, 56({0})"),
            concat!(stringify!($m), " f8, 64({0})"), concat!(stringify!($m), " f9, 72({0})"),
            concat!(stringify!($m), " f10, 80({0})"), concat!(stringify!($m), " f11, 88({0})"),
            concat!(stringify!($m), " f12, 96({0})"), concat!(stringify!($m), " f13, 104({0})"),
            concat!(stringify!($m), " f14, 112({0})"), concat!(stringify!($m), " f15, 120({0})"),
            concat!(stringify!($m), " f16, 128({0})"), concat!(stringify!($m), " f17, 136({0})"),
            concat!(stringify!($m), " f18, 144({0})"), concat!(stringify!($m), " f19, 152({0})"),
            concat!(stringify!($m), " f20, 160({0})"), concat!(stringify!($m), " f21, 168({0})"),
            concat!(stringify!($m), " f22, 176({0})"), concat!(stringify!($m), " f23, 184({0})"),
            concat!(stringify!($m), " f24, 192({0})"), concat!(stringify!($m), " f25, 200({0})"),
            concat!(stringify!($m), " f26, 208({0})"), concat!(stringify!($m), " f27, 216({0})"),
            concat!(stringify!($m), " f28, 224({0})"), concat!(stringify!($m), " f29, 232({0})"),
            concat!(stringify!($m), " f30, 240({0})"), concat!(stringify!($m), " f31, 248({0})"),
            in(reg) $p,
        )
    };
}

unsafe fn save(st: &mut FpState) {
    let p = st.f.as_mut_ptr();
    fp_regs!(fsd, p);
    let fcsr: u64;
    core::arch::asm!("frcsr {0}", out(reg) fcsr);
    st.fcsr = fcsr;
}

unsafe fn restore(st: &FpState) {
    let p = st.f.as_ptr();
    fp_regs!(fld, p);
    core::arch::asm!("fscsr {0}", in(reg) st.fcsr);
}
