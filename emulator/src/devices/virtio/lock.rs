//! Disk image locking, compatible with QEMU's (`block/file-posix.c`), so
//! that two svemu runs, or svemu and QEMU, never use one image at once.
//!
//! QEMU marks an image with open-file-description (OFD) byte-range locks,
//! all of them shared (read) locks of one byte: byte 100 + p for each
//! permission p it holds, byte 200 + p for each permission it does not let
//! others hold. The permissions are p = 0 "consistent read" and p = 1
//! "write". A guest disk opened for reading and writing holds bytes 100,
//! 101 and 201 (it reads, writes, and shares no writing); a read-only one
//! holds 100 and 201. A user conflicts with another when it wants a
//! permission the other does not share (byte 200 + p is locked) or does not
//! share one the other holds (byte 100 + p is locked): so a writer excludes
//! everyone, and readers exclude only writers. As QEMU, svemu takes its
//! locks first and then looks for conflicting ones (OFD locks of the same
//! open file never conflict with each other), so of two users starting at
//! the same moment at least one sees the other.
//!
//! The locks are advisory: they keep out svemu and QEMU, not `dd`. They
//! last as long as the image's file stays open.

use std::fs::File;
use std::io;

/// The two permissions QEMU's lock bytes stand for.
const PERMISSIONS: [(i64, &str); 2] = [(0, "consistent read"), (1, "write")];
/// Byte 100 + p: "I hold permission p".
const HOLD_BASE: i64 = 100;
/// Byte 200 + p: "I do not share permission p".
const UNSHARE_BASE: i64 = 200;
/// The permission number of writing.
const WRITE: i64 = 1;

/// Lock the image `file` (open for reading, and for writing when
/// `writable`) as QEMU locks an image of a guest disk: reading always,
/// writing when `writable`, sharing everything but writing. Errors name the
/// permission another process (svemu, QEMU) holds or refuses to share, as
/// QEMU's do; an I/O error when the host cannot lock at all.
pub fn lock(file: &File, writable: bool) -> io::Result<()> {
    let holds = |p: i64| p != WRITE || writable;
    let shares = |p: i64| p != WRITE;
    for (p, _) in PERMISSIONS {
        if holds(p) {
            set_shared(file, HOLD_BASE + p)?;
        }
        if !shares(p) {
            set_shared(file, UNSHARE_BASE + p)?;
        }
    }
    for (p, name) in PERMISSIONS {
        if holds(p) && locked_by_other(file, UNSHARE_BASE + p)? {
            return Err(conflict(format!("another process (svemu or QEMU) using it does not share \"{name}\"")));
        }
        if !shares(p) && locked_by_other(file, HOLD_BASE + p)? {
            return Err(conflict(format!("another process (svemu or QEMU) holds \"{name}\" on it")));
        }
    }
    Ok(())
}

/// True when another process (svemu, QEMU) holds the lock byte "does not
/// share write" of `file`, which a user of the image as a guest disk takes
/// last (reader or writer). Takes no lock itself, so it cannot make that
/// process's own check fail.
pub fn in_use(file: &File) -> io::Result<bool> {
    locked_by_other(file, UNSHARE_BASE + WRITE)
}

fn conflict(text: String) -> io::Error {
    io::Error::new(io::ErrorKind::WouldBlock, format!("it is locked: {text} (--drive-locking off skips this check)"))
}

/// A one-byte lock request at `start`.
#[cfg(target_os = "linux")]
fn request(kind: libc::c_int, start: i64) -> libc::flock {
    // SAFETY: flock is a plain C struct; all-zero is a valid value of it.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = start;
    fl.l_len = 1;
    fl
}

/// Take a shared OFD lock on byte `start` of `file`.
#[cfg(target_os = "linux")]
fn set_shared(file: &File, start: i64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let mut fl = request(libc::F_RDLCK, start);
    // SAFETY: `fl` is a valid flock for F_OFD_SETLK, the descriptor is open.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) } == -1 {
        let e = io::Error::last_os_error();
        // Someone holds an exclusive lock there: not QEMU's scheme, but a conflict.
        if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EACCES)) {
            return Err(conflict("another process holds an exclusive lock on it".into()));
        }
        return Err(e);
    }
    Ok(())
}

/// True when another open file holds a lock on byte `start` of `file`
/// (one that an exclusive lock there would conflict with).
#[cfg(target_os = "linux")]
fn locked_by_other(file: &File, start: i64) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    let mut fl = request(libc::F_WRLCK, start);
    // SAFETY: `fl` is a valid flock for F_OFD_GETLK, the descriptor is open.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut fl) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(fl.l_type != libc::F_UNLCK as libc::c_short)
}

/// Without OFD locks: a whole-file lock (flock), exclusive for a writer.
#[cfg(not(target_os = "linux"))]
fn set_shared(file: &File, start: i64) -> io::Result<()> {
    if start != HOLD_BASE {
        return Ok(());
    }
    file.try_lock_shared().map_err(|_| conflict("another process holds a lock on it".into()))
}

#[cfg(not(target_os = "linux"))]
fn locked_by_other(_file: &File, _start: i64) -> io::Result<bool> {
    Ok(false)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn image(name: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("svemu-lock-{name}-{}", std::process::id()));
        std::fs::write(&p, [0u8; 4096]).unwrap();
        p
    }

    fn open(p: &std::path::Path, writable: bool) -> File {
        std::fs::OpenOptions::new().read(true).write(writable).open(p).unwrap()
    }

    #[test]
    fn a_writer_excludes_everyone_and_readers_share() {
        let p = image("rw");
        let first = open(&p, true);
        lock(&first, true).unwrap();
        for writable in [true, false] {
            let e = lock(&open(&p, writable), writable).unwrap_err();
            assert!(e.to_string().starts_with("it is locked: another process (svemu or QEMU)"), "{e}");
        }
        drop(first);
        // Closed: the locks are gone.
        let reader = open(&p, false);
        lock(&reader, false).unwrap();
        lock(&open(&p, false), false).expect("readers share");
        let e = lock(&open(&p, true), true).unwrap_err();
        assert!(e.to_string().contains("does not share \"write\""), "{e}");
        std::fs::remove_file(&p).unwrap();
    }
}
