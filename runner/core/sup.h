/* sup: the supervisor. Runs one function in a forked child, captures the
 * child's fd 1 and 2, collects what it reports, enforces a timeout on its
 * whole process group, and reaps it. Used by the worker (one child per
 * test, made in advance: see struct sup_child) and, through
 * crossrun._native.run_isolated, by the pytest plugin.
 *
 * How it works:
 *  1. Four pipes: stdout, stderr, report (the child's result bytes) and
 *     crash (tracebacks written by signal handlers in the child). A pidfd
 *     tells the parent when the child ends without waiting on pipe EOF,
 *     so a grandchild that keeps a pipe open cannot hold up the run.
 *  2. The child makes itself a process group leader, asks to be killed
 *     when its parent dies (PR_SET_PDEATHSIG), moves the pipes onto fd 1
 *     and 2, and waits for the word to start. Then it runs the function,
 *     flushes stdio, writes a done mark on the report pipe and _exits:
 *     atexit handlers and Python finalisation never run in a test child.
 *  3. The parent polls the pipes and the pidfd until the done mark comes,
 *     the child ends, or the deadline passes. Captured output beyond the
 *     cap is read and counted but not kept, so a flood cannot block the
 *     child or fill memory. A child that said it is done is reaped later,
 *     while the next test runs: its teardown is nobody's wait.
 *  4. At the deadline: the dump signal (if any) asks the child for its
 *     traceback, SIGCONT wakes a stopped child, then SIGTERM to the group,
 *     a grace period, and SIGKILL to the group.
 *  5. When the child is done or dead, the rest of its group is killed and
 *     the pipes are drained without blocking. */
#ifndef CROSSRUN_SUP_H
#define CROSSRUN_SUP_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

/* The signal that asks a child for its Python traceback at a timeout
 * (faulthandler.register'ed by the child; see isolate.c). */
#define SUP_DUMP_SIGNAL (SIGRTMIN + 6)
/* What a child is sent when its supervisor dies: its handler ends what
 * the test started, then the child (a SIGKILL could do only the latter). */
#define SUP_PARENT_DEATH_SIGNAL (SIGRTMIN + 7)
/* How long to wait for that traceback before SIGTERM, seconds. */
#define SUP_DUMP_WAIT 0.3

struct sup_opts {
    double timeout;         /* seconds; 0 = none */
    double grace;           /* SIGTERM to SIGKILL, seconds */
    size_t cap;             /* bytes kept per output stream */
    int capture;            /* redirect the child's fd 1 and 2 */
    int dump_signal;        /* sent at the deadline first; 0 = none */
    int close_fd;           /* closed in the child (the caller's own
                               channel, not the test's); -1 = none */
    /* Called around fork() in the parent and first thing in the child
     * (the interpreter needs them); any may be NULL. */
    void (*before_fork)(void);
    void (*after_fork_parent)(void);
    void (*after_fork_child)(void);
    /* Called with fn's arg in a waiting child once it has cloned its
     * successor (a word to start waits until it returns): work done
     * ahead for the job, while the child waits (the pages it writes are
     * copied then, not while its job runs). NULL = none. */
    void (*idle)(void *arg);
    /* Called while the child runs (at least every quarter second and
     * when a signal interrupts the wait): nonzero stops the child at
     * once (SIGKILL to what it started and to its group), and the result
     * says so (stopped). NULL: never. */
    int (*interrupted)(void);
};

struct sup_result {
    int status;             /* waitpid status of the child */
    int timed_out;          /* the deadline passed; the group was killed */
    struct buf out, err;    /* captured, at most cap bytes each */
    size_t out_cut, err_cut;/* bytes read beyond the cap and dropped */
    struct buf report;      /* everything written to report_fd */
    struct buf crash;       /* everything written to crash_fd (capped) */
    double duration;        /* seconds from fork to reap */
    int stopped;            /* stopped by interrupted() or a signal */
    int said_done;          /* the child said it was done (it ended what
                               it started itself) */
    unsigned long long go_tick; /* when it was told to go (reap.h) */
};

/* The child's work: job is the number given to sup_start (0 for
 * sup_run). report_fd and crash_fd are open for writing; fd 1 and 2 are
 * the capture pipes. Returning ends the child (exit status 0). */
typedef void (*sup_child_fn)(void *arg, long job, int report_fd,
                             int crash_fd);

/* In the child, as the last thing fn does (its output flushed): write
 * `report` to report_fd and say the child is done, in one write, so the
 * parent wakes once. Without it the child says it is done when fn
 * returns. Returns 0, or -1 if the write failed. */
int sup_child_done(int report_fd, const void *report, size_t len);

/* Run fn(arg, ...) in a child as described above and fill *r (which the
 * caller frees with sup_result_free, also on failure). Returns 0 when the
 * child ran and was reaped, whatever its outcome; -1 when crossrun itself
 * failed (pipe, fork, poll), with a message in err. */
int sup_run(sup_child_fn fn, void *arg, const struct sup_opts *o,
            struct sup_result *r, char *err, size_t errlen);
void sup_result_free(struct sup_result *r);

/* A child forked in advance that waits for the word to start. A waiting
 * child can also clone its successor: a copy of itself (so of the worker
 * as it was when the first of them was forked) that is nevertheless the
 * worker's child. The worker then forks once per run of tests, and each
 * next child is made while the current one runs.
 *
 *     sup_prepare        fork the first child (it waits)
 *     sup_request_successor(c)   c starts cloning its successor
 *     sup_take_successor(c, &s)  receive it (pid and pipes), c still waits
 *     sup_start(c, job)  c runs fn(arg, job, ...) and is supervised
 *                        (or sup_go, then sup_supervise)
 *     sup_discard(c)     c is not needed after all */
struct sup_child;

/* Fork a child for fn(arg, job, ...) that sets itself up and waits. On
 * success *out is the child (handed to sup_start or sup_discard exactly
 * once). Returns 0, or -1 with a message in err. */
int sup_prepare(sup_child_fn fn, void *arg, const struct sup_opts *o,
                struct sup_child **out, char *err, size_t errlen);
/* Ask the waiting child c (capture on) to clone its successor. 0 or -1. */
int sup_request_successor(struct sup_child *c);
/* Receive the successor that c was asked for (blocks until c made it).
 * Returns 0 with *out set, or -1 with a message in err. */
int sup_take_successor(struct sup_child *c, struct sup_child **out,
                       char *err, size_t errlen);
/* Start a prepared child on job and supervise it as sup_run does (the
 * deadline counts from the start). c is consumed. */
int sup_start(struct sup_child *c, long job, const struct sup_opts *o,
              struct sup_result *r, char *err, size_t errlen);
/* sup_start in two steps, so that the caller can do other work (take
 * c's successor) while c runs: sup_go tells c to start on job (c stays
 * the caller's), sup_supervise then supervises it (the deadline counts
 * from sup_go) and consumes it. */
void sup_go(struct sup_child *c, long job);
int sup_supervise(struct sup_child *c, const struct sup_opts *o,
                  struct sup_result *r, char *err, size_t errlen);

/* After sup_supervise (or sup_start, sup_run), always: end what the
 * child started that outlived it. From sup_go until this call this
 * process is a child subreaper (unless it was one already, and stays
 * one), so a child that died without saying it was done (a crash,
 * _exit, a timeout) handed what it started, even what left its group,
 * to this process: its children started since the child went are
 * killed and reaped here. A caller with waiting children of its own
 * that may have been made in that time (a successor being cloned) must
 * discard them first when r->said_done is 0. Returns how many. */
int sup_end_leftovers(const struct sup_result *r);
/* In a waiting child, from the idle hook (sup_opts.idle): whether a
 * command has come (the word to start, or the end), so the hook should
 * return now. 0 outside the hook. */
int sup_idle_over(void);

/* End a prepared child that will not be started; c is consumed. */
void sup_discard(struct sup_child *c);

/* In a child: install handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and
 * SIGABRT that write a native backtrace to fd, then pass the signal on to
 * the handler that was there before (e.g. Python's faulthandler), then die
 * by the signal. Returns 0, or -1 (sigaction failed). */
int sup_install_crash_handler(int fd);

/* A pidfd for pid (readable when it ends), or -1 (no pidfd_open: the
 * caller then polls with a short timeout). */
int sup_pidfd_open(pid_t pid);
/* Send sig to pid's process group (pid is its leader); to pid alone if
 * the group is gone but not the process. */
void sup_kill_group(pid_t pid, int sig);

/* Monotonic clock in seconds. */
double sup_now(void);

#endif
