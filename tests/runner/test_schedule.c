/* test_schedule: sched_run through its interface, with real workers (the
 * embedded interpreter of pyworker.c, crossrun's python/ package), on
 * test files written here: what it hands the reporters when tests pass,
 * fail, die by a signal, exit, hang past their timeout (the runner's own
 * kill under --isolate=file, the worker's supervisor otherwise), expect
 * a crash, flood their output, or kill the worker importing the file;
 * the rest of a file resumes in a fresh worker after its worker died;
 * -x stops at the first failure and says what it left; --collect-only
 * and a selection of tests run nothing else; -k's deselected tests are
 * counted. Run from the checkout's root (python/ is found from
 * there, as CROSSRUN_PYTHON). */
#include "schedule.h"

#include "pyworker.h"
#include "kit/unit.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_SEEN 64

/* What the reporters were told, in order. */
static struct seen {
    char *name;
    enum res_outcome outcome;
    char *type, *message, *out;
    size_t out_len;
} seen[MAX_SEEN];
static int nseen, nfiles, ncollected;
static size_t deselected, stopped_tests, stopped_files;
static int stopped;
static char collected[MAX_SEEN][64];

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void on_test(void *ctx, const struct res_file *f,
                    const struct res_test *t)
{
    (void)ctx, (void)f;
    if (nseen < MAX_SEEN) {
        struct seen *s = &seen[nseen++];

        s->name = dup_or_null(t->name);
        s->outcome = t->outcome;
        s->type = dup_or_null(t->type);
        s->message = dup_or_null(t->message);
        s->out = malloc(t->out_len + 1);
        if (s->out != NULL) {
            memcpy(s->out, t->out ? t->out : "", t->out_len);
            s->out[t->out_len] = '\0';
        }
        s->out_len = t->out_len;
    }
}

static int on_file(void *ctx, const struct res_file *f)
{
    (void)ctx;
    nfiles++;
    deselected += f->deselected;
    return 0;
}

static void on_stopped(void *ctx, size_t tests_left, size_t files_left)
{
    (void)ctx;
    stopped++;
    stopped_tests = tests_left;
    stopped_files = files_left;
}

static void on_collected(void *ctx, const char *id)
{
    const char *name = strstr(id, "::");

    (void)ctx;
    if (ncollected < MAX_SEEN) {
        snprintf(collected[ncollected++], sizeof collected[0], "%s",
                 name ? name + 2 : id);
    }
}

static void forget(void)
{
    for (int i = 0; i < nseen; i++) {
        free(seen[i].name);
        free(seen[i].type);
        free(seen[i].message);
        free(seen[i].out);
    }
    nseen = nfiles = ncollected = stopped = 0;
    deselected = stopped_tests = stopped_files = 0;
}

/* The result of test `name` (the last one told, if told twice). */
static const struct seen *result(const char *name)
{
    for (int i = nseen - 1; i >= 0; i--) {
        if (seen[i].name != NULL && strcmp(seen[i].name, name) == 0) {
            return &seen[i];
        }
    }
    printf("# no result for %s\n", name);
    return NULL;
}

/* Is test `name`'s result outcome, type and message? (NULL: none.) */
static int is(const char *name, enum res_outcome outcome, const char *type,
              const char *message)
{
    const struct seen *s = result(name);

    if (s == NULL) {
        return 0;
    }
    if (s->outcome != outcome ||
        !(type ? s->type && strcmp(s->type, type) == 0 : !s->type) ||
        !(message ? s->message && strcmp(s->message, message) == 0
                  : !s->message)) {
        printf("# %s: outcome %d type %s message %s\n", name, s->outcome,
               s->type ? s->type : "(null)",
               s->message ? s->message : "(null)");
        return 0;
    }
    return 1;
}

static char dir[] = "/tmp/crossrun-test-schedule-XXXXXX";
static char path_file[PATH_MAX], path_test[PATH_MAX], path_import[PATH_MAX];

/* The tests are run twice, once per way of isolating them. */
static const char tests_py[] =
    "import os, signal, sys, time\n"
    "from crossrun import mark\n"
    "def test_pass():\n"
    "    print('hello')\n"
    "def test_fail():\n"
    "    assert 1 == 2\n"
    "def test_killed():\n"
    "    os.kill(os.getpid(), signal.SIGUSR1)\n"
    "def test_after_kill():\n"
    "    pass\n"
    "def test_exit():\n"
    "    os._exit(3)\n"
    "@mark.crashes('SIGUSR2')\n"
    "def test_expected():\n"
    "    os.kill(os.getpid(), signal.SIGUSR2)\n"
    "@mark.crashes('SIGUSR2')\n"
    "def test_expected_but_finished():\n"
    "    pass\n"
    "@mark.timeout(0.5)\n"
    "def test_hang():\n"
    "    while True:\n"
    "        time.sleep(1)\n"
    "def test_flood():\n"
    "    sys.stdout.write('x' * (2 << 20))\n"
    "    sys.stdout.flush()\n"
    "def test_last():\n"
    "    pass\n";

static const char import_py[] =
    "import os\n"
    "os.abort()\n"
    "def test_never():\n"
    "    pass\n";

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        return -1;
    }
    fputs(text, f);
    return fclose(f);
}

static int setup(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(path_file, sizeof path_file, "%s/test_isofile.py", dir);
    snprintf(path_test, sizeof path_test, "%s/test_isotest.py", dir);
    snprintf(path_import, sizeof path_import, "%s/test_import.py", dir);
    if (write_file(path_file, tests_py) != 0 ||
        write_file(path_test, tests_py) != 0 ||
        write_file(path_import, import_py) != 0) {
        perror("writing the test files");
        return -1;
    }
    return 0;
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        printf("# could not remove %s\n", dir);
    }
}

/* The command line's defaults (as `crossrun` alone gives them), -j 2. */
static struct cli_opts options(void)
{
    static char *argv[] = {"crossrun", NULL};
    struct cli_opts o;
    char err[256];

    memset(&o, 0, sizeof o);
    if (cli_parse(1, argv, &o, err, sizeof err) != 0) {
        printf("# cli_parse: %s\n", err);
    }
    free(o.paths);
    o.paths = NULL;
    o.npaths = 0;
    o.jobs = 2;
    return o;
}

static enum sched_end run(const struct cli_opts *o, char **files,
                          char **select, size_t n, int *internal)
{
    struct sched_hooks h = {NULL, on_test, on_file, on_collected,
                            on_stopped};
    char err[256] = "";
    enum sched_end end;

    forget();
    *internal = 0;
    end = sched_run(o, files, select, n, &h, internal, err, sizeof err);
    if (end == SCHED_FAILED) {
        printf("# sched_run: %s\n", err);
    }
    return end;
}

/* What both ways of isolating tests report alike. */
static void check_common(void)
{
    const struct seen *s;

    CHECK(is("test_pass", RES_PASSED, NULL, NULL));
    s = result("test_pass");
    CHECK(s != NULL && strcmp(s->out, "hello\n") == 0);
    CHECK(is("test_fail", RES_FAILED, "AssertionError", "assert 1 == 2"));
    CHECK(is("test_killed", RES_FAILED, "crash",
             "test process died by SIGUSR1 (signal 10)"));
    CHECK(is("test_after_kill", RES_PASSED, NULL, NULL));
    CHECK(is("test_exit", RES_FAILED, "exit", "test process exited with "
             "status 3 before the test finished"));
    CHECK(is("test_expected", RES_PASSED, NULL, NULL));
    CHECK(is("test_expected_but_finished", RES_FAILED, "crash",
             "expected the test to die by SIGUSR2, but it finished"));
    CHECK(is("test_hang", RES_FAILED, "timeout", "timed out after 0.5 s"));
    s = result("test_flood");
    CHECK(s != NULL && s->outcome == RES_PASSED);
    /* Past the cap, output is counted, not kept (under --isolate=file
     * the marks past the cap go too: what was kept goes with the file's
     * last result, see outmark.h). */
    CHECK(s != NULL && s->out_len < (2u << 20) &&
          strstr(s->out, " more bytes of output cut]\n") != NULL);
    CHECK(is("test_last", RES_PASSED, NULL, NULL));
}

static void test_isolate_file(void)
{
    struct cli_opts o = options();
    char *files[] = {path_file};
    int internal;

    o.isolate = CLI_ISOLATE_FILE;
    CHECK(run(&o, files, NULL, 1, &internal) == SCHED_DONE);
    CHECK(internal == 0);
    CHECK(nfiles == 1);
    CHECK(nseen == 10);
    check_common();
}

static void test_isolate_test(void)
{
    struct cli_opts o = options();
    char *files[] = {path_test};
    int internal;

    CHECK(run(&o, files, NULL, 1, &internal) == SCHED_DONE);
    CHECK(internal == 0);
    CHECK(nfiles == 1);
    CHECK(nseen == 10);
    check_common();
    /* The supervisor keeps the first 1 MiB of a test's own output. */
    CHECK(result("test_flood") != NULL &&
          result("test_flood")->out_len > (1u << 20) &&
          strncmp(result("test_flood")->out, "xxxx", 4) == 0);
}

static void test_import_dies(void)
{
    struct cli_opts o = options();
    char *files[] = {path_import};
    int internal;

    CHECK(run(&o, files, NULL, 1, &internal) == SCHED_DONE);
    CHECK(nfiles == 1);
    CHECK(nseen == 1);
    CHECK(nseen == 1 && seen[0].outcome == RES_ERROR &&
          strcmp(seen[0].type, "collection") == 0 &&
          strcmp(seen[0].message, "worker importing the file died by "
                                  "SIGABRT (signal 6)") == 0);
}

static void test_exitfirst(void)
{
    struct cli_opts o = options();
    char *files[] = {path_file};
    int internal;

    o.isolate = CLI_ISOLATE_FILE;
    o.exitfirst = 1;
    CHECK(run(&o, files, NULL, 1, &internal) == SCHED_DONE);
    CHECK(nseen == 2);
    CHECK(is("test_pass", RES_PASSED, NULL, NULL));
    CHECK(is("test_fail", RES_FAILED, "AssertionError", "assert 1 == 2"));
    /* the 8 tests after test_fail did not run */
    CHECK(stopped == 1 && stopped_tests == 8 && stopped_files == 0);
}

static void test_keyword_deselects(void)
{
    struct cli_opts o = options();
    char *files[] = {path_test};
    int internal;

    o.keyword = "last";
    CHECK(run(&o, files, NULL, 1, &internal) == SCHED_DONE);
    CHECK(nseen == 1 && is("test_last", RES_PASSED, NULL, NULL));
    CHECK(deselected == 9 && stopped == 0);
}

static void test_collect_and_select(void)
{
    struct cli_opts o = options();
    char *files[] = {path_test, path_import};
    char *select[] = {"test_last\ntest_pass", NULL};
    int internal;

    o.collect_only = 1;
    CHECK(run(&o, files, NULL, 1, &internal) == SCHED_DONE);
    CHECK(nseen == 0);
    CHECK(ncollected == 10);
    CHECK_STR(collected[0], "test_pass");
    CHECK_STR(collected[9], "test_last");

    o.collect_only = 0;
    CHECK(run(&o, files, select, 1, &internal) == SCHED_DONE);
    CHECK(nseen == 2);
    CHECK(is("test_pass", RES_PASSED, NULL, NULL));
    CHECK(is("test_last", RES_PASSED, NULL, NULL));
}

int main(int argc, char **argv)
{
    char err[512] = "", python[PATH_MAX];

    (void)argc;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (realpath("python", python) == NULL ||
        setenv("CROSSRUN_PYTHON", python, 1) != 0) {
        printf("Bail out! run from the checkout's root (no python/)\n");
        return 2;
    }
    if (pyw_init(argv[0], err, sizeof err) != 0) {
        printf("Bail out! %s\n", err);
        return 2;
    }
    if (setup() != 0) {
        teardown();
        return 2;
    }
    test_isolate_file();
    test_isolate_test();
    test_import_dies();
    test_exitfirst();
    test_keyword_deselects();
    test_collect_and_select();
    forget();
    teardown();
    return unit_done();
}
