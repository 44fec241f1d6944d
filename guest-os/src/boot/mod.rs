//! Boot: the M-mode entry, delegation to S-mode, and the early switch to the
//! upper-half kernel address space.
//!
//! Every hart starts at PA 0x8000_0000 in M-mode with the MMU off, `a0` =
//! mhartid and `a1` = the DTB's physical address (QEMU `-bios none`, svemu's
//! boot ROM). Every hart does the M-mode work below; hart 0 boots, the
//! others park in a `wfi` loop until hart 0 releases them (`smp_release` and
//! an IPI, see [`crate::smp`]) and then enter S-mode on their own stacks.
//!
//! M-mode work (privileged spec, "Machine-Level ISA"):
//! - PMP entry 0 = NAPOT over all of memory with R/W/X, so S and U may access
//!   anything (section 3.7; without a PMP entry S/U accesses fail on QEMU).
//! - `medeleg`/`mideleg`: all exceptions U and S can raise except ecall-from-S
//!   and ecall-from-M, and the S-level interrupts, go to S-mode (3.1.8).
//! - `mcounteren` = CY|TM|IR|HPM3..9 so S-mode may read cycle, time,
//!   instret and the seven hpm counters, which `mhpmevent3..9` set to count
//!   the events of [`svos_abi::perf::EVENTS`] (see [`crate::proc::perf`]).
//! - `mtvec` = `m_trap`, the only M-mode code that runs after boot, with a
//!   32-byte save area per hart in `mscratch`: it forwards the machine timer
//!   interrupt to S-mode (masks mie.MTIE, sets mip.STIP) and the machine
//!   software interrupt (clears the hart's CLINT msip, sets mip.SSIP), and
//!   serves two ecalls from S-mode: `a7 = 0` (legacy SBI set_timer):
//!   `mtimecmp[hart] = a0`, clear mip.STIP, unmask MTIE; `a7 = 4` (send IPI):
//!   `msip[i] = 1` for each bit i of the mask in a0. Anything else powers off
//!   with code 0xee. See [`timer`] and [`crate::smp`].
//! - `mie` = MSIE (IPIs reach M-mode; MTIE is set by set_timer).
//! - `mstatus` = MPP=S, FS=Off (no floating point), MIE/MPIE off; `mret`.
//!
//! S-mode early work (still at physical addresses, satp = Bare): enable the
//! boot page table `boot_pagetable`, made of 1 GiB gigapages that map
//! PA 0..4 GiB at VA = PA (for the few instructions around the switch) and
//! PA 0..256 GiB at VA = PA + [`crate::mm::PHYS_OFFSET`]; then move `sp` to the upper
//! half and jump to `rust_main` at its linked (upper-half) address.
//!
//! The code here runs before the MMU is on, at addresses different from the
//! linked ones, so it only uses pc-relative addressing (`lla`).

pub mod dtb;
pub mod timer;

core::arch::global_asm!(
    r#"
    .section .text.entry
    .globl _start
_start:
    /* Every hart: the M-mode set-up below, then hart 0 boots and the
       others wait for it in park (see crate::smp). */
    csrr    t0, mhartid
    li      t1, {MAX_HARTS}
    bgeu    t0, t1, 4f

    /* PMP entry 0: NAPOT, all of memory, R|W|X for S and U. */
    li      t1, -1
    csrw    pmpaddr0, t1
    li      t1, 0x1f
    csrw    pmpcfg0, t1

    /* Exceptions 0-8, 12, 13, 15 and S-level interrupts go to S-mode. */
    li      t1, 0xb1ff
    csrw    medeleg, t1
    li      t1, 0x222
    csrw    mideleg, t1
    /* M-mode takes only the machine software interrupt (IPIs) for now;
       MTIE is enabled by the first set_timer call. */
    li      t1, 0x8
    csrw    mie, t1
    /* S-mode may read cycle, time, instret and hpmcounter3..9, which
       count the events of svos_abi::perf::EVENTS (crate::proc::perf). */
    li      t1, {EV3}
    csrw    mhpmevent3, t1
    li      t1, {EV4}
    csrw    mhpmevent4, t1
    li      t1, {EV5}
    csrw    mhpmevent5, t1
    li      t1, {EV6}
    csrw    mhpmevent6, t1
    li      t1, {EV7}
    csrw    mhpmevent7, t1
    li      t1, {EV8}
    csrw    mhpmevent8, t1
    li      t1, {EV9}
    csrw    mhpmevent9, t1
    li      t1, 0x3ff
    csrw    mcounteren, t1

    /* M-mode traps: the timer and IPI forwarder (see crate::boot::timer
       and crate::smp). mscratch = this hart's 32-byte save area. */
    lla     t1, m_trap
    csrw    mtvec, t1
    lla     t1, m_scratch
    slli    t2, t0, 5
    add     t1, t1, t2
    csrw    mscratch, t1
    bnez    t0, 3f

    /* Hart 0: the boot stack (physical address: pc-relative). */
    lla     sp, boot_stack_top

    /* Zero .bss. The other harts touch nothing there before they are released. */
    lla     t0, __sbss
    lla     t1, __ebss
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /* Every hart enters S-mode here, sp = its stack (physical address).
       mstatus: MPP = S (01), FS = Off, everything else 0. */
.Lenter_s:
    li      t0, 0x800
    csrw    mstatus, t0
    lla     t0, s_entry
    csrw    mepc, t0
    csrr    a0, mhartid
    mret

    /* Other harts: park until hart 0 sets smp_release (it then sends an
       IPI; wfi wakes on mip.MSIP & mie.MSIE even with mstatus.MIE = 0). */
3:  wfi
    lla     t1, smp_release
    ld      t1, 0(t1)
    beqz    t1, 3b
    fence   r, rw
    /* Clear our msip (CLINT + 4 * hartid), then S-mode on our own stack:
       hart_stack_tops[hartid] is its top's physical address (set by hart 0). */
    slli    t1, t0, 2
    li      t2, 0x2000000
    add     t1, t1, t2
    sw      zero, 0(t1)
    lla     t1, hart_stack_tops
    slli    t2, t0, 3
    add     t1, t1, t2
    ld      sp, 0(t1)
    j       .Lenter_s

    /* Harts beyond {MAX_HARTS} stay parked in M-mode for good. */
4:  csrw    mie, zero
5:  wfi
    j       5b

    .align 2
m_trap:
    /* mscratch = this hart's 32-byte save area (physical). M-mode runs
       with the MMU off. */
    csrrw   sp, mscratch, sp
    sd      t0, 0(sp)
    sd      t1, 8(sp)
    sd      t2, 16(sp)
    csrr    t0, mcause
    bgez    t0, 5f
    slli    t0, t0, 1
    srli    t0, t0, 1
    li      t1, 7
    beq     t0, t1, 8f
    li      t1, 3
    bne     t0, t1, 6f
    /* Machine software interrupt (an IPI): clear our msip, raise SSIP
       (delegated: scause 1 in S-mode). */
    csrr    t0, mhartid
    slli    t0, t0, 2
    li      t1, 0x2000000
    add     t1, t1, t0
    sw      zero, 0(t1)
    li      t1, 0x2
    csrs    mip, t1
    j       7f
8:  /* Machine timer: forward it to S-mode: mask MTIE, raise STIP. S-mode
       re-arms with set_timer. */
    li      t1, 0x80
    csrc    mie, t1
    li      t1, 0x20
    csrs    mip, t1
    j       7f
5:  /* Exception: only ecall from S-mode (9), a7 = 0 (set_timer) or 4
       (send_ipi). */
    li      t1, 9
    bne     t0, t1, 6f
    li      t1, 4
    beq     a7, t1, 9f
    bnez    a7, 6f
    /* set_timer, as the legacy SBI: mtimecmp[hart] = a0, clear STIP,
       unmask MTIE. */
    csrr    t0, mhartid
    slli    t0, t0, 3
    li      t1, 0x2004000
    add     t1, t1, t0
    sd      a0, 0(t1)
    li      t1, 0x20
    csrc    mip, t1
    li      t1, 0x80
    csrs    mie, t1
    j       10f
9:  /* send_ipi: a0 = mask of target harts (bit i = hart i): msip[i] = 1.
       The fence orders the caller's earlier stores before the IPIs. */
    fence   iorw, iorw
    mv      t0, a0
    li      t1, 0x2000000
11: beqz    t0, 10f
    andi    t2, t0, 1
    beqz    t2, 12f
    li      t2, 1
    sw      t2, 0(t1)
12: srli    t0, t0, 1
    addi    t1, t1, 4
    j       11b
10: csrr    t0, mepc
    addi    t0, t0, 4
    csrw    mepc, t0
7:  ld      t0, 0(sp)
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    csrrw   sp, mscratch, sp
    mret
6:
    /* power off through sifive_test with failure code 0xee: (0xee << 16) | 0x3333 */
    li      t0, 0x100000
    li      t1, 0xee3333
    sw      t1, 0(t0)
4:  wfi
    j       4b

s_entry:
    /* S-mode, satp = Bare. Turn on Sv39 with the boot page table. */
    lla     t0, boot_pagetable
    srli    t0, t0, 12
    li      t1, 8 << 60
    or      t0, t0, t1
    sfence.vma
    csrw    satp, t0
    sfence.vma

    /* Continue in the upper half: hart 0 in rust_main (a0 = hartid,
       a1 = DTB PA), the others in rust_secondary (a0 = hartid). */
    li      t1, 0xffffffc000000000
    add     sp, sp, t1
    lla     t0, rust_main
    beqz    a0, 1f
    lla     t0, rust_secondary
1:  add     t0, t0, t1
    jr      t0

    .section .data.boot_pagetable
    .align 12
    .globl boot_pagetable
boot_pagetable:
    /* VPN[2] 0..3: identity gigapages, V|R|W|X|A|D */
    .quad (0x00000 << 10) | 0xcf
    .quad (0x40000 << 10) | 0xcf
    .quad (0x80000 << 10) | 0xcf
    .quad (0xc0000 << 10) | 0xcf
    .zero 8 * 252
    /* VPN[2] 256..511: VA 0xffffffc0_00000000 + PA for PA 0..256 GiB, V|R|W|X|G|A|D */
    .set gp_i, 0
    .rept 256
    .quad ((gp_i * 0x40000) << 10) | 0xef
    .set gp_i, gp_i + 1
    .endr

    .section .data
    .align 4
m_scratch:
    .space 32 * {MAX_HARTS}
    /* Set to 1 by hart 0 (crate::smp::start_secondaries) to release the
       others, after it stored their stack tops (physical addresses). */
    .align 3
    .globl smp_release
smp_release:
    .dword 0
    .globl hart_stack_tops
hart_stack_tops:
    .space 8 * {MAX_HARTS}

    .section .bss.stack
    .align 12
    /* Unmapped in the kernel page table: a boot-stack overflow faults. */
    .globl boot_stack_guard
boot_stack_guard:
    .space 4096
    .globl boot_stack
boot_stack:
    .space 64 * 1024
    .globl boot_stack_top
boot_stack_top:
"#,
    MAX_HARTS = const crate::smp::MAX_HARTS,
    EV3 = const svos_abi::perf::EVENTS[0].0,
    EV4 = const svos_abi::perf::EVENTS[1].0,
    EV5 = const svos_abi::perf::EVENTS[2].0,
    EV6 = const svos_abi::perf::EVENTS[3].0,
    EV7 = const svos_abi::perf::EVENTS[4].0,
    EV8 = const svos_abi::perf::EVENTS[5].0,
    EV9 = const svos_abi::perf::EVENTS[6].0,
);
