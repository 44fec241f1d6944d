/* The 16550's registers and interrupt conditions and the PLIC's gateway,
 * poked in the orders drivers use, with every observation recorded (one
 * byte each) and printed at the end as hex: the same program on svemu and
 * QEMU must print the same line. M-mode, interrupts off: pending bits and
 * claims are read from the PLIC directly (hart 0's M context, source 10).
 * The comment after each REC is the value QEMU 7.2 gives. The THR writes of
 * 'a'..'d' print those letters first. */
#include "board.h"

#define UART_IIR 2
#define CLAIM0 (PLIC_CONTEXT + 4)

/* Record t0's low byte. */
#define REC sb t0, 0(s1); addi s1, s1, 1
/* Record bits 15:8 of the PLIC's first pending word (source 10 is 0x04). */
#define PEND li t1, PLIC_PENDING; lw t0, 0(t1); srli t0, t0, 8; REC
#define CLAIM li t1, CLAIM0; lw t0, 0(t1); REC
#define COMPLETE li t1, CLAIM0; li t2, UART_IRQ; sw t2, 0(t1)
#define UW(off, val) li t1, val; sb t1, off(s0)
#define UR(off) lbu t0, off(s0); REC

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    la      t0, trap
    csrw    mtvec, t0
    li      s0, UART_BASE
    la      s1, results
    /* Reset values: IIR, LSR, MCR, MSR, IER, LCR, then DLL, DLM. */
    UR(2)                       /* 01 */
    UR(5)                       /* 60 */
    UR(4)                       /* 08 */
    UR(6)                       /* b0 */
    UR(1)                       /* 00 */
    UR(3)                       /* 00 */
    UW(3, 0x80)
    UR(0)                       /* 0c */
    UR(1)                       /* 00 */
    UW(3, 0x03)
    /* PLIC: source 10 priority 1, enabled in context 0, threshold 0. */
    li      t1, PLIC_BASE + 4 * UART_IRQ
    li      t2, 1
    sw      t2, 0(t1)
    li      t1, PLIC_ENABLE
    li      t2, 1 << UART_IRQ
    sw      t2, 0(t1)
    li      t1, PLIC_CONTEXT
    sw      zero, 0(t1)
    PEND                        /* 00 */
    /* Enabling THRI with THR empty raises THRE; reading IIR clears it, but
     * the line's fall leaves the pending bit set (the gateway latches
     * rising reports only). */
    UW(1, 0x02)
    PEND                        /* 04 */
    UR(UART_IIR)                /* 02 */
    PEND                        /* 04 */
    CLAIM                       /* 0a */
    COMPLETE
    UR(UART_IIR)                /* 01 */
    /* A transmission raises THRE again: one claim, and a completion does
     * not make it pending again (the line stays high, unreported). */
    UW(0, 'a')
    PEND                        /* 04 */
    CLAIM                       /* 0a */
    PEND                        /* 00 */
    COMPLETE
    PEND                        /* 00 */
    CLAIM                       /* 00 */
    COMPLETE
    /* A report while claimed: pending, offered after the completion. */
    UW(0, 'b')
    CLAIM                       /* 0a */
    UW(0, 'c')
    PEND                        /* 04 */
    CLAIM                       /* 00 */
    COMPLETE
    CLAIM                       /* 0a */
    COMPLETE
    PEND                        /* 00 */
    /* Disabling THRI lowers the line: the pending bit stays. */
    UW(0, 'd')
    PEND                        /* 04 */
    UW(1, 0)
    PEND                        /* 04 */
    CLAIM                       /* 0a */
    COMPLETE
    /* FIFOs on (and both reset): IIR shows 0xc0; the transmitter reset
     * sets THRE, seen once THRI is enabled. */
    UW(2, 0x07)
    UR(UART_IIR)                /* c1 */
    UW(1, 0x02)
    UR(UART_IIR)                /* c2 */
    UR(UART_IIR)                /* c1 */
    UW(1, 0)
    /* Loopback (trigger level 1): MSR mirrors MCR; a byte sent is received. */
    UW(4, 0x1f)
    UR(6)                       /* f0 */
    UW(1, 0x01)
    UW(0, 'z')
    UR(5)                       /* 61 */
    UR(UART_IIR)                /* c4 */
    PEND                        /* 04 */
    UR(0)                       /* 7a */
    UR(UART_IIR)                /* c1 */
    UR(5)                       /* 60 */
    CLAIM                       /* 0a: a fallen line leaves the pending bit set */
    COMPLETE
    /* FIFOs off: a second byte over an unread one is an overrun (RLS
     * first), which reading LSR clears. */
    UW(2, 0x00)
    UW(1, 0x05)
    UW(0, '1')
    UW(0, '2')
    UR(UART_IIR)                /* 06 */
    UR(5)                       /* 63 */
    UR(5)                       /* 61 */
    UR(UART_IIR)                /* 04 */
    UR(0)                       /* 32 */
    UR(UART_IIR)                /* 01 */
    UW(1, 0)
    UW(4, 0x08)
    UW(7, 0x5a)
    UR(7)                       /* 5a */
    /* PLIC registers: priority and threshold modulo 8; source 0's
     * priority reads 0, its enable bit is kept. */
    li      t1, PLIC_BASE + 4 * UART_IRQ
    li      t2, 9
    sw      t2, 0(t1)
    lw      t0, 0(t1)
    REC                         /* 01 */
    li      t1, PLIC_BASE
    li      t2, 7
    sw      t2, 0(t1)
    lw      t0, 0(t1)
    REC                         /* 00 */
    li      t1, PLIC_ENABLE
    li      t2, -1
    sw      t2, 0(t1)
    lw      t0, 0(t1)
    REC                         /* ff */
    li      t2, 1 << UART_IRQ
    sw      t2, 0(t1)
    li      t1, PLIC_CONTEXT
    li      t2, 15
    sw      t2, 0(t1)
    lw      t0, 0(t1)
    REC                         /* 07 */
    sw      zero, 0(t1)
    /* A completion while the context has the source disabled still ends
     * the claim. */
    UW(1, 0x02)
    CLAIM                       /* 0a */
    li      t1, PLIC_ENABLE
    sw      zero, 0(t1)
    COMPLETE
    li      t1, PLIC_ENABLE
    li      t2, 1 << UART_IRQ
    sw      t2, 0(t1)
    UW(1, 0)
    UW(1, 0x02)
    CLAIM                       /* 0a */
    COMPLETE
    UW(1, 0)
    /* A byte access to the PLIC is an access fault (mcause 5). */
    li      s2, -1
    li      t1, PLIC_BASE + 4 * UART_IRQ
    lb      t0, 0(t1)
    mv      t0, s2
    REC                         /* 05 */

    /* Print the observations. */
    li      t0, '\n'
    sb      t0, 0(s0)
    la      s3, results
1:  bgeu    s3, s1, 2f
    lbu     t0, 0(s3)
    srli    t1, t0, 4
    call    hexdigit
    andi    t1, t0, 15
    call    hexdigit
    li      t1, ' '
    sb      t1, 0(s0)
    addi    s3, s3, 1
    j       1b
2:  li      t0, '\n'
    sb      t0, 0(s0)
    EXIT_PASS
3:  j       3b

HEXDIGIT_FUNCTION

    .align 2
trap:
    csrr    s2, mcause
    csrr    t2, mepc
    addi    t2, t2, 4
    csrw    mepc, t2
    mret

park:
    wfi
    j       park

    .data
results:
    .space  128
