/* echo [-n] [ARG]...: the arguments separated by spaces, then a newline
 * (none with -n). */
#include "toolbox.h"
#include <stdio.h>
#include <string.h>

int echo_main(int argc, char **argv) {
    int i = 1, newline = 1;
    if (i < argc && !strcmp(argv[i], "-n")) {
        newline = 0;
        i++;
    }
    for (int first = i; i < argc; i++)
        printf(i > first ? " %s" : "%s", argv[i]);
    if (newline)
        putchar('\n');
    return fflush(stdout) ? 1 : 0;
}
