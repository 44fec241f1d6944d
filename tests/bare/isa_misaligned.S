/* Misaligned loads and stores are performed (QEMU does so, and svemu does
 * the same, also across a page boundary); misaligned LR, SC and AMOs raise
 * address-misaligned exceptions (load: cause 4 for LR, store/AMO: cause 6). */
#include "check.h"

/* A misaligned AMO must trap as misaligned. The spec's cause is 6
 * (store/AMO address misaligned), which svemu raises (its unit tests check
 * that); QEMU 7.2 raises 4 (load address misaligned), so both are accepted
 * here. */
#define CHECK_AMO_MISALIGNED(n)     \
    li      gp, n;                  \
    li      t2, 6;                  \
    beq     s11, t2, 1f;            \
    li      t2, 4;                  \
    bne     s11, t2, check_fail;    \
1:  li      s11, -1
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    la      a0, buf
    li      a1, 0x0807060504030201
    sd      a1, 0(a0)
    lw      a2, 1(a0)
    CHECK(1, a2, 0x05040302)
    ld      a2, 3(a0)
    CHECK(2, a2, 0x0000000807060504)
    lh      a2, 7(a0)
    CHECK(3, a2, 0x0008)
    li      a1, -1
    sh      a1, 3(a0)
    ld      a2, 0(a0)
    CHECK(4, a2, 0x080706ffff030201)
    /* Across the page boundary at buf + 4096. */
    la      a3, buf + 4093
    li      a1, 0x1122334455667788
    sd      a1, 0(a3)
    ld      a2, 0(a3)
    CHECK(5, a2, 0x1122334455667788)
    lbu     a2, 3(a3)
    CHECK(6, a2, 0x55)
    CHECK_NO_TRAP(7)
    /* Atomics must be aligned. */
    lr.w    a2, (a0)
    addi    a4, a0, 2
    lr.w    a2, (a4)
    CHECK_TRAP(10, 4)
    CHECK_EQ(11, s10, a4)
    lr.d    a2, (a4)
    CHECK_TRAP(12, 4)
    /* (A misaligned SC is not checked here: svemu raises cause 6 as the
     * spec says, QEMU 7.2 lets it fail with rd = 1 when it holds no
     * reservation on that address, without looking at the alignment.) */
    amoadd.w a2, a1, (a4)
    CHECK_AMO_MISALIGNED(14)
    CHECK_EQ(15, s10, a4)
    addi    a4, a0, 4
    amoswap.d a2, a1, (a4)
    CHECK_AMO_MISALIGNED(16)
    amoor.w a2, zero, (a4)               /* 4-aligned word: fine */
    CHECK_NO_TRAP(17)
    CHECK_END

    .data
    .align 12
buf:
    .fill 8192, 1, 0
