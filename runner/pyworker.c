/* pyworker: embedded interpreter and worker processes (see pyworker.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "pyworker.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <dirent.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/codepages.h"
#include "ffi/covhook.h"
#include "ffi/module.h"

static PyObject *run_file; /* crossrun._worker.run_file */

/* The descriptor on which every worker has its crash pipe, so that the
 * crash reports are set up once, here (a copy of the runner's stderr,
 * where the runner's own go), and inherited; -1: each worker sets them
 * up for its pipe. */
static int crash_fd_slot = -1;

/* The precompiler (pyw_precompile): its pid (0: none) and directory. */
static pid_t precompiler;
static char code_dir[PATH_MAX];

int pyw_python_dir(char *out, size_t n)
{
    const char *env = getenv("CROSSRUN_PYTHON");
    char exe[4096], dir[4096], probe[8300];
    static const char *const rel[] = {"../python", "../lib/crossrun/python"};
    ssize_t k;

    if (env != NULL && env[0] != '\0') {
        return snprintf(out, n, "%s", env) < (int)n ? 0 : -1;
    }
    k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k < 0) {
        return -1;
    }
    exe[k] = '\0';
    snprintf(dir, sizeof dir, "%s", dirname(exe));
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char real[PATH_MAX];

        snprintf(probe, sizeof probe, "%s/%s", dir, rel[i]);
        if (realpath(probe, real) == NULL) {
            continue;
        }
        snprintf(probe, sizeof probe, "%s/crossrun/_worker.py", real);
        if (access(probe, R_OK) == 0) {
            return snprintf(out, n, "%s", real) < (int)n ? 0 : -1;
        }
    }
    return -1;
}

void pyw_error(char *err, size_t errlen, const char *what)
{
    PyObject *type, *value, *tb, *s = NULL;

    PyErr_Fetch(&type, &value, &tb);
    if (value != NULL) {
        s = PyObject_Str(value);
    }
    snprintf(err, errlen, "%s: %s", what,
             s != NULL && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s)
                                             : "unknown Python error");
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

int pyw_init(const char *argv0, char *err, size_t errlen)
{
    char pydir[4096];
    PyConfig config;
    PyStatus st;
    PyObject *sys_path, *dir, *mod, *r;
    wchar_t *wdir;

    if (pyw_python_dir(pydir, sizeof pydir) != 0) {
        snprintf(err, errlen, "cannot find crossrun's Python package next to "
                 "%s (set CROSSRUN_PYTHON to the directory that holds "
                 "crossrun/)", argv0);
        return -1;
    }
    if (PyImport_AppendInittab("crossrun._native", PyInit__native) != 0) {
        snprintf(err, errlen, "cannot register crossrun._native");
        return -1;
    }
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    st = PyConfig_SetBytesString(&config, &config.program_name, argv0);
    if (!PyStatus_Exception(st)) {
        st = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        snprintf(err, errlen, "cannot start Python: %s",
                 st.err_msg ? st.err_msg : "unknown error");
        return -1;
    }
    wdir = Py_DecodeLocale(pydir, NULL);
    sys_path = PySys_GetObject("path"); /* borrowed */
    dir = wdir ? PyUnicode_FromWideChar(wdir, -1) : NULL;
    PyMem_RawFree(wdir);
    if (sys_path == NULL || dir == NULL ||
        PyList_Insert(sys_path, 0, dir) != 0) {
        Py_XDECREF(dir);
        pyw_error(err, errlen, "cannot set sys.path");
        return -1;
    }
    Py_DECREF(dir);
    mod = PyImport_ImportModule("crossrun._worker");
    if (mod == NULL) {
        pyw_error(err, errlen, "cannot import crossrun._worker");
        return -1;
    }
    run_file = PyObject_GetAttrString(mod, "run_file");
    Py_DECREF(mod);
    if (run_file == NULL) {
        pyw_error(err, errlen, "crossrun._worker.run_file");
        return -1;
    }
    codepages_share();
    /* Crash reports (faulthandler, the native backtrace handler, a first
     * backtrace() that loads the unwinder) cost a worker more than its
     * fork: set them up here, once. */
    crash_fd_slot = fcntl(2, F_DUPFD, 10);
    mod = crash_fd_slot >= 0 ? PyImport_ImportModule("crossrun._native")
                             : NULL;
    r = mod != NULL ? PyObject_CallMethod(mod, "enable_crash_reports", "i",
                                          crash_fd_slot)
                    : NULL;
    if (r == NULL) {
        PyErr_Clear();
        if (crash_fd_slot >= 0) {
            close(crash_fd_slot);
        }
        crash_fd_slot = -1;
    }
    Py_XDECREF(r);
    Py_XDECREF(mod);
    /* Every object so far into the permanent generation: a collection in
     * a worker would otherwise walk them all, and so copy every page that
     * holds one. */
    mod = PyImport_ImportModule("gc");
    r = mod != NULL ? PyObject_CallMethod(mod, "collect", NULL) : NULL;
    Py_XDECREF(r);
    r = mod != NULL ? PyObject_CallMethod(mod, "freeze", NULL) : NULL;
    if (r == NULL) {
        pyw_error(err, errlen, "gc.freeze");
        Py_XDECREF(mod);
        return -1;
    }
    Py_DECREF(r);
    Py_DECREF(mod);
    return 0;
}

int pyw_check_keyword(const char *expr, char *err, size_t errlen)
{
    return pyw_check_expr("crossrun._keyword", expr, err, errlen);
}

int pyw_check_expr(const char *module, const char *expr, char *err,
                   size_t errlen)
{
    PyObject *mod = PyImport_ImportModule(module);
    PyObject *r = mod ? PyObject_CallMethod(mod, "error", "s", expr) : NULL;
    int rc = -1;

    if (r == NULL) {
        pyw_error(err, errlen, module);
    } else if (r == Py_None) {
        rc = 0;
    } else {
        snprintf(err, errlen, "%s",
                 PyUnicode_Check(r) && PyUnicode_AsUTF8(r) != NULL
                     ? PyUnicode_AsUTF8(r) : "-k: cannot be read");
        PyErr_Clear();
    }
    Py_XDECREF(r);
    Py_XDECREF(mod);
    return rc;
}

static void line_buffer_std(void)
{
    static const char *const names[] = {"stdout", "stderr"};

    for (int i = 0; i < 2; i++) {
        PyObject *f = PySys_GetObject(names[i]); /* borrowed */
        PyObject *r = NULL;

        if (f != NULL && f != Py_None) {
            r = PyObject_CallMethod(f, "reconfigure", "{s:O}",
                                    "line_buffering", Py_True);
        }
        Py_XDECREF(r);
        PyErr_Clear();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Close every descriptor from 3 up except the n (at most 3) in keep;
 * a negative one keeps nothing. Returns 0 or -1. */
static int close_all_but(const int *keep, int n)
{
    int k[3], m = 0;
    unsigned from = 3;

    for (int i = 0; i < n && m < 3; i++) {
        if (keep[i] >= 3) {
            int j = m++;

            for (; j > 0 && k[j - 1] > keep[i]; j--) {
                k[j] = k[j - 1];
            }
            k[j] = keep[i];
        }
    }
    for (int i = 0; i < m; i++) {
        if ((unsigned)k[i] > from &&
            close_range(from, (unsigned)k[i] - 1, 0) != 0) {
            return -1;
        }
        from = (unsigned)k[i] + 1;
    }
    return close_range(from, ~0U, 0);
}

/* A worker's own setting up, in the child: its group, its name, its
 * output on the capture pipes, nothing else of the runner's open but
 * the protocol and crash pipes (and also_keep, unless it is -1). */
static void worker_setup(int fds[PYW_NFDS][2], pid_t runner, int also_keep)
{
    int devnull, keep[3];

    PyOS_AfterFork_Child();
    if (setpgid(0, 0) != 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
        getppid() != runner) {
        _exit(3);
    }
    /* Named for ps and top (the test processes it forks are renamed). */
    (void)prctl(PR_SET_NAME, "crossrun-worker");
    /* The runner's handlers write to its own signal pipe: not ours. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(fds[PYW_OUT][1], 1) < 0 || dup2(fds[PYW_ERR][1], 2) < 0) {
        _exit(3);
    }
    for (int i = 0; i < PYW_NFDS; i++) {
        close(fds[i][0]);
    }
    close(fds[PYW_OUT][1]);
    close(fds[PYW_ERR][1]);
    if (crash_fd_slot >= 0) {
        if (dup2(fds[PYW_CRASH][1], crash_fd_slot) < 0) {
            _exit(3);
        }
        close(fds[PYW_CRASH][1]);
        fds[PYW_CRASH][1] = crash_fd_slot;
    }
    /* Nothing else of the runner's is ours: its signal pipe, the other
     * workers' pipes, the report files it is writing. A stray write from
     * a library must not be able to reach them. */
    keep[0] = fds[PYW_PROTO][1];
    keep[1] = fds[PYW_CRASH][1];
    keep[2] = also_keep;
    if (close_all_but(keep, 3) != 0) {
        _exit(3);
    }
    /* A test that reads stdin gets end of file, not the terminal. */
    devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || (devnull != 0 && (dup2(devnull, 0) < 0 ||
                                         close(devnull) != 0))) {
        _exit(3);
    }
    line_buffer_std();
}

/* A job as it goes to a spare worker: this, then the path, keyword,
 * select and marks strings (len -1: NULL). Runner and spare are the same program,
 * so the layout is the same on both sides. */
struct job_wire {
    long start, number;
    double timeout;
    int isolate_file, collect_only;
    int len[4];
};

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;

    while (n > 0) {
        ssize_t r = read(fd, c, n);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* In a spare: wait for the job on fd and fill *job (strings malloc'd, for
 * the rest of this process's life). Returns 0, or -1 at end of file (the
 * runner did not need this spare) or on a short message. */
static int receive_job(int fd, struct pyw_job *job)
{
    struct job_wire w;
    char *str[4] = {NULL, NULL, NULL, NULL};

    if (read_all(fd, &w, sizeof w) != 0) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (w.len[i] < 0) {
            continue;
        }
        str[i] = malloc((size_t)w.len[i] + 1);
        if (str[i] == NULL || read_all(fd, str[i], (size_t)w.len[i]) != 0) {
            return -1;
        }
        str[i][w.len[i]] = '\0';
    }
    if (str[0] == NULL) {
        return -1;
    }
    job->path = str[0];
    job->keyword = str[1];
    job->select = str[2];
    job->marks = str[3];
    job->start = w.start;
    job->number = w.number;
    job->timeout = w.timeout;
    job->isolate_file = w.isolate_file;
    job->collect_only = w.collect_only;
    return 0;
}

/* The worker's work, once set up: run_file(job) in Python, then exit. */
static void worker_run(const struct pyw_job *job, int fds[PYW_NFDS][2])
{
    PyObject *kw, *args, *r;
    int status = 0;

    /* A file name is bytes: those that are not UTF-8 come to Python as
     * os.fsdecode gives them (surrogateescape), not as an error. */
    args = Py_BuildValue("(Nii)", PyUnicode_DecodeFSDefault(job->path),
                         fds[PYW_PROTO][1], fds[PYW_CRASH][1]);
    kw = Py_BuildValue("{s:l,s:s,s:d,s:z,s:z,s:z,s:O,s:N}", "start",
                       job->start,
                       "isolate", job->isolate_file ? "file" : "test",
                       "timeout", job->timeout, "keyword", job->keyword,
                       "select", job->select, "marks", job->marks,
                       "collect_only",
                       job->collect_only ? Py_True : Py_False, "number",
                       job->number >= 0 ? PyLong_FromLong(job->number)
                                        : Py_NewRef(Py_None));
    r = (args && kw) ? PyObject_Call(run_file, args, kw) : NULL;
    if (r == NULL) {
        static const char bail[] = "Bail out! internal error in the "
                                   "worker (traceback on its stderr)\n";

        PyErr_Print();
        if (write(fds[PYW_PROTO][1], bail, sizeof bail - 1) < 0) {
            status = 3;
        }
        status = 3;
    }
    Py_XDECREF(r);
    Py_XDECREF(args);
    Py_XDECREF(kw);
    covhook_end();  /* --cov: what the worker itself ran (import, ...) */
    r = PyObject_CallMethod(PySys_GetObject("stdout"), "flush", NULL);
    Py_XDECREF(r);
    PyErr_Clear();
    fflush(NULL);
    _exit(status);
}

/* fork() with the interpreter's hooks on the parent's side (the child
 * calls PyOS_AfterFork_Child itself) and stdio flushed first, so nothing
 * buffered is written twice. */
static pid_t fork_interpreter(void)
{
    pid_t pid;

    fflush(NULL);
    PyOS_BeforeFork();
    pid = fork();
    if (pid != 0) {
        PyOS_AfterFork_Parent();
    }
    return pid;
}

/* Fewer files than this: the workers compile their own, the precompiler
 * would not get ahead of them. */
#define PRECOMPILE_MIN_FILES 3

/* The precompiler's child side: never returns. */
static void precompiler_main(char *const *files, size_t n, pid_t runner)
{
    PyObject *load, *list, *r = NULL;
    int devnull;

    PyOS_AfterFork_Child();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != runner) {
        _exit(3);
    }
    (void)prctl(PR_SET_NAME, "crossrun-parse");
    signal(SIGINT, SIG_IGN);    /* the runner stops it at Ctrl-C */
    signal(SIGHUP, SIG_IGN);    /* and when its terminal goes */
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    /* Background work: the tests come first. */
    if (setpriority(PRIO_PROCESS, 0, 10) != 0) {
        /* not fatal: it only runs at the tests' priority */
    }
    devnull = open("/dev/null", O_RDWR);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
        dup2(devnull, 2) < 0 || close_range(3, ~0U, 0) != 0) {
        _exit(3);
    }
    load = PyImport_ImportModule("crossrun._load");
    list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list != NULL && i < n; i++) {
        PyObject *s = PyUnicode_DecodeFSDefault(files[i]);

        if (s == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    if (load != NULL && list != NULL) {
        r = PyObject_CallMethod(load, "precompile", "sO", code_dir, list);
    }
    _exit(r != NULL ? 0 : 3);
}

int pyw_precompile(char *const *files, size_t n, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    PyObject *load, *dir;
    pid_t pid, self = getpid();
    int rc = -1;

    if (n < PRECOMPILE_MIN_FILES) {
        return 0;
    }
    if (tmp == NULL || tmp[0] == '\0') {
        tmp = "/tmp";
    }
    if (snprintf(code_dir, sizeof code_dir, "%s/crossrun-code-XXXXXX", tmp) >=
            (int)sizeof code_dir ||
        mkdtemp(code_dir) == NULL) {
        /* No directory, no precompiler: every worker compiles its own. */
        code_dir[0] = '\0';
        return 0;
    }
    load = PyImport_ImportModule("crossrun._load");
    dir = PyUnicode_DecodeFSDefault(code_dir);
    if (load != NULL && dir != NULL) {
        rc = PyObject_SetAttrString(load, "CODE_DIR", dir);
    }
    Py_XDECREF(dir);
    Py_XDECREF(load);
    if (rc != 0) {
        pyw_error(err, errlen, "cannot set up the precompiler");
        rmdir(code_dir);
        code_dir[0] = '\0';
        return -1;
    }
    pid = fork_interpreter();
    if (pid == 0) {
        precompiler_main(files, n, self);
    }
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    precompiler = pid;
    return 0;
}

pid_t pyw_precompile_pid(void)
{
    return precompiler;
}

void pyw_precompile_end(void)
{
    DIR *d;
    struct dirent *e;

    if (precompiler > 0) {
        int st;

        kill(precompiler, SIGKILL);
        while (waitpid(precompiler, &st, 0) < 0 && errno == EINTR) {
        }
        precompiler = 0;
    }
    if (code_dir[0] == '\0') {
        return;
    }
    d = opendir(code_dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
            fprintf(stderr, "crossrun: warning: cannot remove %s/%s: %s\n",
                    code_dir, e->d_name, strerror(errno));
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    if (rmdir(code_dir) != 0) {
        fprintf(stderr, "crossrun: warning: cannot remove %s: %s\n",
                code_dir, strerror(errno));
    }
    code_dir[0] = '\0';
}

/* The worker's child side, from a fork: never returns. job_fd >= 0: a
 * spare, which gets its job there. */
static void worker_main(const struct pyw_job *job, int fds[PYW_NFDS][2],
                        pid_t runner, int job_fd)
{
    struct pyw_job received;

    worker_setup(fds, runner, job_fd);
    if (job_fd >= 0) {
        if (receive_job(job_fd, &received) != 0) {
            _exit(0);   /* not needed */
        }
        close(job_fd);
        job = &received;
    }
    worker_run(job, fds);
}

/* Fork a worker: for job, or (job NULL) a spare that waits on the socket
 * of which *job_fd gets the runner's end. */
static pid_t fork_worker(const struct pyw_job *job, int out[PYW_NFDS],
                         int *job_fd, char *err, size_t errlen)
{
    int fds[PYW_NFDS][2], sock[2] = {-1, -1};
    pid_t pid, self = getpid();
    int i;

    for (i = 0; i < PYW_NFDS; i++) {
        fds[i][0] = fds[i][1] = -1;
    }
    if (job == NULL &&
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    for (i = 0; i < PYW_NFDS; i++) {
        if (pipe2(fds[i], O_CLOEXEC) != 0 ||
            fcntl(fds[i][0], F_SETFL, O_NONBLOCK) != 0) {
            snprintf(err, errlen, "pipe: %s", strerror(errno));
            goto fail;
        }
    }
    pid = fork_interpreter();
    if (pid == 0) {
        if (sock[0] >= 0) {
            close(sock[0]);
        }
        worker_main(job, fds, self, sock[1]);
    }
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH) {
        kill(pid, SIGKILL);
    }
    for (i = 0; i < PYW_NFDS; i++) {
        close(fds[i][1]);
        out[i] = fds[i][0];
    }
    if (sock[1] >= 0) {
        close(sock[1]);
        *job_fd = sock[0];
    }
    return pid;
fail:
    for (i = 0; i < PYW_NFDS; i++) {
        if (fds[i][0] >= 0) {
            close(fds[i][0]);
        }
        if (fds[i][1] >= 0) {
            close(fds[i][1]);
        }
    }
    for (i = 0; i < 2; i++) {
        if (sock[i] >= 0) {
            close(sock[i]);
        }
    }
    return -1;
}

pid_t pyw_spawn(const struct pyw_job *job, int out[PYW_NFDS], char *err,
                size_t errlen)
{
    return fork_worker(job, out, NULL, err, errlen);
}

int pyw_spare_start(struct pyw_spare *sp, char *err, size_t errlen)
{
    sp->pid = fork_worker(NULL, sp->fds, &sp->job_fd, err, errlen);
    if (sp->pid < 0) {
        sp->pid = 0;
        return -1;
    }
    return 0;
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

pid_t pyw_spare_assign(struct pyw_spare *sp, const struct pyw_job *job,
                       int fds[PYW_NFDS])
{
    const char *str[4] = {job->path, job->keyword, job->select,
                          job->marks};
    struct job_wire w;
    pid_t pid = sp->pid;
    int ok;

    memset(&w, 0, sizeof w);
    w.start = job->start;
    w.number = job->number;
    w.timeout = job->timeout;
    w.isolate_file = job->isolate_file;
    w.collect_only = job->collect_only;
    for (int i = 0; i < 4; i++) {
        w.len[i] = str[i] != NULL ? (int)strlen(str[i]) : -1;
    }
    ok = pid > 0 && send_all(sp->job_fd, &w, sizeof w) == 0;
    for (int i = 0; ok && i < 4; i++) {
        ok = str[i] == NULL ||
             send_all(sp->job_fd, str[i], strlen(str[i])) == 0;
    }
    if (!ok) {
        pyw_spare_drop(sp);
        return -1;
    }
    close(sp->job_fd);
    memcpy(fds, sp->fds, sizeof sp->fds);
    memset(sp, 0, sizeof *sp);
    return pid;
}

void pyw_spare_drop(struct pyw_spare *sp)
{
    int st;

    if (sp->pid <= 0) {
        return;
    }
    close(sp->job_fd);      /* it reads end of file and leaves */
    kill(sp->pid, SIGKILL);
    while (waitpid(sp->pid, &st, 0) < 0 && errno == EINTR) {
    }
    for (int i = 0; i < PYW_NFDS; i++) {
        close(sp->fds[i]);
    }
    memset(sp, 0, sizeof *sp);
}
