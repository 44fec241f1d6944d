//! The initrd: a cpio "newc" archive (`cpio -o -H newc`) whose root holds one
//! file per program, read with the `cpio_reader` crate.

use alloc::vec::Vec;
use cpio_reader::Mode;

/// A read-only view of the archive.
pub struct Initrd {
    data: &'static [u8],
}

impl Initrd {
    /// Wraps the archive bytes.
    pub fn new(data: &'static [u8]) -> Self {
        Initrd { data }
    }

    /// The regular files in archive order: (name without a leading "./", contents).
    pub fn files(&self) -> Vec<(&'static str, &'static [u8])> {
        cpio_reader::iter_files(self.data)
            .filter(|e| e.mode().contains(Mode::REGULAR_FILE))
            .map(|e| (e.name().trim_start_matches("./"), e.file()))
            .collect()
    }

    /// The contents of the file called `name`, if present.
    pub fn find(&self, name: &str) -> Option<&'static [u8]> {
        self.files().into_iter().find(|(n, _)| *n == name).map(|(_, d)| d)
    }
}

/// The archive's files, parsed once: cpio_reader's iterator is slow (it
/// walks the archive byte by byte), so exec and openat use this index.
static INDEX: crate::sync::Global<Vec<(&'static str, &'static [u8])>> = crate::sync::Global::new(Vec::new());

/// Makes `rd` the initrd that exec and openat read (indexes its files).
pub fn set(rd: Initrd) {
    *INDEX.get() = rd.files();
}

/// The file called `name` (a leading "/" or "./" is ignored), if present.
pub fn find(name: &str) -> Option<&'static [u8]> {
    lookup(name).map(|(d, _)| d)
}

/// The file called `name` and its 1-based position in the archive (its inode number for fstat).
pub fn lookup(name: &str) -> Option<(&'static [u8], usize)> {
    let name = name.trim_start_matches("./").trim_start_matches('/');
    INDEX.get().iter().enumerate().find(|(_, (n, _))| *n == name).map(|(i, (_, d))| (*d, i + 1))
}
