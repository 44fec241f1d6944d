/* env [NAME=VALUE]... [COMMAND [ARG]...]: prints the environment, or runs
 * COMMAND (searched in PATH) with the assignments added to it. */
#include "toolbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int env_main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && strchr(argv[i], '='); i++)
        putenv(argv[i]);
    if (i == argc) {
        for (char **e = environ; *e; e++)
            puts(*e);
        return 0;
    }
    execvp(argv[i], argv + i);
    warn_errno("env", argv[i]);
    return 127;
}
