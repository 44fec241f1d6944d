//! File system calls over the VFS ([`crate::fs`]): open, read, write and
//! their vector and positioned forms, seek, stat (fstat, newfstatat,
//! statx), directories (getdents64, mkdirat, unlinkat, renameat2, chdir,
//! getcwd), descriptors (dup, dup3, fcntl, close, pipe2), ioctl on the
//! console, readlinkat, faccessat, ftruncate, fsync. Linux's semantics and
//! errnos (the man pages of section 2); every user pointer goes through
//! [`crate::proc::usercopy`].

use super::errno::*;
use crate::fs::dev::Dev;
use crate::fs::tmpfs::{Dir, RegFile};
use crate::fs::{self, Fd, Handle, Node, OpenFile, Stat};
use crate::mm::addr_space::Access;
use crate::proc::process::WaitFor;
use crate::proc::sched;
use crate::proc::usercopy::{self, copy_from_user, copy_to_user};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// AT_FDCWD: the working directory as a dirfd.
pub const AT_FDCWD: isize = -100;
const AT_SYMLINK_NOFOLLOW: usize = 0x100;
const AT_REMOVEDIR: usize = 0x200;
const AT_EMPTY_PATH: usize = 0x1000;
const O_ACCMODE: usize = 3;
const O_WRONLY: usize = 1;
const O_RDWR: usize = 2;
const O_CREAT: usize = 0o100;
const O_EXCL: usize = 0o200;
const O_TRUNC: usize = 0o1000;
const O_APPEND: usize = 0o2000;
const O_NONBLOCK: usize = 0o4000;
const O_DIRECTORY: usize = 0o200000;
const O_NOFOLLOW: usize = 0o400000;
const O_CLOEXEC: usize = 0o2000000;
const O_PATH: usize = 0o10000000;
/// Largest transfer of one read or write (Linux's MAX_RW_COUNT is about 2 GiB; svos goes through the heap).
const MAX_RW: usize = 1 << 20;

fn ret(r: Result<isize, isize>) -> isize {
    r.unwrap_or_else(|e| e)
}

/// The fd's entry (a clone: the open file is shared). -EBADF if not open.
pub fn fd_get(fd: usize) -> Result<Fd, isize> {
    match sched::current().fds.get(fd) {
        Some(Some(f)) => Ok(f.clone()),
        _ => Err(EBADF),
    }
}

/// A path argument: NUL-terminated, at most PATH_MAX bytes.
pub fn read_path(va: usize) -> Result<String, isize> {
    usercopy::read_cstr(va, fs::PATH_MAX - 1)
}

/// The directory a *at call resolves `path` from: the working directory
/// for AT_FDCWD (or an absolute path), else the directory open as `dirfd`.
fn base(dirfd: usize, path: &str) -> Result<String, isize> {
    if path.starts_with('/') || dirfd as isize == AT_FDCWD {
        return Ok(sched::current().cwd.clone());
    }
    let f = fd_get(dirfd)?;
    let g = f.file.lock();
    match g.handle {
        Handle::Dir(_) => Ok(g.path.clone()),
        _ => Err(ENOTDIR),
    }
}

/// openat(dirfd, path, flags, mode) (open(2)): O_CREAT (mode & ~umask),
/// O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW,
/// O_CLOEXEC, O_PATH. /proc files are read-only (-EACCES for write
/// access) but the sysctls of /proc/sys/vm and /proc/PID/oom_score_adj;
/// directories -EISDIR for write access.
pub fn sys_openat(dirfd: usize, path: usize, flags: usize, mode: usize) -> isize {
    ret((|| {
        let path = read_path(path)?;
        let cwd = base(dirfd, &path)?;
        let acc = flags & O_ACCMODE;
        let writable = acc == O_WRONLY || acc == O_RDWR;
        let (node, abs) = match fs::lookup(&cwd, &path, flags & O_NOFOLLOW == 0) {
            Ok(_) if flags & O_CREAT != 0 && flags & O_EXCL != 0 => return Err(EEXIST),
            Ok(v) => v,
            Err(e) if e == ENOENT && flags & O_CREAT != 0 => {
                let (dir, name) = fs::lookup_parent(&cwd, &path)?;
                let perm = (mode as u32) & !sched::current().umask & 0o7777;
                let f = RegFile::new(&[], perm);
                dir.lock().entries.insert(name, Node::File(f.clone()));
                (Node::File(f), fs::normalize(&cwd, &path)?)
            }
            Err(e) => return Err(e),
        };
        if node.link_target().is_some() {
            return Err(ELOOP);
        }
        let is_dir = node.stat().mode & 0o170000 == fs::S_IFDIR;
        if flags & O_DIRECTORY != 0 && !is_dir {
            return Err(ENOTDIR);
        }
        let handle = if flags & O_PATH != 0 {
            Handle::Dir(node)
        } else {
            // Directories (of the tree, or of /proc) open read-only.
            let dir = |n: Node| if writable { Err(EISDIR) } else { Ok(Handle::Dir(n)) };
            match node {
                Node::Dir(_) => dir(node)?,
                Node::Proc(e) if e.is_dir() => dir(node)?,
                Node::File(f) => {
                    if writable && flags & O_TRUNC != 0 {
                        f.lock().resize(0)?;
                    }
                    Handle::File(f)
                }
                Node::Dev(d) => Handle::Dev(d),
                Node::Proc(e) => {
                    if writable && !e.is_writable() {
                        return Err(EACCES);
                    }
                    Handle::Snapshot(e.generate().ok_or(ENOENT)?, Node::Proc(e))
                }
            }
        };
        let file = OpenFile::new(handle, flags & !(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), abs);
        let fds = &mut sched::current().fds;
        Ok(fs::install(fds, Fd { file, cloexec: flags & O_CLOEXEC != 0 }, 0)? as isize)
    })())
}

/// close(fd). -EBADF if not open. A pipe end closes with its last fd.
pub fn sys_close(fd: usize) -> isize {
    let old = match sched::current().fds.get_mut(fd) {
        Some(slot @ Some(_)) => slot.take(),
        _ => return EBADF,
    };
    drop(old);
    0
}

/// Reads from the console: one line, blocking until one is typed.
fn console_read(buf: usize, count: usize) -> Result<isize, isize> {
    usercopy::for_each_chunk(buf, count, Access::Store, |_, _| {})?;
    let mut tmp = vec![0u8; count.min(4096)];
    loop {
        if sched::current().interrupted() {
            return Err(EINTR);
        }
        if let Some(n) = crate::drivers::tty::read(&mut tmp) {
            copy_to_user(buf, &tmp[..n])?;
            return Ok(n as isize);
        }
        sched::block(WaitFor::Console);
    }
}

/// Copies `count` bytes of `src` from offset `pos` to user `buf`; returns the count.
fn read_bytes(src: &[u8], pos: usize, buf: usize, count: usize) -> Result<usize, isize> {
    let n = if pos >= src.len() { 0 } else { count.min(src.len() - pos) };
    if n > 0 {
        copy_to_user(buf, &src[pos..pos + n])?;
    }
    Ok(n)
}

/// Copies up to `count` bytes of regular file `file` from offset `pos` to
/// user `buf` through the page cache; returns the count. The file's lock is
/// not held while user memory is touched (a fault there may need the same
/// file: `buf` may be a mapping of it).
fn file_read(file: &crate::fs::RegRef, pos: usize, buf: usize, count: usize) -> Result<usize, isize> {
    let mut chunk = [0u8; 1024];
    let mut done = 0;
    while done < count {
        let k = chunk.len().min(count - done);
        let n = file.lock().cache.read(pos + done, &mut chunk[..k])?;
        if n > 0 {
            copy_to_user(buf + done, &chunk[..n])?;
        }
        done += n;
        if n < k {
            break;
        }
    }
    Ok(done)
}

/// Fills user `buf` with `count` bytes from `gen` (zeros, random).
fn fill_user(buf: usize, count: usize, mut gen: impl FnMut(&mut [u8])) -> Result<isize, isize> {
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < count {
        let n = (count - done).min(chunk.len());
        gen(&mut chunk[..n]);
        copy_to_user(buf + done, &chunk[..n])?;
        done += n;
    }
    Ok(count as isize)
}

fn pipe_read(f: &Fd, buf: usize, count: usize) -> Result<isize, isize> {
    let (pipe, nonblock) = {
        let g = f.file.lock();
        let Handle::Pipe(end) = &g.handle else { return Err(EBADF) };
        if end.write {
            return Err(EBADF);
        }
        (end.pipe.clone(), g.flags & O_NONBLOCK != 0)
    };
    usercopy::for_each_chunk(buf, count, Access::Store, |_, _| {})?;
    loop {
        let taken: Option<Vec<u8>> = {
            let mut p = pipe.lock();
            if !p.buf.is_empty() {
                let n = count.min(p.buf.len());
                Some(p.buf.drain(..n).collect())
            } else if p.writers == 0 {
                Some(Vec::new())
            } else {
                None
            }
        };
        if let Some(data) = taken {
            copy_to_user(buf, &data)?;
            fs::pipe::wake_all();
            return Ok(data.len() as isize);
        }
        if nonblock {
            return Err(EAGAIN);
        }
        if sched::current().interrupted() {
            return Err(EINTR);
        }
        sched::block(WaitFor::Pipe);
    }
}

fn pipe_write(f: &Fd, buf: usize, count: usize) -> Result<isize, isize> {
    let (pipe, nonblock) = {
        let g = f.file.lock();
        let Handle::Pipe(end) = &g.handle else { return Err(EBADF) };
        if !end.write {
            return Err(EBADF);
        }
        (end.pipe.clone(), g.flags & O_NONBLOCK != 0)
    };
    usercopy::for_each_chunk(buf, count, Access::Load, |_, _| {})?;
    let mut done = 0;
    while done < count {
        let room = {
            let p = pipe.lock();
            if p.readers == 0 {
                let me = sched::current_pid();
                sched::send_signal(me, crate::proc::process::signal::SIGPIPE, Default::default());
                return if done > 0 { Ok(done as isize) } else { Err(EPIPE) };
            }
            fs::pipe::PIPE_BUF_BYTES - p.buf.len()
        };
        if room == 0 {
            if nonblock {
                return if done > 0 { Ok(done as isize) } else { Err(EAGAIN) };
            }
            if sched::current().interrupted() {
                return if done > 0 { Ok(done as isize) } else { Err(EINTR) };
            }
            sched::block(WaitFor::Pipe);
            continue;
        }
        let n = room.min(count - done);
        let mut tmp = vec![0u8; n];
        copy_from_user(&mut tmp, buf + done)?;
        pipe.lock().buf.extend(tmp);
        done += n;
        fs::pipe::wake_all();
    }
    Ok(done as isize)
}

/// read on fd `f` at `at` (pread) or at its offset.
fn do_read(f: &Fd, buf: usize, count: usize, at: Option<usize>) -> Result<isize, isize> {
    let count = count.min(MAX_RW);
    let g = f.file.lock();
    if g.flags & O_ACCMODE == O_WRONLY {
        return Err(EBADF);
    }
    let pos = at.unwrap_or(g.pos);
    match &g.handle {
        Handle::File(file) => {
            let file = file.clone();
            drop(g);
            let n = file_read(&file, pos, buf, count)?;
            if at.is_none() {
                f.file.lock().pos = pos + n;
            }
            Ok(n as isize)
        }
        Handle::Snapshot(data, _) => {
            // The copy may sleep for the disk: no spin lock held across it.
            let part = data[pos.min(data.len())..].iter().take(count).copied().collect::<Vec<u8>>();
            drop(g);
            let n = read_bytes(&part, 0, buf, count)?;
            if at.is_none() {
                f.file.lock().pos = pos + n;
            }
            Ok(n as isize)
        }
        Handle::Dir(_) => Err(EISDIR),
        Handle::Pipe(_) => {
            drop(g);
            pipe_read(f, buf, count)
        }
        Handle::Dev(d) => {
            let d = *d;
            drop(g);
            match d {
                Dev::Console => console_read(buf, count),
                Dev::Null => Ok(0),
                Dev::Zero | Dev::Full => fill_user(buf, count, |c| c.fill(0)),
                Dev::Urandom => fill_user(buf, count, crate::random::fill),
            }
        }
    }
}

/// write on fd `f` at `at` (pwrite) or at its offset (the end with O_APPEND).
fn do_write(f: &Fd, buf: usize, count: usize, at: Option<usize>) -> Result<isize, isize> {
    if count > isize::MAX as usize {
        return Err(EINVAL);
    }
    let count = count.min(MAX_RW);
    let g = f.file.lock();
    if g.flags & O_ACCMODE == 0 && !matches!(g.handle, Handle::Pipe(_) | Handle::Dev(_)) {
        return Err(EBADF);
    }
    match &g.handle {
        Handle::File(file) => {
            let file = file.clone();
            let mut tmp = Vec::new();
            tmp.try_reserve(count).map_err(|_| ENOMEM)?;
            tmp.resize(count, 0);
            // The copy may sleep for the disk (a swapped-out buffer): the
            // open file's lock is not held across it.
            drop(g);
            copy_from_user(&mut tmp, buf)?;
            let mut g = f.file.lock();
            let mut fl = file.lock();
            let pos = if at.is_none() && g.flags & O_APPEND != 0 { fl.len() } else { at.unwrap_or(g.pos) };
            let n = fl.write_at(pos, &tmp)?;
            if at.is_none() {
                g.pos = pos + n;
            }
            Ok(n as isize)
        }
        Handle::Snapshot(_, Node::Proc(c)) if c.is_writable() => {
            let c = *c;
            drop(g);
            let mut tmp = Vec::new();
            tmp.try_reserve(count).map_err(|_| ENOMEM)?;
            tmp.resize(count, 0);
            copy_from_user(&mut tmp, buf)?;
            c.write(&tmp).map(|n| n as isize)
        }
        Handle::Snapshot(..) => Err(EBADF),
        Handle::Dir(_) => Err(EISDIR),
        Handle::Pipe(_) => {
            drop(g);
            pipe_write(f, buf, count)
        }
        Handle::Dev(Dev::Console) => {
            drop(g);
            usercopy::for_each_chunk(buf, count, Access::Load, |pa, n| {
                // SAFETY: a validated user frame, read through the direct map.
                let s = unsafe { core::slice::from_raw_parts(pa.to_kva() as *const u8, n) };
                crate::drivers::uart::write_bytes(s);
            })?;
            Ok(count as isize)
        }
        Handle::Dev(Dev::Full) => Err(ENOSPC),
        Handle::Dev(_) => {
            drop(g);
            usercopy::for_each_chunk(buf, count, Access::Load, |_, _| {})?;
            Ok(count as isize)
        }
    }
}

/// read(fd, buf, count): from the file's offset; the console returns one
/// line (blocking); a pipe blocks while empty and has writers. -EBADF
/// (closed, or opened write-only), -EISDIR, -EFAULT, -EINTR, -EAGAIN (O_NONBLOCK).
pub fn sys_read(fd: usize, buf: usize, count: usize) -> isize {
    ret(fd_get(fd).and_then(|f| do_read(&f, buf, count, None)))
}

/// write(fd, buf, count): at the offset (the end with O_APPEND), growing
/// the file; the console prints it whole; a pipe blocks while full, and
/// with no reader gives -EPIPE and SIGPIPE. -EBADF, -EFAULT, -ENOSPC.
pub fn sys_write(fd: usize, buf: usize, count: usize) -> isize {
    ret(fd_get(fd).and_then(|f| do_write(&f, buf, count, None)))
}

/// pread64(fd, buf, count, offset): read at `offset`, the file offset unchanged. -ESPIPE on pipes and the console.
pub fn sys_pread64(fd: usize, buf: usize, count: usize, off: usize) -> isize {
    ret(fd_get(fd).and_then(|f| {
        seekable(&f)?;
        if (off as isize) < 0 {
            return Err(EINVAL);
        }
        do_read(&f, buf, count, Some(off))
    }))
}

/// pwrite64(fd, buf, count, offset): write at `offset`, the file offset unchanged.
pub fn sys_pwrite64(fd: usize, buf: usize, count: usize, off: usize) -> isize {
    ret(fd_get(fd).and_then(|f| {
        seekable(&f)?;
        if (off as isize) < 0 {
            return Err(EINVAL);
        }
        do_write(&f, buf, count, Some(off))
    }))
}

fn seekable(f: &Fd) -> Result<(), isize> {
    match f.file.lock().handle {
        Handle::Pipe(_) | Handle::Dev(Dev::Console) => Err(ESPIPE),
        _ => Ok(()),
    }
}

/// Most iovecs of one readv/writev (Linux's UIO_MAXIOV).
const IOV_MAX: usize = 1024;

fn do_vec(fd: usize, iov: usize, cnt: usize, write: bool) -> Result<isize, isize> {
    let f = fd_get(fd)?;
    if cnt > IOV_MAX {
        return Err(EINVAL);
    }
    let mut raw = vec![0u8; cnt * 16];
    copy_from_user(&mut raw, iov)?;
    let mut total = 0isize;
    for i in 0..cnt {
        let w = |o: usize| usize::from_le_bytes(raw[i * 16 + o..i * 16 + o + 8].try_into().unwrap_or([0; 8]));
        let (base, len) = (w(0), w(8));
        if len == 0 {
            continue;
        }
        let r = if write { do_write(&f, base, len, None) } else { do_read(&f, base, len, None) };
        match r {
            Ok(n) => {
                total += n;
                if (n as usize) < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// readv(fd, iov, iovcnt): reads into each buffer in turn. -EINVAL for more than 1024.
pub fn sys_readv(fd: usize, iov: usize, cnt: usize) -> isize {
    ret(do_vec(fd, iov, cnt, false))
}

/// writev(fd, iov, iovcnt): writes each buffer in turn.
pub fn sys_writev(fd: usize, iov: usize, cnt: usize) -> isize {
    ret(do_vec(fd, iov, cnt, true))
}

/// lseek(fd, offset, whence): SEEK_SET 0, SEEK_CUR 1, SEEK_END 2 (past the
/// end is allowed: reads there return 0). -ESPIPE on pipes and the
/// console, -EINVAL for a bad whence or a negative result.
pub fn sys_lseek(fd: usize, off: isize, whence: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        let mut g = f.file.lock();
        let size = match &g.handle {
            Handle::Pipe(_) | Handle::Dev(Dev::Console) => return Err(ESPIPE),
            Handle::Dev(_) => return Ok(0),
            Handle::File(file) => file.lock().len(),
            Handle::Snapshot(d, _) => d.len(),
            Handle::Dir(_) => 0,
        };
        let base = match whence {
            0 => 0,
            1 => g.pos as isize,
            2 => size as isize,
            _ => return Err(EINVAL),
        };
        let new = base.checked_add(off).filter(|&v| v >= 0).ok_or(EINVAL)?;
        g.pos = new as usize;
        Ok(new)
    })())
}

/// struct stat of asm-generic/stat.h (128 bytes), as riscv64 uses it.
fn stat_bytes(st: &Stat) -> [u8; 128] {
    let mut b = [0u8; 128];
    b[0..8].copy_from_slice(&st.dev.to_le_bytes());
    b[8..16].copy_from_slice(&st.ino.to_le_bytes());
    b[16..20].copy_from_slice(&st.mode.to_le_bytes());
    b[20..24].copy_from_slice(&st.nlink.to_le_bytes());
    b[32..40].copy_from_slice(&st.rdev.to_le_bytes());
    b[48..56].copy_from_slice(&st.size.to_le_bytes());
    b[56..60].copy_from_slice(&4096u32.to_le_bytes());
    b[64..72].copy_from_slice(&st.size.div_ceil(512).to_le_bytes());
    b
}

/// The metadata a *at stat call names: the fd itself with AT_EMPTY_PATH and "".
fn stat_at(dirfd: usize, path: usize, flags: usize) -> Result<Stat, isize> {
    let p = read_path(path)?;
    if p.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd as isize == AT_FDCWD {
            return Ok(fs::lookup(&sched::current().cwd.clone(), ".", true)?.0.stat());
        }
        return Ok(fd_get(dirfd)?.file.lock().stat());
    }
    let cwd = base(dirfd, &p)?;
    Ok(fs::lookup(&cwd, &p, flags & AT_SYMLINK_NOFOLLOW == 0)?.0.stat())
}

/// fstat(fd, statbuf).
pub fn sys_fstat(fd: usize, st: usize) -> isize {
    ret((|| {
        let s = fd_get(fd)?.file.lock().stat();
        copy_to_user(st, &stat_bytes(&s))?;
        Ok(0)
    })())
}

/// newfstatat(dirfd, path, statbuf, flags): AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH.
pub fn sys_newfstatat(dirfd: usize, path: usize, st: usize, flags: usize) -> isize {
    ret((|| {
        let s = stat_at(dirfd, path, flags)?;
        copy_to_user(st, &stat_bytes(&s))?;
        Ok(0)
    })())
}

/// statx(dirfd, path, flags, mask, statxbuf): struct statx (256 bytes) with
/// STATX_BASIC_STATS (times 0).
pub fn sys_statx(dirfd: usize, path: usize, flags: usize, _mask: usize, buf: usize) -> isize {
    ret((|| {
        let s = stat_at(dirfd, path, flags)?;
        let mut b = [0u8; 256];
        b[0..4].copy_from_slice(&0x7ffu32.to_le_bytes()); // STATX_BASIC_STATS
        b[4..8].copy_from_slice(&4096u32.to_le_bytes());
        b[16..20].copy_from_slice(&s.nlink.to_le_bytes());
        b[28..30].copy_from_slice(&(s.mode as u16).to_le_bytes());
        b[32..40].copy_from_slice(&s.ino.to_le_bytes());
        b[40..48].copy_from_slice(&s.size.to_le_bytes());
        b[48..56].copy_from_slice(&s.size.div_ceil(512).to_le_bytes());
        b[128..132].copy_from_slice(&((s.rdev >> 8) as u32).to_le_bytes());
        b[132..136].copy_from_slice(&((s.rdev & 0xff) as u32).to_le_bytes());
        b[140..144].copy_from_slice(&(s.dev as u32).to_le_bytes());
        copy_to_user(buf, &b)?;
        Ok(0)
    })())
}

/// getdents64(fd, dirp, count): struct linux_dirent64 records (d_ino,
/// d_off, d_reclen, d_type, name, NUL, padded to 8 bytes) from the
/// directory's position. 0 at the end; -EINVAL if the buffer is too small for one.
pub fn sys_getdents64(fd: usize, dirp: usize, count: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        let g = f.file.lock();
        let Handle::Dir(node) = &g.handle else { return Err(ENOTDIR) };
        let entries = fs::list(node)?;
        let mut out = Vec::new();
        let mut i = g.pos;
        while i < entries.len() {
            let (name, ino, ty) = &entries[i];
            let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
            if out.len() + reclen > count.min(MAX_RW) {
                break;
            }
            let start = out.len();
            out.resize(start + reclen, 0);
            out[start..start + 8].copy_from_slice(&ino.to_le_bytes());
            out[start + 8..start + 16].copy_from_slice(&((i + 1) as u64).to_le_bytes());
            out[start + 16..start + 18].copy_from_slice(&(reclen as u16).to_le_bytes());
            out[start + 18] = *ty;
            out[start + 19..start + 19 + name.len()].copy_from_slice(name.as_bytes());
            i += 1;
        }
        if out.is_empty() && i < entries.len() {
            return Err(EINVAL);
        }
        // The copy may sleep for the disk: the lock is not held across it.
        drop(g);
        copy_to_user(dirp, &out)?;
        f.file.lock().pos = i;
        Ok(out.len() as isize)
    })())
}

/// getcwd(buf, size): the working directory and a NUL; returns its length
/// with the NUL. -ERANGE if `size` is too small.
pub fn sys_getcwd(buf: usize, size: usize) -> isize {
    ret((|| {
        let mut c = sched::current().cwd.clone().into_bytes();
        c.push(0);
        if size < c.len() {
            return Err(ERANGE);
        }
        copy_to_user(buf, &c)?;
        Ok(c.len() as isize)
    })())
}

fn set_cwd(node: &Node, abs: String) -> Result<isize, isize> {
    if node.stat().mode & 0o170000 != fs::S_IFDIR {
        return Err(ENOTDIR);
    }
    sched::current().cwd = abs;
    Ok(0)
}

/// chdir(path). -ENOENT, -ENOTDIR.
pub fn sys_chdir(path: usize) -> isize {
    ret((|| {
        let p = read_path(path)?;
        let (node, abs) = fs::lookup(&sched::current().cwd.clone(), &p, true)?;
        set_cwd(&node, abs)
    })())
}

/// fchdir(fd): to the directory open as `fd`.
pub fn sys_fchdir(fd: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        let g = f.file.lock();
        let Handle::Dir(node) = &g.handle else { return Err(ENOTDIR) };
        set_cwd(node, g.path.clone())
    })())
}

/// mkdirat(dirfd, path, mode): a tmpfs directory (mode & ~umask). -EEXIST, -ENOENT, -EROFS in /proc.
pub fn sys_mkdirat(dirfd: usize, path: usize, mode: usize) -> isize {
    ret((|| {
        let p = read_path(path)?;
        let cwd = base(dirfd, &p)?;
        let (dir, name) = fs::lookup_parent(&cwd, &p)?;
        let mut d = dir.lock();
        if d.entries.contains_key(&name) {
            return Err(EEXIST);
        }
        let perm = (mode as u32) & !sched::current().umask & 0o7777;
        d.entries.insert(name, Node::Dir(Dir::new(perm)));
        Ok(0)
    })())
}

/// unlinkat(dirfd, path, flags): removes a file, or with AT_REMOVEDIR an
/// empty directory. -ENOENT, -EISDIR, -ENOTDIR, -ENOTEMPTY, -EROFS in /proc.
pub fn sys_unlinkat(dirfd: usize, path: usize, flags: usize) -> isize {
    ret((|| {
        let p = read_path(path)?;
        let cwd = base(dirfd, &p)?;
        let (dir, name) = fs::lookup_parent(&cwd, &p)?;
        let mut d = dir.lock();
        let node = d.entries.get(&name).ok_or(ENOENT)?;
        let is_dir = node.stat().mode & 0o170000 == fs::S_IFDIR;
        if flags & AT_REMOVEDIR != 0 {
            match node {
                Node::Dir(sub) if sub.lock().entries.is_empty() => {}
                Node::Dir(_) => return Err(ENOTEMPTY),
                Node::Proc(_) => return Err(EBUSY),
                _ => return Err(ENOTDIR),
            }
        } else if is_dir {
            return Err(EISDIR);
        }
        d.entries.remove(&name);
        Ok(0)
    })())
}

/// renameat2(olddirfd, old, newdirfd, new, flags): moves an entry,
/// replacing a file or an empty directory at `new`. RENAME_NOREPLACE (1)
/// gives -EEXIST instead; other flags -EINVAL.
pub fn sys_renameat2(od: usize, old: usize, nd: usize, new: usize, flags: usize) -> isize {
    ret((|| {
        if flags & !1 != 0 {
            return Err(EINVAL);
        }
        let (op, np) = (read_path(old)?, read_path(new)?);
        let (ocwd, ncwd) = (base(od, &op)?, base(nd, &np)?);
        let (odir, oname) = fs::lookup_parent(&ocwd, &op)?;
        let (ndir, nname) = fs::lookup_parent(&ncwd, &np)?;
        let node = odir.lock().entries.get(&oname).cloned().ok_or(ENOENT)?;
        let (oabs, nabs) = (fs::normalize(&ocwd, &op)?, fs::normalize(&ncwd, &np)?);
        if oabs == nabs {
            return Ok(0);
        }
        if nabs.starts_with(&(oabs.clone() + "/")) {
            return Err(EINVAL);
        }
        if let Some(existing) = ndir.lock().entries.get(&nname) {
            if flags & 1 != 0 {
                return Err(EEXIST);
            }
            if let Node::Dir(d) = existing {
                if !d.lock().entries.is_empty() {
                    return Err(ENOTEMPTY);
                }
            }
        }
        odir.lock().entries.remove(&oname);
        ndir.lock().entries.insert(nname, node);
        Ok(0)
    })())
}

/// ftruncate(fd, length): sets a regular file's size. -EINVAL for other files or a negative length.
pub fn sys_ftruncate(fd: usize, len: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        let g = f.file.lock();
        if (len as isize) < 0 {
            return Err(EINVAL);
        }
        match &g.handle {
            Handle::File(file) if g.flags & O_ACCMODE != 0 => {
                file.lock().resize(len)?;
                Ok(0)
            }
            Handle::File(_) => Err(EBADF),
            _ => Err(EINVAL),
        }
    })())
}

/// fsync(fd) / fdatasync(fd): nothing to write back (memory file systems). -EBADF.
pub fn sys_fsync(fd: usize) -> isize {
    ret(fd_get(fd).map(|_| 0))
}

/// faccessat(dirfd, path, mode, flags): the caller is root, so only
/// existence and, for X_OK, an execute bit count. -ENOENT, -EACCES.
pub fn sys_faccessat(dirfd: usize, path: usize, mode: usize, flags: usize) -> isize {
    ret((|| {
        let p = read_path(path)?;
        let cwd = base(dirfd, &p)?;
        let (node, _) = fs::lookup(&cwd, &p, flags & AT_SYMLINK_NOFOLLOW == 0)?;
        let st = node.stat();
        if mode & 1 != 0 && st.mode & 0o111 == 0 {
            return Err(EACCES);
        }
        if mode & 2 != 0 && matches!(node, Node::Proc(_)) {
            return Err(EACCES);
        }
        Ok(0)
    })())
}

/// readlinkat(dirfd, path, buf, size): the target of a /proc link (not
/// NUL-terminated, truncated to `size`). -EINVAL for other files.
pub fn sys_readlinkat(dirfd: usize, path: usize, buf: usize, size: usize) -> isize {
    ret((|| {
        let p = read_path(path)?;
        let cwd = base(dirfd, &p)?;
        let (node, _) = fs::lookup(&cwd, &p, false)?;
        let target = node.link_target().ok_or(EINVAL)?;
        if (size as isize) <= 0 {
            return Err(EINVAL);
        }
        let n = target.len().min(size);
        copy_to_user(buf, &target.as_bytes()[..n])?;
        Ok(n as isize)
    })())
}

/// dup(fd): the lowest free fd for the same open file (close-on-exec clear).
pub fn sys_dup(fd: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        Ok(fs::install(&mut sched::current().fds, Fd { file: f.file, cloexec: false }, 0)? as isize)
    })())
}

/// dup3(oldfd, newfd, flags): `newfd` (closed first) for `oldfd`'s open
/// file; flags O_CLOEXEC. -EINVAL if equal or other flags, -EBADF.
pub fn sys_dup3(old: usize, new: usize, flags: usize) -> isize {
    ret((|| {
        let f = fd_get(old)?;
        if old == new || flags & !O_CLOEXEC != 0 {
            return Err(EINVAL);
        }
        if new >= fs::MAX_FDS {
            return Err(EBADF);
        }
        let fds = &mut sched::current().fds;
        if fds.len() <= new {
            fds.resize(new + 1, None);
        }
        let old_entry = fds[new].replace(Fd { file: f.file, cloexec: flags & O_CLOEXEC != 0 });
        drop(old_entry);
        Ok(new as isize)
    })())
}

/// fcntl(fd, cmd, arg): F_DUPFD (0), F_GETFD (1), F_SETFD (2), F_GETFL
/// (3), F_SETFL (4: O_APPEND and O_NONBLOCK), F_DUPFD_CLOEXEC (1030);
/// record locks (5, 6, 7) always succeed (one user). -EINVAL otherwise.
pub fn sys_fcntl(fd: usize, cmd: usize, arg: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        match cmd {
            0 | 1030 => {
                Ok(fs::install(&mut sched::current().fds, Fd { file: f.file, cloexec: cmd == 1030 }, arg)? as isize)
            }
            1 => Ok(f.cloexec as isize),
            2 => {
                if let Some(Some(e)) = sched::current().fds.get_mut(fd) {
                    e.cloexec = arg & 1 != 0;
                }
                Ok(0)
            }
            3 => Ok(f.file.lock().flags as isize),
            4 => {
                let mut g = f.file.lock();
                g.flags = (g.flags & !(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
                Ok(0)
            }
            5..=7 => Ok(0),
            _ => Err(EINVAL),
        }
    })())
}

const TCGETS: usize = 0x5401;
const TCSETS: usize = 0x5402;
const TCSETSW: usize = 0x5403;
const TCSETSF: usize = 0x5404;
const TIOCGPGRP: usize = 0x540f;
const TIOCSPGRP: usize = 0x5410;
const TIOCGWINSZ: usize = 0x5413;
const FIONBIO: usize = 0x5421;
const FIONCLEX: usize = 0x5450;
const FIOCLEX: usize = 0x5451;

/// ioctl(fd, request, arg). On every file, as Linux's do_vfs_ioctl
/// answers before any driver: FIONBIO (`*(int *)arg` nonzero sets
/// O_NONBLOCK, zero clears it: Rust std's Command::output sets its pipes
/// non-blocking this way), FIOCLEX and FIONCLEX (set and clear
/// close-on-exec, as fcntl F_SETFD). On the console: TCGETS (a canonical,
/// echoing 38400-baud termios), TCSETS/W/F (accepted, ignored), TIOCGWINSZ
/// (24 × 80), TIOCGPGRP/TIOCSPGRP (the foreground process group that
/// Ctrl-C signals; -EPERM for a group with no process). -ENOTTY on other
/// files or requests, -EBADF, -EFAULT.
pub fn sys_ioctl(fd: usize, req: usize, arg: usize) -> isize {
    ret((|| {
        let f = fd_get(fd)?;
        match req {
            FIONBIO => {
                let mut on = [0u8; 4];
                copy_from_user(&mut on, arg)?;
                let mut g = f.file.lock();
                g.flags = if i32::from_le_bytes(on) != 0 { g.flags | O_NONBLOCK } else { g.flags & !O_NONBLOCK };
                return Ok(0);
            }
            FIOCLEX | FIONCLEX => {
                if let Some(Some(e)) = sched::current().fds.get_mut(fd) {
                    e.cloexec = req == FIOCLEX;
                }
                return Ok(0);
            }
            _ => {}
        }
        if !matches!(f.file.lock().handle, Handle::Dev(Dev::Console)) {
            return Err(ENOTTY);
        }
        match req {
            TCGETS => {
                let mut t = [0u8; 36];
                t[0..4].copy_from_slice(&(0o400u32 | 0o2000).to_le_bytes()); // ICRNL | IXON
                t[4..8].copy_from_slice(&(1u32 | 4).to_le_bytes()); // OPOST | ONLCR
                t[8..12].copy_from_slice(&(0o17u32 | 0o60 | 0o200).to_le_bytes()); // B38400 | CS8 | CREAD
                t[12..16].copy_from_slice(&(1u32 | 2 | 0o10 | 0o20 | 0o40 | 0o1000 | 0o4000 | 0o100000).to_le_bytes());
                let cc = [3u8, 0x1c, 0x7f, 0x15, 4, 0, 1];
                t[17..17 + cc.len()].copy_from_slice(&cc);
                copy_to_user(arg, &t)?;
                Ok(0)
            }
            TCSETS | TCSETSW | TCSETSF => {
                let mut t = [0u8; 36];
                copy_from_user(&mut t, arg)?;
                Ok(0)
            }
            TIOCGWINSZ => {
                let mut w = [0u8; 8];
                w[0..2].copy_from_slice(&24u16.to_le_bytes());
                w[2..4].copy_from_slice(&80u16.to_le_bytes());
                copy_to_user(arg, &w)?;
                Ok(0)
            }
            TIOCGPGRP => {
                let fg = match crate::drivers::tty::foreground() {
                    0 => sched::current().pgid,
                    g => g,
                };
                copy_to_user(arg, &(fg as i32).to_le_bytes())?;
                Ok(0)
            }
            TIOCSPGRP => {
                let mut g = [0u8; 4];
                copy_from_user(&mut g, arg)?;
                let g = i32::from_le_bytes(g);
                if g <= 0 {
                    return Err(EINVAL);
                }
                if sched::group_members(g as usize).is_empty() {
                    return Err(EPERM);
                }
                crate::drivers::tty::set_foreground(g as usize);
                Ok(0)
            }
            _ => Err(ENOTTY),
        }
    })())
}

/// pipe2(fds, flags): a pipe; fds[0] reads, fds[1] writes (two ints).
/// Flags O_CLOEXEC, O_NONBLOCK; -EINVAL for others, -EMFILE, -EFAULT.
pub fn sys_pipe2(fds_va: usize, flags: usize) -> isize {
    ret((|| {
        if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
            return Err(EINVAL);
        }
        usercopy::for_each_chunk(fds_va, 8, Access::Store, |_, _| {})?;
        let (r, w) = fs::pipe::new();
        let ino = r.pipe.lock().ino;
        let name = alloc::format!("pipe:[{}]", ino);
        let cloexec = flags & O_CLOEXEC != 0;
        let fl = flags & O_NONBLOCK;
        let rf = Fd { file: OpenFile::new(Handle::Pipe(r), fl, name.clone()), cloexec };
        let wf = Fd { file: OpenFile::new(Handle::Pipe(w), fl | O_WRONLY, name), cloexec };
        let fds = &mut sched::current().fds;
        let a = fs::install(fds, rf, 0)?;
        let b = match fs::install(fds, wf, 0) {
            Ok(b) => b,
            Err(e) => {
                fds[a] = None;
                return Err(e);
            }
        };
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&(a as i32).to_le_bytes());
        out[4..].copy_from_slice(&(b as i32).to_le_bytes());
        copy_to_user(fds_va, &out)?;
        Ok(0)
    })())
}

const POLLIN: i16 = 0x1;
const POLLOUT: i16 = 0x4;
const POLLHUP: i16 = 0x10;
const POLLNVAL: i16 = 0x20;

/// The poll events of fd `fd` ready now, among `events` (and POLLHUP, POLLNVAL always).
fn poll_one(fd: i32, events: i16) -> i16 {
    let Ok(f) = fd_get(fd as usize) else { return POLLNVAL };
    let g = f.file.lock();
    let ready = match &g.handle {
        Handle::Pipe(end) => {
            let p = end.pipe.lock();
            if end.write {
                if p.readers == 0 {
                    POLLOUT | 0x8 // POLLERR
                } else if p.buf.len() < fs::pipe::PIPE_BUF_BYTES {
                    POLLOUT
                } else {
                    0
                }
            } else if !p.buf.is_empty() {
                POLLIN
            } else if p.writers == 0 {
                POLLHUP
            } else {
                0
            }
        }
        Handle::Dev(Dev::Console) => POLLOUT | if crate::drivers::tty::poll() { POLLIN } else { 0 },
        _ => POLLIN | POLLOUT,
    };
    ready & (events | POLLHUP | 0x8)
}

/// The wait of ppoll and pselect6: the deadline of the struct timespec at
/// `timeout` (NULL: none), the signal mask `sigmask` (NULL: unchanged)
/// while waiting, then `check` every millisecond until it returns a
/// count, the deadline passes (`check` runs once more: its count, 0 when
/// nothing is ready), or a signal comes (-EINTR). The mask is restored
/// when a count is returned (after the handler on -EINTR, as Linux does).
fn wait_ready(
    timeout: usize,
    sigmask: usize,
    mut check: impl FnMut(bool) -> Result<Option<isize>, isize>,
) -> Result<isize, isize> {
    use crate::boot::timer;
    let deadline = if timeout == 0 {
        None
    } else {
        let mut b = [0u8; 16];
        copy_from_user(&mut b, timeout)?;
        let sec = i64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
        let nsec = i64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
        if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
            return Err(EINVAL);
        }
        let ns = (sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64);
        Some(timer::now().saturating_add(timer::ns_to_ticks(ns)))
    };
    if sigmask != 0 {
        let mut b = [0u8; 8];
        copy_from_user(&mut b, sigmask)?;
        let p = sched::current();
        p.sig.saved_mask = Some(p.sig.mask);
        p.sig.mask = u64::from_le_bytes(b) & !crate::proc::signal::UNBLOCKABLE;
    }
    loop {
        let expired = deadline.is_some_and(|d| timer::now() >= d);
        if let Some(n) = check(expired)? {
            let p = sched::current();
            if let Some(m) = p.sig.saved_mask.take() {
                p.sig.mask = m;
            }
            return Ok(n);
        }
        if sched::current().interrupted() {
            return Err(EINTR);
        }
        let tick = timer::now().saturating_add(timer::ns_to_ticks(1_000_000));
        sched::block(WaitFor::Time(deadline.map_or(tick, |d| d.min(tick))));
    }
}

/// ppoll(fds, nfds, timeout, sigmask, sigsetsize) (poll(2)): the number of
/// struct pollfd (fd, events, revents: 8 bytes each) with events ready:
/// pipes by their contents and ends, the console by typed input, other
/// files always. Waits up to `timeout` (NULL: for ever; re-checked every
/// millisecond) or until a signal (-EINTR); a non-NULL `sigmask` is the
/// mask while waiting. With nfds 0 and no timeout this is pause(2).
/// -EINVAL for more than [`fs::MAX_FDS`] fds, -EFAULT.
pub fn sys_ppoll(fds: usize, nfds: usize, timeout: usize, sigmask: usize) -> isize {
    ret((|| {
        if nfds > fs::MAX_FDS {
            return Err(EINVAL);
        }
        let mut raw = vec![0u8; nfds * 8];
        wait_ready(timeout, sigmask, |expired| {
            copy_from_user(&mut raw, fds)?;
            let mut n = 0;
            for i in 0..nfds {
                let fd = i32::from_le_bytes(raw[i * 8..i * 8 + 4].try_into().unwrap_or([0; 4]));
                let ev = i16::from_le_bytes(raw[i * 8 + 4..i * 8 + 6].try_into().unwrap_or([0; 2]));
                let r = if fd < 0 { 0 } else { poll_one(fd, ev) };
                raw[i * 8 + 6..i * 8 + 8].copy_from_slice(&r.to_le_bytes());
                n += usize::from(r != 0);
            }
            if n > 0 || expired {
                copy_to_user(fds, &raw)?;
                return Ok(Some(n as isize));
            }
            Ok(None)
        })
    })())
}

/// pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask) (select(2)):
/// the number of bits set in the three fd_sets (bit fd of each, fds below
/// `nfds`; NULL sets are empty) once at least one fd is ready, each set
/// then holding the ready fds only: readable or writable as [`sys_ppoll`]
/// sees them (exceptfds: never). `timeout` and the {sigset_t *, size}
/// pair at `sigmask` as ppoll's (the time left is not written back, as
/// glibc's pselect hides it anyway). -EBADF for a set bit of a closed
/// fd, -EINVAL for `nfds` above [`fs::MAX_FDS`], -EFAULT. procps's top
/// waits between its refreshes with it.
pub fn sys_pselect6(nfds: usize, rfds: usize, wfds: usize, efds: usize, timeout: usize, sigmask: usize) -> isize {
    ret((|| {
        if nfds > fs::MAX_FDS {
            return Err(EINVAL);
        }
        let bytes = nfds.div_ceil(64) * 8;
        let mask_ptr = if sigmask == 0 { 0 } else { crate::proc::usercopy::read_u64(sigmask)? as usize };
        let sets = [(rfds, POLLIN), (wfds, POLLOUT), (efds, 0)];
        let mut want: Vec<Vec<u8>> = Vec::new();
        for (ptr, _) in sets {
            let mut v = vec![0u8; bytes];
            if ptr != 0 {
                copy_from_user(&mut v, ptr)?;
            }
            want.push(v);
        }
        for fd in 0..nfds {
            if want.iter().any(|v| v[fd / 8] & (1 << (fd % 8)) != 0) && fd_get(fd).is_err() {
                return Err(EBADF);
            }
        }
        wait_ready(timeout, mask_ptr, |expired| {
            let mut got = vec![vec![0u8; bytes]; 3];
            let mut n = 0;
            for fd in 0..nfds {
                for (k, (_, ev)) in sets.iter().enumerate() {
                    let bit = 1u8 << (fd % 8);
                    if want[k][fd / 8] & bit != 0 && *ev != 0 && poll_one(fd as i32, *ev) & (*ev | POLLHUP) != 0 {
                        got[k][fd / 8] |= bit;
                        n += 1;
                    }
                }
            }
            if n == 0 && !expired {
                return Ok(None);
            }
            for (k, (ptr, _)) in sets.iter().enumerate() {
                if *ptr != 0 {
                    copy_to_user(*ptr, &got[k])?;
                }
            }
            Ok(Some(n as isize))
        })
    })())
}
