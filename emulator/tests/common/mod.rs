//! What the command-line tests share: running the `svemu` binary, its
//! stderr, and hand-made ELF files.

#![allow(dead_code)] // each test binary uses part of it

use std::path::PathBuf;
use std::process::{Command, Output};

/// Run `svemu` with `args`, no stdin, and collect its output.
pub fn svemu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svemu"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("svemu runs")
}

/// Its stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit status `code`, `needle` on stderr, no panic.
pub fn assert_clean_error(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in stderr: {err}");
    assert!(!err.contains("panicked"), "svemu panicked: {err}");
}

/// [`assert_clean_error`] with status 1, and the error is one line
/// starting with `svemu: error: `.
pub fn assert_one_error_line(o: &Output, needle: &str) {
    assert_clean_error(o, 1, needle);
    let err = stderr(o);
    assert!(err.starts_with("svemu: error: ") && err.lines().count() == 1, "not one error line: {err:?}");
}

/// An ELF file to make: 64-bit little-endian RISC-V, program headers right
/// after the ELF header, segment bytes after them.
pub struct ElfSpec {
    /// e_type (2 = ET_EXEC, 1 = ET_REL).
    pub e_type: u16,
    /// e_entry.
    pub entry: u64,
    /// e_phentsize as written (56 is right).
    pub phentsize: u16,
    /// PT_LOAD segments: physical address, file bytes, memory size.
    pub segments: Vec<(u64, Vec<u8>, u64)>,
}

impl ElfSpec {
    /// One segment of `code` at 0x8000_0000, the entry.
    pub fn code(code: &[u32]) -> ElfSpec {
        let text: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        let len = text.len() as u64;
        ElfSpec { e_type: 2, entry: 0x8000_0000, phentsize: 56, segments: vec![(0x8000_0000, text, len)] }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let (ehsize, phsize) = (64u64, 56u64);
        let mut e = Vec::new();
        e.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"); // 64-bit, LE, version 1
        e.extend_from_slice(&self.e_type.to_le_bytes());
        e.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
        e.extend_from_slice(&1u32.to_le_bytes()); // version
        e.extend_from_slice(&self.entry.to_le_bytes());
        e.extend_from_slice(&ehsize.to_le_bytes()); // phoff
        e.extend_from_slice(&0u64.to_le_bytes()); // shoff
        e.extend_from_slice(&0u32.to_le_bytes()); // flags
        e.extend_from_slice(&(ehsize as u16).to_le_bytes());
        e.extend_from_slice(&self.phentsize.to_le_bytes());
        e.extend_from_slice(&(self.segments.len() as u16).to_le_bytes()); // phnum
        e.extend_from_slice(&[0; 6]); // shentsize, shnum, shstrndx
        let mut off = ehsize + phsize * self.segments.len() as u64;
        for (paddr, data, memsz) in &self.segments {
            e.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
            e.extend_from_slice(&7u32.to_le_bytes()); // RWX
            e.extend_from_slice(&off.to_le_bytes());
            e.extend_from_slice(&paddr.to_le_bytes()); // vaddr
            e.extend_from_slice(&paddr.to_le_bytes()); // paddr
            e.extend_from_slice(&(data.len() as u64).to_le_bytes());
            e.extend_from_slice(&memsz.to_le_bytes());
            e.extend_from_slice(&4096u64.to_le_bytes());
            off += data.len() as u64;
        }
        for (_, data, _) in &self.segments {
            e.extend_from_slice(data);
        }
        e
    }
}

/// A minimal RV64 ELF: one PT_LOAD of `code` at 0x8000_0000, entry there.
pub fn tiny_elf(code: &[u32]) -> Vec<u8> {
    ElfSpec::code(code).bytes()
}

/// Write `bytes` to a file of this test process's temporary directory.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svemu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Power off with status 0 through sifive_test: lui t0, 0x100; lui t1, 0x5; addi t1, t1, 0x555; sw t1, 0(t0)
pub const POWER_OFF: [u32; 4] = [0x0010_02b7, 0x0000_5337, 0x5553_0313, 0x0062_a023];
