/* plan: chooses the tests of a run before it starts (see plan.h). */
#include "plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/errmsg.h"
#include "schedule.h"

/* The ids the collection pass found, and then what becomes of each. */
struct found {
    char **ids;
    size_t n, cap;
    int oom;
};

static void push_id(struct found *f, const char *id)
{
    char *copy;

    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 256;
        char **p = realloc(f->ids, cap * sizeof *p);

        if (p == NULL) {
            f->oom = 1;
            return;
        }
        f->ids = p;
        f->cap = cap;
    }
    if ((copy = strdup(id)) == NULL) {
        f->oom = 1;
        return;
    }
    f->ids[f->n++] = copy;
}

static void on_collected(void *ctx, const char *id)
{
    push_id(ctx, id);
}

/* A collection error (a file that does not import, a test id that names
 * no test) is run, and reported, by exactly one share too; what the
 * module teardown reports belongs to every run of the file. */
static void on_test(void *ctx, const struct res_file *f,
                    const struct res_test *t)
{
    (void)f;
    if (t->id != NULL && (t->outcome == RES_ERROR ||
                          t->outcome == RES_FAILED) &&
        strstr(t->id, "::<module teardown>") == NULL) {
        push_id(ctx, t->id);
    }
}

static int on_file(void *ctx, const struct res_file *f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int plan_needed(const struct cli_opts *o, const struct shard_spec *sp)
{
    return sp->total > 1 || o->last_failed || o->failed_first;
}

static enum plan_end collect(const struct cli_opts *o,
                             const struct disc_list *files, struct found *f,
                             char *err, size_t errlen)
{
    struct cli_opts quiet = *o;
    struct sched_hooks h = {f, on_test, on_file, on_collected, NULL};
    enum sched_end end;
    int internal = 0;

    quiet.collect_only = 1;
    quiet.exitfirst = 0;
    end = sched_run(&quiet, files->files, files->select, files->n, &h,
                    &internal, err, errlen);
    if (end == SCHED_INTERRUPTED) {
        return PLAN_INTERRUPTED;
    }
    if (end == SCHED_FAILED) {
        return PLAN_FAILED;
    }
    if (internal) {
        errmsg(err, errlen, 0, "listing the tests to choose this run's "
               "share: %d worker%s failed", internal,
               internal == 1 ? "" : "s");
        return PLAN_FAILED;
    }
    if (f->oom) {
        errmsg(err, errlen, 0, "out of memory");
        return PLAN_FAILED;
    }
    if (f->n > 0) {
        qsort(f->ids, f->n, sizeof *f->ids, by_string);
    }
    return PLAN_OK;
}

/* Which of files holds id (its part before the first "::"), or -1. */
static long file_of(const struct disc_list *files, const char *id)
{
    const char *sep = strstr(id, "::");
    size_t len = sep ? (size_t)(sep - id) : strlen(id);

    for (size_t i = 0; i < files->n; i++) {
        if (strncmp(files->files[i], id, len) == 0 &&
            files->files[i][len] == '\0') {
            return (long)i;
        }
    }
    return -1;
}

struct built {
    struct disc_list l;
    int oom;
};

/* Append file path with the chosen ids (whole: the file's own id is
 * among them, a file that did not import: run it all). */
static void add_file(struct built *b, const char *path, char **ids,
                     const long *home, const int *take, size_t n, long fi)
{
    struct buf_sel { char *s; size_t len; } sel = {NULL, 0};
    int any = 0, whole = 0;
    size_t plen = strlen(path);

    for (size_t i = 0; i < n; i++) {
        if (home[i] != fi || !take[i]) {
            continue;
        }
        any = 1;
        if (strlen(ids[i]) == plen) {
            whole = 1;
            continue;
        }
        const char *name = ids[i] + plen + 2;
        size_t nl = strlen(name);
        char *p = realloc(sel.s, sel.len + nl + 2);

        if (p == NULL) {
            b->oom = 1;
            free(sel.s);
            return;
        }
        sel.s = p;
        if (sel.len) {
            sel.s[sel.len++] = '\n';
        }
        memcpy(sel.s + sel.len, name, nl + 1);
        sel.len += nl;
    }
    if (!any) {
        return;
    }
    if (whole) {
        free(sel.s);
        sel.s = NULL;
    }
    if (b->l.n == b->l.cap) {
        size_t cap = b->l.cap ? 2 * b->l.cap : 16;
        char **f = realloc(b->l.files, cap * sizeof *f);
        char **s = f ? realloc(b->l.select, cap * sizeof *s) : NULL;

        if (f) {
            b->l.files = f;
        }
        if (s == NULL) {
            b->oom = 1;
            free(sel.s);
            return;
        }
        b->l.select = s;
        b->l.cap = cap;
    }
    b->l.files[b->l.n] = strdup(path);
    b->l.select[b->l.n] = sel.s;
    if (b->l.files[b->l.n] == NULL) {
        b->oom = 1;
        free(sel.s);
        return;
    }
    b->l.n++;
}

/* take[i]: 1 when test i is this run's; 2 when it also runs first. */
static int choose(const struct cli_opts *o, const struct shard_spec *sp,
                  const struct cache_table *durations,
                  const struct cache_table *lastfailed,
                  const struct found *f, int *take, struct plan_info *info)
{
    long long *us = malloc((f->n ? f->n : 1) * sizeof *us);
    int *share = malloc((f->n ? f->n : 1) * sizeof *share);
    size_t failed = 0;

    if (us == NULL || share == NULL) {
        free(us);
        free(share);
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        double d = cache_get(durations, f->ids[i]);

        us[i] = d >= 0 ? llround(d * 1e6) : -1;
    }
    if (shard_assign((const char *const *)f->ids, us, f->n, sp->total,
                     share) != 0) {
        free(us);
        free(share);
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        take[i] = share[i] == sp->index;
        if (cache_get(lastfailed, f->ids[i]) >= 0) {
            failed++;
            take[i] *= 2;
        }
    }
    info->failed_last = failed;
    for (size_t i = 0; i < f->n; i++) {
        if (o->last_failed && failed > 0 && take[i] == 1) {
            take[i] = 0;
        }
        if (!o->failed_first && take[i] == 2) {
            take[i] = 1;
        }
        info->chosen += take[i] != 0;
    }
    info->collected = f->n;
    free(us);
    free(share);
    return 0;
}

/* The files of l become those of b (b is emptied). The directories that
 * could not be searched stay with l, reported by the first share only:
 * each share's report has each error once, and so has their merge. */
static void replace_files(struct disc_list *l, struct disc_list *b,
                          const struct shard_spec *sp)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->files[i]);
        free(l->select[i]);
    }
    free(l->files);
    free(l->select);
    l->files = b->files;
    l->select = b->select;
    l->n = b->n;
    l->cap = b->cap;
    b->files = b->select = NULL;
    b->n = b->cap = 0;
    if (sp->total > 1 && sp->index > 0) {
        for (size_t i = 0; i < l->nerrors; i++) {
            free(l->errors[i].path);
            free(l->errors[i].message);
        }
        l->nerrors = 0;
    }
}

enum plan_end plan_make(const struct cli_opts *o, const struct shard_spec *sp,
                        const struct cache_table *durations,
                        const struct cache_table *lastfailed,
                        struct disc_list *files, struct plan_info *info,
                        char *err, size_t errlen)
{
    struct found f = {NULL, 0, 0, 0};
    struct built b;
    long *home = NULL;
    int *take = NULL, *pass = NULL;
    enum plan_end end;

    memset(info, 0, sizeof *info);
    memset(&b, 0, sizeof b);
    end = collect(o, files, &f, err, errlen);
    if (end != PLAN_OK) {
        goto out;
    }
    end = PLAN_FAILED;
    home = malloc((f.n ? f.n : 1) * sizeof *home);
    take = malloc((f.n ? f.n : 1) * sizeof *take);
    pass = malloc((f.n ? f.n : 1) * sizeof *pass);
    if (home == NULL || take == NULL || pass == NULL ||
        choose(o, sp, durations, lastfailed, &f, take, info) != 0) {
        errmsg(err, errlen, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < f.n; i++) {
        home[i] = file_of(files, f.ids[i]);
    }
    /* --ff: the failed tests (take 2) first, then the rest (take 1). */
    for (int round = 2; round >= 1; round--) {
        for (size_t i = 0; i < f.n; i++) {
            pass[i] = take[i] == round;
        }
        for (size_t fi = 0; fi < files->n; fi++) {
            add_file(&b, files->files[fi], f.ids, home, pass, f.n, (long)fi);
        }
    }
    if (b.oom) {
        errmsg(err, errlen, 0, "out of memory");
        goto out;
    }
    replace_files(files, &b.l, sp);
    end = PLAN_OK;
out:
    disc_free(&b.l);
    for (size_t i = 0; i < f.n; i++) {
        free(f.ids[i]);
    }
    free(f.ids);
    free(home);
    free(take);
    free(pass);
    return end;
}
