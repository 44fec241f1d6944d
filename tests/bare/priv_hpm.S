/* The hpm counters (Zihpm; svemu's events, emulator/src/hart/hpm.rs):
 * mhpmevent selects what mhpmcounter counts, an unknown event reads back
 * 0, mcountinhibit holds a counter, and hpmcounterN is readable from S
 * only with mcounteren bit N and from U only with scounteren bit N too
 * (illegal instruction, cause 2, otherwise).
 *
 * S-mode, under Sv39 with the TLB flushed, loads from 8 distinct pages,
 * stores to 4 others, loads from one unmapped page and one page whose PTE
 * has A clear, and reads the counters around each: exactly 8 load TLB
 * misses, 4 store TLB misses, 1 load page fault, 1 A/D update (under
 * Svadu). svemu only (QEMU 7.2 counts its own soft-TLB refills).
 * Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define WIN 0x40000000              /* pt_l0's 2 MiB window */
#define PAGE_RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

#define EV_DTLB_LOAD_MISS  0x10019
#define EV_DTLB_STORE_MISS 0x1001b
#define EV_WALKS           0x20002
#define EV_AD_UPDATES      0x20004
#define EV_LOAD_PF         0x20006

/* Load from / store to page n of the window (t1 = its address). */
    .macro ld_page n
    li      t1, WIN + (\n) * 0x1000
    ld      a0, 0(t1)
    .endm
    .macro sd_page n
    li      t1, WIN + (\n) * 0x1000
    sd      a0, 0(t1)
    .endm

/* The last trap had mcause `cause`; else fail with n. Then forget it. */
    .macro expect_cause cause, n
    la      t5, last_cause
    ld      t6, 0(t5)
    li      t0, \cause
    beq     t6, t0, 79f
    EXIT_FAIL(\n)
79: clear_trap
    .endm

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame PTE_G
    /* Pages 0..11 of the window: the data page, read/write, A and D set;
     * page 12 unmapped; page 13 with A and D clear. */
    .set i, 0
    .rept 12
    map     pt_l0, i, page_a, PAGE_RW
    .set i, i + 1
    .endr
    map     pt_l0, 13, page_a, PTE_V | PTE_R | PTE_W
    li      t0, EV_DTLB_LOAD_MISS
    csrw    mhpmevent3, t0
    li      t0, EV_DTLB_STORE_MISS
    csrw    mhpmevent4, t0
    li      t0, EV_WALKS
    csrw    mhpmevent5, t0
    li      t0, EV_LOAD_PF
    csrw    mhpmevent6, t0
    li      t0, EV_AD_UPDATES
    csrw    mhpmevent7, t0
    /* An event svemu does not know reads back as 0 (WARL). */
    li      t0, 0x7777
    csrw    mhpmevent8, t0
    csrr    t1, mhpmevent8
    expect_eq t1, zero, 1
    csrr    t1, mhpmevent3
    li      t2, EV_DTLB_LOAD_MISS
    expect_eq t1, t2, 2
    /* A written counter reads back what was written (M-mode: no
     * translation, nothing to count). */
    li      t0, 1000
    csrw    mhpmcounter3, t0
    csrr    t1, mhpmcounter3
    expect_eq t0, t1, 3
    csrw    mhpmcounter3, zero
    /* S may read counters 3..7; U only counter 3. */
    li      t0, 0xf8
    csrw    mcounteren, t0
    li      t0, 0x08
    csrw    scounteren, t0
    set_satp SATP_SV39, 1, pt_root
    sfence.vma
    run     PRV_S, s_code
    /* Counter 3 inhibited: S-mode's 8 new misses leave it still. */
    csrr    s1, mhpmcounter3
    li      t0, 1 << 3
    csrw    mcountinhibit, t0
    sfence.vma
    run     PRV_S, s_loads
    csrr    t1, mhpmcounter3
    expect_eq s1, t1, 30
    /* Released: it counts on from the value it held. */
    csrw    mcountinhibit, zero
    sfence.vma
    run     PRV_S, s_loads
    csrr    t1, mhpmcounter3
    addi    t1, t1, -8
    expect_eq s1, t1, 31
    /* U-mode (satp Bare): hpmcounter3 readable, hpmcounter4 not
     * (scounteren bit 4 clear), hpmcounter8 not (mcounteren bit 8 clear). */
    csrw    satp, zero
    sfence.vma
    run     PRV_U, u_code
    expect_cause 2, 40               /* hpmcounter8: illegal */
    EXIT_PASS

/* S-mode: count the events of known accesses. */
s_code:
    la      s2, page_a
    ld      a0, 0(s2)               /* the RAM gigapage into the TLB */
    csrr    s3, hpmcounter3
    ld_page 0
    ld_page 1
    ld_page 2
    ld_page 3
    ld_page 4
    ld_page 5
    ld_page 6
    ld_page 7
    ld_page 7          /* a hit */
    csrr    s4, hpmcounter3
    sub     s4, s4, s3
    li      t0, 8
    expect_eq s4, t0, 10
    csrr    s3, hpmcounter4
    sd_page 8
    sd_page 9
    sd_page 10
    sd_page 11
    sd_page 11          /* a hit */
    csrr    s4, hpmcounter4
    sub     s4, s4, s3
    li      t0, 4
    expect_eq s4, t0, 11
    /* Every miss walked: at least 12 walks (fetches walk too). */
    csrr    s4, hpmcounter5
    li      t0, 12
    bgeu    s4, t0, 1f
    EXIT_FAIL(12)
1:  csrr    s3, hpmcounter6
    ld_page 12          /* unmapped: load page fault */
    csrr    s4, hpmcounter6
    sub     s4, s4, s3
    li      t0, 1
    expect_eq s4, t0, 13
    clear_trap
    csrr    s3, hpmcounter7
    ld_page 13          /* A clear: the walker sets it */
    csrr    s4, hpmcounter7
    sub     s4, s4, s3
    li      t0, 1
    expect_eq s4, t0, 14
    /* mcounteren bit 8 is clear: hpmcounter8 is illegal in S. */
    csrr    a0, hpmcounter8
    expect_cause 2, 15
    ecall

/* S-mode: 8 loads from 8 pages. */
s_loads:
    la      s2, page_a
    ld      a0, 0(s2)
    ld_page 0
    ld_page 1
    ld_page 2
    ld_page 3
    ld_page 4
    ld_page 5
    ld_page 6
    ld_page 7
    ecall

/* U-mode, Bare. */
u_code:
    csrr    a0, hpmcounter3
    csrr    a0, hpmcounter4
    expect_cause 2, 41              /* scounteren bit 4 clear: illegal */
    csrr    a0, hpmcounter8
    ecall

    trap_handler

    .data
    page_tables
page_a:
    .dword  0
    .align  12
    trap_record
