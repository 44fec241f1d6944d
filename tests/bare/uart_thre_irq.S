/* A kernel that enables the 16550's THR-empty interrupt and never reads
 * IIR (issue 17, item 2): S-mode takes supervisor external interrupts with
 * SIE on while it transmits three bytes, a long pause after each; the
 * handler only claims and completes source 10. On QEMU 7.2 each
 * transmission interrupts once, and so does enabling THRI: 4 interrupts.
 * (A PLIC that made a still-high line pending again at every completion
 * would interrupt without end and starve the loop.) Prints the bytes, then
 * the count in hex. */
#include "board.h"

#define PAUSE 20000

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    li      t0, PLIC_BASE + 4 * UART_IRQ
    li      t1, 1
    sw      t1, 0(t0)
    li      t0, PLIC_ENABLE + 0x80
    li      t1, 1 << UART_IRQ
    sw      t1, 0(t0)
    li      t0, PLIC_CONTEXT + 0x1000
    sw      zero, 0(t0)
    li      t0, 1 << 9
    csrw    mideleg, t0
    csrw    mie, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    la      t0, s_handler
    csrw    stvec, t0
    la      t0, s_main
    csrw    mepc, t0
    li      t0, 1 << 11         /* MPP = S */
    csrw    mstatus, t0
    mret

s_main:
    li      s0, UART_BASE
    li      s1, 0               /* interrupts taken */
    csrsi   sstatus, 2
    li      t1, 0x02            /* IER.THRI, OUT2 */
    sb      t1, 1(s0)
    li      t1, 0x08
    sb      t1, 4(s0)
    la      s2, text
1:  lbu     t1, 0(s2)
    beqz    t1, 3f
    sb      t1, 0(s0)
    li      t2, PAUSE
2:  addi    t2, t2, -1
    bnez    t2, 2b
    addi    s2, s2, 1
    j       1b
3:  csrci   sstatus, 2
    sb      zero, 1(s0)
    li      t1, '\n'
    sb      t1, 0(s0)
    srli    t1, s1, 4
    call    hexdigit
    andi    t1, s1, 15
    call    hexdigit
    li      t1, '\n'
    sb      t1, 0(s0)
    EXIT_PASS
4:  j       4b

HEXDIGIT_FUNCTION

    .align 2
s_handler:
    csrr    t3, scause
    li      t4, (1 << 63) | 9
    bne     t3, t4, fail
    addi    s1, s1, 1
    li      t3, PLIC_CONTEXT + 0x1000 + 4
    lw      t4, 0(t3)           /* claim */
    sw      t4, 0(t3)           /* complete */
    sret

fail:
    EXIT_FAIL(2)
park:
    wfi
    j       park

    .data
text:   .asciz "xyz"
