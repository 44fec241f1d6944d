//! Instruction semantics, one function per extension: RV64I, M, A, Zicsr,
//! Zifencei and the privileged instructions (RISC-V Unprivileged ISA
//! chapters 2, 4, 7, 8, 9, 13; Privileged ISA 3.3); F and D in [`float`].
//!
//! [`execute`] runs one decoded instruction on a [`Cpu`]. On success the pc
//! has moved to the next instruction (or the jump target); on an exception
//! nothing architectural has changed and the pc still points at the
//! instruction, ready for the trap.

pub mod float;

use super::code_pages::{chain, Leave, Slot, Threaded};
use super::decode::Insn;
use super::op::Op;
use crate::cpu::Cpu;
use crate::hart::csr::{mstatus, CsrEffect, CsrEnv};
use crate::hart::trap::Exception;
use crate::hart::{Hart, Priv};
use crate::mmu::{Access, FlushScope};

/// What an executed instruction asks of the machine beyond its own effects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing: go on.
    Continue,
    /// WFI: the hart may sleep until an interrupt is pending.
    WaitForInterrupt,
    /// sfence.vma: drop the cached translations the scope selects.
    FlushTranslations(FlushScope),
    /// Code may have changed (fence.i): drop cached decodes.
    FlushCode,
    /// Interrupt enables or pending bits changed: check for interrupts now.
    CheckInterrupts,
}

/// Execute `insn`, whose raw encoding is `raw`, at the hart's pc.
///
/// `env` supplies the counters and time for CSR reads.
pub fn execute(cpu: &mut Cpu, insn: &Insn, raw: u32, env: &CsrEnv) -> Result<Outcome, Exception> {
    let illegal = Exception::IllegalInstruction(raw as u64);
    match insn.op {
        Op::Illegal => Err(illegal),
        op if op.is_float() => float::execute(cpu, insn, raw),
        Op::LrW | Op::LrD | Op::ScW | Op::ScD => lr_sc(cpu, insn),
        op if is_amo(op) => amo(cpu, insn),
        Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci => csr(cpu, insn, raw, env),
        Op::Ecall
        | Op::Ebreak
        | Op::Mret
        | Op::Sret
        | Op::Wfi
        | Op::SfenceVma
        | Op::Fence
        | Op::FenceTso
        | Op::FenceI => system(cpu, insn, raw),
        _ => base(cpu, insn, raw),
    }
}

#[inline]
fn x(cpu: &Cpu, r: u8) -> u64 {
    // Register numbers are below 32 by decoding; the mask spares a bounds check.
    cpu.hart.x[(r & 31) as usize]
}

#[inline]
fn set_x(cpu: &mut Cpu, r: u8, v: u64) {
    // Write unconditionally, then restore x0 (cheaper than a test of r).
    cpu.hart.x[(r & 31) as usize] = v;
    cpu.hart.x[0] = 0;
}

#[inline]
fn next(cpu: &mut Cpu, insn: &Insn) -> Result<Outcome, Exception> {
    cpu.hart.pc = cpu.hart.pc.wrapping_add(insn.len as u64);
    Ok(Outcome::Continue)
}

/// Write an ALU result to rd and move on.
#[inline]
fn alu(cpu: &mut Cpu, insn: &Insn, v: u64) -> Result<Outcome, Exception> {
    set_x(cpu, insn.rd, v);
    next(cpu, insn)
}

fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

/// RV64I and M: loads and stores through [`execute_mem`], the other operations
/// through [`execute_int`] (all inlined into [`execute`], so one jump table
/// dispatches them).
#[inline(always)]
fn base(cpu: &mut Cpu, insn: &Insn, raw: u32) -> Result<Outcome, Exception> {
    if let Some(r) = execute_mem(cpu, insn) {
        return r.map(|()| Outcome::Continue);
    }
    if execute_int(cpu.hart, insn) {
        Ok(Outcome::Continue)
    } else {
        Err(Exception::IllegalInstruction(raw as u64))
    }
}

/// A short-path handler: runs one decoded instruction (whose operation the
/// handler was chosen for) on `cpu`, moving the pc on success. `Ok(())`
/// when it ran and touched registers and the pc only; else a [`Notice`].
/// Chosen once per decoded instruction by [`handler`], so running it needs
/// no dispatch on [`Op`].
pub type Handler = fn(&mut Cpu, &Insn) -> Result<(), Notice>;

/// What a [`Handler`] tells its caller beyond plain success (`Ok(())`:
/// registers changed, the pc moved to the next instruction in memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The instruction ran, touched registers and the pc only, and is a
    /// jump or branch: the pc may be anywhere (the caller cannot assume
    /// the next instruction in memory follows).
    Jumped,
    /// The instruction ran and accessed memory: it may have changed the
    /// fast TLB or written into decoded code, so what the caller caches
    /// about either must be checked again.
    MemoryAccessed,
    /// Nothing was done: the operation has no short path; run it with
    /// [`execute`].
    NotShort,
    /// The instruction raised this exception; nothing architectural has
    /// changed.
    Exception(Exception),
}

/// Build the handler tables: per operation, a [`Handler`] (the shared
/// semantics, [`int_op`] and [`mem_op`], with the operation a constant) and
/// its [`Threaded`] form (the same, then [`chain`]'s dispatch of the next
/// slot).
macro_rules! handlers {
    ($op:expr; jump: $($j:ident)*; int: $($i:ident)*; mem: $($m:ident)*) => {
        match $op {
            $(Op::$j => {
                #[inline(always)]
                fn h(cpu: &mut Cpu, insn: &Insn) -> Result<(), Notice> {
                    let next = cpu.hart.pc.wrapping_add(insn.len as u64);
                    int_op(cpu.hart, insn, Op::$j);
                    if cpu.hart.pc == next {
                        Ok(())
                    } else {
                        Err(Notice::Jumped)
                    }
                }
                unsafe fn t(cpu: &mut Cpu, slot: *const Slot) -> Leave {
                    // SAFETY: (all four) as `Threaded` requires.
                    let (insn, pc) = unsafe { (&(*slot).insn, chain::pc_of(cpu, slot)) };
                    let next = int_op_at(cpu.hart, insn, Op::$j, pc).unwrap_or(pc);
                    cpu.hart.pc = next;
                    if next == pc.wrapping_add(insn.len as u64) {
                        unsafe { chain::next(cpu, slot) }
                    } else {
                        unsafe { chain::jump(cpu) }
                    }
                }
                (h as Handler, t as Threaded)
            })*
            $(Op::$i => {
                #[inline(always)]
                fn h(cpu: &mut Cpu, insn: &Insn) -> Result<(), Notice> {
                    int_op(cpu.hart, insn, Op::$i);
                    Ok(())
                }
                unsafe fn t(cpu: &mut Cpu, slot: *const Slot) -> Leave {
                    // SAFETY: (all three) as `Threaded` requires. The pc
                    // is settled when the thread leaves (`chain`); only
                    // AUIPC reads it.
                    let (insn, pc) = unsafe { (&(*slot).insn, chain::pc_of(cpu, slot)) };
                    int_op_at(cpu.hart, insn, Op::$i, pc);
                    unsafe { chain::next(cpu, slot) }
                }
                (h as Handler, t as Threaded)
            })*
            $(Op::$m => {
                #[inline(always)]
                fn h(cpu: &mut Cpu, insn: &Insn) -> Result<(), Notice> {
                    match mem_op(cpu, insn, Op::$m) {
                        Some(Err(e)) => Err(Notice::Exception(e)),
                        _ => Err(Notice::MemoryAccessed),
                    }
                }
                unsafe fn t(cpu: &mut Cpu, slot: *const Slot) -> Leave {
                    // SAFETY: (all three) as `Threaded` requires. The pc
                    // is settled when the thread leaves (`chain`).
                    match mem_op_in_place(cpu, unsafe { &(*slot).insn }, Op::$m) {
                        Some(Err(e)) => unsafe { chain::fault(cpu, slot, e) },
                        // A data-memo hit: RAM only, nothing else moved.
                        _ if !cpu.past_memo => unsafe { chain::next(cpu, slot) },
                        _ => unsafe { chain::after_memory(cpu, slot) },
                    }
                }
                (h as Handler, t as Threaded)
            })*
            _ => {
                fn h(_: &mut Cpu, _: &Insn) -> Result<(), Notice> {
                    Err(Notice::NotShort)
                }
                unsafe fn t(cpu: &mut Cpu, slot: *const Slot) -> Leave {
                    // SAFETY: as `Threaded` requires.
                    unsafe { chain::not_short(cpu, slot) }
                }
                (h as Handler, t as Threaded)
            }
        }
    };
}

/// The short-path handler of `op` and its threaded form (see
/// [`handler`]).
fn handlers(op: Op) -> (Handler, Threaded) {
    handlers!(op;
        jump: Jal Jalr Beq Bne Blt Bge Bltu Bgeu;
        int: Lui Auipc Addi Slti Sltiu Xori Ori Andi Slli Srli Srai
             Add Sub Sll Slt Sltu Xor Srl Sra Or And Addiw Slliw Srliw Sraiw Addw Subw Sllw Srlw Sraw
             Mul Mulh Mulhsu Mulhu Div Divu Rem Remu Mulw Divw Divuw Remw Remuw;
        mem: Lb Lh Lw Ld Lbu Lhu Lwu Sb Sh Sw Sd)
}

/// The short-path handler of `op`: it runs exactly the operations
/// [`execute_int`] and [`execute_mem`] run (RV64I without the fences and
/// system instructions, and M) and answers [`Notice::NotShort`] for those
/// that need [`execute`]. Jumps and taken branches answer
/// [`Notice::Jumped`] (unless they went to the next instruction); every
/// handler answering `Ok(())` or [`Notice::MemoryAccessed`] left the pc at
/// the next instruction in memory.
pub fn handler(op: Op) -> Handler {
    handlers(op).0
}

/// The threaded form of [`handler`]`(op)`: the same semantics, then the
/// dispatch of the next instruction's slot ([`chain`]).
pub fn threaded(op: Op) -> Threaded {
    handlers(op).1
}

/// Execute `insn` when it is an RV64I load or store (Unprivileged ISA
/// 2.6, 4.3): `None` (nothing done) for any other operation; else its
/// result, the exception leaving registers and memory unchanged.
#[inline(always)]
pub fn execute_mem(cpu: &mut Cpu, insn: &Insn) -> Option<Result<(), Exception>> {
    mem_op(cpu, insn, insn.op)
}

/// [`execute_mem`] with the operation given apart from `insn` (a constant
/// in [`handler`]'s functions).
#[inline(always)]
fn mem_op(cpu: &mut Cpu, insn: &Insn, op: Op) -> Option<Result<(), Exception>> {
    let r = mem_op_in_place(cpu, insn, op);
    if let Some(Ok(())) = r {
        cpu.hart.pc = cpu.hart.pc.wrapping_add(insn.len as u64);
    }
    r
}

/// [`mem_op`] leaving `cpu.hart.pc` alone (the caller moves it on).
#[inline(always)]
fn mem_op_in_place(cpu: &mut Cpu, insn: &Insn, op: Op) -> Option<Result<(), Exception>> {
    use Op::*;
    let (size, load, signed) = match op {
        Lb => (1, true, true),
        Lh => (2, true, true),
        Lw => (4, true, true),
        Ld => (8, true, false),
        Lbu => (1, true, false),
        Lhu => (2, true, false),
        Lwu => (4, true, false),
        Sb => (1, false, false),
        Sh => (2, false, false),
        Sw => (4, false, false),
        Sd => (8, false, false),
        _ => return None,
    };
    let va = x(cpu, insn.rs1).wrapping_add(insn.imm as u64);
    Some(if load {
        cpu.load(va, size).map(|raw| {
            let v = if signed {
                let shift = 64 - 8 * size as u32;
                (((raw << shift) as i64) >> shift) as u64
            } else {
                raw
            };
            set_x(cpu, insn.rd, v);
        })
    } else {
        cpu.store(va, size, x(cpu, insn.rs2))
    })
}

/// Execute `insn` when it is an RV64I or M operation on integer registers
/// and the pc alone (LUI, AUIPC, JAL, JALR, branches, register-immediate and
/// register-register arithmetic, multiplication and division; Unprivileged
/// ISA 2.4-2.5, 4.2 and 7), which can neither trap nor touch memory: true
/// when done, false (nothing done) for any other operation.
#[inline(always)]
pub fn execute_int(hart: &mut Hart, insn: &Insn) -> bool {
    int_op(hart, insn, insn.op)
}

/// [`execute_int`] with the operation given apart from `insn` (a constant
/// in [`handler`]'s functions).
#[inline(always)]
fn int_op(hart: &mut Hart, insn: &Insn, op: Op) -> bool {
    match int_op_at(hart, insn, op, hart.pc) {
        Some(next) => {
            hart.pc = next;
            true
        }
        None => false,
    }
}

/// [`int_op`] for the instruction at `pc`, leaving `hart.pc` alone: the
/// pc of the next instruction to run, `None` (nothing done) for an
/// operation that is not one of [`execute_int`]'s.
#[inline(always)]
fn int_op_at(hart: &mut Hart, insn: &Insn, op: Op, pc: u64) -> Option<u64> {
    use Op::*;
    let a = hart.x[(insn.rs1 & 31) as usize];
    let b = hart.x[(insn.rs2 & 31) as usize];
    let imm = insn.imm as u64;
    let mut next_pc = pc.wrapping_add(insn.len as u64);
    let v = match op {
        Lui => imm,
        Auipc => pc.wrapping_add(imm),
        Jal | Jalr => {
            let target = if op == Jal { pc.wrapping_add(imm) } else { a.wrapping_add(imm) & !1 };
            let link = next_pc;
            next_pc = target;
            link
        }
        Beq | Bne | Blt | Bge | Bltu | Bgeu => {
            let taken = match op {
                Beq => a == b,
                Bne => a != b,
                Blt => (a as i64) < (b as i64),
                Bge => (a as i64) >= (b as i64),
                Bltu => a < b,
                _ => a >= b,
            };
            return Some(if taken { pc.wrapping_add(imm) } else { next_pc });
        }
        Addi => a.wrapping_add(imm),
        Slti => ((a as i64) < (imm as i64)) as u64,
        Sltiu => (a < imm) as u64,
        Xori => a ^ imm,
        Ori => a | imm,
        Andi => a & imm,
        Slli => a << (imm & 63),
        Srli => a >> (imm & 63),
        Srai => ((a as i64) >> (imm & 63)) as u64,
        Add => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Sll => a << (b & 63),
        Slt => ((a as i64) < (b as i64)) as u64,
        Sltu => (a < b) as u64,
        Xor => a ^ b,
        Srl => a >> (b & 63),
        Sra => ((a as i64) >> (b & 63)) as u64,
        Or => a | b,
        And => a & b,
        Addiw => sext32(a.wrapping_add(imm)),
        Slliw => sext32(((a as u32) << (imm & 31)) as u64),
        Srliw => sext32(((a as u32) >> (imm & 31)) as u64),
        Sraiw => ((a as i32) >> (imm & 31)) as i64 as u64,
        Addw => sext32(a.wrapping_add(b)),
        Subw => sext32(a.wrapping_sub(b)),
        Sllw => sext32(((a as u32) << (b & 31)) as u64),
        Srlw => sext32(((a as u32) >> (b & 31)) as u64),
        Sraw => ((a as i32) >> (b & 31)) as i64 as u64,
        Mul | Mulh | Mulhsu | Mulhu | Div | Divu | Rem | Remu => muldiv(op, a, b),
        Mulw | Divw | Divuw | Remw | Remuw => muldiv_w(op, a, b),
        _ => return None,
    };
    // Write unconditionally, then restore x0 (cheaper than a test of rd).
    hart.x[(insn.rd & 31) as usize] = v;
    hart.x[0] = 0;
    Some(next_pc)
}

/// M: multiplication and division on XLEN values, with the spec's results
/// for division by zero (quotient all ones, remainder the dividend) and for
/// signed overflow (quotient the dividend, remainder zero).
pub fn muldiv(op: Op, a: u64, b: u64) -> u64 {
    use Op::*;
    let (sa, sb) = (a as i64, b as i64);
    match op {
        Mul => a.wrapping_mul(b),
        Mulh => ((sa as i128 * sb as i128) >> 64) as u64,
        Mulhsu => ((sa as i128 * b as i128) >> 64) as u64,
        Mulhu => ((a as u128 * b as u128) >> 64) as u64,
        Div if b == 0 => u64::MAX,
        Div => sa.wrapping_div(sb) as u64,
        Divu if b == 0 => u64::MAX,
        Divu => a / b,
        Rem if b == 0 => a,
        Rem => sa.wrapping_rem(sb) as u64,
        Remu if b == 0 => a,
        _ => a % b,
    }
}

/// M: the W forms, on the low 32 bits, sign-extending the 32-bit result.
pub fn muldiv_w(op: Op, a: u64, b: u64) -> u64 {
    use Op::*;
    let (a32, b32) = (a as u32, b as u32);
    let (sa, sb) = (a32 as i32, b32 as i32);
    let r: u32 = match op {
        Mulw => a32.wrapping_mul(b32),
        Divw if b32 == 0 => u32::MAX,
        Divw => sa.wrapping_div(sb) as u32,
        Divuw if b32 == 0 => u32::MAX,
        Divuw => a32 / b32,
        Remw if b32 == 0 => a32,
        Remw => sa.wrapping_rem(sb) as u32,
        Remuw if b32 == 0 => a32,
        _ => a32 % b32,
    };
    r as i32 as i64 as u64
}

fn is_amo(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        AmoswapW
            | AmoaddW
            | AmoxorW
            | AmoandW
            | AmoorW
            | AmominW
            | AmomaxW
            | AmominuW
            | AmomaxuW
            | AmoswapD
            | AmoaddD
            | AmoxorD
            | AmoandD
            | AmoorD
            | AmominD
            | AmomaxD
            | AmominuD
            | AmomaxuD
    )
}

/// A: LR and SC. The reservation is the physical address of the last LR;
/// SC succeeds (rd = 0) only on the same address while no store (of any
/// hart, or a device) has reached its granule since ([`crate::reservations`]),
/// and always clears the reservation.
fn lr_sc(cpu: &mut Cpu, insn: &Insn) -> Result<Outcome, Exception> {
    let size = if matches!(insn.op, Op::LrW | Op::ScW) { 4 } else { 8 };
    let va = x(cpu, insn.rs1);
    if matches!(insn.op, Op::LrW | Op::LrD) {
        let pa = cpu.translate_atomic(va, size, Access::Load)?;
        let v = cpu.bus.read(pa, size).map_err(|_| Exception::LoadAccessFault(va))?;
        cpu.mem = Some(crate::cpu::MemAccess { va, size, stored: None });
        cpu.hart.reservation = Some(pa);
        cpu.bus.reservations.acquire(cpu.hart.id as usize, pa);
        let v = if size == 4 { sext32(v) } else { v };
        return alu(cpu, insn, v);
    }
    let pa = cpu.translate_atomic(va, size, Access::Store)?;
    let intact = cpu.bus.reservations.release(cpu.hart.id as usize);
    let ok = cpu.hart.reservation.take() == Some(pa) && intact;
    if ok {
        let val = x(cpu, insn.rs2);
        cpu.bus.write(pa, size, val).map_err(|_| Exception::StoreAccessFault(va))?;
        cpu.mem = Some(crate::cpu::MemAccess { va, size, stored: Some(val) });
    }
    alu(cpu, insn, !ok as u64)
}

/// A: the AMOs, a read-modify-write of naturally aligned main memory.
fn amo(cpu: &mut Cpu, insn: &Insn) -> Result<Outcome, Exception> {
    use Op::*;
    let word =
        matches!(insn.op, AmoswapW | AmoaddW | AmoxorW | AmoandW | AmoorW | AmominW | AmomaxW | AmominuW | AmomaxuW);
    let size = if word { 4 } else { 8 };
    let va = x(cpu, insn.rs1);
    let pa = cpu.translate_atomic(va, size, Access::Store)?;
    let raw = cpu.bus.read(pa, size).map_err(|_| Exception::StoreAccessFault(va))?;
    // Operate on sign-extended values; the W forms store the low 32 bits.
    let old = if word { sext32(raw) } else { raw };
    let src = if word { sext32(x(cpu, insn.rs2)) } else { x(cpu, insn.rs2) };
    let new = match insn.op {
        AmoswapW | AmoswapD => src,
        AmoaddW | AmoaddD => old.wrapping_add(src),
        AmoxorW | AmoxorD => old ^ src,
        AmoandW | AmoandD => old & src,
        AmoorW | AmoorD => old | src,
        AmominW | AmominD => (old as i64).min(src as i64) as u64,
        AmomaxW | AmomaxD => (old as i64).max(src as i64) as u64,
        AmominuW => (old as u32).min(src as u32) as u64,
        AmomaxuW => (old as u32).max(src as u32) as u64,
        AmominuD => old.min(src),
        _ => old.max(src),
    };
    cpu.bus.write(pa, size, new).map_err(|_| Exception::StoreAccessFault(va))?;
    cpu.mem = Some(crate::cpu::MemAccess { va, size, stored: Some(new) });
    alu(cpu, insn, old)
}

/// Zicsr. csrrw always writes and reads only when rd != x0; csrrs/csrrc (and
/// the immediate forms) always read and write only when rs1 (or the
/// immediate) is not zero (Unprivileged ISA 7.1).
fn csr(cpu: &mut Cpu, insn: &Insn, raw: u32, env: &CsrEnv) -> Result<Outcome, Exception> {
    use Op::*;
    let addr = insn.imm as u16;
    let operand = match insn.op {
        Csrrwi | Csrrsi | Csrrci => insn.rs1 as u64,
        _ => x(cpu, insn.rs1),
    };
    let writes = matches!(insn.op, Csrrw | Csrrwi) || insn.rs1 != 0;
    cpu.hart.csr.check_access(addr, cpu.hart.prv, writes, raw as u64)?;
    let old = if crate::hart::csr::hpm_counter_index(addr).is_some() {
        cpu.hart.csr.read_hpm(addr, env, &crate::hart::hpm::sources(cpu.hart, cpu.mmu))
    } else {
        cpu.hart.csr.read(addr, env)
    };
    let mut outcome = Outcome::Continue;
    if writes {
        let new = match insn.op {
            Csrrw | Csrrwi => operand,
            Csrrs | Csrrsi => cpu.hart.csr.rmw_base(addr, old) | operand,
            _ => cpu.hart.csr.rmw_base(addr, old) & !operand,
        };
        outcome = match cpu.hart.csr.write(addr, new) {
            // The TLB is tagged by ASID and re-checks SUM/MXR/MPRV on every
            // hit, so neither a satp nor an mstatus write flushes anything.
            CsrEffect::None | CsrEffect::Satp | CsrEffect::Mstatus => Outcome::Continue,
            CsrEffect::Interrupts => Outcome::CheckInterrupts,
            CsrEffect::Counter(which, v) => {
                // The written value is what the next instruction sees: the
                // retirement of this one must not count on top of it.
                match which {
                    crate::hart::csr::addr::MINSTRET => cpu.hart.instret = v.wrapping_sub(1),
                    _ => cpu.hart.cycle = v.wrapping_sub(1),
                }
                Outcome::Continue
            }
            CsrEffect::Hpm(which, v) => {
                let src = crate::hart::hpm::sources(cpu.hart, cpu.mmu);
                cpu.hart.csr.write_hpm(which, v, &src);
                Outcome::Continue
            }
        };
    }
    set_x(cpu, insn.rd, old);
    next(cpu, insn)?;
    Ok(outcome)
}

/// Environment calls, breakpoints, xRET, WFI, sfence.vma and the fences
/// (Privileged ISA 3.3 and 12.2.1).
fn system(cpu: &mut Cpu, insn: &Insn, raw: u32) -> Result<Outcome, Exception> {
    let illegal = Err(Exception::IllegalInstruction(raw as u64));
    let prv = cpu.hart.prv;
    let ms = cpu.hart.csr.mstatus;
    match insn.op {
        Op::Ecall => Err(match prv {
            Priv::U => Exception::EcallFromU,
            Priv::S => Exception::EcallFromS,
            Priv::M => Exception::EcallFromM,
        }),
        // tval 0, as QEMU 7.2 writes it (the spec also allows the pc).
        Op::Ebreak => Err(Exception::Breakpoint(0)),
        Op::Mret if prv != Priv::M => illegal,
        Op::Mret => {
            cpu.hart.mret();
            Ok(Outcome::CheckInterrupts)
        }
        Op::Sret if prv == Priv::U || (prv == Priv::S && ms & mstatus::TSR != 0) => illegal,
        Op::Sret => {
            cpu.hart.sret();
            Ok(Outcome::CheckInterrupts)
        }
        // WFI in U-mode traps (S-mode exists); in S-mode it traps when TW is set.
        Op::Wfi if prv == Priv::U || (prv == Priv::S && ms & mstatus::TW != 0) => illegal,
        Op::Wfi => {
            next(cpu, insn)?;
            Ok(Outcome::WaitForInterrupt)
        }
        Op::SfenceVma if prv == Priv::U || (prv == Priv::S && ms & mstatus::TVM != 0) => illegal,
        Op::SfenceVma => {
            // rs1 = x0: all addresses; rs2 = x0: all address spaces (12.2.1).
            // The ASID is the low 16 bits of rs2 (ASIDLEN = 16).
            let asid = x(cpu, insn.rs2) as u16;
            let va = x(cpu, insn.rs1);
            let scope = match (insn.rs1, insn.rs2) {
                (0, 0) => FlushScope::All,
                (0, _) => FlushScope::Asid(asid),
                (_, 0) => FlushScope::Va(va),
                _ => FlushScope::VaAsid(va, asid),
            };
            next(cpu, insn)?;
            Ok(Outcome::FlushTranslations(scope))
        }
        Op::FenceI => {
            next(cpu, insn)?;
            Ok(Outcome::FlushCode)
        }
        _ => next(cpu, insn), // fence, fence.tso: one hart at a time, memory is always coherent
    }
}

#[cfg(test)]
mod tests;
