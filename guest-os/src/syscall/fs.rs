//! File system calls over the console and the read-only initrd: openat,
//! close, read, write, lseek, fstat.

use super::errno::*;
use crate::mm::addr_space::Access;
use crate::proc::file::File;
use crate::proc::process::WaitFor;
use crate::proc::sched;
use crate::proc::usercopy::{self, copy_to_user};
use alloc::vec;

/// Most open files per process.
pub const MAX_FDS: usize = 32;
const O_ACCMODE: usize = 3;
const O_CREAT: usize = 0o100;
const O_TRUNC: usize = 0o1000;

fn file(fd: usize) -> Result<&'static mut File, isize> {
    match sched::current().fds.get_mut(fd) {
        Some(Some(f)) => Ok(f),
        _ => Err(EBADF),
    }
}

fn ret(r: Result<isize, isize>) -> isize {
    r.unwrap_or_else(|e| e)
}

/// openat(dirfd, path, flags): opens an initrd file read-only (dirfd is
/// ignored: the initrd has one directory). -ENOENT if absent, -EROFS for
/// write/create/truncate flags, -EMFILE if the table is full.
pub fn sys_openat(_dirfd: usize, path: usize, flags: usize) -> isize {
    ret((|| {
        let name = usercopy::read_cstr(path, 255)?;
        if flags & O_ACCMODE != 0 || flags & (O_CREAT | O_TRUNC) != 0 {
            return Err(EROFS);
        }
        let (data, ino) = crate::initrd::lookup(&name).ok_or(ENOENT)?;
        let fds = &mut sched::current().fds;
        let f = File::Initrd { data, pos: 0, ino };
        match fds.iter().position(|f| f.is_none()) {
            Some(i) => {
                fds[i] = Some(f);
                Ok(i as isize)
            }
            None if fds.len() < MAX_FDS => {
                fds.push(Some(f));
                Ok(fds.len() as isize - 1)
            }
            None => Err(EMFILE),
        }
    })())
}

/// close(fd). -EBADF if not open.
pub fn sys_close(fd: usize) -> isize {
    match sched::current().fds.get_mut(fd) {
        Some(slot @ Some(_)) => {
            *slot = None;
            0
        }
        _ => EBADF,
    }
}

/// read(fd, buf, count): from an initrd file at its offset, or one line of
/// console input (blocking until a line is typed). -EFAULT if the buffer is
/// not writable user memory.
pub fn sys_read(fd: usize, buf: usize, count: usize) -> isize {
    ret((|| {
        let count = count.min(64 * 1024);
        match file(fd)? {
            File::Initrd { data, pos, .. } => {
                let n = count.min(data.len().saturating_sub(*pos));
                let (start, d) = (*pos, *data);
                copy_to_user(buf, &d[start..start + n])?;
                *pos += n;
                Ok(n as isize)
            }
            File::Console => {
                // Check the buffer before blocking.
                usercopy::for_each_chunk(buf, count, Access::Store, |_, _| {})?;
                let mut tmp = vec![0u8; count];
                loop {
                    if sched::current().killed.is_some() {
                        return Err(EINTR);
                    }
                    if let Some(n) = crate::drivers::tty::read(&mut tmp) {
                        copy_to_user(buf, &tmp[..n])?;
                        return Ok(n as isize);
                    }
                    sched::block(WaitFor::Console);
                }
            }
        }
    })())
}

/// write(fd, buf, count): the console only (fds that are Console); one
/// write is printed whole (the kernel is not preemptible), so lines written
/// with one call never interleave. -EBADF for initrd files (read-only) and
/// closed fds; -EFAULT (nothing written) for a bad buffer.
pub fn sys_write(fd: usize, buf: usize, count: usize) -> isize {
    ret((|| {
        if !matches!(file(fd)?, File::Console) {
            return Err(EBADF);
        }
        if count > isize::MAX as usize {
            return Err(EINVAL);
        }
        usercopy::for_each_chunk(buf, count, Access::Load, |pa, n| {
            // SAFETY: a validated user frame, read through the direct map.
            let s = unsafe { core::slice::from_raw_parts(pa.to_kva() as *const u8, n) };
            crate::drivers::uart::write_bytes(s);
        })?;
        Ok(count as isize)
    })())
}

/// lseek(fd, offset, whence): SEEK_SET 0, SEEK_CUR 1, SEEK_END 2 on initrd
/// files. -ESPIPE on the console, -EINVAL for a bad whence or negative result.
pub fn sys_lseek(fd: usize, off: isize, whence: usize) -> isize {
    ret((|| match file(fd)? {
        File::Console => Err(ESPIPE),
        File::Initrd { data, pos, .. } => {
            let base = match whence {
                0 => 0,
                1 => *pos as isize,
                2 => data.len() as isize,
                _ => return Err(EINVAL),
            };
            let new = base.checked_add(off).filter(|&v| v >= 0).ok_or(EINVAL)?;
            *pos = new as usize;
            Ok(new)
        }
    })())
}

/// fstat(fd, statbuf): struct stat of asm-generic/stat.h (128 bytes):
/// st_mode S_IFREG|0555 and st_size for initrd files, S_IFCHR|0620 for the console.
pub fn sys_fstat(fd: usize, st: usize) -> isize {
    ret((|| {
        let (mode, size, ino, rdev): (u32, u64, u64, u64) = match file(fd)? {
            File::Console => (0o020620, 0, 0, (4 << 8) | 64),
            File::Initrd { data, ino, .. } => (0o100555, data.len() as u64, *ino as u64, 0),
        };
        let mut b = [0u8; 128];
        b[0..8].copy_from_slice(&1u64.to_le_bytes()); // st_dev
        b[8..16].copy_from_slice(&ino.to_le_bytes()); // st_ino
        b[16..20].copy_from_slice(&mode.to_le_bytes()); // st_mode
        b[20..24].copy_from_slice(&1u32.to_le_bytes()); // st_nlink
        b[32..40].copy_from_slice(&rdev.to_le_bytes()); // st_rdev
        b[48..56].copy_from_slice(&size.to_le_bytes()); // st_size
        b[56..60].copy_from_slice(&4096u32.to_le_bytes()); // st_blksize
        b[64..72].copy_from_slice(&size.div_ceil(512).to_le_bytes()); // st_blocks
        copy_to_user(st, &b)?;
        Ok(0)
    })())
}
