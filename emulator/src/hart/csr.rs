//! The control and status registers: their numbers and names (RISC-V
//! Privileged ISA, chapter 2 "Control and Status Registers", tables 2.2-2.6),
//! the CSR file of one hart, and the access rules with their WARL behaviour.

use super::pmp::Pmp;
use super::trap::Exception;
use super::Priv;

/// CSR numbers.
#[allow(missing_docs)]
pub mod addr {
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const CYCLE: u16 = 0xc00;
    pub const TIME: u16 = 0xc01;
    pub const INSTRET: u16 = 0xc02;
    pub const HPMCOUNTER3: u16 = 0xc03;
    pub const HPMCOUNTER31: u16 = 0xc1f;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10a;
    pub const STIMECMP: u16 = 0x14d;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const SATP: u16 = 0x180;
    pub const MVENDORID: u16 = 0xf11;
    pub const MARCHID: u16 = 0xf12;
    pub const MIMPID: u16 = 0xf13;
    pub const MHARTID: u16 = 0xf14;
    pub const MCONFIGPTR: u16 = 0xf15;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30a;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MHPMEVENT3: u16 = 0x323;
    pub const MHPMEVENT31: u16 = 0x33f;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3a0;
    pub const PMPCFG15: u16 = 0x3af;
    pub const PMPADDR0: u16 = 0x3b0;
    pub const PMPADDR63: u16 = 0x3ef;
    pub const MCYCLE: u16 = 0xb00;
    pub const MINSTRET: u16 = 0xb02;
    pub const MHPMCOUNTER3: u16 = 0xb03;
    pub const MHPMCOUNTER31: u16 = 0xb1f;
}

/// The assembler name of CSR `a` (as GNU binutils prints it), if it has one.
pub fn name(a: u16) -> Option<&'static str> {
    use addr::*;
    Some(match a {
        FFLAGS => "fflags",
        FRM => "frm",
        FCSR => "fcsr",
        CYCLE => "cycle",
        TIME => "time",
        INSTRET => "instret",
        HPMCOUNTER3..=HPMCOUNTER31 => HPMCOUNTER_NAMES[(a - CYCLE) as usize],
        SSTATUS => "sstatus",
        SIE => "sie",
        STVEC => "stvec",
        SCOUNTEREN => "scounteren",
        SENVCFG => "senvcfg",
        STIMECMP => "stimecmp",
        SSCRATCH => "sscratch",
        SEPC => "sepc",
        SCAUSE => "scause",
        STVAL => "stval",
        SIP => "sip",
        SATP => "satp",
        MVENDORID => "mvendorid",
        MARCHID => "marchid",
        MIMPID => "mimpid",
        MHARTID => "mhartid",
        MCONFIGPTR => "mconfigptr",
        MSTATUS => "mstatus",
        MISA => "misa",
        MEDELEG => "medeleg",
        MIDELEG => "mideleg",
        MIE => "mie",
        MTVEC => "mtvec",
        MCOUNTEREN => "mcounteren",
        MENVCFG => "menvcfg",
        MCOUNTINHIBIT => "mcountinhibit",
        MHPMEVENT3..=MHPMEVENT31 => MHPMEVENT_NAMES[(a - MHPMEVENT3) as usize],
        MSCRATCH => "mscratch",
        MEPC => "mepc",
        MCAUSE => "mcause",
        MTVAL => "mtval",
        MIP => "mip",
        PMPCFG0..=PMPCFG15 => PMPCFG_NAMES[(a - PMPCFG0) as usize],
        PMPADDR0..=PMPADDR63 => PMPADDR_NAMES[(a - PMPADDR0) as usize],
        0x7a0 => "tselect",
        0x7a1 => "tdata1",
        0x7a2 => "tdata2",
        0x7a3 => "tdata3",
        0x7a4 => "tinfo",
        MCYCLE => "mcycle",
        MINSTRET => "minstret",
        MHPMCOUNTER3..=MHPMCOUNTER31 => MHPMCOUNTER_NAMES[(a - MCYCLE) as usize],
        _ => return None,
    })
}

macro_rules! numbered_names {
    ($name:ident, $prefix:literal, $($n:literal)*) => {
        const $name: &[&str] = &[$(concat!($prefix, $n),)*];
    };
}
numbered_names!(HPMCOUNTER_NAMES, "hpmcounter", 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
numbered_names!(MHPMCOUNTER_NAMES, "mhpmcounter", 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
numbered_names!(MHPMEVENT_NAMES, "mhpmevent", 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
numbered_names!(PMPCFG_NAMES, "pmpcfg", 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
numbered_names!(PMPADDR_NAMES, "pmpaddr", 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63);

/// mstatus fields (Privileged ISA 3.1.6).
#[allow(missing_docs)]
pub mod mstatus {
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const UBE: u64 = 1 << 6;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const VS: u64 = 3 << 9;
    pub const MPP_SHIFT: u32 = 11;
    pub const MPP: u64 = 3 << MPP_SHIFT;
    pub const FS_SHIFT: u32 = 13;
    pub const FS: u64 = 3 << FS_SHIFT;
    pub const XS: u64 = 3 << 15;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
    pub const UXL: u64 = 3 << 32;
    pub const SXL: u64 = 3 << 34;
    pub const SD: u64 = 1 << 63;
    /// UXL = SXL = 2: U and S mode are 64-bit (read-only here).
    pub const XLEN64: u64 = (2 << 32) | (2 << 34);
    /// The bits a write to mstatus may change.
    pub const WRITABLE: u64 = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    /// The bits sstatus shows of mstatus.
    pub const SSTATUS_VIEW: u64 = SIE | SPIE | UBE | SPP | VS | FS | XS | SUM | MXR | UXL | SD;
    /// The bits a write to sstatus may change.
    pub const SSTATUS_WRITABLE: u64 = SIE | SPIE | SPP | FS | SUM | MXR;
}

/// misa extension bits of what this hart implements: RV64 I, M, A, F, D, C, S, U.
pub const MISA_VALUE: u64 =
    (2 << 62) | ext(b'I') | ext(b'M') | ext(b'A') | ext(b'F') | ext(b'D') | ext(b'C') | ext(b'S') | ext(b'U');

const fn ext(c: u8) -> u64 {
    1 << (c - b'A')
}

/// menvcfg and senvcfg fields (Privileged ISA 3.1.18, 4.1.10).
#[allow(missing_docs)]
pub mod envcfg {
    /// Fence of I/O implies memory: writable, no effect here (one hart at a
    /// time, memory always coherent).
    pub const FIOM: u64 = 1 << 0;
    /// Sstc: stimecmp enabled for S-mode and driving mip.STIP.
    pub const STCE: u64 = 1 << 63;
    /// The bits menvcfg keeps: FIOM and STCE. CBIE/CBCFE/CBZE (Zicbo*),
    /// PBMTE (Svpbmt) and ADUE (Svadu) read 0: those extensions are not
    /// implemented (A/D updating is chosen by `--ad-update` instead).
    pub const MENVCFG_WRITABLE: u64 = FIOM | STCE;
    /// The bits senvcfg keeps: FIOM.
    pub const SENVCFG_WRITABLE: u64 = FIOM;
}

/// mip/mie bits that exist on this hart: SSI, MSI, STI, MTI, SEI, MEI.
const INTERRUPTS: u64 = 0xaaa;
/// Interrupts that may be delegated to S-mode (mideleg is WARL).
const DELEGABLE_INTERRUPTS: u64 = 0x222;
/// mip bits software writes in M-mode (the rest follow device lines).
const MIP_WRITABLE: u64 = 0x222;
/// Exceptions that may be delegated (all but ecall from M-mode).
const DELEGABLE_EXCEPTIONS: u64 = 0xb3ff;

/// The CSR file of one hart. Each field holds the CSR of the same name;
/// counters and the hart id are supplied by the caller of [`CsrFile::read`]
/// through [`CsrEnv`].
#[allow(missing_docs)]
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
pub struct CsrFile {
    pub mstatus: u64,
    pub medeleg: u64,
    pub mideleg: u64,
    pub mie: u64,
    /// The software-writable part of mip (SSIP, STIP, SEIP).
    pub mip_sw: u64,
    /// Interrupt lines driven by devices (MSIP, MTIP, MEIP, SEIP).
    pub mip_hw: u64,
    pub mtvec: u64,
    pub mepc: u64,
    pub mcause: u64,
    pub mtval: u64,
    pub mscratch: u64,
    pub mcounteren: u64,
    pub menvcfg: u64,
    pub mcountinhibit: u64,
    pub stvec: u64,
    pub sepc: u64,
    pub scause: u64,
    pub stval: u64,
    pub sscratch: u64,
    pub scounteren: u64,
    pub senvcfg: u64,
    /// Sstc: when time >= stimecmp and menvcfg.STCE = 1, mip.STIP is set.
    pub stimecmp: u64,
    pub satp: u64,
    /// fflags (bits 4:0) and frm (bits 7:5).
    pub fcsr: u64,
    /// pmpcfg0..15 and pmpaddr0..63 (16 entries implemented).
    pub pmp: Pmp,
    /// Sdtrig's tselect, tdata1-3, tinfo (see [`super::trigger`]).
    pub triggers: super::trigger::Triggers,
    /// mhpmevent3..31 and the state of mhpmcounter3..31 (see [`super::hpm`]).
    pub hpm: super::hpm::Hpm,
}

impl Default for CsrFile {
    /// The reset state: everything zero (mstatus.MPP = U, satp Bare, PMP off).
    fn default() -> Self {
        CsrFile {
            mstatus: 0,
            medeleg: 0,
            mideleg: 0,
            mie: 0,
            mip_sw: 0,
            mip_hw: 0,
            mtvec: 0,
            mepc: 0,
            mcause: 0,
            mtval: 0,
            mscratch: 0,
            mcounteren: 0,
            menvcfg: 0,
            mcountinhibit: 0,
            stvec: 0,
            sepc: 0,
            scause: 0,
            stval: 0,
            sscratch: 0,
            scounteren: 0,
            senvcfg: 0,
            stimecmp: 0,
            satp: 0,
            fcsr: 0,
            pmp: Pmp::default(),
            triggers: Default::default(),
            hpm: Default::default(),
        }
    }
}

/// Values the CSR file does not own: the hart id, the counters and time.
#[derive(Clone, Copy, Debug)]
pub struct CsrEnv {
    /// mhartid.
    pub hartid: u64,
    /// mcycle: cycles this hart has run.
    pub cycle: u64,
    /// minstret: instructions this hart has retired.
    pub instret: u64,
    /// mtime, in ticks of the timebase.
    pub time: u64,
}

/// What a CSR write changed, so the hart can react (flush translations,
/// re-check interrupts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrEffect {
    /// Nothing outside the register itself.
    None,
    /// satp changed.
    Satp,
    /// The translation or privilege context changed (mstatus MPRV/SUM/MXR/MPP).
    Mstatus,
    /// Interrupt enables, pending bits or delegation changed.
    Interrupts,
    /// minstret or mcycle was written: the new value to install.
    Counter(u16, u64),
    /// mhpmcounterN, mhpmeventN or mcountinhibit was written with this
    /// value: the caller applies it to [`CsrFile::hpm`] with the running
    /// totals of [`super::hpm::sources`].
    Hpm(u16, u64),
}

/// The counter number n (0..29, for mhpmcounter(3 + n)) that CSR `a`
/// reads, for hpmcounter3..31 and mhpmcounter3..31.
pub fn hpm_counter_index(a: u16) -> Option<usize> {
    match a {
        addr::HPMCOUNTER3..=addr::HPMCOUNTER31 => Some((a - addr::HPMCOUNTER3) as usize),
        addr::MHPMCOUNTER3..=addr::MHPMCOUNTER31 => Some((a - addr::MHPMCOUNTER3) as usize),
        _ => None,
    }
}

impl CsrFile {
    /// menvcfg.STCE: Sstc's stimecmp is enabled.
    #[inline]
    pub fn sstc_enabled(&self) -> bool {
        self.menvcfg & envcfg::STCE != 0
    }

    /// Sstc: the STIP line at `time` (mtime ticks).
    #[inline]
    pub fn stimecmp_pending(&self, time: u64) -> bool {
        self.sstc_enabled() && time >= self.stimecmp
    }

    /// The value a csrrs/csrrc of `addr` modifies, given what it read
    /// (`read`): that value, except for mip.SEIP, where only the
    /// software-writable bit takes part in the read-modify-write, not the
    /// PLIC's line (Privileged ISA 3.1.9): a `csrs mip, STIP` while the
    /// line is high must not latch SEIP.
    pub fn rmw_base(&self, addr: u16, read: u64) -> u64 {
        if addr == addr::MIP {
            let sei = 1 << super::trap::irq::SEI;
            (read & !sei) | (self.mip_sw & sei)
        } else {
            read
        }
    }

    /// mip as software sees it: the writable bits OR the device lines.
    #[inline]
    pub fn mip(&self) -> u64 {
        self.mip_sw | self.mip_hw
    }

    /// Effective mstatus with SD computed from FS/XS/VS.
    fn mstatus_read(&self) -> u64 {
        let s = self.mstatus | mstatus::XLEN64;
        let dirty =
            (s & mstatus::FS) == mstatus::FS || (s & mstatus::VS) == mstatus::VS || (s & mstatus::XS) == mstatus::XS;
        if dirty {
            s | mstatus::SD
        } else {
            s
        }
    }

    /// mstatus.FS in 0..=3 (Off, Initial, Clean, Dirty).
    pub fn fs(&self) -> u64 {
        (self.mstatus & mstatus::FS) >> mstatus::FS_SHIFT
    }

    /// Check that `prv` may access CSR `a` at all (Privileged ISA 2.1: bits
    /// 9:8 give the lowest privilege; bits 11:10 = 3 mean read-only), plus the
    /// rules of mstatus.TVM, the counter enables and mstatus.FS.
    pub fn check_access(&self, a: u16, prv: Priv, write: bool, insn_bits: u64) -> Result<(), Exception> {
        let illegal = Err(Exception::IllegalInstruction(insn_bits));
        if name(a).is_none() || (prv as u16) < ((a >> 8) & 3) || (write && (a >> 10) & 3 == 3) {
            return illegal;
        }
        match a {
            addr::SATP if prv == Priv::S && self.mstatus & mstatus::TVM != 0 => illegal,
            // Sstc: S-mode reaches stimecmp only with menvcfg.STCE and mcounteren.TM.
            addr::STIMECMP if prv == Priv::S && (!self.sstc_enabled() || self.mcounteren & 2 == 0) => illegal,
            addr::CYCLE..=addr::HPMCOUNTER31 => {
                let bit = 1u64 << (a - addr::CYCLE);
                let ok = match prv {
                    Priv::M => true,
                    Priv::S => self.mcounteren & bit != 0,
                    Priv::U => self.mcounteren & bit != 0 && self.scounteren & bit != 0,
                };
                if ok {
                    Ok(())
                } else {
                    illegal
                }
            }
            addr::FFLAGS | addr::FRM | addr::FCSR if self.fs() == 0 => illegal,
            // RV64 has only the even pmpcfg registers (3.7.1).
            addr::PMPCFG0..=addr::PMPCFG15 if !a.is_multiple_of(2) => illegal,
            _ => Ok(()),
        }
    }

    /// Read CSR `a`. Access rights must have been checked.
    pub fn read(&self, a: u16, env: &CsrEnv) -> u64 {
        use addr::*;
        match a {
            FFLAGS => self.fcsr & 0x1f,
            FRM => (self.fcsr >> 5) & 7,
            FCSR => self.fcsr & 0xff,
            CYCLE | MCYCLE => env.cycle,
            TIME => env.time,
            INSTRET | MINSTRET => env.instret,
            // The counters need the MMU's totals: read them with
            // [`CsrFile::read_hpm`]; this is the value without them.
            HPMCOUNTER3..=HPMCOUNTER31 | MHPMCOUNTER3..=MHPMCOUNTER31 => 0,
            MHPMEVENT3..=MHPMEVENT31 => self.hpm.event((a - MHPMEVENT3) as usize),
            SSTATUS => self.mstatus_read() & mstatus::SSTATUS_VIEW,
            SIE => self.mie & self.mideleg,
            STVEC => self.stvec,
            SCOUNTEREN => self.scounteren,
            SENVCFG => self.senvcfg,
            STIMECMP => self.stimecmp,
            SSCRATCH => self.sscratch,
            SEPC => self.sepc,
            SCAUSE => self.scause,
            STVAL => self.stval,
            SIP => self.mip() & self.mideleg,
            SATP => self.satp,
            MVENDORID | MARCHID | MIMPID | MCONFIGPTR => 0,
            MHARTID => env.hartid,
            MSTATUS => self.mstatus_read(),
            MISA => MISA_VALUE,
            MEDELEG => self.medeleg,
            MIDELEG => self.mideleg,
            MIE => self.mie,
            MTVEC => self.mtvec,
            MCOUNTEREN => self.mcounteren,
            MENVCFG => self.menvcfg,
            MCOUNTINHIBIT => self.mcountinhibit,
            MSCRATCH => self.mscratch,
            MEPC => self.mepc,
            MCAUSE => self.mcause,
            MTVAL => self.mtval,
            MIP => self.mip(),
            PMPCFG0..=PMPCFG15 if a.is_multiple_of(2) => self.pmp.read_cfg((a - PMPCFG0) as usize),
            PMPADDR0..=PMPADDR63 => self.pmp.read_addr((a - PMPADDR0) as usize),
            0x7a0..=0x7a4 => self.triggers.read(a),
            _ => 0,
        }
    }

    /// Write CSR `a` with WARL legalisation. Access rights must have been
    /// checked. Returns what else the write affects.
    pub fn write(&mut self, a: u16, v: u64) -> CsrEffect {
        use addr::*;
        match a {
            FFLAGS => self.set_fcsr((self.fcsr & !0x1f) | (v & 0x1f)),
            FRM => self.set_fcsr((self.fcsr & !0xe0) | ((v & 7) << 5)),
            FCSR => self.set_fcsr(v & 0xff),
            MCYCLE | MINSTRET => return CsrEffect::Counter(a, v),
            SSTATUS => {
                let w = mstatus::SSTATUS_WRITABLE;
                self.mstatus = (self.mstatus & !w) | (v & w);
                return CsrEffect::Mstatus;
            }
            SIE => {
                let w = self.mideleg;
                self.mie = (self.mie & !w) | (v & w);
                return CsrEffect::Interrupts;
            }
            STVEC => self.stvec = legal_tvec(v),
            SCOUNTEREN => self.scounteren = v & 0xffff_ffff,
            SENVCFG => self.senvcfg = v & envcfg::SENVCFG_WRITABLE,
            STIMECMP => {
                self.stimecmp = v;
                return CsrEffect::Interrupts;
            }
            SSCRATCH => self.sscratch = v,
            SEPC => self.sepc = v & !1,
            SCAUSE => self.scause = v,
            STVAL => self.stval = v,
            SIP => {
                // Only SSIP is writable through sip, and only when delegated.
                let w = self.mideleg & (1 << super::trap::irq::SSI);
                self.mip_sw = (self.mip_sw & !w) | (v & w);
                return CsrEffect::Interrupts;
            }
            SATP => {
                // MODE is WARL: Bare, Sv39, Sv48 and Sv57 are accepted; any
                // other mode leaves satp unchanged. ASID is 16 bits wide.
                let mode = v >> 60;
                if matches!(mode, 0 | 8 | 9 | 10) {
                    self.satp = v;
                }
                return CsrEffect::Satp;
            }
            MSTATUS => {
                let mut v = v;
                // MPP is WARL: the reserved value 2 keeps the old mode.
                if (v & mstatus::MPP) >> mstatus::MPP_SHIFT == 2 {
                    v = (v & !mstatus::MPP) | (self.mstatus & mstatus::MPP);
                }
                let w = mstatus::WRITABLE;
                self.mstatus = (self.mstatus & !w) | (v & w);
                return CsrEffect::Mstatus;
            }
            MISA => {}
            MEDELEG => self.medeleg = v & DELEGABLE_EXCEPTIONS,
            MIDELEG => {
                self.mideleg = v & DELEGABLE_INTERRUPTS;
                return CsrEffect::Interrupts;
            }
            MIE => {
                self.mie = v & INTERRUPTS;
                return CsrEffect::Interrupts;
            }
            MTVEC => self.mtvec = legal_tvec(v),
            MCOUNTEREN => self.mcounteren = v & 0xffff_ffff,
            MENVCFG => {
                self.menvcfg = v & envcfg::MENVCFG_WRITABLE;
                if self.sstc_enabled() {
                    // STIP now follows stimecmp; software can no longer set it.
                    self.mip_sw &= !(1 << super::trap::irq::STI);
                }
                return CsrEffect::Interrupts;
            }
            MCOUNTINHIBIT => {
                self.mcountinhibit = v & 0xffff_fffd;
                return CsrEffect::Hpm(a, self.mcountinhibit);
            }
            MHPMCOUNTER3..=MHPMCOUNTER31 | MHPMEVENT3..=MHPMEVENT31 => return CsrEffect::Hpm(a, v),
            MSCRATCH => self.mscratch = v,
            MEPC => self.mepc = v & !1,
            MCAUSE => self.mcause = v,
            MTVAL => self.mtval = v,
            MIP => {
                // With Sstc enabled, STIP is read-only (driven by stimecmp).
                let w = if self.sstc_enabled() { MIP_WRITABLE & !(1 << super::trap::irq::STI) } else { MIP_WRITABLE };
                self.mip_sw = (self.mip_sw & !w) | (v & w);
                return CsrEffect::Interrupts;
            }
            PMPCFG0..=PMPCFG15 if a.is_multiple_of(2) => self.pmp.write_cfg((a - PMPCFG0) as usize, v),
            PMPADDR0..=PMPADDR63 => self.pmp.write_addr((a - PMPADDR0) as usize, v),
            0x7a0..=0x7a4 => self.triggers.write(a, v),
            _ => {}
        }
        CsrEffect::None
    }

    /// Read CSR `a` as [`CsrFile::read`] does, the hpm counters included,
    /// given the hart's running event totals `src`.
    pub fn read_hpm(&self, a: u16, env: &CsrEnv, src: &super::hpm::Sources) -> u64 {
        match hpm_counter_index(a) {
            Some(n) => self.hpm.counter(n, src),
            None => self.read(a, env),
        }
    }

    /// Apply a write that returned [`CsrEffect::Hpm`]`(a, v)`, given the
    /// hart's running event totals `src`.
    pub fn write_hpm(&mut self, a: u16, v: u64, src: &super::hpm::Sources) {
        use addr::*;
        match a {
            MCOUNTINHIBIT => self.hpm.set_inhibit(v, src),
            MHPMCOUNTER3..=MHPMCOUNTER31 => self.hpm.set_counter((a - MHPMCOUNTER3) as usize, v, src),
            MHPMEVENT3..=MHPMEVENT31 => self.hpm.set_event((a - MHPMEVENT3) as usize, v, src),
            _ => {}
        }
    }

    fn set_fcsr(&mut self, v: u64) {
        self.fcsr = v;
        self.mstatus |= mstatus::FS; // writing FP state makes it Dirty
    }
}

/// xtvec is WARL: MODE 0 (direct) and 1 (vectored) are legal; a reserved
/// mode (2, 3) is replaced by direct.
fn legal_tvec(v: u64) -> u64 {
    if v & 3 >= 2 {
        v & !3
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: CsrEnv = CsrEnv { hartid: 3, cycle: 10, instret: 9, time: 1 };

    #[test]
    fn privilege_and_read_only_rules() {
        let f = CsrFile::default();
        assert!(f.check_access(addr::MSTATUS, Priv::S, false, 0).is_err());
        assert!(f.check_access(addr::SSTATUS, Priv::S, true, 0).is_ok());
        assert!(f.check_access(addr::MHARTID, Priv::M, true, 0).is_err());
        assert!(f.check_access(addr::MHARTID, Priv::M, false, 0).is_ok());
        assert!(f.check_access(addr::PMPCFG0 + 1, Priv::M, false, 0).is_err()); // odd pmpcfg: RV32 only
        assert!(f.check_access(addr::PMPCFG0 + 2, Priv::M, true, 0).is_ok());
        assert!(f.check_access(0x7ff, Priv::M, false, 0).is_err()); // no such CSR
                                                                    // Counters: gated by mcounteren for S, by both enables for U.
        let mut f = CsrFile::default();
        assert!(f.check_access(addr::TIME, Priv::S, false, 0).is_err());
        f.mcounteren = 2;
        assert!(f.check_access(addr::TIME, Priv::S, false, 0).is_ok());
        assert!(f.check_access(addr::TIME, Priv::U, false, 0).is_err());
        f.scounteren = 2;
        assert!(f.check_access(addr::TIME, Priv::U, false, 0).is_ok());
        assert_eq!(f.read(addr::MHARTID, &ENV), 3);
    }

    #[test]
    fn warl_fields() {
        let mut f = CsrFile::default();
        f.write(addr::MSTATUS, 3 << mstatus::MPP_SHIFT);
        f.write(addr::MSTATUS, 2 << mstatus::MPP_SHIFT); // reserved MPP keeps M
        assert_eq!(f.read(addr::MSTATUS, &ENV) & mstatus::MPP, mstatus::MPP);
        assert_eq!(f.read(addr::MSTATUS, &ENV) & mstatus::XLEN64, mstatus::XLEN64);
        f.write(addr::SATP, 5 << 60); // reserved mode: ignored
        assert_eq!(f.satp, 0);
        f.write(addr::SATP, (8 << 60) | 0x8_0000);
        assert_eq!(f.satp >> 60, 8);
        f.write(addr::MTVEC, 0x8000_0003);
        assert_eq!(f.mtvec, 0x8000_0000);
        f.write(addr::MIDELEG, u64::MAX);
        assert_eq!(f.mideleg, 0x222);
        f.write(addr::MSTATUS, mstatus::FS);
        assert!(f.read(addr::MSTATUS, &ENV) & mstatus::SD != 0);
        assert!(f.read(addr::SSTATUS, &ENV) & mstatus::SD != 0);
        f.write(addr::MENVCFG, u64::MAX);
        assert_eq!(f.read(addr::MENVCFG, &ENV), envcfg::STCE | envcfg::FIOM);
        f.write(addr::SENVCFG, u64::MAX);
        assert_eq!(f.read(addr::SENVCFG, &ENV), envcfg::FIOM);
    }

    #[test]
    fn csrs_of_mip_does_not_latch_the_plic_seip_line() {
        // The PLIC's line is high; M-mode sets STIP with a read-modify-write.
        let mut f = CsrFile { mip_hw: 1 << 9, ..Default::default() };
        let read = f.read(addr::MIP, &ENV);
        assert_eq!(read, 1 << 9, "a read shows the line");
        f.write(addr::MIP, f.rmw_base(addr::MIP, read) | 1 << 5);
        f.mip_hw = 0;
        assert_eq!(f.mip(), 1 << 5, "SEIP follows the line once it drops");
    }

    #[test]
    fn sstc_access_and_stip() {
        let mut f = CsrFile { mcounteren: 2, ..Default::default() };
        assert!(f.check_access(addr::STIMECMP, Priv::S, true, 0).is_err()); // STCE = 0
        assert!(f.check_access(addr::STIMECMP, Priv::M, true, 0).is_ok());
        f.write(addr::MIP, 1 << 5);
        assert_eq!(f.mip(), 1 << 5); // STIP written by M-mode while STCE = 0
        f.write(addr::MENVCFG, envcfg::STCE);
        assert!(f.check_access(addr::STIMECMP, Priv::S, true, 0).is_ok());
        assert!(f.check_access(addr::STIMECMP, Priv::U, false, 0).is_err());
        assert_eq!(f.mip(), 0);
        f.write(addr::MIP, 1 << 5);
        assert_eq!(f.mip(), 0); // read-only now
        f.write(addr::STIMECMP, 100);
        assert!(!f.stimecmp_pending(99) && f.stimecmp_pending(100));
        f.mcounteren = 0;
        assert!(f.check_access(addr::STIMECMP, Priv::S, false, 0).is_err());
    }
}
