/* Helpers of the self-checking ISA programs (isa_*.S). Each check has a
 * number; the first failing one ends the run with EXIT_FAIL(number), all
 * passing ends it with EXIT_PASS. Register conventions: gp = number of the
 * current check, s11 = mcause of the last trap (-1: none), s10 = its mtval.
 * The trap handler skips the trapping instruction (2 or 4 bytes) and
 * returns to the mode that trapped, except that an ecall from S or U mode
 * returns to M-mode (ENTER_M); it clobbers t2. */
#include "board.h"

/* Install the trap handler and open all memory to S and U mode through PMP
 * (QEMU denies S/U accesses that match no PMP entry). */
#define CHECK_INIT                  \
    la      t0, check_trap;         \
    csrw    mtvec, t0;              \
    li      t0, -1;                 \
    csrw    pmpaddr0, t0;           \
    li      t0, 0x1f;               \
    csrw    pmpcfg0, t0;            \
    li      s11, -1

/* Fail with check n unless reg == value (any 64-bit constant). Clobbers t2. */
#define CHECK(n, reg, value)        \
    li      gp, n;                  \
    li      t2, value;              \
    bne     reg, t2, check_fail

/* Fail with check n unless registers a and b are equal. */
#define CHECK_EQ(n, a, b)           \
    li      gp, n;                  \
    bne     a, b, check_fail

/* Fail with check n unless the last instruction trapped with mcause `cause`;
 * then forget the trap. Clobbers t2. */
#define CHECK_TRAP(n, cause)        \
    li      gp, n;                  \
    li      t2, cause;              \
    bne     s11, t2, check_fail;    \
    li      s11, -1

/* Fail with check n if anything trapped since the last CHECK_TRAP. */
#define CHECK_NO_TRAP(n) CHECK_TRAP(n, -1)

/* fflags must equal `flags`; then clear them. Clobbers t1, t2. */
#define CHECK_FLAGS(n, flags)       \
    csrrw   t1, fflags, zero;       \
    CHECK(n, t1, flags)

/* Continue at the next instruction in S-mode or U-mode (mret with MPP set).
 * Clobbers t0. */
#define ENTER_S                     \
    li      t0, 3 << 11;            \
    csrc    mstatus, t0;            \
    li      t0, 1 << 11;            \
    csrs    mstatus, t0;            \
    la      t0, 1f;                 \
    csrw    mepc, t0;               \
    mret;                           \
1:

#define ENTER_U                     \
    li      t0, 3 << 11;            \
    csrc    mstatus, t0;            \
    la      t0, 1f;                 \
    csrw    mepc, t0;               \
    mret;                           \
1:

/* Back to M-mode from S or U: an ecall, which the handler turns into a
 * return to M-mode; check n checks it was one. */
#define ENTER_M(n)                  \
    ecall;                          \
    li      gp, n;                  \
    addi    t2, s11, -8;            \
    sltiu   t2, t2, 2;              \
    beqz    t2, check_fail;         \
    li      s11, -1

/* The trap handler and the failure exit; place once, after the checks. */
#define CHECK_END                   \
    EXIT_PASS;                      \
1:  j       1b;                     \
    .align 2;                       \
check_trap:                         \
    csrw    mscratch, t0;           \
    csrr    s11, mcause;            \
    csrr    s10, mtval;             \
    csrr    t0, mepc;               \
    lhu     t2, 0(t0);              \
    andi    t2, t2, 3;              \
    xori    t2, t2, 3;              \
    addi    t0, t0, 2;              \
    bnez    t2, 2f;                 \
    addi    t0, t0, 2;              \
2:  csrw    mepc, t0;               \
    csrr    t2, mcause;             \
    addi    t2, t2, -8;             \
    sltiu   t2, t2, 2;              \
    beqz    t2, 3f;                 \
    li      t2, 3 << 11;            \
    csrs    mstatus, t2;            \
3:  csrr    t0, mscratch;           \
    mret;                           \
check_fail:                         \
    li      t0, TEST_BASE;          \
    slli    t1, gp, 16;             \
    li      t2, TEST_FAIL;          \
    or      t1, t1, t2;             \
    sw      t1, 0(t0);              \
1:  j       1b
