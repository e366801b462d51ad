/* cache: the tables a run leaves for the next (see cache.h). */
#include "cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/afile.h"
#include "core/buf.h"
#include "core/errmsg.h"

const char *cache_dir(void)
{
    static char dir[4096];
    const char *out = getenv("TEST_UNDECLARED_OUTPUTS_DIR");
    const char *tmp = getenv("TEST_TMPDIR");

    if (tmp == NULL || tmp[0] == '\0') {
        return ".crossrun";
    }
    if (out != NULL && out[0] != '\0') {
        tmp = out;
    }
    if ((size_t)snprintf(dir, sizeof dir, "%s/.crossrun", tmp) >= sizeof dir) {
        return ".crossrun";
    }
    return dir;
}

int cache_put(struct cache_table *t, const char *id, double value)
{
    char *copy;

    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        struct cache_entry *e = realloc(t->e, cap * sizeof *e);

        if (e == NULL) {
            return -1;
        }
        t->e = e;
        t->cap = cap;
    }
    if ((copy = strdup(id)) == NULL) {
        return -1;
    }
    t->e[t->n].id = copy;
    t->e[t->n].value = value;
    t->e[t->n].seq = t->seq++;
    t->n++;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    const struct cache_entry *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

void cache_finish(struct cache_table *t)
{
    size_t k = 0;

    if (t->n == 0) {
        return;     /* t->e may be NULL: not qsort's to see */
    }
    qsort(t->e, t->n, sizeof *t->e, by_id);
    for (size_t i = 0; i < t->n; i++) {
        if (k > 0 && strcmp(t->e[k - 1].id, t->e[i].id) == 0) {
            free(t->e[k - 1].id);
            t->e[k - 1] = t->e[i];
        } else {
            t->e[k++] = t->e[i];
        }
    }
    t->n = k;
}

double cache_get(const struct cache_table *t, const char *id)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, t->e[mid].id);

        if (c == 0) {
            return t->e[mid].value;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return -1;
}

/* One "NUMBER ID" line (no newline); malformed lines are skipped. */
static int load_line(struct cache_table *t, char *line)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(line, &end);
    if (errno || end == line || *end != ' ' || end[1] == '\0' || !(v >= 0) ||
        v > 1e9) {
        return 0;
    }
    return cache_put(t, end + 1, v);
}

int cache_load(struct cache_table *t, const char *path, char *err,
               size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;

    if (f == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        return errmsg(err, errlen, -1, "cannot read %s: %s", path,
                      strerror(errno));
    }
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') {
            line[len - 1] = '\0';
        }
        rc = load_line(t, line);
    }
    if (rc != 0) {
        errmsg(err, errlen, -1, "reading %s: out of memory", path);
    } else if (ferror(f)) {
        rc = errmsg(err, errlen, -1, "cannot read %s: %s", path,
                    strerror(errno));
    }
    free(line);
    fclose(f);
    cache_finish(t);
    return rc;
}

void cache_free(struct cache_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].id);
    }
    free(t->e);
    memset(t, 0, sizeof *t);
}
