/* UART receive interrupts through the PLIC into an S-mode handler. M-mode
 * delegates supervisor external interrupts, enables UART source 10 for
 * hart 0's S context (1) with priority 1, and drops to S-mode, which sleeps
 * in WFI. Each interrupt claims the source (it must be 10), reads every
 * received byte, and completes. After a newline it prints what it got and
 * the number of interrupts taken, then powers off. */
#include "board.h"

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    /* PLIC: priority 1 for source 10, enabled for context 1 (hart 0 S), threshold 0. */
    li      t0, PLIC_BASE + 4 * UART_IRQ
    li      t1, 1
    sw      t1, 0(t0)
    li      t0, PLIC_ENABLE + 0x80
    li      t1, 1 << UART_IRQ
    sw      t1, 0(t0)
    li      t0, PLIC_CONTEXT + 0x1000
    sw      zero, 0(t0)
    /* UART: received-data interrupt on (IER bit 0), and OUT2 as Linux sets it. */
    li      t0, UART_BASE
    li      t1, 1
    sb      t1, 1(t0)
    li      t1, 0x08
    sb      t1, 4(t0)
    /* Delegate SEI; S-mode enables SEIE; PMP open so S-mode can run on QEMU. */
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
    /* Check for the line with SIE clear, sleep (WFI wakes on a pending
     * enabled interrupt whatever SIE says), then let the interrupt in. */
1:  csrci   sstatus, 2
    la      t0, done
    ld      t0, 0(t0)
    bnez    t0, 5f
    wfi
    csrsi   sstatus, 2
    j       1b
5:
    PUTS(msg_got)
    PUTS(line)
    PUTS(msg_irqs)
    la      t0, irqs
    ld      t0, 0(t0)
    addi    t0, t0, '0'
    li      t1, UART_BASE
    sb      t0, 0(t1)
    li      t0, '\n'
    sb      t0, 0(t1)
    EXIT_PASS
2:  j       2b

    .align 2
s_handler:
    /* Only supervisor external interrupts are expected. */
    csrr    t0, scause
    li      t1, (1 << 63) | 9
    bne     t0, t1, fail
    la      t0, irqs
    ld      t1, 0(t0)
    addi    t1, t1, 1
    sd      t1, 0(t0)
    li      t3, PLIC_CONTEXT + 0x1000 + 4
    lw      t4, 0(t3)           /* claim */
    li      t1, UART_IRQ
    bne     t4, t1, fail
    li      t0, UART_BASE
    la      t5, pos
    ld      t6, 0(t5)
3:  lbu     t1, 5(t0)           /* LSR.DR */
    andi    t1, t1, 1
    beqz    t1, 4f
    lbu     t1, 0(t0)
    la      t2, line
    add     t2, t2, t6
    sb      t1, 0(t2)
    addi    t6, t6, 1
    li      t2, '\n'
    bne     t1, t2, 3b
    la      t2, done
    li      t1, 1
    sd      t1, 0(t2)
    j       3b
4:  sd      t6, 0(t5)
    sw      t4, 0(t3)           /* complete */
    sret

fail:
    EXIT_FAIL(2)
park:
    wfi
    j       park

    .data
msg_got:  .asciz "got: "
msg_irqs: .asciz "interrupts: "
    .align 3
irqs:   .dword 0
pos:    .dword 0
done:   .dword 0
line:   .space 64
