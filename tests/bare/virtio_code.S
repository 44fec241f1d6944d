/* DMA into code that has already run: a virtio-blk read (virtio-mmio
 * version 2, slot 0, polled) of sector 0 over the page holding dma_site,
 * then fence.i and a call: the code the disk held runs. The test's disk
 * image holds `addi a0, zero, 42; ret` at offset 0. */
#include "check.h"
#include "virtio.h"

/* Write `value` to register `reg` of the device. */
#define VSET(reg, value)                 \
    li t0, value;                        \
    sw t0, reg(s0)

    .section .text.init
    .globl _start
_start:
    CHECK_INIT
    /* Run dma_site twice before the DMA, so that its page is decoded
     * (the first fetch from a page may take the ordinary path). */
    call    dma_site
    call    dma_site
    CHECK(1, a0, 1)
    li      s0, VIRTIO
    VSET(V_STATUS, 0)
    VSET(V_STATUS, 1)               /* ACKNOWLEDGE */
    VSET(V_STATUS, 3)               /* | DRIVER */
    VSET(V_DRV_FSEL, 0)
    VSET(V_DRV_FEAT, 0)
    VSET(V_DRV_FSEL, 1)
    VSET(V_DRV_FEAT, 1)             /* VERSION_1 */
    VSET(V_STATUS, 11)              /* | FEATURES_OK */
    lw      t1, V_STATUS(s0)
    andi    t1, t1, 8
    CHECK(2, t1, 8)
    VSET(V_QSEL, 0)
    VSET(V_QNUM, QSIZE)
    QUEUE_ADDRS(desc, avail, used)
    VSET(V_QREADY, 1)
    VSET(V_STATUS, 15)              /* | DRIVER_OK */
    /* IN (type 0), sector 0, 512 bytes into dma_site's page. */
    DESC(desc, 0, hdr, 16, F_NEXT, 1)
    DESC(desc, 1, dma_site, 512, F_NEXT | F_WRITE, 2)
    DESC(desc, 2, status, 1, F_WRITE, 0)
    la      t0, avail
    sh      zero, 4(t0)             /* ring[0] = head 0 */
    li      t1, 1
    fence   rw, rw
    sh      t1, 2(t0)               /* idx = 1 */
    fence   rw, rw
    sw      zero, V_NOTIFY(s0)
    la      t0, used
1:  lhu     t1, 2(t0)
    beqz    t1, 1b
    la      t0, status
    lbu     t1, 0(t0)
    CHECK(3, t1, 0)
    fence.i
    call    dma_site
    CHECK(4, a0, 42)
    CHECK_NO_TRAP(5)
    CHECK_END

    .option push
    .option norvc
    .balign 4096
dma_site:
    addi    a0, zero, 1
    ret
    .balign 4096
    .option pop

    .data
    .balign 16
desc:   .skip 16 * QSIZE
avail:  .skip 6 + 2 * QSIZE
    .balign 4
used:   .skip 6 + 8 * QSIZE
    .balign 8
hdr:    .dword 0, 0                 /* type IN, reserved, sector 0 */
status: .byte 0xff
