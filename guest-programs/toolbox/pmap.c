/* pmap PID...: the areas of a process from /proc/PID/smaps, in the layout
 * of procps's `pmap -x` with a Swap column:
 * PID:   CMDLINE
 * Address           Kbytes     RSS   Dirty    Swap Mode  Mapping
 * 0000000000010000       8       8       0       0 r-x-- prog
 * ---------------- ------- ------- ------- -------
 * total kB             ...
 * Dirty = Shared_Dirty + Private_Dirty. */
#include "toolbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cmdline(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    FILE *f = fopen(path, "r");
    int c, sep = 0;
    while (f && (c = fgetc(f)) != EOF) {
        if (c == 0)
            sep = 1;
        else {
            if (sep)
                putchar(' ');
            sep = 0;
            putchar(c);
        }
    }
    if (f)
        fclose(f);
    putchar('\n');
}

static void show(unsigned long long start, const char *perms, const char *name, const unsigned long long v[4]) {
    char mode[6] = "-----";
    for (int i = 0; i < 3; i++)
        if (perms[i] != '-')
            mode[i] = perms[i];
    if (perms[3] == 's')
        mode[3] = 's';
    const char *base = strrchr(name, '/');
    char shown[128];
    if (!*name)
        snprintf(shown, sizeof shown, "  [ anon ]");
    else if (!strcmp(name, "[stack]"))
        snprintf(shown, sizeof shown, "  [ stack ]");
    else if (!strcmp(name, "[heap]"))
        snprintf(shown, sizeof shown, "  [ anon ]");
    else if (name[0] == '[')
        snprintf(shown, sizeof shown, "  [ %.*s ]", (int)strlen(name) - 2, name + 1);
    else
        snprintf(shown, sizeof shown, "%s", base ? base + 1 : name);
    printf("%016llx %7llu %7llu %7llu %7llu %s %s\n", start, v[0], v[1], v[2], v[3], mode, shown);
}

static int pmap(int pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps", pid);
    char *text = read_file(path);
    if (!text) {
        warn_errno("pmap", path);
        return 1;
    }
    printf("%d:   ", pid);
    cmdline(pid);
    printf("Address           Kbytes     RSS   Dirty    Swap Mode  Mapping\n");
    unsigned long long total[4] = {0}, v[4] = {0}, start = 0;
    char perms[8] = "", name[256] = "";
    int have = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long long s, e, kb;
        char p[8];
        int off = 0;
        if (sscanf(line, "%llx-%llx %7s %*x %*s %*u %n", &s, &e, p, &off) == 3 && off > 0) {
            if (have)
                show(start, perms, name, v);
            have = 1;
            start = s;
            strcpy(perms, p);
            snprintf(name, sizeof name, "%s", line + off);
            memset(v, 0, sizeof v);
        } else if (sscanf(line, "Size: %llu", &kb) == 1) {
            v[0] = kb;
        } else if (sscanf(line, "Rss: %llu", &kb) == 1) {
            v[1] = kb;
        } else if (sscanf(line, "Shared_Dirty: %llu", &kb) == 1 || sscanf(line, "Private_Dirty: %llu", &kb) == 1) {
            v[2] += kb;
        } else if (sscanf(line, "Swap: %llu", &kb) == 1) {
            v[3] = kb;
        } else if (!strncmp(line, "VmFlags:", 8)) {
            for (int i = 0; i < 4; i++)
                total[i] += v[i];
        }
    }
    if (have)
        show(start, perms, name, v);
    free(text);
    printf("---------------- ------- ------- ------- -------\n");
    printf("total kB         %7llu %7llu %7llu %7llu\n", total[0], total[1], total[2], total[3]);
    return 0;
}

int pmap_main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "pmap: usage: pmap PID...\n");
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++)
        status |= pmap(atoi(argv[i]));
    return status;
}
