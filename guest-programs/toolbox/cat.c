/* cat [FILE]...: copies each FILE (or standard input, also for "-") to
 * standard output. */
#include "toolbox.h"
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w <= 0)
                return -1;
            off += w;
        }
    return n < 0 ? -1 : 0;
}

int cat_main(int argc, char **argv) {
    if (argc < 2)
        return copy(0) ? 1 : 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY) : 0;
        if (fd < 0 || copy(fd)) {
            warn_errno("cat", argv[i]);
            status = 1;
        }
        if (fd > 0)
            close(fd);
    }
    return status;
}
