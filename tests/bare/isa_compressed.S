/* C: every RVC instruction executed with the result its 32-bit expansion
 * gives, HINTs doing nothing, and reserved encodings raising illegal
 * instruction (cause 2). */
#include "check.h"
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    .option push
    .option rvc
    la      s0, scratch
    mv      t3, sp
    mv      sp, s0
    c.li    a0, -32
    CHECK(1, a0, -32)
    c.addi  a0, 31
    CHECK(2, a0, -1)
    c.addiw a0, 1
    CHECK(3, a0, 0)
    li      a0, 0x7fffffff
    c.addiw a0, 1                        /* sign-extends the 32-bit sum */
    CHECK(4, a0, 0xffffffff80000000)
    c.lui   a1, 0xfffe0                  /* -0x20000 << 12 ... sign-extended */
    CHECK(5, a1, 0xfffffffffffe0000)
    c.addi16sp sp, 64
    addi    a2, s0, 64
    CHECK_EQ(6, sp, a2)
    c.addi16sp sp, -64
    c.addi4spn a2, sp, 1020
    addi    a3, s0, 1020
    CHECK_EQ(7, a2, a3)
    li      a0, -256
    c.srli  a0, 60
    CHECK(8, a0, 15)
    li      a0, -256
    c.srai  a0, 4
    CHECK(9, a0, -16)
    c.andi  a0, 0x1c
    CHECK(10, a0, 0x10)
    li      a0, 0x0ff0
    li      a1, 0x00ff
    c.and   a0, a1
    CHECK(11, a0, 0xf0)
    c.or    a0, a1
    CHECK(12, a0, 0xff)
    c.xor   a0, a1
    CHECK(13, a0, 0)
    c.sub   a0, a1
    CHECK(14, a0, -255)
    li      a0, 0x7fffffff
    li      a1, 1
    c.addw  a0, a1
    CHECK(15, a0, 0xffffffff80000000)
    c.subw  a0, a1
    CHECK(16, a0, 0x7fffffff)
    c.slli  a0, 33
    CHECK(17, a0, 0xfffffffe00000000)
    c.mv    a1, a0
    c.add   a1, a0
    CHECK(18, a1, 0xfffffffc00000000)
    /* Loads and stores. */
    li      a0, 0x8877665544332211
    c.sd    a0, 8(s0)
    c.sw    a0, 16(s0)
    c.ld    a1, 8(s0)
    CHECK(20, a1, 0x8877665544332211)
    c.lw    a1, 16(s0)
    CHECK(21, a1, 0x44332211)
    c.lw    a1, 12(s0)
    CHECK(22, a1, 0xffffffff88776655)
    c.sdsp  a0, 24(sp)
    c.ldsp  a1, 24(sp)
    CHECK(23, a1, 0x8877665544332211)
    c.swsp  a0, 32(sp)
    c.lwsp  a1, 32(sp)
    CHECK(24, a1, 0x44332211)
    /* Control transfer. */
    li      a0, 0
    c.beqz  a0, 1f
    j       check_fail
1:  c.bnez  a0, check_fail_near
    c.j     2f
check_fail_near:
    j       check_fail
2:  la      a1, 3f
    c.jr    a1
    j       check_fail
3:  la      a1, 4f
    c.jalr  a1
5:  j       6f
4:  la      a2, 5b
    CHECK_EQ(30, ra, a2)
    c.jr    ra
6:  /* HINTs: no architectural effect. */
    li      a0, 7
    c.nop   5
    c.addi  a0, 0
    c.li    zero, 3
    c.lui   zero, 1
    c.mv    zero, a0
    c.add   zero, a0
    c.slli  zero, 3
    c.slli64 a0
    c.srli64 a0
    c.srai64 a0
    CHECK(40, a0, 7)
    CHECK_NO_TRAP(41)
    /* Reserved encodings are illegal instructions. */
    .insn 2, 0x0000                      /* all zeros */
    CHECK_TRAP(50, 2)
    .insn 2, 0x0010                      /* c.addi4spn with a zero immediate */
    CHECK_TRAP(51, 2)
    .insn 2, 0x6101                      /* c.addi16sp with a zero immediate */
    CHECK_TRAP(52, 2)
    .insn 2, 0x6501                      /* c.lui with a zero immediate */
    CHECK_TRAP(53, 2)
    .insn 2, 0x8002                      /* c.jr zero */
    CHECK_TRAP(54, 2)
    .insn 2, 0x2001                      /* c.addiw zero */
    CHECK_TRAP(55, 2)
    .insn 2, 0x4002                      /* c.lwsp zero */
    CHECK_TRAP(56, 2)
    .insn 2, 0x6002                      /* c.ldsp zero */
    CHECK_TRAP(57, 2)
    .insn 2, 0x9c41                      /* reserved Q1 funct6 100111 */
    CHECK_TRAP(58, 2)
    .insn 2, 0x8000                      /* reserved Q0 funct3 100 */
    CHECK_TRAP(59, 2)
    c.ebreak
    CHECK_TRAP(60, 3)
    mv      sp, t3
    .option pop
    CHECK_END

    .data
    .align 12
scratch:
    .fill   2048, 1, 0
