/* Shared parts of the privileged test programs (priv_*.S): PTE bits, macros
 * that build page tables at run time, a machine-mode trap handler that
 * records each trap, and checks that power off with EXIT_FAIL(n) when a
 * rule is not followed.
 *
 * Conventions: t5 and t6 belong to the trap handler; s11 holds the M-mode
 * address to come back to after an `ecall` from S or U (see `run`). The
 * handler records mcause, mtval and mepc in `last_cause`, `last_tval`,
 * `last_epc` (ecalls from S and U are not recorded), then resumes: after the faulting instruction (mepc + 4: keep
 * faulting instructions 4 bytes long, `.option norvc`), at `ra` for fetch
 * faults (so reach a fetch target with `jalr ra`), or at s11 in M-mode for
 * an ecall from S or U. Instructions are 32-bit everywhere (norvc). */
#include "board.h"

#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)
#define PTE_G (1 << 5)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)
#define PTE_RWX_AD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

#define SATP_SV39 (8 << 60)
#define SATP_SV48 (9 << 60)

#define MSTATUS_MPP (3 << 11)
#define MSTATUS_MPRV (1 << 17)
#define MSTATUS_SUM (1 << 18)
#define MSTATUS_MXR (1 << 19)
#define MSTATUS_TVM (1 << 20)
#define MSTATUS_TW (1 << 21)
#define MSTATUS_TSR (1 << 22)

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define NO_TRAP -1

    .option norvc
    .option norelax             /* .org and .align mean what they say */

/* table[index] = PTE for the physical page of symbol `target` with `flags`. */
    .macro map table, index, target, flags
    la      t0, \target
    srli    t0, t0, 12
    slli    t0, t0, 10
    ori     t0, t0, \flags
    la      t1, \table
    li      t2, (\index) * 8
    add     t1, t1, t2
    sd      t0, 0(t1)
    .endm

/* table[index] = PTE for physical address `pa` (a constant) with `flags`. */
    .macro map_pa table, index, pa, flags
    li      t0, ((\pa) >> 12 << 10) | (\flags)
    la      t1, \table
    li      t2, (\index) * 8
    add     t1, t1, t2
    sd      t0, 0(t1)
    .endm

/* The common Sv39 frame: identity gigapages for the devices (VA 0..1 GiB)
 * and RAM (VA 2..3 GiB), S-mode only with `extra` flags (e.g. PTE_G), and
 * the 4 KiB window at VA 0x40000000 through pt_l1[0] -> pt_l0. */
    .macro sv39_frame extra=0
    map_pa  pt_root, 0, 0, PTE_RWX_AD | (\extra)
    map_pa  pt_root, 2, 0x80000000, PTE_RWX_AD | (\extra)
    map     pt_root, 1, pt_l1, PTE_V
    map     pt_l1, 0, pt_l0, PTE_V
    .endm

/* satp = mode | asid | root table. */
    .macro set_satp mode, asid, root
    la      t0, \root
    srli    t0, t0, 12
    li      t1, (\mode) | ((\asid) << 44)
    or      t0, t0, t1
    csrw    satp, t0
    .endm

/* Run the code at `target` (a symbol, or a constant VA with `li`) in mode
 * `prv` until it executes ecall; then continue here in M-mode. */
    .macro run prv, target
    li      t0, MSTATUS_MPP
    csrc    mstatus, t0
    li      t0, (\prv) << 11
    csrs    mstatus, t0
    la      t0, \target
    csrw    mepc, t0
    la      s11, 88f
    mret
88:
    .endm

    .macro run_va prv, va
    li      t0, MSTATUS_MPP
    csrc    mstatus, t0
    li      t0, (\prv) << 11
    csrs    mstatus, t0
    li      t0, \va
    csrw    mepc, t0
    la      s11, 88f
    mret
88:
    .endm

/* Forget the last trap. */
    .macro clear_trap
    la      t5, last_cause
    li      t6, NO_TRAP
    sd      t6, 0(t5)
    sd      zero, 8(t5)
    .endm

/* The last trap had mcause `cause` (NO_TRAP: none since clear_trap) and,
 * unless cause is NO_TRAP, mtval equal to register `tval`; else fail with n. */
    .macro expect cause, tval, n
    la      t5, last_cause
    ld      t6, 0(t5)
    li      t0, \cause
    bne     t6, t0, 87f
    li      t0, NO_TRAP
    beq     t6, t0, 86f
    ld      t6, 8(t5)
    bne     t6, \tval, 87f
    j       86f
87: EXIT_FAIL(\n)
86: clear_trap
    .endm

/* Fail with n unless registers a and b are equal. */
    .macro expect_eq a, b, n
    beq     \a, \b, 85f
    EXIT_FAIL(\n)
85:
    .endm

/* Install the handler, clear the record, and open all of memory to S and
 * U through PMP entry 0 (NAPOT, RWX), as a kernel must before leaving M. */
    .macro trap_init
    la      t0, trap_entry
    csrw    mtvec, t0
    clear_trap
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    .endm

/* The trap handler and its record; place once, in .text. */
    .macro trap_handler
    .align  4
trap_entry:
    csrr    t6, mcause
    bltz    t6, 84f              /* interrupts: not expected here */
    addi    t6, t6, -8
    beqz    t6, 81f              /* ecall from U: not recorded */
    addi    t6, t6, -1
    beqz    t6, 81f              /* ecall from S: not recorded */
    la      t5, last_cause
    csrr    t6, mcause
    sd      t6, 0(t5)
    csrr    t6, mtval
    sd      t6, 8(t5)
    csrr    t6, mepc
    sd      t6, 16(t5)
    csrr    t6, mcause
    addi    t6, t6, -1
    beqz    t6, 82f              /* instruction access fault */
    addi    t6, t6, -11
    beqz    t6, 82f              /* instruction page fault */
    csrr    t6, mepc
    addi    t6, t6, 4
    csrw    mepc, t6
    mret
81: li      t6, MSTATUS_MPP      /* back to M-mode at s11 */
    csrs    mstatus, t6
    csrw    mepc, s11
    mret
82: csrw    mepc, ra
    mret
84: EXIT_FAIL(99)
    .endm

/* The three tables most programs use: pt_root, pt_l1, pt_l0 (in .data). */
    .macro page_tables
    .align  12
pt_root: .skip 4096
pt_l1:   .skip 4096
pt_l0:   .skip 4096
    .endm

/* Print the NUL-terminated string at a0 on the UART (M-mode or Bare).
 * Clobbers t0, t1, a0. */
    .macro uart_puts
    li      t0, UART_BASE
83: lbu     t1, 0(a0)
    beqz    t1, 80f
    sb      t1, 0(t0)
    addi    a0, a0, 1
    j       83b
80:
    .endm

    .macro trap_record
    .align  3
last_cause: .dword NO_TRAP
last_tval:  .dword 0
last_epc:   .dword 0
    .endm
