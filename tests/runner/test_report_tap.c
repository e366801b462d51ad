/* test_report_tap: the TAP 13 report, read back with perl's TAP::Parser
 * (the parser prove uses): no parse errors whatever the tests printed,
 * the right outcomes, and YAML values that decode to what we meant. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "report_fixture.h"
#include "report_tap.h"
#include "kit/unit.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

static char *dir;
static char script[PATH_MAX];

/* Prints what TAP::Parser makes of a file, one fact per line; values in
 * hex so that any byte survives the trip (as UTF-8: the parser may hand
 * back decoded characters). */
static const char PERL[] =
    "use strict; use warnings; use TAP::Parser;\n"
    "sub hx { my $v = shift; utf8::encode($v) if utf8::is_utf8($v);"
    " return unpack('H*', $v); }\n"
    "my $p = TAP::Parser->new({ exec => ['cat', $ARGV[0]] });\n"
    "my $n = 0;\n"
    "while (my $r = $p->next) {\n"
    "  if ($r->is_test) {\n"
    "    $n = $r->number;\n"
    "    printf \"test %d ok=%d skip=%d todo=%d %s\\n\", $n, $r->is_actual_ok"
    " ? 1 : 0,\n"
    "      $r->has_skip ? 1 : 0, $r->has_todo ? 1 : 0,"
    " hx($r->description);\n"
    "  } elsif ($r->is_yaml) {\n"
    "    my $d = $r->data;\n"
    "    print \"yaml $n $_ \", hx($d->{$_}), \"\\n\""
    " for sort keys %$d;\n"
    "  }\n"
    "}\n"
    "print 'version ', $p->version, \"\\n\";\n"
    "print 'plan ', $p->plan, \"\\n\";\n"
    "print \"parse-error $_\\n\" for $p->parse_errors;\n"
    "printf \"counts run=%d failed=%d skipped=%d todo=%d\"\n"
    "  . \" todo_passed=%d\\n\",\n"
    "  $p->tests_run, scalar($p->failed), scalar($p->skipped),"
    " scalar($p->todo), scalar($p->todo_passed);\n";

struct facts {
    char **lines;
    size_t n;
};

/* Run the perl script on file and keep its output lines. */
static int read_facts(const char *file, struct facts *f)
{
    char cmd[2 * PATH_MAX + 32];
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    FILE *p;

    f->lines = NULL;
    f->n = 0;
    snprintf(cmd, sizeof cmd, "perl '%s' '%s'", script, file);
    p = popen(cmd, "r");
    if (p == NULL) {
        return -1;
    }
    while ((len = getline(&line, &cap, p)) > 0) {
        char **l = realloc(f->lines, (f->n + 1) * sizeof *l);

        if (l == NULL) {
            break;
        }
        f->lines = l;
        line[len - 1] = line[len - 1] == '\n' ? '\0' : line[len - 1];
        f->lines[f->n++] = strdup(line);
    }
    free(line);
    return pclose(p) == 0 ? 0 : -1;
}

static void free_facts(struct facts *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->lines[i]);
    }
    free(f->lines);
}

/* The rest of the first line that starts with prefix, or NULL. */
static const char *fact(const struct facts *f, const char *prefix)
{
    size_t n = strlen(prefix);

    for (size_t i = 0; i < f->n; i++) {
        if (f->lines[i] != NULL && strncmp(f->lines[i], prefix, n) == 0) {
            return f->lines[i] + n;
        }
    }
    return NULL;
}

static char *hex(const char *s, size_t n)
{
    char *h = malloc(2 * n + 1);

    for (size_t i = 0; h != NULL && i < n; i++) {
        snprintf(h + 2 * i, 3, "%02x", (unsigned char)s[i]);
    }
    if (h != NULL) {
        h[2 * n] = '\0';
    }
    return h;
}

/* The YAML value of key in test point num decodes to want[0..n). */
static int yaml_is(const struct facts *f, int num, const char *key,
                   const char *want, size_t n)
{
    char prefix[128];
    char *h = hex(want, n);
    const char *got;
    int ok;

    snprintf(prefix, sizeof prefix, "yaml %d %s ", num, key);
    got = fact(f, prefix);
    ok = got != NULL && h != NULL && strcmp(got, h) == 0;
    if (!ok) {
        printf("# %s: got %.200s\n#   expected %.200s\n", prefix,
               got ? got : "(none)", h ? h : "?");
    }
    free(h);
    return ok;
}

#define YAML_IS(f, num, key, lit) \
    CHECK(yaml_is(f, num, key, lit, sizeof lit - 1))

/* "test N ok=.. skip=.. todo=.. " line of test point num starts so. */
static int point_is(const struct facts *f, int num, const char *flags,
                    const char *desc)
{
    char prefix[64], want[4096];
    char *h = hex(desc, strlen(desc));
    const char *got;
    int ok;

    snprintf(prefix, sizeof prefix, "test %d ", num);
    snprintf(want, sizeof want, "%s %s", flags, h ? h : "");
    got = fact(f, prefix);
    ok = got != NULL && strcmp(got, want) == 0;
    if (!ok) {
        printf("# test %d: got %s\n#   expected %s\n", num,
               got ? got : "(none)", want);
    }
    free(h);
    return ok;
}

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static int write_tap(const char *path, struct res_file *files, size_t n)
{
    char err[512];
    struct tapw_writer *w = tapw_open(path, err, sizeof err);

    if (w == NULL) {
        printf("# %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (tapw_add_file(w, &files[i], err, sizeof err) != 0) {
            printf("# %s\n", err);
            tapw_abort(w);
            return -1;
        }
    }
    if (tapw_close(w, err, sizeof err) != 0) {
        printf("# %s\n", err);
        return -1;
    }
    return 0;
}

static void test_nasty_stream(struct res_file *files)
{
    char path[PATH_MAX], cmd[2 * PATH_MAX];
    struct facts f;
    char *text, *want;
    size_t len;
    FILE *p;

    path_in(path, sizeof path, "out/report.tap");
    CHECK(write_tap(path, files, 2) == 0);
    CHECK(fx_count_entries(dir, ".tmp.") == 0);
    text = fx_slurp(path, &len);
    CHECK(text != NULL && strncmp(text, "TAP version 13\n", 15) == 0);
    CHECK(text != NULL && len > 7 && strcmp(text + len - 7, "\n1..10\n") == 0);
    free(text);

    if (!CHECK(read_facts(path, &f) == 0)) {
        return;
    }
    CHECK(fact(&f, "parse-error") == NULL);
    for (size_t i = 0; i < f.n; i++) {
        if (strncmp(f.lines[i], "parse-error", 11) == 0) {
            printf("# %s\n", f.lines[i]);
        }
    }
    CHECK_STR(fact(&f, "version "), "13");
    CHECK_STR(fact(&f, "plan "), "1..10");
    CHECK_STR(fact(&f, "counts "),
              "run=10 failed=4 skipped=1 todo=2 todo_passed=1");

    CHECK(point_is(&f, 1, "ok=1 skip=0 todo=0",
                   "- tests/test_<&>.py::test_ok"));
    CHECK(point_is(&f, 2, "ok=0 skip=0 todo=0",
                   "- tests/test_<&>.py::test_fail[\\x1b]"));
    CHECK(point_is(&f, 4, "ok=1 skip=1 todo=0",
                   "- tests/test_<&>.py::test_skip"));
    CHECK(point_is(&f, 5, "ok=0 skip=0 todo=1",
                   "- tests/test_<&>.py::test_xfail"));
    CHECK(point_is(&f, 6, "ok=1 skip=0 todo=1",
                   "- tests/test_<&>.py::test_xpass"));
    CHECK(point_is(&f, 8, "ok=1 skip=0 todo=0", ""));
    /* an id that reads like a directive stays a description */
    CHECK(point_is(&f, 9, "ok=1 skip=0 todo=0",
                   "- tests/test_<&>.py::test_id[\\# SKIP\\\\]"));

    /* quoted values decode to the original bytes */
    YAML_IS(&f, 2, "message", NASTY_MESSAGE);
    YAML_IS(&f, 2, "type", "AssertionError");
    YAML_IS(&f, 2, "duration", "1.235");
    YAML_IS(&f, 2, "stderr", R R " <&>\"'");
    /* block values: controls shown as text, one final newline */
    YAML_IS(&f, 2, "stdout", "\\x1b[31mred\\x1b[0m\n\\x00zero\n]]>\n");
    YAML_IS(&f, 2, "detail",
            "Traceback:\n  x = f() ]]> " R R "\n\nE   boom\n");
    YAML_IS(&f, 3, "type", "collection");
    YAML_IS(&f, 3, "detail", "E   ModuleNotFoundError");
    YAML_IS(&f, 7, "message", "SIGSEGV");
    YAML_IS(&f, 7, "detail",
            "native backtrace:\n  #0 calc::crash() at calc.cc:3\n");
    YAML_IS(&f, 10, "message", "");
    YAML_IS(&f, 10, "detail", "\\x20 File \"t.py\", line 3\n...\n---\n"
            "ok 5\nBail out!\n  - item\nkey: value\n\n");

    /* the 1 MiB stream, \x01 shown as text */
    want = malloc(BIG_LEN + 4);
    if (CHECK(want != NULL)) {
        memcpy(want, files[0].tests[6].err, 100);
        memcpy(want + 100, "\\x01", 4);
        memcpy(want + 104, files[0].tests[6].err + 101, BIG_LEN - 101);
        CHECK(yaml_is(&f, 7, "stderr", want, BIG_LEN + 3));
        free(want);
    }
    /* one line too long to quote: a block, newline added */
    want = malloc(LONG_LINE_LEN + 1);
    if (CHECK(want != NULL)) {
        memset(want, 'y', LONG_LINE_LEN);
        want[LONG_LINE_LEN] = '\n';
        CHECK(yaml_is(&f, 10, "stdout", want, LONG_LINE_LEN + 1));
        free(want);
    }
    free_facts(&f);

    /* and prove itself: failures, but no parse errors */
    snprintf(cmd, sizeof cmd, "prove --exec cat '%s' 2>&1", path);
    p = popen(cmd, "r");
    if (CHECK(p != NULL)) {
        char line[4096];
        int bad = 0, summary = 0;

        while (fgets(line, sizeof line, p) != NULL) {
            if (strstr(line, "Parse errors") != NULL ||
                strstr(line, "Bad plan") != NULL ||
                strstr(line, "YAML") != NULL) {
                bad = 1;
                printf("# prove: %s", line);
            }
            if (strstr(line, "Failed tests:  2-3, 7, 10") != NULL) {
                summary = 1;
            }
        }
        pclose(p);
        CHECK(!bad);
        CHECK(summary);
    }
}

static void test_empty_run(void)
{
    char path[PATH_MAX];
    struct facts f;
    char *text;

    path_in(path, sizeof path, "empty.tap");
    CHECK(write_tap(path, NULL, 0) == 0);
    text = fx_slurp(path, NULL);
    CHECK_STR(text, "TAP version 13\n1..0 # SKIP no tests ran\n");
    free(text);
    if (CHECK(read_facts(path, &f) == 0)) {
        CHECK(fact(&f, "parse-error") == NULL);
        CHECK_STR(fact(&f, "plan "), "1..0");
        free_facts(&f);
    }
}

static void test_atomic_and_errors(struct res_file *files)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32], plain[PATH_MAX], err[512];
    struct tapw_writer *w;
    char *text;

    path_in(path, sizeof path, "atomic.tap");
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(fx_spit(path, "OLD") == 0);
    w = tapw_open(path, err, sizeof err);
    CHECK(w != NULL && tapw_add_file(w, &files[0], err, sizeof err) == 0);
    text = fx_slurp(path, NULL);
    CHECK_STR(text, "OLD");
    free(text);
    CHECK(fx_exists(tmp));
    tapw_abort(w);
    text = fx_slurp(path, NULL);
    CHECK_STR(text, "OLD");
    free(text);
    CHECK(!fx_exists(tmp));

    w = tapw_open(path, err, sizeof err);
    CHECK(w != NULL && tapw_add_file(w, &files[1], err, sizeof err) == 0);
    CHECK(w != NULL && tapw_close(w, err, sizeof err) == 0);
    text = fx_slurp(path, NULL);
    CHECK_STR(text, "TAP version 13\n1..0 # SKIP no tests ran\n");
    free(text);
    CHECK(!fx_exists(tmp));

    path_in(plain, sizeof plain, "plain");
    CHECK(fx_spit(plain, "x") == 0);
    path_in(path, sizeof path, "plain/r.tap");
    err[0] = '\0';
    CHECK(tapw_open(path, err, sizeof err) == NULL);
    printf("# %s\n", err);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, strerror(ENOTDIR)) != NULL);
    tapw_abort(NULL);
}

/* Without a path the stream goes to fd 1, after what stdio had pending. */
static void test_stdout(struct res_file *files)
{
    char path[PATH_MAX];
    pid_t pid;
    int status = 0;
    char *text;

    path_in(path, sizeof path, "stdout.tap");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char err[512];
        struct tapw_writer *w;
        FILE *fp = fopen(path, "w");

        if (fp == NULL || dup2(fileno(fp), 1) < 0) {
            _exit(3);
        }
        printf("# before\n");            /* buffered by stdio */
        w = tapw_open(NULL, err, sizeof err);
        if (w == NULL || tapw_add_file(w, &files[0], err, sizeof err) != 0 ||
            tapw_close(w, err, sizeof err) != 0) {
            _exit(4);
        }
        _exit(0);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    text = fx_slurp(path, NULL);
    CHECK(text != NULL &&
          strncmp(text, "# before\nTAP version 13\nok 1 - ", 31) == 0);
    CHECK(text != NULL && strstr(text, "\n1..10\n") != NULL);
    free(text);
}

/* fx_write_fn for the TAP writer. */
static int write_one(const char *path, struct res_file *f, char *err,
                     size_t errlen)
{
    struct tapw_writer *w = tapw_open(path, err, errlen);
    int rc = -1;

    if (w != NULL) {
        rc = tapw_add_file(w, f, err, errlen);
        if (rc == 0) {
            rc = tapw_close(w, err, errlen);
        } else {
            tapw_abort(w);
        }
    }
    return rc;
}

/* A full disk (a file size limit, in a child): -1, a message naming the
 * file and the reason, nothing left behind. */
static void test_disk_full(struct res_file *files)
{
    char path[PATH_MAX], full[PATH_MAX];

    path_in(path, sizeof path, "full/r.tap");
    path_in(full, sizeof full, "full");
    fx_check_disk_full(path, full, write_one, &files[0]);
}

int main(void)
{
    struct res_file files[2];

    dir = fx_tmpdir();
    path_in(script, sizeof script, "facts.pl");
    if (fx_spit(script, PERL) != 0) {
        perror(script);
        return 2;
    }
    fx_nasty(&files[0]);
    fx_empty(&files[1]);

    test_nasty_stream(files);
    test_empty_run();
    test_atomic_and_errors(files);
    test_stdout(files);
    test_disk_full(files);

    res_file_free(&files[0]);
    res_file_free(&files[1]);
    fx_rm_rf(dir);
    free(dir);
    return unit_done();
}
