/* test_sup: the supervisor runs a function in a forked child and reports
 * how it ended: an exit, a signal, a timeout (the child's whole process
 * group killed, a stopped child too, SIGKILL for one that ignores
 * SIGTERM, the dump signal first), its captured output and the cap on
 * it, its report and crash text, prepared children and their
 * successors, the idle hook of a waiting child, a child stopped when
 * the caller says so. The grandchildren a test leaves behind are killed
 * and reaped by the test's own process (core/reap.c), or come back to
 * this one, a child subreaper, to be waited for. */
#include "core/sup.h"

#include "kit/unit.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sup_opts opts(double timeout, size_t cap)
{
    struct sup_opts o = {.timeout = timeout, .grace = 0.2, .cap = cap,
                         .capture = 1, .close_fd = -1};

    return o;
}

/* Run fn(arg) under o into *r; fails the test when sup_run fails. */
static void run(sup_child_fn fn, void *arg, const struct sup_opts *o,
                struct sup_result *r)
{
    char err[256] = "";

    if (!CHECK(sup_run(fn, arg, o, r, err, sizeof err) == 0)) {
        printf("# sup_run: %s\n", err);
    }
}

static int report_is(const struct sup_result *r, const char *s)
{
    return r->report.len == strlen(s) &&
           memcmp(r->report.data, s, r->report.len) == 0;
}

/* How the grandchild pid ended (it comes back to this subreaper once
 * its parent is gone); -1 if it is still alive after 10 s, when it is
 * killed here so that the test goes on. */
static int grandchild_gone(pid_t pid)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    int st;

    /* The test's process reaps what it started (core/reap.c); if this
     * process is its reaper instead, reap it here. */
    for (int i = 0; i < 500; i++) {
        pid_t w = waitpid(pid, &st, WNOHANG);

        if (w == pid || (kill(pid, 0) != 0 && errno == ESRCH)) {
            return 1;
        }
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return 0;
}

/* ---- the children ---------------------------------------------------- */

static void exit_3(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job, (void)report_fd, (void)crash_fd;
    _exit(3);
}

static void speak(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job;
    if (write(1, "to stdout\n", 10) != 10 || write(2, "to stderr", 9) != 9 ||
        write(crash_fd, "crash text", 10) != 10) {
        _exit(1);
    }
    sup_child_done(report_fd, "P", 1);
}

static void returns(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job, (void)report_fd, (void)crash_fd;
}

static void die_by_usr1(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job, (void)report_fd;
    if (write(crash_fd, "last words", 10) != 10) {
        _exit(1);
    }
    raise(SIGUSR1);
    _exit(0);
}

static void crash_ill(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job, (void)report_fd;
    if (sup_install_crash_handler(crash_fd) != 0) {
        _exit(1);
    }
    raise(SIGILL);
    _exit(0);
}

static void flood(void *arg, long job, int report_fd, int crash_fd)
{
    char block[1000];

    (void)job, (void)report_fd, (void)crash_fd;
    memset(block, 'a', sizeof block);
    for (int i = 0; i < *(int *)arg; i++) {
        if (write(1, block, sizeof block) != (ssize_t)sizeof block ||
            write(2, block, 10) != 10) {
            _exit(1);
        }
    }
}

/* Starts a grandchild in its group that waits forever, and reports its
 * pid (plainly: no done mark); then waits forever itself, or (arg set)
 * says it is done. */
static void leave_grandchild(void *arg, long job, int report_fd,
                             int crash_fd)
{
    pid_t pid = fork();

    (void)job, (void)crash_fd;
    if (pid == 0) {
        for (;;) {
            pause();
        }
    }
    if (pid < 0) {
        _exit(1);
    }
    if (arg != NULL) {
        sup_child_done(report_fd, &pid, sizeof pid);
        return;
    }
    if (write(report_fd, &pid, sizeof pid) != (ssize_t)sizeof pid) {
        _exit(1);
    }
    for (;;) {
        pause();
    }
}

/* Waits forever (SIGTERM is ignored: see test_timeout_escalates). */
static void hang(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job, (void)report_fd, (void)crash_fd;
    for (;;) {
        pause();
    }
}

/* The child's crash pipe, for on_dump; -1 until the child sets it. */
static volatile sig_atomic_t dump_fd = -1;

/* Installed before the fork, so that the child has it from its start. */
static void on_dump(int sig)
{
    (void)sig;
    if (dump_fd >= 0 && write(dump_fd, "where I was\n", 12) != 12) {
        _exit(1);
    }
}

static void hang_with_dump(void *arg, long job, int report_fd, int crash_fd)
{
    dump_fd = crash_fd;
    hang(arg, job, report_fd, crash_fd);
}

static void stop_self(void *arg, long job, int report_fd, int crash_fd)
{
    (void)arg, (void)job, (void)report_fd, (void)crash_fd;
    raise(SIGSTOP);
    for (;;) {
        pause();
    }
}

/* Reports whether its fd 1 is the file *arg describes. */
static void same_stdout(void *arg, long job, int report_fd, int crash_fd)
{
    const struct stat *want = arg;
    struct stat st;

    (void)job, (void)crash_fd;
    if (fstat(1, &st) == 0 && st.st_dev == want->st_dev &&
        st.st_ino == want->st_ino) {
        sup_child_done(report_fd, "same", 4);
    } else {
        sup_child_done(report_fd, "other", 5);
    }
}

static void say_job(void *arg, long job, int report_fd, int crash_fd)
{
    char text[64];
    int n = snprintf(text, sizeof text, "job %ld in %ld", job,
                     (long)getpid());

    (void)arg, (void)crash_fd;
    sup_child_done(report_fd, text, (size_t)n);
}

/* ---- the tests ------------------------------------------------------- */

static void test_exit(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_result r;

    run(exit_3, NULL, &o, &r);
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
    CHECK(r.timed_out == 0);
    CHECK(r.report.len == 0);   /* it never said it was done */
    sup_result_free(&r);

    run(returns, NULL, &o, &r);
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    CHECK(r.report.len == 0);   /* the done mark is not part of it */
    CHECK(r.out.len == 0 && r.err.len == 0);
    sup_result_free(&r);
}

static void test_output_and_report(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_result r;

    run(speak, NULL, &o, &r);
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    CHECK_STR(r.out.data, "to stdout\n");
    CHECK_STR(r.err.data, "to stderr");
    CHECK_STR(r.crash.data, "crash text");
    CHECK(report_is(&r, "P"));
    CHECK(r.out_cut == 0 && r.err_cut == 0);
    CHECK(r.duration >= 0);
    sup_result_free(&r);
}

static void test_signal(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_result r;

    run(die_by_usr1, NULL, &o, &r);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGUSR1);
    CHECK(r.timed_out == 0);
    CHECK_STR(r.crash.data, "last words");
    sup_result_free(&r);

    run(crash_ill, NULL, &o, &r);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGILL);
    CHECK(r.crash.data != NULL &&
          strstr(r.crash.data, "Native backtrace (most recent call "
                               "first):\n") == r.crash.data);
    sup_result_free(&r);
}

static void test_cap(void)
{
    struct sup_opts o = opts(0, 1500);
    struct sup_result r;
    int blocks = 300;   /* 300 kB: more than a pipe holds */

    run(flood, &blocks, &o, &r);
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    CHECK(r.out.len == 1500);
    CHECK(r.out_cut == 300 * 1000 - 1500);
    CHECK(r.err.len == 1500);
    CHECK(r.err_cut == 300 * 10 - 1500);
    CHECK(r.out.data[0] == 'a' && r.out.data[1499] == 'a');
    sup_result_free(&r);
}

static void test_no_capture(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_result r;
    struct stat mine;

    if (!CHECK(fstat(1, &mine) == 0)) {
        return;
    }
    o.capture = 0;
    run(same_stdout, &mine, &o, &r);
    CHECK(report_is(&r, "same"));
    CHECK(r.out.len == 0);
    sup_result_free(&r);
    o.capture = 1;
    run(same_stdout, &mine, &o, &r);
    CHECK(report_is(&r, "other"));
    sup_result_free(&r);
}

static void test_timeout_kills_group(void)
{
    struct sup_opts o = opts(1, 1024);
    struct sup_result r;
    pid_t grandchild = 0;

    run(leave_grandchild, NULL, &o, &r);
    CHECK(r.timed_out == 1);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
    CHECK(r.duration >= 1);
    if (CHECK(r.report.len == sizeof grandchild)) {
        memcpy(&grandchild, r.report.data, sizeof grandchild);
        CHECK(grandchild_gone(grandchild));
    }
    sup_result_free(&r);
}

static void test_done_kills_group(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_result r;
    pid_t grandchild = 0;

    run(leave_grandchild, "done", &o, &r);
    CHECK(r.timed_out == 0);
    if (CHECK(r.report.len == sizeof grandchild)) {
        memcpy(&grandchild, r.report.data, sizeof grandchild);
        CHECK(grandchild_gone(grandchild));
    }
    sup_result_free(&r);
}

static int interrupt_calls;

/* The caller's check: "stop" at its third call (half a second on). */
static int interrupt_soon(void)
{
    return ++interrupt_calls >= 3;
}

static void test_interrupted_stops_at_once(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_result r;
    pid_t grandchild = 0;

    o.interrupted = interrupt_soon;
    run(leave_grandchild, NULL, &o, &r);
    CHECK(r.stopped == 1 && r.timed_out == 0 && r.said_done == 0);
    CHECK(interrupt_calls == 3);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
    if (CHECK(r.report.len == sizeof grandchild)) {
        memcpy(&grandchild, r.report.data, sizeof grandchild);
        CHECK(grandchild_gone(grandchild));
    }
    sup_end_leftovers(&r);
    sup_result_free(&r);
}

static void test_timeout_escalates(void)
{
    struct sup_opts o = opts(0.2, 1024);
    struct sup_result r;

    /* Ignored here before the fork: the child ignores it from its start,
     * however late it is scheduled. */
    signal(SIGTERM, SIG_IGN);
    run(hang, NULL, &o, &r);
    signal(SIGTERM, SIG_DFL);
    CHECK(r.timed_out == 1);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
    sup_result_free(&r);

    /* A stopped child is woken to be ended. */
    run(stop_self, NULL, &o, &r);
    CHECK(r.timed_out == 1);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
    sup_result_free(&r);

    /* The dump signal comes first; what the child writes then is kept.
     * (The child is given a second to say where it writes.) */
    o.dump_signal = SIGUSR2;
    o.timeout = 1;
    signal(SIGUSR2, on_dump);
    run(hang_with_dump, NULL, &o, &r);
    signal(SIGUSR2, SIG_DFL);
    CHECK(r.timed_out == 1);
    CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
    CHECK_STR(r.crash.data, "where I was\n");
    sup_result_free(&r);
}

/* The job number and pid a say_job child reported. */
static int said(const struct sup_result *r, long *job, long *pid)
{
    char text[64];

    if (r->report.len == 0 || r->report.len >= sizeof text) {
        return 0;
    }
    memcpy(text, r->report.data, r->report.len);
    text[r->report.len] = '\0';
    return sscanf(text, "job %ld in %ld", job, pid) == 2;
}

static void test_prepared(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_child *c = NULL, *s = NULL, *unused = NULL;
    struct sup_result r;
    char err[256] = "";
    long job = -1, pid1 = 0, pid2 = 0;

    if (!CHECK(sup_prepare(say_job, NULL, &o, &c, err, sizeof err) == 0)) {
        printf("# sup_prepare: %s\n", err);
        return;
    }
    CHECK(sup_request_successor(c) == 0);
    if (!CHECK(sup_take_successor(c, &s, err, sizeof err) == 0)) {
        printf("# sup_take_successor: %s\n", err);
    }
    CHECK(sup_start(c, 7, &o, &r, err, sizeof err) == 0);
    CHECK(said(&r, &job, &pid1) && job == 7);
    sup_result_free(&r);
    if (s != NULL) {
        sup_go(s, 8);
        CHECK(sup_supervise(s, &o, &r, err, sizeof err) == 0);
        CHECK(said(&r, &job, &pid2) && job == 8);
        CHECK(pid2 != pid1 && pid2 > 0);
        sup_result_free(&r);
    }
    /* One that is not needed after all ends without running. */
    CHECK(sup_prepare(say_job, NULL, &o, &unused, err, sizeof err) == 0);
    sup_discard(unused);
    sup_discard(NULL);
}

/* The idle hook: the waiting child's pid on the pipe whose write end
 * is *arg (fn's own argument). */
static void note_idle(void *arg)
{
    long pid = (long)getpid();

    if (write(*(int *)arg, &pid, sizeof pid) != (ssize_t)sizeof pid) {
        _exit(3);
    }
}

/* A waiting child runs the idle hook, with fn's argument, once it has
 * cloned its successor; a child never asked for one does not. */
static void test_idle(void)
{
    struct sup_opts o = opts(0, 1024);
    struct sup_child *c = NULL, *s = NULL;
    struct sup_result r;
    char err[256] = "";
    long job = -1, pid = 0, idled[4];
    int p[2];
    ssize_t got = 0, n;

    if (!CHECK(pipe(p) == 0)) {
        return;
    }
    o.idle = note_idle;
    if (!CHECK(sup_prepare(say_job, &p[1], &o, &c, err, sizeof err) == 0)) {
        printf("# sup_prepare: %s\n", err);
        close(p[0]);
        close(p[1]);
        return;
    }
    CHECK(sup_request_successor(c) == 0);
    CHECK(sup_take_successor(c, &s, err, sizeof err) == 0);
    CHECK(sup_start(c, 5, &o, &r, err, sizeof err) == 0);
    CHECK(said(&r, &job, &pid) && job == 5);
    sup_result_free(&r);
    sup_discard(s);
    close(p[1]);
    while ((size_t)got < sizeof idled &&
           (n = read(p[0], (char *)idled + got, sizeof idled - got)) > 0) {
        got += n;
    }
    close(p[0]);
    CHECK(got == (ssize_t)sizeof(long) && idled[0] == pid);
}

/* An idle hook that works until the word to start comes, then notes
 * its pid. */
static void idle_until_go(void *arg)
{
    while (!sup_idle_over()) {
    }
    note_idle(arg);
}

/* In the idle hook, sup_idle_over() says when the word to start
 * has come (a hook that never heard it would keep the child from its
 * job until the deadline); outside a hook it is 0. */
static void test_idle_interrupted(void)
{
    struct sup_opts o = opts(30, 1024);
    struct sup_child *c = NULL, *s = NULL;
    struct sup_result r;
    char err[256] = "";
    long job = -1, pid = 0, idled = 0;
    int p[2];

    CHECK(sup_idle_over() == 0);
    if (!CHECK(pipe(p) == 0)) {
        return;
    }
    o.idle = idle_until_go;
    if (!CHECK(sup_prepare(say_job, &p[1], &o, &c, err, sizeof err) == 0)) {
        close(p[0]);
        close(p[1]);
        return;
    }
    CHECK(sup_request_successor(c) == 0);
    CHECK(sup_take_successor(c, &s, err, sizeof err) == 0);
    CHECK(sup_start(c, 6, &o, &r, err, sizeof err) == 0);
    CHECK(!r.timed_out && said(&r, &job, &pid) && job == 6);
    sup_result_free(&r);
    sup_discard(s);
    close(p[1]);
    CHECK(read(p[0], &idled, sizeof idled) == (ssize_t)sizeof idled &&
          idled == pid);
    close(p[0]);
}

int main(void)
{
    /* No TAP line may sit in a buffer when a child is forked. */
    setvbuf(stdout, NULL, _IONBF, 0);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("prctl(PR_SET_CHILD_SUBREAPER)");
        return 2;
    }
    test_exit();
    test_output_and_report();
    test_signal();
    test_cap();
    test_no_capture();
    test_timeout_kills_group();
    test_done_kills_group();
    test_interrupted_stops_at_once();
    test_timeout_escalates();
    test_prepared();
    test_idle();
    test_idle_interrupted();
    return unit_done();
}
