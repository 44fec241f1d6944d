/* CPU time as a program sees it: clock() (CLOCK_PROCESS_CPUTIME_ID) and
 * CLOCK_THREAD_CPUTIME_ID advance while it computes and not while it
 * sleeps; getrusage and times split user from system time; a reaped
 * child's time reaches wait4's rusage, RUSAGE_CHILDREN and tms_cutime; a
 * thread's time counts in its process's. Lines are yes/no against
 * thresholds, so they read the same on every machine; `~` lines give the
 * numbers, and /proc (which qemu-riscv64 fakes). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double secs(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

static volatile unsigned long sink;

/* Computes until `clock` has advanced `want` seconds; gives up after a
 * bounded amount of work (a clock that never moves). 1 if it got there. */
static int burn(clockid_t clock, double want) {
    double start = secs(clock);
    for (int chunk = 0; chunk < 20000; chunk++) {
        unsigned long x = sink;
        for (int i = 0; i < 20000; i++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
        sink = x;
        if (secs(clock) - start >= want)
            return 1;
    }
    return 0;
}

static const char *yes(int b) { return b ? "yes" : "no"; }

static void *thread_burn(void *arg) {
    *(double *)arg = burn(CLOCK_THREAD_CPUTIME_ID, 0.03) ? secs(CLOCK_THREAD_CPUTIME_ID) : 0;
    return NULL;
}

/* utime + stime of /proc/self/stat, in clock ticks; -1 if unreadable. */
static long proc_stat_ticks(void) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* Fields after the name: state(3) ... utime(14) stime(15). */
    long v[16] = {0};
    p += 2;
    for (int i = 3; i <= 15 && *p; i++) {
        if (i >= 4)
            v[i] = strtol(p, NULL, 10);
        p = strchr(p, ' ');
        if (!p)
            break;
        p++;
    }
    return v[14] + v[15];
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);

    clock_t c0 = clock();
    int burnt = burn(CLOCK_PROCESS_CPUTIME_ID, 0.05);
    clock_t c1 = clock();
    printf("computed until clock() advanced 50 ms: %s\n", yes(burnt));
    printf("clock() advanced at least 50 ms: %s\n", yes((double)(c1 - c0) / CLOCKS_PER_SEC >= 0.05));
    printf("~clock(): %.3f s\n", (double)(c1 - c0) / CLOCKS_PER_SEC);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("getrusage user time at least 40 ms: %s\n", yes(tv(ru.ru_utime) >= 0.04));
    printf("~getrusage: user %.3f s, system %.3f s\n", tv(ru.ru_utime), tv(ru.ru_stime));
    struct tms t;
    times(&t);
    long hz = sysconf(_SC_CLK_TCK);
    printf("times() user ticks at least 4 of %ld: %s\n", hz, yes(t.tms_utime >= 4));
    long ticks = proc_stat_ticks();
    printf("~/proc/self/stat utime+stime at least 4 ticks: %s (%ld)\n", yes(ticks >= 4), ticks);

    /* System calls are system time (Linux may sample it at its ticks:
     * call until it shows, within a bound). */
    double s0 = tv(ru.ru_stime);
    int grew = 0;
    for (int i = 0; i < 1000 && !grew; i++) {
        for (int j = 0; j < 1000; j++)
            getppid();
        getrusage(RUSAGE_SELF, &ru);
        grew = tv(ru.ru_stime) > s0;
    }
    printf("system calls added system time: %s\n", yes(grew));

    /* Sleeping is not CPU time. */
    double p0 = secs(CLOCK_PROCESS_CPUTIME_ID), m0 = secs(CLOCK_MONOTONIC);
    struct timespec nap = {0, 100 * 1000 * 1000};
    nanosleep(&nap, NULL);
    double p1 = secs(CLOCK_PROCESS_CPUTIME_ID), m1 = secs(CLOCK_MONOTONIC);
    printf("slept 100 ms: %s, using under 20 ms of CPU: %s\n", yes(m1 - m0 >= 0.1), yes(p1 - p0 < 0.02));

    /* A child's time is its parent's once reaped. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(burn(CLOCK_PROCESS_CPUTIME_ID, 0.03) ? 0 : 1);
    int st;
    struct rusage child;
    wait4(pid, &st, 0, &child);
    printf("child computed 30 ms: %s\n", yes(WIFEXITED(st) && WEXITSTATUS(st) == 0));
    printf("wait4's rusage: child user time at least 20 ms: %s\n", yes(tv(child.ru_utime) >= 0.02));
    struct rusage kids;
    getrusage(RUSAGE_CHILDREN, &kids);
    printf("RUSAGE_CHILDREN user time at least 20 ms: %s\n", yes(tv(kids.ru_utime) >= 0.02));
    times(&t);
    printf("times() children's user ticks at least 2: %s\n", yes(t.tms_cutime >= 2));
    printf("~child: user %.3f s, system %.3f s\n", tv(child.ru_utime), tv(child.ru_stime));

    /* A thread's time is its own, and its process's. */
    double before = secs(CLOCK_PROCESS_CPUTIME_ID), mine = secs(CLOCK_THREAD_CPUTIME_ID);
    double theirs = 0;
    pthread_t th;
    pthread_create(&th, NULL, thread_burn, &theirs);
    pthread_join(th, NULL);
    double after = secs(CLOCK_PROCESS_CPUTIME_ID);
    printf("thread computed 30 ms of its own CPU time: %s\n", yes(theirs >= 0.03));
    printf("process time grew by the thread's: %s\n", yes(after - before >= 0.03));
    printf("main thread's own time did not: %s\n", yes(secs(CLOCK_THREAD_CPUTIME_ID) - mine < 0.02));
    getrusage(RUSAGE_THREAD, &ru);
    printf("RUSAGE_THREAD under RUSAGE_SELF: %s\n", yes(tv(ru.ru_utime) <= after));

    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        unsigned long long user = 0, nice = 0, sys = 0, idle = 0;
        if (fscanf(f, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle) == 4)
            printf("~/proc/stat: user %llu, system %llu, idle %llu ticks; user > 0: %s\n", user, sys, idle,
                   yes(user > 0));
        fclose(f);
    }
    return 0;
}
