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
