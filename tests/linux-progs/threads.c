/* threads: POSIX threads on several harts. Four workers fill and sum an
 * array in two phases separated by a barrier, add their sums under a mutex
 * and report through a condition variable; a mutex-protected counter and an
 * atomic one see every increment; futex timeouts, EAGAIN and EINTR; signals
 * to one thread (tgkill) and to the process (taken by the thread that does
 * not block it); and, each in a child process, pthread_exit of main while a
 * worker goes on, exit(3) from a thread, a NULL store in a thread while
 * others run, and execve from a process with threads, from main and from
 * another thread (which then takes over the pid). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define PART 50000
#define INCREMENTS 5000

static long data[WORKERS * PART];
static pthread_barrier_t barrier;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int done;
static long total;
static long locked_counter;
static atomic_long atomic_counter;
static atomic_int harts_seen[64];
static pid_t worker_tids[WORKERS];
static atomic_int arrived;

static long futex(atomic_int *word, int op, int val, const struct timespec *ts, unsigned bits) {
    return syscall(SYS_futex, word, op, val, ts, NULL, bits);
}

static void note_hart(void) {
    int cpu = sched_getcpu();
    if (cpu >= 0 && cpu < 64)
        atomic_store(&harts_seen[cpu], 1);
}

static void *worker(void *arg) {
    long id = (long)arg;
    worker_tids[id] = gettid();
    note_hart();
    /* Spin (no system call but sched_getcpu) until all workers have started:
     * on one hart this takes time slices, on several the workers run at once. */
    atomic_fetch_add(&arrived, 1);
    for (unsigned n = 1; atomic_load(&arrived) < WORKERS; n++)
        if (n % 4096 == 0)
            note_hart();
    note_hart();
    /* Phase 1: fill my part. */
    for (long i = 0; i < PART; i++)
        data[id * PART + i] = id * PART + i;
    pthread_barrier_wait(&barrier);
    note_hart();
    /* Phase 2: sum my neighbour's part (written by another thread). */
    long next = (id + 1) % WORKERS, sum = 0;
    for (long i = 0; i < PART; i++)
        sum += data[next * PART + i];
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&lock);
        locked_counter++;
        pthread_mutex_unlock(&lock);
        atomic_fetch_add(&atomic_counter, 1);
    }
    note_hart();
    pthread_mutex_lock(&lock);
    total += sum;
    done++;
    pthread_cond_signal(&done_cv);
    pthread_mutex_unlock(&lock);
    return (void *)(sum % 1000);
}

static void parallel_sum(void) {
    pthread_t t[WORKERS];
    pthread_barrier_init(&barrier, NULL, WORKERS);
    for (long i = 0; i < WORKERS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            printf("pthread_create failed\n");
    pthread_mutex_lock(&lock);
    while (done < WORKERS)
        pthread_cond_wait(&done_cv, &lock);
    pthread_mutex_unlock(&lock);
    long rets = 0;
    for (int i = 0; i < WORKERS; i++) {
        void *r;
        pthread_join(t[i], &r);
        rets += (long)r;
    }
    long n = (long)WORKERS * PART;
    printf("sum of 0..%ld by %d threads: %ld (expected %ld)\n", n - 1, WORKERS, total, n * (n - 1) / 2);
    printf("joined return values: %ld\n", rets);
    printf("mutex counter %ld, atomic counter %ld (expected %d)\n", locked_counter, atomic_load(&atomic_counter),
           WORKERS * INCREMENTS);
    int distinct_tids = 1;
    for (int i = 0; i < WORKERS; i++)
        for (int j = 0; j < i; j++)
            if (worker_tids[i] == worker_tids[j] || worker_tids[i] == getpid())
                distinct_tids = 0;
    printf("each thread has its own tid, none the pid: %s\n", distinct_tids ? "yes" : "no");
    int harts = 0;
    for (int i = 0; i < 64; i++)
        harts += atomic_load(&harts_seen[i]);
    printf("~threads ran on %d harts\n", harts);
    pthread_barrier_destroy(&barrier);
}

/* Futex results: a value that differs, timeouts, and a wait interrupted by a signal. */
static atomic_int word;
static atomic_int waiting;
static volatile sig_atomic_t usr1_tid;
static void on_usr1(int sig) {
    (void)sig;
    usr1_tid = gettid();
}

static void *futex_waiter(void *arg) {
    (void)arg;
    struct timespec ts = {5, 0};
    atomic_store(&waiting, gettid());
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, 0);
    return (void *)(r == -1 ? (long)errno : 0L);
}

static void futexes(void) {
    struct timespec rel = {0, 20 * 1000 * 1000};
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 1, &rel, 0);
    printf("FUTEX_WAIT on a word that differs: %ld %s\n", r, strerror(errno));
    r = futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, 0);
    printf("FUTEX_WAIT with a 20 ms timeout: %ld %s\n", r, strerror(errno));
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, FUTEX_BITSET_MATCH_ANY);
    printf("FUTEX_WAIT_BITSET with an absolute deadline: %ld %s\n", r, strerror(errno));
    r = futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
    printf("FUTEX_WAKE with no waiter: %ld\n", r);

    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 10 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    int e = pthread_cond_timedwait(&c, &m, &abs);
    pthread_mutex_unlock(&m);
    printf("pthread_cond_timedwait: %s\n", strerror(e));

    /* A waiter interrupted by a signal sent to it alone (no SA_RESTART). */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t t;
    pthread_create(&t, NULL, futex_waiter, NULL);
    while (atomic_load(&waiting) == 0)
        sched_yield();
    struct timespec settle = {0, 50 * 1000 * 1000};
    nanosleep(&settle, NULL);
    pthread_kill(t, SIGUSR1);
    void *res;
    pthread_join(t, &res);
    printf("futex wait interrupted by pthread_kill: %s\n", strerror((int)(long)res));
    printf("the handler ran in the signalled thread: %s\n", usr1_tid == atomic_load(&waiting) ? "yes" : "no");
}

/* A signal sent to the process goes to a thread that does not block it.
 * qemu-riscv64 leaves it pending on main (its host threads all take host
 * signals), so the line is `~` and only svos's answer is checked. */
static volatile sig_atomic_t usr2_tid;
static atomic_int usr2_ready;
static void on_usr2(int sig) {
    (void)sig;
    usr2_tid = gettid();
}
static void *usr2_thread(void *arg) {
    (void)arg;
    atomic_store(&usr2_ready, gettid());
    struct timespec ts = {0, 1000 * 1000};
    for (int i = 0; i < 500 && usr2_tid == 0; i++)
        nanosleep(&ts, NULL);
    return NULL;
}

static void process_signal(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    /* Blocked in main only, after the thread (which inherits the mask) started. */
    pthread_t t;
    pthread_create(&t, NULL, usr2_thread, NULL);
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, &old);
    while (atomic_load(&usr2_ready) == 0)
        sched_yield();
    kill(getpid(), SIGUSR2);
    pthread_join(t, NULL);
    int by_thread = usr2_tid == atomic_load(&usr2_ready);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("~kill(getpid(), SIGUSR2) with main blocking it: handled by the other thread: %s\n",
           by_thread ? "yes" : "no");
}

/* /proc/self/status and /proc/self/task while three threads live (`~`:
 * qemu-riscv64 shows the host's threads, its own among them). */
static pthread_barrier_t hold;
static void *held(void *arg) {
    (void)arg;
    pthread_barrier_wait(&hold);
    pthread_barrier_wait(&hold);
    return NULL;
}

static void proc_threads(void) {
    pthread_t t[2];
    pthread_barrier_init(&hold, NULL, 3);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, held, NULL);
    pthread_barrier_wait(&hold);
    int threads = -1, tasks = 0;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0)
            threads = atoi(line + 8);
    if (f)
        fclose(f);
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            tasks++;
    if (d)
        closedir(d);
    pthread_barrier_wait(&hold);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&hold);
    printf("~/proc/self/status Threads: %d, /proc/self/task: %d entries\n", threads, tasks);
}

/* Child scenarios, each reported by its wait status. */
static void *outlive_main(void *arg) {
    (void)arg;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    printf("worker: still running after main's pthread_exit, pid unchanged: %s\n",
           getpid() == (pid_t)(long)arg ? "yes" : "no");
    return NULL;
}
static void *spin(void *arg) {
    volatile long *x = arg;
    for (;;)
        (*x)++;
    return NULL;
}
static void *exit_three(void *arg) {
    (void)arg;
    exit(3);
}
static void *store_null(void *arg) {
    (void)arg;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    *(volatile int *)0 = 1;
    return NULL;
}

static void *exec_from_thread(void *self) {
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    execl((const char *)self, (const char *)self, "exec'd-from-thread", pid, (char *)NULL);
    printf("~execl from a thread failed: %s\n", strerror(errno));
    _exit(1);
}

static void report(const char *what, pid_t pid) {
    int st;
    if (waitpid(pid, &st, 0) != pid)
        printf("%s: waitpid failed\n", what);
    else if (WIFEXITED(st))
        printf("%s: exited with %d\n", what, WEXITSTATUS(st));
    else
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
}

static void children(const char *self) {
    static volatile long counters[4];
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, outlive_main, (void *)(long)getpid());
        pthread_exit(NULL);
    }
    report("main called pthread_exit, the worker returned", pid);

    pid = fork();
    if (pid == 0) {
        pthread_t t[3];
        pthread_create(&t[0], NULL, spin, (void *)&counters[0]);
        pthread_create(&t[1], NULL, spin, (void *)&counters[1]);
        pthread_create(&t[2], NULL, exit_three, NULL);
        pthread_join(t[0], NULL);
        printf("not reached\n");
        _exit(1);
    }
    report("a thread called exit(3) while others spin", pid);

    pid = fork();
    if (pid == 0) {
        pthread_t t[3];
        pthread_create(&t[0], NULL, spin, (void *)&counters[2]);
        pthread_create(&t[1], NULL, spin, (void *)&counters[3]);
        pthread_create(&t[2], NULL, store_null, NULL);
        pthread_join(t[0], NULL);
        printf("not reached\n");
        _exit(1);
    }
    report("a thread stored to NULL while others spin", pid);

    pid = fork();
    if (pid == 0) {
        pthread_t t[2];
        pthread_create(&t[0], NULL, spin, (void *)&counters[0]);
        pthread_create(&t[1], NULL, spin, (void *)&counters[1]);
        execl(self, self, "exec'd", (char *)NULL);
        printf("~execl failed: %s\n", strerror(errno));
        _exit(1);
    }
    /* `~`: qemu-riscv64 cannot execve a RISC-V program (no binfmt_misc). */
    report("~execve with two spinning threads", pid);

    /* execve from a thread that is not main: the new image keeps the pid
     * (the thread takes over main's id, as Linux's de_thread does). */
    pid = fork();
    if (pid == 0) {
        pthread_t t[2];
        pthread_create(&t[0], NULL, spin, (void *)&counters[2]);
        pthread_create(&t[1], NULL, exec_from_thread, (void *)self);
        pthread_join(t[0], NULL);
        printf("not reached\n");
        _exit(1);
    }
    report("~execve from a thread other than main", pid);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 2) {
        printf("~new image after execve from a thread: pid kept: %s, gettid() == getpid(): %s\n",
               atoi(argv[2]) == getpid() ? "yes" : "no", gettid() == getpid() ? "yes" : "no");
        return 8;
    }
    if (argc > 1) {
        printf("~new image after execve from a process with threads: %s\n", argv[1]);
        return 7;
    }
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    printf("~sched_getaffinity: %d harts\n", CPU_COUNT(&set));
    printf("gettid() == getpid() in main: %s\n", gettid() == getpid() ? "yes" : "no");
    parallel_sum();
    futexes();
    process_signal();
    proc_threads();
    fflush(stdout);
    children(argv[0]);
    return 0;
}
