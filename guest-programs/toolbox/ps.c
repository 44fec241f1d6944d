/* ps [PID]...: every process (or those given) from /proc/PID/stat, in
 * procps's layout for `ps -e -o pid,comm,state,vsz,rss,min_flt,maj_flt`:
 *   PID COMMAND         S    VSZ   RSS  MINFL  MAJFL
 * VSZ and RSS in KiB; MINFL and MAJFL the minor and major page faults. */
#include "toolbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void row(const struct pid_stat *s, long page_kb) {
    printf("%5d %-15s %c %6llu %5lld %6llu %6llu\n", s->pid, s->comm, s->state, s->vsize / 1024, s->rss * page_kb,
           s->minflt, s->majflt);
}

int ps_main(int argc, char **argv) {
    long page_kb = sysconf(_SC_PAGESIZE) / 1024;
    printf("  PID COMMAND         S    VSZ   RSS  MINFL  MAJFL\n");
    struct pid_stat s;
    int status = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            if (read_pid_stat(atoi(argv[i]), &s) == 0)
                row(&s, page_kb);
            else
                status = 1;
        }
        return status;
    }
    size_t n;
    int *pids = list_pids(&n);
    for (size_t i = 0; i < n; i++)
        if (read_pid_stat(pids[i], &s) == 0)
            row(&s, page_kb);
    free(pids);
    return 0;
}
