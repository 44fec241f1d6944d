/* Two data pages that evict each other from a small TLB (Sv39, S-mode):
 * each round loads and stores page A twice, then page B once, with no trap
 * or CSR instruction in between. Run by tests/tests/fast_paths.rs under a
 * 2-entry direct-mapped TLB, where every access to B evicts A: svemu's
 * accelerators (the fast TLB and the run loop's memo of the last data
 * pages) must then walk again for A exactly as the TLB alone would, so the
 * TLB statistics of the two runs agree. Exit: 0 = pass, n = check n failed. */
#include "priv.h"

/* Odd page numbers: set 1 of a 2-set TLB, where neither the code's
 * gigapage (set (va >> 30) % 2 = 0) nor anything else goes. */
#define VA_A 0x40001000             /* pt_l0[1] */
#define VA_B 0x40003000             /* pt_l0[3] */
#define DATA_FLAGS (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define ROUNDS 64

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame
    map     pt_l0, 1, page_a, DATA_FLAGS
    map     pt_l0, 3, page_b, DATA_FLAGS
    set_satp SATP_SV39, 0, pt_root
    sfence.vma
    run     PRV_S, s_code
    expect  NO_TRAP, zero, 20
    EXIT_PASS

s_code:
    li      s1, VA_A
    li      s2, VA_B
    li      s3, ROUNDS
1:  ld      a0, 0(s1)
    addi    a0, a0, 1
    sd      a0, 0(s1)
    ld      a1, 0(s2)
    addi    a1, a1, 2
    sd      a1, 0(s2)
    ld      a0, 0(s1)
    sd      a0, 8(s1)
    addi    s3, s3, -1
    bnez    s3, 1b
    li      t3, ROUNDS
    expect_eq a0, t3, 1
    li      t3, 2 * ROUNDS
    expect_eq a1, t3, 2
    ecall

    trap_handler

    .data
    page_tables
    .align  12
page_a:
    .dword  0, 0
    .align  12
page_b:
    .dword  0
    .align  12
    trap_record
