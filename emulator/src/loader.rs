//! Loading images into guest memory as QEMU loads `-bios` and `-kernel`
//! (`hw/riscv/boot.c`): an ELF (read with the `goblin` crate) has every
//! PT_LOAD segment at its physical address (p_paddr), file bytes then zeros
//! up to p_memsz, and starts at e_entry; anything else is a raw binary
//! copied to a given address, where it starts.

use goblin::elf::{header, program_header::PT_LOAD, Elf};
use thiserror::Error;

use crate::devices::Ram;

/// Why an image could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// Not an ELF file, or a malformed one.
    #[error("not a valid ELF file: {0}")]
    Malformed(String),
    /// An ELF for another machine, class or byte order.
    #[error("not a 64-bit little-endian RISC-V ELF ({0})")]
    WrongKind(String),
    /// A segment's file bytes lie beyond the end of the file (truncated file).
    #[error(
        "segment {index} needs file bytes {start:#x}..{end:#x}, but the file has only {len:#x} bytes (truncated?)"
    )]
    Truncated {
        /// Program header index.
        index: usize,
        /// First file offset.
        start: u64,
        /// End file offset.
        end: u64,
        /// File length.
        len: u64,
    },
    /// A segment does not fit in guest RAM.
    #[error("segment {index} at {start:#x}..{end:#x} lies outside RAM {ram_start:#x}..{ram_end:#x}")]
    OutsideRam {
        /// Program header index.
        index: usize,
        /// First physical address.
        start: u64,
        /// End physical address.
        end: u64,
        /// RAM start.
        ram_start: u64,
        /// RAM end.
        ram_end: u64,
    },
    /// The image has nothing to load.
    #[error("the ELF has no loadable segment")]
    Empty,
    /// Not an executable: a relocatable object (ET_REL), a core file...
    #[error("not an executable ELF (type {0}): link it into an executable first")]
    NotExecutable(&'static str),
    /// The program headers are not the size of an ELF64 program header.
    #[error("program headers of {0} bytes: an ELF64 program header has 56")]
    BadPhentsize(u16),
    /// The entry point is not in RAM, so no hart could start there.
    #[error("the entry point {entry:#x} lies outside RAM {ram_start:#x}..{ram_end:#x}")]
    EntryOutsideRam {
        /// e_entry.
        entry: u64,
        /// RAM start.
        ram_start: u64,
        /// RAM end.
        ram_end: u64,
    },
    /// A raw binary does not fit in RAM at its load address.
    #[error("a raw binary of {len} bytes does not fit in RAM at {addr:#x}")]
    RawDoesNotFit {
        /// Load address.
        addr: u64,
        /// Length in bytes.
        len: u64,
    },
}

/// Load `bytes` into `ram`: as an ELF when it starts with the ELF magic
/// number, else as a raw binary at `raw_addr` (entry = `raw_addr`).
pub fn load_image(bytes: &[u8], ram: &mut Ram, raw_addr: u64) -> Result<Image, LoadError> {
    if bytes.starts_with(b"\x7fELF") {
        return load_elf(bytes, ram);
    }
    let len = bytes.len() as u64;
    let dst = ram.slice_mut(raw_addr, len).ok_or(LoadError::RawDoesNotFit { addr: raw_addr, len })?;
    dst.copy_from_slice(bytes);
    Ok(Image { entry: raw_addr, start: raw_addr, end: raw_addr + len, tohost: None, fromhost: None })
}

/// A loaded image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Entry point (e_entry).
    pub entry: u64,
    /// Lowest physical address loaded.
    pub start: u64,
    /// One past the highest physical address loaded.
    pub end: u64,
    /// Address of the `tohost` symbol, if the image has one (HTIF).
    pub tohost: Option<u64>,
    /// Address of the `fromhost` symbol, if the image has one (HTIF).
    pub fromhost: Option<u64>,
}

/// Size of an ELF64 program header (e_phentsize).
const PHENTSIZE: u16 = 56;

/// Load the ELF image in `bytes` into `ram`: an executable (ET_EXEC or
/// ET_DYN) for 64-bit little-endian RISC-V whose every PT_LOAD segment and
/// whose entry point lie in RAM. Nothing that the file says can make this
/// panic; a malformed file is a [`LoadError`] (RAM may then hold part of it).
pub fn load_elf(bytes: &[u8], ram: &mut Ram) -> Result<Image, LoadError> {
    let elf = Elf::parse(bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;
    if !elf.is_64 || !elf.little_endian || elf.header.e_machine != header::EM_RISCV {
        return Err(LoadError::WrongKind(format!(
            "{}-bit, {} endian, machine {}",
            if elf.is_64 { 64 } else { 32 },
            if elf.little_endian { "little" } else { "big" },
            header::machine_to_str(elf.header.e_machine)
        )));
    }
    let e_type = elf.header.e_type;
    if e_type != header::ET_EXEC && e_type != header::ET_DYN {
        return Err(LoadError::NotExecutable(header::et_to_str(e_type)));
    }
    if elf.header.e_phnum != 0 && elf.header.e_phentsize != PHENTSIZE {
        return Err(LoadError::BadPhentsize(elf.header.e_phentsize));
    }
    // Before loading anything: a kernel that cannot start costs no copying.
    if !ram.contains(elf.entry, 2) {
        return Err(LoadError::EntryOutsideRam {
            entry: elf.entry,
            ram_start: ram.base(),
            ram_end: ram.base() + ram.size(),
        });
    }
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for (index, ph) in elf.program_headers.iter().enumerate() {
        if ph.p_type != PT_LOAD || ph.p_memsz == 0 {
            continue;
        }
        let file_end = ph.p_offset.checked_add(ph.p_filesz);
        if file_end.is_none_or(|end| end > bytes.len() as u64) || ph.p_filesz > ph.p_memsz {
            return Err(LoadError::Truncated {
                index,
                start: ph.p_offset,
                end: ph.p_offset.saturating_add(ph.p_filesz),
                len: bytes.len() as u64,
            });
        }
        let start = ph.p_paddr;
        let end = start.saturating_add(ph.p_memsz);
        let Some(dst) = ram.slice_mut(start, ph.p_memsz) else {
            return Err(LoadError::OutsideRam {
                index,
                start,
                end,
                ram_start: ram.base(),
                ram_end: ram.base() + ram.size(),
            });
        };
        let filesz = ph.p_filesz as usize;
        dst[..filesz].copy_from_slice(&bytes[ph.p_offset as usize..ph.p_offset as usize + filesz]);
        dst[filesz..].fill(0);
        lo = lo.min(start);
        hi = hi.max(end);
    }
    if lo == u64::MAX {
        return Err(LoadError::Empty);
    }
    let symbol = |name: &str| elf.syms.iter().find(|s| elf.strtab.get_at(s.st_name) == Some(name)).map(|s| s.st_value);
    Ok(Image { entry: elf.entry, start: lo, end: hi, tohost: symbol("tohost"), fromhost: symbol("fromhost") })
}

/// An executable section of an ELF file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSection {
    /// Section name (e.g. `.text`).
    pub name: String,
    /// Address of its first byte (sh_addr: 0 in a relocatable object).
    pub addr: u64,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The executable (SHF_EXECINSTR) sections of the ELF file in `bytes`, in
/// section-header order, for disassembly.
pub fn code_sections(bytes: &[u8]) -> Result<Vec<CodeSection>, LoadError> {
    let elf = Elf::parse(bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;
    let mut out = Vec::new();
    for (index, sh) in elf.section_headers.iter().enumerate() {
        if !sh.is_executable() || sh.sh_type == goblin::elf::section_header::SHT_NOBITS {
            continue;
        }
        let end = sh.sh_offset.checked_add(sh.sh_size).filter(|&e| e <= bytes.len() as u64);
        let Some(end) = end else {
            return Err(LoadError::Truncated {
                index,
                start: sh.sh_offset,
                end: sh.sh_offset,
                len: bytes.len() as u64,
            });
        };
        out.push(CodeSection {
            name: elf.shdr_strtab.get_at(sh.sh_name).unwrap_or("").to_string(),
            addr: sh.sh_addr,
            bytes: bytes[sh.sh_offset as usize..end as usize].to_vec(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_truncation_without_panicking() {
        let mut ram = Ram::new(0x8000_0000, 1 << 20);
        assert!(matches!(load_elf(b"hello, world", &mut ram), Err(LoadError::Malformed(_))));
        assert!(load_elf(&[], &mut ram).is_err());
        // A valid header followed by nothing.
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2; // 64-bit
        h[5] = 1; // little endian
        h[6] = 1;
        h[18] = 243; // EM_RISCV
        h[32] = 64; // e_phoff
        h[56] = 1; // e_phnum = 1, beyond the end of the file
        h[54] = 56; // e_phentsize
        assert!(load_elf(&h, &mut ram).is_err());
        for cut in 0..h.len() {
            let _ = load_elf(&h[..cut], &mut ram);
        }
    }

    #[test]
    fn raw_binaries_load_at_the_given_address() {
        let mut ram = Ram::new(0x8000_0000, 1 << 20);
        let img = load_image(&[0x73, 0x00, 0x50, 0x10], &mut ram, 0x8002_0000).unwrap();
        assert_eq!((img.entry, img.start, img.end), (0x8002_0000, 0x8002_0000, 0x8002_0004));
        assert_eq!(ram.read(0x8002_0000, 4), 0x1050_0073);
        assert!(matches!(load_image(&[0; 16], &mut ram, 0x8010_0000 - 8), Err(LoadError::RawDoesNotFit { .. })));
    }
}
