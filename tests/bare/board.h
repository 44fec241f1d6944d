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
