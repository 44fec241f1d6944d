//! Identity, limits and start-up calls glibc, libstdc++ and Rust std make:
//! set_tid_address, set_robust_list, prlimit64/getrlimit/setrlimit,
//! getrandom, sysinfo, umask, prctl (PR_SET_NAME/PR_GET_NAME), the
//! uid/gid family (svos runs everything as root: 0), process groups and
//! sessions (one of each: the pid), madvise.

use super::errno::*;
use crate::proc::sched;
use crate::proc::usercopy::{copy_from_user, copy_to_user};

/// set_tid_address(tidptr): records it (zeroed and futex-woken at the thread's exit); returns the tid.
pub fn sys_set_tid_address(ptr: usize) -> isize {
    let p = sched::current();
    p.clear_child_tid = ptr;
    p.pid as isize
}

/// set_robust_list(head, len): accepted (len must be 24, the size of
/// struct robust_list_head). The list is not walked when a thread exits:
/// a robust mutex its holder leaves locked is not handed on (EOWNERDEAD).
pub fn sys_set_robust_list(_head: usize, len: usize) -> isize {
    if len != 24 {
        return EINVAL;
    }
    0
}

const RLIM_INFINITY: u64 = u64::MAX;

/// RLIMIT_RSS's number (getrlimit(2)).
const RLIMIT_RSS: usize = 5;

/// The (soft, hard) limit of `resource` (getrlimit(2) numbering):
/// RLIMIT_STACK 8 MiB, RLIMIT_NOFILE the fd table size, RLIMIT_NPROC the
/// process table, RLIMIT_RSS as set (bytes), the rest unlimited. -EINVAL
/// past RLIMIT_NLIMITS (16).
fn limit(resource: usize) -> Result<(u64, u64), isize> {
    Ok(match resource {
        3 => (crate::proc::exec::USER_STACK_SIZE as u64, RLIM_INFINITY),
        RLIMIT_RSS => {
            let pages = sched::current().space.as_ref().map_or(usize::MAX, |s| s.rss_limit());
            (if pages == usize::MAX { RLIM_INFINITY } else { (pages * 4096) as u64 }, RLIM_INFINITY)
        }
        6 => (sched::MAX_PROCS as u64, sched::MAX_PROCS as u64),
        7 => (crate::fs::MAX_FDS as u64, crate::fs::MAX_FDS as u64),
        0..=15 => (RLIM_INFINITY, RLIM_INFINITY),
        _ => return Err(EINVAL),
    })
}

/// prlimit64(pid, resource, new, old): reports the limits of [`limit`];
/// a new limit is accepted when it does not exceed the hard limit and
/// refused with -EPERM otherwise. svos keeps only a new soft RLIMIT_RSS
/// (bytes, rounded down to pages, at least one; RLIM_INFINITY: none): the
/// process's resident set is held under it by local replacement
/// ([`crate::mm::policy`]), unlike Linux, which ignores it. The other
/// limits stay as they are. pid must be 0 or the caller (-ESRCH).
pub fn sys_prlimit64(pid: usize, resource: usize, new: usize, old: usize) -> isize {
    let r = (|| {
        if pid != 0 && pid != sched::current_pid() {
            return Err(ESRCH);
        }
        let (soft, hard) = limit(resource)?;
        if new != 0 {
            let mut b = [0u8; 16];
            copy_from_user(&mut b, new)?;
            let ns = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
            let nh = u64::from_le_bytes(b[8..].try_into().unwrap_or([0; 8]));
            if ns > nh {
                return Err(EINVAL);
            }
            if nh > hard {
                return Err(EPERM);
            }
            if resource == RLIMIT_RSS {
                let pages = if ns == RLIM_INFINITY { usize::MAX } else { (ns / 4096).max(1) as usize };
                if let Some(space) = sched::current().space.as_mut() {
                    space.set_rss_limit(pages);
                }
            }
        }
        if old != 0 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&soft.to_le_bytes());
            b[8..].copy_from_slice(&hard.to_le_bytes());
            copy_to_user(old, &b)?;
        }
        Ok(0)
    })();
    r.unwrap_or_else(|e| e)
}

/// getrandom(buf, len, flags): `len` bytes of [`crate::random`] (at most
/// 32 MiB - 1 per call, as Linux). Flags GRND_NONBLOCK, GRND_RANDOM,
/// GRND_INSECURE; -EINVAL for others, -EFAULT.
pub fn sys_getrandom(buf: usize, len: usize, flags: usize) -> isize {
    if flags & !7 != 0 {
        return EINVAL;
    }
    let len = len.min((1 << 25) - 1);
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(chunk.len());
        crate::random::fill(&mut chunk[..n]);
        if let Err(e) = copy_to_user(buf + done, &chunk[..n]) {
            return if done > 0 { done as isize } else { e };
        }
        done += n;
    }
    len as isize
}

/// sysinfo(info): struct sysinfo (112 bytes): uptime, no load averages,
/// RAM and swap totals and free, shared RAM (Shmem of /proc/meminfo, as
/// Linux's si_meminfo: BusyBox's free prints it), no buffers (mem_unit 1),
/// number of processes.
pub fn sys_sysinfo(info: usize) -> isize {
    let (free, total) = crate::mm::frame::stats();
    let slots = crate::fs::procfs::swap_slots();
    let (_, _, used) = crate::mm::swap::stats();
    let mut b = [0u8; 112];
    let up = crate::boot::timer::now() / crate::boot::timer::timebase().max(1);
    b[0..8].copy_from_slice(&up.to_le_bytes());
    b[32..40].copy_from_slice(&((total * 4096) as u64).to_le_bytes());
    b[40..48].copy_from_slice(&((free * 4096) as u64).to_le_bytes());
    b[48..56].copy_from_slice(&((crate::mm::filemap::meminfo().shmem * 4096) as u64).to_le_bytes());
    b[64..72].copy_from_slice(&((slots * 4096) as u64).to_le_bytes());
    b[72..80].copy_from_slice(&((slots.saturating_sub(used) * 4096) as u64).to_le_bytes());
    b[80..82].copy_from_slice(&(sched::pids().len() as u16).to_le_bytes());
    b[104..108].copy_from_slice(&1u32.to_le_bytes());
    match copy_to_user(info, &b) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// umask(mask): sets the file mode creation mask (& 0777), returns the old one.
pub fn sys_umask(mask: usize) -> isize {
    let p = sched::current();
    let old = p.umask;
    p.umask = (mask as u32) & 0o777;
    old as isize
}

/// prctl(option, arg2): PR_SET_NAME (15) and PR_GET_NAME (16) (16-byte
/// buffers, the command name of /proc/PID/comm); -EINVAL for others.
pub fn sys_prctl(option: usize, arg2: usize) -> isize {
    match option {
        15 => {
            let mut b = [0u8; 16];
            // The name may end before the 16 bytes: read what is readable.
            match crate::proc::usercopy::read_cstr(arg2, 4096) {
                Ok(s) => {
                    let n = s.len().min(15);
                    b[..n].copy_from_slice(&s.as_bytes()[..n]);
                }
                Err(e) => return e,
            }
            let end = b.iter().position(|&c| c == 0).unwrap_or(15);
            sched::current().name = alloc::string::String::from_utf8_lossy(&b[..end]).into_owned();
            0
        }
        16 => {
            let mut b = [0u8; 16];
            let n = sched::current().name.len().min(15);
            b[..n].copy_from_slice(&sched::current().name.as_bytes()[..n]);
            match copy_to_user(arg2, &b) {
                Ok(()) => 0,
                Err(e) => e,
            }
        }
        _ => EINVAL,
    }
}

/// setuid(uid) / setgid(gid): root may become root; others -EPERM (svos has one user).
pub fn sys_setid(id: usize) -> isize {
    if id == 0 {
        0
    } else {
        EPERM
    }
}

/// setfsuid(fsuid) / setfsgid(fsgid): the previous id, always 0 (root);
/// the id changes only to 0, as [`sys_setid`] (procps's top calls these).
pub fn sys_setfsid(_id: usize) -> isize {
    0
}

/// getgroups(size, list): no supplementary groups: 0.
pub fn sys_getgroups(_size: usize, _list: usize) -> isize {
    0
}
