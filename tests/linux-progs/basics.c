/* basics: start-up (argv, envp, auxv), libc formatting and sorting,
 * non-local jumps, errno paths. Lines starting with '~' depend on
 * addresses or time and are not compared with Linux. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static jmp_buf env;
static void deep(int n) {
    if (n == 0)
        longjmp(env, 42);
    deep(n - 1);
}

int main(int argc, char **argv) {
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_PHENT %lu\n", getauxval(AT_PHENT));
    printf("AT_SECURE %lu, uid %d, euid %d\n", getauxval(AT_SECURE), (int)getuid(), (int)geteuid());
    printf("AT_CLKTCK %lu, sysconf %ld\n", getauxval(AT_CLKTCK), sysconf(_SC_CLK_TCK));
    unsigned char *r = (unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM %s\n", r ? "present" : "missing");
    printf("~AT_ENTRY %#lx AT_PHDR %#lx\n", getauxval(AT_ENTRY), getauxval(AT_PHDR));
    struct utsname u;
    uname(&u);
    printf("uname machine %s\n", u.machine);

    double v[] = {3.5, -1.25, 1e10, 0.1, 2.0 / 3.0, -0.0, 1e-300, 42};
    qsort(v, 8, sizeof v[0], cmp);
    for (int i = 0; i < 8; i++)
        printf("%g %.17g %e\n", v[i], v[i], v[i]);
    printf("sqrt(2) = %.15f, pi ~ %.10f, exp(1) = %.12f\n", sqrt(2.0), 4 * atan(1.0), exp(1.0));
    printf("strtod(\"6.02214076e23\") = %.9e\n", strtod("6.02214076e23", NULL));
    printf("%5d|%-5d|%05.1f|%x|%o|%s\n", 42, 42, 3.14159, 255, 8, "str");

    int r2 = setjmp(env);
    if (r2 == 0)
        deep(100);
    printf("longjmp returned %d\n", r2);

    long rv;
#define TRY(expr)                                                                     \
    do {                                                                              \
        errno = 0;                                                                    \
        rv = (long)(expr);                                                            \
        printf("%s = %ld, errno %d (%s)\n", #expr, rv, errno, strerror(errno));       \
    } while (0)
    char buf[8];
    TRY(open("/no/such/file", O_RDONLY));
    TRY(close(999));
    TRY(read(-1, buf, 8));
    void *volatile bad = (void *)8;
    TRY(write(1, bad, 8));
    TRY(chdir("/no"));
    TRY(lseek(1, 0, SEEK_CUR) < 0);
    char *big = malloc(64 << 20);
    printf("malloc(64 MiB) %s\n", big ? "ok" : "failed");
    free(big);
    return 7;
}
