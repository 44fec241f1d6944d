/* Start-up of the benchmark programs: M-mode at 0x80000000, one hart.
 * Sets the stack, clears .bss, calls main() and powers off through
 * sifive_test with main's return value as the exit status. */
    .section .text.init
    .globl _start
_start:
    csrr    t0, mhartid
1:  bnez    t0, 1b              /* other harts (if any) spin here */
    la      sp, __stack_top
    la      t0, __bss_start
    la      t1, __bss_end
2:  bgeu    t0, t1, 3f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       2b
3:  call    main
    /* exit status a0: 0 -> 0x5555, else (a0 << 16) | 0x3333 */
    li      t0, 0x100000
    beqz    a0, 4f
    slli    a0, a0, 16
    li      t1, 0x3333
    or      a0, a0, t1
    sw      a0, 0(t0)
    j       5f
4:  li      t1, 0x5555
    sw      t1, 0(t0)
5:  wfi
    j       5b
