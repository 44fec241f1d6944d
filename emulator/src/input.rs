//! Reading the user's input files whole (`--kernel`, `--bios`, `--initrd`,
//! `--console-input`, `svemu disasm FILE`), each up to a size limit: an
//! endless file (`/dev/zero`, a pipe that never closes) or a huge one ends
//! with an error naming the limit instead of filling the host's memory, and
//! a host that refuses the memory gives an error rather than an abort.

use std::io::{ErrorKind, Read};
use std::path::Path;

/// Largest firmware or kernel image (`--bios`, `--kernel`) and largest ELF
/// file `svemu disasm` reads: 512 MiB, room for a kernel with full debug
/// information (the loaded segments must also fit in RAM).
pub const MAX_IMAGE: u64 = 512 << 20;

/// Largest `--console-input` file: 64 MiB (the guest receives it a byte at
/// a time, so more would take hours of guest time).
pub const MAX_CONSOLE_INPUT: u64 = 64 << 20;

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The host refused to open or read it.
    #[error("cannot read {what} '{p}': {source}", p = .path.display())]
    Io {
        /// What the file is for ("kernel", "initrd", ...).
        what: &'static str,
        /// The path given.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// It holds more than `limit` bytes (or never ends).
    #[error("{what} '{p}' is larger than {l}{why}", p = .path.display(), l = size_text(*.limit))]
    TooLarge {
        /// What the file is for.
        what: &'static str,
        /// The path given.
        path: std::path::PathBuf,
        /// The limit, in bytes.
        limit: u64,
        /// Why the limit is what it is (empty, or text starting with ", ").
        why: &'static str,
    },
    /// The host has no memory for its bytes.
    #[error("cannot read {what} '{p}': the host is out of memory after {read} bytes", p = .path.display())]
    OutOfMemory {
        /// What the file is for.
        what: &'static str,
        /// The path given.
        path: std::path::PathBuf,
        /// Bytes read before the allocation failed.
        read: u64,
    },
}

/// A size in bytes for messages: "512 MiB", "64 KiB", "1000 bytes" (the
/// largest unit that divides it).
pub fn size_text(n: u64) -> String {
    match n {
        _ if n >= 1 << 30 && n.is_multiple_of(1 << 30) => format!("{} GiB", n >> 30),
        _ if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        _ if n >= 1 << 10 && n.is_multiple_of(1 << 10) => format!("{} KiB", n >> 10),
        _ => format!("{n} bytes"),
    }
}

/// The bytes of the file at `path`, which is for `what` ("kernel", ...), if
/// it holds at most `limit` bytes; `why` explains the limit in the error
/// (empty, or text starting with ", "). Reads at most `limit + 1` bytes,
/// whatever the file is (a device, a pipe).
pub fn read_limited(what: &'static str, path: &Path, limit: u64, why: &'static str) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io { what, path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut r = file.take(limit.saturating_add(1));
    let mut bytes = Vec::new();
    const CHUNK: usize = 1 << 20;
    loop {
        let old = bytes.len();
        if bytes.try_reserve(CHUNK).is_err() {
            return Err(InputError::OutOfMemory { what, path: path.to_owned(), read: old as u64 });
        }
        bytes.resize(old + CHUNK, 0);
        match r.read(&mut bytes[old..]) {
            Ok(0) => {
                bytes.truncate(old);
                break;
            }
            Ok(n) => bytes.truncate(old + n),
            Err(e) if e.kind() == ErrorKind::Interrupted => bytes.truncate(old),
            Err(e) => return Err(io(e)),
        }
    }
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { what, path: path.to_owned(), limit, why });
    }
    bytes.shrink_to_fit();
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_stops_at_the_limit() {
        let e = read_limited("kernel", Path::new("/dev/zero"), 3 << 20, "").unwrap_err();
        assert_eq!(e.to_string(), "kernel '/dev/zero' is larger than 3 MiB");
    }

    #[test]
    fn a_file_at_the_limit_is_read_whole() {
        let dir = std::env::temp_dir().join(format!("svemu-input-{}", std::process::id()));
        std::fs::write(&dir, vec![7u8; 5000]).unwrap();
        assert_eq!(read_limited("initrd", &dir, 5000, "").unwrap(), vec![7u8; 5000]);
        let e = read_limited("initrd", &dir, 4999, ", the RAM size").unwrap_err();
        assert!(e.to_string().ends_with("is larger than 4999 bytes, the RAM size"), "{e}");
        std::fs::remove_file(&dir).unwrap();
        let e = read_limited("initrd", &dir, 4999, "").unwrap_err();
        assert!(e.to_string().starts_with("cannot read initrd '"), "{e}");
    }
}
