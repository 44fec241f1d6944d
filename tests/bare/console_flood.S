/* Prints "line\n" forever and never powers off: the console tests end it
 * with --end-on-output, a signal, or a console that stops taking output. */
#include "board.h"

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
1:  PUTS(text)
    j       1b
park:
    wfi
    j       park

    .data
text:   .asciz "line\n"
