/* For `svemu run --profile`: known amounts of work in named functions
 * and two privilege modes. M-mode calls `hot_loop` (30,000 iterations of
 * 2 instructions) and `warm_loop` (3,000), then drops to U-mode, where
 * `user_loop` runs 10,000 iterations and ecalls back; the M-mode trap
 * handler powers off with status 0 (any other trap: status 3). */
#include "board.h"

    .section .text.init
    .globl _start
    .type _start, @function
_start:
    la      t0, trap
    csrw    mtvec, t0
    /* PMP: U-mode may use all memory (NAPOT over the address space). */
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    li      a0, 30000
    call    hot_loop
    li      a0, 3000
    call    warm_loop
    /* mret to user_loop in U-mode (MPP = 0). */
    li      t0, 3 << 11
    csrc    mstatus, t0
    la      t0, user_loop
    csrw    mepc, t0
    li      a0, 10000
    mret
    .size _start, . - _start

    .globl hot_loop
    .type hot_loop, @function
hot_loop:
1:  addi    a0, a0, -1
    bnez    a0, 1b
    ret
    .size hot_loop, . - hot_loop

    .globl warm_loop
    .type warm_loop, @function
warm_loop:
1:  addi    a0, a0, -1
    bnez    a0, 1b
    ret
    .size warm_loop, . - warm_loop

    .globl user_loop
    .type user_loop, @function
user_loop:
1:  addi    a0, a0, -1
    bnez    a0, 1b
    ecall
2:  j       2b
    .size user_loop, . - user_loop

    .align 2
trap:
    csrr    t0, mcause
    li      t1, 8               /* ecall from U-mode */
    bne     t0, t1, 1f
    EXIT_PASS
2:  j       2b
1:  EXIT_FAIL(3)
3:  j       3b
