/* pyworker: the embedded interpreter, and the worker processes forked
 * from it. The runner initialises Python once (crossrun._native built in,
 * crossrun._worker imported), so a worker costs a fork, not a start-up. */
#ifndef CROSSRUN_PYWORKER_H
#define CROSSRUN_PYWORKER_H

#include <stddef.h>
#include <sys/types.h>

/* What one worker is to do: run_file() of python/crossrun/_worker.py. */
struct pyw_job {
    const char *path;
    long start;           /* index of the first test to run */
    int isolate_file;     /* --isolate=file */
    double timeout;
    const char *keyword;  /* -k, or NULL */
    const char *select;   /* test names to run, one per line, or NULL */
    const char *marks;    /* -m, or NULL */
    int collect_only;
    long number;          /* the file's place in the list given to
                             pyw_precompile, or -1 */
};

enum { PYW_PROTO, PYW_OUT, PYW_ERR, PYW_CRASH, PYW_NFDS };

/* The python/ directory that holds the crossrun package into out:
 * $CROSSRUN_PYTHON, else next to the program in a checkout
 * (runner/../python), else in an install (bin/../lib/crossrun/python).
 * Returns 0, or -1 when there is none (or it does not fit in n). */
int pyw_python_dir(char *out, size_t n);

/* The pending Python exception's text into err, after what: ("what:
 * text"); the exception is cleared. */
void pyw_error(char *err, size_t errlen, const char *what);

/* Initialise the interpreter and import the worker module. argv0 finds
 * the python/ directory next to the program (checkout or install).
 * Returns 0, or -1 with a message in err. */
int pyw_init(const char *argv0, char *err, size_t errlen);

/* Can -k expr be read (crossrun._keyword)? Returns 0, or -1 with what is
 * wrong with it in err. */
int pyw_check_keyword(const char *expr, char *err, size_t errlen);
/* The same with the error() of another module (crossrun._markexpr: -m). */
int pyw_check_expr(const char *module, const char *expr, char *err,
                   size_t errlen);

/* Fork the precompiler: a child that rewrites the asserts of each of
 * files[0..n) (in that order) into a private directory, where the worker
 * of file number k finds it (crossrun._load). Workers forked from now on
 * look there first, and compile a file themselves when it is not there
 * yet. Returns 0 (also when there is nothing worth starting), or -1 with
 * a message in err. */
int pyw_precompile(char *const *files, size_t n, char *err, size_t errlen);
/* The precompiler's pid while it may run, or 0. */
pid_t pyw_precompile_pid(void);
/* Stop the precompiler (if it still runs) and remove its directory. */
void pyw_precompile_end(void);

/* A worker forked before its file is known, so that starting a file
 * does not wait for a fork: it has set itself up as a worker does and
 * waits for its job on a socket. */
struct pyw_spare {
    pid_t pid;              /* 0: none */
    int fds[PYW_NFDS];      /* as pyw_spawn gives them */
    int job_fd;             /* our end of the socket it waits on */
};

/* Fork a spare into *sp (empty). Returns 0, or -1 with a message in err
 * (sp stays empty). */
int pyw_spare_start(struct pyw_spare *sp, char *err, size_t errlen);
/* Give the spare in *sp its job: it becomes the worker of job, as if
 * pyw_spawn had made it (its pid is returned, its pipes go to fds), and
 * *sp is empty again. Returns -1 when the spare is gone (*sp is emptied
 * too; the caller spawns a worker instead). */
pid_t pyw_spare_assign(struct pyw_spare *sp, const struct pyw_job *job,
                       int fds[PYW_NFDS]);
/* End the spare in *sp, if any (it reads end of file, and is killed to
 * be sure), reap it, and empty *sp. */
void pyw_spare_drop(struct pyw_spare *sp);

/* Fork a worker for job. On success returns its pid (a process group
 * leader) and the read ends of its pipes in fds[PYW_*] (non-blocking,
 * close-on-exec). Returns -1 with a message in err on failure. */
pid_t pyw_spawn(const struct pyw_job *job, int fds[PYW_NFDS], char *err,
                size_t errlen);

#endif
