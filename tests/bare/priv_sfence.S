/* sfence.vma in its four forms (Privileged ISA 12.2.1) and ASID-tagged
 * translations. S-mode repoints one PTE between two data pages and checks
 * that the new mapping is seen after each fence that must expose it:
 * by address (rs1 = VA, rs2 = x0), by ASID (rs1 = x0, rs2 = ASID), by
 * address and ASID, and all; a global (G) mapping after an ASID fence and
 * then an address fence; and an ASID switch by a satp write alone.
 * Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define VA  0x40000000              /* non-global page, ASID 1 */
#define GVA 0x40001000              /* global page */
#define A_VAL 0xaaaa
#define B_VAL 0xbbbb

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame PTE_G
    map     pt_l0, 0, page_a, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    map     pt_l0, 1, page_a, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G
    set_satp SATP_SV39, 1, pt_root
    sfence.vma
    run     PRV_S, s_code
    expect  NO_TRAP, zero, 20
    EXIT_PASS

/* pt_l0[a2] = PTE of the page at a3 with flags a4 (S-mode, identity map). */
set_pte:
    srli    t0, a3, 12
    slli    t0, t0, 10
    or      t0, t0, a4
    la      t1, pt_l0
    slli    t2, a2, 3
    add     t1, t1, t2
    sd      t0, 0(t1)
    ret

s_code:
    li      s1, VA
    li      s2, GVA
    la      s3, page_a
    la      s4, page_b
    li      s5, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    li      s6, 1                      /* ASID 1 */
    ld      a0, 0(s1)                  /* fill */
    ld      a0, 0(s1)                  /* hit */
    li      t3, A_VAL
    expect_eq a0, t3, 1
    /* By address. */
    li      a2, 0
    mv      a3, s4
    mv      a4, s5
    call    set_pte
    sfence.vma s1, zero
    ld      a0, 0(s1)
    li      t3, B_VAL
    expect_eq a0, t3, 2
    /* By ASID. */
    li      a2, 0
    mv      a3, s3
    call    set_pte
    sfence.vma zero, s6
    ld      a0, 0(s1)
    li      t3, A_VAL
    expect_eq a0, t3, 3
    /* By address and ASID. */
    li      a2, 0
    mv      a3, s4
    call    set_pte
    sfence.vma s1, s6
    ld      a0, 0(s1)
    li      t3, B_VAL
    expect_eq a0, t3, 4
    /* All. */
    li      a2, 0
    mv      a3, s3
    call    set_pte
    sfence.vma
    ld      a0, 0(s1)
    li      t3, A_VAL
    expect_eq a0, t3, 5
    /* A global page survives an ASID fence (the value read then is the
     * old or the new one: both are allowed), and goes with an address fence. */
    ld      a0, 0(s2)                  /* fill, global */
    li      a2, 1
    mv      a3, s4
    ori     a4, s5, PTE_G
    call    set_pte
    sfence.vma zero, s6
    ld      a0, 0(s2)
    sfence.vma s2, zero
    ld      a0, 0(s2)
    li      t3, B_VAL
    expect_eq a0, t3, 6
    /* A satp write to ASID 2 flushes nothing, and needs nothing flushed:
     * ASID 2 has no entries yet. */
    la      t0, pt_root
    srli    t0, t0, 12
    li      t1, SATP_SV39 | (2 << 44)
    or      t0, t0, t1
    csrw    satp, t0
    ld      a0, 0(s1)
    li      t3, A_VAL
    expect_eq a0, t3, 7
    ecall

    trap_handler

    .data
    page_tables
page_a:
    .dword  A_VAL
    .align  12
page_b:
    .dword  B_VAL
    .align  12
    trap_record
