/* Trap entry and xRET state (Privileged ISA 3.1.6.1, 3.1.8, 3.3.2, 4.1.1):
 * page faults and ecall from U-mode delegated by medeleg to an S-mode
 * handler, which checks scause, stval, sepc, sstatus.SPP = U and SPIE = the
 * SIE of before, and returns with sret; a delegated fault from S-mode sets
 * SPP = S; an M-mode fault is never delegated. Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define W 0x40000000
#define UCODE_VA (W + 0x1000)
#define SSTATUS_SIE (1 << 1)
#define SSTATUS_SPIE (1 << 5)
#define SSTATUS_SPP (1 << 8)

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame
    map     pt_l0, 1, ucode, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A
    set_satp SATP_SV39, 0, pt_root
    sfence.vma
    li      t0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
    csrw    medeleg, t0
    la      t0, s_handler
    csrw    stvec, t0
    run     PRV_S, s_code
    expect  NO_TRAP, zero, 30
    /* M-mode: never delegated. */
    li      a1, 0
    ld      a0, 0(a1)
    expect  5, a1, 31
    EXIT_PASS

/* S-mode: drop to U at UCODE_VA; U faults three times, then ecalls. */
s_code:
    li      s0, 0                      /* traps seen by s_handler */
    li      t0, SSTATUS_SPIE           /* sret: SIE = 1 in U, which the */
    csrs    sstatus, t0                /* trap must save in SPIE */
    li      t0, SSTATUS_SPP
    csrc    sstatus, t0
    li      t0, UCODE_VA
    csrw    sepc, t0
    sret
s_after_u:                             /* s_handler comes here after U's ecall */
    li      t0, 4
    expect_eq s0, t0, 20
    /* A delegated fault from S itself: SPP = S. */
    li      a1, W + 0x5000
    ld      a0, 0(a1)
    li      t0, 5
    expect_eq s0, t0, 21
    ecall                              /* ecall from S: not delegated, to M */

/* S-mode handler: record, check, resume. */
    .align  4
s_handler:
    addi    s0, s0, 1
    csrr    s1, scause
    csrr    s2, stval
    csrr    s3, sepc
    csrr    s4, sstatus
    li      t0, 8
    beq     s1, t0, h_ecall
    andi    t0, s4, SSTATUS_SIE
    expect_eq t0, zero, 10             /* SIE cleared on entry */
    andi    t0, s4, SSTATUS_SPIE
    bnez    t0, 1f
    EXIT_FAIL(11)                      /* SPIE = the SIE before the trap */
1:  li      t0, 5
    beq     s0, t0, h_from_s
    andi    t0, s4, SSTATUS_SPP
    expect_eq t0, zero, 12             /* from U */
    li      t0, 1                      /* 1: load page fault at W + 0x2000 */
    bne     s0, t0, 2f
    li      t0, 13
    expect_eq s1, t0, 13
    li      t0, W + 0x2000
    expect_eq s2, t0, 14
    li      t0, UCODE_VA + 4
    expect_eq s3, t0, 15               /* sepc = the load */
    j       skip
2:  li      t0, 2                      /* 2: store page fault at W + 0x3000 */
    bne     s0, t0, 3f
    li      t0, 15
    expect_eq s1, t0, 16
    li      t0, W + 0x3000
    expect_eq s2, t0, 17
    j       skip
3:  li      t0, 12                     /* 3: fetch page fault at W + 0x4000 */
    expect_eq s1, t0, 18
    li      t0, W + 0x4000
    expect_eq s2, t0, 19
    expect_eq s3, t0, 22               /* sepc = the fetch target */
    csrw    sepc, ra                   /* resume after the jalr */
    sret
h_ecall:
    andi    t0, s4, SSTATUS_SPP
    expect_eq t0, zero, 23
    li      t0, UCODE_VA + 24
    expect_eq s3, t0, 24
    la      t0, s_after_u              /* stay in S: SPP = S */
    csrw    sepc, t0
    li      t0, SSTATUS_SPP
    csrs    sstatus, t0
    sret
h_from_s:
    andi    t0, s4, SSTATUS_SPP
    bnez    t0, skip
    EXIT_FAIL(25)                      /* from S: SPP = 1 */
skip:
    csrr    t0, sepc
    addi    t0, t0, 4
    csrw    sepc, t0
    sret

    trap_handler

    .section .text.ucode
    .align  12
ucode:
    li      a1, W + 0x2000             /* (lui: 4 bytes) */
    ld      a0, 0(a1)                  /* UCODE_VA + 4: load page fault */
    li      a1, W + 0x3000
    sd      a0, 0(a1)                  /* store page fault */
    li      a1, W + 0x4000
    jalr    ra, a1                     /* fetch page fault */
    ecall
    .align  12

    .data
    page_tables
    trap_record
