//! exec: loading a static RV64 ELF into a fresh address space and building
//! the initial user stack as Linux does (System V ABI, RISC-V psABI).
//!
//! Stack at entry, from `sp` upward: argc, argv[0..argc], NULL,
//! envp[0..], NULL, auxv pairs (AT_PHDR when the program headers are loaded,
//! AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM, AT_NULL), then the
//! 16 AT_RANDOM bytes (deterministic: svos has no entropy source) and the
//! argument and environment strings. `sp` is 16-byte aligned.

use crate::mm::addr_space::{AddrSpace, VmaKind};
use crate::mm::address::{page_ceil, USER_TOP};
use crate::mm::page_table::PteFlags;
use alloc::vec::Vec;
use core::fmt;
use xmas_elf::header::{Class, Machine, Type as ElfType};
use xmas_elf::program::Type as PhType;
use xmas_elf::ElfFile;

/// Top of the user stack (exclusive): the top of the Sv39 lower half.
pub const USER_STACK_TOP: usize = USER_TOP;
/// User stack size in bytes.
pub const USER_STACK_SIZE: usize = 8 * 4096;

const AT_NULL: usize = 0;
const AT_PHDR: usize = 3;
const AT_PHENT: usize = 4;
const AT_PHNUM: usize = 5;
const AT_PAGESZ: usize = 6;
const AT_ENTRY: usize = 9;
const AT_RANDOM: usize = 25;

/// Most bytes of argv + envp strings exec accepts (Linux: E2BIG beyond its limit).
pub const ARG_MAX: usize = 16 * 1024;

/// Why exec failed.
#[derive(Debug)]
pub enum ExecError {
    /// xmas-elf rejected the file.
    Elf(&'static str),
    /// Not ELFCLASS64 / EM_RISCV / ET_EXEC.
    NotRv64Exec,
    /// A PT_LOAD segment is malformed (sizes, bounds, overlap, outside the user half).
    BadSegment,
    /// A PT_LOAD segment is both writable and executable (refused: never W+X).
    WriteExec,
    /// A PT_LOAD segment starts below [`crate::syscall::mem::MMAP_MIN_ADDR`],
    /// where mmap refuses to map too (Linux's vm.mmap_min_addr: -EPERM).
    BelowMinAddr,
    /// Out of physical memory.
    OutOfMemory,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Elf(e) => write!(f, "bad ELF: {}", e),
            ExecError::NotRv64Exec => write!(f, "not a static RV64 executable"),
            ExecError::BadSegment => write!(f, "bad PT_LOAD segment"),
            ExecError::WriteExec => write!(f, "segment is both writable and executable"),
            ExecError::BelowMinAddr => write!(f, "segment below mmap_min_addr"),
            ExecError::OutOfMemory => write!(f, "out of memory"),
        }
    }
}

/// Where the loaded program starts.
#[derive(Debug, Clone, Copy)]
pub struct Image {
    /// Entry point (e_entry).
    pub entry: usize,
    /// Initial stack pointer (points at argc).
    pub sp: usize,
    /// Initial program break: page-aligned end of the highest segment.
    pub brk: usize,
}

/// The last path component of `path` ("/bin/sh" -> "sh").
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Loads `elf` into `space` and builds the stack with `argv` and `envp`.
pub fn load(space: &mut AddrSpace, elf: &[u8], argv: &[&str], envp: &[&str]) -> Result<Image, ExecError> {
    // xmas-elf reads headers in place and requires 8-byte alignment; a cpio
    // newc archive only aligns file data to 4 bytes, so copy to an aligned buffer.
    let mut aligned: Vec<u64> = alloc::vec![0; elf.len().div_ceil(8)];
    // SAFETY: the u64 buffer holds at least elf.len() bytes.
    let elf: &[u8] = unsafe {
        let bytes = core::slice::from_raw_parts_mut(aligned.as_mut_ptr() as *mut u8, elf.len());
        bytes.copy_from_slice(elf);
        bytes
    };
    let file = ElfFile::new(elf).map_err(ExecError::Elf)?;
    let h = &file.header;
    if h.pt1.class() != Class::SixtyFour
        || h.pt2.machine().as_machine() != Machine::RISC_V
        || h.pt2.type_().as_type() != ElfType::Executable
    {
        return Err(ExecError::NotRv64Exec);
    }
    let entry = h.pt2.entry_point() as usize;
    let phoff = h.pt2.ph_offset() as usize;
    let phnum = h.pt2.ph_count() as usize;
    let phentsize = h.pt2.ph_entry_size() as usize;
    let mut brk = 0usize;
    let mut phdr_va = None;

    for ph in file.program_iter() {
        if ph.get_type() != Ok(PhType::Load) {
            continue;
        }
        let va = ph.virtual_addr() as usize;
        let memsz = ph.mem_size() as usize;
        let filesz = ph.file_size() as usize;
        let off = ph.offset() as usize;
        let end = va.checked_add(memsz).ok_or(ExecError::BadSegment)?;
        if memsz == 0 {
            continue;
        }
        if va < crate::syscall::mem::MMAP_MIN_ADDR {
            return Err(ExecError::BelowMinAddr);
        }
        if filesz > memsz
            || end > USER_STACK_TOP - USER_STACK_SIZE
            || off.checked_add(filesz).map_or(true, |e| e > elf.len())
        {
            return Err(ExecError::BadSegment);
        }
        let fl = ph.flags();
        if fl.is_write() && fl.is_execute() {
            return Err(ExecError::WriteExec);
        }
        let mut perm = PteFlags::empty();
        if fl.is_read() {
            perm = perm | PteFlags::R;
        }
        if fl.is_write() {
            perm = perm | PteFlags::R | PteFlags::W;
        }
        if fl.is_execute() {
            perm = perm | PteFlags::X;
        }
        space.map_area(va, end, perm, VmaKind::Elf)?;
        space.write_bytes(va, &elf[off..off + filesz])?;
        if phoff >= off && phoff + phnum * phentsize <= off + filesz {
            phdr_va = Some(va + (phoff - off));
        }
        brk = brk.max(page_ceil(end));
    }
    if brk == 0 {
        return Err(ExecError::BadSegment);
    }

    // The stack.
    let stack_lo = USER_STACK_TOP - USER_STACK_SIZE;
    space.map_area(stack_lo, USER_STACK_TOP, PteFlags::R | PteFlags::W, VmaKind::Stack)?;
    let mut sp = USER_STACK_TOP;
    let mut push_strs = |list: &[&str], sp: &mut usize| -> Result<Vec<usize>, ExecError> {
        let mut ptrs = Vec::with_capacity(list.len());
        for a in list {
            *sp -= a.len() + 1;
            if *sp < stack_lo + 4096 {
                return Err(ExecError::BadSegment);
            }
            space.write_bytes(*sp, a.as_bytes())?;
            space.write_bytes(*sp + a.len(), &[0])?;
            ptrs.push(*sp);
        }
        Ok(ptrs)
    };
    let envp_ptrs = push_strs(envp, &mut sp)?;
    let argv_ptrs = push_strs(argv, &mut sp)?;
    // AT_RANDOM: 16 bytes, a fixed pattern (deterministic runs).
    sp = (sp - 16) & !15;
    let random: [u8; 16] = *b"svos-not-random!";
    space.write_bytes(sp, &random)?;
    let random_va = sp;
    let mut words: Vec<usize> = Vec::new();
    words.push(argv.len());
    words.extend_from_slice(&argv_ptrs);
    words.push(0); // argv NULL
    words.extend_from_slice(&envp_ptrs);
    words.push(0); // envp NULL
    if let Some(p) = phdr_va {
        words.extend_from_slice(&[AT_PHDR, p]);
    }
    words.extend_from_slice(&[
        AT_PHENT, phentsize, AT_PHNUM, phnum, AT_PAGESZ, 4096, AT_ENTRY, entry, AT_RANDOM, random_va, AT_NULL, 0,
    ]);
    sp = (sp - words.len() * 8) & !15;
    let mut bytes = Vec::with_capacity(words.len() * 8);
    for w in &words {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    space.write_bytes(sp, &bytes)?;

    Ok(Image { entry, sp, brk })
}

impl From<crate::mm::page_table::MapError> for ExecError {
    fn from(e: crate::mm::page_table::MapError) -> Self {
        match e {
            crate::mm::page_table::MapError::OutOfMemory => ExecError::OutOfMemory,
            _ => ExecError::BadSegment,
        }
    }
}
