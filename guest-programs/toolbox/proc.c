/* Readers of /proc files in Linux's formats (proc(5)). */
#include "toolbox.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *read_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            int e = errno;
            close(fd);
            free(buf);
            errno = e;
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    return buf;
}

unsigned long long field_value(const char *text, const char *key) {
    size_t k = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, k) == 0 && (line[k] == ':' || line[k] == ' '))
            return strtoull(line + k + 1, NULL, 10);
    }
    return 0;
}

int read_pid_stat(int pid, struct pid_stat *st) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    char *s = read_file(path);
    if (!s)
        return -1;
    /* comm may hold spaces and parentheses: it ends at the last ')'. */
    char *open = strchr(s, '('), *close = strrchr(s, ')');
    if (!open || !close || close < open) {
        free(s);
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->pid = atoi(s);
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof st->comm)
        n = sizeof st->comm - 1;
    memcpy(st->comm, open + 1, n);
    /* Fields 3.. after ") ": state ppid pgrp session tty_nr tpgid flags
     * minflt cminflt majflt cmajflt utime stime cutime cstime priority nice
     * num_threads itrealvalue starttime vsize rss. */
    char *f[24];
    int nf = 0;
    for (char *tok = strtok(close + 2, " \n"); tok && nf < 24; tok = strtok(NULL, " \n"))
        f[nf++] = tok;
    if (nf < 22) {
        free(s);
        return -1;
    }
    st->state = f[0][0];
    st->ppid = atoi(f[1]);
    st->minflt = strtoull(f[7], NULL, 10);
    st->majflt = strtoull(f[9], NULL, 10);
    st->vsize = strtoull(f[20], NULL, 10);
    st->rss = strtoll(f[21], NULL, 10);
    free(s);
    return 0;
}

static int cmp_int(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

int *list_pids(size_t *n) {
    DIR *d = opendir("/proc");
    size_t cap = 64;
    int *pids = malloc(cap * sizeof *pids);
    *n = 0;
    if (!d)
        return pids;
    for (struct dirent *e; (e = readdir(d));) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (*n == cap)
            pids = realloc(pids, (cap *= 2) * sizeof *pids);
        pids[(*n)++] = (int)pid;
    }
    closedir(d);
    qsort(pids, *n, sizeof *pids, cmp_int);
    return pids;
}

void warn_errno(const char *prog, const char *what) {
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
}
