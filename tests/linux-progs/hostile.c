/* hostile: attacks svos through its system calls, as a user program may
 * (issue 11). Every line without '~' is checked by tests/tests/svos_hostile.rs;
 * what matters is that the kernel answers every call with a result or an
 * errno, kills at most the attacking process, leaks nothing, and that a
 * normal program runs afterwards. Not compared with Linux: several
 * answers (which errno for which garbage) legitimately differ. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Bad pointers: NULL, a page below the program, the kernel's direct map,
 * a non-canonical address, the last bytes below the top of the user half
 * (a buffer running off it), and a read-only page written to. */
static long bad[6];

/* Every system call that takes a user pointer, with the positions of its
 * pointer arguments (bit i = argument i). Calls that would block with
 * valid arguments get an fd that cannot block. */
struct call {
    long nr;
    int ptrs;
    long args[6];
};
static const struct call calls[] = {
    {SYS_getcwd, 1, {0, 64}},
    {SYS_openat, 2, {AT_FDCWD, 0, 0}},
    {SYS_mkdirat, 2, {AT_FDCWD, 0, 0755}},
    {SYS_unlinkat, 2, {AT_FDCWD, 0, 0}},
    {SYS_renameat2, 10, {AT_FDCWD, 0, AT_FDCWD, 0, 0}},
    {SYS_faccessat, 2, {AT_FDCWD, 0, 0}},
    {SYS_chdir, 1, {0}},
    {SYS_pipe2, 1, {0, 0}},
    {SYS_getdents64, 2, {3, 0, 4096}},
    {SYS_read, 2, {3, 0, 64}},
    {SYS_write, 2, {5, 0, 64}},
    {SYS_readv, 2, {3, 0, 2}},
    {SYS_writev, 2, {5, 0, 2}},
    {SYS_pread64, 2, {4, 0, 64, 0}},
    {SYS_pwrite64, 2, {5, 0, 64, 0}},
    {SYS_readlinkat, 6, {AT_FDCWD, 0, 0, 64}},
    {SYS_newfstatat, 6, {AT_FDCWD, 0, 0, 0}},
    {SYS_fstat, 2, {1, 0}},
    {SYS_statx, 18, {AT_FDCWD, 0, 0, 0x7ff, 0}},
    {SYS_ioctl, 4, {1, 0x5401, 0}},
    {SYS_ioctl, 4, {1, 0x5413, 0}},
    {SYS_execve, 7, {0, 0, 0}},
    {SYS_wait4, 10, {-1, 0, 1, 0}},
    {SYS_waitid, 20, {0, 0, 0, 5, 0}},
    {SYS_set_tid_address, 0, {0}},
    {SYS_futex, 1, {0, 0, 1, 0}},
    {SYS_nanosleep, 3, {0, 0}},
    {SYS_clock_gettime, 2, {1, 0}},
    {SYS_clock_getres, 2, {1, 0}},
    {SYS_clock_nanosleep, 12, {1, 0, 0, 0}},
    {SYS_sched_setaffinity, 4, {0, 8, 0}},
    {SYS_sched_getaffinity, 4, {0, 8, 0}},
    {SYS_sigaltstack, 3, {0, 0}},
    {SYS_rt_sigaction, 6, {SIGUSR2, 0, 0, 8}},
    {SYS_rt_sigprocmask, 6, {SIG_BLOCK, 0, 0, 8}},
    {SYS_rt_sigpending, 1, {0, 8}},
    {SYS_times, 1, {0}},
    {SYS_uname, 1, {0}},
    {SYS_getrlimit, 2, {7, 0}},
    {SYS_setrlimit, 2, {7, 0}},
    {SYS_prlimit64, 12, {0, 7, 0, 0}},
    {SYS_getrusage, 2, {0, 0}},
    {SYS_prctl, 2, {15, 0}},
    {SYS_gettimeofday, 3, {0, 0}},
    {SYS_sysinfo, 1, {0}},
    {SYS_getrandom, 1, {0, 64, 0}},
    {SYS_getcpu, 3, {0, 0, 0}},
};

static int count_fds(void) {
    int n = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            printf("fd exhaustion: open failed with errno %d (%s) after %d more\n", errno, strerror(errno), n);
            break;
        }
        n++;
    }
    for (int fd = 6; fd < 6 + n + 8; fd++)
        close(fd);
    return n;
}

static void fuzz(uint64_t seed, int iterations) {
    rng = seed;
    /* Nothing to block on: standard input from /dev/null, output discarded. */
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    static long buf[512];
    long choices[] = {0, 1, 2, 3, -1, 4096, 0x7fffffff, (long)buf, (long)buf + 4096, 0, 0, 0, 0, 0, 0};
    memcpy(choices + 9, bad, sizeof bad);
    for (int i = 0; i < iterations; i++) {
        long nr = next() % 450;
        /* Calls that end or stop the fuzzer, block for good or reach other processes. */
        switch (nr) {
        case SYS_exit: case SYS_exit_group: case SYS_kill: case SYS_tkill: case SYS_tgkill:
        case SYS_clone: case SYS_execve: case SYS_nanosleep: case SYS_clock_nanosleep:
        case SYS_futex: case SYS_rt_sigsuspend: case SYS_wait4: case SYS_waitid:
        case SYS_pselect6: case SYS_ppoll: case SYS_rt_sigtimedwait:
            continue;
        }
        long a[6];
        for (int k = 0; k < 6; k++)
            a[k] = choices[next() % 15];
        for (int k = 0; k < 512; k += 7)
            buf[k] = (long)next();
        syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    _exit(0);
}

static const char *malformed_name[] = {"truncated header", "phnum 65535", "phoff past the end",
                                       "phentsize 0",      "ET_REL",      "segment at address 0",
                                       "filesz > memsz",   "segment past the file", "W+X segment",
                                       "memsz wraps around", "dynamic (PT_INTERP)"};

/* An ELF64 RISC-V header with one PT_LOAD (R+X, 0x10000, 0x100 bytes) and
 * 0x100 bytes of code, then broken one way (k). */
static size_t make_elf(unsigned char *f, int k) {
    memset(f, 0, 512);
    memcpy(f, "\177ELF", 4);
    f[4] = 2, f[5] = 1, f[6] = 1;
    *(uint16_t *)(f + 16) = 2;          /* ET_EXEC */
    *(uint16_t *)(f + 18) = 243;        /* EM_RISCV */
    *(uint32_t *)(f + 20) = 1;
    *(uint64_t *)(f + 24) = 0x10000;    /* e_entry */
    *(uint64_t *)(f + 32) = 64;         /* e_phoff */
    *(uint16_t *)(f + 52) = 64;
    *(uint16_t *)(f + 54) = 56;         /* e_phentsize */
    *(uint16_t *)(f + 56) = 1;          /* e_phnum */
    unsigned char *ph = f + 64;
    *(uint32_t *)ph = 1;                /* PT_LOAD */
    *(uint32_t *)(ph + 4) = 5;          /* R+X */
    *(uint64_t *)(ph + 8) = 0;          /* p_offset */
    *(uint64_t *)(ph + 16) = 0x10000;   /* p_vaddr */
    *(uint64_t *)(ph + 32) = 0x100;     /* p_filesz */
    *(uint64_t *)(ph + 40) = 0x100;     /* p_memsz */
    size_t len = 512;
    switch (k) {
    case 0: len = 30; break;
    case 1: *(uint16_t *)(f + 56) = 65535; break;
    case 2: *(uint64_t *)(f + 32) = 1 << 20; break;
    case 3: *(uint16_t *)(f + 54) = 0; break;
    case 4: *(uint16_t *)(f + 16) = 1; break;
    case 5: *(uint64_t *)(ph + 16) = 0; break;
    case 6: *(uint64_t *)(ph + 32) = 0x200; break;
    case 7: *(uint64_t *)(ph + 8) = 0x1000; break;
    case 8: *(uint32_t *)(ph + 4) = 7; break;
    case 9: *(uint64_t *)(ph + 40) = (uint64_t)-0x8000; break;
    case 10:
        *(uint16_t *)(f + 56) = 2;
        memcpy(ph + 56, ph, 56);
        *(uint32_t *)(ph + 56) = 3;     /* PT_INTERP */
        break;
    }
    return len;
}

int main(int argc, char **argv) {
    (void)argc, (void)argv;
    setvbuf(stdout, NULL, _IONBF, 0);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long top = 0x4000000000L - 8; /* the last 8 bytes of svos's 256 GiB user half */
    long b[6] = {0, 0x1000, (long)0xffffffc080000000L, (long)0x0000800000000000L, top, (long)ro};
    memcpy(bad, b, sizeof b);

    /* 1. Bad pointers to every call that takes one: each must answer. */
    int fd3 = open("/", O_RDONLY | O_DIRECTORY);
    int fd4 = open("/hostile", O_RDONLY);
    int fd5 = open("/tmp/scratch", O_CREAT | O_RDWR, 0644);
    if (fd3 != 3 || fd4 != 4 || fd5 != 5)
        printf("unexpected fds %d %d %d\n", fd3, fd4, fd5);
    int n = 0, efault = 0;
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++)
        for (int p = 0; p < 6; p++)
            for (int k = 0; k < 6; k++) {
                if (!(calls[c].ptrs >> p & 1))
                    continue;
                long a[6];
                memcpy(a, calls[c].args, sizeof a);
                a[p] = bad[k];
                errno = 0;
                long r = syscall(calls[c].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
                n++;
                efault += r == -1 && errno == EFAULT;
            }
    prctl(PR_SET_NAME, "hostile");
    printf("bad pointers: %d calls answered, no kernel fault\n", n);
    printf("~of which EFAULT: %d\n", efault);

    /* 2. Issue 11 #1: lseek past the end of an initrd file, then read. */
    int fd = open("/hostile", O_RDONLY);
    off_t end = lseek(fd, 0, SEEK_END);
    char buf[64];
    printf("lseek(end + 4096) ok: %d\n", lseek(fd, end + 4096, SEEK_SET) == end + 4096);
    printf("read past the end of an initrd file = %zd\n", read(fd, buf, sizeof buf));
    printf("pread past the end = %zd\n", pread(fd, buf, sizeof buf, end + 1));
    close(fd);

    /* 3. Unknown system calls: -ENOSYS, and one console line per number. */
    long u1 = syscall(400), u2 = syscall(400), u3 = syscall(400);
    int e = errno;
    printf("unknown syscall 400 three times: %ld %ld %ld, errno %d (%s)\n", u1, u2, u3, e, strerror(e));
    syscall(401);

    /* 4. Issue 11: 255 arguments of 64 KiB: E2BIG, not ENAMETOOLONG. */
    static char big[65537];
    memset(big, 'x', 65536);
    char *args[257];
    args[0] = "hostile";
    for (int i = 1; i < 256; i++)
        args[i] = big;
    args[256] = NULL;
    execve("/hostile", args, NULL);
    printf("execve(255 args of 64 KiB): errno %d (%s)\n", errno, strerror(errno));

    /* 5. Malformed ELFs, exec'd from a child each: an error, never a crash. */
    for (int k = 0; k < 11; k++) {
        unsigned char f[512];
        size_t len = make_elf(f, k);
        int w = open("/tmp/bad-elf", O_CREAT | O_TRUNC | O_WRONLY, 0755);
        write(w, f, len);
        close(w);
        pid_t pid = fork();
        if (pid == 0) {
            char *av[] = {"bad-elf", NULL};
            execve("/tmp/bad-elf", av, NULL);
            _exit(errno);
        }
        int st;
        waitpid(pid, &st, 0);
        printf("malformed ELF (%s): %s %d\n", malformed_name[k], WIFEXITED(st) ? "execve failed, errno" : "killed, signal",
               WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    unlink("/tmp/bad-elf");

    /* 6. File descriptors until EMFILE, then all closed and usable again. */
    int got = count_fds();
    printf("~opened %d more fds\n", got);
    fd = open("/dev/null", O_RDONLY);
    printf("open after closing them: %s\n", fd >= 0 ? "ok" : strerror(errno));
    close(fd);

    /* 7. Random system calls with fixed seeds, each in a child that may die. */
    for (int s = 1; s <= 8; s++) {
        pid_t pid = fork();
        if (pid == 0)
            fuzz(0x1234567ull * s, 400);
        int st;
        waitpid(pid, &st, 0);
        printf("~fuzzer %d: %s %d\n", s, WIFEXITED(st) ? "exited" : "killed by signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    printf("fuzzers done\n");
    close(fd3), close(fd4), close(fd5);
    unlink("/tmp/scratch");
    return 0;
}
