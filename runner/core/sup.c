/* sup: the supervisor of one forked child (see sup.h for how it works). */
#include "core/sup.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/gcovflush.h"
#include "core/reap.h"

#define CRASH_CAP (1u << 20)
#define REPORT_CAP (256u << 20)

enum { P_OUT, P_ERR, P_REPORT, P_CRASH, NPIPES };

/* Written by the child after its function returned and stdio was flushed:
 * the report is complete. */
static const char DONE_MARK[] = "\n\x01" "crossrun-child-done" "\x01";

/* Children that finished (they wrote DONE_MARK) or were discarded but are
 * not reaped yet: their teardown overlaps the next test. */
#define MAX_PENDING 64
static pid_t pending[MAX_PENDING];
static int npending;

double sup_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sup_result_free(struct sup_result *r)
{
    buf_free(&r->out);
    buf_free(&r->err);
    buf_free(&r->report);
    buf_free(&r->crash);
}

/* ---- stopping while a child runs ----------------------------------- */

/* SIGTERM and SIGHUP, while they have their default action, would end
 * this process at once and leave what a running test started behind:
 * while a child runs they are caught instead, the child and what it
 * started are ended, and then the signal ends this process as it would
 * have (sup_end_leftovers). Outside that time the handler gives the
 * signal its default action again and raises it. */
static const int stop_signals[] = {SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])
static int stop_installed[NSTOP];
static volatile sig_atomic_t stop_window;  /* a child runs */
static volatile sig_atomic_t stop_caught;  /* the signal, or 0 */
#define STOP_LOOK_MS 250

static void on_stop(int sig)
{
    if (!stop_window) {
        signal(sig, SIG_DFL);
        raise(sig);     /* delivered when this handler returns */
        return;
    }
    stop_caught = sig;
}

/* In a process forked by other code while a child ran (another thread):
 * it supervises nothing, so its stopping signals act at once. */
static void forget_window(void)
{
    stop_window = 0;
    stop_caught = 0;
}

static void install_stop_handlers(void)
{
    static int done;
    struct sigaction sa, cur;

    if (done) {
        return;
    }
    done = 1;
    if (pthread_atfork(NULL, NULL, forget_window) != 0) {
        return;     /* no handlers then: the signals act as before */
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++) {
        if (sigaction(stop_signals[i], NULL, &cur) == 0 &&
            !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL &&
            sigaction(stop_signals[i], &sa, NULL) == 0) {
            stop_installed[i] = 1;
        }
    }
}

/* In a child: its signals as they were before this module's handlers
 * (unless something else has been put in their place since). */
static void reset_stop_handlers(void)
{
    struct sigaction cur;

    for (size_t i = 0; i < NSTOP; i++) {
        if (stop_installed[i] &&
            sigaction(stop_signals[i], NULL, &cur) == 0 &&
            !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == on_stop) {
            signal(stop_signals[i], SIG_DFL);
        }
    }
}

/* Must the supervisor stop the child now? A stopping signal was caught,
 * or the caller's own check says so. */
static int must_stop(const struct sup_opts *o)
{
    return stop_caught != 0 || (o->interrupted != NULL && o->interrupted());
}

/* ---- the child's side ---------------------------------------------- */

/* The supervisor died (it was killed, or exited without ending this
 * child): what the test started goes too, even what left its group
 * (this child is their subreaper), then the child's group with it. */
static void on_parent_death(int sig)
{
    (void)sig;
    reap_children_from_handler();
    (void)kill(0, SIGKILL);
    _exit(137);
}

/* Die with the supervisor (see on_parent_death). 0 or -1. */
static int die_with_parent(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_parent_death;
    sigfillset(&sa.sa_mask);
    if (sigaction(SUP_PARENT_DEATH_SIGNAL, &sa, NULL) != 0) {
        return -1;
    }
    return prctl(PR_SET_PDEATHSIG, SUP_PARENT_DEATH_SIGNAL);
}

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                                    SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction crash_prev[NCRASH];
static int crash_fd = -1;

/* The index of the frame where the signal struck: the one at the
 * interrupted instruction (so the backtrace starts there however many
 * frames lie above it: this handler, a sanitizer's wrapper, the kernel's
 * signal return), else 2 (this handler and the signal return). */
static int first_frame(void *const *frames, int n, const void *uctx)
{
#ifdef REG_RIP
    const ucontext_t *uc = uctx;
    void *pc = (void *)uc->uc_mcontext.gregs[REG_RIP];

    for (int i = 0; i < n; i++) {
        if (frames[i] == pc) {
            return i;
        }
    }
#else
    (void)frames, (void)n, (void)uctx;
#endif
    return 2;
}

/* Async-signal-safe: backtrace() was warmed up at install time, so it does
 * not load libgcc here; backtrace_symbols_fd does not allocate. */
static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    static const char head[] = "Native backtrace (most recent call first):\n";
    void *frames[64];
    int n, first;
    size_t i;

    (void)afile_write_all(crash_fd, head, sizeof head - 1);
    n = backtrace(frames, 64);
    first = first_frame(frames, n, uctx);
    if (n > first) {
        backtrace_symbols_fd(frames + first, n - first, crash_fd);
    }
    (void)afile_write_all(crash_fd, "\n", 1);
    /* What the test counted up to the crash (--cov), as far as a
     * process in this state can still write files. */
    (void)gcovflush_dump_at_crash();
    for (i = 0; i < NCRASH && crash_signals[i] != sig; i++) {
    }
    if (i < NCRASH) {
        struct sigaction prev = crash_prev[i];

        sigaction(sig, &prev, NULL);
        if (prev.sa_flags & SA_SIGINFO) {
            prev.sa_sigaction(sig, info, uctx);
        } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
            prev.sa_handler(sig);
        }
    }
    /* Whatever the previous handler did, die by this signal. */
    signal(sig, SIG_DFL);
    raise(sig);
}

int sup_install_crash_handler(int fd)
{
    struct sigaction sa, cur;
    void *warm[2];

    crash_fd = fd;
    backtrace(warm, 2);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCRASH; i++) {
        /* Installed before (a worker's child)? Keep the handler it saved:
         * chaining to ourselves would recurse. */
        if (sigaction(crash_signals[i], NULL, &cur) != 0) {
            return -1;
        }
        if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_crash) {
            continue;
        }
        if (sigaction(crash_signals[i], &sa, &crash_prev[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

static int make_pipes(int pipes[NPIPES][2], int capture, char *err,
                      size_t errlen)
{
    for (int i = 0; i < NPIPES; i++) {
        pipes[i][0] = pipes[i][1] = -1;
    }
    for (int i = 0; i < NPIPES; i++) {
        if (!capture && (i == P_OUT || i == P_ERR)) {
            continue;
        }
        if (pipe2(pipes[i], O_CLOEXEC) != 0) {
            snprintf(err, errlen, "pipe: %s", strerror(errno));
            return -1;
        }
        if (fcntl(pipes[i][0], F_SETFL, O_NONBLOCK) != 0) {
            snprintf(err, errlen, "fcntl: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void close_pipes(int pipes[NPIPES][2])
{
    for (int i = 0; i < NPIPES; i++) {
        for (int j = 0; j < 2; j++) {
            if (pipes[i][j] >= 0) {
                close(pipes[i][j]);
                pipes[i][j] = -1;
            }
        }
    }
}

/* A command from the parent to a waiting child: 'g' (start job) or 's'
 * (spawn a successor), and the job number. */
struct command {
    char what;
    long job;
};

static int read_command(int ctl, struct command *cmd)
{
    char msg[1 + sizeof cmd->job];
    size_t got = 0;

    while (got < sizeof msg) {
        ssize_t n = read(ctl, msg + got, sizeof msg - got);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        got += (size_t)n;
    }
    cmd->what = msg[0];
    memcpy(&cmd->job, msg + 1, sizeof cmd->job);
    return 0;
}

/* The child's own fds while it waits: capture pipes are on 1 and 2. */
struct child_fds {
    int report;
    int crash;
    int ctl;
};

/* In a waiting child: clone a successor that is a copy of this pristine
 * process but a child of the worker (CLONE_PARENT), so the worker never
 * pays for the fork. The successor gets pipes of its own and returns 1;
 * this process sends the successor's pid and the read ends to the worker
 * (SCM_RIGHTS) and returns 0. */
static int spawn_successor(struct child_fds *f, pid_t parent)
{
    int np[NPIPES][2], sp[2] = {-1, -1}, fds[NPIPES + 2];
    char ctrl[CMSG_SPACE(sizeof fds)];
    struct msghdr mh;
    struct iovec iov;
    struct cmsghdr *cm;
    char err[64];
    pid_t pid = -1;

    memset(ctrl, 0, sizeof ctrl);
    if (make_pipes(np, 1, err, sizeof err) == 0 &&
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0) {
        pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL,
                             NULL, 0);
    }
    if (pid == 0) {
        for (int i = 0; i < NPIPES; i++) {
            close(np[i][0]);
        }
        close(sp[0]);
        close(f->report);
        close(f->crash);
        close(f->ctl);
        if (dup2(np[P_OUT][1], 1) < 0 || dup2(np[P_ERR][1], 2) < 0) {
            _exit(127);
        }
        close(np[P_OUT][1]);
        close(np[P_ERR][1]);
        f->report = np[P_REPORT][1];
        f->crash = np[P_CRASH][1];
        f->ctl = sp[1];
        if (setpgid(0, 0) != 0 || die_with_parent() != 0 ||
            getppid() != parent) {
            _exit(127);
        }
        return 1;
    }
    if (pid > 0) {
        /* Give the worker a pidfd for it, off the worker's path. The
         * successor leaves our process group on its own, and the worker
         * moves it too when it takes it: before it could kill our group. */
        fds[NPIPES + 1] = sup_pidfd_open(pid);
        if (fds[NPIPES + 1] < 0) {
            kill(pid, SIGKILL);
            pid = -1;
        }
    }
    iov.iov_base = &pid;
    iov.iov_len = sizeof pid;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (pid > 0) {
        for (int i = 0; i < NPIPES; i++) {
            fds[i] = np[i][0];
        }
        fds[NPIPES] = sp[0];
        mh.msg_control = ctrl;
        mh.msg_controllen = sizeof ctrl;
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof fds);
        memcpy(CMSG_DATA(cm), fds, sizeof fds);
    }
    while (sendmsg(f->ctl, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
    close_pipes(np);
    for (int i = 0; i < 2; i++) {
        if (sp[i] >= 0) {
            close(sp[i]);
        }
    }
    if (pid > 0) {
        close(fds[NPIPES + 1]);
    }
    return 0;
}

/* In a child: has it said it is done (sup_child_done)? */
static int said_done;

int sup_child_done(int report_fd, const void *report, size_t len)
{
    const size_t mark = sizeof DONE_MARK - 1;
    struct iovec iov[2] = {{(void *)report, len},
                           {(void *)DONE_MARK, mark}};
    ssize_t n;

    said_done = 1;
    /* What the test started ends with it, before the parent hears. */
    (void)reap_children(NULL, 0);
    do {
        n = writev(report_fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -1;
    }
    /* A pipe takes part of a big report: the rest, then the mark. */
    if ((size_t)n < len) {
        if (afile_write_all(report_fd, (const char *)report + n,
                            len - (size_t)n) != 0) {
            return -1;
        }
        n = (ssize_t)len;
    }
    return afile_write_all(report_fd, DONE_MARK + ((size_t)n - len),
                           len + mark - (size_t)n);
}

/* In a waiting child's idle hook: the socket its commands come on. */
static int idle_ctl = -1;

int sup_idle_over(void)
{
    struct pollfd p = {.fd = idle_ctl, .events = POLLIN};

    /* An error too: the hook has no reason to go on. */
    return idle_ctl >= 0 && poll(&p, 1, 0) != 0;
}

static void child(int pipes[NPIPES][2], int ctl, pid_t parent,
                  sup_child_fn fn, void *arg, const struct sup_opts *o)
{
    struct child_fds f;
    struct command cmd;
    pid_t self;

    reset_stop_handlers();
    if (o->after_fork_child) {
        o->after_fork_child();
    }
    /* Our own group, so a timeout can kill everything we start; and no
     * orphans if the worker dies. */
    /* For ps and top; the successors it clones keep the name. */
    (void)prctl(PR_SET_NAME, "crossrun-test");
    if (setpgid(0, 0) != 0 || die_with_parent() != 0 ||
        getppid() != parent) {
        _exit(127);
    }
    for (int i = 0; i < NPIPES; i++) {
        if (pipes[i][0] >= 0) {
            close(pipes[i][0]);
        }
    }
    if (o->close_fd >= 0) {
        close(o->close_fd);
    }
    if (o->capture) {
        if (dup2(pipes[P_OUT][1], 1) < 0 || dup2(pipes[P_ERR][1], 2) < 0) {
            _exit(127);
        }
        close(pipes[P_OUT][1]);
        close(pipes[P_ERR][1]);
    }
    f.report = pipes[P_REPORT][1];
    f.crash = pipes[P_CRASH][1];
    f.ctl = ctl;
    /* Prepared: wait for the word to start (end of file: not needed). */
    for (;;) {
        if (read_command(f.ctl, &cmd) != 0) {
            _exit(0);
        }
        if (cmd.what == 'g') {
            break;
        }
        if (cmd.what == 's' && o->capture &&
            spawn_successor(&f, parent) == 0 && o->idle != NULL) {
            idle_ctl = f.ctl;
            o->idle(arg);
            idle_ctl = -1;
        }
    }
    close(f.ctl);
    self = getpid();
    /* Orphans of what the test starts come to it (even those that left
     * its group), so that reap_children finds them at the end. */
    (void)reap_subreaper();
    fn(arg, cmd.job, f.report, f.crash);
    fflush(NULL);
    if (getpid() != self) {
        _exit(0);   /* a process fn forked returned here: not the child */
    }
    /* Done: say so (unless fn did). The parent goes on at the mark while
     * the kernel tears this process down (and closes its pipes: no
     * syscall each). */
    if (!said_done) {
        (void)reap_children(NULL, 0);
        (void)afile_write_all(f.report, DONE_MARK, sizeof DONE_MARK - 1);
    }
    _exit(0);
}

/* ---- the parent's side --------------------------------------------- */

/* Read what is available from pipe i into r. Returns 1 at EOF (the pipe
 * is then closed), 0 otherwise, -1 on a read error or no memory. */
static int drain(int fds[NPIPES], int i, struct sup_result *r, size_t cap)
{
    char chunk[65536];

    for (;;) {
        ssize_t n = read(fds[i], chunk, sizeof chunk);
        struct buf *b;
        size_t *cut = NULL, keep, limit;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n <= 0) {
            close(fds[i]);
            fds[i] = -1;
            return n == 0 ? 1 : -1;
        }
        switch (i) {
        case P_OUT: b = &r->out; cut = &r->out_cut; limit = cap; break;
        case P_ERR: b = &r->err; cut = &r->err_cut; limit = cap; break;
        case P_REPORT: b = &r->report; limit = REPORT_CAP; break;
        default: b = &r->crash; limit = CRASH_CAP; break;
        }
        keep = b->len >= limit ? 0 : limit - b->len;
        if (keep > (size_t)n) {
            keep = (size_t)n;
        }
        if (keep > 0 && buf_append(b, chunk, keep) != 0) {
            return -1;
        }
        if (cut != NULL) {
            *cut += (size_t)n - keep;
        }
    }
}

void sup_kill_group(pid_t pid, int sig)
{
    /* ESRCH (nobody left) is fine; the group id is the child's pid. */
    if (kill(-pid, sig) != 0 && errno != ESRCH) {
        kill(pid, sig);
    }
}

int sup_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Has the child said it is done? It writes DONE_MARK last, after
 * flushing everything else it wrote, so what it wrote to the other pipes
 * is in them already: read it without waiting for their end of file (each
 * close would wake the parent once more). */
static int finished(int fds[NPIPES], struct sup_result *r, size_t cap)
{
    size_t m = sizeof DONE_MARK - 1;

    if (r->report.len < m ||
        memcmp(r->report.data + r->report.len - m, DONE_MARK, m) != 0) {
        return 0;
    }
    for (int i = 0; i < NPIPES; i++) {
        if (fds[i] >= 0 && drain(fds, i, r, cap) < 0) {
            return 0;
        }
    }
    return 1;
}

/* Reap the finished children that have ended; block for the oldest when
 * the list is full. */
static void reap_pending(int room_needed)
{
    int k = 0;

    for (int i = 0; i < npending; i++) {
        int st;
        pid_t w = waitpid(pending[i], &st, WNOHANG);

        if (w == 0) {
            pending[k++] = pending[i];
        }
    }
    npending = k;
    if (room_needed && npending == MAX_PENDING) {
        int st;

        while (waitpid(pending[0], &st, 0) < 0 && errno == EINTR) {
        }
        memmove(pending, pending + 1, (MAX_PENDING - 1) * sizeof *pending);
        npending--;
    }
}

/* Wait up to `wait` seconds (negative: forever) for pipe data or the
 * child's end; reads what arrives. Returns 1 when the child was reaped,
 * 2 when it finished (see finished()) but is not reaped yet, 3 when it
 * must be stopped (must_stop), 0 on timeout, -1 on error. */
static int pump(pid_t pid, int pidfd, int fds[NPIPES], double wait,
                struct sup_result *r, const struct sup_opts *o, char *err,
                size_t errlen)
{
    size_t cap = o->cap;
    struct pollfd pfd[NPIPES + 1];
    int map[NPIPES + 1];
    int n = 0, ms, rc;
    pid_t w;

    for (int i = 0; i < NPIPES; i++) {
        if (fds[i] >= 0) {
            pfd[n].fd = fds[i];
            pfd[n].events = POLLIN;
            map[n++] = i;
        }
    }
    if (pidfd >= 0) {
        pfd[n].fd = pidfd;
        pfd[n].events = POLLIN;
        map[n++] = -1;
    }
    if (pidfd < 0) {
        /* No pidfd: look at the child every 10 ms. */
        ms = (wait < 0 || wait > 0.01) ? 10 : (int)(wait * 1000);
    } else {
        ms = wait < 0 ? -1 : (int)(wait * 1000 + 0.999);
    }
    if (must_stop(o)) {
        return 3;
    }
    /* A signal that comes between that look and poll() is seen within
     * this time. */
    if (ms < 0 || ms > STOP_LOOK_MS) {
        ms = STOP_LOOK_MS;
    }
    rc = poll(pfd, (nfds_t)n, ms);
    if (rc < 0 && errno != EINTR) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        return -1;
    }
    for (int k = 0; rc > 0 && k < n; k++) {
        if (map[k] >= 0 && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (drain(fds, map[k], r, cap) < 0) {
                snprintf(err, errlen, "reading the child's output: %s",
                         strerror(errno ? errno : ENOMEM));
                return -1;
            }
        }
    }
    if (finished(fds, r, cap)) {
        return 2;
    }
    w = waitpid(pid, &r->status, WNOHANG);
    if (w < 0 && errno != EINTR) {
        snprintf(err, errlen, "waitpid: %s", strerror(errno));
        return -1;
    }
    return w == pid;
}

/* Pump until the child ends or `until` (monotonic; 0 = forever). */
static int pump_until(pid_t pid, int pidfd, int fds[NPIPES], double until,
                      struct sup_result *r, const struct sup_opts *o,
                      char *err, size_t errlen)
{
    for (;;) {
        double left = until > 0 ? until - sup_now() : -1;
        int rc;

        if (until > 0 && left <= 0) {
            return 0;
        }
        rc = pump(pid, pidfd, fds, left, r, o, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
}

struct sup_child {
    pid_t pid;
    int fds[NPIPES];    /* read ends of the child's pipes */
    int go;             /* our end of the socket the child waits on */
    int pidfd;          /* made by its predecessor, or -1 */
    double start;       /* when it was told to go (sup_go) */
    unsigned long long go_tick; /* the same, as reap_tick_now() */
};

void sup_discard(struct sup_child *c)
{
    if (c == NULL) {
        return;
    }
    if (c->go >= 0) {
        close(c->go);   /* the child reads end of file and leaves */
    }
    sup_kill_group(c->pid, SIGKILL);
    for (int i = 0; i < NPIPES; i++) {
        if (c->fds[i] >= 0) {
            close(c->fds[i]);
        }
    }
    if (c->pidfd >= 0) {
        close(c->pidfd);
    }
    reap_pending(1);
    pending[npending++] = c->pid;
    free(c);
}

int sup_prepare(sup_child_fn fn, void *arg, const struct sup_opts *o,
                struct sup_child **out, char *err, size_t errlen)
{
    int pipes[NPIPES][2];
    int go[2] = {-1, -1};
    struct sup_child *c = calloc(1, sizeof *c);
    pid_t pid, self = getpid();

    *out = NULL;
    reap_pending(1);
    for (int i = 0; i < NPIPES; i++) {
        pipes[i][0] = pipes[i][1] = -1;
    }
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (make_pipes(pipes, o->capture, err, errlen) != 0) {
        goto fail;
    }
    /* A socket, not a pipe: sending to a child that already died must
     * not raise SIGPIPE here (MSG_NOSIGNAL). */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        goto fail;
    }
    if (o->before_fork) {
        o->before_fork();
    }
    pid = fork();
    if (pid == 0) {
        close(go[0]);
        child(pipes, go[1], self, fn, arg, o);
    }
    if (o->after_fork_parent) {
        o->after_fork_parent();
    }
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    /* Also set the group here: the child may not have run yet when the
     * deadline kills the group. EACCES: the child already exec'd. */
    if (setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH) {
        kill(pid, SIGKILL);
    }
    close(go[1]);
    c->pid = pid;
    c->go = go[0];
    c->pidfd = -1;
    for (int i = 0; i < NPIPES; i++) {
        if (pipes[i][1] >= 0) {
            close(pipes[i][1]);
        }
        c->fds[i] = pipes[i][0];
    }
    *out = c;
    return 0;
fail:
    close_pipes(pipes);
    if (go[0] >= 0) {
        close(go[0]);
        close(go[1]);
    }
    free(c);
    return -1;
}

int sup_run(sup_child_fn fn, void *arg, const struct sup_opts *o,
            struct sup_result *r, char *err, size_t errlen)
{
    struct sup_child *c;

    memset(r, 0, sizeof *r);
    if (sup_prepare(fn, arg, o, &c, err, errlen) != 0) {
        return -1;
    }
    return sup_start(c, 0, o, r, err, errlen);
}

static ssize_t send_command(int ctl, char what, long job)
{
    char msg[1 + sizeof job];
    ssize_t n;

    msg[0] = what;
    memcpy(msg + 1, &job, sizeof job);
    do {
        n = send(ctl, msg, sizeof msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
}

int sup_request_successor(struct sup_child *c)
{
    return send_command(c->go, 's', 0) == (ssize_t)(1 + sizeof(long))
               ? 0 : -1;
}

int sup_take_successor(struct sup_child *c, struct sup_child **out,
                       char *err, size_t errlen)
{
    int fds[NPIPES + 2];    /* the pipes' read ends, its socket, a pidfd */
    char ctrl[CMSG_SPACE(sizeof fds)];
    struct msghdr mh;
    struct iovec iov;
    struct cmsghdr *cm;
    pid_t pid = -1;
    ssize_t n;
    struct sup_child *s;

    *out = NULL;
    iov.iov_base = &pid;
    iov.iov_len = sizeof pid;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctrl;
    mh.msg_controllen = sizeof ctrl;
    do {
        n = recvmsg(c->go, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    cm = CMSG_FIRSTHDR(&mh);
    if (n != (ssize_t)sizeof pid || pid <= 0 || cm == NULL ||
        cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(sizeof fds)) {
        if (cm != NULL && cm->cmsg_type == SCM_RIGHTS) {
            size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

            memcpy(fds, CMSG_DATA(cm), k * sizeof(int));
            for (size_t i = 0; i < k && i < NPIPES + 2; i++) {
                close(fds[i]);
            }
        }
        snprintf(err, errlen, "no successor from the prepared child");
        return -1;
    }
    memcpy(fds, CMSG_DATA(cm), sizeof fds);
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        for (int i = 0; i < NPIPES + 2; i++) {
            close(fds[i]);
        }
        sup_kill_group(pid, SIGKILL);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Its own group, before anything kills the group of the child that
     * made it (the successor does the same: whichever comes first). The
     * read ends are non-blocking already (the flag belongs to the open
     * pipe, set where it was made). */
    if (setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH) {
        sup_kill_group(pid, SIGKILL);
    }
    s->pid = pid;
    for (int i = 0; i < NPIPES; i++) {
        s->fds[i] = fds[i];
    }
    s->go = fds[NPIPES];
    s->pidfd = fds[NPIPES + 1];
    *out = s;
    return 0;
}

/* Whether this process was a child subreaper before a child went
 * (-1: not asked yet); if not, it is one only while a child runs. */
static int subreaper_before = -1;

/* Make this process a subreaper for the child about to go (see
 * sup_end_leftovers). */
static void open_adoption(void)
{
    int was = 0;

    if (subreaper_before < 0) {
        subreaper_before =
            prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&was, 0, 0, 0) == 0
                ? was != 0 : 1;
    }
    if (!subreaper_before) {
        (void)reap_subreaper();
    }
    install_stop_handlers();
    stop_window = 1;
}

int sup_end_leftovers(const struct sup_result *r)
{
    int killed = 0;

    if (!r->said_done) {
        killed = reap_adopted(r->go_tick);
    }
    if (subreaper_before == 0) {
        (void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    }
    stop_window = 0;
    if (stop_caught) {
        /* Everything is ended: now the signal does what it was sent to. */
        int sig = stop_caught;

        signal(sig, SIG_DFL);
        raise(sig);
    }
    return killed;
}

void sup_go(struct sup_child *c, long job)
{
    if (c->pidfd < 0) {
        c->pidfd = sup_pidfd_open(c->pid);
    }
    open_adoption();
    c->go_tick = reap_tick_now();
    c->start = sup_now();
    /* A child that died before it was told to start (the send fails) is
     * judged by its status, like any other. */
    (void)send_command(c->go, 'g', job);
}

int sup_start(struct sup_child *c, long job, const struct sup_opts *o,
              struct sup_result *r, char *err, size_t errlen)
{
    sup_go(c, job);
    return sup_supervise(c, o, r, err, errlen);
}

/* The child is past its deadline: ask for a traceback (the dump
 * signal), then end the group, SIGTERM, grace, SIGKILL, what it started
 * first. Returns what pump returns at the end. */
static int end_at_deadline(pid_t pid, int pidfd, int fds[NPIPES],
                           const struct sup_opts *o, struct sup_result *r,
                           char *err, size_t errlen)
{
    size_t had = r->crash.len;
    double until = sup_now() + SUP_DUMP_WAIT;
    int done = 0;

    r->timed_out = 1;
    if (o->dump_signal) {
        kill(pid, o->dump_signal);
    }
    sup_kill_group(pid, SIGCONT);
    /* The traceback comes in several writes: wait for it to start, then
     * for a short quiet spell, within SUP_DUMP_WAIT. */
    while (o->dump_signal && done == 0 && sup_now() < until) {
        size_t before = r->crash.len;
        double step = r->crash.len == had ? until - sup_now() : 0.05;

        done = pump(pid, pidfd, fds, step, r, o, err, errlen);
        if (r->crash.len > had && r->crash.len == before) {
            break;
        }
    }
    if (done == 0) {
        /* What it started goes first, while it still leads to them (they
         * may have left its group). */
        (void)reap_kill_tree(pid);
        sup_kill_group(pid, SIGTERM);
        done = pump_until(pid, pidfd, fds, sup_now() + o->grace, r, o, err,
                          errlen);
    }
    if (done == 0) {
        sup_kill_group(pid, SIGKILL);
        done = pump_until(pid, pidfd, fds, 0, r, o, err, errlen);
    }
    return done;
}

int sup_supervise(struct sup_child *c, const struct sup_opts *o,
                  struct sup_result *r, char *err, size_t errlen)
{
    int fds[NPIPES];
    int pidfd = c->pidfd, rc = -1, done;
    pid_t pid = c->pid;
    double start = c->start;

    memset(r, 0, sizeof *r);
    r->go_tick = c->go_tick;
    for (int i = 0; i < NPIPES; i++) {
        fds[i] = c->fds[i];
    }
    close(c->go);
    free(c);

    done = pump_until(pid, pidfd, fds, o->timeout > 0 ? start + o->timeout
                                                      : 0,
                      r, o, err, errlen);
    if (done == 0) {
        done = end_at_deadline(pid, pidfd, fds, o, r, err, errlen);
    }
    if (done == 3) {
        /* Stopped: what it started first, then the child, at once. */
        r->stopped = 1;
        (void)reap_kill_tree(pid);
        sup_kill_group(pid, SIGKILL);
        while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR) {
        }
        done = 1;
    }
    if (done < 0) {
        sup_kill_group(pid, SIGKILL);
        while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR) {
        }
        goto out;
    }
    r->duration = sup_now() - start;
    /* What the child left behind dies with it; what it wrote is read
     * (already, when it said it was done). */
    sup_kill_group(pid, SIGKILL);
    if (done == 2) {
        /* Finished and exiting: reaped later, off the critical path. */
        r->status = 0;
        reap_pending(1);
        pending[npending++] = pid;
    }
    for (int i = 0; i < NPIPES && done != 2; i++) {
        if (fds[i] >= 0 && drain(fds, i, r, o->cap) < 0) {
            snprintf(err, errlen, "reading the child's output: %s",
                     strerror(errno ? errno : ENOMEM));
            goto out;
        }
    }
    if (r->report.len >= sizeof DONE_MARK - 1 &&
        memcmp(r->report.data + r->report.len - (sizeof DONE_MARK - 1),
               DONE_MARK, sizeof DONE_MARK - 1) == 0) {
        r->report.len -= sizeof DONE_MARK - 1;
        r->report.data[r->report.len] = '\0';
        r->said_done = 1;
    }
    rc = 0;
out:
    for (int i = 0; i < NPIPES; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    return rc;
}
