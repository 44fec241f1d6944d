//! The numbers of the Linux riscv64 user ABI that svos implements and its
//! user programs call, in one place: system call numbers
//! (asm-generic/unistd.h), errno values (asm-generic/errno-base.h, returned
//! negated in a0) and signal numbers (asm-generic/signal.h).
//!
//! Used by the kernel (guest-os) and by the user runtime (ulib), so the two
//! sides cannot disagree.

#![no_std]

/// System call numbers: a7 = number, a0..a5 = arguments, result in a0.
pub mod nr {
    /// openat(dirfd, path, flags, mode)
    pub const SYS_OPENAT: usize = 56;
    /// close(fd)
    pub const SYS_CLOSE: usize = 57;
    /// lseek(fd, offset, whence)
    pub const SYS_LSEEK: usize = 62;
    /// read(fd, buf, count)
    pub const SYS_READ: usize = 63;
    /// write(fd, buf, count)
    pub const SYS_WRITE: usize = 64;
    /// fstat(fd, statbuf)
    pub const SYS_FSTAT: usize = 80;
    /// exit(status)
    pub const SYS_EXIT: usize = 93;
    /// exit_group(status)
    pub const SYS_EXIT_GROUP: usize = 94;
    /// nanosleep(req, rem)
    pub const SYS_NANOSLEEP: usize = 101;
    /// clock_gettime(clockid, tp)
    pub const SYS_CLOCK_GETTIME: usize = 113;
    /// sched_setaffinity(pid, len, mask)
    pub const SYS_SCHED_SETAFFINITY: usize = 122;
    /// sched_getaffinity(pid, len, mask)
    pub const SYS_SCHED_GETAFFINITY: usize = 123;
    /// sched_yield()
    pub const SYS_SCHED_YIELD: usize = 124;
    /// kill(pid, sig)
    pub const SYS_KILL: usize = 129;
    /// uname(buf)
    pub const SYS_UNAME: usize = 160;
    /// getrusage(who, usage)
    pub const SYS_GETRUSAGE: usize = 165;
    /// getcpu(cpu, node, tcache)
    pub const SYS_GETCPU: usize = 168;
    /// getpid()
    pub const SYS_GETPID: usize = 172;
    /// getppid()
    pub const SYS_GETPPID: usize = 173;
    /// brk(addr)
    pub const SYS_BRK: usize = 214;
    /// munmap(addr, len)
    pub const SYS_MUNMAP: usize = 215;
    /// clone(flags, stack, ptid, tls, ctid): fork only.
    pub const SYS_CLONE: usize = 220;
    /// execve(path, argv, envp)
    pub const SYS_EXECVE: usize = 221;
    /// mmap(addr, len, prot, flags, fd, offset)
    pub const SYS_MMAP: usize = 222;
    /// mprotect(addr, len, prot)
    pub const SYS_MPROTECT: usize = 226;
    /// wait4(pid, wstatus, options, rusage)
    pub const SYS_WAIT4: usize = 260;
    /// getcwd(buf, size)
    pub const SYS_GETCWD: usize = 17;
    /// dup(fd)
    pub const SYS_DUP: usize = 23;
    /// dup3(oldfd, newfd, flags)
    pub const SYS_DUP3: usize = 24;
    /// fcntl(fd, cmd, arg)
    pub const SYS_FCNTL: usize = 25;
    /// ioctl(fd, request, arg)
    pub const SYS_IOCTL: usize = 29;
    /// mkdirat(dirfd, path, mode)
    pub const SYS_MKDIRAT: usize = 34;
    /// unlinkat(dirfd, path, flags)
    pub const SYS_UNLINKAT: usize = 35;
    /// renameat(olddirfd, oldpath, newdirfd, newpath)
    pub const SYS_RENAMEAT: usize = 38;
    /// ftruncate(fd, length)
    pub const SYS_FTRUNCATE: usize = 46;
    /// faccessat(dirfd, path, mode)
    pub const SYS_FACCESSAT: usize = 48;
    /// chdir(path)
    pub const SYS_CHDIR: usize = 49;
    /// fchdir(fd)
    pub const SYS_FCHDIR: usize = 50;
    /// fchmod(fd, mode)
    pub const SYS_FCHMOD: usize = 52;
    /// fchmodat(dirfd, path, mode)
    pub const SYS_FCHMODAT: usize = 53;
    /// pipe2(fds, flags)
    pub const SYS_PIPE2: usize = 59;
    /// getdents64(fd, dirp, count)
    pub const SYS_GETDENTS64: usize = 61;
    /// readv(fd, iov, iovcnt)
    pub const SYS_READV: usize = 65;
    /// writev(fd, iov, iovcnt)
    pub const SYS_WRITEV: usize = 66;
    /// pread64(fd, buf, count, offset)
    pub const SYS_PREAD64: usize = 67;
    /// pwrite64(fd, buf, count, offset)
    pub const SYS_PWRITE64: usize = 68;
    /// ppoll(fds, nfds, timeout, sigmask, sigsetsize)
    pub const SYS_PPOLL: usize = 73;
    /// pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask)
    pub const SYS_PSELECT6: usize = 72;
    /// readlinkat(dirfd, path, buf, size)
    pub const SYS_READLINKAT: usize = 78;
    /// newfstatat(dirfd, path, statbuf, flags)
    pub const SYS_NEWFSTATAT: usize = 79;
    /// fsync(fd)
    pub const SYS_FSYNC: usize = 82;
    /// fdatasync(fd)
    pub const SYS_FDATASYNC: usize = 83;
    /// waitid(idtype, id, infop, options, rusage)
    pub const SYS_WAITID: usize = 95;
    /// set_tid_address(tidptr)
    pub const SYS_SET_TID_ADDRESS: usize = 96;
    /// futex(uaddr, op, val, timeout, uaddr2, val3)
    pub const SYS_FUTEX: usize = 98;
    /// set_robust_list(head, len)
    pub const SYS_SET_ROBUST_LIST: usize = 99;
    /// getitimer / setitimer are not implemented; clock_getres(clockid, res)
    pub const SYS_CLOCK_GETRES: usize = 114;
    /// clock_nanosleep(clockid, flags, req, rem)
    pub const SYS_CLOCK_NANOSLEEP: usize = 115;
    /// tkill(tid, sig)
    pub const SYS_TKILL: usize = 130;
    /// tgkill(tgid, tid, sig)
    pub const SYS_TGKILL: usize = 131;
    /// sigaltstack(ss, old_ss)
    pub const SYS_SIGALTSTACK: usize = 132;
    /// rt_sigsuspend(mask, sigsetsize)
    pub const SYS_RT_SIGSUSPEND: usize = 133;
    /// rt_sigaction(sig, act, oact, sigsetsize)
    pub const SYS_RT_SIGACTION: usize = 134;
    /// rt_sigprocmask(how, set, oldset, sigsetsize)
    pub const SYS_RT_SIGPROCMASK: usize = 135;
    /// rt_sigpending(set, sigsetsize)
    pub const SYS_RT_SIGPENDING: usize = 136;
    /// rt_sigreturn()
    pub const SYS_RT_SIGRETURN: usize = 139;
    /// setgid(gid)
    pub const SYS_SETGID: usize = 144;
    /// setuid(uid)
    pub const SYS_SETUID: usize = 146;
    /// setfsuid(fsuid)
    pub const SYS_SETFSUID: usize = 151;
    /// setfsgid(fsgid)
    pub const SYS_SETFSGID: usize = 152;
    /// times(buf)
    pub const SYS_TIMES: usize = 153;
    /// setpgid(pid, pgid)
    pub const SYS_SETPGID: usize = 154;
    /// getpgid(pid)
    pub const SYS_GETPGID: usize = 155;
    /// getsid(pid)
    pub const SYS_GETSID: usize = 156;
    /// setsid()
    pub const SYS_SETSID: usize = 157;
    /// getgroups(size, list)
    pub const SYS_GETGROUPS: usize = 158;
    /// getrlimit(resource, rlim)
    pub const SYS_GETRLIMIT: usize = 163;
    /// setrlimit(resource, rlim)
    pub const SYS_SETRLIMIT: usize = 164;
    /// umask(mask)
    pub const SYS_UMASK: usize = 166;
    /// prctl(option, ...)
    pub const SYS_PRCTL: usize = 167;
    /// gettimeofday(tv, tz)
    pub const SYS_GETTIMEOFDAY: usize = 169;
    /// getuid()
    pub const SYS_GETUID: usize = 174;
    /// geteuid()
    pub const SYS_GETEUID: usize = 175;
    /// getgid()
    pub const SYS_GETGID: usize = 176;
    /// getegid()
    pub const SYS_GETEGID: usize = 177;
    /// gettid()
    pub const SYS_GETTID: usize = 178;
    /// sysinfo(info)
    pub const SYS_SYSINFO: usize = 179;
    /// mremap(old, old_len, new_len, flags, new)
    pub const SYS_MREMAP: usize = 216;
    /// mincore(addr, len, vec)
    pub const SYS_MINCORE: usize = 232;
    /// madvise(addr, len, advice)
    pub const SYS_MADVISE: usize = 233;
    /// msync(addr, len, flags)
    pub const SYS_MSYNC: usize = 227;
    /// mlock(addr, len)
    pub const SYS_MLOCK: usize = 228;
    /// munlock(addr, len)
    pub const SYS_MUNLOCK: usize = 229;
    /// mlockall(flags)
    pub const SYS_MLOCKALL: usize = 230;
    /// munlockall()
    pub const SYS_MUNLOCKALL: usize = 231;
    /// mlock2(addr, len, flags)
    pub const SYS_MLOCK2: usize = 284;
    /// prlimit64(pid, resource, new, old)
    pub const SYS_PRLIMIT64: usize = 261;
    /// renameat2(olddirfd, oldpath, newdirfd, newpath, flags)
    pub const SYS_RENAMEAT2: usize = 276;
    /// getrandom(buf, len, flags)
    pub const SYS_GETRANDOM: usize = 278;
    /// statx(dirfd, path, flags, mask, statxbuf)
    pub const SYS_STATX: usize = 291;
    /// rseq(rseq, len, flags, sig): ENOSYS (glibc copes)
    pub const SYS_RSEQ: usize = 293;
    /// riscv_hwprobe(pairs, pair_count, cpusetsize, cpus, flags)
    pub const SYS_RISCV_HWPROBE: usize = 258;
    /// faccessat2(dirfd, path, mode, flags)
    pub const SYS_FACCESSAT2: usize = 439;
    /// svos_replay(addr, len, frames, policy): svos only (Linux: ENOSYS).
    /// Makes `[addr, addr + len)` a replay region of at most `frames`
    /// resident pages replaced by `policy` (0 FIFO, 1 CLOCK, 2 LRU by
    /// aging, 3 RANDOM, 4 exact LRU by trapping); `frames` 0 ends it.
    pub const SYS_SVOS_REPLAY: usize = 1000;
}

/// errno values, negative as a system call returns them.
pub mod errno {
    /// Operation not permitted.
    pub const EPERM: isize = -1;
    /// No such file or directory.
    pub const ENOENT: isize = -2;
    /// No such process.
    pub const ESRCH: isize = -3;
    /// Interrupted system call.
    pub const EINTR: isize = -4;
    /// Argument list too long.
    pub const E2BIG: isize = -7;
    /// Exec format error.
    pub const ENOEXEC: isize = -8;
    /// Bad file descriptor.
    pub const EBADF: isize = -9;
    /// No child processes.
    pub const ECHILD: isize = -10;
    /// Try again (process table full).
    pub const EAGAIN: isize = -11;
    /// Out of memory.
    pub const ENOMEM: isize = -12;
    /// Permission denied.
    pub const EACCES: isize = -13;
    /// Bad address.
    pub const EFAULT: isize = -14;
    /// Device or resource busy.
    pub const EBUSY: isize = -16;
    /// File exists (MAP_FIXED_NOREPLACE over a mapping).
    pub const EEXIST: isize = -17;
    /// No such device (mmap of a file that cannot be mapped).
    pub const ENODEV: isize = -19;
    /// Invalid argument.
    pub const EINVAL: isize = -22;
    /// Too many open files.
    pub const EMFILE: isize = -24;
    /// Illegal seek.
    pub const ESPIPE: isize = -29;
    /// Read-only file system.
    pub const EROFS: isize = -30;
    /// I/O error.
    pub const EIO: isize = -5;
    /// No such device or address.
    pub const ENXIO: isize = -6;
    /// Not a directory.
    pub const ENOTDIR: isize = -20;
    /// Is a directory.
    pub const EISDIR: isize = -21;
    /// File too large.
    pub const EFBIG: isize = -27;
    /// No space left on device.
    pub const ENOSPC: isize = -28;
    /// Too many links / cross-device link.
    pub const EXDEV: isize = -18;
    /// Inappropriate ioctl for device.
    pub const ENOTTY: isize = -25;
    /// Broken pipe.
    pub const EPIPE: isize = -32;
    /// Result too large.
    pub const ERANGE: isize = -34;
    /// File name too long.
    pub const ENAMETOOLONG: isize = -36;
    /// Directory not empty.
    pub const ENOTEMPTY: isize = -39;
    /// Too many levels of symbolic links.
    pub const ELOOP: isize = -40;
    /// Operation timed out.
    pub const ETIMEDOUT: isize = -110;
    /// Operation not supported.
    pub const EOPNOTSUPP: isize = -95;
    /// Function not implemented.
    pub const ENOSYS: isize = -38;
}

/// Signal numbers.
pub mod signal {
    /// Illegal instruction.
    pub const SIGILL: u32 = 4;
    /// Trace/breakpoint trap.
    pub const SIGTRAP: u32 = 5;
    /// Bus error (misaligned access).
    pub const SIGBUS: u32 = 7;
    /// Kill (cannot be caught).
    pub const SIGKILL: u32 = 9;
    /// Segmentation fault (page or access fault).
    pub const SIGSEGV: u32 = 11;
    /// Termination request.
    pub const SIGTERM: u32 = 15;
    /// Hangup.
    pub const SIGHUP: u32 = 1;
    /// Interrupt from the keyboard (Ctrl-C).
    pub const SIGINT: u32 = 2;
    /// Quit from the keyboard.
    pub const SIGQUIT: u32 = 3;
    /// Abort (abort(3)).
    pub const SIGABRT: u32 = 6;
    /// Arithmetic exception.
    pub const SIGFPE: u32 = 8;
    /// User-defined signal 1.
    pub const SIGUSR1: u32 = 10;
    /// User-defined signal 2.
    pub const SIGUSR2: u32 = 12;
    /// Write to a pipe with no reader.
    pub const SIGPIPE: u32 = 13;
    /// Timer (alarm).
    pub const SIGALRM: u32 = 14;
    /// Continue if stopped.
    pub const SIGCONT: u32 = 18;
    /// Stop (cannot be caught).
    pub const SIGSTOP: u32 = 19;
    /// Stop from the keyboard.
    pub const SIGTSTP: u32 = 20;
    /// Urgent condition on a socket.
    pub const SIGURG: u32 = 23;
    /// Window size change.
    pub const SIGWINCH: u32 = 28;
    /// Highest signal number (real-time signals included).
    pub const NSIG: u32 = 64;
    /// Child stopped or exited (the only clone flag svos's fork accepts).
    pub const SIGCHLD: u32 = 17;
}

/// mmap's `prot` and `flags` bits (asm-generic/mman-common.h, mman.h).
pub mod mman {
    /// Pages may be read.
    pub const PROT_READ: usize = 0x1;
    /// Pages may be written.
    pub const PROT_WRITE: usize = 0x2;
    /// Pages may be executed.
    pub const PROT_EXEC: usize = 0x4;
    /// Changes are shared with other mappings of the object.
    pub const MAP_SHARED: usize = 0x01;
    /// Changes are private (copy-on-write for file mappings).
    pub const MAP_PRIVATE: usize = 0x02;
    /// MAP_SHARED that also checks every flag bit.
    pub const MAP_SHARED_VALIDATE: usize = 0x03;
    /// The mask of the mapping type (SHARED, PRIVATE, SHARED_VALIDATE).
    pub const MAP_TYPE: usize = 0x0f;
    /// Place the mapping exactly at `addr`, replacing what is there.
    pub const MAP_FIXED: usize = 0x10;
    /// Not backed by a file: zero-filled memory (fd ignored, -1 by convention).
    pub const MAP_ANONYMOUS: usize = 0x20;
    /// Place the mapping exactly at `addr`, failing with EEXIST if anything is there.
    pub const MAP_FIXED_NOREPLACE: usize = 0x10_0000;
    /// mmap's error return, as a pointer: (void *)-1.
    pub const MAP_FAILED: usize = usize::MAX;
    /// mremap: the mapping may move to another address.
    pub const MREMAP_MAYMOVE: usize = 1;
    /// mremap: move to the fifth argument's address (needs MREMAP_MAYMOVE).
    pub const MREMAP_FIXED: usize = 2;
    /// madvise: the pages will be needed soon (read file pages in).
    pub const MADV_WILLNEED: usize = 3;
    /// madvise: drop the pages; private anonymous ones read as zero again.
    pub const MADV_DONTNEED: usize = 4;
    /// madvise: the range may use transparent huge pages.
    pub const MADV_HUGEPAGE: usize = 14;
    /// madvise: the range must not use transparent huge pages.
    pub const MADV_NOHUGEPAGE: usize = 15;
    /// mmap: fault every page of the mapping in now (Linux's MAP_POPULATE).
    pub const MAP_POPULATE: usize = 0x8000;
    /// mmap: back the anonymous mapping with huge pages from the hugetlb pool.
    pub const MAP_HUGETLB: usize = 0x4_0000;
    /// mmap: where MAP_HUGETLB's page size (log2 of bytes) sits in `flags`.
    pub const MAP_HUGE_SHIFT: usize = 26;
    /// mmap: the mask of that page size, after shifting.
    pub const MAP_HUGE_MASK: usize = 0x3f;
    /// mmap: MAP_HUGETLB with 2 MiB pages (Sv39 megapages).
    pub const MAP_HUGE_2MB: usize = 21 << MAP_HUGE_SHIFT;
    /// mmap: MAP_HUGETLB with 1 GiB pages (svos has none: -EINVAL).
    pub const MAP_HUGE_1GB: usize = 30 << MAP_HUGE_SHIFT;
    /// mlock2: lock pages as they are faulted in.
    pub const MLOCK_ONFAULT: usize = 1;
    /// msync: schedule the write-back and return.
    pub const MS_ASYNC: usize = 1;
    /// msync: invalidate other mappings of the file.
    pub const MS_INVALIDATE: usize = 2;
    /// msync: write back and wait.
    pub const MS_SYNC: usize = 4;
}

/// getrusage(2): `who` values and the riscv64 `struct rusage`.
pub mod rusage {
    /// The calling process.
    pub const RUSAGE_SELF: isize = 0;
    /// Its children that have been waited for (and their waited-for descendants).
    pub const RUSAGE_CHILDREN: isize = -1;
    /// The calling thread (svos: the process).
    pub const RUSAGE_THREAD: isize = 1;

    /// `struct timeval`: seconds and microseconds.
    #[repr(C)]
    #[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
    pub struct Timeval {
        /// Seconds.
        pub tv_sec: i64,
        /// Microseconds, 0..1_000_000.
        pub tv_usec: i64,
    }

    /// `struct rusage` of Linux riscv64 (include/uapi/linux/resource.h):
    /// two timevals, then 14 longs; 144 bytes.
    #[repr(C)]
    #[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
    pub struct Rusage {
        /// User CPU time.
        pub ru_utime: Timeval,
        /// System CPU time.
        pub ru_stime: Timeval,
        /// Largest resident set size, in KiB.
        pub ru_maxrss: i64,
        /// Integral shared memory size (unused by Linux).
        pub ru_ixrss: i64,
        /// Integral unshared data size (unused by Linux).
        pub ru_idrss: i64,
        /// Integral unshared stack size (unused by Linux).
        pub ru_isrss: i64,
        /// Minor page faults: served without I/O.
        pub ru_minflt: i64,
        /// Major page faults: needed I/O.
        pub ru_majflt: i64,
        /// Swaps (unused by Linux).
        pub ru_nswap: i64,
        /// Block input operations.
        pub ru_inblock: i64,
        /// Block output operations.
        pub ru_oublock: i64,
        /// IPC messages sent (unused by Linux).
        pub ru_msgsnd: i64,
        /// IPC messages received (unused by Linux).
        pub ru_msgrcv: i64,
        /// Signals received (unused by Linux).
        pub ru_nsignals: i64,
        /// Voluntary context switches.
        pub ru_nvcsw: i64,
        /// Involuntary context switches.
        pub ru_nivcsw: i64,
    }

    /// Size of [`Rusage`] in bytes.
    pub const RUSAGE_SIZE: usize = 144;
    const _: () = assert!(core::mem::size_of::<Rusage>() == RUSAGE_SIZE);
}

/// svos's own system call for the hardware performance counters: the
/// counts of the events svos programs into mhpmcounter3.. at boot (svemu's
/// event numbers, `emulator/README.md`), per process, saved and restored
/// at every context switch.
///
/// `svos_perf(who, events, counts, n)`: for each of the `n` (at most
/// [`perf::MAX`]) mhpmevent values at `events` (u64s), write the count of
/// that event to `counts` (u64s): for `who` = [`rusage::RUSAGE_SELF`],
/// the caller's own (its user code and the kernel's work on its behalf:
/// page faults, system calls), for [`rusage::RUSAGE_CHILDREN`] the sum of
/// the children it reaped with wait4 (and of their reaped descendants).
/// Returns 0; -EINVAL for another `who`, more than [`perf::MAX`] events or
/// an event svos does not count; -EFAULT for a bad pointer.
pub mod perf {
    /// The system call's number (outside Linux's range).
    pub const SYS_SVOS_PERF: usize = 1100;
    /// Most events one call may ask for.
    pub const MAX: usize = 16;
    /// The events svos counts, in the order of mhpmcounter3, 4, ...: the
    /// mhpmevent value and the name `perfstat` prints.
    pub const EVENTS: [(u64, &str); 7] = [
        (0x10019, "dtlb-load-misses"),
        (0x1001b, "dtlb-store-misses"),
        (0x10021, "itlb-misses"),
        (0x20002, "page-walks"),
        (0x20004, "ad-updates"),
        (0x20008, "page-faults"),
        (0x20009, "tlb-evictions"),
    ];
}
