/* Vectored trap vectors with both timers (Privileged ISA 3.1.7, 3.1.9;
 * Sstc): the CLINT's mtimecmp raises MTI, taken by M-mode through
 * mtvec in vectored mode at base + 4 * 7; then Sstc's stimecmp raises STI,
 * delegated to S-mode and taken through a vectored stvec at base + 4 * 5.
 * Each handler checks its cause and clears its timer.
 * Exit: 0 = pass, n = check n failed. */
#include "board.h"
    .option norvc

#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME    0x200bff8
#define MIP_MTIP (1 << 7)
#define MIP_STIP (1 << 5)
#define STCE (1 << 63)

    .section .text.init
    .globl _start
_start:
    li      t0, -1                     /* PMP: all memory to S and U */
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    la      t0, m_vectors
    ori     t0, t0, 1
    csrw    mtvec, t0
    /* CLINT timer: 100 ticks from now. */
    li      t0, CLINT_MTIME
    ld      t1, 0(t0)
    addi    t1, t1, 100
    li      t0, CLINT_MTIMECMP
    sd      t1, 0(t0)
    li      t0, MIP_MTIP
    csrs    mie, t0
    /* Wait with mstatus.MIE = 0 (wfi wakes on mip & mie alone), then
     * enable: the trap is taken right there, with no lost-wakeup race. */
1:  wfi
    csrr    t0, mip
    andi    t0, t0, MIP_MTIP
    beqz    t0, 1b
    csrsi   mstatus, 8                 /* MIE: the trap is taken here */
    li      t0, 1
    beq     s0, t0, 2f
    EXIT_FAIL(1)
2:  csrci   mstatus, 8

    /* Sstc: S-mode programs its own timer. */
    li      t0, STCE
    csrs    menvcfg, t0
    csrr    t1, menvcfg
    and     t1, t1, t0
    bnez    t1, 3f
    EXIT_FAIL(2)                       /* no Sstc */
3:  li      t0, 2                      /* mcounteren.TM */
    csrs    mcounteren, t0
    li      t0, MIP_STIP
    csrs    mideleg, t0
    li      t0, 1 << 9                 /* ecall from S stays in M */
    csrw    medeleg, zero
    la      t0, s_vectors
    ori     t0, t0, 1
    csrw    stvec, t0
    la      t0, m_ecall
    csrw    mtvec, t0                  /* direct mode from here */
    li      t0, 3 << 11
    csrc    mstatus, t0
    li      t0, 1 << 11
    csrs    mstatus, t0
    la      t0, s_code
    csrw    mepc, t0
    mret

s_code:
    li      t0, -1
    csrw    stimecmp, t0
    li      t0, MIP_STIP
    csrs    sie, t0
    rdtime  t1
    addi    t1, t1, 100
    csrw    stimecmp, t1
4:  wfi                                /* SIE = 0 while waiting, as above */
    csrr    t0, sip
    andi    t0, t0, MIP_STIP
    beqz    t0, 4b
    csrsi   sstatus, 2                 /* SIE: the trap is taken here */
    ecall

m_ecall:
    csrr    t0, mcause
    li      t1, 9
    beq     t0, t1, 5f
    EXIT_FAIL(3)
5:  li      t0, 1
    beq     s1, t0, 6f
    EXIT_FAIL(4)
6:  EXIT_PASS

    .align  8
m_vectors:
    .rept   7
    j       m_wrong
    .endr
    j       m_timer                    /* base + 4 * 7 */
    .rept   8
    j       m_wrong
    .endr
m_wrong:
    EXIT_FAIL(5)
m_timer:
    csrr    t0, mcause
    li      t1, (1 << 63) | 7
    beq     t0, t1, 7f
    EXIT_FAIL(6)
7:  li      t0, CLINT_MTIMECMP
    li      t1, -1
    sd      t1, 0(t0)
    addi    s0, s0, 1
    mret

    .align  8
s_vectors:
    .rept   5
    j       s_wrong
    .endr
    j       s_timer                    /* base + 4 * 5 */
    .rept   10
    j       s_wrong
    .endr
s_wrong:
    EXIT_FAIL(7)
s_timer:
    csrr    t0, scause
    li      t1, (1 << 63) | 5
    beq     t0, t1, 8f
    EXIT_FAIL(8)
8:  li      t0, -1
    csrw    stimecmp, t0
    csrr    t0, sip
    andi    t0, t0, MIP_STIP
    beqz    t0, 9f
    EXIT_FAIL(9)                       /* STIP follows stimecmp */
9:  addi    s1, s1, 1
    sret
