/* A minimal firmware for --bios: checks what the boot ROM hands over, as
 * QEMU's reset vector does (a0 = mhartid, a1 = the DTB, a2 = struct
 * fw_dynamic_info {magic "OSBI", version 2, next_addr, next_mode 1 (S), ...}),
 * prints next_addr, and jumps there (staying in M-mode, so the next stage
 * can power off directly). Other harts park. */
#include "board.h"

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bne     a0, t0, fail
    bnez    a0, park
    lwu     t0, 0(a1)           /* FDT magic 0xd00dfeed, big-endian */
    li      t1, 0xedfe0dd0
    bne     t0, t1, fail
    ld      t0, 0(a2)
    li      t1, 0x4942534f      /* "OSBI" */
    bne     t0, t1, fail
    ld      t0, 8(a2)
    li      t1, 2
    bne     t0, t1, fail
    ld      t0, 24(a2)
    li      t1, 1
    bne     t0, t1, fail
    PUTS(msg)
    ld      s0, 16(a2)          /* next_addr */
    li      t0, UART_BASE
    li      t1, 60
1:  srl     t2, s0, t1
    andi    t2, t2, 15
    addi    t2, t2, '0'
    li      t3, '9'
    ble     t2, t3, 2f
    addi    t2, t2, 'a' - '9' - 1
2:  sb      t2, 0(t0)
    addi    t1, t1, -4
    bgez    t1, 1b
    li      t2, '\n'
    sb      t2, 0(t0)
    jr      s0
fail:
    EXIT_FAIL(7)
park:
    wfi
    j       park

    .data
msg: .asciz "fw_dynamic next_addr 0x"
