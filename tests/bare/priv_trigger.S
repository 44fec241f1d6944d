/* Sdtrig (Debug Specification 1.0, chapter 5): four mcontrol6 triggers set
 * up from M-mode fire in S-mode as breakpoint exceptions (cause 3) before
 * the instruction they match, with the matched address in mtval: a load
 * whose bytes include tdata2, a store at or above tdata2 (memory is left
 * unchanged), an instruction fetch, and a store of a given value (data
 * match); accesses that do not match, and M-mode (the triggers ask for S
 * only), do not fire. two triggers are used at a time (QEMU 7.2 has two);
 * tselect is WARL (writing 4 leaves it), tinfo lists type 6, hit0 is set by a fire, dmode is not
 * writable from M-mode. Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define TSELECT 0x7a0
#define TDATA1 0x7a1
#define TDATA2 0x7a2
#define TINFO 0x7a4
#define MC6 (6 << 60)
#define MC_DMODE (1 << 59)
#define MC_HIT0 (1 << 22)
#define MC_SELECT (1 << 21)
#define MC_GE (2 << 7)
#define MC_S (1 << 4)
#define MC_EXEC (1 << 2)
#define MC_STORE (1 << 1)
#define MC_LOAD (1 << 0)
#define BREAKPOINT 3

    .section .text.init
    .globl _start
_start:
    trap_init
    /* tselect takes 1 and refuses 4; tinfo lists mcontrol6. */
    li      t0, 1
    csrw    TSELECT, t0
    li      t0, 4
    csrw    TSELECT, t0
    csrr    t1, TSELECT
    li      t0, 1
    expect_eq t1, t0, 1
    csrr    t1, TINFO
    andi    t1, t1, 1 << 6
    li      t0, 1 << 6
    expect_eq t1, t0, 2
    /* Trigger 0: S-mode loads whose bytes include data + 8. */
    csrw    TSELECT, zero
    li      t0, MC6 | MC_DMODE | MC_S | MC_LOAD
    csrw    TDATA1, t0
    csrr    t1, TDATA1
    li      t0, MC_DMODE
    and     t1, t1, t0
    expect_eq t1, zero, 3              /* dmode is not M-mode's to set */
    la      t0, data + 8
    csrw    TDATA2, t0
    /* Trigger 1: S-mode stores at or above data + 16. */
    li      t0, 1
    csrw    TSELECT, t0
    li      t0, MC6 | MC_GE | MC_S | MC_STORE
    csrw    TDATA1, t0
    la      t0, data + 16
    csrw    TDATA2, t0
    /* M-mode: the triggers ask for S only. */
    la      a1, data
    ld      a0, 8(a1)
    expect  NO_TRAP, zero, 4
    run     PRV_S, s_data
    expect  NO_TRAP, zero, 30
    /* The load trigger fired: hit0. */
    csrw    TSELECT, zero
    csrr    t1, TDATA1
    li      t0, MC_HIT0
    and     t1, t1, t0
    expect_eq t1, t0, 31
    /* Trigger 0: S-mode fetch of exec_here; trigger 1: S-mode stores of 0x1234. */
    li      t0, MC6 | MC_S | MC_EXEC
    csrw    TDATA1, t0
    la      t0, exec_here
    csrw    TDATA2, t0
    li      t0, 1
    csrw    TSELECT, t0
    li      t0, MC6 | MC_SELECT | MC_S | MC_STORE
    csrw    TDATA1, t0
    li      t0, 0x1234
    csrw    TDATA2, t0
    run     PRV_S, s_exec
    expect  NO_TRAP, zero, 32
    EXIT_PASS

/* Loads and stores; the trap record lies below data, so the checks' own
 * stores do not match. */
s_data:
    la      a1, data
    ld      a0, 0(a1)                  /* bytes data..data+7: no match */
    expect  NO_TRAP, zero, 10
    lw      a0, 4(a1)                  /* data+4..data+7: no match */
    expect  NO_TRAP, zero, 11
    addi    a2, a1, 8
    ld      a0, 8(a1)                  /* data+8: fires */
    expect  BREAKPOINT, a2, 12
    sd      a1, 8(a1)                  /* a store below data+16: no match */
    expect  NO_TRAP, zero, 13
    li      a0, 7
    addi    a2, a1, 24
    sd      a0, 24(a1)                 /* at or above data+16: fires, before the store */
    expect  BREAKPOINT, a2, 14
    ld      a3, 24(a1)
    li      t0, 0x55
    expect_eq a3, t0, 15               /* memory unchanged */
    ecall

s_exec:
    la      a1, data
    la      a2, exec_here
    li      a0, 0
exec_here:
    li      a0, 99                     /* fires: the handler skips it */
    expect  BREAKPOINT, a2, 16
    li      t0, 99
    beq     a0, t0, 1f
    li      a0, 0x1235
    sw      a0, 0(a1)                  /* 0x1235: no data match */
    expect  NO_TRAP, zero, 17
    li      a0, 0x1234
    sw      a0, 0(a1)                  /* 0x1234: fires */
    expect  BREAKPOINT, a1, 18
    lw      a3, 0(a1)
    li      t0, 0x1235
    expect_eq a3, t0, 19               /* memory unchanged */
    ecall
1:  EXIT_FAIL(20)

    trap_handler

    .data
    .align  4
    trap_record
    .align  4
data:
    .dword  0, 0, 0, 0x55
