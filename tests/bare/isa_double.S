/* D: arithmetic and flags, conversions between formats and to integers,
 * fmin/fmax, comparisons, fclass, FMA with one rounding, fld/fsd and the
 * compressed forms c.fld/c.fsd/c.fldsp/c.fsdsp. */
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
    li      t0, 1 << 13
    csrs    mstatus, t0
    csrwi   fcsr, 0
    la      a0, consts
    fld     fa0, 0(a0)                   /* 1.0 */
    fld     fa1, 8(a0)                   /* 3.0 */
    fld     fa2, 16(a0)                  /* 1 + 2^-30 */
    fld     fa3, 24(a0)                  /* 1 + 2^-29 */
    fdiv.d  fa4, fa0, fa1
    fmv.x.d a1, fa4
    CHECK(1, a1, 0x3fd5555555555555)
    CHECK_FLAGS(2, NX)
    fdiv.d  fa4, fa0, fa1, rup
    fmv.x.d a1, fa4
    CHECK(3, a1, 0x3fd5555555555556)
    fmsub.d fa4, fa2, fa2, fa3           /* 2^-60 exactly */
    fmv.x.d a1, fa4
    CHECK(4, a1, 0x3c30000000000000)
    CHECK_FLAGS(5, NX)                   /* from the fdiv above */
    fmul.d  fa4, fa2, fa2                /* two roundings lose 2^-60 */
    fsub.d  fa4, fa4, fa3
    fmv.x.d a1, fa4
    CHECK(6, a1, 0)
    CHECK_FLAGS(7, NX)
    fsqrt.d fa4, fa1
    fmv.x.d a1, fa4
    CHECK(8, a1, 0x3ffbb67ae8584caa)
    /* Conversions between formats. */
    fcvt.s.d fa4, fa4
    fmv.x.d a1, fa4
    CHECK(10, a1, 0xffffffff3fddb3d7)
    CHECK_FLAGS(11, NX)
    fcvt.d.s fa4, fa4
    fmv.x.d a1, fa4
    CHECK(12, a1, 0x3ffbb67ae0000000)
    li      a2, 0x7ff4000000000000       /* sNaN */
    fmv.d.x fa5, a2
    fcvt.s.d fa4, fa5
    fmv.x.d a1, fa4
    CHECK(13, a1, 0xffffffff7fc00000)
    CHECK_FLAGS(14, NV)
    fld     fa5, 32(a0)                  /* 1e300 */
    fcvt.s.d fa4, fa5
    fmv.x.d a1, fa4
    CHECK(15, a1, 0xffffffff7f800000)
    CHECK_FLAGS(16, OF | NX)
    /* To and from integers. */
    fcvt.l.d a1, fa5
    CHECK(20, a1, 0x7fffffffffffffff)
    CHECK_FLAGS(21, NV)
    fneg.d  fa5, fa5
    fcvt.lu.d a1, fa5
    CHECK(22, a1, 0)
    CHECK_FLAGS(23, NV)
    fcvt.w.d a1, fa5
    CHECK(24, a1, 0xffffffff80000000)
    csrwi   fflags, 0
    li      a2, -1
    fcvt.d.lu fa4, a2
    fmv.x.d a1, fa4
    CHECK(25, a1, 0x43f0000000000000)
    CHECK_FLAGS(26, NX)
    fcvt.d.wu fa4, a2
    fmv.x.d a1, fa4
    CHECK(27, a1, 0x41efffffffe00000)
    fld     fa4, 40(a0)                  /* 2.5 */
    fcvt.l.d a1, fa4, rne
    CHECK(28, a1, 2)
    fcvt.l.d a1, fa4, rmm
    CHECK(29, a1, 3)
    fcvt.l.d a1, fa4, rdn
    CHECK(30, a1, 2)
    CHECK_FLAGS(31, NX)
    /* min/max, compare, classify. */
    fmv.d.x fa4, zero
    fneg.d  fa5, fa4
    fmin.d  fa6, fa4, fa5
    fmv.x.d a1, fa6
    CHECK(40, a1, 0x8000000000000000)
    fmax.d  fa6, fa5, fa4
    fmv.x.d a1, fa6
    CHECK(41, a1, 0)
    feq.d   a1, fa4, fa5
    CHECK(42, a1, 1)
    flt.d   a1, fa5, fa4
    CHECK(43, a1, 0)
    fclass.d a1, fa5
    CHECK(44, a1, 1 << 3)
    li      a2, 0x7ff4000000000000
    fmv.d.x fa6, a2
    fclass.d a1, fa6
    CHECK(45, a1, 1 << 8)
    feq.d   a1, fa6, fa6
    CHECK(46, a1, 0)
    CHECK_FLAGS(47, NV)
    fmin.d  fa6, fa6, fa0
    fmv.x.d a1, fa6
    CHECK(48, a1, 0x3ff0000000000000)
    CHECK_FLAGS(49, NV)
    /* Loads and stores, compressed forms included. */
    la      s0, scratch
    c.fsd   fa1, 8(s0)
    ld      a1, 8(s0)
    CHECK(50, a1, 0x4008000000000000)
    c.fld   fs1, 8(s0)
    fmv.x.d a1, fs1
    CHECK(51, a1, 0x4008000000000000)
    mv      t3, sp
    mv      sp, s0
    c.fsdsp fa0, 16(sp)
    c.fldsp ft5, 16(sp)
    mv      sp, t3
    fmv.x.d a1, ft5
    CHECK(52, a1, 0x3ff0000000000000)
    fsd     fa3, 24(s0)
    ld      a1, 24(s0)
    CHECK(53, a1, 0x3ff0000000800000)
    CHECK_NO_TRAP(54)
    CHECK_END

    .data
    .align 3
consts:
    .dword  0x3ff0000000000000, 0x4008000000000000, 0x3ff0000000400000, 0x3ff0000000800000
    .dword  0x7e37e43c8800759c, 0x4004000000000000
scratch:
    .fill   64, 1, 0
