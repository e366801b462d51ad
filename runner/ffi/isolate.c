/* isolate: the supervisor of runner/sup.c for Python callers.
 *   run_isolated(func): one call in a forked child (the pytest plugin);
 *   Chain(job): many, each in a fresh copy of this process as it was at
 *     the chain's snapshot, each next copy made while the current one runs
 *     (the worker: one per test of a file).
 * A child writes Python tracebacks (faulthandler) and a native backtrace
 * to its crash pipe at a crash, and the traceback at a timeout through the
 * dump signal; enable_crash_reports() sets that up once per process. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/codepages.h"
#include "core/btrace.h"
#include "ffi/covhook.h"
#include "ffi/module.h"
#include "core/outmark.h"
#include "core/pagewarm.h"
#include "core/sup.h"

#define DUMP_SIGNAL SUP_DUMP_SIGNAL

static PyTypeObject *result_type;

static PyStructSequence_Field result_fields[] = {
    {"exitcode", "exit status if the child exited, else None"},
    {"signal", "number of the signal that killed the child, else None"},
    {"timed_out", "True if the deadline passed and the group was killed"},
    {"stdout", "captured fd 1 (bytes, capped)"},
    {"stderr", "captured fd 2 (bytes, capped)"},
    {"stdout_cut", "bytes of fd 1 dropped beyond the cap"},
    {"stderr_cut", "bytes of fd 2 dropped beyond the cap"},
    {"report", "what func returned (bytes), b'' if it never returned"},
    {"crash", "tracebacks written at a crash or timeout (str)"},
    {"duration", "seconds from fork to reap"},
    {NULL, NULL},
};

static PyStructSequence_Desc result_desc = {
    "crossrun._native.IsolatedResult",
    "The outcome of run_isolated().",
    result_fields,
    10,
};

/* The method name, made once: a child that made it again would touch
 * (and so copy) the pages of the string machinery. */
static PyObject *flush_name;

static void flush_std(const char *name)
{
    PyObject *f = PySys_GetObject(name); /* borrowed */
    PyObject *r;

    if (f != NULL && f != Py_None && flush_name != NULL) {
        r = PyObject_CallMethodNoArgs(f, flush_name);
        Py_XDECREF(r);
        PyErr_Clear();
    }
}

/* What a child does after its job: Python's and C's buffered output out
 * to the capture pipes. */
static void flush_all(void)
{
    flush_std("stdout");
    flush_std("stderr");
    fflush(NULL);
}

/* Tracebacks go to crash_fd: faulthandler for fatal signals and for the
 * dump signal sent at a timeout; our handler in front for native frames. */
static void enable_tracebacks(int crash_fd)
{
    PyObject *fh = PyImport_ImportModule("faulthandler");
    PyObject *r;

    if (fh == NULL) {
        PyErr_Clear();
        return;
    }
    r = PyObject_CallMethod(fh, "enable", "(ii)", crash_fd, 0);
    Py_XDECREF(r);
    r = PyObject_CallMethod(fh, "register", "(iiii)", DUMP_SIGNAL, crash_fd,
                            0, 0);
    Py_XDECREF(r);
    Py_DECREF(fh);
    PyErr_Clear();
    sup_install_crash_handler(crash_fd);
}

/* The fd that this process's crash handlers write to, once
 * enable_crash_reports() set them up; -1 before. A child then only moves
 * its crash pipe onto that number: setting the handlers up again in every
 * child would cost more than the fork. */
static int crash_slot = -1;

/* In a child: call func(), or func(job) when `with_job`, flush, and
 * write what it returned (bytes or str) to report_fd with the word that
 * the child is done. With `learn`, first record the pages it wrote for
 * the children that wait (pagewarm_learn: the first child of a snapshot
 * only; its parent ends it as soon as it says it is done). */
static void child_call(PyObject *func, int with_job, long job, int report_fd,
                       int crash_fd, int learn)
{
    PyObject *res;
    pid_t me;

    if (crash_slot >= 0) {
        if (dup2(crash_fd, crash_slot) < 0) {
            enable_tracebacks(crash_fd);
        }
    } else {
        enable_tracebacks(crash_fd);
    }
    me = getpid();
    covhook_begin();
    if (with_job) {
        PyObject *n = PyLong_FromLong(job);

        res = n != NULL ? PyObject_CallOneArg(func, n) : NULL;
        Py_XDECREF(n);
    } else {
        res = PyObject_CallNoArgs(func);
    }
    if (getpid() != me) {
        /* A process the test forked came back here: it is not the test,
         * and must neither report nor run anything else. */
        flush_all();
        _exit(0);
    }
    if (res == NULL) {
        PyErr_Print();
    }
    covhook_end();
    if (learn) {
        pagewarm_learn();
    }
    /* Output first, then the report and the word that the child is done,
     * in one write: the parent wakes once, with everything in the pipes.
     * A report that cannot be written is a test that never said how it
     * ended: the parent reports that. */
    flush_all();
    if (res != NULL && PyBytes_Check(res)) {
        (void)sup_child_done(report_fd, PyBytes_AS_STRING(res),
                             (size_t)PyBytes_GET_SIZE(res));
    } else if (res != NULL && PyUnicode_Check(res)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(res, &n);

        if (s != NULL) {
            (void)sup_child_done(report_fd, s, (size_t)n);
        }
        PyErr_Clear();
    }
    Py_XDECREF(res);
}

/* run_isolated's child: arg is the callable. */
static void isolated_main(void *arg, long job, int report_fd, int crash_fd)
{
    (void)job;
    child_call(arg, 0, 0, report_fd, crash_fd, 0);
}

/* The Chain of a child (see ChainObject below). */
typedef struct ChainObject ChainObject;
static PyObject *chain_jobs(void *chain);
static int chain_prefaults(void *chain);
static void chain_idle(void *chain);

/* A Chain's child: arg is the Chain; job is the argument of its jobs
 * callable. With prefault, the first child of a snapshot to end tells
 * the others which pages to copy ahead. */
static void chain_main(void *arg, long job, int report_fd, int crash_fd)
{
    child_call(chain_jobs(arg), 1, job, report_fd, crash_fd,
               chain_prefaults(arg));
}

static PyObject *opt_int(int present, long v)
{
    if (!present) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLong(v);
}

static PyObject *make_result(const struct sup_result *r)
{
    PyObject *res = PyStructSequence_New(result_type);
    struct buf crash = BUF_INIT;
    PyObject *items[10];

    if (res == NULL) {
        return NULL;
    }
    if (bt_rewrite(r->crash.data ? r->crash.data : "", r->crash.len,
                      &crash) != 0) {
        Py_DECREF(res);
        return PyErr_NoMemory();
    }
    items[0] = opt_int(WIFEXITED(r->status), WEXITSTATUS(r->status));
    items[1] = opt_int(WIFSIGNALED(r->status), WTERMSIG(r->status));
    items[2] = PyBool_FromLong(r->timed_out);
    items[3] = PyBytes_FromStringAndSize(r->out.data, (Py_ssize_t)r->out.len);
    items[4] = PyBytes_FromStringAndSize(r->err.data, (Py_ssize_t)r->err.len);
    items[5] = PyLong_FromSize_t(r->out_cut);
    items[6] = PyLong_FromSize_t(r->err_cut);
    items[7] = PyBytes_FromStringAndSize(r->report.data,
                                         (Py_ssize_t)r->report.len);
    items[8] = PyUnicode_DecodeUTF8(crash.data ? crash.data : "",
                                    (Py_ssize_t)crash.len, "replace");
    items[9] = PyFloat_FromDouble(r->duration);
    buf_free(&crash);
    for (int i = 0; i < 10; i++) {
        if (items[i] == NULL) {
            for (int j = i + 1; j < 10; j++) {
                Py_XDECREF(items[j]);
            }
            Py_DECREF(res);
            return NULL;
        }
        PyStructSequence_SET_ITEM(res, i, items[i]);
    }
    return res;
}

/* Ctrl-C and the like while a child runs: Python's handler runs now,
 * and when it raises (KeyboardInterrupt) the child is stopped and the
 * exception goes up from the call that ran it. */
static int python_interrupted(void)
{
    return PyErr_CheckSignals() != 0;
}

/* NULL with the exception that stopped a run (the one python_interrupted
 * saw raised; KeyboardInterrupt if none is left). */
static PyObject *stopped_error(void)
{
    if (!PyErr_Occurred()) {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
    return NULL;
}

static void set_opts(struct sup_opts *o, double timeout, double grace,
                     Py_ssize_t cap, int capture)
{
    o->timeout = timeout;
    o->grace = grace;
    o->cap = (size_t)cap;
    o->capture = capture;
    o->dump_signal = DUMP_SIGNAL;
    o->before_fork = PyOS_BeforeFork;
    o->after_fork_parent = PyOS_AfterFork_Parent;
    o->after_fork_child = PyOS_AfterFork_Child;
    o->close_fd = -1;
    o->idle = NULL;
    o->interrupted = python_interrupted;
}

static int check_limits(double timeout, double grace, Py_ssize_t cap)
{
    if (timeout < 0 || grace < 0 || cap < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "timeout, grace and cap must be >= 0");
        return -1;
    }
    return 0;
}

/* Before a fork: move every tracked object to the permanent generation,
 * so no collection in a child walks (and so copies) them. With `compact`
 * (once per chain, not per test): first collect the garbage and hand the
 * freed heap back to the system, so there is less memory to copy into
 * every child and to tear down after it. */
static void freeze_gc(int compact)
{
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *r;

    if (gc != NULL && compact) {
        r = PyObject_CallMethod(gc, "collect", NULL);
        Py_XDECREF(r);
    }
    r = gc ? PyObject_CallMethod(gc, "freeze", NULL) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(gc);
    PyErr_Clear();
    if (compact) {
        malloc_trim(0);
    }
}

PyDoc_STRVAR(run_isolated_doc,
"run_isolated(func, *, timeout=0.0, cap=1048576, capture=True, grace=1.0)\n"
"--\n\n"
"Call func() in a forked child of this process, with fd 1 and 2\n"
"captured, and return an IsolatedResult. func's return value (bytes or\n"
"str) comes back as .report. A timeout (seconds, 0 = none) kills the\n"
"child's whole process group: first a traceback is asked for, then\n"
"SIGTERM, `grace` seconds, SIGKILL.");

static PyObject *run_isolated(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"func", "timeout", "cap", "capture", "grace",
                             NULL};
    PyObject *func, *res;
    double timeout = 0.0, grace = 1.0;
    Py_ssize_t cap = 1 << 20;
    int capture = 1;
    struct sup_opts o;
    struct sup_result r;
    char err[256];

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$dnpd:run_isolated", kwlist,
                                     &func, &timeout, &cap, &capture,
                                     &grace)) {
        return NULL;
    }
    if (!PyCallable_Check(func)) {
        PyErr_SetString(PyExc_TypeError, "run_isolated: func is not callable");
        return NULL;
    }
    if (check_limits(timeout, grace, cap) != 0) {
        return NULL;
    }
    set_opts(&o, timeout, grace, cap, capture);
    freeze_gc(0);
    if (sup_run(isolated_main, func, &o, &r, err, sizeof err) != 0) {
        (void)sup_end_leftovers(&r);
        sup_result_free(&r);
        PyErr_Format(PyExc_OSError, "run_isolated: %s", err);
        return NULL;
    }
    (void)sup_end_leftovers(&r);
    if (r.stopped) {
        sup_result_free(&r);
        return stopped_error();
    }
    res = make_result(&r);
    sup_result_free(&r);
    return res;
}

/* ---- Chain: many isolated runs from one snapshot --------------------- */

/* Invariant: `ready` is NULL, or the waiting child the next run starts,
 * and `after` is NULL or the waiting child of the run after it (its
 * successor, already taken); all are copies of this process as it was
 * when the first child of the current snapshot was forked. `asked`: the
 * last of them has been asked for its successor, not yet taken.
 *
 * Two waiting children, not one: a child is asked for its successor one
 * run before it runs, so the cloning that follows has a whole run's time
 * on the other processor before anyone waits for it. */
struct ChainObject {
    PyObject_HEAD
    PyObject *jobs;            /* callable; the child of job k calls it(k) */
    PyObject *warmup;          /* called before a snapshot, or NULL */
    int prefault;              /* waiting children copy pages ahead */
    int close_fd;              /* closed in every child, or -1 */
    struct sup_child *ready;
    struct sup_child *after;
    int asked;
};

static PyObject *chain_jobs(void *chain)
{
    return ((ChainObject *)chain)->jobs;
}

static int chain_prefaults(void *chain)
{
    return ((ChainObject *)chain)->prefault;
}

/* sup's idle hook, in a waiting child that cloned its successor: copy
 * the pages that jobs of this snapshot write ahead (core/pagewarm.h),
 * now, while the test before runs, not in this child's test; its own
 * test, when it comes first, does not wait for the rest. */
static void chain_idle(void *chain)
{
    if (chain_prefaults(chain)) {
        (void)pagewarm_apply(sup_idle_over);
    }
}


static void chain_drop(ChainObject *c)
{
    struct sup_child *last = c->after != NULL ? c->after : c->ready;

    if (last != NULL && c->asked) {
        struct sup_child *s = NULL;
        char err[128];

        if (sup_take_successor(last, &s, err, sizeof err) == 0) {
            sup_discard(s);
        }
    }
    sup_discard(c->after);
    sup_discard(c->ready);
    c->ready = c->after = NULL;
    c->asked = 0;
}

/* Trimming costs about as much as three children save by it. */
#define TRIM_MIN_RUNS 4

/* Before the first fork of a snapshot: cut the page table entries of the
 * code down to what runs from here on (a warm-up run, then forks and
 * tests), so the children copy fewer at fork and tear down fewer at exit
 * (see codepages.h), when `left` (runs to come after this one; -1:
 * unknown) makes it worth it. The warm-up is crossrun's own path, not the
 * user's: running it here changes nothing a test could see. */
static void snapshot_code(ChainObject *c, Py_ssize_t left)
{
    PyObject *r;

    if (left < 0 || left + 1 >= TRIM_MIN_RUNS) {
        codepages_trim();
    }
    if (c->warmup != NULL) {
        r = PyObject_CallNoArgs(c->warmup);
        Py_XDECREF(r);
        PyErr_Clear();
    }
}

/* Take the successor that `last` was asked for, and (`ask`) ask that one
 * for its own. Returns it, or NULL (the chain then starts again from a
 * fork). */
static struct sup_child *chain_next(ChainObject *c, struct sup_child *last,
                                    int ask)
{
    struct sup_child *next = NULL;
    char err[128];

    if (!c->asked || sup_take_successor(last, &next, err, sizeof err) != 0) {
        next = NULL;
    }
    c->asked = ask && next != NULL && sup_request_successor(next) == 0;
    return next;
}

static int chain_init(ChainObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"job", "warmup", "close_fd", "prefault", NULL};
    PyObject *jobs, *warmup = NULL;
    int close_fd = -1, prefault = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|Oip:Chain", kwlist, &jobs,
                                     &warmup, &close_fd, &prefault)) {
        return -1;
    }
    if (!PyCallable_Check(jobs)) {
        PyErr_SetString(PyExc_TypeError, "Chain: job is not callable");
        return -1;
    }
    self->close_fd = close_fd;
    if (warmup == Py_None) {
        warmup = NULL;
    }
    if (warmup != NULL && !PyCallable_Check(warmup)) {
        PyErr_SetString(PyExc_TypeError, "Chain: warmup is not callable");
        return -1;
    }
    chain_drop(self);
    Py_INCREF(jobs);
    Py_XSETREF(self->jobs, jobs);
    Py_XINCREF(warmup);
    Py_XSETREF(self->warmup, warmup);
    self->prefault = prefault;
    return 0;
}

static void chain_dealloc(ChainObject *self)
{
    chain_drop(self);
    Py_XDECREF(self->jobs);
    Py_XDECREF(self->warmup);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyDoc_STRVAR(chain_run_doc,
"run(k, *, timeout=0.0, cap=1048576, grace=1.0, left=-1)\n--\n\n"
"Run the chain's job(k) isolated, like run_isolated, in a child that is\n"
"a copy of this process as it was at the chain's snapshot: the first run\n"
"after creation or reset(). The next runs' children are made while this\n"
"one runs; left: how many runs will follow (-1: unknown), so that none\n"
"is made in vain.");

/* Run job(job) in the chain's next child and fill *r; left: how many runs
 * are to follow this one (-1: unknown): no child is made for a run that
 * will not come. Returns 0, or -1 with a Python exception set. */
static int chain_run_one(ChainObject *self, Py_ssize_t job, Py_ssize_t left,
                         double timeout, Py_ssize_t cap, double grace,
                         struct sup_result *r)
{
    struct sup_opts o;
    struct sup_child *current;
    char err[256];
    int rc;

    set_opts(&o, timeout, grace, cap, 1);
    o.close_fd = self->close_fd;
    o.idle = chain_idle;
    if (self->ready == NULL) {
        freeze_gc(1);
        snapshot_code(self, left);
        /* No table: the children only do without copying ahead. */
        if (self->prefault && pagewarm_snapshot() != 0) {
            self->prefault = 0;
        }
        if (sup_prepare(chain_main, self, &o, &self->ready, err,
                        sizeof err) != 0) {
            memset(r, 0, sizeof *r);
            PyErr_Format(PyExc_OSError, "Chain.run: %s", err);
            return -1;
        }
        self->asked = left != 0 && sup_request_successor(self->ready) == 0;
        self->after = NULL;
    }
    current = self->ready;
    /* The test first: the children of the next runs are taken while it
     * runs (what current was asked for it made before it started). */
    sup_go(current, (long)job);
    if (self->after == NULL) {
        /* Starting (or the chain broke): make the next child now. */
        self->after = chain_next(self, current, left < 0 || left >= 2);
    }
    /* The child after the next one, asked for one run ago; it is asked for
     * the one after it (three runs on) if that run will come. */
    self->ready = self->after;
    self->after = self->ready != NULL
                      ? chain_next(self, self->ready, left < 0 || left >= 3)
                      : NULL;
    rc = sup_supervise(current, &o, r, err, sizeof err);
    if (!r->said_done) {
        /* What it started may be this process's now, and so may a
         * successor cloned meanwhile: the waiting children go first. */
        chain_drop(self);
    }
    (void)sup_end_leftovers(r);
    if (rc == 0 && r->stopped) {
        (void)stopped_error();
        return -1;
    }
    if (rc != 0) {
        PyErr_Format(PyExc_OSError, "Chain.run: %s", err);
        return -1;
    }
    return 0;
}

static int check_job(ChainObject *self, Py_ssize_t job)
{
    if (self->jobs == NULL || job < 0) {
        PyErr_SetString(PyExc_IndexError, "Chain.run: no such job");
        return -1;
    }
    return 0;
}

static PyObject *chain_run(ChainObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"job", "timeout", "cap", "grace", "left", NULL};
    Py_ssize_t job, cap = 1 << 20, left = -1;
    double timeout = 0.0, grace = 1.0;
    struct sup_result r;
    PyObject *res;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "n|$dndn:run", kwlist, &job,
                                     &timeout, &cap, &grace, &left)) {
        return NULL;
    }
    if (check_job(self, job) != 0 || check_limits(timeout, grace, cap) != 0) {
        return NULL;
    }
    if (chain_run_one(self, job, left, timeout, cap, grace, &r) != 0) {
        sup_result_free(&r);
        return NULL;
    }
    res = make_result(&r);
    sup_result_free(&r);
    return res;
}

/* A run that needs no judging: the job returned exactly "P" (passed),
 * exited normally, and wrote nothing anywhere else. */
static int plain_pass(const struct sup_result *r)
{
    return !r->timed_out && WIFEXITED(r->status) &&
           WEXITSTATUS(r->status) == 0 && r->report.len == 1 &&
           r->report.data[0] == 'P' && r->out.len == 0 && r->err.len == 0 &&
           r->out_cut == 0 && r->err_cut == 0 && r->crash.len == 0;
}

PyDoc_STRVAR(chain_run_plain_doc,
"run_plain(specs, start, held, fd, *, cap=1048576, grace=1.0, end=-1)\n"
"--\n\n"
"Run job(k) for k = start, start + 1, ... while specs[k] is not None,\n"
"reporting on fd. specs[k] is (timeout, begin, head, tail): before the\n"
"run, held + begin is written; a run that passed plainly (the job\n"
"returned b'P', nothing was printed) becomes held = head + duration +\n"
"tail and the loop goes on. Returns (k, held, result): result is the\n"
"IsolatedResult of job k when that run needs judging (held was written),\n"
"else None (specs[k] is None, or k == len(specs)). end: no run comes\n"
"at or after job end (-1: unknown; see run()'s left).");

static PyObject *chain_run_plain(ChainObject *self, PyObject *args,
                                 PyObject *kw)
{
    static char *kwlist[] = {"specs", "start", "held", "fd", "cap", "grace",
                             "end", NULL};
    PyObject *specs, *held, *spec, *res = NULL;
    Py_ssize_t k, cap = 1 << 20, end = -1;
    double grace = 1.0;
    int fd;
    struct buf out = BUF_INIT;
    struct sup_result r;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!nSi|$ndn:run_plain", kwlist,
                                     &PyList_Type, &specs, &k, &held, &fd,
                                     &cap, &grace, &end)) {
        return NULL;
    }
    if (check_limits(0.0, grace, cap) != 0) {
        return NULL;
    }
    if (buf_append(&out, PyBytes_AS_STRING(held),
                   (size_t)PyBytes_GET_SIZE(held)) != 0) {
        return PyErr_NoMemory();
    }
    for (; k < PyList_GET_SIZE(specs); k++) {
        double timeout;
        PyObject *begin, *head, *tail;
        char dur[32];
        int n;

        spec = PyList_GET_ITEM(specs, k); /* borrowed */
        if (spec == Py_None) {
            break;
        }
        if (!PyArg_ParseTuple(spec, "dSSS:run_plain spec", &timeout, &begin,
                              &head, &tail) ||
            check_job(self, k) != 0 || check_limits(timeout, grace, cap) != 0) {
            goto out;
        }
        if (buf_append(&out, PyBytes_AS_STRING(begin),
                       (size_t)PyBytes_GET_SIZE(begin)) != 0) {
            PyErr_NoMemory();
            goto out;
        }
        if (afile_write_all(fd, out.data, out.len) != 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            goto out;
        }
        out.len = 0;
        if (chain_run_one(self, k, end >= 0 ? end - k - 1 : -1, timeout, cap,
                          grace, &r) != 0) {
            sup_result_free(&r);
            goto out;
        }
        if (!plain_pass(&r)) {
            PyObject *result = make_result(&r);

            sup_result_free(&r);
            if (result != NULL) {
                res = Py_BuildValue("(ny#N)", k, "", (Py_ssize_t)0, result);
            }
            goto out;
        }
        n = snprintf(dur, sizeof dur, "%.6f", r.duration);
        sup_result_free(&r);
        if (buf_append(&out, PyBytes_AS_STRING(head),
                       (size_t)PyBytes_GET_SIZE(head)) != 0 ||
            buf_append(&out, dur, (size_t)n) != 0 ||
            buf_append(&out, PyBytes_AS_STRING(tail),
                       (size_t)PyBytes_GET_SIZE(tail)) != 0) {
            PyErr_NoMemory();
            goto out;
        }
        /* Ctrl-C and the like: stop between tests. */
        if (PyErr_CheckSignals() != 0) {
            goto out;
        }
    }
    res = Py_BuildValue("(ny#O)", k, out.data ? out.data : "",
                        (Py_ssize_t)out.len, Py_None);
out:
    buf_free(&out);
    return res;
}

static PyObject *chain_reset(ChainObject *self, PyObject *unused)
{
    (void)unused;
    chain_drop(self);
    Py_RETURN_NONE;
}

static PyMethodDef chain_methods[] = {
    {"run", (PyCFunction)(void (*)(void))chain_run,
     METH_VARARGS | METH_KEYWORDS, chain_run_doc},
    {"run_plain", (PyCFunction)(void (*)(void))chain_run_plain,
     METH_VARARGS | METH_KEYWORDS, chain_run_plain_doc},
    {"reset", (PyCFunction)chain_reset, METH_NOARGS,
     "Drop the waiting children: the next run takes a new snapshot."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject chain_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun._native.Chain",
    .tp_basicsize = sizeof(ChainObject),
    .tp_dealloc = (destructor)chain_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Chain(job, warmup=None, close_fd=-1, prefault=False): "
              "isolated runs of job(k) from one snapshot of this process; "
              "warmup() is called here before each snapshot; close_fd is "
              "closed in every child; with prefault, a waiting child copies "
              "ahead the pages that the first job of its snapshot wrote "
              "(core/pagewarm.h), while the run before it goes on.",
    .tp_methods = chain_methods,
    .tp_init = (initproc)chain_init,
    .tp_new = PyType_GenericNew,
};

PyDoc_STRVAR(output_mark_doc,
"output_mark(number)\n--\n\n"
"Flush Python's and C's buffered output, then mark fd 1 and fd 2 as the\n"
"end of what belongs to the result numbered `number` (runner/outmark.h).");

static PyObject *output_mark(PyObject *self, PyObject *arg)
{
    char mark[64];
    long number = PyLong_AsLong(arg);
    int n;

    (void)self;
    if (number == -1 && PyErr_Occurred()) {
        return NULL;
    }
    flush_all();
    n = snprintf(mark, sizeof mark, "%s%ld%c", OUTMARK_HEAD, number,
                 OUTMARK_END);
    /* Output that cannot be written has nothing to be told apart from. */
    (void)afile_write_all(1, mark, (size_t)n);
    (void)afile_write_all(2, mark, (size_t)n);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(enable_crash_reports_doc,
"enable_crash_reports(fd)\n--\n\n"
"Write a native backtrace and the Python traceback to fd when this\n"
"process dies by SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGABRT, and the\n"
"Python traceback when it receives DUMP_SIGNAL (used for timeouts).");

static PyObject *enable_crash_reports(PyObject *self, PyObject *arg)
{
    int fd = _PyLong_AsInt(arg);

    (void)self;
    if (fd == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (fd < 0) {
        PyErr_SetString(PyExc_ValueError, "enable_crash_reports: bad fd");
        return NULL;
    }
    /* Done for this fd by this process or the one it was forked from:
     * what it set up (handlers, alternate stack, a warm backtrace()) is
     * inherited, and setting it up again costs more than a fork. */
    if (fd != crash_slot) {
        enable_tracebacks(fd);
        crash_slot = fd;
    }
    Py_RETURN_NONE;
}

static PyMethodDef isolate_methods[] = {
    {"enable_crash_reports", enable_crash_reports, METH_O,
     enable_crash_reports_doc},
    {"output_mark", output_mark, METH_O, output_mark_doc},
    {"run_isolated", (PyCFunction)(void (*)(void))run_isolated,
     METH_VARARGS | METH_KEYWORDS, run_isolated_doc},
    {NULL, NULL, 0, NULL},
};

int isolate_module_init(PyObject *m)
{
    if (flush_name == NULL) {
        flush_name = PyUnicode_InternFromString("flush");
        if (flush_name == NULL) {
            return -1;
        }
    }
    if (result_type == NULL) {
        result_type = PyStructSequence_NewType(&result_desc);
        if (result_type == NULL) {
            return -1;
        }
    }
    Py_INCREF(result_type);
    if (PyModule_AddObject(m, "IsolatedResult", (PyObject *)result_type)) {
        Py_DECREF(result_type);
        return -1;
    }
    if (PyType_Ready(&chain_type) != 0) {
        return -1;
    }
    Py_INCREF(&chain_type);
    if (PyModule_AddObject(m, "Chain", (PyObject *)&chain_type) != 0) {
        Py_DECREF(&chain_type);
        return -1;
    }
    if (PyModule_AddFunctions(m, isolate_methods) != 0) {
        return -1;
    }
    return PyModule_AddIntConstant(m, "DUMP_SIGNAL", DUMP_SIGNAL);
}
