/* A bare-metal virtio-blk driver (virtio-mmio version 2, slot 0): feature
 * negotiation (VERSION_1, INDIRECT_DESC, EVENT_IDX, BLK_SIZE, FLUSH), one
 * split virtqueue of 8 entries, completion by the used-ring interrupt
 * through the PLIC (source 1, hart 0's M context) with event index. It
 *   writes 2 sectors at sector 1 (direct descriptors),
 *   writes 1 sector at sector 5 (an indirect table),
 *   flushes, reads sector 2 back and compares, asks for the serial (GET_ID),
 *   reads past the end of the disk (which must fail with IOERR),
 * prints what it saw and powers off. */
#include "board.h"
#include "virtio.h"

/* Request header: type, sector. */
#define HEADER(type, sector)                    \
    la t0, hdr;                                 \
    li t1, type;                                \
    sw t1, 0(t0);                               \
    sw zero, 4(t0);                             \
    li t1, sector;                              \
    sd t1, 8(t0)

/* A request of `type` at `sector` with one data buffer `label` of `len`
 * bytes (`dflags`: F_WRITE for data the device fills), then the status byte;
 * submitted, and its status printed. */
#define REQUEST(type, sector, label, len, dflags) \
    HEADER(type, sector);                       \
    DESC(desc, 0, hdr, 16, F_NEXT, 1);          \
    DESC(desc, 1, label, len, F_NEXT | (dflags), 2); \
    DESC(desc, 2, status, 1, F_WRITE, 0);       \
    call submit;                                \
    PRINT_STATUS

/* Print the status byte of the last request as a digit, then a space. */
#define PRINT_STATUS                            \
    la t0, status;                              \
    lbu t1, 0(t0);                              \
    addi t1, t1, '0';                           \
    li t0, UART_BASE;                           \
    sb t1, 0(t0);                               \
    li t1, ' ';                                 \
    sb t1, 0(t0)

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    la      t0, trap
    csrw    mtvec, t0
    li      s0, VIRTIO
    lw      t0, V_MAGIC(s0)
    li      t1, 0x74726976
    bne     t0, t1, fail
    lw      t0, V_VERSION(s0)
    li      t1, 2
    bne     t0, t1, fail
    lw      t0, V_DEVICE_ID(s0)
    bne     t0, t1, fail        /* 2: block device */
    sw      zero, V_STATUS(s0)  /* reset */
    li      t0, 1               /* ACKNOWLEDGE */
    sw      t0, V_STATUS(s0)
    li      t0, 3               /* | DRIVER */
    sw      t0, V_STATUS(s0)
    /* Features: low word INDIRECT_DESC(28) EVENT_IDX(29) FLUSH(9) BLK_SIZE(6), high word VERSION_1(32). */
    sw      zero, V_DEV_FSEL(s0)
    lw      t2, V_DEV_FEAT(s0)
    li      t1, (1 << 28) | (1 << 29) | (1 << 9) | (1 << 6)
    and     t3, t2, t1
    bne     t3, t1, fail        /* the device must offer them */
    sw      zero, V_DRV_FSEL(s0)
    sw      t1, V_DRV_FEAT(s0)
    li      t0, 1
    sw      t0, V_DEV_FSEL(s0)
    lw      t2, V_DEV_FEAT(s0)
    andi    t2, t2, 1
    beqz    t2, fail
    sw      t0, V_DRV_FSEL(s0)
#ifndef NO_VERSION_1
    sw      t0, V_DRV_FEAT(s0)
#endif
    li      t0, 11              /* | FEATURES_OK */
    sw      t0, V_STATUS(s0)
    lw      t0, V_STATUS(s0)
    andi    t0, t0, 8
    beqz    t0, fail
    /* Queue 0. */
    sw      zero, V_QSEL(s0)
    lw      t0, V_QNUM_MAX(s0)
    li      t1, QSIZE
    bltu    t0, t1, fail
    sw      t1, V_QNUM(s0)
    QUEUE_ADDRS(desc, avail, used)
    li      t0, 1
    sw      t0, V_QREADY(s0)
    li      t0, 15              /* | DRIVER_OK */
    sw      t0, V_STATUS(s0)
    /* PLIC: source 1 (slot 0) priority 1, enabled for context 0 (hart 0 M). */
    li      t0, PLIC_BASE + 4
    li      t1, 1
    sw      t1, 0(t0)
    li      t0, PLIC_ENABLE
    li      t1, 1 << 1
    sw      t1, 0(t0)
    li      t0, PLIC_CONTEXT
    sw      zero, 0(t0)
    li      t0, 1 << 11         /* MEIE; mstatus.MIE stays 0: WFI wakes, no trap */
    csrw    mie, t0

    PUTS(msg_cap)
    ld      a0, V_CONFIG(s0)    /* capacity in sectors */
    call    print_hex
    PUTS(msg_bs)
    lw      a0, V_CONFIG+20(s0) /* blk_size */
    call    print_hex
    PUTS(nl)

    /* Data: data1[i] = 7i + 3, data2[i] = 0xa5. */
    la      t0, data1
    li      t1, 0
1:  li      t2, 7
    mul     t2, t2, t1
    addi    t2, t2, 3
    add     t3, t0, t1
    sb      t2, 0(t3)
    addi    t1, t1, 1
    li      t2, 1024
    bltu    t1, t2, 1b
    la      t0, data2
    li      t1, 512
    li      t2, 0xa5
2:  sb      t2, 0(t0)
    addi    t0, t0, 1
    addi    t1, t1, -1
    bnez    t1, 2b

    PUTS(msg_st)
    /* 1. OUT, sector 1, 1024 bytes, direct. */
    REQUEST(1, 1, data1, 1024, 0)
    /* 2. OUT, sector 5, 512 bytes, through an indirect table. */
    HEADER(1, 5)
    DESC(itable, 0, hdr, 16, F_NEXT, 1)
    DESC(itable, 1, data2, 512, F_NEXT, 2)
    DESC(itable, 2, status, 1, F_WRITE, 0)
    DESC(desc, 0, itable, 48, F_INDIRECT, 0)
    call    submit
    PRINT_STATUS
    /* 3. FLUSH. */
    HEADER(4, 0)
    DESC(desc, 0, hdr, 16, F_NEXT, 1)
    DESC(desc, 1, status, 1, F_WRITE, 0)
    call    submit
    PRINT_STATUS
    /* 4. IN, sector 2, 512 bytes: the second half of data1. */
    REQUEST(0, 2, readback, 512, F_WRITE)
    la      t0, readback
    la      t1, data1 + 512
    li      t2, 512
3:  lbu     t3, 0(t0)
    lbu     t4, 0(t1)
    bne     t3, t4, fail
    addi    t0, t0, 1
    addi    t1, t1, 1
    addi    t2, t2, -1
    bnez    t2, 3b
    /* 5. GET_ID, 20 bytes. */
    REQUEST(8, 0, serial, 20, F_WRITE)
    /* 6. IN past the end of the disk: IOERR (1). */
    REQUEST(0, 0x100000, readback, 512, F_WRITE)
    PUTS(nl)
    PUTS(msg_id)
    PUTS(serial)
    PUTS(nl)
    PUTS(msg_irq)
    la      t0, irqs
    ld      a0, 0(t0)
    call    print_hex
    PUTS(nl)
    EXIT_PASS

/* Make chain 0 available, notify, sleep until the used-ring interrupt, claim
 * it from the PLIC (it must be source 1), acknowledge, complete. */
submit:
    la      t0, avail
    lhu     t1, 2(t0)           /* avail idx */
    andi    t2, t1, QSIZE - 1
    slli    t2, t2, 1
    add     t2, t2, t0
    sh      zero, 4(t2)         /* ring[idx % QSIZE] = head 0 */
    sh      t1, 4 + 2 * QSIZE(t0) /* used_event = idx: interrupt when this one is used */
    addi    t1, t1, 1
    fence   rw, rw
    sh      t1, 2(t0)
    fence   rw, rw
    sw      zero, V_NOTIFY(s0)
1:  la      t3, used
    lhu     t3, 2(t3)
    beq     t3, t1, 2f
    wfi
    j       1b
2:  /* The interrupt: pending at the PLIC, claimed, acknowledged at the device. */
    li      t3, PLIC_CONTEXT + 4
    lw      t4, 0(t3)
    li      t5, 1
    bne     t4, t5, fail
    lw      t5, V_ISTATUS(s0)
    andi    t6, t5, 1
    beqz    t6, fail
    sw      t5, V_IACK(s0)
    sw      t4, 0(t3)           /* complete */
    la      t3, irqs
    ld      t4, 0(t3)
    addi    t4, t4, 1
    sd      t4, 0(t3)
    ret

/* Print a0 in hex (no leading zeros). Clobbers t0-t3. */
print_hex:
    li      t0, UART_BASE
    li      t1, 60
    li      t3, 0               /* printed a digit yet */
1:  srl     t2, a0, t1
    andi    t2, t2, 15
    bnez    t2, 2f
    bnez    t3, 2f
    bnez    t1, 4f
2:  li      t3, 1
    addi    t2, t2, '0'
    li      t4, '9'
    ble     t2, t4, 3f
    addi    t2, t2, 'a' - '9' - 1
3:  sb      t2, 0(t0)
4:  addi    t1, t1, -4
    bgez    t1, 1b
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
msg_cap: .asciz "capacity 0x"
msg_bs:  .asciz " sectors, blk_size 0x"
msg_st:  .asciz "status: "
msg_id:  .asciz "serial: "
msg_irq: .asciz "interrupts: 0x"
nl:      .asciz "\n"
    .align 3
irqs:    .dword 0
serial:  .space 24
status:  .byte 0xff
    .align 4
hdr:     .space 16
itable:  .space 48
    .align 12
desc:    .space 16 * QSIZE
    .align 2
avail:   .space 4 + 2 * QSIZE + 2
    .align 2
used:    .space 4 + 8 * QSIZE + 2
    .align 4
data1:   .space 1024
data2:   .space 512
readback: .space 512
