/* filefault: not compared with Linux; the program of the file-fault tests
 * in tests/tests/svos_filemap.rs. It maps its own ELF file MAP_PRIVATE at
 * 0x20000000, loads from it (a page fault the kernel resolves from the page
 * cache: a file read) and stores to it (copy-on-write). With the arguments
 * `pressure FILE` it then reads FILE through read() (filling the page
 * cache with pages no process maps), and touches anonymous memory until
 * the free memory is near the kernel's reserve, so that reclaim drops the
 * clean cached pages; it prints Cached from /proc/meminfo before and after. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long meminfo(const char *key) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = atol(line + strlen(key));
    if (f)
        fclose(f);
    return v;
}

int main(int argc, char **argv) {
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
