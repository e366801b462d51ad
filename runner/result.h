/* result: the result model that every reporter reads. A run is a sequence
 * of files; each file holds the results of its tests. Reporters see only
 * these structs, never the worker protocol, so formats cannot disagree. */
#ifndef CROSSRUN_RESULT_H
#define CROSSRUN_RESULT_H

#include <stddef.h>
#include <time.h>

enum res_outcome {
    RES_PASSED,
    RES_FAILED,   /* assertion, crash, timeout, unexpected exit, ... */
    RES_ERROR,    /* the test could not run: import or fixture error */
    RES_SKIPPED,
    RES_XFAILED,  /* failed, and was marked xfail */
    RES_XPASSED   /* passed although marked xfail (counts as passed) */
};

/* One failed try of a test that --reruns ran again (see res_test). */
struct res_try {
    char *type;        /* as in res_test: "AssertionError", "crash", ... */
    char *message;
    char *detail;
    char *out;         /* captured stdout, out_len bytes */
    size_t out_len;
    char *err;
    size_t err_len;
    double duration;
};

/* One test. Every char* is owned by the struct (res_test_free frees it),
 * NUL-terminated, and may be NULL when absent. out/err/detail/message may
 * hold any bytes (control characters, invalid UTF-8): writers sanitise. */
struct res_test {
    char *id;          /* "tests/test_calc.py::TestX::test_add[2-3]" */
    char *name;        /* "test_add[2-3]" (JUnit testcase name) */
    char *classname;   /* "tests.test_calc.TestX" (JUnit classname) */
    char *file;        /* "tests/test_calc.py" */
    int line;          /* 1-based line of the test function, 0 if unknown */
    enum res_outcome outcome;
    char *type;        /* failed/error: "AssertionError", "crash",
                          "timeout", "exit", "collection", ... */
    char *message;     /* failed/error/skipped: one line, e.g. "SIGSEGV" */
    char *detail;      /* long text: traceback, native backtrace */
    char *out;         /* captured stdout, out_len bytes */
    size_t out_len;
    char *err;         /* captured stderr, err_len bytes */
    size_t err_len;
    double duration;   /* seconds */
    struct res_try *tries; /* --reruns, ntries of them (owned): passed in
                          the end (flaky): each failed try before; failed
                          in the end: each failed try after the first */
    size_t ntries;
};

/* The tests of one file, in the order they ran. */
struct res_file {
    char *path;        /* as given/discovered, e.g. "tests/test_calc.py" */
    struct res_test *tests;
    size_t ntests;
    size_t cap;
    size_t deselected; /* tests that -k left out (not in tests) */
    time_t started;    /* wall clock when the file started */
    double duration;   /* seconds, sum of the file's wall time */
};

/* Totals for the closing line and the exit status. */
struct res_summary {
    size_t passed, failed, skipped, xfailed, errors;
};

/* Append a copy-free test: ownership of t's strings moves to f.
 * Returns 0, or -1 when memory runs out (t is then freed). */
int res_file_add(struct res_file *f, struct res_test *t);
void res_test_free(struct res_test *t);
/* A deep copy of t into *out (tries included). Returns 0, or -1 when
 * memory runs out (*out is then zeroed). */
int res_test_copy(struct res_test *out, const struct res_test *t);
void res_try_free(struct res_try *t);
/* Frees the tests and path; f itself is the caller's. */
void res_file_free(struct res_file *f);
void res_summary_add(struct res_summary *s, const struct res_test *t);
/* "12 passed, 1 failed, 2 skipped" into out (size n), in the shape of
 * DESIGN.md section 3: passed and failed always; skipped, xfailed and
 * errors only when non-zero, in that order. */
void res_summary_line(const struct res_summary *s, char *out, size_t n);
const char *res_outcome_name(enum res_outcome o);
/* Seconds as "S.mmm" into out (size n): at most 3 decimals and always
 * '.', whatever the locale (JUnit's time); negative or NaN give 0. */
void res_format_seconds(double s, char *out, size_t n);

#endif
