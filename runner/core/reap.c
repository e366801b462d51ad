/* reap: kill and reap what a process started (see reap.h). */
#include "core/reap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 1000   /* a fork bomb is killed faster than it grows */

int reap_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static int kept(pid_t pid, const pid_t *keep, size_t nkeep)
{
    for (size_t i = 0; i < nkeep; i++) {
        if (keep[i] == pid) {
            return 1;
        }
    }
    return 0;
}

/* The fields of /proc/PID/stat after "pid (comm)" (state first) in
 * buf, or NULL when the process is gone. comm may hold anything, even
 * ')': the last one ends it. */
static const char *stat_fields(const char *pid, char *buf, size_t cap)
{
    char path[64];
    ssize_t r;
    int fd;

    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    r = read(fd, buf, cap - 1);
    close(fd);
    if (r <= 0) {
        return NULL;
    }
    buf[r] = '\0';
    buf = strrchr(buf, ')');
    return buf != NULL ? buf + 1 : NULL;
}

/* The start time of process pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when it cannot be read (it ended). */
static unsigned long long start_tick(pid_t pid)
{
    char name[24], stat[1024];
    const char *f;
    unsigned long long tick = 0;

    snprintf(name, sizeof name, "%d", (int)pid);
    f = stat_fields(name, stat, sizeof stat);
    /* fields 3..21 before starttime */
    if (f == NULL ||
        sscanf(f, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
               "%*u %*d %*d %*d %*d %*d %*d %llu", &tick) != 1) {
        return 0;
    }
    return tick;
}

unsigned long long reap_tick_now(void)
{
    struct timespec ts;
    long hz = sysconf(_SC_CLK_TCK);

    if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &ts) != 0) {
        return 0;
    }
    /* The kernel's own rounding of a start time: down, in whole ticks. */
    return (unsigned long long)ts.tv_sec * (unsigned long long)hz +
           (unsigned long long)ts.tv_nsec / (1000000000ULL / (unsigned long long)hz);
}

/* Kill and reap the pids listed in the text of fd (a children file) that
 * are not kept and started at tick `since` or later (0: any). Returns
 * how many, or -1 (read failed). Async-signal-safe when since is 0. */
static int kill_listed(int fd, const pid_t *keep, size_t nkeep,
                       unsigned long long since)
{
    char text[4096];
    ssize_t n;
    int killed = 0;
    long v = 0;

    do {
        n = read(fd, text, sizeof text);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -1;
    }
    /* A list longer than the buffer: its cut last pid is left for the
     * next round (the caller repeats until nothing is found). */
    if ((size_t)n == sizeof text) {
        while (n > 0 && text[n - 1] != ' ') {
            n--;
        }
    }
    for (ssize_t i = 0; i <= n; i++) {
        char c = i < n ? text[i] : ' ';

        if (c >= '0' && c <= '9') {
            v = v * 10 + (c - '0');
            continue;
        }
        if (v > 0 && !kept((pid_t)v, keep, nkeep) &&
            (since == 0 || start_tick((pid_t)v) >= since)) {
            (void)kill((pid_t)v, SIGKILL);
            while (waitpid((pid_t)v, NULL, 0) < 0 && errno == EINTR) {
            }
            killed++;
        }
        v = 0;
    }
    return killed;
}

/* A directory entry as getdents64 gives it (glibc declares none). */
struct dent64 {
    unsigned long long ino;
    long long off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* Open /proc/self/task/TID/children (tid a thread's directory name), or
 * -1. Async-signal-safe: no snprintf. */
static int open_children(const char *tid)
{
    static const char head[] = "/proc/self/task/", tail[] = "/children";
    char path[sizeof head + 32 + sizeof tail];
    size_t k = sizeof head - 1;

    memcpy(path, head, k);
    for (size_t t = 0; tid[t] != '\0' && t < 32; t++) {
        path[k++] = tid[t];
    }
    memcpy(path + k, tail, sizeof tail);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* One pass over the children files of every thread of this process (raw
 * getdents64: async-signal-safe when since is 0). */
static int kill_children_once(const pid_t *keep, size_t nkeep,
                              unsigned long long since)
{
    _Alignas(8) char dents[4096];
    int killed = 0, dfd;
    long n;

    dfd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return -1;
    }
    while ((n = syscall(SYS_getdents64, dfd, dents, sizeof dents)) > 0) {
        for (long off = 0; off < n;) {
            const struct dent64 *d = (const void *)(dents + off);
            int fd, k;

            off += d->reclen;
            if (d->name[0] < '0' || d->name[0] > '9') {
                continue;
            }
            fd = open_children(d->name);
            if (fd < 0) {
                continue;   /* the thread ended meanwhile */
            }
            k = kill_listed(fd, keep, nkeep, since);
            close(fd);
            if (k < 0) {
                killed = killed > 0 ? killed : -1;
            } else {
                killed = (killed < 0 ? 0 : killed) + k;
            }
        }
    }
    close(dfd);
    return killed;
}

/* Rounds of kill_children_once until one finds nothing. */
static int kill_children(const pid_t *keep, size_t nkeep,
                         unsigned long long since)
{
    int total = 0;

    for (int round = 0; round < MAX_ROUNDS; round++) {
        int k = kill_children_once(keep, nkeep, since);

        if (k < 0) {
            return total > 0 ? total : -1;
        }
        if (k == 0) {
            break;
        }
        total += k;
    }
    return total;
}

/* Has this process any child? (Most tests start none: one syscall
 * instead of a walk of /proc; WNOWAIT leaves any child's status for its
 * owner.) */
static int has_children(void)
{
    siginfo_t info;

    return !(waitid(P_ALL, 0, &info,
                    WEXITED | WSTOPPED | WNOHANG | WNOWAIT) < 0 &&
             errno == ECHILD);
}

int reap_children(const pid_t *keep, size_t nkeep)
{
    return has_children() ? kill_children(keep, nkeep, 0) : 0;
}

int reap_adopted(unsigned long long since)
{
    return since != 0 && has_children() ? kill_children(NULL, 0, since) : 0;
}

void reap_children_from_handler(void)
{
    (void)kill_children(NULL, 0, 0);
}

/* A process of the scan: its pid and parent. */
struct proc {
    pid_t pid, ppid;
};

/* Every process of /proc with its parent, in a malloc'd array (*n of
 * them), or NULL. */
static struct proc *scan(size_t *n)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    struct proc *all = NULL;
    size_t cap = 0;

    *n = 0;
    if (d == NULL) {
        return NULL;
    }
    while ((e = readdir(d)) != NULL) {
        char stat[512];
        const char *f;
        long ppid;

        if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
            strlen(e->d_name) > 20) {
            continue;
        }
        /* "state ppid ..." */
        f = stat_fields(e->d_name, stat, sizeof stat);
        if (f == NULL || sscanf(f, " %*c %ld", &ppid) != 1) {
            continue;
        }
        if (*n == cap) {
            struct proc *p = realloc(all, (cap ? 2 * cap : 256) * sizeof *p);

            if (p == NULL) {
                break;
            }
            all = p;
            cap = cap ? 2 * cap : 256;
        }
        all[*n].pid = (pid_t)atol(e->d_name);
        all[(*n)++].ppid = (pid_t)ppid;
    }
    closedir(d);
    return all;
}

/* Mark in `in` (n flags) the descendants of self in all, not entering
 * kept processes. Returns how many. */
static size_t mark_descendants(const struct proc *all, size_t n, char *in,
                               pid_t self, const pid_t *keep, size_t nkeep)
{
    size_t count = 0;
    int grew = 1;

    memset(in, 0, n);
    while (grew) {
        grew = 0;
        for (size_t i = 0; i < n; i++) {
            int parent_in = all[i].ppid == self;

            for (size_t j = 0; !parent_in && j < n; j++) {
                parent_in = in[j] && all[j].pid == all[i].ppid;
            }
            if (!in[i] && parent_in && all[i].pid != self &&
                !kept(all[i].pid, keep, nkeep)) {
                in[i] = 1;
                count++;
                grew = 1;
            }
        }
    }
    return count;
}

int reap_kill_tree(pid_t root)
{
    size_t n, found = 0;
    struct proc *all = scan(&n);
    char *in = all != NULL ? malloc(n) : NULL;

    if (in != NULL) {
        found = mark_descendants(all, n, in, root, NULL, 0);
        for (size_t i = 0; i < n; i++) {
            if (in[i]) {
                (void)kill(all[i].pid, SIGKILL);
            }
        }
    }
    free(in);
    free(all);
    return (int)found;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int reap_descendants(const pid_t *keep, size_t nkeep, double wait)
{
    pid_t self = getpid();
    double until = now() + wait;
    int total = 0;

    for (;;) {
        size_t n, found;
        struct proc *all = scan(&n);
        char *in = all != NULL ? malloc(n) : NULL;
        struct timespec pause = {0, 10 * 1000 * 1000};

        if (in == NULL) {
            free(all);
            break;
        }
        found = mark_descendants(all, n, in, self, keep, nkeep);
        for (size_t i = 0; i < n; i++) {
            if (in[i]) {
                (void)kill(all[i].pid, SIGKILL);
                total++;
            }
        }
        for (size_t i = 0; i < n; i++) {
            int st;

            if (in[i] && all[i].ppid == self) {
                while (waitpid(all[i].pid, &st, 0) < 0 && errno == EINTR) {
                }
            }
        }
        free(in);
        free(all);
        if (found == 0 || now() >= until) {
            break;
        }
        /* Orphans of what was killed come to us once their parents die:
         * look again shortly. */
        nanosleep(&pause, NULL);
    }
    return total;
}
