/* ci: a run's part in the CI around it: shards, cache, Bazel's test
 * protocol (see ci.h; Bazel's side: the "Test encyclopedia" of its
 * documentation, docs/test-encyclopedia). */
#include "ci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/errmsg.h"
#include "plan.h"
#include "runlog.h"

/* A variable of the environment, NULL when unset or empty. */
static const char *env(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static const char *env_raw(const char *name)
{
    return getenv(name);
}

static int touch(const char *var, char *err, size_t errlen)
{
    const char *path = env(var);
    int fd;

    if (path == NULL) {
        return 0;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        return errmsg(err, errlen, -1, "%s=%s: cannot create it: %s", var,
                      path, strerror(errno));
    }
    close(fd);
    return 0;
}

/* Bazel's filter and the outputs that go where Bazel keeps them. */
static int bazel_options(struct ci_run *c, struct cli_opts *o)
{
    const char *bridge = env("TESTBRIDGE_TEST_ONLY");
    const char *outs = env("TEST_UNDECLARED_OUTPUTS_DIR");

    if (o->junitxml == NULL && env("XML_OUTPUT_FILE") != NULL) {
        o->junitxml = env("XML_OUTPUT_FILE");
    }
    if (bridge != NULL) {
        if (o->keyword != NULL) {
            if (asprintf(&c->keyword, "(%s) and (%s)", o->keyword,
                         bridge) < 0) {
                c->keyword = NULL;
                return -1;
            }
            o->keyword = c->keyword;
        } else {
            o->keyword = bridge;
        }
    }
    if (outs != NULL && !o->tap && !o->collect_only) {
        if (asprintf(&c->tap_path, "%s/crossrun.tap", outs) < 0) {
            c->tap_path = NULL;
            return -1;
        }
        o->tap = 1;
        o->tap_path = c->tap_path;
    }
    /* Scratch files (the precompiler's, the tests' own) under
     * TEST_TMPDIR; no bytecode cache in the read-only runfiles. */
    if (env("TEST_TMPDIR") != NULL &&
        (setenv("TMPDIR", env("TEST_TMPDIR"), 1) != 0 ||
         setenv("PYTHONDONTWRITEBYTECODE", "1", 1) != 0)) {
        return -1;
    }
    return 0;
}

int ci_options(struct ci_run *c, struct cli_opts *o, char *err,
               size_t errlen)
{
    int r;

    memset(c, 0, sizeof *c);
    if (bazel_options(c, o) != 0) {
        return errmsg(err, errlen, -1, "out of memory");
    }
    r = shard_resolve(o->shard, env_raw, &c->shard, err, errlen);
    if (r < 0) {
        return -1;
    }
    c->sharded = r;
    if (touch("TEST_PREMATURE_EXIT_FILE", err, errlen) != 0 ||
        (c->shard.status_file != NULL &&
         touch("TEST_SHARD_STATUS_FILE", err, errlen) != 0)) {
        return -1;
    }
    return 0;
}

static char *cache_file(const char *name)
{
    char *p;

    return asprintf(&p, "%s/%s", cache_dir(), name) < 0 ? NULL : p;
}

static void load(struct cache_table *t, const char *path)
{
    char err[512];

    if (cache_load(t, path, err, sizeof err) != 0) {
        fprintf(stderr, "crossrun: warning: %s (not used)\n", err);
    }
}

int ci_begin(struct ci_run *c, const struct cli_opts *o,
             struct disc_list *files, FILE *out, char *err, size_t errlen)
{
    struct plan_info info;
    char *dur_in = NULL;

    c->write_cache = !o->collect_only;
    dur_in = o->durations_path ? strdup(o->durations_path)
                               : cache_file("durations");
    /* The shares of one split read the same durations, even when they
     * run one after another here: a share records its own. */
    if (c->sharded) {
        char name[64];

        snprintf(name, sizeof name, "durations-%d-of-%d",
                 c->shard.index + 1, c->shard.total);
        c->durations_out = cache_file(name);
    } else {
        c->durations_out = cache_file("durations");
    }
    c->lastfailed_path = cache_file("lastfailed");
    if (dur_in == NULL || c->durations_out == NULL ||
        c->lastfailed_path == NULL) {
        free(dur_in);
        return errmsg(err, errlen, 3, "out of memory");
    }
    if (c->write_cache && runlog_open(&c->run) != 0) {
        fprintf(stderr, "crossrun: warning: no temporary file for this "
                "run's durations: %s (not recorded)\n", strerror(errno));
        c->write_cache = 0;
    }
    if (!plan_needed(o, &c->shard)) {
        free(dur_in);
        return -1;
    }
    /* Only a split or --lf/--ff reads the whole cache into memory. */
    load(&c->durations, dur_in);
    load(&c->lastfailed, c->lastfailed_path);
    free(dur_in);
    switch (plan_make(o, &c->shard, &c->durations, &c->lastfailed, files,
                      &info, err, errlen)) {
    case PLAN_INTERRUPTED:
        return 2;
    case PLAN_FAILED:
        return 3;
    case PLAN_OK:
        break;
    }
    if (c->sharded && o->verbosity >= 0) {
        fprintf(out, "shard %d/%d (%s): %zu of %zu tests\n",
                c->shard.index + 1, c->shard.total, c->shard.source,
                info.chosen, info.collected);
    }
    if (o->last_failed && o->verbosity >= 0) {
        fprintf(out, "--lf: %s\n", info.failed_last
                ? "running the tests that failed last time"
                : "no failed tests recorded: running all");
    }
    if (info.chosen == 0 && info.collected > 0) {
        fprintf(out, "no tests in this share: %d shares for %zu tests\n",
                c->shard.total, info.collected);
        c->write_cache = 0;
        return 0;
    }
    return -1;
}

void ci_note(struct ci_run *c, const struct res_test *t)
{
    int bad = t->outcome == RES_FAILED || t->outcome == RES_ERROR;

    if (t->id == NULL) {
        return;
    }
    c->noted = 1;
    if (c->run.f != NULL &&
        runlog_add(&c->run, t->id, t->outcome != RES_SKIPPED &&
                                   t->outcome != RES_ERROR ? t->duration
                                                           : -1.0,
                   bad) != 0) {
        c->write_cache = 0;
    }
    if (bad && env("TEST_UNDECLARED_OUTPUTS_DIR") != NULL &&
        t->type != NULL && (strcmp(t->type, "crash") == 0 ||
                            strcmp(t->type, "timeout") == 0)) {
        buf_printf(&c->crashes, "== %s\n%s\n%s\n\n", t->id,
                   t->message ? t->message : "",
                   t->detail ? t->detail : "(no backtrace)");
    }
}

static int slowest_first(const void *a, const void *b)
{
    const struct cache_entry *x = a, *y = b;

    if (x->value != y->value) {
        return x->value > y->value ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

static int collect_timed(void *ctx, const char *id, double d, int failed)
{
    (void)failed;
    return d >= 0 && cache_put(ctx, id, d) != 0 ? -1 : 0;
}

void ci_print_durations(struct ci_run *c, int n, FILE *out)
{
    struct cache_table t = {0};
    size_t count;

    if (n < 0) {
        return;
    }
    /* asked for: this run's durations are read back from its log */
    if (runlog_each(&c->run, collect_timed, &t) != 0) {
        fprintf(out, "=== durations: not recorded ===\n");
        cache_free(&t);
        return;
    }
    cache_finish(&t);
    qsort(t.e, t.n, sizeof *t.e, slowest_first);
    count = n == 0 || (size_t)n > t.n ? t.n : (size_t)n;
    fprintf(out, "=== slowest %s%zu duration%s ===\n", n == 0 ? "(all) " : "",
            count, count == 1 ? "" : "s");
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "%.3fs %s\n", t.e[i].value, t.e[i].id);
    }
    cache_free(&t);
}

/* A file of Bazel's with text in it; failures are only reported. */
static void write_text(const char *path, const char *text, size_t len)
{
    struct afile a;
    char err[512];

    if (afile_open(&a, path, err, sizeof err) != 0 ||
        afile_write_all(a.fd, text, len) != 0 ||
        afile_commit(&a, err, sizeof err) != 0) {
        afile_abort(&a);
        fprintf(stderr, "crossrun: warning: %s\n", err);
    }
}

/* A cache file being rewritten: what it keeps of the old one, then this
 * run's lines (durations: the timed results; lastfailed: the failed). */
struct rewrite {
    struct afile a;
    struct buf b;
    int durations;
    int rc;
};

static int put_line(struct rewrite *w, const char *text, size_t n)
{
    if (buf_append(&w->b, text, n) != 0) {
        return w->rc = -1;
    }
    if (w->b.len >= 65536) {
        if (afile_write_all(w->a.fd, w->b.data, w->b.len) != 0) {
            return w->rc = -1;
        }
        w->b.len = 0;
    }
    return 0;
}

static int put_new(void *ctx, const char *id, double d, int failed)
{
    struct rewrite *w = ctx;
    char num[64];
    int n;

    if (w->durations ? d < 0 : !failed) {
        return 0;
    }
    n = w->durations ? snprintf(num, sizeof num, "%.6f ", d)
                     : snprintf(num, sizeof num, "1 ");
    return put_line(w, num, (size_t)n) || put_line(w, id, strlen(id)) ||
           put_line(w, "\n", 1);
}

/* The old entries of path that this run did not replace. */
static int keep_old(struct rewrite *w, const char *path, struct runlog *r)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    if (f == NULL) {
        return errno == ENOENT ? 0 : -1;
    }
    while (w->rc == 0 && (len = getline(&line, &cap, f)) > 0) {
        char *id = memchr(line, ' ', (size_t)len);

        if (id == NULL || line[len - 1] != '\n') {
            continue;   /* not an entry (a cache never stops a run) */
        }
        line[len - 1] = '\0';
        if (!runlog_has(r, id + 1, w->durations)) {
            line[len - 1] = '\n';
            put_line(w, line, (size_t)len);
        }
    }
    free(line);
    fclose(f);
    return w->rc;
}

/* Rewrite the cache file path with this run's results, whole or not at
 * all; a failure is only reported. */
static void rewrite(struct ci_run *c, const char *path, int durations)
{
    struct rewrite w = {.b = BUF_INIT, .durations = durations};
    char err[512] = "";

    if (afile_open(&w.a, path, err, sizeof err) != 0) {
        goto out;
    }
    if (keep_old(&w, path, &c->run) != 0 ||
        runlog_each(&c->run, put_new, &w) != 0 || w.rc != 0 ||
        afile_write_all(w.a.fd, w.b.data, w.b.len) != 0) {
        snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
        afile_abort(&w.a);
        goto out;
    }
    (void)afile_commit(&w.a, err, sizeof err);
out:
    if (err[0]) {
        fprintf(stderr, "crossrun: warning: %s not recorded: %s\n",
                durations ? "durations" : "failed tests", err);
    }
    buf_free(&w.b);
}

static void write_cache(struct ci_run *c)
{
    rewrite(c, c->durations_out, 1);
    rewrite(c, c->lastfailed_path, 0);
}

void ci_end(struct ci_run *c, int status, const char *why)
{
    const char *outs = env("TEST_UNDECLARED_OUTPUTS_DIR");
    const char *infra = env("TEST_INFRASTRUCTURE_FAILURE_FILE");
    const char *premature = env("TEST_PREMATURE_EXIT_FILE");

    if (c->write_cache && c->noted) {
        write_cache(c);
    }
    if (outs != NULL && c->crashes.len > 0) {
        char *path;

        if (asprintf(&path, "%s/crossrun-crashes.txt", outs) >= 0) {
            write_text(path, c->crashes.data, c->crashes.len);
            free(path);
        }
    }
    if (status == 3 && infra != NULL) {
        char text[1100];
        int n = snprintf(text, sizeof text, "crossrun failed (exit status "
                         "3): %s\n", why && why[0] ? why
                                                  : "see the test log");

        write_text(infra, text, n < (int)sizeof text ? (size_t)n
                                                     : sizeof text - 1);
    }
    if (premature != NULL && status != 2 && status != 3 &&
        unlink(premature) != 0 && errno != ENOENT) {
        fprintf(stderr, "crossrun: warning: TEST_PREMATURE_EXIT_FILE=%s: "
                "cannot remove it: %s\n", premature, strerror(errno));
    }
    cache_free(&c->durations);
    cache_free(&c->lastfailed);
    runlog_close(&c->run);
    free(c->durations_out);
    free(c->lastfailed_path);
    free(c->keyword);
    free(c->tap_path);
    buf_free(&c->crashes);
    memset(c, 0, sizeof *c);
}
