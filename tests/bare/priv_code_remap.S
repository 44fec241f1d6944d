/* One virtual code page mapped in turn to two physical pages holding
 * different code (Sv39, S-mode), with sfence.vma between: each call runs
 * the code of the page mapped at that moment, although both pages were
 * decoded before (svemu caches decoded instructions by physical page and
 * follows the translation of the fetch page). Then a data write through
 * another mapping of the page being executed changes the code it runs.
 * Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define VA  0x40000000              /* the code window (pt_l0[0]) */
#define WVA 0x40001000              /* a data window (pt_l0[1]) */
#define CODE_FLAGS (PTE_V | PTE_R | PTE_X | PTE_A)
#define DATA_FLAGS (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

    .section .text.init
    .globl _start
_start:
    trap_init
    sv39_frame
    map     pt_l0, 0, code_a, CODE_FLAGS
    map     pt_l0, 1, code_b, DATA_FLAGS
    set_satp SATP_SV39, 0, pt_root
    sfence.vma
    run     PRV_S, s_code
    expect  NO_TRAP, zero, 20
    EXIT_PASS

s_code:
    li      s1, VA
    jalr    ra, 0(s1)
    li      t3, 1
    expect_eq a0, t3, 1
    /* VA -> code_b. */
    map     pt_l0, 0, code_b, CODE_FLAGS
    sfence.vma s1, zero
    jalr    ra, 0(s1)
    li      t3, 2
    expect_eq a0, t3, 2
    /* VA -> code_a again: both pages have been decoded. */
    map     pt_l0, 0, code_a, CODE_FLAGS
    sfence.vma s1, zero
    jalr    ra, 0(s1)
    li      t3, 1
    expect_eq a0, t3, 3
    /* Code at VA stores through WVA (code_a's twin mapping, after a remap)
     * over its own next instruction. */
    map     pt_l0, 1, code_a, DATA_FLAGS
    sfence.vma
    li      a1, WVA
    jalr    ra, 12(s1)
    li      t3, 4
    expect_eq a0, t3, 4
    ecall

    trap_handler

    .data
    page_tables
/* code_a: `li a0, 1; ret`, then at +12: store `li a0, 4` over the
 * instruction after the store and fence.i (+28) through a1 (its twin page),
 * and run it. */
    .align  12
code_a:
    addi    a0, zero, 1
    ret
    .word   0
    lui     a2, 0x400               /* a2 = 0x00400513: addi a0, zero, 4 */
    addi    a2, a2, 0x513
    sw      a2, 28(a1)              /* code_a + 28, after the fence.i */
    fence.i
    addi    a0, zero, 3
    ret
    .align  12
code_b:
    addi    a0, zero, 2
    ret
    .align  12
    trap_record
