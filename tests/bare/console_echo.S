/* A polled console program for the console tests: prints "prompt> "
 * without a newline, then shows each received byte in hex (and a space)
 * until it receives 'q', then prints a newline and powers off. It never
 * waits in WFI, so only prompt flushing can put the prompt on screen. */
#include "board.h"

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    li      s0, UART_BASE
    PUTS(prompt)
1:  lbu     t0, 5(s0)           /* LSR.DR */
    andi    t0, t0, 1
    beqz    t0, 1b
    lbu     s1, 0(s0)
    srli    t1, s1, 4
    call    hexdigit
    andi    t1, s1, 15
    call    hexdigit
    li      t1, ' '
    sb      t1, 0(s0)
    li      t1, 'q'
    bne     s1, t1, 1b
    li      t1, '\n'
    sb      t1, 0(s0)
    EXIT_PASS
2:  j       2b

HEXDIGIT_FUNCTION

park:
    wfi
    j       park

    .data
prompt: .asciz "prompt> "
