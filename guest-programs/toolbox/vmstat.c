/* vmstat [DELAY [COUNT]]: procps-ng 4's default report (procs, memory,
 * swap, io, system, cpu with its guest column gu) from /proc/meminfo,
 * /proc/vmstat and /proc/stat.
 * The first line averages since boot; each further line covers the last
 * DELAY seconds. Memory in KiB; si/so and bi/bo per second (KiB). */
#include "toolbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sample {
    /* user nice system idle iowait irq softirq steal guest guest_nice (ticks) */
    unsigned long long cpu[10];
    unsigned long long intr, ctxt, running, blocked;
    unsigned long long pswpin, pswpout, pgpgin, pgpgout;
    double uptime;
};

static int take(struct sample *s) {
    char *st = read_file("/proc/stat"), *vm = read_file("/proc/vmstat"), *up = read_file("/proc/uptime");
    if (!st || !vm || !up) {
        warn_errno("vmstat", "/proc");
        return -1;
    }
    memset(s, 0, sizeof *s);
    if (!strncmp(st, "cpu ", 4)) {
        char *p = st + 4;
        for (int i = 0; i < 10; i++)
            s->cpu[i] = strtoull(p, &p, 10);
    }
    s->intr = field_value(st, "intr");
    s->ctxt = field_value(st, "ctxt");
    s->running = field_value(st, "procs_running");
    s->blocked = field_value(st, "procs_blocked");
    s->pswpin = field_value(vm, "pswpin");
    s->pswpout = field_value(vm, "pswpout");
    s->pgpgin = field_value(vm, "pgpgin");
    s->pgpgout = field_value(vm, "pgpgout");
    s->uptime = strtod(up, NULL);
    free(st);
    free(vm);
    free(up);
    return 0;
}

static void line(const struct sample *a, const struct sample *b) {
    char *mi = read_file("/proc/meminfo");
    if (!mi)
        return;
    unsigned long long swpd = field_value(mi, "SwapTotal") - field_value(mi, "SwapFree");
    unsigned long long fr = field_value(mi, "MemFree"), buff = field_value(mi, "Buffers");
    unsigned long long cache = field_value(mi, "Cached") + field_value(mi, "SReclaimable");
    free(mi);
    double secs = b->uptime - (a ? a->uptime : 0);
    if (secs <= 0)
        secs = 1;
    long page_kb = sysconf(_SC_PAGESIZE) / 1024;
#define RATE(f) ((unsigned long long)((double)(b->f - (a ? a->f : 0)) / secs))
    unsigned long long si = RATE(pswpin) * page_kb, so = RATE(pswpout) * page_kb;
    /* user and nice include guest and guest_nice (proc(5)): procps 4
     * shows those apart, as gu, and takes them out of us. */
    unsigned long long d[10], sum = 0;
    for (int i = 0; i < 10; i++)
        d[i] = b->cpu[i] - (a ? a->cpu[i] : 0);
    unsigned long long guest = d[8] + d[9], user = d[0] + d[1];
    user = user > guest ? user - guest : 0;
    for (int i = 0; i < 8; i++)
        sum += d[i];
    if (sum == 0)
        sum = 1;
#define PCT(x) ((unsigned)((x) * 100 / sum))
    printf("%2llu %2llu %6llu %6llu %6llu %6llu %4llu %4llu %5llu %5llu %4llu %4llu %2u %2u %2u %2u %2u %2u\n",
           b->running, b->blocked, swpd, fr, buff, cache, si, so, RATE(pgpgin), RATE(pgpgout), RATE(intr),
           RATE(ctxt), PCT(user), PCT(d[2] + d[5] + d[6]), PCT(d[3]), PCT(d[4]), PCT(d[7]), PCT(guest));
    fflush(stdout);
}

int vmstat_main(int argc, char **argv) {
    long delay = 0, count = 1;
    if (argc > 1) {
        delay = strtol(argv[1], NULL, 10);
        count = argc > 2 ? strtol(argv[2], NULL, 10) : -1;
        if (delay <= 0) {
            fprintf(stderr, "vmstat: usage: vmstat [DELAY [COUNT]] (DELAY in seconds, at least 1)\n");
            return 1;
        }
    }
    printf("procs -----------memory---------- ---swap-- -----io---- -system-- -------cpu-------\n");
    printf(" r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st gu\n");
    struct sample prev, cur;
    if (take(&prev))
        return 1;
    line(NULL, &prev);
    for (long i = 1; count < 0 || i < count; i++) {
        struct timespec ts = {delay, 0};
        nanosleep(&ts, NULL);
        if (take(&cur))
            return 1;
        line(&prev, &cur);
        prev = cur;
    }
    return 0;
}
