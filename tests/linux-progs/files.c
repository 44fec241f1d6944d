/* files: a directory and files in /tmp, through the usual calls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW(expr) printf("%-40s = %ld%s%s\n", #expr, (long)(expr), errno ? ", " : "", errno ? strerror(errno) : ""), errno = 0

int main(void) {
    char buf[64];
    errno = 0;
    SHOW(mkdir("/tmp/d", 0755));
    SHOW(mkdir("/tmp/d", 0755));
    SHOW(chdir("/tmp/d"));
    printf("cwd %s\n", getcwd(buf, sizeof buf));
    int fd = open("f.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    printf("open f.txt: %s\n", fd >= 0 ? "ok" : strerror(errno));
    SHOW(write(fd, "hello, world\n", 13));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(lseek(fd, 7, SEEK_SET));
    memset(buf, 0, sizeof buf);
    SHOW(read(fd, buf, 5));
    printf("read back \"%s\"\n", buf);
    SHOW(pwrite(fd, "W", 1, 7));
    memset(buf, 0, sizeof buf);
    SHOW(pread(fd, buf, 13, 0));
    printf("pread \"%.12s\"\n", buf);
    SHOW(lseek(fd, 100000, SEEK_SET));
    SHOW(read(fd, buf, 10));
    SHOW(lseek(fd, -1, SEEK_SET));
    struct stat st;
    SHOW(fstat(fd, &st));
    printf("size %ld, regular %d, mode %o\n", (long)st.st_size, S_ISREG(st.st_mode), st.st_mode & 0777);
    SHOW(ftruncate(fd, 5));
    SHOW(fstat(fd, &st) == 0 ? st.st_size : -1);
    SHOW(close(fd));
    SHOW(close(fd));
    FILE *f = fopen("g.txt", "w");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    f = fopen("/tmp/d/g.txt", "r");
    int lines = 0;
    while (fgets(buf, sizeof buf, f))
        lines++;
    fclose(f);
    printf("g.txt has %d lines\n", lines);
    SHOW(rename("g.txt", "h.txt"));
    SHOW(access("g.txt", F_OK));
    SHOW(access("h.txt", R_OK));
    SHOW(stat("/tmp/d", &st) == 0 && S_ISDIR(st.st_mode));
    DIR *d = opendir(".");
    int n = 0;
    struct dirent *e;
    char names[256] = "";
    while ((e = readdir(d))) {
        n++;
        if (e->d_name[0] != '.') {
            strcat(names, " ");
            strcat(names, e->d_name);
        }
    }
    closedir(d);
    printf("entries %d:%s\n", n, names);
    SHOW(rmdir("/tmp/d"));
    SHOW(unlink("f.txt"));
    SHOW(unlink("h.txt"));
    SHOW(unlink("h.txt"));
    SHOW(chdir("/"));
    SHOW(rmdir("/tmp/d"));
    SHOW(open("/tmp", O_WRONLY));
    SHOW(open("/tmp/nope/x", O_CREAT | O_WRONLY, 0644));
    SHOW(open("/tmp/x", O_RDONLY | O_DIRECTORY));
    fd = open("/dev/null", O_WRONLY);
    SHOW(write(fd, buf, 10));
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    buf[0] = 1;
    SHOW(read(fd, buf, 10) + buf[0] + buf[9]);
    close(fd);
    int dup_fd = dup(1);
    SHOW(dup_fd > 2);
    SHOW(dup2(dup_fd, 20));
    SHOW(fcntl(20, F_GETFD));
    SHOW(fcntl(20, F_SETFD, FD_CLOEXEC));
    SHOW(fcntl(20, F_GETFD));
    SHOW(close(20));
    return 0;
}
