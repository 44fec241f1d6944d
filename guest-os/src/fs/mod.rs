//! The virtual file system: one tree of [`Node`]s rooted at a tmpfs
//! directory ([`tmpfs`]) that boot fills with the initrd's files (and the
//! directories their names imply), plus `/tmp` (writable), `/dev`
//! ([`dev`]) and `/proc` ([`procfs`], Linux's formats), and pipes
//! ([`pipe`]). Paths are resolved lexically from the process's working
//! directory ("." and ".." by name); the only symbolic links are those of
//! /proc (`self`, `PID/exe`). Open files ([`OpenFile`]) are shared by the
//! fds that dup or fork copies, with one offset, as in Linux.
//!
//! Everything here runs under the big kernel lock; the spin mutexes only
//! make the shared state `Sync` and are never held across a block.

pub mod dev;
pub mod pipe;
pub mod procfs;
pub mod tmpfs;

use crate::sync::Global;
use crate::syscall::errno::*;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use dev::Dev;
use spin::Mutex;
use tmpfs::{Dir, RegFile};

/// A shared directory.
pub type DirRef = Arc<Mutex<Dir>>;
/// A shared regular file.
pub type RegRef = Arc<Mutex<RegFile>>;

/// Something a path names.
#[derive(Clone)]
pub enum Node {
    /// A tmpfs directory.
    Dir(DirRef),
    /// A regular file (initrd or tmpfs).
    File(RegRef),
    /// A character device.
    Dev(Dev),
    /// A directory, file or symbolic link of /proc.
    Proc(procfs::Entry),
}

/// File type bits of st_mode (Linux stat.h).
pub const S_IFDIR: u32 = 0o040000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO (pipe).
pub const S_IFIFO: u32 = 0o010000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;

/// What fstat/statx report about a file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    /// st_dev: 0:1 for tmpfs, 0:5 for devices, 0:4 for /proc, 0:12 for pipes.
    pub dev: u64,
    /// st_ino.
    pub ino: u64,
    /// st_mode: type and permission bits.
    pub mode: u32,
    /// st_nlink.
    pub nlink: u32,
    /// st_rdev of devices.
    pub rdev: u64,
    /// st_size in bytes.
    pub size: u64,
}

impl Node {
    /// The node's metadata.
    pub fn stat(&self) -> Stat {
        match self {
            Node::Dir(d) => {
                let d = d.lock();
                Stat { dev: 1, ino: d.ino, mode: S_IFDIR | d.mode, nlink: 2, rdev: 0, size: 4096 }
            }
            Node::File(f) => {
                let f = f.lock();
                Stat { dev: 1, ino: f.ino, mode: S_IFREG | f.mode, nlink: 1, rdev: 0, size: f.len() as u64 }
            }
            Node::Dev(d) => {
                Stat { dev: 5, ino: 100 + d.rdev(), mode: S_IFCHR | d.mode(), nlink: 1, rdev: d.rdev(), size: 0 }
            }
            Node::Proc(e) => e.stat(),
        }
    }

    /// The target of a symbolic link, or `None` for other nodes.
    pub fn link_target(&self) -> Option<String> {
        match self {
            Node::Proc(e) => e.link_target(),
            _ => None,
        }
    }
}

static ROOT: Global<Option<DirRef>> = Global::new(None);

/// The root directory.
pub fn root() -> DirRef {
    match ROOT.get() {
        Some(r) => r.clone(),
        None => {
            let r = Dir::new(0o755);
            r.lock().ino = 1;
            *ROOT.get() = Some(r.clone());
            r
        }
    }
}

/// Builds the tree: the initrd's files (read-only bytes, mode 0755, in
/// directories their names imply), `/tmp` (mode 1777), `/dev`, `/proc`.
pub fn init() {
    let root = root();
    for (name, data) in crate::initrd::all() {
        let parts: Vec<&str> = name.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
        let Some((last, dirs)) = parts.split_last() else { continue };
        let mut cur = root.clone();
        for d in dirs {
            let next = {
                let mut g = cur.lock();
                match g.entries.get(*d) {
                    Some(Node::Dir(sub)) => sub.clone(),
                    Some(_) => break,
                    None => {
                        let sub = Dir::new(0o755);
                        g.entries.insert(String::from(*d), Node::Dir(sub.clone()));
                        sub
                    }
                }
            };
            cur = next;
        }
        cur.lock().entries.insert(String::from(*last), Node::File(RegFile::new(data, 0o755)));
    }
    let mut g = root.lock();
    g.entries.entry(String::from("tmp")).or_insert_with(|| Node::Dir(Dir::new(0o1777)));
    let devdir = Dir::new(0o755);
    for (n, d) in Dev::ALL {
        devdir.lock().entries.insert(String::from(n), Node::Dev(d));
    }
    g.entries.insert(String::from("dev"), Node::Dir(devdir));
    g.entries.insert(String::from("proc"), Node::Proc(procfs::Entry::Root));
}

/// Most bytes of a path (Linux PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// `path` made absolute against `cwd` and normalized ("." and ".."
/// removed, no trailing or double "/"). -ENOENT for an empty path.
pub fn normalize(cwd: &str, path: &str) -> Result<String, isize> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    let mut parts: Vec<&str> = Vec::new();
    let base = if path.starts_with('/') { "" } else { cwd };
    for c in base.split('/').chain(path.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = String::new();
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// The entry `name` of directory `node`.
fn child(node: &Node, name: &str) -> Result<Node, isize> {
    match node {
        Node::Dir(d) => d.lock().entries.get(name).cloned().ok_or(ENOENT),
        Node::Proc(e) if e.is_dir() => e.lookup(name).ok_or(ENOENT),
        _ => Err(ENOTDIR),
    }
}

/// Resolves `path` (relative to `cwd`) to its node and its absolute path,
/// following /proc's symbolic links except a last component when
/// `follow_last` is false. -ENOENT, -ENOTDIR, -ELOOP (more than 8 links),
/// -ENAMETOOLONG.
pub fn lookup(cwd: &str, path: &str, follow_last: bool) -> Result<(Node, String), isize> {
    if path.len() >= PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    let mut abs = normalize(cwd, path)?;
    'restart: for _ in 0..8 {
        let comps: Vec<String> = abs.split('/').filter(|c| !c.is_empty()).map(String::from).collect();
        let mut node = Node::Dir(root());
        let mut done = String::new();
        for (i, c) in comps.iter().enumerate() {
            let next = child(&node, c)?;
            let last = i + 1 == comps.len();
            if !last || follow_last {
                if let Some(target) = next.link_target() {
                    let base = if done.is_empty() { String::from("/") } else { done.clone() };
                    let mut rest = normalize(&base, &target)?;
                    for r in &comps[i + 1..] {
                        rest.push('/');
                        rest.push_str(r);
                    }
                    abs = normalize("/", &rest)?;
                    continue 'restart;
                }
            }
            node = next;
            done.push('/');
            done.push_str(c);
        }
        if done.is_empty() {
            done.push('/');
        }
        return Ok((node, done));
    }
    Err(ELOOP)
}

/// The tmpfs directory that would hold `path` and the last component's
/// name. -EROFS if that directory is in /proc, -ENOTDIR, -ENOENT, and
/// -EEXIST for "/" itself.
pub fn lookup_parent(cwd: &str, path: &str) -> Result<(DirRef, String), isize> {
    let abs = normalize(cwd, path)?;
    let (dir, name) = match abs.rfind('/') {
        Some(i) => (&abs[..i], &abs[i + 1..]),
        None => ("", abs.as_str()),
    };
    if name.is_empty() {
        return Err(EEXIST);
    }
    match lookup("/", if dir.is_empty() { "/" } else { dir }, true)?.0 {
        Node::Dir(d) => Ok((d, String::from(name))),
        Node::Proc(_) => Err(EROFS),
        _ => Err(ENOTDIR),
    }
}

/// d_type values of getdents64 (Linux dirent.h).
pub const DT_CHR: u8 = 2;
/// Directory.
pub const DT_DIR: u8 = 4;
/// Regular file.
pub const DT_REG: u8 = 8;
/// Symbolic link.
pub const DT_LNK: u8 = 10;

/// The d_type of a node.
pub fn dtype(n: &Node) -> u8 {
    match n.stat().mode & 0o170000 {
        S_IFDIR => DT_DIR,
        S_IFCHR => DT_CHR,
        S_IFLNK => DT_LNK,
        _ => DT_REG,
    }
}

/// The entries of directory `node` with ".", "..": (name, ino, d_type).
pub fn list(node: &Node) -> Result<Vec<(String, u64, u8)>, isize> {
    let ino = node.stat().ino;
    let mut out = alloc::vec![(String::from("."), ino, DT_DIR), (String::from(".."), ino, DT_DIR)];
    match node {
        Node::Dir(d) => {
            let entries: Vec<(String, Node)> = d.lock().entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            for (k, v) in entries {
                let st = v.stat();
                out.push((k, st.ino, dtype(&v)));
            }
        }
        Node::Proc(e) if e.is_dir() => out.extend(e.list()),
        _ => return Err(ENOTDIR),
    }
    Ok(out)
}

/// What an open file reads and writes.
pub enum Handle {
    /// A regular file.
    File(RegRef),
    /// A directory (getdents64 lists it).
    Dir(Node),
    /// A device.
    Dev(Dev),
    /// A /proc file: its contents generated at open, and its node (fstat).
    Snapshot(Vec<u8>, Node),
    /// One end of a pipe.
    Pipe(pipe::End),
}

/// An open file description: shared by the fds dup and fork make.
pub struct OpenFile {
    /// What it reads and writes.
    pub handle: Handle,
    /// The offset in bytes (regular files, snapshots, directories: entry index).
    pub pos: usize,
    /// open flags (access mode, O_APPEND, O_NONBLOCK).
    pub flags: usize,
    /// The absolute path it was opened by ("pipe:[ino]" for pipes).
    pub path: String,
}

impl OpenFile {
    /// A shared open file.
    pub fn new(handle: Handle, flags: usize, path: String) -> Arc<Mutex<OpenFile>> {
        Arc::new(Mutex::new(OpenFile { handle, pos: 0, flags, path }))
    }

    /// fstat's view of it.
    pub fn stat(&self) -> Stat {
        match &self.handle {
            Handle::File(f) => Node::File(f.clone()).stat(),
            Handle::Dir(n) | Handle::Snapshot(_, n) => n.stat(),
            Handle::Dev(d) => Node::Dev(*d).stat(),
            Handle::Pipe(e) => {
                Stat { dev: 12, ino: e.pipe.lock().ino, mode: S_IFIFO | 0o600, nlink: 1, rdev: 0, size: 0 }
            }
        }
    }
}

/// A file descriptor: an open file and its close-on-exec flag.
#[derive(Clone)]
pub struct Fd {
    /// The open file description.
    pub file: Arc<Mutex<OpenFile>>,
    /// FD_CLOEXEC.
    pub cloexec: bool,
}

/// Most fds per process (RLIMIT_NOFILE as prlimit64 reports it).
pub const MAX_FDS: usize = 256;

/// Puts `fd` in the lowest free slot of `fds` at or above `min`. -EMFILE if none.
pub fn install(fds: &mut Vec<Option<Fd>>, fd: Fd, min: usize) -> Result<usize, isize> {
    if min >= MAX_FDS {
        return Err(EINVAL);
    }
    if let Some(i) = (min..fds.len()).find(|&i| fds[i].is_none()) {
        fds[i] = Some(fd);
        return Ok(i);
    }
    let i = fds.len().max(min);
    if i >= MAX_FDS {
        return Err(EMFILE);
    }
    fds.resize(i + 1, None);
    fds[i] = Some(fd);
    Ok(i)
}

/// fds 0, 1 and 2 on one open file of the console (a new `init=` process).
pub fn console_fds() -> Vec<Option<Fd>> {
    let f = OpenFile::new(Handle::Dev(Dev::Console), 2, String::from("/dev/console"));
    let fd = Fd { file: f, cloexec: false };
    alloc::vec![Some(fd.clone()), Some(fd.clone()), Some(fd)]
}
