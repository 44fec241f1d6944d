/* SMP: every hart starts here with a0 = its hart id (as QEMU starts them).
 * Hart 0 wakes each other hart with a CLINT msip IPI; a woken hart clears
 * its msip, then all harts add 1 to a shared counter ROUNDS times with an
 * LR/SC loop (a lost update means an SC succeeded although another hart
 * stored to the reserved word), and each arms its own mtimecmp 1000 ticks
 * ahead and sleeps in WFI until its timer fires. Hart 0 waits for all, then
 * prints the number of harts and the counter and powers off.
 * It is built for NHARTS harts. */
#include "board.h"
#define ROUNDS 3000

/* t0 = address of hart `reg`'s msip register. Clobbers t1. */
#define MSIP_OF(reg)                            \
    slli t1, reg, 2;                            \
    li t0, CLINT_BASE;                          \
    add t0, t0, t1
#define NHARTS 4

    .section .text.init
    .globl _start
_start:
    csrr    s0, mhartid
    la      t0, trap
    csrw    mtvec, t0
    beqz    s0, boot
    /* Secondary harts: sleep until hart 0's IPI. */
    li      t0, 1 << 3          /* MSIE */
    csrw    mie, t0
1:  wfi
    csrr    t0, mip
    andi    t0, t0, 1 << 3
    beqz    t0, 1b
    MSIP_OF(s0)
    sw      zero, 0(t0)         /* clear own msip */
    j       work

boot:
    li      s1, NHARTS
    li      t2, 1
2:  bge     t2, s1, work
    MSIP_OF(t2)
    li      t1, 1
    sw      t1, 0(t0)           /* IPI to hart t2 */
    addi    t2, t2, 1
    j       2b

work:
    la      a1, counter
    li      s2, ROUNDS
3:  lr.d    t0, (a1)
    /* a hart-dependent delay between LR and SC */
    mv      t3, s0
4:  beqz    t3, 5f
    addi    t3, t3, -1
    j       4b
5:  addi    t0, t0, 1
    sc.d    t1, t0, (a1)
    bnez    t1, 3b
    addi    s2, s2, -1
    bnez    s2, 3b
    /* Own timer, 1000 ticks ahead; sleep until MTIP. */
    li      t0, CLINT_MTIME
    ld      t1, 0(t0)
    li      t2, 1000
    add     t1, t1, t2
    slli    t3, s0, 3
    li      t0, CLINT_MTIMECMP
    add     t0, t0, t3
    sd      t1, 0(t0)
    li      t0, 1 << 7          /* MTIE */
    csrw    mie, t0
6:  wfi
    csrr    t0, mip
    andi    t0, t0, 1 << 7
    beqz    t0, 6b
    li      t0, CLINT_MTIME
    ld      t2, 0(t0)
    bltu    t2, t1, fail        /* woke before its deadline */
    la      t0, finished
    li      t1, 1
    amoadd.d zero, t1, (t0)
    bnez    s0, park
    /* Hart 0: wait for everybody, then report. */
7:  ld      t1, 0(t0)
    bne     t1, s1, 7b
    li      t1, UART_BASE
    addi    t2, s1, '0'
    sb      t2, 0(t1)
    PUTS(msg)
    la      t0, counter
    ld      a0, 0(t0)
    li      t1, NHARTS * ROUNDS
    bne     a0, t1, fail
    PUTS(ok)
    EXIT_PASS
park:
    csrw    mie, zero
8:  wfi
    j       8b
fail:
    EXIT_FAIL(3)
    .align 2
trap:
    EXIT_FAIL(4)

    .data
msg:    .asciz " harts, counter "
ok:     .asciz "exact\n"
    .align 3
counter:  .dword 0
finished: .dword 0
