//! The operations of RV64GC plus the privileged instructions, and the
//! compressed forms of RVC, each with its assembler mnemonic.
//!
//! One list drives both the enum and the mnemonic table, so the two can never
//! disagree. Mnemonics are those of the RISC-V Unprivileged ISA (and of GNU
//! binutils with `-M no-aliases`).

macro_rules! operations {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($v:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)] // each variant is the instruction its mnemonic names
        $vis enum $name { $($v,)* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            /// The assembler mnemonic.
            pub const fn mnemonic(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }
        }
    };
}

operations! {
    /// An operation, independent of its encoding (compressed instructions map
    /// onto the operation they expand to).
    pub enum Op {
        // RV64I
        Lui = "lui", Auipc = "auipc", Jal = "jal", Jalr = "jalr",
        Beq = "beq", Bne = "bne", Blt = "blt", Bge = "bge", Bltu = "bltu", Bgeu = "bgeu",
        Lb = "lb", Lh = "lh", Lw = "lw", Ld = "ld", Lbu = "lbu", Lhu = "lhu", Lwu = "lwu",
        Sb = "sb", Sh = "sh", Sw = "sw", Sd = "sd",
        Addi = "addi", Slti = "slti", Sltiu = "sltiu", Xori = "xori", Ori = "ori", Andi = "andi",
        Slli = "slli", Srli = "srli", Srai = "srai",
        Add = "add", Sub = "sub", Sll = "sll", Slt = "slt", Sltu = "sltu", Xor = "xor",
        Srl = "srl", Sra = "sra", Or = "or", And = "and",
        Addiw = "addiw", Slliw = "slliw", Srliw = "srliw", Sraiw = "sraiw",
        Addw = "addw", Subw = "subw", Sllw = "sllw", Srlw = "srlw", Sraw = "sraw",
        Fence = "fence", FenceTso = "fence.tso", Ecall = "ecall", Ebreak = "ebreak",
        // Zifencei
        FenceI = "fence.i",
        // Zicsr
        Csrrw = "csrrw", Csrrs = "csrrs", Csrrc = "csrrc",
        Csrrwi = "csrrwi", Csrrsi = "csrrsi", Csrrci = "csrrci",
        // Privileged
        Mret = "mret", Sret = "sret", Wfi = "wfi", SfenceVma = "sfence.vma",
        // M
        Mul = "mul", Mulh = "mulh", Mulhsu = "mulhsu", Mulhu = "mulhu",
        Div = "div", Divu = "divu", Rem = "rem", Remu = "remu",
        Mulw = "mulw", Divw = "divw", Divuw = "divuw", Remw = "remw", Remuw = "remuw",
        // A
        LrW = "lr.w", ScW = "sc.w", AmoswapW = "amoswap.w", AmoaddW = "amoadd.w",
        AmoxorW = "amoxor.w", AmoandW = "amoand.w", AmoorW = "amoor.w",
        AmominW = "amomin.w", AmomaxW = "amomax.w", AmominuW = "amominu.w", AmomaxuW = "amomaxu.w",
        LrD = "lr.d", ScD = "sc.d", AmoswapD = "amoswap.d", AmoaddD = "amoadd.d",
        AmoxorD = "amoxor.d", AmoandD = "amoand.d", AmoorD = "amoor.d",
        AmominD = "amomin.d", AmomaxD = "amomax.d", AmominuD = "amominu.d", AmomaxuD = "amomaxu.d",
        // F
        Flw = "flw", Fsw = "fsw",
        FmaddS = "fmadd.s", FmsubS = "fmsub.s", FnmsubS = "fnmsub.s", FnmaddS = "fnmadd.s",
        FaddS = "fadd.s", FsubS = "fsub.s", FmulS = "fmul.s", FdivS = "fdiv.s", FsqrtS = "fsqrt.s",
        FsgnjS = "fsgnj.s", FsgnjnS = "fsgnjn.s", FsgnjxS = "fsgnjx.s", FminS = "fmin.s", FmaxS = "fmax.s",
        FcvtWS = "fcvt.w.s", FcvtWuS = "fcvt.wu.s", FcvtLS = "fcvt.l.s", FcvtLuS = "fcvt.lu.s",
        FmvXW = "fmv.x.w", FeqS = "feq.s", FltS = "flt.s", FleS = "fle.s", FclassS = "fclass.s",
        FcvtSW = "fcvt.s.w", FcvtSWu = "fcvt.s.wu", FcvtSL = "fcvt.s.l", FcvtSLu = "fcvt.s.lu",
        FmvWX = "fmv.w.x",
        // D
        Fld = "fld", Fsd = "fsd",
        FmaddD = "fmadd.d", FmsubD = "fmsub.d", FnmsubD = "fnmsub.d", FnmaddD = "fnmadd.d",
        FaddD = "fadd.d", FsubD = "fsub.d", FmulD = "fmul.d", FdivD = "fdiv.d", FsqrtD = "fsqrt.d",
        FsgnjD = "fsgnj.d", FsgnjnD = "fsgnjn.d", FsgnjxD = "fsgnjx.d", FminD = "fmin.d", FmaxD = "fmax.d",
        FcvtSD = "fcvt.s.d", FcvtDS = "fcvt.d.s",
        FcvtWD = "fcvt.w.d", FcvtWuD = "fcvt.wu.d", FcvtLD = "fcvt.l.d", FcvtLuD = "fcvt.lu.d",
        FmvXD = "fmv.x.d", FeqD = "feq.d", FltD = "flt.d", FleD = "fle.d", FclassD = "fclass.d",
        FcvtDW = "fcvt.d.w", FcvtDWu = "fcvt.d.wu", FcvtDL = "fcvt.d.l", FcvtDLu = "fcvt.d.lu",
        FmvDX = "fmv.d.x",
        // Not a valid instruction (reserved or unknown encoding).
        Illegal = "illegal",
    }
}

operations! {
    /// The compressed (RVC, RV64) instruction forms, kept beside the expanded
    /// operation so the disassembler can print what was encoded.
    pub enum CForm {
        Addi4spn = "c.addi4spn", Fld = "c.fld", Lw = "c.lw", Ld = "c.ld",
        Fsd = "c.fsd", Sw = "c.sw", Sd = "c.sd",
        Addi = "c.addi", Addiw = "c.addiw", Li = "c.li", Addi16sp = "c.addi16sp",
        Lui = "c.lui", Srli = "c.srli", Srai = "c.srai", Andi = "c.andi",
        Sub = "c.sub", Xor = "c.xor", Or = "c.or", And = "c.and", Subw = "c.subw", Addw = "c.addw",
        J = "c.j", Beqz = "c.beqz", Bnez = "c.bnez",
        Slli = "c.slli", Fldsp = "c.fldsp", Lwsp = "c.lwsp", Ldsp = "c.ldsp",
        Jr = "c.jr", Mv = "c.mv", Ebreak = "c.ebreak", Jalr = "c.jalr", Add = "c.add",
        Fsdsp = "c.fsdsp", Swsp = "c.swsp", Sdsp = "c.sdsp",
    }
}

/// A register file: the integer registers x0..x31 or the floating-point
/// registers f0..f31.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegFile {
    /// x0..x31.
    X,
    /// f0..f31.
    F,
}

impl RegFile {
    /// The letter of the file in register names: `'x'` or `'f'`.
    pub fn letter(self) -> char {
        match self {
            RegFile::X => 'x',
            RegFile::F => 'f',
        }
    }
}

impl Op {
    /// The register file that the operation's `rd` field names a
    /// destination in, or None when it writes no register.
    pub fn rd_file(self) -> Option<RegFile> {
        use Op::*;
        match self {
            Beq | Bne | Blt | Bge | Bltu | Bgeu | Sb | Sh | Sw | Sd | Fence | FenceTso | FenceI | Ecall | Ebreak
            | Mret | Sret | Wfi | SfenceVma | Fsw | Fsd | Illegal => None,
            FmvXW | FmvXD | FclassS | FclassD | FeqS | FltS | FleS | FeqD | FltD | FleD | FcvtWS | FcvtWuS | FcvtLS
            | FcvtLuS | FcvtWD | FcvtWuD | FcvtLD | FcvtLuD => Some(RegFile::X),
            op if op.is_float() => Some(RegFile::F),
            _ => Some(RegFile::X),
        }
    }

    /// True for the F and D extension operations (they need mstatus.FS != Off).
    pub fn is_float(self) -> bool {
        let first = Op::Flw as u16;
        let last = Op::FmvDX as u16;
        (first..=last).contains(&(self as u16))
    }
}
