/* Self-modifying code (Zifencei): instructions stored into code that has
 * already run, followed by fence.i, execute as newly written, on svemu (whose
 * decoded-instruction cache must notice) as on QEMU. Covers a 32-bit word
 * replaced by another, a word rewritten on every iteration of a loop, a
 * 32-bit instruction replaced by two compressed ones and back, and a
 * rewrite by a byte store of a single immediate bit. */
#include "check.h"
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    /* 1: patch_site returns 1 until rewritten to return 2. */
    call    patch_site
    CHECK(1, a0, 1)
    la      t0, patch_site
    li      t1, 0x00200513               /* addi a0, zero, 2 */
    sw      t1, 0(t0)
    fence.i
    call    patch_site
    CHECK(2, a0, 2)

    /* 3: a loop rewriting `addi a0, a0, k` for k = 1..100 and running it. */
    li      a0, 0
    li      s1, 1
    li      s2, 101
    la      s3, add_site
1:  slli    t1, s1, 20
    li      t0, 0x00050513               /* addi a0, a0, 0 */
    or      t1, t1, t0
    sw      t1, 0(s3)
    fence.i
    call    add_site
    addi    s1, s1, 1
    bne     s1, s2, 1b
    CHECK(3, a0, 5050)

    /* 4: the 32-bit word becomes c.li a0, 7 ; c.jr ra. */
    la      t0, patch_site
    li      t1, 0x8082451d
    sw      t1, 0(t0)
    fence.i
    call    patch_site
    CHECK(4, a0, 7)
    /* 5: and back to a 32-bit addi a0, zero, -3. */
    li      t1, 0xffd00513
    sw      t1, 0(t0)
    fence.i
    call    patch_site
    CHECK(5, a0, -3)

    /* 6, 7: a byte store changes the immediate of addi a0, zero, 2 to 3:
     * byte 2 of the word holds imm[3:0] (bits 23:20) and rs1[4:1]. */
    li      t1, 0x00200513
    sw      t1, 0(t0)
    fence.i
    call    patch_site
    CHECK(6, a0, 2)
    li      t1, 0x30                     /* imm[3:0] = 3, rs1[4:1] = 0 */
    sb      t1, 2(t0)
    fence.i
    call    patch_site
    CHECK(7, a0, 3)
    CHECK_NO_TRAP(8)
    CHECK_END

    /* Uncompressed, so each site's first instruction is one 32-bit word. */
    .option push
    .option norvc
    .balign 4
patch_site:
    addi    a0, zero, 1
    ret
add_site:
    nop
    ret
    .option pop
