/* filefault: not compared with Linux; the program of the file-fault tests
 * in tests/tests/svos_filemap.rs. It maps its own ELF file MAP_PRIVATE at
 * 0x20000000, loads from it (a page fault the kernel resolves from the page
 * cache: a file read) and stores to it (copy-on-write). With the arguments
 * `pressure FILE` it then reads FILE through read() (filling the page
 * cache with pages no process maps), and touches anonymous memory until
 * the free memory is near the kernel's reserve, so that reclaim drops the
 * clean cached pages; it prints Cached from /proc/meminfo before and after.
 * With `lock MIB` it touches two 2 MiB areas, mlocks one, prints VmLck,
 * touches MIB MiB more (more than RAM: reclaim swaps), then reads both
 * areas again and prints the major faults each took. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* The number after `key` in the text file `path` (a /proc file), or -1. */
static long field(const char *path, const char *key) {
    FILE *f = fopen(path, "r");
    char line[128];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = atol(line + strlen(key));
    if (f)
        fclose(f);
    return v;
}

static long meminfo(const char *key) {
    return field("/proc/meminfo", key);
}

static long status_kb(const char *key) {
    return field("/proc/self/status", key);
}

static long majflt(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_majflt;
}

/* Major faults taken reading one byte of every page of `p`. */
static long reread(volatile char *p, long len) {
    long before = majflt(), sum = 0;
    for (long i = 0; i < len; i += 4096)
        sum += p[i];
    return majflt() - before + (sum == -1);
}

static int lock_test(long mib) {
    long len = 2 << 20;
    char *locked = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *plain = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(locked, 1, len);
    memset(plain, 2, len);
    printf("VmLck before mlock: %ld kB\n", status_kb("VmLck:"));
    printf("mlock: %d\n", mlock(locked, len));
    printf("VmLck after mlock: %ld kB\n", status_kb("VmLck:"));
    printf("madvise(DONTNEED) on locked pages: %d\n", madvise(locked, 4096, MADV_DONTNEED));
    char *hog = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < (mib << 20); i += 4096)
        hog[i] = 3;
    long l = reread(locked, len), u = reread(plain, len);
    printf("after touching %ld MiB: locked area %ld major faults, unlocked area %ld major faults\n", mib, l, u);
    printf("munlock: %d, VmLck %ld kB\n", munlock(locked, len), status_kb("VmLck:"));
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "lock") == 0)
        return lock_test(atol(argv[2]));
    int fd = open("/proc/self/exe", O_RDONLY);
    volatile char *p = mmap((void *)0x20000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    char c = p[1];
    p[1] = 'x';
    printf("file byte %c, private copy %c\n", c, p[1]);
    if (argc > 2 && strcmp(argv[1], "pressure") == 0) {
        static char buf[65536];
        long total = 0, n;
        int in = open(argv[2], O_RDONLY);
        while ((n = read(in, buf, sizeof buf)) > 0)
            total += n;
        close(in);
        long before = meminfo("Cached:");
        printf("read %ld bytes; Cached %ld kB\n", total, before);
        /* Free memory plus the cached pages that can be dropped, less 2 MiB
         * (the kernel's reserve, page tables and page records). */
        long touch = (meminfo("MemFree:") + before - meminfo("Shmem:") - meminfo("Mapped:") - 2048) * 1024;
        char *m = malloc(touch);
        for (long i = 0; m && i < touch; i += 4096)
            m[i] = 1;
        long after = meminfo("Cached:");
        printf("touched %ld kB; Cached %ld kB: %s\n", touch / 1024, after,
               after < before ? "clean file pages dropped" : "nothing dropped");
    }
    return 0;
}
