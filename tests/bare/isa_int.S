/* RV64I and M: arithmetic, W-forms sign-extending, shift amounts masked,
 * loads sign/zero extending, division by zero and signed overflow. */
#include "check.h"
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    li      a0, 0x7fffffffffffffff
    addi    a1, a0, 1
    CHECK(1, a1, 0x8000000000000000)
    li      a0, 0x7fffffff
    addiw   a1, a0, 1
    CHECK(2, a1, 0xffffffff80000000)
    li      a0, 0xffffffff00000005
    li      a2, 7
    addw    a1, a0, a2
    CHECK(3, a1, 12)
    subw    a1, zero, a2
    CHECK(4, a1, -7)
    li      a0, 1
    li      a2, 65
    sll     a1, a0, a2                   /* 65 & 63 = 1 */
    CHECK(5, a1, 2)
    li      a2, 33
    sllw    a1, a0, a2                   /* 33 & 31 = 1 */
    CHECK(6, a1, 2)
    li      a0, 0x80000000
    srlw    a1, a0, a2                   /* logical, then sign-extended: 0x40000000 */
    CHECK(7, a1, 0x40000000)
    sraw    a1, a0, a2                   /* 0x80000000 as i32 >> 1 */
    CHECK(8, a1, 0xffffffffc0000000)
    li      a0, -16
    srai    a1, a0, 2
    CHECK(9, a1, -4)
    srli    a1, a0, 60
    CHECK(10, a1, 15)
    sraiw   a1, a0, 31
    CHECK(11, a1, -1)
    slliw   a1, a0, 28                   /* 0xfffffff0 << 28 = 0 */
    CHECK(12, a1, 0)
    li      a0, -1
    li      a2, 1
    slt     a1, a0, a2
    CHECK(13, a1, 1)
    sltu    a1, a0, a2
    CHECK(14, a1, 0)
    sltiu   a1, a2, -1                   /* immediate sign-extended, compared unsigned */
    CHECK(15, a1, 1)
    lui     a1, 0x80000
    CHECK(16, a1, 0xffffffff80000000)
    /* M */
    li      a0, -1
    li      a2, -1
    mulhu   a1, a0, a2
    CHECK(20, a1, 0xfffffffffffffffe)
    mulh    a1, a0, a2
    CHECK(21, a1, 0)
    mulhsu  a1, a0, a2
    CHECK(22, a1, -1)
    li      a0, 0x100000001
    mulw    a1, a0, a0                   /* low 32 bits of 1 * 1 ... (2^32+1)^2 mod 2^32 = 1 */
    CHECK(23, a1, 1)
    li      a0, 42
    div     a1, a0, zero
    CHECK(24, a1, -1)
    divu    a1, a0, zero
    CHECK(25, a1, -1)
    rem     a1, a0, zero
    CHECK(26, a1, 42)
    remu    a1, a0, zero
    CHECK(27, a1, 42)
    li      a0, 0x8000000000000000
    li      a2, -1
    div     a1, a0, a2
    CHECK(28, a1, 0x8000000000000000)
    rem     a1, a0, a2
    CHECK(29, a1, 0)
    li      a0, 0xffffffff80000000
    divw    a1, a0, a2
    CHECK(30, a1, 0xffffffff80000000)
    remw    a1, a0, a2
    CHECK(31, a1, 0)
    divuw   a1, a0, zero
    CHECK(32, a1, -1)
    remuw   a1, a0, zero
    CHECK(33, a1, 0xffffffff80000000)
    li      a0, -7
    li      a2, 2
    div     a1, a0, a2                   /* rounds toward zero */
    CHECK(34, a1, -3)
    rem     a1, a0, a2                   /* sign of the dividend */
    CHECK(35, a1, -1)
    li      a0, 0x1fffffff9              /* low word -7 */
    divw    a1, a0, a2
    CHECK(36, a1, -3)
    /* Loads extend as their width says. */
    la      a0, bytes
    lb      a1, 0(a0)
    CHECK(40, a1, -128)
    lbu     a1, 0(a0)
    CHECK(41, a1, 0x80)
    lh      a1, 0(a0)
    CHECK(42, a1, 0xffffffffffff8180)
    lhu     a1, 0(a0)
    CHECK(43, a1, 0x8180)
    lw      a1, 0(a0)
    CHECK(44, a1, 0xffffffff83828180)
    lwu     a1, 0(a0)
    CHECK(45, a1, 0x83828180)
    ld      a1, 0(a0)
    CHECK(46, a1, 0x8786858483828180)
    /* jal and jalr link the next pc; jalr clears bit 0 of the target. */
    jal     ra, 1f
2:  j       3f
1:  la      a1, 2b
    CHECK_EQ(50, ra, a1)
    la      a2, 4f
    addi    a2, a2, 1
    jalr    a3, 0(a2)
    j       check_fail
4:  nop
3:
    CHECK_END

    .data
bytes:
    .byte   0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87
