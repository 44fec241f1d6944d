/* free [-b|-k|-m|-g|-h] [-w]: memory and swap totals from /proc/meminfo,
 * in procps-ng 4's layout:
 *                total        used        free      shared  buff/cache   available
 * Mem:        ...
 * Swap:       ...
 * used = MemTotal - MemAvailable; buff/cache = Buffers + Cached +
 * SReclaimable; shared = Shmem; -w splits buffers and cache. */
#include "toolbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum unit { BYTES, KIB, MIB, GIB, HUMAN };

/* procps's human-readable size: bytes below 1 KiB as "NB", else the
 * largest binary unit that keeps the number below 1024, one decimal when
 * it is below 10. */
static void human(char *out, size_t n, unsigned long long kib) {
    static const char units[] = "KMGTPE";
    if (kib == 0) {
        snprintf(out, n, "0B");
        return;
    }
    double v = (double)kib;
    int u = 0;
    while (v >= 1024 && units[u + 1]) {
        v /= 1024;
        u++;
    }
    if (v < 10)
        snprintf(out, n, "%.1f%ci", v, units[u]);
    else
        snprintf(out, n, "%.0f%ci", (double)(unsigned long long)v, units[u]);
}

static void cell(enum unit u, unsigned long long kib) {
    char s[32];
    switch (u) {
    case BYTES: snprintf(s, sizeof s, "%llu", kib * 1024); break;
    case KIB: snprintf(s, sizeof s, "%llu", kib); break;
    case MIB: snprintf(s, sizeof s, "%llu", kib / 1024); break;
    case GIB: snprintf(s, sizeof s, "%llu", kib / (1024 * 1024)); break;
    case HUMAN: human(s, sizeof s, kib); break;
    }
    printf("%12s", s);
}

int free_main(int argc, char **argv) {
    enum unit u = KIB;
    int wide = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-b") || !strcmp(a, "--bytes")) u = BYTES;
        else if (!strcmp(a, "-k") || !strcmp(a, "--kibi")) u = KIB;
        else if (!strcmp(a, "-m") || !strcmp(a, "--mebi")) u = MIB;
        else if (!strcmp(a, "-g") || !strcmp(a, "--gibi")) u = GIB;
        else if (!strcmp(a, "-h") || !strcmp(a, "--human")) u = HUMAN;
        else if (!strcmp(a, "-w") || !strcmp(a, "--wide")) wide = 1;
        else {
            fprintf(stderr, "free: unknown option %s\nusage: free [-b|-k|-m|-g|-h] [-w]\n", a);
            return 1;
        }
    }
    char *mi = read_file("/proc/meminfo");
    if (!mi) {
        warn_errno("free", "/proc/meminfo");
        return 1;
    }
    unsigned long long total = field_value(mi, "MemTotal"), fr = field_value(mi, "MemFree");
    unsigned long long avail = field_value(mi, "MemAvailable"), shared = field_value(mi, "Shmem");
    unsigned long long buffers = field_value(mi, "Buffers");
    unsigned long long cache = field_value(mi, "Cached") + field_value(mi, "SReclaimable");
    unsigned long long stotal = field_value(mi, "SwapTotal"), sfree = field_value(mi, "SwapFree");
    free(mi);
    if (avail > total)
        avail = fr;
    if (wide)
        printf("               total        used        free      shared     buffers       cache   available\n");
    else
        printf("               total        used        free      shared  buff/cache   available\n");
    printf("%-8s", "Mem:");
    cell(u, total);
    cell(u, total - avail);
    cell(u, fr);
    cell(u, shared);
    if (wide) {
        cell(u, buffers);
        cell(u, cache);
    } else {
        cell(u, buffers + cache);
    }
    cell(u, avail);
    printf("\n%-8s", "Swap:");
    cell(u, stotal);
    cell(u, stotal - sfree);
    cell(u, sfree);
    printf("\n");
    return 0;
}
