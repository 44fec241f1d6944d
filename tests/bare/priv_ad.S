/* Accessed and dirty bits (Privileged ISA 12.3.2 step 7), under either
 * policy the spec allows: an S-mode load and then a store through a 4 KiB
 * page whose PTE has A = D = 0. Either the hart sets A, then D, in the PTE
 * itself (Svadu-style), or it raises a page fault and this program sets
 * the bit as a kernel would (Svade), then retries. Prints which one it saw:
 * "ad: hardware" or "ad: fault". Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define VA 0x40000000
#define MAGIC 0x5a5a5a5a12345678

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame
    map     pt_l0, 0, data_page, PTE_V | PTE_R | PTE_W     /* A = D = 0 */
    set_satp SATP_SV39, 0, pt_root
    sfence.vma
    li      s3, 0                      /* faults seen */
    run     PRV_S, s_code
    la      t0, pt_l0
    ld      t1, 0(t0)
    andi    t1, t1, PTE_A | PTE_D
    li      t2, PTE_A | PTE_D
    expect_eq t1, t2, 1                /* both set, by whoever */
    la      a0, msg_hw
    beqz    s3, 1f
    la      a0, msg_fault
    li      t0, 2
    expect_eq s3, t0, 2                /* exactly one fault for A, one for D */
1:  uart_puts
    EXIT_PASS

s_code:
    li      a1, VA
    ld      a0, 0(a1)
    la      t5, last_cause
    ld      t6, 0(t5)
    li      t0, 13
    bne     t6, t0, 2f
    addi    s3, s3, 1                  /* Svade: set A ourselves, then retry */
    clear_trap
    la      t0, pt_l0
    ld      t1, 0(t0)
    ori     t1, t1, PTE_A
    sd      t1, 0(t0)
    sfence.vma a1, zero
    ld      a0, 0(a1)
2:  expect  NO_TRAP, zero, 3
    la      t0, pt_l0                  /* A is set now, D is not */
    ld      t1, 0(t0)
    andi    t1, t1, PTE_A | PTE_D
    li      t2, PTE_A
    expect_eq t1, t2, 4
    li      t0, MAGIC
    expect_eq a0, t0, 5
    sd      a0, 8(a1)
    la      t5, last_cause
    ld      t6, 0(t5)
    li      t0, 15
    bne     t6, t0, 3f
    addi    s3, s3, 1                  /* Svade: set D, then retry */
    clear_trap
    la      t0, pt_l0
    ld      t1, 0(t0)
    ori     t1, t1, PTE_D
    sd      t1, 0(t0)
    sfence.vma a1, zero
    sd      a0, 8(a1)
3:  expect  NO_TRAP, zero, 6
    ecall

    trap_handler

    .section .rodata
msg_hw:    .string "ad: hardware\n"
msg_fault: .string "ad: fault\n"

    .data
    page_tables
data_page:
    .dword  MAGIC
    .align  12
    trap_record
