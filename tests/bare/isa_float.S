/* F: arithmetic with exact fflags, rounding modes (static and dynamic),
 * NaN-boxing, the canonical NaN, saturating conversions, fmin/fmax, fclass,
 * comparisons and their signalling rules, FMA with one rounding. */
#include "check.h"
#define NX 1
#define UF 2
#define OF 4
#define DZ 8
#define NV 16
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    li      t0, 1 << 13                  /* mstatus.FS = Initial */
    csrs    mstatus, t0
    csrwi   fcsr, 0
    la      a0, consts
    flw     fa0, 0(a0)                   /* 1.0 */
    flw     fa1, 4(a0)                   /* 2^-24 */
    flw     fa2, 8(a0)                   /* 3.0 */
    fmv.x.d a1, fa0                      /* flw NaN-boxes */
    CHECK(1, a1, 0xffffffff3f800000)
    fadd.s  fa3, fa0, fa1, rne
    fmv.x.w a1, fa3
    CHECK(2, a1, 0x3f800000)
    CHECK_FLAGS(3, NX)
    fadd.s  fa3, fa0, fa1, rup
    fmv.x.w a1, fa3
    CHECK(4, a1, 0x3f800001)
    fadd.s  fa3, fa0, fa1, rmm
    fmv.x.w a1, fa3
    CHECK(5, a1, 0x3f800001)
    fsub.s  fa3, fa0, fa1, rtz
    fmv.x.w a1, fa3
    CHECK(6, a1, 0x3f7fffff)
    fsub.s  fa3, fa0, fa1, rdn
    fmv.x.w a1, fa3
    CHECK(7, a1, 0x3f7fffff)
    csrwi   frm, 3                       /* dyn = rup */
    fadd.s  fa3, fa0, fa1
    fmv.x.w a1, fa3
    CHECK(8, a1, 0x3f800001)
    csrwi   frm, 0
    CHECK_FLAGS(9, NX)
    fdiv.s  fa3, fa0, fa2                /* 1/3 */
    fmv.x.w a1, fa3
    CHECK(10, a1, 0x3eaaaaab)
    CHECK_FLAGS(11, NX)
    fmv.w.x fa4, zero
    fdiv.s  fa3, fa0, fa4
    fmv.x.w a1, fa3
    CHECK(12, a1, 0x7f800000)
    CHECK_FLAGS(13, DZ)
    fsub.s  fa3, fa4, fa0
    fsqrt.s fa3, fa3                     /* sqrt(-1): canonical NaN */
    fmv.x.w a1, fa3
    CHECK(14, a1, 0x7fc00000)
    CHECK_FLAGS(15, NV)
    /* An improperly boxed operand reads as the canonical NaN (quiet). */
    li      a2, 0x000000003f800000
    fmv.d.x fa5, a2
    fadd.s  fa3, fa5, fa0
    fmv.x.w a1, fa3
    CHECK(16, a1, 0x7fc00000)
    CHECK_FLAGS(17, 0)
    fclass.s a1, fa5
    CHECK(18, a1, 1 << 9)
    /* Overflow, underflow. */
    flw     fa5, 12(a0)                  /* FLT_MAX */
    fmul.s  fa3, fa5, fa2
    fmv.x.w a1, fa3
    CHECK(20, a1, 0x7f800000)
    CHECK_FLAGS(21, OF | NX)
    fmul.s  fa3, fa5, fa2, rtz
    fmv.x.w a1, fa3
    CHECK(22, a1, 0x7f7fffff)
    CHECK_FLAGS(23, OF | NX)
    flw     fa5, 16(a0)                  /* smallest normal */
    fmul.s  fa3, fa5, fa1
    CHECK_FLAGS(24, UF | NX)
    /* Conversions to integers saturate. */
    flw     fa5, 20(a0)                  /* 3e9 */
    fcvt.w.s a1, fa5, rtz
    CHECK(30, a1, 0x7fffffff)
    CHECK_FLAGS(31, NV)
    fcvt.wu.s a1, fa5, rtz
    CHECK(32, a1, 0xffffffffb2d05e00)
    CHECK_FLAGS(33, 0)
    fneg.s  fa5, fa5
    fcvt.wu.s a1, fa5, rtz
    CHECK(34, a1, 0)
    CHECK_FLAGS(35, NV)
    fcvt.l.s a1, fa5, rtz
    CHECK(36, a1, -3000000000)
    fcvt.w.s a1, fa3, rtz                /* NaN */
    fmv.w.x fa3, zero
    li      a2, 0x7fc00000
    fmv.w.x fa3, a2
    fcvt.w.s a1, fa3
    CHECK(37, a1, 0x7fffffff)
    fcvt.lu.s a1, fa3
    CHECK(38, a1, -1)
    csrwi   fflags, 0
    li      a2, -3
    fcvt.s.w fa3, a2
    fcvt.w.s a1, fa3, rne
    CHECK(39, a1, -3)
    li      a2, 16777217
    fcvt.s.l fa3, a2, rup
    fmv.x.w a1, fa3
    CHECK(40, a1, 0x4b800001)
    CHECK_FLAGS(41, NX)
    /* fmin/fmax: signed zeros, NaN operands. */
    fmv.w.x fa3, zero                    /* +0 */
    fneg.s  fa4, fa3                     /* -0 */
    fmin.s  fa5, fa3, fa4
    fmv.x.w a1, fa5
    CHECK(50, a1, 0xffffffff80000000)          /* fmv.x.w sign-extends */
    fmax.s  fa5, fa4, fa3
    fmv.x.w a1, fa5
    CHECK(51, a1, 0)
    li      a2, 0x7fc00000
    fmv.w.x fa4, a2                      /* qNaN */
    fmin.s  fa5, fa4, fa0
    fmv.x.w a1, fa5
    CHECK(52, a1, 0x3f800000)
    CHECK_FLAGS(53, 0)
    li      a2, 0x7fa00000
    fmv.w.x fa4, a2                      /* sNaN */
    fmax.s  fa5, fa0, fa4
    fmv.x.w a1, fa5
    CHECK(54, a1, 0x3f800000)
    CHECK_FLAGS(55, NV)
    fmax.s  fa5, fa4, fa4
    fmv.x.w a1, fa5
    CHECK(56, a1, 0x7fc00000)
    CHECK_FLAGS(57, NV)
    /* Comparisons: feq quiet, flt/fle signalling. */
    li      a2, 0x7fc00000
    fmv.w.x fa4, a2
    feq.s   a1, fa4, fa0
    CHECK(60, a1, 0)
    CHECK_FLAGS(61, 0)
    flt.s   a1, fa4, fa0
    CHECK(62, a1, 0)
    CHECK_FLAGS(63, NV)
    fle.s   a1, fa0, fa0
    CHECK(64, a1, 1)
    fclass.s a1, fa0
    CHECK(65, a1, 1 << 6)
    fclass.s a1, fa4
    CHECK(66, a1, 1 << 9)
    /* FMA rounds once: (1 + 2^-12)^2 - (1 + 2^-11) = 2^-24 exactly. */
    flw     fa5, 24(a0)                  /* 1 + 2^-12 */
    flw     fa6, 28(a0)                  /* 1 + 2^-11 */
    fmsub.s fa3, fa5, fa5, fa6
    fmv.x.w a1, fa3
    CHECK(70, a1, 0x33800000)
    CHECK_FLAGS(71, 0)
    fnmadd.s fa3, fa5, fa5, fa6
    fmv.x.w a1, fa3
    CHECK(72, a1, 0xffffffffc0001000)          /* -(2 + 2^-10), rounded */
    fsgnjx.s fa3, fa0, fa4
    fmv.x.w a1, fa3
    CHECK(73, a1, 0x3f800000)
    /* fsw stores the low 32 bits; mstatus.FS is Dirty now, and SD is set. */
    fsw     fa2, 32(a0)
    lwu     a1, 32(a0)
    CHECK(80, a1, 0x40400000)
    csrr    a1, mstatus
    srli    a2, a1, 13
    andi    a2, a2, 3
    CHECK(81, a2, 3)
    srli    a1, a1, 63
    CHECK(82, a1, 1)
    /* A reserved static rounding mode and an invalid frm under dyn trap. */
    .insn r OP_FP, 5, 0, fa3, fa0, fa0
    CHECK_TRAP(90, 2)
    csrwi   frm, 5
    fadd.s  fa3, fa0, fa0
    CHECK_TRAP(91, 2)
    csrwi   frm, 0
    CHECK_NO_TRAP(92)
    CHECK_END

    .data
    .align 3
consts:
    .word   0x3f800000, 0x33800000, 0x40400000, 0x7f7fffff
    .word   0x00800000, 0x4f32d05e, 0x3f800800, 0x3f801000
    .word   0
