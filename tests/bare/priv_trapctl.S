/* mstatus.TVM, TW and TSR (Privileged ISA 3.1.6.5), MPRV (3.1.6.3) and
 * xRET state: S-mode satp access and sfence.vma trap with TVM, wfi with TW,
 * sret with TSR (illegal instruction, tval = the instruction bits); U-mode
 * wfi always traps; M-mode loads with MPRV = 1 are translated and checked
 * at MPP's privilege; whether an mret to S clears MPRV is printed
 * ("mret to S: MPRV cleared" or "... kept"). Exit: 0 = pass, n = check n failed. */
#include "priv.h"

#define UVA 0x40000000

    .section .text.init
    .globl _start
_start:
    trap_init
    li      t0, MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    csrs    mstatus, t0
    run     PRV_S, s_trapped
    expect  NO_TRAP, zero, 9
    li      t0, MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    csrc    mstatus, t0
    run     PRV_S, s_free
    expect  NO_TRAP, zero, 19
    run     PRV_U, u_wfi
    la      a1, u_wfi_insn
    lwu     a1, 0(a1)
    expect  2, a1, 20

    /* MPRV: U page at UVA, identity gigapage for S. */
    map_pa  pt_root, 2, 0x80000000, PTE_RWX_AD
    map     pt_root, 1, pt_l1, PTE_V
    map     pt_l1, 0, pt_l0, PTE_V
    map     pt_l0, 0, data_page, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
    set_satp SATP_SV39, 0, pt_root
    sfence.vma
    li      a1, UVA
    li      t0, MSTATUS_MPP            /* MPP = U: the U page is readable */
    csrc    mstatus, t0
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    ld      a0, 0(a1)
    csrc    mstatus, t0
    expect  NO_TRAP, zero, 21
    li      t0, 0x77
    expect_eq a0, t0, 22
    li      t0, MSTATUS_MPP            /* MPP = S, SUM = 0: a page fault */
    csrc    mstatus, t0
    li      t0, MSTATUS_MPRV | (PRV_S << 11)
    csrs    mstatus, t0
    ld      a0, 0(a1)
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    expect  13, a1, 23
    /* mret to S clears MPRV (1.12). QEMU 7.2 leaves it set, so this is
     * reported on the UART, not checked here: the host test checks it. */
    li      t0, MSTATUS_MPRV
    csrs    mstatus, t0
    run     PRV_S, s_back
    csrr    s4, mstatus
    li      t0, MSTATUS_MPRV
    csrc    mstatus, t0
    and     s4, s4, t0
    la      a0, msg_cleared
    beqz    s4, 1f
    la      a0, msg_kept
1:  uart_puts
    EXIT_PASS

s_trapped:
insn_satp:
    csrr    a0, satp
    la      a1, insn_satp
    lwu     a1, 0(a1)
    expect  2, a1, 1
insn_sfence:
    sfence.vma
    la      a1, insn_sfence
    lwu     a1, 0(a1)
    expect  2, a1, 2
insn_wfi:
    wfi
    la      a1, insn_wfi
    lwu     a1, 0(a1)
    expect  2, a1, 3
insn_sret:
    sret
    la      a1, insn_sret
    lwu     a1, 0(a1)
    expect  2, a1, 4
    ecall

s_free:
    csrr    a0, satp
    sfence.vma
    expect  NO_TRAP, zero, 10
    ecall

s_back:
    ecall

u_wfi:
u_wfi_insn:
    wfi
    ecall

    trap_handler

    .section .rodata
msg_cleared: .string "mret to S: MPRV cleared\n"
msg_kept:    .string "mret to S: MPRV kept\n"

    .data
    page_tables
data_page:
    .dword  0x77
    .align  12
    trap_record
