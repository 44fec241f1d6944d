/* HTIF in the Spike convention (no board devices used): print a line
 * through the syscall proxy (write, 64), then exit with status 7 by
 * writing (7 << 1) | 1 to tohost. */
    .section .text.init
    .globl _start
_start:
    la      a0, magic
    li      t0, 64                       /* SYS_write */
    sd      t0, 0(a0)
    li      t0, 1                        /* stdout */
    sd      t0, 8(a0)
    la      t0, message
    sd      t0, 16(a0)
    la      t0, message_end
    la      t3, message
    sub     t0, t0, t3
    sd      t0, 24(a0)
    fence
    la      t1, tohost
    sd      a0, 0(t1)
    la      t2, fromhost
1:  ld      t0, 0(t2)                    /* wait for the host's answer */
    beqz    t0, 1b
    sd      zero, 0(t2)
    ld      t0, 0(a0)                    /* the result: bytes written */
    ld      t3, 24(a0)
    bne     t0, t3, fail
    li      t0, (7 << 1) | 1
    sd      t0, 0(t1)
2:  j       2b
fail:
    li      t0, (1 << 1) | 1
    sd      t0, 0(t1)
3:  j       3b

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
    .size   tohost, 8
tohost:
    .dword  0
    .align 6
    .globl fromhost
    .size   fromhost, 8
fromhost:
    .dword  0

    .data
    .align 6
magic:
    .fill   8, 8, 0
message:
    .ascii  "hello through HTIF\n"
message_end:
