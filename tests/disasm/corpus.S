/* Disassembler corpus: every instruction GNU as emits for rv64gc (RV64I, M,
 * A, F, D, Zicsr, Zifencei, the privileged instructions and every RVC form),
 * with register, immediate, rounding-mode, aq/rl and CSR variety, HINT
 * encodings and some illegal words. Assembled by build.rs; the disasm test
 * compares objdump -d -M no-aliases with svemu's disassembler line by line.
 * Not executed. */

    .text
    .globl _start
_start:
    .option norvc
/* ---- RV64I ---- */
    .irp rd, zero, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6
    lui     \rd, 0x12345
    auipc   \rd, 0xfffff
    add     \rd, a1, t6
    addi    \rd, s11, -2048
    ld      \rd, 2047(\rd)
    sd      \rd, -1(\rd)
    .endr
1:  lui     a0, 0
    lui     a0, 0x80000
    auipc   a0, 0
    jal     ra, 1b
    jal     zero, 2f
    jal     a0, 1b
    jalr    ra, 0(a0)
    jalr    zero, -2048(t0)
    jalr    a0, 2047(a1)
    beq     a0, a1, 1b
    bne     zero, t6, 2f
    blt     s0, s1, 1b
    bge     a2, a3, 2f
    bltu    a4, a5, 1b
    bgeu    t3, t4, 2f
2:  lb      a0, -2048(sp)
    lh      a0, 0(a1)
    lw      t0, 4(s0)
    ld      s1, 8(tp)
    lbu     a0, 2047(gp)
    lhu     ra, -1(a0)
    lwu     a7, 100(a6)
    sb      a0, -2048(sp)
    sh      zero, 2(t0)
    sw      t6, 2047(t5)
    sd      s11, -8(s10)
    .irp imm, -2048, -1, 0, 1, 2047
    addi    a0, a1, \imm
    slti    a0, a1, \imm
    sltiu   a0, a1, \imm
    xori    a0, a1, \imm
    ori     a0, a1, \imm
    andi    a0, a1, \imm
    addiw   a0, a1, \imm
    .endr
    .irp sh, 0, 1, 31, 32, 63
    slli    a0, a1, \sh
    srli    a0, a1, \sh
    srai    a0, a1, \sh
    .endr
    .irp sh, 0, 1, 31
    slliw   a0, a1, \sh
    srliw   a0, a1, \sh
    sraiw   a0, a1, \sh
    .endr
    .irp op, add, sub, sll, slt, sltu, xor, srl, sra, or, and, addw, subw, sllw, srlw, sraw
    \op     a0, a1, a2
    \op     zero, t6, s0
    .endr
    /* HINTs in the base ISA: rd = x0 forms and fences with empty sets. */
    addi    zero, a0, 1
    lui     zero, 1
    add     zero, a0, a1
    slli    zero, a0, 3
    .insn 4, 0x0100000f  /* fence w,0 */
    .insn 4, 0x0020000f  /* fence 0,r */
    .irp pred, r, w, o, i, rw, io, iorw, ow, ir
    fence   \pred, iorw
    fence   iorw, \pred
    .endr
    fence
    fence.tso
    fence.i
    ecall
    ebreak
/* ---- Privileged ---- */
    mret
    sret
    wfi
    sfence.vma
    sfence.vma a0
    sfence.vma a0, a1
    sfence.vma zero, t6
/* ---- Zicsr: every CSR number ---- */
    .set csrno, 0
    .rept 4096
    csrrs   a0, csrno, a1
    .set csrno, csrno + 1
    .endr
    csrrw   zero, mstatus, t0
    csrrw   a0, satp, a1
    csrrs   a0, mhartid, zero
    csrrc   t0, mie, t1
    csrrwi  zero, mtvec, 31
    csrrsi  a0, fflags, 1
    csrrci  a0, frm, 0
    csrrwi  a0, 0x7c0, 5
    csrrs   a0, cycle, zero
    csrrs   a0, time, zero
    csrrs   a0, instret, zero
/* ---- M ---- */
    .irp op, mul, mulh, mulhsu, mulhu, div, divu, rem, remu, mulw, divw, divuw, remw, remuw
    \op     a0, a1, a2
    \op     t6, zero, s11
    .endr
/* ---- A: every AMO with every aq/rl combination ---- */
    .irp sfx, w, d
    .irp ord, , .aq, .rl, .aqrl
    lr.\sfx\ord     a0, (a1)
    sc.\sfx\ord     a0, a2, (a1)
    amoswap.\sfx\ord a0, a2, (a1)
    amoadd.\sfx\ord  a0, a2, (a1)
    amoxor.\sfx\ord  a0, a2, (a1)
    amoand.\sfx\ord  a0, a2, (a1)
    amoor.\sfx\ord   a0, a2, (a1)
    amomin.\sfx\ord  a0, a2, (a1)
    amomax.\sfx\ord  a0, a2, (a1)
    amominu.\sfx\ord a0, a2, (a1)
    amomaxu.\sfx\ord zero, t6, (sp)
    .endr
    .endr
/* ---- F and D ---- */
    .irp f, ft0, ft1, ft2, ft3, ft4, ft5, ft6, ft7, fs0, fs1, fa0, fa1, fa2, fa3, fa4, fa5, fa6, fa7, fs2, fs3, fs4, fs5, fs6, fs7, fs8, fs9, fs10, fs11, ft8, ft9, ft10, ft11
    flw     \f, -2048(a0)
    fsd     \f, 2047(sp)
    fadd.d  \f, \f, ft11
    .endr
    flw     fa0, 0(a1)
    fsw     fa0, 4(a1)
    fld     fa0, -8(sp)
    fsd     fa0, 16(s0)
    .irp fmt, s, d
    .irp rm, rne, rtz, rdn, rup, rmm, dyn
    fmadd.\fmt   fa0, fa1, fa2, fa3, \rm
    fmsub.\fmt   fa0, fa1, fa2, fa3, \rm
    fnmsub.\fmt  fa0, fa1, fa2, fa3, \rm
    fnmadd.\fmt  ft0, ft1, ft11, fs11, \rm
    fadd.\fmt    fa0, fa1, fa2, \rm
    fsub.\fmt    fa0, fa1, fa2, \rm
    fmul.\fmt    fa0, fa1, fa2, \rm
    fdiv.\fmt    fa0, fa1, fa2, \rm
    fsqrt.\fmt   fa0, fa1, \rm
    fcvt.w.\fmt  a0, fa1, \rm
    fcvt.wu.\fmt a0, fa1, \rm
    fcvt.l.\fmt  a0, fa1, \rm
    fcvt.lu.\fmt a0, fa1, \rm
    fcvt.\fmt\().l  fa0, a1, \rm
    fcvt.\fmt\().lu fa0, a1, \rm
    .endr
    fcvt.\fmt\().w  fa0, a1
    fcvt.\fmt\().wu fa0, a1
    fsgnj.\fmt   fa0, fa1, fa2
    fsgnjn.\fmt  fa0, fa1, fa2
    fsgnjx.\fmt  fa0, fa1, fa2
    fmin.\fmt    fa0, fa1, fa2
    fmax.\fmt    fa0, fa1, fa2
    feq.\fmt     a0, fa1, fa2
    flt.\fmt     a0, fa1, fa2
    fle.\fmt     a0, fa1, fa2
    fclass.\fmt  a0, fa1
    .endr
    .irp rm, rne, rtz, rdn, rup, rmm, dyn
    fcvt.s.d fa0, fa1, \rm
    fcvt.s.w fa0, a1, \rm
    fcvt.s.wu fa0, a1, \rm
    .endr
    fcvt.d.s fa0, fa1
    fmv.x.w  a0, fa1
    fmv.w.x  fa0, a1
    fmv.x.d  a0, fa1
    fmv.d.x  fa0, a1
    /* Rounding modes 5 and 6 (reserved) and rm fields on exact conversions. */
    .insn r OP_FP, 5, 0, fa0, fa1, fa2
    .insn r OP_FP, 6, 1, fa0, fa1, fa2
    .insn r OP_FP, 3, 0x69, fa0, a1, x0
    .insn r OP_FP, 0, 0x21, fa0, fa1, x0
    /* Fields binutils wants zero although the spec ignores them. */
    .insn r OP_FP, 7, 0x21, fa0, fa1, x0
    .insn r OP_FP, 7, 0x69, fa0, a1, x0
    .insn r OP_FP, 1, 0x69, fa0, a1, x1
    .insn r OP_FP, 1, 0x69, fa0, a1, x3
    .insn 4, 0x8ff0000f
    .insn 4, 0x8330000f | (1 << 7)
    .insn 4, 0x0000100f | (5 << 20)
    .insn 4, 0x0000100f | (1 << 7)
    .insn 4, 0x0ff0000f | (1 << 15)
    .insn 4, 0x0ff0000f | (1 << 7)
    .insn 4, 0x0ff0000f | (3 << 28)
/* ---- Illegal 32-bit words ---- */
    .insn 4, 0x0000000b
    .insn 4, 0xffffff0b
    .insn 4, 0x0000702f
    .insn 4, 0x00007013 | (1 << 25)
    .insn 4, 0x40001013
    .insn 4, 0x00002063
    .insn 4, 0x02000053 | (3 << 25)

/* ---- RVC: every form, and HINTs ---- */
    .option rvc
    c.addi4spn a0, sp, 4
    c.addi4spn s0, sp, 1020
    c.fld   fa0, 0(a1)
    c.fld   fs0, 248(a5)
    c.lw    a0, 0(a1)
    c.lw    s1, 124(a5)
    c.ld    a0, 8(a1)
    c.ld    a5, 248(s0)
    c.fsd   fa0, 0(a1)
    c.fsd   fs1, 248(a5)
    c.sw    a0, 4(a1)
    c.sw    s0, 124(a5)
    c.sd    a0, 8(a1)
    c.sd    a5, 248(s0)
    c.nop
    c.addi  a0, 1
    c.addi  sp, -32
    c.addi  t6, 31
    c.addiw a0, -1
    c.addiw t6, 0
    c.li    a0, -32
    c.li    s11, 31
    c.addi16sp sp, -512
    c.addi16sp sp, 496
    c.lui   a0, 1
    c.lui   t6, 0x1f
    c.lui   a0, 0xfffe0
    c.lui   s0, 0xfffff
    c.srli  s0, 1
    c.srli  a5, 63
    c.srai  a0, 32
    c.srai  s1, 1
    c.andi  a0, -32
    c.andi  s0, 31
    c.sub   a0, a1
    c.xor   s0, a5
    c.or    a2, a3
    c.and   a4, s1
    c.subw  a0, a1
    c.addw  s0, a5
3:  c.j     3b
    c.j     4f
    c.beqz  a0, 3b
    c.bnez  s1, 4f
4:  c.slli  a0, 1
    c.slli  t6, 63
    c.fldsp fa0, 0(sp)
    c.fldsp ft11, 504(sp)
    c.lwsp  a0, 4(sp)
    c.lwsp  ra, 252(sp)
    c.ldsp  a0, 8(sp)
    c.ldsp  t6, 504(sp)
    c.jr    ra
    c.jr    a0
    c.mv    a0, a1
    c.mv    t6, ra
    c.ebreak
    c.jalr  a0
    c.jalr  t6
    c.add   a0, a1
    c.add   sp, t6
    c.fsdsp fa0, 0(sp)
    c.fsdsp fs11, 504(sp)
    c.swsp  a0, 4(sp)
    c.swsp  t6, 252(sp)
    c.sdsp  a0, 8(sp)
    c.sdsp  ra, 504(sp)
    /* HINTs: c.nop with an immediate, c.addi with a zero immediate, rd = x0. */
    c.nop   5
    .insn 2, 0x0501
    c.li    zero, 3
    c.lui   zero, 1
    c.mv    zero, a1
    c.add   zero, a1
    c.slli  zero, 1
    c.slli64 a0
    c.srli64 s0
    c.srai64 a5
    .insn 2, 0x0002
/* ---- Illegal and reserved 16-bit words ---- */
    .insn 2, 0x0000
    .insn 2, 0x0010
    .insn 2, 0x8000
    .insn 2, 0x6101
    .insn 2, 0x6501
    .insn 2, 0x8002
    .insn 2, 0x2001
    .insn 2, 0x4002
    .insn 2, 0x6002
    .insn 2, 0x9c41
    .insn 2, 0x9c61
    .insn 2, 0x3001
    .insn 2, 0x8082 | (1 << 12) | (0 << 2)
