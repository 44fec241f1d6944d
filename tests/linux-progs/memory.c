/* memory: where things live, and what touching memory costs in page
 * faults, read from /proc/self/stat and /proc/self/maps as Linux tools do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int global = 1;
static long minflt(void) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return -1;
    char line[1024];
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    /* Field 10 (minflt), counted after the ')' that ends comm. */
    char *p = strrchr(line, ')');
    long v = -1;
    int field = 2;
    for (char *t = strtok(p + 2, " "); t; t = strtok(NULL, " ")) {
        field++;
        if (field == 10) {
            v = atol(t);
            break;
        }
    }
    return v;
}

static int count_maps(const char *needle) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        if (!needle || strstr(line, needle))
            n++;
    if (f)
        fclose(f);
    return n;
}

static int valid_maps_lines(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int bad = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long s, e, off, ino;
        char perm[5];
        unsigned maj, min;
        if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &s, &e, perm, &off, &maj, &min, &ino) != 7 || s >= e ||
            (perm[3] != 'p' && perm[3] != 's'))
            bad++;
    }
    if (f)
        fclose(f);
    return bad;
}

int main(void) {
    int local = 0;
    void *heap = malloc(16);
    printf("~code   %p\n~global %p\n~heap   %p\n~stack  %p\n", (void *)main, (void *)&global, heap, (void *)&local);
    printf("code < global < heap < stack: %s\n",
           ((unsigned long)main < (unsigned long)&global && (unsigned long)&global < (unsigned long)heap &&
            (unsigned long)heap < (unsigned long)&local)
               ? "yes"
               : "no");

    const long mib = 8;
    long before = minflt();
    char *p = malloc(mib << 20);
    for (long i = 0; i < (mib << 20); i += 4096)
        p[i] = 1;
    long faults = minflt() - before;
    printf("~touched %ld MiB: at least %ld minor faults: %s\n", mib, (mib << 20) / 4096,
           faults >= (mib << 20) / 4096 ? "yes" : "no");
    printf("~minor faults %ld\n", faults);
    free(p);

    int maps0 = count_maps(NULL);
    printf("maps malformed lines: %d\n", valid_maps_lines());
    printf("~maps has [stack]: %d, [heap]: %d\n", count_maps("[stack]"), count_maps("[heap]"));
    char *m = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap 5 pages: %s\n", m == MAP_FAILED ? "failed" : "ok");
    printf("maps lines after mmap: %+d\n", count_maps(NULL) - maps0);
    mprotect(m + 4096, 4096, PROT_READ);
    printf("maps lines after mprotect of the second page: %+d\n", count_maps(NULL) - maps0);
    munmap(m, 5 * 4096);
    printf("maps lines after munmap: %+d\n", count_maps(NULL) - maps0);

    FILE *f = fopen("/proc/self/statm", "r");
    long size, rss;
    printf("statm: %s\n", f && fscanf(f, "%ld %ld", &size, &rss) == 2 && size > 0 && rss > 0 && rss <= size ? "ok" : "bad");
    if (f)
        fclose(f);
    f = fopen("/proc/meminfo", "r");
    char key[64];
    long kb;
    printf("meminfo first: %s\n", f && fscanf(f, "%63s %ld kB", key, &kb) == 2 ? key : "?");
    if (f)
        fclose(f);
    return 0;
}
