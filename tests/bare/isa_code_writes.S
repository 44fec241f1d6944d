/* Writes into code that has already run, by every kind of hart write that
 * can reach a code page, each seen by the next fetch. svemu keeps decoded
 * instructions per physical page; these checks fail if a write path misses
 * its invalidation. Covers: a store changing the very next instruction of
 * the running page and a loop rewriting a word it has run (no fence.i:
 * svemu fetches what memory holds, as its reference path does), an AMO and an SC rewriting a code word, and a
 * 32-bit instruction straddling two pages rewritten half by half, and a
 * page stored to as data before it first runs as code.
 * svemu only: QEMU need not see the unfenced store (TCG translated the
 * block already). */
#include "check.h"
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    /* 1: the store rewrites `addi a0, zero, 1` just after it to `... 2`. */
    call    next_site
    CHECK(1, a0, 2)
    /* 2: again, after restoring the word (the page was decoded with it). */
    la      t0, next_site_word
    li      t1, 0x00100513
    sw      t1, 0(t0)
    fence.i
    call    next_site
    CHECK(2, a0, 2)

    /* 3: amoswap.w replaces patch_site's first word with addi a0, zero, 5. */
    call    patch_site
    CHECK(3, a0, 1)
    la      t0, patch_site
    li      t1, 0x00500513
    amoswap.w t2, t1, (t0)
    fence.i
    call    patch_site
    CHECK(4, a0, 5)
    /* 5: amoadd.w adds 1 to the immediate (bit 20). */
    li      t1, 1 << 20
    amoadd.w zero, t1, (t0)
    fence.i
    call    patch_site
    CHECK(5, a0, 6)
    /* 6: lr.w / sc.w store addi a0, zero, 7. */
    li      t1, 0x00700513
1:  lr.w    t2, (t0)
    sc.w    t2, t1, (t0)
    bnez    t2, 1b
    fence.i
    call    patch_site
    CHECK(6, a0, 7)

    /* 7: the instruction straddling the page boundary runs as written. */
    call    straddle
    CHECK(7, a0, 1)
    /* 8: its upper half (on the second page) changes the immediate to 9. */
    la      t0, straddle_hi
    li      t1, 0x0090
    sh      t1, 0(t0)
    fence.i
    call    straddle
    CHECK(8, a0, 9)
    /* 9: its lower half (on the first page) changes rd to a1. */
    li      a1, 0
    li      t1, 0x0593
    sh      t1, -2(t0)
    fence.i
    call    straddle
    CHECK(9, a1, 9)

    /* 10: a loop runs a word, then rewrites it to `addi a0, a0, 10` with
     * no fence.i, and runs it again: nothing leaves the run loop's burst
     * in between, so only the store's own invalidation can show it. */
    li      a0, 0
    li      s2, 2
    la      t0, loop_word
    li      t1, 0x00a50513
    .option push
    .option norvc
loop_word:
    addi    a0, a0, 1
    sw      t1, 0(t0)
    addi    s2, s2, -1
    bnez    s2, loop_word
    .option pop
    CHECK(10, a0, 11)

    /* 11-13: a page run as code, then stored to as data twice (the
     * first store drops its decoded code; after the second svemu may
     * remember the page for stores), run again, then stored to again: each
     * store must be seen by the next fetch (no fence.i, nothing that
     * leaves the run loop's burst). */
    la      t0, fresh_page
    li      t1, 0x00100513      /* addi a0, zero, 1 */
    li      t3, 0x00008067      /* ret */
    sw      t1, 0(t0)
    sw      t3, 4(t0)
    jalr    t0
    CHECK(11, a0, 1)
    li      t1, 0x00c00513      /* addi a0, zero, 12 */
    sw      t1, 0(t0)
    sw      t1, 0(t0)
    jalr    t0
    CHECK(12, a0, 12)
    li      t1, 0x00d00513      /* addi a0, zero, 13 */
    sw      t1, 0(t0)
    jalr    t0
    CHECK(13, a0, 13)
    CHECK_NO_TRAP(14)
    CHECK_END

    .option push
    .option norvc
    .balign 4
/* Stores `addi a0, zero, 2` over the instruction after the store. */
next_site:
    la      t0, next_site_word
    li      t1, 0x00200513
    sw      t1, 0(t0)
next_site_word:
    addi    a0, zero, 1
    ret
patch_site:
    addi    a0, zero, 1
    ret

/* straddle: c.nop at the page's last word, then `addi a0, zero, 1`, whose
 * upper half (straddle_hi) begins the next page. */
    .balign 4096
    .skip   4096 - 4
straddle:
    .option rvc
    c.nop
    .option norvc
    addi    a0, zero, 1
    .set    straddle_hi, straddle + 4
    ret
    .option pop

    .section .data
    .balign 4096
/* Written as data and run as code (checks 11 to 13). */
fresh_page:
    .skip   4096
