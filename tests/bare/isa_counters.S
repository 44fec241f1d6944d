/* Zicntr/Zihpm: cycle, time, instret and hpmcounter3 read as CSRs, gated
 * for S-mode by mcounteren and for U-mode by mcounteren and scounteren
 * (illegal instruction, cause 2, when a bit is clear). */
#include "check.h"
#define READ_ALL                    \
    csrr    a0, cycle;              \
    csrr    a1, time;               \
    csrr    a2, instret;            \
    csrr    a3, hpmcounter3
    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    csrr    a0, instret
    nop
    nop
    csrr    a1, instret
    li      gp, 1
    bleu    a1, a0, check_fail           /* instret counts */
    csrr    a0, cycle
    csrr    a1, mcycle
    li      gp, 2
    bltu    a1, a0, check_fail           /* cycle and mcycle are one counter */
    csrr    a0, time
    csrr    a3, hpmcounter3
    csrr    a3, mhpmcounter3
    CHECK_NO_TRAP(3)
    /* S-mode with mcounteren = 0: every counter traps. */
    csrw    mcounteren, zero
    ENTER_S
    csrr    a0, cycle
    CHECK_TRAP(10, 2)
    csrr    a0, time
    CHECK_TRAP(11, 2)
    csrr    a0, instret
    CHECK_TRAP(12, 2)
    csrr    a0, hpmcounter3
    CHECK_TRAP(13, 2)
    csrr    a0, mcycle                   /* M-mode CSR from S */
    CHECK_TRAP(14, 2)
    ENTER_M(15)
    /* S-mode with CY, TM, IR enabled. */
    li      t0, 7
    csrw    mcounteren, t0
    ENTER_S
    csrr    a0, cycle
    csrr    a0, time
    csrr    a0, instret
    CHECK_NO_TRAP(20)
    csrr    a0, hpmcounter3
    CHECK_TRAP(21, 2)
    csrw    scounteren, zero             /* S may write scounteren */
    CHECK_NO_TRAP(22)
    ENTER_M(23)
    /* U-mode needs both enables. */
    li      t0, 2
    csrw    scounteren, t0               /* TM only */
    ENTER_U
    csrr    a0, time
    CHECK_NO_TRAP(30)
    csrr    a0, cycle
    CHECK_TRAP(31, 2)
    csrr    a0, instret
    CHECK_TRAP(32, 2)
    ENTER_M(33)
    li      t0, 5                        /* CY, IR: TM now clear in mcounteren */
    csrw    mcounteren, t0
    li      t0, 7
    csrw    scounteren, t0
    ENTER_U
    csrr    a0, cycle
    csrr    a0, instret
    CHECK_NO_TRAP(40)
    csrr    a0, time
    CHECK_TRAP(41, 2)
    csrr    a0, scounteren               /* S CSR from U */
    CHECK_TRAP(42, 2)
    ENTER_M(43)
    CHECK_END
