/* filemap: file mappings and the address-space calls, as a course shows
 * them: map a file MAP_SHARED and write through memory, then read() it
 * back; a MAP_PRIVATE store that the file never sees; shared anonymous
 * memory between a parent and its child; mremap growing a mapping with
 * its contents; MADV_DONTNEED making private anonymous pages zero again;
 * the mappings as /proc/self/maps names them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(expr) printf("%-44s = %ld%s%s\n", #expr, (long)(expr), errno ? ", " : "", errno ? strerror(errno) : ""), errno = 0

static char path[64];

/* The /proc/self/maps line of the mapping at `p`: perms, offset and name
 * (address, device and inode differ between kernels). */
static void show_maps_line(const char *what, void *p) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long a = (unsigned long)p;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long s, e, off;
        char perms[8], dev[16], name[256] = "";
        unsigned long ino;
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255[^\n]", &s, &e, perms, &off, dev, &ino, name) < 6)
            continue;
        if (s <= a && a < e) {
            char *n = name;
            while (*n == ' ')
                n++;
            /* The file's own name without the pid that makes it unique. */
            const char *shown = strncmp(n, path, strlen(path)) == 0 ? "PATH" : n;
            printf("%s: %s offset %lx %s, %lu pages\n", what, perms, off, shown, (e - s) / 4096);
        }
    }
    if (f)
        fclose(f);
}

int main(void) {
    errno = 0;
    long pg = sysconf(_SC_PAGESIZE);
    snprintf(path, sizeof path, "/tmp/filemap-%d.dat", getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    printf("open: %s\n", fd >= 0 ? "ok" : strerror(errno));
    char block[4096];
    for (int i = 0; i < 3; i++) {
        memset(block, 'a' + i, sizeof block);
        SHOW(write(fd, block, sizeof block));
    }

    /* MAP_SHARED: stores reach the file. */
    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap shared: %s\n", m == MAP_FAILED ? strerror(errno) : "ok");
    printf("mapped bytes %c %c %c\n", m[0], m[pg], m[2 * pg + 5]);
    memcpy(m + pg + 10, "written through memory", 22);
    char buf[64] = "";
    SHOW(pread(fd, buf, 22, pg + 10));
    printf("read() sees \"%s\"\n", buf);
    SHOW(msync(m, 3 * pg, MS_SYNC));
    SHOW(msync(m + 1, pg, MS_SYNC));
    show_maps_line("shared", m + pg);
    /* write() is seen through the mapping. */
    SHOW(pwrite(fd, "WRITE", 5, 2 * pg));
    printf("mapping sees \"%.5s\"\n", m + 2 * pg);

    /* MAP_PRIVATE at an offset: stores stay private. */
    char *q = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, pg);
    printf("mmap private: %s\n", q == MAP_FAILED ? strerror(errno) : "ok");
    printf("private sees \"%.22s\"\n", q + 10);
    memcpy(q + 10, "PRIVATE STORE", 13);
    memset(buf, 0, sizeof buf);
    SHOW(pread(fd, buf, 13, pg + 10));
    printf("file keeps \"%s\", mapping has \"%.13s\"\n", buf, q + 10);
    show_maps_line("private", q);
    SHOW(munmap(q, 2 * pg));

    /* Bad requests. */
    SHOW(mmap(NULL, pg, PROT_READ, MAP_SHARED, 99, 0) == MAP_FAILED);
    int ro = open(path, O_RDONLY);
    SHOW(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
    char *r = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    printf("private writable map of a read-only fd: %s\n", r == MAP_FAILED ? strerror(errno) : "ok");
    errno = 0;
    close(ro);
    SHOW(munmap(m, 3 * pg));
    close(fd);

    /* The program's own file, read through a private mapping. */
    int self = open("/proc/self/exe", O_RDONLY);
    unsigned char *e = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, self, 0);
    printf("own ELF through mmap: %s\n", e != MAP_FAILED && memcmp(e, "\177ELF", 4) == 0 ? "\\177ELF" : "no");
    close(self);

    /* MAP_SHARED | MAP_ANONYMOUS between parent and child. */
    volatile int *shm = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    shm[0] = 1;
    priv[0] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        shm[0] = 42;
        shm[1] = 7;
        priv[0] = 42;
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("after the child's stores: shared %d %d, private %d\n", shm[0], shm[1], priv[0]);
    show_maps_line("shared anonymous", (void *)shm);

    /* mremap: grow in place or move, contents kept. */
    char *g = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(g, 'x', 2 * pg);
    /* Another mapping right after the first two pages, so growing must move. */
    char *wall = g + 2 * pg;
    SHOW(mprotect(wall, pg, PROT_READ));
    char *g2 = mremap(g, 2 * pg, 8 * pg, 0);
    printf("mremap without MAYMOVE: %s\n", g2 == MAP_FAILED ? strerror(errno) : "grew");
    errno = 0;
    g2 = mremap(g, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
    printf("mremap MAYMOVE: %s, moved %s\n", g2 == MAP_FAILED ? strerror(errno) : "ok", g2 != g ? "yes" : "no");
    int kept = 1;
    for (long i = 0; i < 2 * pg; i++)
        kept &= g2[i] == 'x';
    printf("contents kept %d, new part zero %d\n", kept, g2[5 * pg] == 0);
    g2[8 * pg - 1] = 'y';
    char *g3 = mremap(g2, 8 * pg, 3 * pg, 0);
    printf("shrink in place: %s\n", g3 == g2 ? "yes" : "no");
    SHOW(mremap(g2, 3 * pg, 3 * pg, MREMAP_FIXED) == MAP_FAILED);
    SHOW(mremap(g2 + 1, pg, pg, 0) == MAP_FAILED);
    munmap(g3, 3 * pg);
    munmap(wall, pg);

    /* MADV_DONTNEED: private anonymous pages read as zero again. */
    char *d = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(d, 'z', 4 * pg);
    SHOW(madvise(d + pg, 2 * pg, MADV_DONTNEED));
    printf("after DONTNEED: %c %d %d %c\n", d[0], d[pg], d[3 * pg - 1], d[3 * pg]);
    SHOW(madvise(d, 4 * pg, MADV_WILLNEED));
    SHOW(madvise(d, 4 * pg, MADV_HUGEPAGE));
    SHOW(madvise(d + 1, pg, MADV_DONTNEED));
    /* DONTNEED on a shared mapping keeps the data: it is the file's. */
    shm[2] = 99;
    SHOW(madvise((void *)shm, pg, MADV_DONTNEED));
    printf("shared after DONTNEED: %d\n", shm[2]);
    munmap(d, 4 * pg);

    SHOW(unlink(path));
    return 0;
}
