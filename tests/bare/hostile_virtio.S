/* A hostile virtio-blk driver (slot 0): each case sets the device up,
 * breaks one ring rule, notifies, and prints its letter and whether the
 * device then asks for a reset (DEVICE_NEEDS_RESET, status bit 6: 1) or
 * not (0). The device must survive each: after a reset and a correct
 * set-up a read of sector 0 completes with status 0 (printed last).
 *   L  a descriptor chain that loops (0 -> 1 -> 0)
 *   I  a next index beyond the queue (200 of 8)
 *   O  a data buffer outside RAM (0x2_0000_0000)
 *   H  a data buffer of 0xfffffff0 bytes from RAM's base
 *   T  a data buffer at 0xffff_ffff_ffff_f000 of 8 KiB (past 2^64)
 *   W  a data buffer at 2^64 - 1 GiB of 3 GiB (ends exactly at 2^64: with
 *      more than 2 GiB of RAM, svemu's range check used to wrap)
 *   R  a descriptor table outside RAM (0x2_0000_0000)
 *   N  an indirect table that refers to an indirect table
 *   X  an indirect table of 20 bytes (not whole descriptors)
 *   A  the available index moved by 100 in a queue of 8
 * Polls (no interrupts), so it runs the same on QEMU, where requests
 * complete asynchronously. */
#include "board.h"
#include "virtio.h"

#define FEAT_INDIRECT   (1 << 28)

/* Print the character c. Clobbers t0, t1. */
#define PUTC(c)                                 \
    li t0, UART_BASE;                           \
    li t1, c;                                   \
    sb t1, 0(t0)

/* Descriptor i of `table`: address and length given as constants. */
#define DESC_RAW(table, i, addr, len, flags, next) \
    la t0, table + 16 * (i);                    \
    li t1, addr;                                \
    sd t1, 0(t0);                               \
    li t1, len;                                 \
    sw t1, 8(t0);                               \
    li t1, flags;                               \
    sh t1, 12(t0);                              \
    li t1, next;                                \
    sh t1, 14(t0)

/* A case: set up with features `feat` (low word), run `body`, kick, print
 * the letter and the NEEDS_RESET bit. */
#define CASE(letter, feat, body)                \
    li a0, feat;                                \
    call setup;                                 \
    call header;                                \
    body;                                       \
    li a1, 1;                                   \
    call kick;                                  \
    PUTC(letter);                               \
    call print_reset

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    la      t0, trap
    csrw    mtvec, t0
    li      s0, VIRTIO
    lw      t0, V_DEVICE_ID(s0)
    li      t1, 2
    bne     t0, t1, fail

    CASE('L', 0, DESC(desc, 0, hdr, 16, F_NEXT, 1); DESC(desc, 1, data, 512, F_NEXT, 0))
    CASE('I', 0, DESC(desc, 0, hdr, 16, F_NEXT, 200))
    CASE('O', 0, DESC(desc, 0, hdr, 16, F_NEXT, 1); DESC_RAW(desc, 1, 0x200000000, 512, F_NEXT | F_WRITE, 2); DESC(desc, 2, status, 1, F_WRITE, 0))
    CASE('H', 0, DESC(desc, 0, hdr, 16, F_NEXT, 1); DESC_RAW(desc, 1, 0x80000000, 0xfffffff0, F_NEXT | F_WRITE, 2); DESC(desc, 2, status, 1, F_WRITE, 0))
    CASE('T', 0, DESC(desc, 0, hdr, 16, F_NEXT, 1); DESC_RAW(desc, 1, 0xfffffffffffff000, 0x2000, F_NEXT | F_WRITE, 2); DESC(desc, 2, status, 1, F_WRITE, 0))
    CASE('W', 0, DESC(desc, 0, hdr, 16, F_NEXT, 1); DESC_RAW(desc, 1, 0xffffffffc0000000, 0xc0000000, F_NEXT | F_WRITE, 2); DESC(desc, 2, status, 1, F_WRITE, 0))
    /* R: the table address is set by setup_rings_outside below. */
    li      a0, 0
    call    setup_rings_outside
    li      a1, 1
    call    kick
    PUTC('R')
    call    print_reset
    CASE('N', FEAT_INDIRECT, DESC(itable, 0, itable, 16, F_INDIRECT, 0); DESC(desc, 0, itable, 16, F_INDIRECT, 0))
    CASE('X', FEAT_INDIRECT, DESC(desc, 0, itable, 20, F_INDIRECT, 0))
    /* A: the available index jumps by 100. */
    li      a0, 0
    call    setup
    call    header
    DESC(desc, 0, hdr, 16, F_NEXT, 1)
    DESC(desc, 1, status, 1, F_WRITE, 0)
    li      a1, 100
    call    kick
    PUTC('A')
    call    print_reset

    /* Still alive: a correct read of sector 0. */
    li      a0, 0
    call    setup
    call    header
    DESC(desc, 0, hdr, 16, F_NEXT, 1)
    DESC(desc, 1, data, 512, F_NEXT | F_WRITE, 2)
    DESC(desc, 2, status, 1, F_WRITE, 0)
    li      a1, 1
    call    kick
    PUTS(msg_ok)
    la      t0, status
    lbu     t1, 0(t0)
    addi    t1, t1, '0'
    li      t0, UART_BASE
    sb      t1, 0(t0)
    PUTC('\n')
    EXIT_PASS

/* Reset the device and set it up: features VERSION_1 and a0 (low word),
 * queue 0 of QSIZE entries at desc/avail/used, DRIVER_OK. Clears the
 * rings. Clobbers t0-t3. */
setup:
    mv      t3, ra
    call    negotiate
    QUEUE_ADDRS(desc, avail, used)
    li      t0, 1
    sw      t0, V_QREADY(s0)
    li      t0, 15
    sw      t0, V_STATUS(s0)
    mv      ra, t3
    ret

/* As setup, with the descriptor table at 0x2_0000_0000 (outside RAM). */
setup_rings_outside:
    mv      t3, ra
    call    negotiate
    QUEUE_ADDRS(desc, avail, used)
    sw      zero, V_QDESC(s0)
    li      t0, 2
    sw      t0, V_QDESC + 4(s0)
    li      t0, 1
    sw      t0, V_QREADY(s0)
    li      t0, 15
    sw      t0, V_STATUS(s0)
    mv      ra, t3
    ret

/* Reset, acknowledge, negotiate VERSION_1 | a0, select queue 0 of QSIZE,
 * clear the rings. Clobbers t0-t2. */
negotiate:
    sw      zero, V_STATUS(s0)
    li      t0, 1
    sw      t0, V_STATUS(s0)
    li      t0, 3
    sw      t0, V_STATUS(s0)
    sw      zero, V_DRV_FSEL(s0)
    sw      a0, V_DRV_FEAT(s0)
    li      t0, 1
    sw      t0, V_DRV_FSEL(s0)
    sw      t0, V_DRV_FEAT(s0)
    li      t0, 11
    sw      t0, V_STATUS(s0)
    sw      zero, V_QSEL(s0)
    li      t0, QSIZE
    sw      t0, V_QNUM(s0)
    la      t0, avail
    la      t1, used_end
1:  sd      zero, 0(t0)
    addi    t0, t0, 8
    bltu    t0, t1, 1b
    ret

/* An IN request header for sector 0, status 0xff. Clobbers t0, t1. */
header:
    la      t0, hdr
    sw      zero, 0(t0)
    sw      zero, 4(t0)
    sd      zero, 8(t0)
    la      t0, status
    li      t1, 0xff
    sb      t1, 0(t0)
    ret

/* Make head 0 available, moving the available index by a1, notify, and
 * wait until the device used it or asks for a reset (at most ~1M polls).
 * Clobbers t0-t4. */
kick:
    la      t0, avail
    sh      zero, 4(t0)         /* ring[0] = head 0 */
    fence   rw, rw
    sh      a1, 2(t0)           /* idx = a1 */
    fence   rw, rw
    sw      zero, V_NOTIFY(s0)
    li      t4, 1000000
1:  la      t2, used
    lhu     t2, 2(t2)
    bnez    t2, 2f
    lw      t2, V_STATUS(s0)
    andi    t2, t2, 0x40
    bnez    t2, 2f
    addi    t4, t4, -1
    bnez    t4, 1b
2:  fence   rw, rw
    ret

/* Print a space-separated digit: 1 if the device asks for a reset. */
print_reset:
    lw      t2, V_STATUS(s0)
    srli    t2, t2, 6
    andi    t2, t2, 1
    addi    t2, t2, '0'
    li      t0, UART_BASE
    sb      t2, 0(t0)
    li      t1, ' '
    sb      t1, 0(t0)
    ret

fail:
    EXIT_FAIL(5)
park:
    wfi
    j       park
    .align 2
trap:
    EXIT_FAIL(6)

    .data
msg_ok: .asciz "read "
status: .byte 0xff
    .align 4
hdr:    .space 16
itable: .space 64
    .align 12
desc:   .space 16 * QSIZE
    .align 3
avail:  .space 4 + 2 * QSIZE + 2
    .align 3
used:   .space 4 + 8 * QSIZE + 2
    .align 3
used_end:
    .align 9
data:   .space 512
