/* runlog: this run's results for the cache, on disk (see runlog.h).
 *
 * Load: 100,000 tests make a 4 MB file and at most 1.6 MB of hashes. Two ids
 * with one 64-bit hash (FNV-1a) would make a recorded entry of a test
 * this run did not run look replaced: that test would be balanced by the
 * median, nothing worse; at 100,000 ids the chance is about 1 in 10^9. */
#include "runlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ull;

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

int runlog_open(struct runlog *r)
{
    memset(r, 0, sizeof *r);
    r->f = tmpfile();
    return r->f != NULL ? 0 : -1;
}

static int set_add(struct runlog_set *s, uint64_t h)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uint64_t *at = realloc(s->at, cap * sizeof *at);

        if (at == NULL) {
            return -1;
        }
        s->at = at;
        s->cap = cap;
    }
    s->at[s->n++] = h;
    return 0;
}

int runlog_add(struct runlog *r, const char *id, double duration,
               int failed)
{
    uint64_t h = hash(id);

    if (r->f == NULL || r->sealed || strchr(id, '\n') != NULL) {
        errno = EINVAL;
        return -1;
    }
    if (set_add(&r->all, h) != 0 ||
        (duration >= 0 && set_add(&r->timed, h) != 0)) {
        return -1;
    }
    return fprintf(r->f, "%.6f %d %s\n", duration, failed != 0, id) < 0
               ? -1 : 0;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

int runlog_has(struct runlog *r, const char *id, int timed)
{
    const struct runlog_set *s = timed ? &r->timed : &r->all;
    uint64_t h = hash(id);

    if (!r->sealed) {
        qsort(r->all.at, r->all.n, sizeof *r->all.at, by_value);
        qsort(r->timed.at, r->timed.n, sizeof *r->timed.at, by_value);
        r->sealed = 1;
    }
    return s->n > 0 &&
           bsearch(&h, s->at, s->n, sizeof *s->at, by_value) != NULL;
}

int runlog_each(struct runlog *r,
                int (*fn)(void *ctx, const char *id, double duration,
                          int failed),
                void *ctx)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;

    if (r->f == NULL || fflush(r->f) != 0 || fseek(r->f, 0, SEEK_SET)) {
        return -1;
    }
    while (rc == 0 && (len = getline(&line, &cap, r->f)) > 0) {
        char *end, *id;
        double d = strtod(line, &end);
        int failed = end[0] == ' ' && end[1] == '1';

        if (line[len - 1] == '\n') {
            line[len - 1] = '\0';
        }
        id = strchr(end + 1, ' ');
        if (id != NULL) {
            rc = fn(ctx, id + 1, d, failed);
        }
    }
    if (rc == 0 && ferror(r->f)) {
        rc = -1;
    }
    free(line);
    (void)fseek(r->f, 0, SEEK_END);
    return rc;
}

void runlog_close(struct runlog *r)
{
    if (r->f != NULL) {
        fclose(r->f);
    }
    free(r->all.at);
    free(r->timed.at);
    memset(r, 0, sizeof *r);
}
