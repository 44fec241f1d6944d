/* mstatus.FS: with FS = Off every F/D instruction (loads, stores, moves,
 * compressed forms) and the fflags/frm/fcsr CSRs raise illegal instruction;
 * with FS on, a write to an f register or fflags makes FS Dirty and sets SD. */
#include "check.h"
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    li      t0, 3 << 13
    csrc    mstatus, t0                  /* FS = Off */
    la      s0, scratch
    fadd.s  fa0, fa1, fa2
    CHECK_TRAP(1, 2)
    fld     fa0, 0(s0)
    CHECK_TRAP(2, 2)
    fsw     fa0, 0(s0)
    CHECK_TRAP(3, 2)
    fmv.x.d a0, fa0
    CHECK_TRAP(4, 2)
    fmv.w.x fa0, zero
    CHECK_TRAP(5, 2)
    c.fld   fa0, 0(s0)
    CHECK_TRAP(6, 2)
    c.fsdsp fa0, 0(sp)
    CHECK_TRAP(7, 2)
    csrr    a0, fflags
    CHECK_TRAP(8, 2)
    csrwi   frm, 1
    CHECK_TRAP(9, 2)
    csrr    a0, fcsr
    CHECK_TRAP(10, 2)
    fcvt.d.l fa0, zero
    CHECK_TRAP(11, 2)
    csrr    a0, mstatus
    srli    a0, a0, 63
    CHECK(12, a0, 0)                     /* SD clear */
    /* FS = Clean: a register write makes it Dirty. */
    li      t0, 2 << 13
    csrs    mstatus, t0
    csrr    a0, mstatus
    srli    a0, a0, 63
    CHECK(20, a0, 0)
    fmv.d.x fa0, zero
    CHECK_NO_TRAP(21)
    csrr    a0, mstatus
    srli    a1, a0, 13
    andi    a1, a1, 3
    CHECK(22, a1, 3)
    srli    a0, a0, 63
    CHECK(23, a0, 1)
    /* sstatus shows FS and SD too. */
    csrr    a0, sstatus
    srli    a0, a0, 63
    CHECK(24, a0, 1)
    /* A write to fflags alone makes Clean FS Dirty. */
    li      t0, 3 << 13
    csrc    mstatus, t0
    li      t0, 2 << 13
    csrs    mstatus, t0
    csrwi   fflags, 1
    csrr    a0, mstatus
    srli    a1, a0, 13
    andi    a1, a1, 3
    CHECK(25, a1, 3)
    CHECK_END

    .data
    .align 3
scratch:
    .fill   64, 1, 0
