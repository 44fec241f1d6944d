/* toolbox: dispatches to the tool named by argv[0] (see toolbox.h). */
#include "toolbox.h"
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*main)(int, char **);
} tools[] = {
    {"cat", cat_main},   {"echo", echo_main}, {"env", env_main},   {"free", free_main},
    {"kill", kill_main}, {"ls", ls_main},     {"pmap", pmap_main}, {"ps", ps_main},
    {"vmstat", vmstat_main},
};

static const char *base(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int main(int argc, char **argv) {
    for (int shift = 0; shift < 2 && shift < argc; shift++) {
        const char *name = base(argv[shift]);
        for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
            if (strcmp(name, tools[i].name) == 0)
                return tools[i].main(argc - shift, argv + shift);
    }
    fprintf(stderr, "toolbox: usage: TOOL [ARG]... with TOOL one of:");
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        fprintf(stderr, " %s", tools[i].name);
    fprintf(stderr, "\n");
    return 127;
}
