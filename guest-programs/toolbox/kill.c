/* kill [-SIGNAL | -s SIGNAL] PID... | kill -l: sends SIGNAL (a number or
 * a name such as TERM, INT, KILL; default TERM) to each PID (negative: a
 * process group). */
#include "toolbox.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *names[] = {NULL,   "HUP",  "INT",  "QUIT", "ILL",    "TRAP", "ABRT", "BUS",  "FPE",  "KILL", "USR1",
                              "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
                              "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",  "PWR",  "SYS"};
#define NSIG_NAMED ((int)(sizeof names / sizeof names[0]))

static int parse_signal(const char *s) {
    char *end;
    long n = strtol(s, &end, 10);
    if (!*end)
        return n >= 0 && n <= 64 ? (int)n : -1;
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    for (int i = 1; i < NSIG_NAMED; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    return -1;
}

int kill_main(int argc, char **argv) {
    int sig = SIGTERM, i = 1;
    if (i < argc && !strcmp(argv[i], "-l")) {
        for (int s = 1; s < NSIG_NAMED; s++)
            printf("%2d) SIG%s%c", s, names[s], s % 8 == 0 || s == NSIG_NAMED - 1 ? '\n' : '\t');
        return 0;
    }
    if (i < argc && !strcmp(argv[i], "-s") && i + 1 < argc) {
        sig = parse_signal(argv[i + 1]);
        i += 2;
    } else if (i < argc && argv[i][0] == '-' && argv[i][1] && (argv[i][1] < '0' || argv[i][1] > '9' || i + 1 < argc)) {
        sig = parse_signal(argv[i] + 1);
        i++;
    }
    if (sig < 0 || i == argc) {
        fprintf(stderr, "kill: usage: kill [-SIGNAL | -s SIGNAL] PID... | kill -l\n");
        return 2;
    }
    int status = 0;
    for (; i < argc; i++) {
        if (kill(atoi(argv[i]), sig) < 0) {
            warn_errno("kill", argv[i]);
            status = 1;
        }
    }
    return status;
}
