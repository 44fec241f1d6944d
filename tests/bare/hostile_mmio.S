/* Hostile accesses to the board's devices, self-checking (check.h): every
 * access below must leave the machine running with the result QEMU gives.
 *   PLIC: the priority of source 1023 (no such source) reads 0 and ignores
 *     writes; enables and claims of context 100 (no such hart) read 0;
 *     a threshold of 0xffffffff keeps only the priority bits (7).
 *   CLINT: msip and mtimecmp of hart 7 (no such hart) read 0 and ignore
 *     writes; the unused space reads 0.
 *   UART: the scratch register keeps a byte; a receive-buffer read with
 *     nothing received reads 0.
 *   sifive_test: values that are neither pass (0x5555), fail (0x3333) nor
 *     reset (0x7777), and writes at other offsets, are ignored.
 *   Nothing behind an address (between the devices, past the PLIC, far
 *   beyond RAM): loads and stores raise access faults (5 and 7).
 * Ends with pass: the program survived all of it. */
#include "check.h"

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    CHECK_INIT

    /* PLIC. */
    li      s0, PLIC_BASE
    li      t1, 0xffc               /* priority of source 1023 */
    add     t1, s0, t1
    li      t0, 7
    sw      t0, 0(t1)
    lw      a0, 0(t1)
    CHECK(1, a0, 0)
    CHECK_NO_TRAP(2)
    li      t1, PLIC_ENABLE + 100 * 0x80
    li      t0, -1
    sw      t0, 0(t1)
    lw      a0, 0(t1)
    CHECK(3, a0, 0)
    li      t1, PLIC_CONTEXT + 100 * 0x1000 + 4
    lw      a0, 0(t1)               /* claim of context 100 */
    CHECK(4, a0, 0)
    li      t1, PLIC_CONTEXT
    li      t0, -1
    sw      t0, 0(t1)               /* threshold of context 0 */
    lw      a0, 0(t1)
    CHECK(5, a0, 7)
    sw      zero, 0(t1)
    CHECK_NO_TRAP(6)

    /* CLINT. */
    li      t1, CLINT_BASE + 4 * 7  /* msip of hart 7 */
    li      t0, 1
    sw      t0, 0(t1)
    lw      a0, 0(t1)
    CHECK(7, a0, 0)
    li      t1, CLINT_MTIMECMP + 8 * 7
    li      t0, 1
    sd      t0, 0(t1)
    ld      a0, 0(t1)
    CHECK(8, a0, 0)
    li      t1, CLINT_BASE + 0x8000  /* nothing there */
    ld      a0, 0(t1)
    CHECK(9, a0, 0)
    CHECK_NO_TRAP(10)

    /* UART. */
    li      t1, UART_BASE
    li      t0, 0xa5
    sb      t0, 7(t1)               /* scratch */
    lbu     a0, 7(t1)
    CHECK(11, a0, 0xa5)
    lbu     a0, 0(t1)               /* RBR, nothing received */
    CHECK(12, a0, 0)
    CHECK_NO_TRAP(13)

    /* sifive_test: odd values and offsets are ignored. */
    li      t1, TEST_BASE
    li      t0, 0x5556
    sw      t0, 0(t1)
    li      t0, 0x1234
    sw      t0, 0(t1)
    li      t0, 0x5555
    sw      t0, 8(t1)
    li      t0, 0x3333
    sw      t0, 0x100(t1)
    CHECK_NO_TRAP(14)

    /* Nothing behind these addresses: access faults, and the hart goes on. */
    li      t1, 0x10200000          /* between the devices and the flash */
    lw      a0, 0(t1)
    CHECK_TRAP(15, 5)
    sw      a0, 0(t1)
    CHECK_TRAP(16, 7)
    li      t1, 0x0c800000          /* past the PLIC */
    lw      a0, 0(t1)
    CHECK_TRAP(17, 5)
    li      t1, 0x4000000000        /* far beyond RAM */
    ld      a0, 0(t1)
    CHECK_TRAP(18, 5)
    li      t1, -8                  /* the last bytes of the address space */
    sd      a0, 0(t1)
    CHECK_TRAP(19, 7)

    CHECK_END

park:
    wfi
    j       park
