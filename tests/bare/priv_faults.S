/* Sv39 translation rules, one check each (Privileged ISA 12.3.2): the U
 * bit from U-mode, SUM, S-mode fetch of U pages, MXR, W=0 stores, X=0
 * fetches, the reserved W-without-R encoding, V=0, reserved bits 60:54,
 * a pointer PTE at level 0, a misaligned superpage, a good superpage, a
 * non-canonical address, a fetch crossing into an unmapped page (tval =
 * the address of the missing half), and access faults where nothing is behind the
 * physical address. Every fault is checked for its cause and tval.
 * Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define W 0x40000000              /* the 4 KiB test window, one page per rule */
#define UCODE_VA (W + 7 * 0x1000)
#define U_LOAD  (UCODE_VA + 0x00)
#define U_FETCH (UCODE_VA + 0x10)
#define U_CROSS (UCODE_VA + 0xffe)
#define MAGIC 0x1122334455667788

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame
    map     pt_l0, 0, data_page, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
    map     pt_l0, 1, data_page, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    map     pt_l0, 2, data_page, PTE_V | PTE_X | PTE_A
    map     pt_l0, 3, data_page, PTE_V | PTE_R | PTE_A | PTE_D
    map     pt_l0, 4, data_page, PTE_V | PTE_W | PTE_A | PTE_D
    map     pt_l0, 5, data_page, PTE_R | PTE_W | PTE_A | PTE_D
    map     pt_l0, 6, data_page, PTE_V | PTE_R | PTE_A
    li      t0, 1 << 60            /* reserved bit in the PTE just written */
    la      t1, pt_l0
    ld      t2, 48(t1)
    or      t2, t2, t0
    sd      t2, 48(t1)
    map     pt_l0, 7, ucode, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A
    map     pt_l0, 9, data_page, PTE_V          /* pointer PTE at level 0 */
    map_pa  pt_l1, 1, 0x80201000, PTE_V | PTE_R | PTE_A      /* misaligned 2 MiB */
    map_pa  pt_l1, 2, 0x80200000, PTE_V | PTE_R | PTE_A      /* good 2 MiB */
    li      t0, 0x80200008
    li      t1, MAGIC
    sd      t1, 0(t0)
    set_satp SATP_SV39, 0, pt_root
    sfence.vma

    /* U-mode. */
    li      a1, W + 0x1000
    run_va  PRV_U, U_LOAD
    expect  13, a1, 1               /* U=0 page from U-mode */
    li      a1, W
    run_va  PRV_U, U_LOAD
    expect  NO_TRAP, zero, 2
    li      t0, MAGIC
    expect_eq a0, t0, 3
    li      a1, W + 0x1000
    run_va  PRV_U, U_FETCH
    expect  12, a1, 4               /* fetch of a U=0 page from U-mode */
    li      a1, U_CROSS
    run_va  PRV_U, U_FETCH
    li      a1, W + 0x8000
    expect  12, a1, 5               /* tval: the half on the unmapped page */

    /* S-mode. */
    run     PRV_S, s_tests
    expect  NO_TRAP, zero, 40

    /* M-mode: a fetch where nothing is. */
    li      a1, 0
    jalr    ra, a1
    expect  1, a1, 41
    EXIT_PASS

s_tests:
    li      a1, W
    ld      a0, 0(a1)
    expect  13, a1, 10              /* U page, SUM = 0 */
    li      t0, MSTATUS_SUM
    csrs    sstatus, t0
    ld      a0, 0(a1)
    expect  NO_TRAP, zero, 11
    li      a1, UCODE_VA
    jalr    ra, a1
    expect  12, a1, 12              /* S never executes U pages, SUM or not */
    li      a1, W + 0x2000
    ld      a0, 0(a1)
    expect  13, a1, 13              /* execute-only page, MXR = 0 */
    li      t0, MSTATUS_MXR
    csrs    sstatus, t0
    ld      a0, 0(a1)
    expect  NO_TRAP, zero, 14
    li      t0, MAGIC
    expect_eq a0, t0, 15
    li      a1, W + 0x3000
    sd      a0, 0(a1)
    expect  15, a1, 16              /* store to W=0 */
    li      a1, W + 0x1000
    jalr    ra, a1
    expect  12, a1, 17              /* fetch from X=0 */
    li      a1, W + 0x4000
    ld      a0, 0(a1)
    expect  13, a1, 18              /* W=1 with R=0 is reserved */
    li      a1, W + 0x5000
    ld      a0, 0(a1)
    expect  13, a1, 19              /* V=0 */
    li      a1, W + 0x6000
    ld      a0, 0(a1)
    expect  13, a1, 20              /* reserved bit 60 */
    li      a1, W + 0x9000
    ld      a0, 0(a1)
    expect  13, a1, 21              /* no leaf by level 0 */
    li      a1, W + 0x200000
    ld      a0, 0(a1)
    expect  13, a1, 22              /* misaligned superpage */
    li      a1, W + 0x400008
    ld      a0, 0(a1)
    expect  NO_TRAP, zero, 23
    li      t0, MAGIC
    expect_eq a0, t0, 24            /* 2 MiB page at PA 0x80200000 */
    li      a1, 1 << 39
    ld      a0, 0(a1)
    expect  13, a1, 25              /* not canonical in Sv39 */
    li      a1, 0
    ld      a0, 0(a1)
    expect  5, a1, 26               /* nothing at PA 0: load access fault */
    sd      a0, 0(a1)
    expect  7, a1, 27
    ecall

    trap_handler

    .section .text.ucode
    .align  12
ucode:
    ld      a0, 0(a1)               /* U_LOAD */
    ecall
    .align  4
    jalr    ra, a1                  /* U_FETCH */
    ecall
    .org    ucode + 0xffe           /* U_CROSS: a 32-bit instruction whose */
    addi    a0, a0, 1               /* second half is on the unmapped page 8 */
    .align  12

    .data
    page_tables
data_page:
    .dword  MAGIC
    .align  12
    trap_record
