/* A: every AMO returns the old value and stores the new one (W forms on
 * sign-extended 32-bit values); LR/SC: SC succeeds only with a reservation
 * on the address, and a store to the reserved granule breaks it. */
#include "check.h"
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    la      a0, word
    li      a1, 0x80000000
    sw      a1, 0(a0)
    li      a2, 1
    amoadd.w a3, a2, (a0)
    CHECK(1, a3, 0xffffffff80000000)
    lw      a3, 0(a0)
    CHECK(2, a3, 0xffffffff80000001)
    amomin.w a3, a2, (a0)                /* signed: min(0x80000001, 1) */
    lw      a3, 0(a0)
    CHECK(3, a3, 0xffffffff80000001)
    amominu.w a3, a2, (a0)               /* unsigned: 1 */
    lw      a3, 0(a0)
    CHECK(4, a3, 1)
    li      a2, -1
    amomaxu.w.aq a3, a2, (a0)
    lw      a3, 0(a0)
    CHECK(5, a3, -1)
    amomax.w.rl a3, zero, (a0)
    lwu     a3, 0(a0)
    CHECK(6, a3, 0)
    li      a2, 0xf0f0
    amoor.w.aqrl a3, a2, (a0)
    li      a2, 0xff00
    amoand.w a3, a2, (a0)
    CHECK(7, a3, 0xf0f0)
    amoxor.w a3, a2, (a0)
    CHECK(8, a3, 0xf000)
    lw      a3, 0(a0)
    CHECK(9, a3, 0x0f00)
    amoswap.w a3, zero, (a0)
    CHECK(10, a3, 0x0f00)
    /* Doublewords. */
    la      a0, dword
    li      a1, 0x8000000000000000
    sd      a1, 0(a0)
    li      a2, 5
    amoadd.d a3, a2, (a0)
    CHECK(20, a3, 0x8000000000000000)
    amomin.d a3, a2, (a0)
    ld      a3, 0(a0)
    CHECK(21, a3, 0x8000000000000005)
    amomaxu.d a3, a2, (a0)
    ld      a3, 0(a0)
    CHECK(22, a3, 0x8000000000000005)
    amomax.d a3, a2, (a0)
    ld      a3, 0(a0)
    CHECK(23, a3, 5)
    amominu.d a3, zero, (a0)
    amoswap.d a3, a1, (a0)
    CHECK(24, a3, 0)
    li      a2, -1
    amoxor.d a3, a2, (a0)
    amoand.d a3, a2, (a0)
    CHECK(25, a3, 0x7fffffffffffffff)
    amoor.d a3, zero, (a0)
    CHECK(26, a3, 0x7fffffffffffffff)
    /* LR/SC. */
    la      a0, dword
    li      a1, 42
    sc.d    a3, a1, (a0)                 /* no reservation: fails, no store */
    CHECK(30, a3, 1)
    ld      a4, 0(a0)
    CHECK(31, a4, 0x7fffffffffffffff)
    lr.d    a4, (a0)
    sc.d    a3, a1, (a0)
    CHECK(32, a3, 0)
    ld      a4, 0(a0)
    CHECK(33, a4, 42)
    sc.d    a3, a1, (a0)                 /* the reservation is gone */
    CHECK(34, a3, 1)
    lr.d.aq a4, (a0)
    li      a5, 7
    sd      a5, 0(a0)                    /* a store to the granule breaks it */
    sc.d.rl a3, a1, (a0)
    CHECK(35, a3, 1)
    ld      a4, 0(a0)
    CHECK(36, a4, 7)
    la      a0, word
    lr.w    a4, (a0)
    addi    a6, a0, 8
    sc.w    a3, a1, (a6)                 /* another address: fails */
    CHECK(37, a3, 1)
    lr.w    a4, (a0)
    sc.w    a3, a1, (a0)
    CHECK(38, a3, 0)
    lw      a4, 0(a0)
    CHECK(39, a4, 42)
    CHECK_END

    .data
    .align 3
word:
    .word   0, 0, 0, 0
dword:
    .dword  0
