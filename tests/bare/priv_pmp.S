/* Physical memory protection (Privileged ISA 3.7): TOR, NA4 and NAPOT
 * entries checked for S-mode loads, stores and fetches (access faults
 * 5, 7, 1 with the address in tval), priority of the lowest-numbered
 * entry, M-mode passing unlocked entries, PMP on the walker's PTE reads,
 * and the lock bit: it binds M-mode and freezes the entry's registers and,
 * for TOR, the previous entry's address. Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define CFG(a, perms) ((((a) << 3) | (perms)) & 0xff)
#define TOR 1
#define NA4 2
#define NAPOT 3
#define L 0x80

    .section .text.init
    .globl _start
_start:
    trap_init
    /* 0-1: TOR [page_ro, page_ro + 4 KiB) R
     * 2:   NA4 [page_na4, +4) R
     * 3:   NAPOT page_none, no permission
     * 4:   NAPOT all of memory, RWX (lowest priority) */
    la      t0, page_ro
    srli    t1, t0, 2
    csrw    pmpaddr0, t1
    li      t2, 4096
    add     t0, t0, t2
    srli    t1, t0, 2
    csrw    pmpaddr1, t1
    la      t0, page_na4
    srli    t1, t0, 2
    csrw    pmpaddr2, t1
    la      t0, page_none
    srli    t1, t0, 2
    ori     t1, t1, 0x1ff              /* NAPOT 4 KiB: 9 trailing ones */
    csrw    pmpaddr3, t1
    li      t1, -1
    csrw    pmpaddr4, t1
    li      t0, (CFG(TOR, 1) << 8) | (CFG(NA4, 1) << 16) | (CFG(NAPOT, 0) << 24) | (CFG(NAPOT, 7) << 32)
    csrw    pmpcfg0, t0
    csrr    t1, pmpcfg0
    expect_eq t0, t1, 1
    run     PRV_S, s_code
    expect  NO_TRAP, zero, 19

    /* M-mode passes unlocked entries. */
    la      a1, page_none
    ld      a0, 0(a1)
    expect  NO_TRAP, zero, 20
    /* The walker's PTE reads are checked too: a root table in page_none,
     * reached by an M-mode load with MPRV = 1 and MPP = S. */
    set_satp SATP_SV39, 0, page_none
    li      t0, MSTATUS_MPP
    csrc    mstatus, t0
    li      t0, MSTATUS_MPRV | (PRV_S << 11)
    csrs    mstatus, t0
    li      a1, 0x1000
    ld      a0, 0(a1)
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    expect  5, a1, 21
    csrw    satp, zero
    la      a1, page_none
    /* Lock entry 3: M-mode is bound by it now, and it is frozen. */
    li      t0, L << 24
    csrs    pmpcfg0, t0
    ld      a0, 0(a1)
    expect  5, a1, 22
    csrr    t1, pmpaddr3
    csrwi   pmpaddr3, 0
    csrr    t2, pmpaddr3
    expect_eq t1, t2, 23
    li      t0, 0xff << 24
    csrc    pmpcfg0, t0
    csrr    t1, pmpcfg0
    srli    t1, t1, 24
    andi    t1, t1, 0xff
    li      t2, L | CFG(NAPOT, 0)
    expect_eq t1, t2, 24
    /* Lock TOR entry 1: pmpaddr0, its base, is frozen as well. */
    li      t0, L << 8
    csrs    pmpcfg0, t0
    csrr    t1, pmpaddr0
    csrwi   pmpaddr0, 0
    csrr    t2, pmpaddr0
    expect_eq t1, t2, 25
    la      a1, page_ro
    sd      a0, 0(a1)
    expect  7, a1, 26                  /* locked R-only: M-mode store fails */
    EXIT_PASS

s_code:
    la      a1, page_ro
    ld      a0, 0(a1)
    expect  NO_TRAP, zero, 2
    sd      a0, 0(a1)
    expect  7, a1, 3                   /* entry 1 (R) wins over entry 4 (RWX) */
    la      a1, page_na4
    lw      a0, 0(a1)
    expect  NO_TRAP, zero, 4
    ld      a0, 0(a1)
    expect  5, a1, 5                   /* 8 bytes straddle NA4's 4 */
    sw      a0, 0(a1)
    expect  7, a1, 6
    la      a1, page_none
    ld      a0, 0(a1)
    expect  5, a1, 7
    jalr    ra, a1
    expect  1, a1, 8
    la      a1, page_rw
    sd      a0, 0(a1)
    expect  NO_TRAP, zero, 9
    ecall

    trap_handler

    .data
    .align  12
page_ro:   .skip 4096
page_na4:  .skip 4096
page_none: .skip 4096
page_rw:   .skip 4096
    trap_record
