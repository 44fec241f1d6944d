/* Hostile HTIF commands (svemu only: QEMU's virt board has no HTIF).
 * Meant to run with more than 2 GiB of RAM, where a length can exceed the
 * distance from RAM's base to 2^64. Each proxied system call must get its
 * error, and svemu must stay up:
 *   1. write(1, 2^64 - 1 GiB, 3 GiB): the buffer ends at 2^64   -> -EFAULT
 *   2. write(1, RAM's base, 2^64 - 1)                            -> -EFAULT
 *   3. write(7, message, 4): no such descriptor                  -> -EBADF
 *   4. exit (93): not proxied                                    -> -ENOSYS
 *   5. a command of an unknown device is dropped (tohost cleared, no answer)
 *   6. device 1 command 1 prints a byte ('k')
 * Then it prints "htif ok" and exits with status 3; a failed check exits
 * with status 10 + its number. */
#include "board.h"

/* The system call `which` (fd, buf, len) through the proxy; result in a0.
 * Clobbers t0, t1. */
#define SYSCALL(which, fd, buf, len)    \
    li t0, which;                       \
    sd t0, 0(s3);                       \
    li t0, fd;                          \
    sd t0, 8(s3);                       \
    li t0, buf;                         \
    sd t0, 16(s3);                      \
    li t0, len;                         \
    sd t0, 24(s3);                      \
    call proxy

/* Exit with status 10 + n unless a0 == value. */
#define EXPECT(n, value)                \
    li t0, value;                       \
    li a1, n;                           \
    bne a0, t0, fail

    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    la      s1, tohost
    la      s2, fromhost
    la      s3, magic
    SYSCALL(64, 1, 0xffffffffc0000000, 0xc0000000)
    EXPECT(1, -14)
    SYSCALL(64, 1, 0x80000000, -1)
    EXPECT(2, -14)
    SYSCALL(64, 7, 0, 4)
    EXPECT(3, -9)
    SYSCALL(93, 0, 0, 0)
    EXPECT(4, -38)
    /* 5. Device 0x55: dropped; the host still clears tohost. */
    li      t0, 0x55 << 56 | 1234
    sd      t0, 0(s1)
    ld      a0, 0(s1)
    EXPECT(5, 0)
    ld      a0, 0(s2)
    EXPECT(5, 0)
    /* 6. Print 'k' through the console device, wait for its answer. */
    li      t0, 1 << 56 | 1 << 48 | 'k'
    sd      t0, 0(s1)
1:  ld      t0, 0(s2)
    beqz    t0, 1b
    sd      zero, 0(s2)
    PUTS(msg_ok)
    li      t0, (3 << 1) | 1
    sd      t0, 0(s1)
2:  j       2b

/* Hand the system call at magic to the host and wait for its answer; the
 * result in a0. Clobbers t0. */
proxy:
    fence
    sd      s3, 0(s1)
1:  ld      t0, 0(s2)
    beqz    t0, 1b
    sd      zero, 0(s2)
    ld      a0, 0(s3)
    ret

fail:
    addi    a1, a1, 10
    slli    a1, a1, 1
    ori     a1, a1, 1
    sd      a1, 0(s1)
3:  j       3b
park:
    wfi
    j       park

    .section .tohost, "aw", @progbits
    .align 6
    .globl tohost
tohost:
    .dword  0
    .align 6
    .globl fromhost
fromhost:
    .dword  0

    .data
    .align 6
magic:
    .fill   8, 8, 0
msg_ok:
    .asciz  "\nhtif ok\n"
