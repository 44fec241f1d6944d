//! Addresses as `symbol+offset` (and `file:line` where the ELF has DWARF)
//! for traces: the kernel's, the firmware's, and each user program's, whose
//! ELF svemu finds in the initrd by the path the guest kernel reported
//! (`proc-exec`, see [`crate::trace::kernel`]).
//!
//! ELF symbol tables are read with the `object` crate, line tables with
//! `addr2line` (gimli); Rust names are demangled. Images are parsed on first
//! use. An address a kernel runs at before its MMU is on (its physical load
//! address) is looked up through the ELF's program headers (p_paddr to
//! p_vaddr). Anything that cannot be read gives no name: symbols never stop
//! a run.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SymbolKind};

type Reader = gimli::EndianRcSlice<gimli::RunTimeEndian>;

/// One ELF's symbols, segments and line table.
pub struct Image {
    /// (start, size, demangled name), sorted by start.
    symbols: Vec<(u64, u64, String)>,
    /// (p_paddr, p_vaddr, size) of the loadable segments.
    segments: Vec<(u64, u64, u64)>,
    lines: Option<addr2line::Context<Reader>>,
}

impl Image {
    /// Parse the ELF `bytes`; None when they are not an ELF `object` reads.
    pub fn parse(bytes: &[u8]) -> Option<Image> {
        let file = object::File::parse(bytes).ok()?;
        let mut symbols: Vec<(u64, u64, String)> = file
            .symbols()
            .filter(|s| matches!(s.kind(), SymbolKind::Text | SymbolKind::Data) && s.address() != 0)
            .filter_map(|s| Some((s.address(), s.size(), format!("{:#}", rustc_demangle::demangle(s.name().ok()?)))))
            .collect();
        symbols.sort_by_key(|s| s.0);
        let segments = file
            .segments()
            .filter_map(|seg| {
                // p_paddr is not in object's portable API: read it from the ELF header.
                let (paddr, vaddr) = elf_paddr(bytes, seg.address())?;
                Some((paddr, vaddr, seg.size()))
            })
            .collect();
        let endian = if file.is_little_endian() { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };
        let load = |id: gimli::SectionId| -> Result<Reader, gimli::Error> {
            let data =
                file.section_by_name(id.name()).and_then(|s| s.uncompressed_data().ok()).unwrap_or(Cow::Borrowed(&[]));
            Ok(gimli::EndianRcSlice::new(Rc::from(&*data), endian))
        };
        let lines = gimli::Dwarf::load(load).ok().and_then(|d| addr2line::Context::from_dwarf(d).ok());
        Some(Image { symbols, segments, lines })
    }

    /// `name+0xoff` (and ` file:line`) for `addr`, if a symbol covers it.
    pub fn describe(&self, addr: u64) -> Option<String> {
        let (name, start, addr) = self.lookup(addr)?;
        let mut text = format!("{name}+{:#x}", addr - start);
        if let Some(loc) = self.lines.as_ref().and_then(|c| c.find_location(addr).ok().flatten()) {
            if let (Some(file), Some(line)) = (loc.file, loc.line) {
                let file = file.rsplit('/').next().unwrap_or(file);
                text += &format!(" {file}:{line}");
            }
        }
        Some(text)
    }

    /// The name and start address of the symbol covering `addr`, if any.
    pub fn function(&self, addr: u64) -> Option<(&str, u64)> {
        self.lookup(addr).map(|(name, start, _)| (name, start))
    }

    /// The symbol covering `addr` (name, start) and the address it was
    /// found at: `addr` itself, or for an address run before paging, the
    /// virtual address its segment's physical load address maps it to.
    fn lookup(&self, addr: u64) -> Option<(&str, u64, u64)> {
        let covering = |a: u64| -> Option<(&str, u64, u64)> {
            let i = self.symbols.partition_point(|s| s.0 <= a).checked_sub(1)?;
            let (start, size, name) = &self.symbols[i];
            (a - start < (*size).max(1)).then_some((name.as_str(), *start, a))
        };
        covering(addr).or_else(|| {
            let &(paddr, vaddr, _) =
                self.segments.iter().find(|&&(p, v, size)| p != v && (p..p + size).contains(&addr))?;
            covering(addr - paddr + vaddr)
        })
    }
}

/// The (p_paddr, p_vaddr) of the ELF64 program header whose p_vaddr is `vaddr`.
fn elf_paddr(bytes: &[u8], vaddr: u64) -> Option<(u64, u64)> {
    let u64_at = |o: usize| bytes.get(o..o + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
    let u16_at = |o: usize| bytes.get(o..o + 2).map(|b| u16::from_le_bytes(b.try_into().unwrap()));
    if bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
        return None; // ELF64 little-endian only (RISC-V)
    }
    let (phoff, phentsize, phnum) = (u64_at(0x20)? as usize, u16_at(0x36)? as usize, u16_at(0x38)? as usize);
    (0..phnum).map(|i| phoff + i * phentsize).find_map(|ph| {
        let (v, p) = (u64_at(ph + 0x10)?, u64_at(ph + 0x18)?);
        (v == vaddr).then_some((p, v))
    })
}

/// The files of a cpio "newc" archive (what svos's initrd is): name -> data.
fn cpio_files(bytes: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    let mut at = 0;
    let hex = |b: &[u8]| std::str::from_utf8(b).ok().and_then(|s| usize::from_str_radix(s, 16).ok());
    while let Some(h) = bytes.get(at..at + 110) {
        if &h[..6] != b"070701" && &h[..6] != b"070702" {
            break;
        }
        let (Some(size), Some(namesize)) = (hex(&h[54..62]), hex(&h[94..102])) else { break };
        let name_at = at + 110;
        let Some(name) = bytes.get(name_at..name_at + namesize.saturating_sub(1)) else { break };
        let name = String::from_utf8_lossy(name).into_owned();
        let data_at = (name_at + namesize + 3) & !3;
        let Some(data) = bytes.get(data_at..data_at + size) else { break };
        if name == "TRAILER!!!" {
            break;
        }
        files.insert(name.trim_start_matches("./").trim_start_matches('/').to_owned(), data.to_vec());
        at = (data_at + size + 3) & !3;
    }
    files
}

/// Where an image comes from: a file, parsed on first use.
enum Source {
    Path(PathBuf),
    Parsed(Option<Image>),
}

impl Source {
    fn image(&mut self) -> Option<&Image> {
        if let Source::Path(p) = self {
            *self = Source::Parsed(std::fs::read(p).ok().and_then(|b| Image::parse(&b)));
        }
        match self {
            Source::Parsed(i) => i.as_ref(),
            Source::Path(_) => None,
        }
    }
}

/// The symbols of a run: kernel, firmware, and the user programs of the initrd.
pub struct Symbols {
    kernel: Option<Source>,
    firmware: Option<Source>,
    initrd: Option<PathBuf>,
    /// The initrd's files, once read.
    files: Option<HashMap<String, Vec<u8>>>,
    /// User images by path, parsed on first use.
    user: HashMap<String, Option<Image>>,
}

/// Addresses at or above this are the kernel's (the upper half of Sv39 and
/// beyond); below it a user address, looked up in the user program first.
const KERNEL_HALF: u64 = 1 << 63;

impl Symbols {
    /// Symbols of the kernel ELF, the firmware ELF and the initrd's programs
    /// (any of them absent: no names from it).
    pub fn new(kernel: Option<PathBuf>, firmware: Option<PathBuf>, initrd: Option<PathBuf>) -> Symbols {
        Symbols {
            kernel: kernel.map(Source::Path),
            firmware: firmware.map(Source::Path),
            initrd,
            files: None,
            user: HashMap::new(),
        }
    }

    /// `symbol+0xoff [file:line]` for `addr`; `program` is the path of the
    /// ELF the hart's current process runs (as the kernel reported it), if any.
    pub fn describe(&mut self, addr: u64, program: Option<&str>) -> Option<String> {
        if addr < KERNEL_HALF {
            if let Some(path) = program.filter(|p| !p.is_empty()) {
                if let Some(t) = self.user_image(path).and_then(|i| i.describe(addr)) {
                    return Some(t);
                }
            }
        }
        if let Some(t) = self.kernel.as_mut().and_then(Source::image).and_then(|i| i.describe(addr)) {
            return Some(t);
        }
        self.firmware.as_mut().and_then(Source::image).and_then(|i| i.describe(addr))
    }

    /// The name of the function (or data object) covering `addr`, looked
    /// up as [`Symbols::describe`] does; None when no image names it.
    pub fn function(&mut self, addr: u64, program: Option<&str>) -> Option<String> {
        if addr < KERNEL_HALF {
            if let Some(path) = program.filter(|p| !p.is_empty()) {
                if let Some((name, _)) = self.user_image(path).and_then(|i| i.function(addr)) {
                    return Some(name.to_owned());
                }
            }
        }
        if let Some((name, _)) = self.kernel.as_mut().and_then(Source::image).and_then(|i| i.function(addr)) {
            return Some(name.to_owned());
        }
        let firmware = self.firmware.as_mut().and_then(Source::image)?;
        firmware.function(addr).map(|(name, _)| name.to_owned())
    }

    fn user_image(&mut self, path: &str) -> Option<&Image> {
        if !self.user.contains_key(path) {
            let files = self.files.get_or_insert_with(|| {
                self.initrd.as_ref().and_then(|p| std::fs::read(p).ok()).map(|b| cpio_files(&b)).unwrap_or_default()
            });
            let key = path.trim_start_matches("./").trim_start_matches('/');
            let image = files.get(key).and_then(|b| Image::parse(b));
            self.user.insert(path.to_owned(), image);
        }
        self.user.get(path)?.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::cpio_files;

    #[test]
    fn cpio_newc_files_are_found_by_name() {
        let mut a = Vec::new();
        let mut add = |name: &str, data: &[u8]| {
            let header = format!(
                "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                1,
                0o100644,
                0,
                0,
                1,
                0,
                data.len(),
                0,
                0,
                0,
                0,
                name.len() + 1,
                0
            );
            a.extend_from_slice(header.as_bytes());
            a.extend_from_slice(name.as_bytes());
            a.push(0);
            while a.len() % 4 != 0 {
                a.push(0);
            }
            a.extend_from_slice(data);
            while a.len() % 4 != 0 {
                a.push(0);
            }
        };
        add("hello", b"ELF?");
        add("./sh", b"x");
        add("TRAILER!!!", b"");
        let files = cpio_files(&a);
        assert_eq!(files.get("hello").map(Vec::as_slice), Some(&b"ELF?"[..]));
        assert_eq!(files.get("sh").map(Vec::as_slice), Some(&b"x"[..]));
        assert_eq!(files.len(), 2);
    }
}
