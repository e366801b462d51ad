/* rerun: --reruns N (see rerun.h). A held file keeps a copy of its
 * results; each round runs the tests still failed, one test id each
 * (the worker's selection, as for FILE::NAME), in fresh workers. */
#include "rerun.h"

#include <stdlib.h>
#include <string.h>

#include "core/errmsg.h"

struct held {
    size_t at;              /* the test's index in the file */
    struct res_try *fails;  /* failed tries after the first */
    size_t nfails;
    int passed;             /* a rerun passed: flaky */
    int reran;              /* runs so far, the first included */
};

struct rerun_file {
    struct res_file f;      /* a copy of the file's results */
    struct held *held;      /* its failed tests */
    size_t nheld;
};

int rerun_holds_test(const struct rerun *r, const struct res_test *t)
{
    return r->reruns > 0 && t->outcome == RES_FAILED;
}

static int copy_file(struct rerun_file *rf, const struct res_file *f)
{
    memset(rf, 0, sizeof *rf);
    rf->f = *f;
    rf->f.tests = calloc(f->ntests ? f->ntests : 1, sizeof *rf->f.tests);
    rf->f.path = strdup(f->path);
    rf->held = calloc(f->ntests ? f->ntests : 1, sizeof *rf->held);
    rf->f.ntests = rf->f.cap = 0;
    if (rf->f.tests == NULL || rf->f.path == NULL || rf->held == NULL) {
        return -1;
    }
    for (size_t i = 0; i < f->ntests; i++) {
        if (res_test_copy(&rf->f.tests[i], &f->tests[i]) != 0) {
            return -1;
        }
        rf->f.ntests = rf->f.cap = i + 1;
        if (f->tests[i].outcome == RES_FAILED) {
            rf->held[rf->nheld].at = i;
            rf->held[rf->nheld++].reran = 1;
        }
    }
    return 0;
}

static void free_file(struct rerun_file *rf)
{
    for (size_t i = 0; i < rf->nheld; i++) {
        for (size_t k = 0; k < rf->held[i].nfails; k++) {
            res_try_free(&rf->held[i].fails[k]);
        }
        free(rf->held[i].fails);
    }
    free(rf->held);
    res_file_free(&rf->f);
}

int rerun_hold_file(struct rerun *r, const struct res_file *f)
{
    int any = 0;

    for (size_t i = 0; r->reruns > 0 && i < f->ntests; i++) {
        any |= f->tests[i].outcome == RES_FAILED;
    }
    if (!any) {
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        struct rerun_file *p = realloc(r->files, cap * sizeof *p);

        if (p == NULL) {
            r->oom = 1;
            return 0;
        }
        r->files = p;
        r->cap = cap;
    }
    if (copy_file(&r->files[r->n], f) != 0) {
        free_file(&r->files[r->n]);
        r->oom = 1;
        return 0;
    }
    r->n++;
    return 1;
}

/* The held test of r with this id, or NULL. */
static struct held *find(struct rerun *r, const char *path, const char *id,
                         struct rerun_file **in)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->files[i].f.path, path) != 0) {
            continue;
        }
        for (size_t k = 0; k < r->files[i].nheld; k++) {
            struct held *h = &r->files[i].held[k];

            if (!h->passed && strcmp(r->files[i].f.tests[h->at].id, id) == 0) {
                *in = &r->files[i];
                return h;
            }
        }
    }
    return NULL;
}

/* The failure of t as a try (its strings taken over from a copy). */
static int as_try(struct res_try *out, const struct res_test *t)
{
    struct res_test c;

    if (res_test_copy(&c, t) != 0) {
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->type = c.type;
    out->message = c.message;
    out->detail = c.detail;
    out->out = c.out;
    out->out_len = c.out_len;
    out->err = c.err;
    out->err_len = c.err_len;
    out->duration = c.duration;
    c.type = c.message = c.detail = c.out = c.err = NULL;
    res_test_free(&c);
    return 0;
}

static int add_fail(struct held *h, const struct res_test *t)
{
    struct res_try *p = realloc(h->fails, (h->nfails + 1) * sizeof *p);

    if (p == NULL) {
        return -1;
    }
    h->fails = p;
    if (as_try(&h->fails[h->nfails], t) != 0) {
        return -1;
    }
    h->nfails++;
    return 0;
}

/* A rerun passed: t becomes the test's result, every failed try before
 * it (the first run's included) its flaky tries. */
static int passed(struct rerun_file *rf, struct held *h,
                  const struct res_test *t)
{
    struct res_test *slot = &rf->f.tests[h->at];
    struct res_try *tries = calloc(h->nfails + 1, sizeof *tries);
    struct res_test now;

    if (tries == NULL || as_try(&tries[0], slot) != 0 ||
        res_test_copy(&now, t) != 0) {
        free(tries);
        return -1;
    }
    if (h->nfails > 0) {
        memcpy(tries + 1, h->fails, h->nfails * sizeof *tries);
    }
    free(h->fails);
    h->fails = NULL;
    now.tries = tries;
    now.ntries = h->nfails + 1;
    h->nfails = 0;
    res_test_free(slot);
    *slot = now;
    h->passed = 1;
    return 0;
}

static void on_test(void *ctx, const struct res_file *f,
                    const struct res_test *t)
{
    struct rerun *r = ctx;
    struct rerun_file *rf = NULL;
    struct held *h = t->id ? find(r, f->path, t->id, &rf) : NULL;

    if (h == NULL) {
        return;     /* the module teardown, or a file that now fails */
    }
    h->reran++;
    if (t->outcome == RES_FAILED || t->outcome == RES_ERROR) {
        r->oom |= add_fail(h, t) != 0;
    } else if (t->outcome != RES_SKIPPED) {
        r->oom |= passed(rf, h, t) != 0;
    }
}

static int on_file(void *ctx, const struct res_file *f)
{
    (void)ctx;
    (void)f;
    return 0;
}

/* The selection of rf's tests still failed ("NAME\nNAME..."), NULL when
 * none is, or on no memory (r->oom set). */
static char *still_failed(struct rerun *r, struct rerun_file *rf)
{
    size_t plen = strlen(rf->f.path), len = 0;
    char *sel = NULL;

    for (size_t k = 0; k < rf->nheld; k++) {
        const char *id = rf->f.tests[rf->held[k].at].id;
        size_t n;
        char *p;

        if (rf->held[k].passed || strncmp(id, rf->f.path, plen) != 0 ||
            strncmp(id + plen, "::", 2) != 0) {
            continue;
        }
        id += plen + 2;
        n = strlen(id);
        if ((p = realloc(sel, len + n + 2)) == NULL) {
            r->oom = 1;
            free(sel);
            return NULL;
        }
        sel = p;
        if (len) {
            sel[len++] = '\n';
        }
        memcpy(sel + len, id, n + 1);
        len += n;
    }
    return sel;
}

enum sched_end rerun_run(struct rerun *r, const struct cli_opts *o,
                         int *internal_errors, char *err, size_t errlen)
{
    struct cli_opts again = *o;
    struct sched_hooks h = {r, on_test, on_file, NULL, NULL};
    enum sched_end end = SCHED_DONE;
    char **files = calloc(r->n ? r->n : 1, sizeof *files);
    char **select = calloc(r->n ? r->n : 1, sizeof *select);

    again.exitfirst = 0;
    if (files == NULL || select == NULL) {
        r->oom = 1;
    }
    for (int round = 0; !r->oom && round < r->reruns && end == SCHED_DONE;
         round++) {
        size_t n = 0;
        int internal = 0;

        for (size_t i = 0; i < r->n; i++) {
            char *sel = still_failed(r, &r->files[i]);

            if (sel != NULL) {
                files[n] = r->files[i].f.path;
                select[n++] = sel;
            }
        }
        if (n == 0) {
            break;
        }
        end = sched_run(&again, files, select, n, &h, &internal, err,
                        errlen);
        *internal_errors += internal;
        for (size_t i = 0; i < n; i++) {
            free(select[i]);
        }
    }
    if (r->oom && end == SCHED_DONE) {
        errmsg(err, errlen, 0, "--reruns: out of memory");
        end = SCHED_FAILED;
    }
    free(files);
    free(select);
    return end;
}

void rerun_release(struct rerun *r, const struct sched_hooks *h, FILE *out)
{
    int flaky = 0;

    r->reruns = 0;      /* the hooks now report, and hold nothing */
    for (size_t i = 0; i < r->n; i++) {
        struct rerun_file *rf = &r->files[i];

        for (size_t k = 0; k < rf->nheld; k++) {
            struct held *hd = &rf->held[k];
            struct res_test *t = &rf->f.tests[hd->at];

            if (!hd->passed) {
                t->tries = hd->fails;
                t->ntries = hd->nfails;
                hd->fails = NULL;
                hd->nfails = 0;
            }
            h->on_test(h->ctx, &rf->f, t);
        }
        h->on_file(h->ctx, &rf->f);
    }
    /* The flaky tests after the files' lines, before the summary. */
    for (size_t i = 0; i < r->n; i++) {
        struct rerun_file *rf = &r->files[i];

        for (size_t k = 0; k < rf->nheld; k++) {
            const struct res_test *t = &rf->f.tests[rf->held[k].at];

            if (!rf->held[k].passed) {
                continue;
            }
            if (flaky++ == 0) {
                fprintf(out, "=== flaky: passed on a rerun ===\n");
            }
            fprintf(out, "FLAKY %s (failed %zu time%s, then passed)\n",
                    t->id, t->ntries, t->ntries == 1 ? "" : "s");
        }
        free_file(rf);
    }
    free(r->files);
    r->files = NULL;
    r->n = r->cap = 0;
}
