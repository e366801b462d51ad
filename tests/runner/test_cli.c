/* test_cli: every option of the command line (DESIGN.md section 3) is
 * parsed into cli_opts, in each of its spellings, and every usage error
 * names what was wrong in its message. */
#include "cli.h"

#include "kit/unit.h"

#include <stdarg.h>
#include <stdlib.h>

#define MAX_ARGS 16

static struct cli_opts o;
static char err[256];

/* cli_parse of "crossrun" and the NULL-terminated arguments after it,
 * into o and err (the previous o's paths are freed). */
static int parse(const char *first, ...)
{
    static char *argv[MAX_ARGS + 2];
    int argc = 0;
    va_list ap;

    free(o.paths);
    argv[argc++] = "crossrun";
    va_start(ap, first);
    for (const char *a = first; a != NULL && argc <= MAX_ARGS;
         a = va_arg(ap, const char *)) {
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return cli_parse(argc, argv, &o, err, sizeof err);
}

/* A usage error whose message is exactly msg. */
#define BAD(msg, ...) do {                                                \
        CHECK(parse(__VA_ARGS__, NULL) == -1);                            \
        CHECK_STR(err, msg);                                              \
    } while (0)

static void test_defaults(void)
{
    CHECK(parse(NULL) == 0);
    CHECK(o.jobs == 0);
    CHECK(o.keyword == NULL);
    CHECK(o.exitfirst == 0);
    CHECK(o.isolate == CLI_ISOLATE_TEST);
    CHECK(o.timeout == 60);
    CHECK(o.junitxml == NULL && o.junit_xunit1 == 0);
    CHECK(o.tap == 0 && o.tap_path == NULL);
    CHECK(o.collect_only == 0 && o.verbosity == 0);
    CHECK(o.color == CLI_COLOR_AUTO);
    CHECK(o.npaths == 1);
    CHECK_STR(o.paths[0], ".");
    CHECK(o.symbols_lib == NULL && o.help == 0 && o.version == 0);
    CHECK(o.gdb_id == NULL);
}

static void test_paths(void)
{
    CHECK(parse("a.py", "dir", "f.py::test_x", NULL) == 0);
    CHECK(o.npaths == 3);
    CHECK_STR(o.paths[0], "a.py");
    CHECK_STR(o.paths[2], "f.py::test_x");
    /* "-" is a path; after "--" everything is. */
    CHECK(parse("-", "--", "-x", "--timeout", NULL) == 0);
    CHECK(o.npaths == 3 && o.exitfirst == 0 && o.timeout == 60);
    CHECK_STR(o.paths[0], "-");
    CHECK_STR(o.paths[1], "-x");
    CHECK_STR(o.paths[2], "--timeout");
}

static void test_flags(void)
{
    CHECK(parse("-h", NULL) == 0 && o.help == 1);
    CHECK(parse("--help", NULL) == 0 && o.help == 1);
    CHECK(parse("--version", NULL) == 0 && o.version == 1);
    CHECK(parse("-x", NULL) == 0 && o.exitfirst == 1);
    CHECK(parse("--exitfirst", NULL) == 0 && o.exitfirst == 1);
    CHECK(parse("--collect-only", NULL) == 0 && o.collect_only == 1);
    CHECK(parse("-q", NULL) == 0 && o.verbosity == -1);
    CHECK(parse("--quiet", "-q", NULL) == 0 && o.verbosity == -2);
    CHECK(parse("-v", "--verbose", NULL) == 0 && o.verbosity == 2);
    CHECK(parse("-v", "-q", NULL) == 0 && o.verbosity == 0);
}

static void test_jobs(void)
{
    CHECK(parse("-j4", NULL) == 0 && o.jobs == 4);
    CHECK(parse("-j", "2", NULL) == 0 && o.jobs == 2);
    CHECK(parse("-j=3", NULL) == 0 && o.jobs == 3);
    CHECK(parse("--jobs", "5", NULL) == 0 && o.jobs == 5);
    CHECK(parse("--jobs=1024", NULL) == 0 && o.jobs == 1024);
    BAD("option -j needs a value", "-j");
    BAD("option --jobs needs a value", "--jobs");
    BAD("option -j: '0' is not a number from 1 to 1024", "-j0");
    BAD("option -j: 'many' is not a number from 1 to 1024", "-j", "many");
    BAD("option -j: '2.5' is not a whole number", "-j2.5");
    BAD("option --jobs: '1025' is not a number from 1 to 1024",
        "--jobs=1025");
    BAD("option --jobs: '1.5' is not a whole number", "--jobs", "1.5");
    BAD("option --jobs: '' is not a number from 1 to 1024", "--jobs=");
}

static void test_keyword(void)
{
    CHECK(parse("-k", "add and not slow", NULL) == 0);
    CHECK_STR(o.keyword, "add and not slow");
    CHECK(parse("-kadd", NULL) == 0);
    CHECK_STR(o.keyword, "add");
    BAD("option -k needs a value", "-k");
}

static void test_gdb(void)
{
    CHECK(parse("--gdb", "t.py::test_x", NULL) == 0);
    CHECK_STR(o.gdb_id, "t.py::test_x");
    CHECK(o.npaths == 1);
    CHECK_STR(o.paths[0], ".");
    CHECK(parse("--gdb=t.py::test_y", NULL) == 0);
    CHECK_STR(o.gdb_id, "t.py::test_y");
    BAD("option --gdb needs a value", "--gdb");
    BAD("unknown option '--gdbx' (see crossrun --help)", "--gdbx");
}

static void test_isolate(void)
{
    CHECK(parse("--isolate=file", NULL) == 0);
    CHECK(o.isolate == CLI_ISOLATE_FILE);
    CHECK(parse("--isolate", "file", "--isolate", "test", NULL) == 0);
    CHECK(o.isolate == CLI_ISOLATE_TEST);
    BAD("option --isolate: 'process' is not one of test, file",
        "--isolate=process");
    BAD("option --isolate needs a value", "--isolate");
    BAD("unknown option '--isolated' (see crossrun --help)", "--isolated");
}

static void test_timeout(void)
{
    CHECK(parse("--timeout", "2.5", NULL) == 0 && o.timeout == 2.5);
    CHECK(parse("--timeout=0", NULL) == 0 && o.timeout == 0);
    CHECK(parse("--timeout=1e7", NULL) == 0 && o.timeout == 1e7);
    BAD("option --timeout: '-1' is not a number from 0 to 1e+07",
        "--timeout", "-1");
    BAD("option --timeout: 'inf' is not a number from 0 to 1e+07",
        "--timeout=inf");
    BAD("option --timeout: 'nan' is not a number from 0 to 1e+07",
        "--timeout=nan");
    BAD("option --timeout: '3s' is not a number from 0 to 1e+07",
        "--timeout=3s");
    BAD("option --timeout needs a value", "--timeout");
}

static void test_junit(void)
{
    CHECK(parse("--junitxml", "out.xml", NULL) == 0);
    CHECK_STR(o.junitxml, "out.xml");
    CHECK(parse("--junitxml=r/j.xml", NULL) == 0);
    CHECK_STR(o.junitxml, "r/j.xml");
    CHECK(parse("--junit-xml=k.xml", NULL) == 0);
    CHECK_STR(o.junitxml, "k.xml");
    CHECK(parse("--junit-xml", "m.xml", NULL) == 0);
    CHECK_STR(o.junitxml, "m.xml");
    BAD("option --junitxml: empty path", "--junitxml=");
    BAD("option --junitxml: empty path", "--junitxml", "");
    BAD("option --junitxml needs a value", "--junitxml");
    CHECK(parse("--junit-family=xunit1", NULL) == 0 && o.junit_xunit1);
    CHECK(parse("--junit-family", "legacy", NULL) == 0 && o.junit_xunit1);
    CHECK(parse("--junit-family=xunit1", "--junit-family=xunit2",
                NULL) == 0 && o.junit_xunit1 == 0);
    BAD("option --junit-family: 'xunit3' is not one of xunit2, xunit1",
        "--junit-family=xunit3");
    BAD("option --junit-family needs a value", "--junit-family");
}

static void test_tap(void)
{
    CHECK(parse("--tap", NULL) == 0 && o.tap == 1 && o.tap_path == NULL);
    /* --tap takes its path only after '=': the next word is a path. */
    CHECK(parse("--tap", "t.py", NULL) == 0 && o.tap_path == NULL);
    CHECK(o.npaths == 1);
    CHECK_STR(o.paths[0], "t.py");
    CHECK(parse("--tap=out.tap", NULL) == 0 && o.tap == 1);
    CHECK_STR(o.tap_path, "out.tap");
    BAD("option --tap=: empty path", "--tap=");
    BAD("unknown option '--taps' (see crossrun --help)", "--taps");
}

static void test_color(void)
{
    CHECK(parse("--color=always", NULL) == 0);
    CHECK(o.color == CLI_COLOR_ALWAYS);
    CHECK(parse("--color=yes", NULL) == 0 && o.color == CLI_COLOR_ALWAYS);
    CHECK(parse("--color", "never", NULL) == 0);
    CHECK(o.color == CLI_COLOR_NEVER);
    CHECK(parse("--colour=no", NULL) == 0 && o.color == CLI_COLOR_NEVER);
    CHECK(parse("--colour", "always", "--color=auto", NULL) == 0);
    CHECK(o.color == CLI_COLOR_AUTO);
    BAD("option --color: 'pink' is not one of auto, always, never",
        "--color=pink");
    /* --colour is named by its usual spelling. */
    BAD("option --color: 'pink' is not one of auto, always, never",
        "--colour", "pink");
    BAD("option --color needs a value", "--color");
}

static void test_unknown(void)
{
    BAD("unknown option '-z' (see crossrun --help)", "-z");
    BAD("unknown option '--exit-first' (see crossrun --help)", "a.py",
        "--exit-first");
    /* The first bad option is the one named. */
    BAD("unknown option '-y' (see crossrun --help)", "-x", "-y", "-z");
}

static void test_symbols(void)
{
    CHECK(parse("symbols", "libm.so.6", NULL) == 0);
    CHECK_STR(o.symbols_lib, "libm.so.6");
    CHECK(o.symbols_pattern == NULL);
    CHECK(parse("symbols", "libm.so.6", "sin*", NULL) == 0);
    CHECK_STR(o.symbols_pattern, "sin*");
    BAD("usage: crossrun symbols LIB [PATTERN]", "symbols");
    BAD("usage: crossrun symbols LIB [PATTERN]", "symbols", "a.so", "b",
        "c");
    /* Only as the first word: elsewhere it is a path. */
    CHECK(parse("-x", "symbols", NULL) == 0 && o.symbols_lib == NULL);
    CHECK_STR(o.paths[0], "symbols");
}

static void test_usage(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    static const char *const names[] = {
        "usage: crossrun", "crossrun symbols LIB [PATTERN]", "--jobs", "-k EXPR",
        "--exitfirst", "--isolate=test|file", "--timeout", "--junitxml",
        "--junit-family", "--tap", "--collect-only", "--gdb TESTID",
        "-q, -v", "--color", "--help", "--version", "4 usage error",
    };

    if (!CHECK(f != NULL)) {
        return;
    }
    cli_usage(f);
    fclose(f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!CHECK(strstr(text, names[i]) != NULL)) {
            printf("# not in the usage text: %s\n", names[i]);
        }
    }
    free(text);
}

int main(void)
{
    test_defaults();
    test_paths();
    test_flags();
    test_jobs();
    test_keyword();
    test_gdb();
    test_isolate();
    test_timeout();
    test_junit();
    test_tap();
    test_color();
    test_unknown();
    test_symbols();
    test_usage();
    free(o.paths);
    return unit_done();
}
