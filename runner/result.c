/* result: helpers of the result model (see result.h). */
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int res_file_add(struct res_file *f, struct res_test *t)
{
    if (f->ntests == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct res_test *p = realloc(f->tests, cap * sizeof *p);

        if (p == NULL) {
            res_test_free(t);
            return -1;
        }
        f->tests = p;
        f->cap = cap;
    }
    f->tests[f->ntests++] = *t;
    memset(t, 0, sizeof *t);
    return 0;
}

void res_test_free(struct res_test *t)
{
    free(t->id);
    free(t->name);
    free(t->classname);
    free(t->file);
    free(t->type);
    free(t->message);
    free(t->detail);
    free(t->out);
    free(t->err);
    for (size_t i = 0; i < t->ntries; i++) {
        res_try_free(&t->tries[i]);
    }
    free(t->tries);
    memset(t, 0, sizeof *t);
}

void res_try_free(struct res_try *t)
{
    free(t->type);
    free(t->message);
    free(t->detail);
    free(t->out);
    free(t->err);
    memset(t, 0, sizeof *t);
}

/* A copy of len bytes of s (and a NUL); NULL stays NULL. */
static char *dup_bytes(const char *s, size_t len, int *oom)
{
    char *c;

    if (s == NULL) {
        return NULL;
    }
    if ((c = malloc(len + 1)) == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

#define DUP_STR(s, oom) dup_bytes((s), (s) ? strlen(s) : 0, (oom))

int res_test_copy(struct res_test *out, const struct res_test *t)
{
    int oom = 0;

    *out = *t;
    out->id = DUP_STR(t->id, &oom);
    out->name = DUP_STR(t->name, &oom);
    out->classname = DUP_STR(t->classname, &oom);
    out->file = DUP_STR(t->file, &oom);
    out->type = DUP_STR(t->type, &oom);
    out->message = DUP_STR(t->message, &oom);
    out->detail = DUP_STR(t->detail, &oom);
    out->out = dup_bytes(t->out, t->out_len, &oom);
    out->err = dup_bytes(t->err, t->err_len, &oom);
    out->tries = NULL;
    out->ntries = 0;
    if (t->ntries > 0 && !oom) {
        out->tries = calloc(t->ntries, sizeof *out->tries);
        oom = out->tries == NULL;
        for (size_t i = 0; !oom && i < t->ntries; i++) {
            const struct res_try *a = &t->tries[i];
            struct res_try *b = &out->tries[i];

            *b = *a;
            b->type = DUP_STR(a->type, &oom);
            b->message = DUP_STR(a->message, &oom);
            b->detail = DUP_STR(a->detail, &oom);
            b->out = dup_bytes(a->out, a->out_len, &oom);
            b->err = dup_bytes(a->err, a->err_len, &oom);
            out->ntries = i + 1;
        }
    }
    if (oom) {
        res_test_free(out);
        return -1;
    }
    return 0;
}

void res_file_free(struct res_file *f)
{
    for (size_t i = 0; i < f->ntests; i++) {
        res_test_free(&f->tests[i]);
    }
    free(f->tests);
    free(f->path);
    f->tests = NULL;
    f->path = NULL;
    f->ntests = 0;
    f->cap = 0;
}

void res_summary_add(struct res_summary *s, const struct res_test *t)
{
    switch (t->outcome) {
    case RES_PASSED:
    case RES_XPASSED:
        s->passed++;
        break;
    case RES_FAILED:
        s->failed++;
        break;
    case RES_ERROR:
        s->errors++;
        break;
    case RES_SKIPPED:
        s->skipped++;
        break;
    case RES_XFAILED:
        s->xfailed++;
        break;
    }
}

void res_summary_line(const struct res_summary *s, char *out, size_t n)
{
    int k = snprintf(out, n, "%zu passed, %zu failed", s->passed, s->failed);

    if (k >= 0 && (size_t)k < n && s->skipped) {
        k += snprintf(out + k, n - (size_t)k, ", %zu skipped", s->skipped);
    }
    if (k >= 0 && (size_t)k < n && s->xfailed) {
        k += snprintf(out + k, n - (size_t)k, ", %zu xfailed", s->xfailed);
    }
    if (k >= 0 && (size_t)k < n && s->errors) {
        snprintf(out + k, n - (size_t)k, ", %zu error%s", s->errors,
                 s->errors == 1 ? "" : "s");
    }
}

void res_format_seconds(double s, char *out, size_t n)
{
    unsigned long long ms;

    if (!(s > 0.0)) {
        s = 0.0;
    } else if (s > 1e12) {
        s = 1e12;
    }
    ms = (unsigned long long)(s * 1000.0 + 0.5);
    snprintf(out, n, "%llu.%03llu", ms / 1000, ms % 1000);
}

const char *res_outcome_name(enum res_outcome o)
{
    switch (o) {
    case RES_PASSED: return "passed";
    case RES_FAILED: return "failed";
    case RES_ERROR: return "error";
    case RES_SKIPPED: return "skipped";
    case RES_XFAILED: return "xfailed";
    case RES_XPASSED: return "xpassed";
    }
    return "unknown";
}
