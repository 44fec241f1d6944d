/* Reset values and access rules of the CLINT, the sifive_test device and
 * the virtio-mmio transport (slot 0 holds a disk, slot 1 is empty), each
 * observation recorded as a 32-bit word and printed at the end in hex:
 * the same program on svemu and QEMU must print the same line. An access
 * the device refuses is recorded as its mcause (5 load, 7 store access
 * fault); -1 (ffffffff) stands for "no trap". */
#include "board.h"
#include "virtio.h"

#define TEST_REG TEST_BASE

/* Record t0's low 32 bits. */
#define REC sw t0, 0(s1); addi s1, s1, 4
/* Record the cause of the trap the last access took (-1: none). */
#define REC_TRAP mv t0, s2; REC; li s2, -1

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    la      t0, trap
    csrw    mtvec, t0
    li      s2, -1
    la      s1, results
    /* CLINT: msip reads 0, takes bit 0 only; mtimecmp's halves. */
    li      s0, CLINT_BASE
    lw      t0, 0(s0)
    REC                         /* 00000000 */
    li      t1, 0xff
    sw      t1, 0(s0)
    lw      t0, 0(s0)
    REC                         /* 00000001 */
    csrr    t0, mip
    andi    t0, t0, 8
    REC                         /* 00000008: MSIP follows */
    sw      zero, 0(s0)
    csrr    t0, mip
    andi    t0, t0, 8
    REC                         /* 00000000 */
    li      s0, CLINT_MTIMECMP
    li      t1, -1
    sd      t1, 0(s0)
    li      t1, 0x12345678
    sw      t1, 0(s0)
    ld      t0, 0(s0)
    REC                         /* 12345678 */
    lw      t0, 4(s0)
    REC                         /* ffffffff */
    csrr    t0, mip
    andi    t0, t0, 0x80
    REC                         /* 00000000: mtime is below mtimecmp */
    sd      zero, 0(s0)
    csrr    t0, mip
    andi    t0, t0, 0x80
    REC                         /* 00000080: MTIP once mtimecmp <= mtime */
    li      t1, -1
    sd      t1, 0(s0)
    /* mtime goes forward. */
    li      s0, CLINT_MTIME
    ld      t1, 0(s0)
    li      t2, 10000
1:  addi    t2, t2, -1
    bnez    t2, 1b
    ld      t0, 0(s0)
    sltu    t0, t1, t0
    REC                         /* 00000001 */
    /* sifive_test: reads 0; 16- and 32-bit accesses only; other values ignored. */
    li      s0, TEST_REG
    lw      t0, 0(s0)
    REC                         /* 00000000 */
    REC_TRAP                    /* ffffffff */
    lb      t0, 0(s0)
    REC_TRAP                    /* 00000005 */
    li      t1, 0x1234
    sw      t1, 0(s0)
    REC_TRAP                    /* ffffffff: ignored, still running */
    /* virtio-mmio slot 0 (a disk) after reset, and the empty slot 1. */
    li      s0, VIRTIO
    lw      t0, V_MAGIC(s0)
    REC                         /* 74726976 */
    lw      t0, V_VERSION(s0)
    REC                         /* 00000002 */
    lw      t0, V_DEVICE_ID(s0)
    REC                         /* 00000002 */
    lw      t0, 0xc(s0)
    REC                         /* 554d4551: VendorID */
    lw      t0, V_STATUS(s0)
    REC                         /* 00000000 */
    lw      t0, V_ISTATUS(s0)
    REC                         /* 00000000 */
    sw      zero, V_QSEL(s0)
    lw      t0, V_QNUM_MAX(s0)
    REC                         /* 00000100 */
    lw      t0, V_QREADY(s0)
    REC                         /* 00000000 */
    lw      t0, 0xfc(s0)
    REC                         /* 00000000: ConfigGeneration */
    lb      t0, V_MAGIC(s0)
    REC                         /* 00000000: narrow register reads read 0 */
    REC_TRAP                    /* ffffffff */
    lw      t0, V_CONFIG(s0)
    REC                         /* 00002000: capacity (4 MiB, low word) */
    li      t1, 3
    sw      t1, V_STATUS(s0)
    lw      t0, V_STATUS(s0)
    REC                         /* 00000003 */
    sw      zero, V_STATUS(s0)
    lw      t0, V_STATUS(s0)
    REC                         /* 00000000: reset */
    li      s0, VIRTIO + 0x1000
    lw      t0, V_MAGIC(s0)
    REC                         /* 74726976 */
    lw      t0, V_DEVICE_ID(s0)
    REC                         /* 00000000 */
    lw      t0, V_QNUM_MAX(s0)
    REC                         /* 00000000 */

    /* Print the words. */
    la      s3, results
    li      s0, UART_BASE
1:  bgeu    s3, s1, 3f
    lwu     s4, 0(s3)
    li      s5, 28
2:  srl     t1, s4, s5
    andi    t1, t1, 15
    call    hexdigit
    addi    s5, s5, -4
    bgez    s5, 2b
    li      t1, ' '
    sb      t1, 0(s0)
    addi    s3, s3, 4
    j       1b
3:  li      t0, '\n'
    sb      t0, 0(s0)
    EXIT_PASS
4:  j       4b

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
    .align 3
results:
    .space  256
