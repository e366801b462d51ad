/* main: crossrun's entry point: parse the command line, find the test
 * files, run them, report, and exit with the status of DESIGN.md s3. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "cli.h"
#include "coverage.h"
#include "cxx/symbols.h"
#include "debug.h"
#include "discover.h"
#include "merge.h"
#include "pyworker.h"
#include "report_console.h"
#include "report_junit.h"
#include "report_tap.h"
#include "rerun.h"
#include "schedule.h"
#include "core/sup.h"

#define CROSSRUN_VERSION "0.1.0"

enum {
    EXIT_OK = 0,
    EXIT_TESTS_FAILED = 1,
    EXIT_INTERRUPTED = 2,
    EXIT_INTERNAL = 3,
    EXIT_USAGE = 4,
    EXIT_NO_TESTS = 5
};


struct reporters {
    struct console *console;
    struct junit_writer *junit;
    struct tapw_writer *tap;
    struct ci_run ci;    /* shards, cache, Bazel's files */
    struct rerun rerun;  /* --reruns: results held back */
    int failed;          /* a report could not be written */
    char err[512];
};

static void on_test(void *ctx, const struct res_file *f,
                    const struct res_test *t)
{
    struct reporters *r = ctx;

    if (rerun_holds_test(&r->rerun, t)) {
        return;
    }
    console_test(r->console, f, t);
    ci_note(&r->ci, t);
}

static int on_file(void *ctx, const struct res_file *f)
{
    struct reporters *r = ctx;

    if (rerun_hold_file(&r->rerun, f)) {
        return 0;
    }
    console_file(r->console, f);
    if (r->junit && junit_add_file(r->junit, f, r->err, sizeof r->err)) {
        r->failed = 1;
    }
    if (r->tap && tapw_add_file(r->tap, f, r->err, sizeof r->err)) {
        r->failed = 1;
    }
    return 0;
}

static void on_collected(void *ctx, const char *id)
{
    struct reporters *r = ctx;

    console_collected(r->console, id);
}

static void on_stopped(void *ctx, size_t tests_left, size_t files_left)
{
    struct reporters *r = ctx;

    console_stopped(r->console, tests_left, files_left);
}

/* The directories that could not be searched, each reported as a
 * collection error before the tests run. Returns 0, or -1 (no memory). */
static int walk_errors(struct reporters *rep, const struct disc_list *l)
{
    for (size_t i = 0; i < l->nerrors; i++) {
        struct res_file f;

        if (disc_error_result(l, i, &f) != 0) {
            return -1;
        }
        on_test(rep, &f, &f.tests[0]);
        on_file(rep, &f);
        res_file_free(&f);
    }
    return 0;
}

/* The workers read --memory-limit and --max-output from the environment
 * they inherit (python/crossrun/_worker.py). Returns 0 or -1. */
static int export_limits(const struct cli_opts *o)
{
    char v[32];

    snprintf(v, sizeof v, "%llu", o->max_output);
    if (setenv("CROSSRUN_MAX_OUTPUT", v, 1) != 0) {
        return -1;
    }
    snprintf(v, sizeof v, "%llu", o->memory_limit);
    return o->memory_limit ? setenv("CROSSRUN_MEMORY_LIMIT", v, 1)
                           : unsetenv("CROSSRUN_MEMORY_LIMIT");
}

static int symbols(const char *lib, const char *pattern)
{
    char err[512];
    int rc = ffi_print_symbols(lib, pattern, stdout, err, sizeof err);

    if (rc != 0) {
        fprintf(stderr, "crossrun: symbols: %s\n", err);
    }
    return rc == 0 ? EXIT_OK : rc > 0 ? EXIT_TESTS_FAILED : EXIT_USAGE;
}

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct disc_list files;
    struct reporters rep;
    struct sched_hooks hooks;
    const struct res_summary *sum;
    char err[1024];
    int internal = 0, status;
    enum sched_end end;
    double start = sup_now();
    FILE *console_out = stdout;

    memset(&rep, 0, sizeof rep);
    memset(&files, 0, sizeof files);
    /* A console nobody reads any more (crossrun | head) does not end the
     * run: the reports are still written, the temporary files removed. */
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "merge") == 0) {
        return merge_main(argc - 1, argv + 1);
    }
    if (cli_parse(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: error: %s\n", err);
        free(o.paths);
        return EXIT_USAGE;
    }
    if (o.help || o.version) {
        if (o.help) {
            cli_usage(stdout);
        } else {
            printf("crossrun %s\n", CROSSRUN_VERSION);
        }
        free(o.paths);
        return EXIT_OK;
    }
    if (o.symbols_lib != NULL) {
        status = symbols(o.symbols_lib, o.symbols_pattern);
        free(o.paths);
        return status;
    }
    if (export_limits(&o) != 0) {
        fprintf(stderr, "crossrun: error: setenv: %s\n", strerror(errno));
        free(o.paths);
        return EXIT_INTERNAL;
    }
    if (o.gdb_id != NULL) {
        free(o.paths);
        return debug_exec(o.gdb_id);
    }
    if (ci_options(&rep.ci, &o, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: error: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < o.npaths; i++) {
        if (disc_add(&files, o.paths[i], err, sizeof err) != 0) {
            fprintf(stderr, "crossrun: error: %s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
    }
    /* A TAP stream on stdout owns stdout: the console goes to stderr. */
    if (o.tap && o.tap_path == NULL) {
        console_out = stderr;
    }
    rep.console = console_new(console_out, &o);
    if (rep.console == NULL) {
        fprintf(stderr, "crossrun: error: out of memory\n");
        status = EXIT_INTERNAL;
        goto out;
    }
    if (files.n == 0 && files.nerrors == 0) {
        fprintf(console_out, "no test files found under the given paths\n");
        status = EXIT_NO_TESTS;
        goto out;
    }
    if (o.junitxml != NULL && !o.collect_only) {
        rep.junit = junit_open(o.junitxml,
                               o.junit_xunit1 ? JUNIT_XUNIT1 : JUNIT_XUNIT2,
                               err, sizeof err);
        if (rep.junit == NULL) {
            fprintf(stderr, "crossrun: error: --junitxml: %s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
    }
    if (o.tap && !o.collect_only) {
        rep.tap = tapw_open(o.tap_path, err, sizeof err);
        if (rep.tap == NULL) {
            fprintf(stderr, "crossrun: error: --tap: %s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
    }
    if (pyw_init(argv[0], err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: internal error: %s\n", err);
        status = EXIT_INTERNAL;
        goto out;
    }
    if (o.keyword != NULL &&
        pyw_check_keyword(o.keyword, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: error: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    if (o.markexpr != NULL &&
        pyw_check_expr("crossrun._markexpr", o.markexpr, err,
                       sizeof err) != 0) {
        fprintf(stderr, "crossrun: error: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    if (o.cov != NULL && !o.collect_only &&
        cov_begin(o.cov, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: error: --cov: %s\n", err);
        status = EXIT_USAGE;
        goto out;
    }
    status = ci_begin(&rep.ci, &o, &files, console_out, err, sizeof err);
    if (status >= 0) {
        if (status == EXIT_INTERNAL) {
            fprintf(stderr, "crossrun: internal error: %s\n", err);
        }
        goto out;
    }
    if (pyw_precompile(files.files, files.n, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: warning: %s (each worker compiles its "
                "own file)\n", err);
    }
    console_set_files(rep.console, files.n + files.nerrors);
    if (walk_errors(&rep, &files) != 0) {
        fprintf(stderr, "crossrun: error: out of memory\n");
        status = EXIT_INTERNAL;
        goto out;
    }
    rep.rerun.reruns = o.collect_only ? 0 : o.reruns;
    hooks.ctx = &rep;
    hooks.on_test = on_test;
    hooks.on_file = on_file;
    hooks.on_collected = on_collected;
    hooks.on_stopped = on_stopped;
    end = sched_run(&o, files.files, files.select, files.n, &hooks,
                    &internal, err, sizeof err);
    if (end == SCHED_DONE && rep.rerun.n > 0) {
        end = rerun_run(&rep.rerun, &o, &internal, err, sizeof err);
    }
    rerun_release(&rep.rerun, &hooks, console_out);
    pyw_precompile_end();
    if (end == SCHED_FAILED) {
        fprintf(stderr, "crossrun: internal error: %s\n", err);
    }
    if (internal) {
        fprintf(stderr, "crossrun: internal error: %d worker%s failed "
                "(see the output above)\n", internal,
                internal == 1 ? "" : "s");
    }
    if (rep.junit != NULL) {
        if (junit_close(rep.junit, err, sizeof err) != 0) {
            fprintf(stderr, "crossrun: error: --junitxml: %s\n", err);
            rep.failed = 1;
        }
        rep.junit = NULL;
    }
    if (rep.tap != NULL) {
        if (tapw_close(rep.tap, err, sizeof err) != 0) {
            fprintf(stderr, "crossrun: error: --tap: %s\n", err);
            rep.failed = 1;
        }
        rep.tap = NULL;
    }
    if (rep.failed && rep.err[0] && strcmp(rep.err, err) != 0) {
        fprintf(stderr, "crossrun: error: report: %s\n", rep.err);
    }
    if (o.cov != NULL && !o.collect_only && end != SCHED_FAILED &&
        cov_end(o.cov, console_out, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: error: --cov: %s\n", err);
        rep.failed = 1;
    }
    sum = console_summary(rep.console);
    if (o.collect_only) {
        size_t n = console_collected_count(rep.console);

        if (console_deselected(rep.console)) {
            fprintf(console_out, "%zu deselected\n",
                    console_deselected(rep.console));
        }
        fprintf(console_out, "%zu test%s collected\n", n, n == 1 ? "" : "s");
        status = n ? EXIT_OK : EXIT_NO_TESTS;
        if (sum->errors || sum->failed) {
            console_finish(rep.console, 0, sup_now() - start);
            status = EXIT_TESTS_FAILED;
        }
    } else {
        ci_print_durations(&rep.ci, o.durations, console_out);
        console_finish(rep.console, end == SCHED_INTERRUPTED,
                       sup_now() - start);
        if (end == SCHED_INTERRUPTED) {
            status = EXIT_INTERRUPTED;
        } else if (end == SCHED_FAILED || internal || rep.failed) {
            status = EXIT_INTERNAL;
        } else if (sum->failed || sum->errors) {
            status = EXIT_TESTS_FAILED;
        } else if (sum->passed + sum->skipped + sum->xfailed == 0) {
            status = EXIT_NO_TESTS;
        } else {
            status = EXIT_OK;
        }
    }
out:
    ci_end(&rep.ci, status, err);
    if (rep.junit != NULL) {
        junit_abort(rep.junit);
    }
    if (rep.tap != NULL) {
        tapw_abort(rep.tap);
    }
    console_free(rep.console);
    disc_free(&files);
    free(o.paths);
    return status;
}
