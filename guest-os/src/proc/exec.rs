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
    /// Has a PT_INTERP: needs a dynamic loader svos does not provide.
    Dynamic,
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
            ExecError::Dynamic => write!(f, "dynamically linked: build with -static"),
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
            _ => ENOEXEC,
        }
    }
}

/// Where the loaded program starts, and what /proc reports about it.
#[derive(Debug, Clone)]
pub struct Image {
    /// Entry point (e_entry plus the load bias).
    pub entry: usize,
    /// Initial stack pointer (points at argc).
    pub sp: usize,
    /// Initial program break: page-aligned end of the highest segment.
    pub brk: usize,
    /// (first page of each PT_LOAD segment, its file offset rounded down to a page).
    pub segments: Vec<(usize, usize)>,
}

/// Maps the PT_LOAD segment `[va, end)` with file bytes `[off, off + filesz)`
/// (va and off congruent modulo the page size) from the page cache of `f`
/// (see [`load`]).
fn map_segment(
    space: &mut AddrSpace,
    f: &FileMap,
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
        space.map_elf_file(start, file_end, perm, fm)?;
        // The last file page's bytes past the segment's file part read as zero.
        let tail = va + filesz;
        if tail < file_end && end > tail {
            space.write_bytes(tail, &[0u8; PAGE_SIZE][..(file_end - tail).min(end - tail)])?;
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

/// Loads `elf` into `space` and builds the stack with `argv`, `envp` and
/// `execfn` (the path as exec was given it, for AT_EXECFN).
///
/// With `file` (the ELF's file, its path and inode), each PT_LOAD segment
/// whose virtual address and file offset agree modulo the page size is
/// mapped from the file's page cache, as Linux's load_elf_binary does: a
/// private file mapping over its file bytes (pages read at their first
/// access, copied at their first store), the bytes of its last file page
/// past p_filesz zeroed (that page is copied now), and an anonymous
/// demand-zero area for the rest of p_memsz (.bss). Other segments, and all
/// of them without `file`, are copied into fresh frames now.
pub fn load(
    space: &mut AddrSpace,
    elf: &[u8],
    file: Option<&FileMap>,
    argv: &[&str],
    envp: &[&str],
    execfn: &str,
) -> Result<Image, ExecError> {
    let h = FileHeader64::<LE>::parse(elf).map_err(ExecError::Elf)?;
    let e = LE;
    let ty = h.e_type(e);
    if !h.is_class_64() || !h.is_little_endian() || h.e_machine(e) != EM_RISCV || (ty != ET_EXEC && ty != ET_DYN) {
        return Err(ExecError::NotRv64Exec);
    }
    let phdrs: &[ProgramHeader64<LE>] = h.program_headers(e, elf).map_err(ExecError::Elf)?;
    if phdrs.iter().any(|ph| ph.p_type(e) == PT_INTERP) {
        return Err(ExecError::Dynamic);
    }
    let bias = if ty == ET_DYN {
        let align =
            phdrs.iter().filter(|p| p.p_type(e) == PT_LOAD).map(|p| p.p_align(e) as usize).max().unwrap_or(4096);
        let align = if align.is_power_of_two() { align.max(4096) } else { 4096 };
        PIE_BASE & !(align - 1)
    } else {
        0
    };
    let phoff = h.e_phoff(e) as usize;
    let phnum = phdrs.len();
    let phentsize = h.e_phentsize(e) as usize;
    let mut brk = 0usize;
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
            Some(f) => map_segment(space, f, va, end, off, filesz, elf_perm(fl))?,
            None => {
                space.map_area(va, end, elf_perm(fl), VmaKind::Elf)?;
                space.write_bytes(va, data)?;
            }
        }
        segments.push((page_floor(va), off - (va - page_floor(va)).min(off)));
        if phdr_va.is_none() && phoff >= off && phoff.saturating_add(phnum * phentsize) <= off + filesz {
            phdr_va = Some(va + (phoff - off));
        }
        brk = brk.max(page_ceil(end));
    }
    if brk == 0 {
        return Err(ExecError::BadSegment);
    }
    let entry = bias.wrapping_add(h.e_entry(e) as usize);

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
        0,
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

    Ok(Image { entry, sp, brk, segments })
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
        let fm = FileMap { file: f.clone(), pgoff: 0, shared: false, name: Arc::from(abs.as_str()), ino: 0 };
        let (owned, fixed, ino) = {
            let mut g = f.lock();
            let ino = g.ino;
            match g.cache.unwritten_bytes() {
                Some(d) => (None, d, ino),
                None => {
                    let mut v = Vec::new();
                    v.try_reserve_exact(g.len()).map_err(|_| PrepareError::from(ENOMEM))?;
                    v.resize(g.len(), 0);
                    g.cache.read(0, &mut v)?;
                    (Some(v), &[][..], ino)
                }
            }
        };
        let bytes: &[u8] = owned.as_deref().unwrap_or(fixed);
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
        let a: Vec<&str> = argv.iter().map(|s| s.as_str()).collect();
        let e: Vec<&str> = envp.iter().map(|s| s.as_str()).collect();
        let img = load(&mut space, bytes, Some(&FileMap { ino, ..fm }), &a, &e, &path)?;
        return Ok(Prepared { space, img, exe: abs, exe_ino: ino, argv, name });
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
