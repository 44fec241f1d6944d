/* Board addresses and small macros shared by the bare-metal test programs
 * (QEMU virt layout, as svemu emulates it). */
#define UART_BASE   0x10000000
#define TEST_BASE   0x100000
#define TEST_PASS   0x5555
#define TEST_FAIL   0x3333

/* Power off through sifive_test with exit status 0. Clobbers t0, t1. */
#define EXIT_PASS        \
    li t0, TEST_BASE;    \
    li t1, TEST_PASS;    \
    sw t1, 0(t0)

/* Power off with exit status `code` (1..=65535). Clobbers t0, t1. */
#define EXIT_FAIL(code)                         \
    li t0, TEST_BASE;                           \
    li t1, ((code) << 16) | TEST_FAIL;          \
    sw t1, 0(t0)

#define CLINT_BASE      0x2000000
#define CLINT_MTIMECMP  0x2004000
#define CLINT_MTIME     0x200bff8
#define PLIC_BASE       0x0c000000
#define PLIC_PENDING    0x0c001000
#define PLIC_ENABLE     0x0c002000   /* + 0x80 * context */
#define PLIC_CONTEXT    0x0c200000   /* + 0x1000 * context: threshold, +4 claim */
#define UART_IRQ        10

/* Print the NUL-terminated string at `label` on the UART. Clobbers t0-t2. */
#define PUTS(label)                             \
    la t0, label;                               \
    li t1, UART_BASE;                           \
99: lbu t2, 0(t0);                              \
    beqz t2, 98f;                               \
    sb t2, 0(t1);                               \
    addi t0, t0, 1;                             \
    j 99b;                                      \
98:

/* The routine `hexdigit`: print t1 (0..15) as one lower-case hex digit on
 * the UART whose base is in s0. Clobbers t1, t2. Expand once per program. */
#define HEXDIGIT_FUNCTION                       \
hexdigit:                                       \
    li t2, 10;                                  \
    bltu t1, t2, 97f;                           \
    addi t1, t1, 'a' - 10 - '0';                \
97: addi t1, t1, '0';                           \
    sb t1, 0(s0);                               \
    ret
