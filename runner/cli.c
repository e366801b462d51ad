/* cli: parses crossrun's command line (see cli.h and DESIGN.md s3). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "size.h"

void cli_usage(FILE *out)
{
    fputs(
"usage: crossrun [OPTIONS] [PATH ...]   run tests (default PATH: .)\n"
"       crossrun symbols LIB [PATTERN]  list a library's exported functions\n"
"                                       (LIB: a path or a soname; PATTERN: a\n"
"                                       glob, or a part of the name)\n"
"       crossrun merge [--allow-duplicates] OUT.xml IN.xml...\n"
"                                       join JUnit reports (of the shares of\n"
"                                       a sharded run) into one; a test in\n"
"                                       two of them is an error\n"
"  PATH: a file or directory, or a test id FILE::NAME (a function, class,\n"
"  method or parametrized case, as the console shows it)\n"
"\n"
"  -j, --jobs N          workers (default: number of CPUs)\n"
"  -k EXPR               select tests whose id contains EXPR; as in\n"
"                        pytest: case-insensitive, and/or/not/()\n"
"  -m EXPR               select tests by mark, as pytest's -m: mark names\n"
"                        (crossrun.mark.NAME, custom ones too) with\n"
"                        and/or/not/(), e.g. -m \"slow and not network\"\n"
"  -x, --exitfirst       stop after the first failure\n"
"  --isolate=test|file   process per test (default) or per file\n"
"  --timeout SECONDS     per-test timeout, default 60, 0 = none\n"
"  --memory-limit SIZE   address space of each test's process (RLIMIT_AS),\n"
"                        e.g. 512M or 2G; default none\n"
"  --max-output SIZE     captured output kept per stream, default 1M\n"
"  --junitxml PATH       write JUnit XML there\n"
"  --junit-family=xunit2|xunit1\n"
"                        xunit1 adds file and line attributes\n"
"  --tap[=PATH]          write a TAP 13 stream (stdout if no PATH)\n"
"  --cov[=PATH]          native (gcov) and Python coverage: Cobertura XML\n"
"                        and lcov reports in PATH (default: reports)\n"
"  --collect-only        list test ids, run nothing\n"
"  --shard K/N           run the K-th of N shares of the tests (1-based);\n"
"                        wins over TEST_TOTAL_SHARDS/TEST_SHARD_INDEX\n"
"                        (Bazel), GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX\n"
"                        and CI_NODE_TOTAL/CI_NODE_INDEX (GitLab)\n"
"  --durations N         print the N slowest tests (0: all)\n"
"  --durations-path PATH per-test durations that balance the shares (e.g.\n"
"                        a committed file; default .crossrun/durations,\n"
"                        where every run records its tests' durations;\n"
"                        share K of N records in durations-K-of-N)\n"
"  --reruns N            rerun a failed test (crash and timeout too) in a\n"
"                        fresh process up to N times; one that passes is\n"
"                        flaky: it counts as passed and is listed\n"
"  --lf, --last-failed   only the tests that failed last run (all if none;\n"
"                        from .crossrun/lastfailed)\n"
"  --ff, --failed-first  the tests that failed last run first\n"
"  --gdb TESTID          run that test in the foreground under gdb, with\n"
"                        no fork, stopping where the library crashes\n"
"  -q, -v                less or more output\n"
"  --color=auto|always|never  (NO_COLOR is honoured)\n"
"  -h, --help            this help\n"
"  --version             print the version\n"
"\n"
"exit status: 0 all passed, 1 some failed, 2 interrupted, 3 internal\n"
"error, 4 usage error, 5 no tests collected\n", out);
}

/* The value of an option: "--opt=V", "--opt V", "-jV", "-j V". */
static const char *value(int argc, char **argv, int *i, const char *arg,
                         size_t namelen, char *err, size_t errlen)
{
    if (arg[namelen] == '=') {
        return arg + namelen + 1;
    }
    if (arg[namelen] != '\0' && arg[1] != '-') {
        return arg + namelen;
    }
    if (arg[namelen] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "option %s needs a value", arg);
        return NULL;
    }
    return argv[++*i];
}

static int number(const char *opt, const char *s, double min, double max,
                  double *out, char *err, size_t errlen)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v) || v < min ||
        v > max) {
        snprintf(err, errlen, "option %s: '%s' is not a number from %g to "
                 "%g", opt, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Does arg name the option long (with an optional =value)? */
static int is(const char *arg, const char *name)
{
    size_t n = strlen(name);

    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli_parse(int argc, char **argv, struct cli_opts *o, char *err,
              size_t errlen)
{
    int i, only_paths = 0;
    const char *v;
    double d;

    memset(o, 0, sizeof o[0]);
    o->timeout = 60;
    o->durations = -1;
    o->max_output = 1u << 20;
    o->paths = calloc((size_t)argc + 1, sizeof *o->paths);
    if (o->paths == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    i = 1;
    if (argc >= 2 && strcmp(argv[1], "symbols") == 0) {
        if (argc != 3 && argc != 4) {
            snprintf(err, errlen, "usage: crossrun symbols LIB [PATTERN]");
            return -1;
        }
        o->symbols_lib = argv[2];
        o->symbols_pattern = argc == 4 ? argv[3] : NULL;
        return 0;
    }
    err[0] = '\0';
    for (; i < argc; i++) {
        const char *a = argv[i];

        if (only_paths || a[0] != '-' || strcmp(a, "-") == 0) {
            o->paths[o->npaths++] = a;
        } else if (strcmp(a, "--") == 0) {
            only_paths = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = 1;
        } else if (strcmp(a, "--version") == 0) {
            o->version = 1;
        } else if (strcmp(a, "-x") == 0 || strcmp(a, "--exitfirst") == 0) {
            o->exitfirst = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->verbosity--;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbosity++;
        } else if (strcmp(a, "--lf") == 0 ||
                   strcmp(a, "--last-failed") == 0) {
            o->last_failed = 1;
        } else if (strcmp(a, "--ff") == 0 ||
                   strcmp(a, "--failed-first") == 0) {
            o->failed_first = 1;
        } else if (strcmp(a, "--collect-only") == 0) {
            o->collect_only = 1;
        } else if (strncmp(a, "-j", 2) == 0 && a[1] == 'j') {
            if ((v = value(argc, argv, &i, a, 2, err, errlen)) == NULL ||
                number("-j", v, 1, 1024, &d, err, errlen) != 0) {
                goto bad;
            }
            o->jobs = (int)d;
            if (d != (int)d) {
                snprintf(err, errlen, "option -j: '%s' is not a whole "
                         "number", v);
                goto bad;
            }
        } else if (is(a, "--jobs")) {
            if ((v = value(argc, argv, &i, a, 6, err, errlen)) == NULL ||
                number("--jobs", v, 1, 1024, &d, err, errlen) != 0) {
                goto bad;
            }
            o->jobs = (int)d;
            if (d != (int)d) {
                snprintf(err, errlen, "option --jobs: '%s' is not a whole "
                         "number", v);
                goto bad;
            }
        } else if (strncmp(a, "-k", 2) == 0) {
            if ((v = value(argc, argv, &i, a, 2, err, errlen)) == NULL) {
                goto bad;
            }
            o->keyword = v;
        } else if (strncmp(a, "-m", 2) == 0 && a[1] == 'm') {
            if ((v = value(argc, argv, &i, a, 2, err, errlen)) == NULL) {
                goto bad;
            }
            o->markexpr = v;
        } else if (is(a, "--shard")) {
            if ((v = value(argc, argv, &i, a, 7, err, errlen)) == NULL) {
                goto bad;
            }
            o->shard = v;
        } else if (is(a, "--reruns")) {
            if ((v = value(argc, argv, &i, a, 8, err, errlen)) == NULL ||
                number("--reruns", v, 0, 1000, &d, err, errlen) != 0) {
                goto bad;
            }
            if (d != (int)d) {
                snprintf(err, errlen, "option --reruns: '%s' is not a whole "
                         "number", v);
                goto bad;
            }
            o->reruns = (int)d;
        } else if (is(a, "--durations")) {
            if ((v = value(argc, argv, &i, a, 11, err, errlen)) == NULL ||
                number("--durations", v, 0, 1e9, &d, err, errlen) != 0) {
                goto bad;
            }
            if (d != (int)d) {
                snprintf(err, errlen, "option --durations: '%s' is not a "
                         "whole number", v);
                goto bad;
            }
            o->durations = (int)d;
        } else if (is(a, "--durations-path")) {
            if ((v = value(argc, argv, &i, a, 16, err, errlen)) == NULL) {
                goto bad;
            }
            if (v[0] == '\0') {
                snprintf(err, errlen, "option --durations-path: empty path");
                goto bad;
            }
            o->durations_path = v;
        } else if (is(a, "--gdb")) {
            if ((v = value(argc, argv, &i, a, 5, err, errlen)) == NULL) {
                goto bad;
            }
            o->gdb_id = v;
        } else if (is(a, "--isolate")) {
            if ((v = value(argc, argv, &i, a, 9, err, errlen)) == NULL) {
                goto bad;
            }
            if (strcmp(v, "test") == 0) {
                o->isolate = CLI_ISOLATE_TEST;
            } else if (strcmp(v, "file") == 0) {
                o->isolate = CLI_ISOLATE_FILE;
            } else {
                snprintf(err, errlen, "option --isolate: '%s' is not one of "
                         "test, file", v);
                goto bad;
            }
        } else if (is(a, "--timeout")) {
            if ((v = value(argc, argv, &i, a, 9, err, errlen)) == NULL ||
                number("--timeout", v, 0, 1e7, &o->timeout, err,
                       errlen) != 0) {
                goto bad;
            }
        } else if (is(a, "--memory-limit") || is(a, "--max-output")) {
            size_t n = strchr(a, '=') ? (size_t)(strchr(a, '=') - a)
                                      : strlen(a);
            unsigned long long *to = a[3] == 'e' ? &o->memory_limit
                                                 : &o->max_output;

            if ((v = value(argc, argv, &i, a, n, err, errlen)) == NULL) {
                goto bad;
            }
            if (size_parse(v, to) != 0) {
                snprintf(err, errlen, "option %.*s: '%s' is not a size (a "
                         "number of bytes, or one with K, M, G or T: 512M)",
                         (int)n, a, v);
                goto bad;
            }
        } else if (is(a, "--junitxml") || is(a, "--junit-xml")) {
            size_t n = strchr(a, '=') ? (size_t)(strchr(a, '=') - a)
                                      : strlen(a);
            if ((v = value(argc, argv, &i, a, n, err, errlen)) == NULL) {
                goto bad;
            }
            if (v[0] == '\0') {
                snprintf(err, errlen, "option --junitxml: empty path");
                goto bad;
            }
            o->junitxml = v;
        } else if (is(a, "--junit-family")) {
            if ((v = value(argc, argv, &i, a, 14, err, errlen)) == NULL) {
                goto bad;
            }
            if (strcmp(v, "xunit1") == 0 || strcmp(v, "legacy") == 0) {
                o->junit_xunit1 = 1;
            } else if (strcmp(v, "xunit2") == 0) {
                o->junit_xunit1 = 0;
            } else {
                snprintf(err, errlen, "option --junit-family: '%s' is not "
                         "one of xunit2, xunit1", v);
                goto bad;
            }
        } else if (is(a, "--tap")) {
            o->tap = 1;
            o->tap_path = a[5] == '=' ? a + 6 : NULL;
            if (o->tap_path != NULL && o->tap_path[0] == '\0') {
                snprintf(err, errlen, "option --tap=: empty path");
                goto bad;
            }
        } else if (is(a, "--cov")) {
            o->cov = a[5] == '=' ? a + 6 : "reports";
            if (o->cov[0] == '\0') {
                snprintf(err, errlen, "option --cov=: empty path (write "
                         "--cov for reports/, or --cov=DIR)");
                goto bad;
            }
        } else if (is(a, "--color") || is(a, "--colour")) {
            v = strchr(a, '=');
            if (v == NULL) {
                if (i + 1 >= argc) {
                    snprintf(err, errlen, "option %s needs a value", a);
                    goto bad;
                }
                v = argv[++i];
            } else {
                v++;
            }
            if (strcmp(v, "auto") == 0) {
                o->color = CLI_COLOR_AUTO;
            } else if (strcmp(v, "always") == 0 || strcmp(v, "yes") == 0) {
                o->color = CLI_COLOR_ALWAYS;
            } else if (strcmp(v, "never") == 0 || strcmp(v, "no") == 0) {
                o->color = CLI_COLOR_NEVER;
            } else {
                snprintf(err, errlen, "option --color: '%s' is not one of "
                         "auto, always, never", v);
                goto bad;
            }
        } else {
            snprintf(err, errlen, "unknown option '%s' (see crossrun --help)",
                     a);
            goto bad;
        }
    }
    if (o->npaths == 0) {
        o->paths[o->npaths++] = ".";
    }
    return 0;
bad:
    if (err[0] == '\0') {
        snprintf(err, errlen, "bad value for option '%s'", argv[i]);
    }
    return -1;
}
