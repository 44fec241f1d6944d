/* A tiny bare-metal program whose `--trace insn` output is snapshot-tested:
 * a loop, a load and a store, a CSR read, compressed and 32-bit forms, an
 * M-mode ecall through a trap handler, and power off. */
#include "board.h"

    .section .text.init
    .globl _start
_start:
    la      t0, handler
    csrw    mtvec, t0
    li      a2, 3               /* loop counter */
    li      a3, 0               /* sum */
1:  add     a3, a3, a2
    addi    a2, a2, -1
    bnez    a2, 1b              /* compressed c.bnez */
    la      a4, value
    sd      a3, 0(a4)
    ld      a5, 0(a4)
    csrr    a6, mhartid
    ecall                       /* traps to handler, which skips it */
    EXIT_PASS
2:  j       2b

    .align 2
handler:
    csrr    t0, mepc
    addi    t0, t0, 4
    csrw    mepc, t0
    mret

    .data
value:
    .dword  0
