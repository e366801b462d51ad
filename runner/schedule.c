/* schedule: the runner's event loop over its workers (see schedule.h).
 *
 * How it works:
 *  1. Files wait in a queue; up to -j workers run at once, one file each
 *     (pyworker.c forks them from the initialised interpreter). A worker
 *     that said "# idle" has finished its file and only ends: the next
 *     file's worker starts meanwhile.
 *  2. poll() watches every worker's four pipes (protocol, stdout, stderr,
 *     crash log), its pidfd, and a self-pipe that SIGINT, SIGTERM,
 *     SIGHUP and SIGQUIT write to.
 *  3. Protocol bytes go to the TAP parser; its events become results
 *     (proto_* below). stdout/stderr that the worker process itself wrote
 *     (isolate=file, or module-level code) is attached to the next result.
 *  4. "# begin I T WHO SIG XF ID" says what the worker is doing ("# idle":
 *     nothing, until the next begin; "# deselected N": -k left N tests
 *     out); when WHO is
 *     "worker" the runner enforces the timeout T itself (dump signal for a
 *     traceback, SIGTERM to the group, grace, SIGKILL); when it is
 *     "child", the worker's supervisor does, and the runner only guards
 *     against a worker that stops answering.
 *  5. When a worker ends, its pipes are drained and the parser finished.
 *     If it died inside a test, that test fails with the evidence (signal,
 *     tracebacks, exit status) and the rest of the file goes to a fresh
 *     worker starting after it; the file is complete when nothing is left.
 */
#include "schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/btrace.h"
#include "core/outmark.h"
#include "core/reap.h"
#include "pyworker.h"
#include "core/sup.h"
#include "core/verdict.h"
#include "tap.h"

#define CRASH_CAP (1u << 20)
#define CHILD_SLACK 10.0   /* seconds a worker may take beyond a child's
                              timeout before the runner steps in */
#define GRACE 1.0
#define STRAY_EVERY 0.1    /* seconds between looks for orphans */

/* One file's progress. Invariant: done once no worker runs it and nothing
 * of it is left to start; its results are then handed on and freed. */
struct file_state {
    struct res_file res;
    long plan;          /* number of tests, -1 until the worker says */
    long next;          /* index of the first test not yet reported */
    int running;        /* a worker is on it */
    int queued;         /* waiting for a worker */
    int finished;       /* handed to the reporters */
    const char *select; /* the tests to run (see disc_list), or NULL */
};

enum kill_phase { K_NONE, K_DUMP, K_TERM, K_KILL };

struct worker {
    pid_t pid;          /* 0: slot free */
    int pidfd;
    int fds[PYW_NFDS];  /* -1 once closed */
    struct tap_parser *tap;
    struct file_state *file;
    long cur;           /* index being run; -1 import; -2 nothing */
    char *cur_id;
    int cur_child;      /* a supervised child runs it */
    int cur_crashes;    /* signal the test is expected to die by, or 0 */
    int cur_xfail;      /* the test is marked xfail */
    double cur_timeout;
    double deadline;    /* monotonic; 0 = none */
    enum kill_phase phase;
    int timed_out;
    int bailed;
    int idle;           /* said "# idle": its file is done, it only ends */
    double started;     /* monotonic, when it took its file */
    struct buf out, err, crash;
    size_t out_cut, err_cut;
};

struct sched {
    const struct cli_opts *o;
    const struct sched_hooks *h;
    struct file_state *files;
    size_t nfiles;
    size_t *queue;      /* file indexes, a ring of nfiles + jobs slots */
    size_t qhead, qlen, qcap;
    struct worker *w;   /* nslots of them, pid 0 when free */
    int jobs;
    int nslots;         /* jobs, and as many workers that are ending */
    struct pyw_spare spare; /* the next file's worker, forked ahead */
    int no_spare;       /* a spare could not be made: no more tries */
    int stopping;       /* -x or a signal: start nothing new */
    int interrupted;
    int internal;
    size_t tests_left;  /* -x: tests of begun files that did not run */
    struct worker *in_cb; /* the worker whose events are being parsed */
};

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;

    if (write(sig_pipe[1], &c, 1) < 0) {
        /* nothing to do: the pipe is full, a signal is pending anyway */
    }
    errno = saved;
}

/* A copy of the n bytes at s as a C string, each NUL byte in them written
 * \x00 (as Python's repr does), so that no text is cut there; NULL when
 * memory runs out. */
static char *dup_text(const char *s, size_t n)
{
    size_t nul = 0;
    char *p, *q;

    for (size_t i = 0; i < n; i++) {
        nul += s[i] == '\0';
    }
    p = malloc(n + 3 * nul + 1);
    if (p == NULL) {
        return NULL;
    }
    q = p;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0') {
            memcpy(q, "\\x00", 4);
            q += 4;
        } else {
            *q++ = s[i];
        }
    }
    *q = '\0';
    return p;
}

/* JUnit name and classname from a test id "a/b/test_x.py::TestC::t[1]":
 * name "t[1]", classname "a.b.test_x.TestC" (pytest's convention). */
static void names_from_id(const char *id, struct res_test *t)
{
    const char *sep = strstr(id, "::"), *last = NULL, *p;
    struct buf b = BUF_INIT;

    for (p = id; (p = strstr(p, "::")) != NULL; p += 2) {
        last = p;
    }
    t->name = strdup(last ? last + 2 : id);
    p = id;
    if (sep != NULL && sep - id > 3 && strncmp(sep - 3, ".py", 3) == 0) {
        for (; p < sep - 3; p++) {
            buf_append(&b, *p == '/' ? "." : p, 1);
        }
        if (last != sep) {
            buf_append(&b, sep, (size_t)(last - sep));
        }
    } else {
        buf_append(&b, id, last ? (size_t)(last - id) : strlen(id));
    }
    /* "::" between classes becomes "." */
    for (char *q = b.data; q != NULL && (q = strstr(q, "::")) != NULL;) {
        memmove(q + 1, q + 2, strlen(q + 2) + 1);
        *q = '.';
        b.len--;
    }
    t->classname = buf_steal(&b);
}

static enum res_outcome outcome_of(const char *s, int ok)
{
    static const struct { const char *name; enum res_outcome o; } map[] = {
        {"passed", RES_PASSED}, {"failed", RES_FAILED},
        {"error", RES_ERROR}, {"skipped", RES_SKIPPED},
        {"xfailed", RES_XFAILED}, {"xpassed", RES_XPASSED},
    };

    for (size_t i = 0; s != NULL && i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(s, map[i].name) == 0) {
            return map[i].o;
        }
    }
    return ok ? RES_PASSED : RES_FAILED;
}

/* The next mark (see outmark.h) whose head starts in data[from, limit):
 * 1 with *start at its first byte and *stop at its OUTMARK_END (before
 * limit), -1 with only *start set when its end is not there (yet), 0 when
 * there is none. */
static int find_mark(const char *data, size_t from, size_t limit,
                     size_t *start, size_t *stop)
{
    static const char head[] = OUTMARK_HEAD;
    const char *q, *end;

    if (data == NULL || from >= limit ||
        (q = memmem(data + from, limit - from, head, sizeof head - 1)) ==
            NULL) {
        return 0;
    }
    *start = (size_t)(q - data);
    end = memchr(q + sizeof head - 1, OUTMARK_END,
                 limit - *start - (sizeof head - 1));
    if (end == NULL) {
        return -1;
    }
    *stop = (size_t)(end - data);
    return 1;
}

/* How many bytes at the start of b belong to results numbered up to
 * `upto`: up to the end of the last mark numbered upto or less. */
static size_t marked_part(const struct buf *b, long upto)
{
    size_t end = 0, at = 0, start, stop;

    while (find_mark(b->data, at, b->len, &start, &stop) == 1) {
        char *tail;
        long k = strtol(b->data + start + sizeof OUTMARK_HEAD - 1, &tail,
                        10);

        if (tail == b->data + stop && k <= upto) {
            end = stop + 1;
        } else if (tail == b->data + stop) {
            break;      /* a later result's */
        }
        at = stop + 1;
    }
    return end;
}

/* Append the first n bytes of b to j without the marks in them, and
 * drop them from b. */
static void move_unmarked(struct buf *j, struct buf *b, size_t n)
{
    size_t at = 0, start, stop;

    if (n == 0) {
        return;
    }
    while (at < n) {
        int found = find_mark(b->data, at, n, &start, &stop);

        buf_append(j, b->data + at, (found ? start : n) - at);
        at = found == 1 ? stop + 1 : n;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

/* Join a: the test's own capture, then what the worker wrote itself
 * that goes with result `upto` (all of it when upto is LONG_MAX; see
 * outmark.h), noting `cut` bytes dropped. Returns malloc'd bytes (length
 * in *len), or NULL if there is nothing. */
static char *join_output(const char *a, size_t alen, struct buf *b,
                         size_t cut, long upto, size_t *len)
{
    struct buf j = BUF_INIT;
    size_t mine = upto == LONG_MAX ? b->len : marked_part(b, upto);

    buf_append(&j, a, alen);
    move_unmarked(&j, b, mine);
    verdict_cut_note(&j, cut);
    *len = j.len;
    if (j.len == 0) {
        buf_free(&j);
        return NULL;
    }
    return buf_steal(&j);
}

static void drain_fd(struct worker *w, int i, struct sched *s);

/* Make t (its id and output already set) the result of a test that the
 * runner stopped at its deadline: type timeout, the traceback the dump
 * signal produced, and what the test itself reported after that. */
static void timed_out_result(struct worker *w, struct res_test *t)
{
    struct buf detail = BUF_INIT;
    struct verdict_end e = {.timed_out = 1, .timeout = w->cur_timeout};
    struct verdict v;

    verdict_judge(&e, &v);
    if (w->crash.len) {
        buf_puts(&detail, v.detail_head);
        bt_rewrite(w->crash.data, w->crash.len, &detail);
    }
    if (t->message || t->detail) {
        buf_printf(&detail, "\nWhat the test reported after it was "
                            "stopped: %s%s%s\n%s",
                   t->type ? t->type : "", t->type ? ": " : "",
                   t->message ? t->message : "", t->detail ? t->detail : "");
    }
    free(t->type);
    free(t->message);
    free(t->detail);
    t->outcome = RES_FAILED;
    t->type = strdup(v.type);
    t->message = strdup(v.message);
    t->detail = detail.len ? buf_steal(&detail) : NULL;
    buf_free(&detail);
}

/* A result is complete: account it, tell the reporters, keep it. */
static void deliver(struct sched *s, struct worker *w, struct res_test *t)
{
    struct file_state *f = w->file;
    enum res_outcome oc = t->outcome;

    if (s->stopping && !s->interrupted) {
        /* -x: the run ended at its first failure. A test that a worker
         * ran on to before it was stopped is not part of it. */
        res_test_free(t);
        return;
    }
    if (t->file == NULL) {
        t->file = strdup(f->res.path);
    }
    if (s->h->on_test) {
        s->h->on_test(s->h->ctx, &f->res, t);
    }
    if (res_file_add(&f->res, t) != 0) {
        s->internal++;
    }
    if (s->o->exitfirst && (oc == RES_FAILED || oc == RES_ERROR)) {
        s->stopping = 1;
    }
}

static void on_test_point(struct sched *s, struct worker *w,
                          const struct tap_event *ev)
{
    struct res_test t;
    const char *v;
    size_t n;

    memset(&t, 0, sizeof t);
    v = tap_get(ev, "outcome", &n);
    if (v != NULL && strcmp(v, "collected") == 0) {
        if (s->h->on_collected) {
            s->h->on_collected(s->h->ctx, ev->description);
        }
        w->file->next = ev->number;
        w->cur = -2;
        return;
    }
    t.id = strdup(ev->description);
    names_from_id(ev->description, &t);
    t.outcome = outcome_of(v, ev->ok);
    if ((v = tap_get(ev, "type", &n)) != NULL) {
        t.type = dup_text(v, n);
    }
    if ((v = tap_get(ev, "message", &n)) != NULL) {
        t.message = dup_text(v, n);
    }
    if ((v = tap_get(ev, "detail", &n)) != NULL) {
        t.detail = dup_text(v, n);
    }
    if ((v = tap_get(ev, "file", &n)) != NULL) {
        t.file = dup_text(v, n);
    }
    if ((v = tap_get(ev, "line", &n)) != NULL) {
        t.line = atoi(v);
    }
    if ((v = tap_get(ev, "duration", &n)) != NULL) {
        t.duration = strtod(v, NULL);
    }
    /* What the worker itself wrote up to now belongs to this test. */
    drain_fd(w, PYW_OUT, s);
    drain_fd(w, PYW_ERR, s);
    v = tap_get(ev, "stdout", &n);
    t.out = join_output(v ? v : "", v ? n : 0, &w->out, w->out_cut,
                        ev->number, &t.out_len);
    v = tap_get(ev, "stderr", &n);
    t.err = join_output(v ? v : "", v ? n : 0, &w->err, w->err_cut,
                        ev->number, &t.err_len);
    w->out_cut = w->err_cut = 0;
    if (w->timed_out && ev->number == w->cur + 1) {
        /* The runner stopped this test (SIGTERM), and the test caught
         * that and reported something else: it timed out all the same. */
        timed_out_result(w, &t);
        if (w->cur_xfail) {
            t.outcome = RES_XFAILED;
        }
        w->timed_out = 0;
        w->phase = K_NONE;
    }
    buf_clear(&w->crash);
    if (ev->number > w->file->next) {
        w->file->next = ev->number;
    }
    w->cur = -2;
    w->deadline = 0;
    deliver(s, w, &t);
}

/* "# begin INDEX TIMEOUT WHO CRASHES XFAIL ID" */
static void on_begin(struct sched *s, struct worker *w, const char *text)
{
    long index;
    double timeout;
    char who[16];
    int crashes, xfail, used = 0;

    w->idle = 0;
    if (sscanf(text, "begin %ld %lf %15s %d %d %n", &index, &timeout, who,
               &crashes, &xfail, &used) < 5 || used == 0) {
        return;
    }
    w->cur_xfail = xfail;
    free(w->cur_id);
    w->cur_id = strdup(text + used);
    w->cur = index;
    w->cur_child = strcmp(who, "child") == 0;
    w->cur_crashes = crashes;
    w->cur_timeout = timeout;
    w->deadline = timeout > 0 ? sup_now() + timeout +
                                    (w->cur_child ? CHILD_SLACK : 0)
                              : 0;
    (void)s;
}

static void on_event(void *ctx, const struct tap_event *ev)
{
    struct sched *s = ctx;
    struct worker *w = s->in_cb;

    switch (ev->kind) {
    case TAP_PLAN:
        w->file->plan = ev->plan_count;
        if (w->cur == -1) {
            w->cur = -2; /* the import is over */
        }
        break;
    case TAP_COMMENT:
        if (strncmp(ev->text, "begin ", 6) == 0) {
            on_begin(s, w, ev->text);
        } else if (strncmp(ev->text, "note ", 5) == 0) {
            fprintf(stderr, "crossrun: note: %s\n", ev->text + 5);
        } else if (strncmp(ev->text, "deselected ", 11) == 0) {
            /* a resumed file says it again: the same number */
            w->file->res.deselected = strtoul(ev->text + 11, NULL, 10);
        } else if (strcmp(ev->text, "idle") == 0) {
            w->cur = -2; /* nothing runs: the worker may end now */
            w->deadline = 0;
            w->idle = 1;
        }
        break;
    case TAP_TEST:
        on_test_point(s, w, ev);
        break;
    case TAP_BAILOUT:
        w->bailed = 1;
        break;
    default:
        break;
    }
}

static void keep(struct buf *b, size_t *cut, const char *p, size_t n,
                 size_t cap)
{
    size_t room = b->len >= cap ? 0 : cap - b->len;
    size_t k = n < room ? n : room;

    if (k > 0 && buf_append(b, p, k) != 0) {
        k = 0;
    }
    if (cut != NULL) {
        *cut += n - k;
    }
}

/* Read what is there on the worker's pipe i (non-blocking). */
static void drain_fd(struct worker *w, int i, struct sched *s)
{
    char chunk[65536];

    while (w->fds[i] >= 0) {
        ssize_t n = read(w->fds[i], chunk, sizeof chunk);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            close(w->fds[i]);
            w->fds[i] = -1;
            return;
        }
        switch (i) {
        case PYW_PROTO:
            s->in_cb = w;
            if (tap_feed(w->tap, chunk, (size_t)n) != 0) {
                s->internal++;
            }
            break;
        case PYW_OUT:
            keep(&w->out, &w->out_cut, chunk, (size_t)n,
                 (size_t)s->o->max_output);
            break;
        case PYW_ERR:
            keep(&w->err, &w->err_cut, chunk, (size_t)n,
                 (size_t)s->o->max_output);
            break;
        default:
            keep(&w->crash, NULL, chunk, (size_t)n, CRASH_CAP);
            break;
        }
    }
}

/* The worker died while w->cur was running: that is the test's result. */
static void died_in_test(struct sched *s, struct worker *w, int status)
{
    struct res_test t;
    struct buf detail = BUF_INIT;
    int import = w->cur == -1;
    struct verdict_end e = {.status = status, .crashes = w->cur_crashes,
                            .importing = import};
    struct verdict v;

    memset(&t, 0, sizeof t);
    t.id = strdup(w->cur_id ? w->cur_id : w->file->res.path);
    names_from_id(t.id, &t);
    t.duration = 0;
    if (w->timed_out) {
        timed_out_result(w, &t);
    } else {
        verdict_judge(&e, &v);
        t.outcome = v.kind == VERDICT_PASSED ? RES_PASSED : RES_FAILED;
        t.type = v.type ? strdup(v.type) : NULL;
        t.message = v.message[0] ? strdup(v.message) : NULL;
        if (w->crash.len) {
            bt_rewrite(w->crash.data, w->crash.len, &detail);
        }
        t.detail = detail.len ? buf_steal(&detail) : NULL;
        buf_free(&detail);
    }
    if (import && t.outcome == RES_FAILED) {
        t.outcome = RES_ERROR;
        free(t.type);
        t.type = strdup("collection");
    } else if (w->cur_xfail && t.outcome == RES_FAILED) {
        t.outcome = RES_XFAILED;    /* as the worker judges it, isolated */
    }
    t.out = join_output("", 0, &w->out, w->out_cut, LONG_MAX, &t.out_len);
    t.err = join_output("", 0, &w->err, w->err_cut, LONG_MAX, &t.err_len);
    w->out_cut = w->err_cut = 0;
    if (!import && w->cur + 1 > w->file->next) {
        w->file->next = w->cur + 1;
    }
    deliver(s, w, &t);
}

/* What a worker that ended well wrote after its last result (teardown
 * of module fixtures, exit handlers) goes with the file's last test, as
 * pytest attaches teardown output to the test before it. */
static void attach_leftover(struct worker *w)
{
    struct res_file *r = &w->file->res;
    struct res_test *t;
    char *out, *err;
    size_t out_len, err_len;

    if (r->ntests == 0 || (w->out.len == 0 && w->err.len == 0 &&
                           w->out_cut == 0 && w->err_cut == 0)) {
        return;
    }
    t = &r->tests[r->ntests - 1];
    out = join_output(t->out ? t->out : "", t->out_len, &w->out, w->out_cut,
                      LONG_MAX, &out_len);
    err = join_output(t->err ? t->err : "", t->err_len, &w->err, w->err_cut,
                      LONG_MAX, &err_len);
    w->out_cut = w->err_cut = 0;
    free(t->out);
    free(t->err);
    t->out = out;
    t->out_len = out_len;
    t->err = err;
    t->err_len = err_len;
}

/* A worker failed (crossrun's own error, not a test's): say which file's
 * and how, with what it wrote, so the run's internal error has a cause. */
static void show_failed_worker(const struct worker *w, int status)
{
    fprintf(stderr, "crossrun: internal error: the worker of %s ",
            w->file->res.path);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "died by signal %d", WTERMSIG(status));
    } else {
        fprintf(stderr, "exited with status %d", WEXITSTATUS(status));
    }
    fprintf(stderr, "%s\n", w->err.len || w->out.len ? "; it wrote:" :
            " and wrote nothing");
    if (w->out.len > 0) {
        fwrite(w->out.data, 1, w->out.len, stderr);
    }
    if (w->err.len > 0) {
        fwrite(w->err.data, 1, w->err.len, stderr);
    }
    if (w->out.len + w->err.len > 0 &&
        (w->err.len ? w->err.data[w->err.len - 1]
                    : w->out.data[w->out.len - 1]) != '\n') {
        fputc('\n', stderr);
    }
}

static void enqueue_front(struct sched *s, size_t fi)
{
    s->qhead = (s->qhead + s->qcap - 1) % s->qcap;
    s->queue[s->qhead] = fi;
    s->qlen++;
    s->files[fi].queued = 1;
}

static void worker_clear(struct worker *w)
{
    for (int i = 0; i < PYW_NFDS; i++) {
        if (w->fds[i] >= 0) {
            close(w->fds[i]);
        }
        w->fds[i] = -1;
    }
    if (w->pidfd >= 0) {
        close(w->pidfd);
    }
    tap_free(w->tap);
    free(w->cur_id);
    buf_free(&w->out);
    buf_free(&w->err);
    buf_free(&w->crash);
    memset(w, 0, sizeof *w);
    w->pidfd = -1;
    for (int i = 0; i < PYW_NFDS; i++) {
        w->fds[i] = -1;
    }
}

static int file_finish(struct sched *s, struct file_state *f)
{
    int rc = 0;

    if (s->stopping && !s->interrupted && f->plan > (long)f->res.ntests) {
        s->tests_left += (size_t)f->plan - f->res.ntests;
    }
    f->finished = 1;
    if (s->h->on_file) {
        rc = s->h->on_file(s->h->ctx, &f->res);
    }
    res_file_free(&f->res);
    return rc;
}

/* The worker has ended (status from waitpid): read what is left, decide
 * what its end means, and whether its file needs another worker. */
static int worker_ended(struct sched *s, struct worker *w, int status)
{
    struct file_state *f = w->file;
    size_t fi = (size_t)(f - s->files);
    int rc = 0;

    for (int i = 0; i < PYW_NFDS; i++) {
        drain_fd(w, i, s);
    }
    s->in_cb = w;
    tap_finish(w->tap);
    if (w->bailed) {
        s->internal++;
        show_failed_worker(w, status);
    }
    /* A worker the runner stopped (-x, a signal) reports nothing more. */
    if (!s->stopping) {
        if (w->cur >= -1) {
            died_in_test(s, w, status);
        } else if (!w->bailed && !(WIFEXITED(status) &&
                                   WEXITSTATUS(status) == 0)) {
            s->internal++;
            show_failed_worker(w, status);
        } else {
            attach_leftover(w);
        }
    }
    f->running = 0;
    f->res.duration += sup_now() - w->started;
    if (!s->stopping && f->plan >= 0 && f->next < f->plan && w->cur >= 0 &&
        !w->bailed) {
        enqueue_front(s, fi);
    } else {
        rc = file_finish(s, f);
    }
    worker_clear(w);
    return rc;
}

static int start_worker(struct sched *s, struct worker *w, size_t fi,
                        char *err, size_t errlen)
{
    struct file_state *f = &s->files[fi];
    struct pyw_job job;

    job.path = f->res.path;
    job.start = f->next;
    job.isolate_file = s->o->isolate == CLI_ISOLATE_FILE;
    job.timeout = s->o->timeout;
    job.keyword = s->o->keyword;
    job.marks = s->o->markexpr;
    job.select = f->select;
    job.collect_only = s->o->collect_only;
    job.number = (long)fi;
    w->tap = tap_new(on_event, s);
    if (w->tap == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->pid = s->spare.pid > 0 ? pyw_spare_assign(&s->spare, &job, w->fds)
                              : -1;
    if (w->pid < 0) {
        w->pid = pyw_spawn(&job, w->fds, err, errlen);
    }
    if (w->pid < 0) {
        tap_free(w->tap);
        w->tap = NULL;
        w->pid = 0;
        return -1;
    }
    w->pidfd = sup_pidfd_open(w->pid);
    w->file = f;
    w->cur = -2;
    w->started = sup_now();
    f->running = 1;
    if (f->res.started == 0) {
        f->res.started = time(NULL);
    }
    return 0;
}

/* The worker passed its deadline: step through the kill phases. */
static void overdue(struct worker *w, double now)
{
    switch (w->phase) {
    case K_NONE:
        w->timed_out = 1;
        w->phase = K_DUMP;
        if (!w->cur_child) {
            kill(w->pid, SUP_DUMP_SIGNAL);
        }
        sup_kill_group(w->pid, SIGCONT);
        w->deadline = now + SUP_DUMP_WAIT;
        break;
    case K_DUMP:
        w->phase = K_TERM;
        sup_kill_group(w->pid, SIGTERM);
        w->deadline = now + GRACE;
        break;
    default:
        w->phase = K_KILL;
        sup_kill_group(w->pid, SIGKILL);
        w->deadline = now + 1;
        break;
    }
}

static void stop_all(struct sched *s)
{
    for (int i = 0; i < s->nslots; i++) {
        if (s->w[i].pid > 0) {
            sup_kill_group(s->w[i].pid, SIGKILL);
        }
    }
}

/* Workers that take a place of -j: running, not ending. */
static int busy_workers(const struct sched *s)
{
    int n = 0;

    for (int i = 0; i < s->nslots; i++) {
        n += s->w[i].pid != 0 && !s->w[i].idle;
    }
    return n;
}

static int reap(struct sched *s, struct worker *w, int block)
{
    int status;
    pid_t r;

    do {
        r = waitpid(w->pid, &status, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == w->pid) {
        return worker_ended(s, w, status) != 0 ? -1 : 1;
    }
    return r < 0 ? -1 : 0;
}

/* Children of the runner that are none of its own (workers, the spare,
 * the precompiler) were orphaned by a test or a worker that died: kill
 * them (see core/reap.h). At the end of the run (`all`), every
 * descendant goes, as deep as it is. */
static void end_strays(struct sched *s, int all)
{
    pid_t keep[64];
    size_t n = 0;

    keep[n++] = pyw_precompile_pid();
    keep[n++] = s->spare.pid;
    for (int i = 0; s->w != NULL && i < s->nslots && n < 64; i++) {
        keep[n++] = s->w[i].pid;
    }
    if (all) {
        (void)reap_descendants(keep, n, 5.0);
    } else {
        (void)reap_children(keep, n);
    }
}

static int install_signals(char *err, size_t errlen)
{
    struct sigaction sa;

    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* Each ends the run as Ctrl-C does: what finished is reported. */
    if (sigaction(SIGINT, &sa, NULL) != 0 ||
        sigaction(SIGTERM, &sa, NULL) != 0 ||
        sigaction(SIGHUP, &sa, NULL) != 0 ||
        sigaction(SIGQUIT, &sa, NULL) != 0) {
        snprintf(err, errlen, "sigaction: %s", strerror(errno));
        return -1;
    }
    return 0;
}

enum sched_end sched_run(const struct cli_opts *o, char **files,
                         char **select, size_t n,
                         const struct sched_hooks *h, int *internal_errors,
                         char *err, size_t errlen)
{
    struct sched s;
    struct pollfd *pfd = NULL;
    enum sched_end end = SCHED_FAILED;
    size_t active = 0;
    double last_strays = 0;

    memset(&s, 0, sizeof s);
    s.o = o;
    s.h = h;
    s.jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (s.jobs < 1) {
        s.jobs = 1;
    }
    s.nfiles = n;
    s.nslots = 2 * s.jobs;
    s.qcap = n + (size_t)s.jobs + 1;
    s.files = calloc(n ? n : 1, sizeof *s.files);
    s.queue = calloc(s.qcap, sizeof *s.queue);
    s.w = calloc((size_t)s.nslots, sizeof *s.w);
    pfd = calloc((size_t)s.nslots * (PYW_NFDS + 1) + 1, sizeof *pfd);
    if (!s.files || !s.queue || !s.w || !pfd) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < s.nslots; i++) {
        s.w[i].pidfd = -1;
        for (int k = 0; k < PYW_NFDS; k++) {
            s.w[i].fds[k] = -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        s.files[i].res.path = strdup(files[i]);
        s.files[i].select = select != NULL ? select[i] : NULL;
        s.files[i].plan = -1;
        s.queue[i] = i;
        s.files[i].queued = 1;
        if (s.files[i].res.path == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    s.qlen = n;
    if (install_signals(err, errlen) != 0) {
        goto out;
    }
    /* What tests start and orphan comes to the runner (core/reap.h). */
    if (reap_subreaper() != 0) {
        snprintf(err, errlen, "prctl(PR_SET_CHILD_SUBREAPER): %s",
                 strerror(errno));
        goto out;
    }
    for (;;) {
        int np = 0, timeout_ms = -1;
        double now;

        /* Start workers while there is room and work. A worker whose file
         * is done ("# idle") takes no room: the next file's worker starts
         * while it ends (its exit, and the fork of the next one, overlap). */
        for (int i = 0; i < s.nslots && !s.stopping && s.qlen > 0 &&
                        busy_workers(&s) < s.jobs;
             i++) {
            if (s.w[i].pid == 0) {
                size_t fi = s.queue[s.qhead];

                s.qhead = (s.qhead + 1) % s.qcap;
                s.qlen--;
                s.files[fi].queued = 0;
                if (start_worker(&s, &s.w[i], fi, err, errlen) != 0) {
                    goto out;
                }
                active++;
            }
        }
        /* The next file's worker, forked now while this one works;
         * none when no file waits (a resumed file gets a fresh one). */
        if (s.spare.pid == 0 && !s.no_spare && !s.stopping && s.qlen > 0) {
            char why[256];

            s.no_spare = pyw_spare_start(&s.spare, why, sizeof why) != 0;
        } else if (s.spare.pid > 0 && (s.stopping || s.qlen == 0)) {
            pyw_spare_drop(&s.spare);
        }
        if (active == 0) {
            break;
        }
        now = sup_now();
        for (int i = 0; i < s.nslots; i++) {
            struct worker *w = &s.w[i];

            if (w->pid == 0) {
                continue;
            }
            if (w->deadline > 0 && now >= w->deadline) {
                overdue(w, now);
            }
            if (w->deadline > 0) {
                int ms = (int)((w->deadline - now) * 1000) + 1;

                if (timeout_ms < 0 || ms < timeout_ms) {
                    timeout_ms = ms;
                }
            }
            for (int k = 0; k < PYW_NFDS; k++) {
                if (w->fds[k] >= 0) {
                    pfd[np].fd = w->fds[k];
                    pfd[np++].events = POLLIN;
                }
            }
            if (w->pidfd >= 0) {
                pfd[np].fd = w->pidfd;
                pfd[np++].events = POLLIN;
            } else if (timeout_ms < 0 || timeout_ms > 20) {
                timeout_ms = 20; /* no pidfd: look for its end often */
            }
        }
        pfd[np].fd = sig_pipe[0];
        pfd[np++].events = POLLIN;
        if (poll(pfd, (nfds_t)np, timeout_ms) < 0 && errno != EINTR) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            goto out;
        }
        if (pfd[np - 1].revents & POLLIN) {
            char c;

            while (read(sig_pipe[0], &c, 1) == 1) {
            }
            s.interrupted = 1;
            s.stopping = 1;
            stop_all(&s);
        }
        for (int i = 0; i < s.nslots; i++) {
            struct worker *w = &s.w[i];
            int r;

            if (w->pid == 0) {
                continue;
            }
            for (int k = 0; k < PYW_NFDS; k++) {
                drain_fd(w, k, &s);
            }
            if (s.stopping) {
                stop_all(&s);
            }
            r = reap(&s, w, 0);
            if (r < 0) {
                snprintf(err, errlen, "waitpid or report failed: %s",
                         strerror(errno));
                goto out;
            }
            if (r > 0) {
                active--;
            }
        }
        if (now - last_strays >= STRAY_EVERY) {
            end_strays(&s, 0);
            last_strays = now;
        }
    }
    end = s.interrupted ? SCHED_INTERRUPTED : SCHED_DONE;
    /* Files that never started (-x, a signal) are still handed on, so
     * the reports hold what finished. */
    for (size_t i = 0; i < n; i++) {
        if (s.files[i].queued && s.files[i].res.ntests > 0) {
            file_finish(&s, &s.files[i]);
        }
    }
    if (s.stopping && !s.interrupted && h->on_stopped != NULL) {
        size_t files_left = 0;

        for (size_t i = 0; i < n; i++) {
            struct file_state *f = &s.files[i];

            if (f->finished) {
                continue;
            }
            if (f->plan < 0) {
                files_left++;
            } else if (f->plan > (long)f->res.ntests) {
                s.tests_left += (size_t)f->plan - f->res.ntests;
            }
        }
        h->on_stopped(h->ctx, s.tests_left, files_left);
    }
out:
    pyw_spare_drop(&s.spare);
    if (s.w != NULL) {
        stop_all(&s);
        for (int i = 0; i < s.nslots; i++) {
            if (s.w[i].pid > 0) {
                s.interrupted = 1;
                reap(&s, &s.w[i], 1);
            }
        }
        end_strays(&s, 1);
    }
    for (size_t i = 0; s.files != NULL && i < n; i++) {
        res_file_free(&s.files[i].res);
    }
    *internal_errors = s.internal;
    free(s.files);
    free(s.queue);
    free(s.w);
    free(pfd);
    if (sig_pipe[0] >= 0) {
        close(sig_pipe[0]);
        close(sig_pipe[1]);
        sig_pipe[0] = sig_pipe[1] = -1;
    }
    return end;
}
