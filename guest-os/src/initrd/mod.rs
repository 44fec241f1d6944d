//! The initrd: a cpio "newc" archive (`cpio -o -H newc`), read with the
//! `cpio_reader` crate; [`crate::fs`] makes its files the root of the file
//! system (names with "/" go into directories).

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
    ///
    /// Hard links (newc entries with nlink > 1 sharing an inode number, as
    /// `cpio -o -H newc` writes them: the data only with the last of them)
    /// all get that data, so one multi-call program can be in the archive
    /// under several names.
    pub fn files(&self) -> Vec<(&'static str, &'static [u8])> {
        let entries: Vec<(&'static str, u32, u32, &'static [u8])> = cpio_reader::iter_files(self.data)
            .filter(|e| e.mode().contains(Mode::REGULAR_FILE))
            .map(|e| (e.name().trim_start_matches("./"), e.ino(), e.nlink(), e.file()))
            .collect();
        let linked = |ino: u32| {
            entries.iter().rev().find(|&&(_, i, n, d)| i == ino && n > 1 && !d.is_empty()).map_or(&[][..], |e| e.3)
        };
        entries.iter().map(|&(name, ino, nlink, data)| (name, if nlink > 1 { linked(ino) } else { data })).collect()
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

/// Every regular file of the archive in archive order: (path without a leading "./", contents).
pub fn all() -> Vec<(&'static str, &'static [u8])> {
    INDEX.get().clone()
}
