//! exec: loading a static RV64 ELF (ET_EXEC, or ET_DYN without PT_INTERP:
//! static-PIE) into a fresh address space and building the initial user
//! stack as Linux does (System V ABI, RISC-V psABI, Linux's
//! fs/binfmt_elf.c create_elf_tables); `#!` scripts are handled by
//! [`resolve_script`] before.
//!
//! Every header is bounds-checked by the `object` crate before use (the
//! ELF header, the program header table, each segment's file range), so
//! a truncated or corrupt file is refused with an error, never a panic.
//!
//! Stack at entry, from `sp` upward: argc, argv[0..argc], NULL, envp[..],
//! NULL, the auxiliary vector (AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ,
//! AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID,
//! AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_RANDOM, AT_EXECFN, AT_MINSIGSTKSZ,
//! AT_NULL), then 16 random bytes ([`crate::random`]), the argument and
//! environment strings and the program's path (AT_EXECFN). `sp` is 16-byte
//! aligned.

use crate::mm::addr_space::{AddrSpace, FileMap, VmaKind};
use crate::mm::address::{page_ceil, page_floor, PAGE_SIZE, USER_TOP};
use crate::mm::page_table::PteFlags;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use object::elf::{
    FileHeader64, ProgramHeader64, EM_RISCV, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR,
};
use object::read::elf::{FileHeader, ProgramHeader};
use object::LittleEndian as LE;

/// Top of the user stack (exclusive): the top of the user half.
pub const USER_STACK_TOP: usize = USER_TOP;
/// Most bytes the user stack grows to (Linux's default RLIMIT_STACK, 8
/// MiB): exec maps [`USER_STACK_INITIAL`] bytes, and a fault below grows
/// the area ([`crate::mm::vma::VmaSet::grow_stack`]); pages get frames at
/// their first touch.
pub const USER_STACK_SIZE: usize = crate::mm::vma::STACK_RLIMIT;

/// The stack area exec maps: room for the arguments ([`ARG_MAX`]) and
/// 64 KiB more (Linux maps 128 KiB below the arguments).
pub const USER_STACK_INITIAL: usize = ARG_MAX + 64 * 1024;

/// The page holding the signal-return trampoline (`li a7, 139; ecall`),
/// R+X, shown as `[vdso]` in /proc/PID/maps: handlers return through it
/// (Linux riscv puts it in its vDSO). Just above the mmap range.
pub const SIGTRAMP_VA: usize = crate::syscall::mem::MMAP_TOP;

/// Where a static-PIE program is loaded (Linux's ELF_ET_DYN_BASE for a
/// 256 GiB user half: two thirds of it, page aligned).
pub const PIE_BASE: usize = 0x2a_aaaa_a000;

const AT_NULL: usize = 0;
const AT_PHDR: usize = 3;
const AT_PHENT: usize = 4;
const AT_PHNUM: usize = 5;
const AT_PAGESZ: usize = 6;
const AT_BASE: usize = 7;
const AT_FLAGS: usize = 8;
const AT_ENTRY: usize = 9;
const AT_UID: usize = 11;
const AT_EUID: usize = 12;
const AT_GID: usize = 13;
const AT_EGID: usize = 14;
const AT_HWCAP: usize = 16;
const AT_CLKTCK: usize = 17;
const AT_SECURE: usize = 23;
const AT_RANDOM: usize = 25;
const AT_EXECFN: usize = 31;
const AT_MINSIGSTKSZ: usize = 51;

/// AT_HWCAP on RISC-V: one bit per single-letter extension (bit = letter - 'A'): IMAFDC.
pub const HWCAP_IMAFDC: usize = (1 << 8) | (1 << 12) | (1 << 0) | (1 << 5) | (1 << 3) | (1 << 2);

/// Most bytes of argv + envp strings and pointers exec accepts (Linux
/// allows a quarter of the stack limit; svos reads them through a
/// kernel buffer, so less): -E2BIG beyond.
pub const ARG_MAX: usize = 128 * 1024;

/// Why exec failed.
#[derive(Debug)]
pub enum ExecError {
    /// The ELF header or program header table is malformed (the `object` crate's reason).
    Elf(object::Error),
    /// Not ELFCLASS64 / EM_RISCV / ET_EXEC or ET_DYN.
    NotRv64Exec,
    /// Dynamically linked, and its PT_INTERP (the dynamic loader, e.g.
    /// /lib/ld-linux-riscv64-lp64d.so.1) is not in the file system, or is
    /// not a loadable ELF itself (Linux: -ENOENT, -ELIBBAD).
    NoInterpreter(String),
    /// A PT_LOAD segment is malformed (sizes, bounds, overlap, outside the user half).
    BadSegment,
    /// A PT_LOAD segment is both writable and executable (refused: never W+X).
    WriteExec,
    /// The arguments do not fit the stack.
    TooBig,
    /// A PT_LOAD segment starts below [`crate::syscall::mem::MMAP_MIN_ADDR`],
    /// where mmap refuses to map too (Linux's vm.mmap_min_addr: -EPERM).
    BelowMinAddr,
    /// Out of physical memory.
    OutOfMemory,
    /// The overcommit policy refused the commit charge of a writable
    /// segment or the stack ([`crate::mm::commit`]): -ENOMEM.
    NoCommit,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Elf(e) => write!(f, "bad ELF: {}", e),
            ExecError::NotRv64Exec => write!(f, "not a static RV64 executable"),
            ExecError::NoInterpreter(i) => {
                write!(f, "dynamically linked, and its loader {} is not in the image: build with -static", i)
            }
            ExecError::BadSegment => write!(f, "bad PT_LOAD segment"),
            ExecError::WriteExec => write!(f, "segment is both writable and executable"),
            ExecError::TooBig => write!(f, "arguments too long"),
            ExecError::BelowMinAddr => write!(f, "segment below mmap_min_addr"),
            ExecError::OutOfMemory => write!(f, "out of memory"),
            ExecError::NoCommit => write!(f, "commit charge refused (vm.overcommit_memory)"),
        }
    }
}

impl ExecError {
    /// The errno execve returns for it.
    pub fn errno(&self) -> isize {
        use crate::syscall::errno::*;
        match self {
            ExecError::OutOfMemory | ExecError::NoCommit => ENOMEM,
            ExecError::TooBig => E2BIG,
            ExecError::BelowMinAddr => EPERM,
            ExecError::NoInterpreter(_) => ENOENT,
            _ => ENOEXEC,
        }
    }
}

/// Where the loaded program starts, and what /proc reports about it.
#[derive(Debug, Clone)]
pub struct Image {
    /// Where the process starts: the program's entry point (e_entry plus
    /// the load bias), or its dynamic loader's.
    pub entry: usize,
    /// Initial stack pointer (points at argc).
    pub sp: usize,
    /// Initial program break: page-aligned end of the highest segment.
    pub brk: usize,
    /// (first page of each PT_LOAD segment, its file offset rounded down to a page).
    pub segments: Vec<(usize, usize)>,
}

/// Who a set of PT_LOAD segments belongs to, which decides the kind of
/// their areas.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Role {
    /// The program exec runs: ELF areas ([`VmaKind::Elf`]), /proc names them by the program.
    Program,
    /// Its dynamic loader (PT_INTERP): private file mappings and anonymous
    /// memory, as Linux's load_elf_interp makes them with vm_mmap, so
    /// /proc/PID/maps names them by the loader's path.
    Interpreter,
}

/// Maps the PT_LOAD segment `[va, end)` with file bytes `[off, off + filesz)`
/// (va and off congruent modulo the page size) from the page cache of `f`
/// (see [`load`]).
#[allow(clippy::too_many_arguments)]
fn map_segment(
    space: &mut AddrSpace,
    f: &FileMap,
    role: Role,
    va: usize,
    end: usize,
    off: usize,
    filesz: usize,
    perm: PteFlags,
) -> Result<(), ExecError> {
    let file_end = page_ceil(va + filesz);
    let start = page_floor(va);
    if file_end > start {
        let fm = FileMap { pgoff: (off - (va - start)) / PAGE_SIZE, shared: false, ..f.clone() };
        match role {
            Role::Program => space.map_elf_file(start, file_end, perm, fm)?,
            Role::Interpreter => space.map_file(start, file_end, perm, fm)?,
        }
        // A segment with a .bss: its last file page reads as zero from the
        // end of the file part to the end of the page, as Linux's padzero
        // clears it (ld.so's early allocator takes that rest of the page
        // after its .bss as zeroed memory).
        let tail = va + filesz;
        if tail < file_end && end > tail {
            space.write_bytes(tail, &[0u8; PAGE_SIZE][..file_end - tail])?;
        }
    }
    if page_ceil(end) > file_end.max(start) {
        space.map_area(file_end.max(start), page_ceil(end), perm, VmaKind::Anon)?;
    }
    Ok(())
}

/// The last path component of `path` ("/bin/sh" -> "sh").
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// If `file` starts with `#!`, the interpreter path and its optional
/// argument (Linux binfmt_script: at most one argument, the rest of the
/// line after the first blank; the line is at most 255 bytes).
pub fn resolve_script(file: &[u8]) -> Option<Result<(String, Option<String>), ExecError>> {
    let rest = file.strip_prefix(b"#!")?;
    let line = &rest[..rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len()).min(255)];
    let Ok(line) = core::str::from_utf8(line) else { return Some(Err(ExecError::NotRv64Exec)) };
    let line = line.trim();
    let (interp, arg) = match line.find([' ', '\t']) {
        Some(i) => (&line[..i], Some(line[i..].trim())),
        None => (line, None),
    };
    if interp.is_empty() {
        return Some(Err(ExecError::NotRv64Exec));
    }
    Some(Ok((String::from(interp), arg.filter(|a| !a.is_empty()).map(String::from))))
}

fn elf_perm(flags: u32) -> PteFlags {
    let mut perm = PteFlags::empty();
    if flags & PF_R != 0 {
        perm = perm | PteFlags::R;
    }
    if flags & PF_W != 0 {
        perm = perm | PteFlags::R | PteFlags::W;
    }
    if flags & PF_X != 0 {
        perm = perm | PteFlags::X;
    }
    perm
}

/// Where one ELF's PT_LOAD segments were mapped.
struct Mapped {
    /// Entry point (e_entry plus the load bias).
    entry: usize,
    /// The load bias (0 for ET_EXEC).
    bias: usize,
    /// Where its program headers are in memory (PT_PHDR, or found in a segment).
    phdr_va: Option<usize>,
    /// e_phnum and e_phentsize.
    phnum: usize,
    phentsize: usize,
    /// Page-aligned end of the highest segment.
    end: usize,
    /// (first page of each PT_LOAD segment, its file offset rounded down to a page).
    segments: Vec<(usize, usize)>,
}

/// The parsed ELF header and program headers of `elf`, if it is an RV64
/// little-endian ET_EXEC or ET_DYN file.
fn parse(elf: &[u8]) -> Result<(&FileHeader64<LE>, &[ProgramHeader64<LE>]), ExecError> {
    let h = FileHeader64::<LE>::parse(elf).map_err(ExecError::Elf)?;
    let e = LE;
    let ty = h.e_type(e);
    if !h.is_class_64() || !h.is_little_endian() || h.e_machine(e) != EM_RISCV || (ty != ET_EXEC && ty != ET_DYN) {
        return Err(ExecError::NotRv64Exec);
    }
    let phdrs: &[ProgramHeader64<LE>] = h.program_headers(e, elf).map_err(ExecError::Elf)?;
    Ok((h, phdrs))
}

/// The PT_INTERP path of `elf` (the dynamic loader it names), if it has
/// one; bytes other than printable ASCII read as `?` (no such file).
pub fn interpreter(elf: &[u8]) -> Result<Option<String>, ExecError> {
    let (_, phdrs) = parse(elf)?;
    let Some(ph) = phdrs.iter().find(|p| p.p_type(LE) == PT_INTERP) else { return Ok(None) };
    // As Linux's load_elf_binary: the path ends with its NUL (else -ENOEXEC).
    let bytes = ph.data(LE, elf).map_err(|_| ExecError::BadSegment)?;
    let Some((&0, path)) = bytes.split_last() else { return Err(ExecError::BadSegment) };
    let path = path.split(|&c| c == 0).next().unwrap_or(&[]);
    Ok(Some(path.iter().map(|&c| if c.is_ascii_graphic() { c as char } else { '?' }).collect()))
}

/// The largest PT_LOAD alignment of `phdrs` (a power of two, at least a page).
fn load_align(phdrs: &[ProgramHeader64<LE>]) -> usize {
    let align = phdrs.iter().filter(|p| p.p_type(LE) == PT_LOAD).map(|p| p.p_align(LE) as usize).max().unwrap_or(0);
    if align.is_power_of_two() {
        align.max(PAGE_SIZE)
    } else {
        PAGE_SIZE
    }
}

/// Bytes from the lowest PT_LOAD page to the end of the highest segment.
fn load_span(phdrs: &[ProgramHeader64<LE>]) -> Result<usize, ExecError> {
    let loads = || phdrs.iter().filter(|p| p.p_type(LE) == PT_LOAD && p.p_memsz(LE) != 0);
    let lo = loads().map(|p| page_floor(p.p_vaddr(LE) as usize)).min().ok_or(ExecError::BadSegment)?;
    let hi = loads()
        .map(|p| (p.p_vaddr(LE) as usize).checked_add(p.p_memsz(LE) as usize).map(page_ceil))
        .try_fold(0usize, |m, e| e.map(|e| m.max(e)))
        .ok_or(ExecError::BadSegment)?;
    hi.checked_sub(lo).filter(|&n| n > 0 && n <= crate::syscall::mem::MMAP_TOP).ok_or(ExecError::BadSegment)
}

/// Maps the PT_LOAD segments of `elf` at load bias `bias` (0 for ET_EXEC).
/// With `file` (the ELF's file, its path and inode), each segment whose
/// virtual address and file offset agree modulo the page size is mapped
/// from the file's page cache, as Linux's load_elf_binary does: a private
/// file mapping over its file bytes (pages read at their first access,
/// copied at their first store), the bytes of its last file page past
/// p_filesz zeroed (that page is copied now), and an anonymous demand-zero
/// area for the rest of p_memsz (.bss). Other segments, and all of them
/// without `file`, are copied into fresh frames now.
fn map_segments(
    space: &mut AddrSpace,
    elf: &[u8],
    file: Option<&FileMap>,
    role: Role,
    bias: usize,
) -> Result<Mapped, ExecError> {
    let (h, phdrs) = parse(elf)?;
    let e = LE;
    let phoff = h.e_phoff(e) as usize;
    let phnum = phdrs.len();
    let phentsize = h.e_phentsize(e) as usize;
    let mut end_max = 0usize;
    let mut phdr_va = phdrs.iter().find(|p| p.p_type(e) == PT_PHDR).map(|p| bias.wrapping_add(p.p_vaddr(e) as usize));
    let mut segments = Vec::new();

    for ph in phdrs.iter().filter(|p| p.p_type(e) == PT_LOAD) {
        let memsz = ph.p_memsz(e) as usize;
        let filesz = ph.p_filesz(e) as usize;
        let off = ph.p_offset(e) as usize;
        if memsz == 0 {
            continue;
        }
        let va = bias.checked_add(ph.p_vaddr(e) as usize).ok_or(ExecError::BadSegment)?;
        let end = va.checked_add(memsz).ok_or(ExecError::BadSegment)?;
        let data = ph.data(e, elf).map_err(|_| ExecError::BadSegment)?;
        if va < crate::syscall::mem::MMAP_MIN_ADDR {
            return Err(ExecError::BelowMinAddr);
        }
        if filesz > memsz || end > crate::syscall::mem::MMAP_TOP {
            return Err(ExecError::BadSegment);
        }
        let fl = ph.p_flags(e);
        if fl & PF_W != 0 && fl & PF_X != 0 {
            return Err(ExecError::WriteExec);
        }
        match file.filter(|_| va.wrapping_sub(off).is_multiple_of(PAGE_SIZE)) {
            Some(f) => map_segment(space, f, role, va, end, off, filesz, elf_perm(fl))?,
            None => {
                let kind = if role == Role::Program { VmaKind::Elf } else { VmaKind::Anon };
                space.map_area(va, end, elf_perm(fl), kind)?;
                space.write_bytes(va, data)?;
            }
        }
        segments.push((page_floor(va), off - (va - page_floor(va)).min(off)));
        if phdr_va.is_none() && phoff >= off && phoff.saturating_add(phnum * phentsize) <= off + filesz {
            phdr_va = Some(va + (phoff - off));
        }
        end_max = end_max.max(page_ceil(end));
    }
    if end_max == 0 {
        return Err(ExecError::BadSegment);
    }
    let entry = bias.wrapping_add(h.e_entry(e) as usize);
    Ok(Mapped { entry, bias, phdr_va, phnum, phentsize, end: end_max, segments })
}

/// The dynamic loader exec maps for a dynamically linked program: its
/// bytes and its file (page cache, path and inode).
pub struct Interp<'a> {
    /// The loader's ELF bytes.
    pub elf: &'a [u8],
    /// Its file in the page cache.
    pub file: &'a FileMap,
}

/// Loads `elf` into `space` and builds the stack with `argv`, `envp` and
/// `execfn` (the path as exec was given it, for AT_EXECFN).
///
/// The segments are mapped by [`map_segments`] (from `file`'s page cache
/// where it can). An ET_DYN program is placed at [`PIE_BASE`] (Linux's
/// ELF_ET_DYN_BASE). A dynamically linked program (PT_INTERP) needs
/// `interp`, its dynamic loader (ET_DYN), which is mapped as private file
/// mappings of the loader's file at the highest free range below
/// [`crate::syscall::mem::MMAP_TOP`] above the heap's reserve (where
/// Linux's top-down mmap puts it); the process then starts at the
/// loader's entry with AT_BASE its load address, AT_PHDR, AT_PHNUM and
/// AT_ENTRY the program's (Linux's load_elf_binary and create_elf_tables).
pub fn load(
    space: &mut AddrSpace,
    elf: &[u8],
    file: Option<&FileMap>,
    interp: Option<Interp<'_>>,
    argv: &[&str],
    envp: &[&str],
    execfn: &str,
) -> Result<Image, ExecError> {
    let (h, phdrs) = parse(elf)?;
    if let (Some(path), None) = (interpreter(elf)?, interp.as_ref()) {
        return Err(ExecError::NoInterpreter(path));
    }
    let bias = if h.e_type(LE) == ET_DYN { PIE_BASE & !(load_align(phdrs) - 1) } else { 0 };
    let prog = map_segments(space, elf, file, Role::Program, bias)?;
    let brk = prog.end;
    let mut start = prog.entry;
    let mut base = 0;
    if let Some(i) = interp {
        let (ih, iphdrs) = parse(i.elf)?;
        if iphdrs.iter().any(|p| p.p_type(LE) == PT_INTERP) {
            return Err(ExecError::NoInterpreter(String::from(&*i.file.name)));
        }
        let ibias = if ih.e_type(LE) == ET_DYN {
            let align = load_align(iphdrs);
            let span = load_span(iphdrs)?;
            let lo = brk.saturating_add(crate::syscall::mem::BRK_MAX);
            let at = space
                .find_free(span + align - PAGE_SIZE, lo, crate::syscall::mem::MMAP_TOP)
                .ok_or(ExecError::OutOfMemory)?;
            let first = iphdrs
                .iter()
                .filter(|p| p.p_type(LE) == PT_LOAD && p.p_memsz(LE) != 0)
                .map(|p| page_floor(p.p_vaddr(LE) as usize))
                .min()
                .unwrap_or(0);
            ((at + align - 1) & !(align - 1)).wrapping_sub(first)
        } else {
            0
        };
        let loader = map_segments(space, i.elf, Some(i.file), Role::Interpreter, ibias)?;
        start = loader.entry;
        base = loader.bias;
    }
    let (phdr_va, phnum, phentsize, entry) = (prog.phdr_va, prog.phnum, prog.phentsize, prog.entry);
    let segments = prog.segments;

    // The signal-return trampoline: li a7, 139 (rt_sigreturn); ecall.
    space.map_area(SIGTRAMP_VA, SIGTRAMP_VA + 4096, PteFlags::R | PteFlags::X, VmaKind::Elf)?;
    let mut tramp = [0u8; 8];
    tramp[..4].copy_from_slice(&0x08b0_0893u32.to_le_bytes());
    tramp[4..].copy_from_slice(&0x0000_0073u32.to_le_bytes());
    space.write_bytes(SIGTRAMP_VA, &tramp)?;

    // The stack.
    let stack_lo = USER_STACK_TOP - USER_STACK_INITIAL;
    space.map_area(stack_lo, USER_STACK_TOP, PteFlags::R | PteFlags::W, VmaKind::Stack)?;
    let limit = USER_STACK_TOP - ARG_MAX - 64 * 1024;
    let mut sp = USER_STACK_TOP;
    let mut push = |bytes: &[u8], sp: &mut usize| -> Result<usize, ExecError> {
        *sp = sp.checked_sub(bytes.len() + 1).filter(|&s| s >= limit).ok_or(ExecError::TooBig)?;
        space.write_bytes(*sp, bytes)?;
        space.write_bytes(*sp + bytes.len(), &[0])?;
        Ok(*sp)
    };
    let execfn_va = push(execfn.as_bytes(), &mut sp)?;
    let mut envp_ptrs = Vec::with_capacity(envp.len());
    for s in envp {
        envp_ptrs.push(push(s.as_bytes(), &mut sp)?);
    }
    let mut argv_ptrs = Vec::with_capacity(argv.len());
    for s in argv {
        argv_ptrs.push(push(s.as_bytes(), &mut sp)?);
    }
    sp = (sp - 16) & !15;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    space.write_bytes(sp, &random)?;
    let random_va = sp;
    let mut words: Vec<usize> = Vec::with_capacity(argv.len() + envp.len() + 48);
    words.push(argv.len());
    words.extend_from_slice(&argv_ptrs);
    words.push(0);
    words.extend_from_slice(&envp_ptrs);
    words.push(0);
    if let Some(p) = phdr_va {
        words.extend_from_slice(&[AT_PHDR, p]);
    }
    words.extend_from_slice(&[
        AT_PHENT,
        phentsize,
        AT_PHNUM,
        phnum,
        AT_PAGESZ,
        4096,
        AT_BASE,
        base,
        AT_FLAGS,
        0,
        AT_ENTRY,
        entry,
        AT_UID,
        0,
        AT_EUID,
        0,
        AT_GID,
        0,
        AT_EGID,
        0,
        AT_HWCAP,
        HWCAP_IMAFDC,
        AT_CLKTCK,
        100,
        AT_SECURE,
        0,
        AT_RANDOM,
        random_va,
        AT_EXECFN,
        execfn_va,
        AT_MINSIGSTKSZ,
        crate::proc::signal::FRAME_SIZE,
        AT_NULL,
        0,
    ]);
    sp = sp.checked_sub(words.len() * 8).filter(|&s| s >= limit).ok_or(ExecError::TooBig)? & !15;
    let mut bytes = Vec::with_capacity(words.len() * 8);
    for w in &words {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    space.write_bytes(sp, &bytes)?;

    Ok(Image { entry: start, sp, brk, segments })
}

impl From<crate::mm::page_table::MapError> for ExecError {
    fn from(e: crate::mm::page_table::MapError) -> Self {
        match e {
            crate::mm::page_table::MapError::OutOfMemory => ExecError::OutOfMemory,
            crate::mm::page_table::MapError::NoCommit => ExecError::NoCommit,
            _ => ExecError::BadSegment,
        }
    }
}

/// A program ready to replace a process's image.
pub struct Prepared {
    /// Its new address space.
    pub space: AddrSpace,
    /// Entry, stack, brk and segments.
    pub img: Image,
    /// The absolute path of the file exec ran (the script for `#!`).
    pub exe: String,
    /// Its inode number.
    pub exe_ino: u64,
    /// The final argv (with the interpreter prepended for `#!`).
    pub argv: Vec<String>,
    /// The command name: the last component of the path exec was given.
    pub name: String,
}

/// Why [`prepare`] failed: the errno for execve, and the loader's
/// reason when the file was found but not loadable.
pub struct PrepareError {
    /// Negative errno.
    pub errno: isize,
    /// Set when the file exists but cannot be loaded.
    pub exec: Option<ExecError>,
}

impl From<isize> for PrepareError {
    fn from(errno: isize) -> Self {
        PrepareError { errno, exec: None }
    }
}

impl From<ExecError> for PrepareError {
    fn from(e: ExecError) -> Self {
        PrepareError { errno: e.errno(), exec: Some(e) }
    }
}

/// A file exec loads (a program or its loader): its bytes and the file as
/// a private mapping of it from offset 0.
struct ExecFile {
    map: FileMap,
    /// A copy out of the page cache, when the file was written since boot.
    owned: Option<Vec<u8>>,
    /// The initrd's bytes, when the file is still as packed (no copy).
    packed: &'static [u8],
}

impl ExecFile {
    /// Reads file `f` (at path `abs`): without a copy while its bytes are
    /// still the initrd's, else copied out of the page cache. -ENOMEM when
    /// no memory is left for a copy.
    fn open(f: &crate::fs::RegRef, abs: &str) -> Result<ExecFile, PrepareError> {
        use crate::syscall::errno::ENOMEM;
        let mut g = f.lock();
        let map = FileMap { file: f.clone(), pgoff: 0, shared: false, name: Arc::from(abs), ino: g.ino };
        match g.cache.unwritten_bytes() {
            Some(packed) => Ok(ExecFile { map, owned: None, packed }),
            None => {
                let mut v = Vec::new();
                v.try_reserve_exact(g.len()).map_err(|_| PrepareError::from(ENOMEM))?;
                v.resize(g.len(), 0);
                g.cache.read(0, &mut v)?;
                Ok(ExecFile { map, owned: Some(v), packed: &[] })
            }
        }
    }

    /// The file's bytes.
    fn bytes(&self) -> &[u8] {
        self.owned.as_deref().unwrap_or(self.packed)
    }
}

/// Resolves `path` (relative to `cwd`) in the file system, follows up to
/// four `#!` interpreters, and loads the ELF into a new address space.
/// -ENOENT, -EACCES (not a regular file), -ENOEXEC, -ELOOP, -E2BIG, -ENOMEM.
pub fn prepare(cwd: &str, path: &str, argv: &[String], envp: &[String]) -> Result<Prepared, PrepareError> {
    use crate::fs::Node;
    use crate::syscall::errno::*;
    let name = String::from(basename(path));
    let mut path = String::from(path);
    let mut argv: Vec<String> = argv.to_vec();
    for _ in 0..5 {
        let (node, abs) = crate::fs::lookup(cwd, &path, true)?;
        let Node::File(f) = node else { return Err(EACCES.into()) };
        let prog = ExecFile::open(&f, &abs)?;
        let bytes = prog.bytes();
        if let Some(script) = resolve_script(bytes) {
            let (interp, arg) = script?;
            let mut new = alloc::vec![interp.clone()];
            new.extend(arg);
            new.push(path.clone());
            new.extend(argv.iter().skip(1).cloned());
            argv = new;
            path = interp;
            continue;
        }
        let mut space = AddrSpace::new_user().map_err(|_| PrepareError::from(ENOMEM))?;
        // Writing the image may need the disk (reclaim's writes for frames,
        // a page of the stack swapped out): the new space is this thread's
        // alone until install, so it sleeps there, the kernel lock released,
        // as a fault does. Not at boot, when no process runs (it polls).
        if super::sched::current_pid() != 0 {
            space.set_disk_waiter(Some(super::sched::wait_io));
        }
        let a: Vec<&str> = argv.iter().map(|s| s.as_str()).collect();
        let e: Vec<&str> = envp.iter().map(|s| s.as_str()).collect();
        // A dynamically linked program: its loader, looked up from the root.
        let loader = match interpreter(bytes)? {
            Some(ipath) => {
                let missing = || PrepareError::from(ExecError::NoInterpreter(ipath.clone()));
                let Ok((Node::File(lf), labs)) = crate::fs::lookup("/", &ipath, true) else { return Err(missing()) };
                Some(ExecFile::open(&lf, &labs)?)
            }
            None => None,
        };
        let interp = loader.as_ref().map(|l| Interp { elf: l.bytes(), file: &l.map });
        let img = load(&mut space, bytes, Some(&prog.map), interp, &a, &e, &path)?;
        space.set_disk_waiter(None);
        return Ok(Prepared { space, img, exe: abs, exe_ino: prog.map.ino, argv, name });
    }
    Err(ELOOP.into())
}

/// Replaces `p`'s image with `prog` (the caller has checked everything
/// that can fail, and activated the new space if `p` runs on this hart): new address space,
/// registers, FP state, brk, name, /proc data, handlers reset,
/// close-on-exec fds closed. The fd table and signal actions stop being
/// shared with other threads (Linux's unshare_files and unshare_sighand).
pub fn install(p: &mut super::process::Process, prog: Prepared) {
    let Prepared { space, img, exe, exe_ino, argv, name } = prog;
    p.replace_space(Some(space));
    p.name = name;
    p.tf = crate::trap::TrapFrame::default();
    p.tf.sepc = img.entry;
    p.tf.x[crate::trap::reg::SP] = img.sp;
    p.fp = Default::default();
    super::fpu::forget(p.pid);
    // set_tid_address's word belonged to the old image (Linux's
    // exec_mm_release clears it): nothing is written there at exit.
    p.clear_child_tid = 0;
    p.brk_start = img.brk;
    p.brk = crate::sync::Shared::new(img.brk);
    p.exe = exe;
    p.exe_ino = exe_ino;
    p.cmdline = argv;
    p.elf_map = img.segments;
    p.sigtramp = SIGTRAMP_VA;
    p.sig.actions = p.sig.actions.clone();
    p.sig.reset_for_exec();
    p.fds = p.fds.clone();
    for fd in p.fds.iter_mut() {
        if fd.as_ref().is_some_and(|f| f.cloexec) {
            *fd = None;
        }
    }
}
