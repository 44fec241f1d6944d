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

static INITRD: crate::sync::Global<Option<Initrd>> = crate::sync::Global::new(None);

/// Makes `rd` the initrd that exec and openat read.
pub fn set(rd: Initrd) {
    *INITRD.get() = Some(rd);
}

/// The file called `name` (a leading "/" or "./" is ignored), if present.
pub fn find(name: &str) -> Option<&'static [u8]> {
    let name = name.trim_start_matches("./").trim_start_matches('/');
    INITRD.get().as_ref()?.find(name)
}

/// The file called `name` and its 1-based position in the archive (its inode number for fstat).
pub fn lookup(name: &str) -> Option<(&'static [u8], usize)> {
    let name = name.trim_start_matches("./").trim_start_matches('/');
    let rd = INITRD.get().as_ref()?;
    rd.files().into_iter().enumerate().find(|(_, (n, _))| *n == name).map(|(i, (_, d))| (d, i + 1))
}
