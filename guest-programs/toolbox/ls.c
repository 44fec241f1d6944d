/* ls [-l] [-a] [PATH]...: the entries of each directory (or the file
 * itself) in name order, one a line; -l adds type and permissions, link
 * count, size and, for links, the target; -a shows names starting with ".". */
#include "toolbox.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int longfmt, all;

static void entry(const char *dir, const char *name) {
    if (!longfmt) {
        puts(name);
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", name);
    struct stat st;
    if (lstat(dir ? path : name, &st) < 0) {
        warn_errno("ls", name);
        return;
    }
    char mode[11] = "----------";
    mode[0] = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISCHR(st.st_mode) ? 'c' : S_ISFIFO(st.st_mode) ? 'p' : '-';
    for (int i = 0; i < 9; i++)
        if (st.st_mode & (0400 >> i))
            mode[1 + i] = "rwxrwxrwx"[i];
    printf("%s %2lu %8lld %s", mode, (unsigned long)st.st_nlink, (long long)st.st_size, name);
    if (S_ISLNK(st.st_mode)) {
        char t[4096];
        ssize_t n = readlink(dir ? path : name, t, sizeof t - 1);
        if (n >= 0) {
            t[n] = 0;
            printf(" -> %s", t);
        }
    }
    putchar('\n');
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *path, int title) {
    struct stat st;
    if (stat(path, &st) < 0) {
        warn_errno("ls", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        entry(NULL, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        warn_errno("ls", path);
        return 1;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' && !all)
            continue;
        if (n == cap)
            names = realloc(names, (cap *= 2) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    if (title)
        printf("%s:\n", path);
    for (size_t i = 0; i < n; i++) {
        entry(path, names[i]);
        free(names[i]);
    }
    free(names);
    return 0;
}

int ls_main(int argc, char **argv) {
    int i = 1, status = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *f = argv[i] + 1; *f; f++) {
            if (*f == 'l')
                longfmt = 1;
            else if (*f == 'a')
                all = 1;
            else {
                fprintf(stderr, "ls: unknown option -%c\nusage: ls [-l] [-a] [PATH]...\n", *f);
                return 2;
            }
        }
    if (i == argc)
        return list(".", 0);
    for (int first = i; i < argc; i++)
        status |= list(argv[i], argc - first > 1);
    return status;
}
