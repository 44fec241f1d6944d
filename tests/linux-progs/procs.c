/* procs: fork and copy-on-write, wait statuses, pipes, exec, signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static long minflt(void) {
    FILE *f = fopen("/proc/self/stat", "r");
    char line[1024];
    long v = -1;
    if (f && fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ')') + 2;
        int field = 3;
        for (char *t = strtok(p, " "); t; t = strtok(NULL, " "), field++)
            if (field == 10) {
                v = atol(t);
                break;
            }
    }
    if (f)
        fclose(f);
    return v;
}

static volatile sig_atomic_t got;
static void *fault_addr;
static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got = sig;
    fault_addr = si->si_addr;
    /* Skip the faulting store: return into the handler's caller by exiting the child. */
    printf("SIGSEGV handler: signal %d, si_addr %p, si_code %d\n", sig, si->si_addr, si->si_code);
    fflush(stdout);
    _exit(3);
}
static void on_usr1(int sig) { got = sig; }
static int chld;
static void on_chld(int sig) { chld = sig; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    /* fork: the child sees the parent's memory, copies pages it writes. */
    const int pages = 64;
    char *m = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < pages; i++)
        m[i * 4096] = 'p';
    pid_t pid = fork();
    if (pid == 0) {
        long before = minflt();
        for (int i = 0; i < pages; i++)
            m[i * 4096] = 'c';
        long cow = minflt() - before;
        printf("~child: wrote %d shared pages: %s copy-on-write faults\n", pages, cow >= pages ? "at least that many" : "too few");
        printf("~child cow faults %ld\n", cow);
        exit(5);
    }
    int st;
    printf("waitpid = child: %d\n", waitpid(pid, &st, 0) == pid);
    printf("child exited %d with %d; parent still sees '%c'\n", WIFEXITED(st), WEXITSTATUS(st), m[0]);

    /* A pipe between two processes. */
    int fds[2];
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < 1000; i++)
            dprintf(fds[1], "%d\n", i);
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    long sum = 0, n = 0;
    FILE *in = fdopen(fds[0], "r");
    char line[32];
    while (fgets(line, sizeof line, in)) {
        sum += atol(line);
        n++;
    }
    fclose(in);
    waitpid(pid, &st, 0);
    printf("pipe: %ld lines, sum %ld\n", n, sum);

    /* SIGPIPE: write to a pipe with no reader. */
    pipe(fds);
    close(fds[0]); /* before the fork: no reader anywhere */
    pid = fork();
    if (pid == 0) {
        write(fds[1], "x", 1);
        _exit(0);
    }
    close(fds[1]);
    waitpid(pid, &st, 0);
    printf("writer to a closed pipe: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* NULL store without a handler: killed by SIGSEGV. */
    pid = fork();
    if (pid == 0) {
        volatile int *volatile zp = 0;
        *zp = 1;
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("NULL store, no handler: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* NULL store with an SA_SIGINFO handler. */
    pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
        volatile int *volatile np = (int *)16;
        *np = 1;
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("NULL store, handler: exited %d with %d\n", WIFEXITED(st), WEXITSTATUS(st));

    /* A handler that returns: kill(self, SIGUSR1), and SIGCHLD. */
    signal(SIGUSR1, on_usr1);
    signal(SIGCHLD, on_chld);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 handled: %d\n", got == SIGUSR1);
    pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, &st, 0);
    printf("SIGCHLD handled: %d\n", chld == SIGCHLD);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    got = 0;
    raise(SIGUSR1);
    printf("blocked SIGUSR1 not delivered: %d\n", got == 0);
    sigpending(&set);
    printf("pending: %d\n", sigismember(&set, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("delivered on unblock: %d\n", got == SIGUSR1);

    /* SIGTERM with the default action. */
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    printf("SIGTERM: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* execve of a missing program, then of /bin/sh-less nothing: errno paths. */
    char *argv[] = {"nope", NULL};
    execve("/no/such/program", argv, NULL);
    printf("execve(missing) errno %d (%s)\n", errno, strerror(errno));
    printf("abort() in a child: ");
    pid = fork();
    if (pid == 0)
        abort();
    waitpid(pid, &st, 0);
    printf("signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}
