/* The init of the Linux guest (`make linux`): a static, freestanding
 * riscv64 program (no libc; raw system calls) that shows the kernel reached
 * userspace and that its devices work, then powers the machine off.
 *
 * It mounts procfs, devtmpfs and tmpfs, counts the harts online in
 * /proc/cpuinfo, writes and reads back a file on tmpfs, mounts the ext2
 * disk /dev/vda (virtio-blk) when there is one, reads the file the host put
 * there (hello.txt), writes guest.txt (which the host reads after the run),
 * unmounts, and powers off through reboot(2). Every step prints one line;
 * a failing step prints "init: FAIL ..." and powers off all the same.
 *
 * System call numbers: the generic table (include/uapi/asm-generic/unistd.h)
 * that riscv64 uses. */

#define SYS_mkdirat 34
#define SYS_umount2 39
#define SYS_mount 40
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_write 64
#define SYS_fsync 82
#define SYS_sync 81
#define SYS_reboot 142

#define AT_FDCWD (-100)
#define O_RDONLY 0
#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000

static long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall"
                     : "+r"(a0)
                     : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
                     : "memory");
    return a0;
}

#define sys(n, a, b, c, d, e) syscall6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static unsigned long len(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static void out(const char *s) { sys(SYS_write, 1, s, len(s), 0, 0); }

static void out_num(long v)
{
    char b[24];
    int i = sizeof b - 1;
    b[i] = 0;
    if (v < 0) {
        out("-");
        v = -v;
    }
    do {
        b[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    out(b + i);
}

static int failures;

/* Report step `what`: ok when r >= 0, else FAIL with the errno. */
static int step(const char *what, long r)
{
    out("init: ");
    out(what);
    if (r < 0) {
        out(": FAIL errno ");
        out_num(-r);
        out("\n");
        failures++;
        return 0;
    }
    out(": ok\n");
    return 1;
}

static long write_file(const char *path, const char *text)
{
    long fd = sys(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0);
    if (fd < 0)
        return fd;
    long n = sys(SYS_write, fd, text, len(text), 0, 0);
    long s = sys(SYS_fsync, fd, 0, 0, 0, 0);
    sys(SYS_close, fd, 0, 0, 0, 0);
    return n < 0 ? n : n != (long)len(text) ? -5 : s;
}

/* Read up to cap - 1 bytes of `path` into buf (NUL-terminated). */
static long read_file(const char *path, char *buf, long cap)
{
    long fd = sys(SYS_openat, AT_FDCWD, path, O_RDONLY, 0, 0);
    if (fd < 0)
        return fd;
    long total = 0, n;
    while (total < cap - 1 && (n = sys(SYS_read, fd, buf + total, cap - 1 - total, 0, 0)) > 0)
        total += n;
    sys(SYS_close, fd, 0, 0, 0, 0);
    buf[total] = 0;
    return n < 0 ? n : total;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static char buf[16384];

static void count_harts(void)
{
    long n = read_file("/proc/cpuinfo", buf, sizeof buf);
    if (!step("read /proc/cpuinfo", n))
        return;
    int harts = 0;
    for (long i = 0; i + 9 < n; i++)
        if ((i == 0 || buf[i - 1] == '\n') && buf[i] == 'p' && buf[i + 1] == 'r' && buf[i + 8] == 'r')
            harts++; /* "processor" */
    out("init: ");
    out_num(harts);
    out(" harts online\n");
}

static void roundtrip(const char *path, const char *text)
{
    if (!step(path, write_file(path, text)))
        return;
    long n = read_file(path, buf, sizeof buf);
    step("read it back", n < 0 ? n : same(buf, text) ? 0 : -5);
}

static void disk(void)
{
    long r = sys(SYS_mount, "/dev/vda", "/mnt", "ext2", 0, 0);
    if (r == -2 /* ENOENT: no disk */) {
        out("init: no disk\n");
        return;
    }
    if (!step("mount /dev/vda on /mnt (ext2)", r))
        return;
    long n = read_file("/mnt/hello.txt", buf, sizeof buf);
    if (step("read /mnt/hello.txt", n)) {
        out("init: it says: ");
        out(buf);
    }
    roundtrip("/mnt/guest.txt", "written by the guest's init\n");
    step("umount /mnt", sys(SYS_umount2, "/mnt", 0, 0, 0, 0));
}

void init_main(void)
{
    out("init: hello from userspace\n");
    step("mount /proc", sys(SYS_mount, "proc", "/proc", "proc", 0, 0));
    step("mount /dev", sys(SYS_mount, "devtmpfs", "/dev", "devtmpfs", 0, 0));
    step("mount /tmp", sys(SYS_mount, "tmpfs", "/tmp", "tmpfs", 0, 0));
    count_harts();
    roundtrip("/tmp/note.txt", "tmpfs works\n");
    disk();
    sys(SYS_sync, 0, 0, 0, 0, 0);
    out(failures ? "init: FAILED, powering off\n" : "init: all done, powering off\n");
    /* LINUX_REBOOT_MAGIC1, MAGIC2, LINUX_REBOOT_CMD_POWER_OFF */
    sys(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0, 0);
    for (;;)
        ;
}

__asm__(".section .text.start\n"
        ".globl _start\n"
        "_start:\n"
        "  .option push\n"
        "  .option norelax\n"
        "  la gp, __global_pointer$\n"
        "  .option pop\n"
        "  andi sp, sp, -16\n"
        "  call init_main\n");
