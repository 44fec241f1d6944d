/* toolbox: svos's userland tools as one static Linux program (as BusyBox
 * is): each tool is a function NAME_main; the program runs the one named by
 * the basename of argv[0] (the initrd holds one hard link per tool name),
 * or by argv[1] when called as "toolbox". Every tool reads only /proc and
 * ordinary system calls; nothing is svos-specific. */
#ifndef TOOLBOX_H
#define TOOLBOX_H

#include <stddef.h>

int cat_main(int argc, char **argv);
int echo_main(int argc, char **argv);
int env_main(int argc, char **argv);
int free_main(int argc, char **argv);
int kill_main(int argc, char **argv);
int ls_main(int argc, char **argv);
int pmap_main(int argc, char **argv);
int ps_main(int argc, char **argv);
int vmstat_main(int argc, char **argv);

/* /proc readers (proc.c). */

/* Reads the whole file PATH into a malloc'd NUL-terminated buffer; NULL
 * (errno set) if it cannot be read. */
char *read_file(const char *path);

/* The value of "KEY:" (or "KEY " for /proc/vmstat) in TEXT, a file of
 * "name value" lines; 0 if absent (Linux leaves out a field whose feature
 * is not built, and procps reads it as 0). */
unsigned long long field_value(const char *text, const char *key);

/* The fields of /proc/PID/stat that the tools show (proc(5)). */
struct pid_stat {
    int pid;
    char comm[64];
    char state;
    int ppid;
    unsigned long long minflt, majflt;
    unsigned long long vsize;  /* bytes */
    long long rss;             /* pages */
};

/* Parses /proc/PID/stat; 0 on success, -1 if the process is gone. */
int read_pid_stat(int pid, struct pid_stat *st);

/* Pids of /proc in ascending order (malloc'd, count in *n). */
int *list_pids(size_t *n);

/* Prints "PROG: WHAT: strerror(errno)" on stderr. */
void warn_errno(const char *prog, const char *what);

#endif
