/* shard: resolves the share a run takes and splits tests into shares
 * (see shard.h). A split is recomputed by every node of a sharded run,
 * so everything here is integer arithmetic over sorted input. */
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_MAX 1000000

/* A whole number from 0 to SHARD_MAX, written in digits only. */
static int whole(const char *s, long *out)
{
    long v = 0;

    if (s == NULL || *s == '\0') {
        return -1;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > SHARD_MAX) {
            return -1;
        }
        v = v * 10 + (*s - '0');
    }
    if (v > SHARD_MAX) {
        return -1;
    }
    *out = v;
    return 0;
}

static int from_option(const char *opt, struct shard_spec *sp, char *err,
                       size_t errlen)
{
    const char *slash = strchr(opt, '/');
    char k_text[16];
    long k, n;

    if (slash == NULL || (size_t)(slash - opt) >= sizeof k_text) {
        goto bad;
    }
    memcpy(k_text, opt, (size_t)(slash - opt));
    k_text[slash - opt] = '\0';
    if (whole(k_text, &k) != 0 || whole(slash + 1, &n) != 0 || n < 1 ||
        k < 1 || k > n) {
        goto bad;
    }
    sp->index = (int)(k - 1);
    sp->total = (int)n;
    sp->source = "--shard";
    return n > 1;
bad:
    snprintf(err, errlen, "option --shard: '%s' is not K/N with 1 <= K <= "
             "N <= %d (e.g. --shard 2/4: the second of four shares)", opt,
             SHARD_MAX);
    return -1;
}

/* One engine's pair of variables; base: the first index (0 or 1). */
static int from_env(const char *(*get)(const char *), const char *total_var,
                    const char *index_var, long base, struct shard_spec *sp,
                    char *err, size_t errlen)
{
    const char *t = get(total_var), *i = get(index_var);
    long total, index;

    if (whole(t, &total) != 0 || total < 1) {
        snprintf(err, errlen, "%s='%s' is not a number of shards from 1 to "
                 "%d", total_var, t, SHARD_MAX);
        return -1;
    }
    if (i == NULL) {
        if (total == 1) {
            return 0;
        }
        snprintf(err, errlen, "%s=%ld is set but %s is not (set both, or "
                 "neither)", total_var, total, index_var);
        return -1;
    }
    if (whole(i, &index) != 0 || index < base || index - base >= total) {
        snprintf(err, errlen, "%s='%s' is not a shard index from %ld to %ld "
                 "(%s=%ld)", index_var, i, base, total - 1 + base, total_var,
                 total);
        return -1;
    }
    sp->index = (int)(index - base);
    sp->total = (int)total;
    sp->source = total_var;
    return total > 1;
}

int shard_resolve(const char *opt, const char *(*get)(const char *),
                  struct shard_spec *sp, char *err, size_t errlen)
{
    int r;

    memset(sp, 0, sizeof *sp);
    sp->total = 1;
    if (opt != NULL) {
        return from_option(opt, sp, err, errlen);
    }
    if (get("TEST_TOTAL_SHARDS") != NULL) {
        r = from_env(get, "TEST_TOTAL_SHARDS", "TEST_SHARD_INDEX", 0, sp,
                     err, errlen);
        sp->status_file = get("TEST_SHARD_STATUS_FILE");
        return r;
    }
    if (get("GTEST_TOTAL_SHARDS") != NULL) {
        return from_env(get, "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", 0, sp,
                        err, errlen);
    }
    if (get("CI_NODE_TOTAL") != NULL) {
        return from_env(get, "CI_NODE_TOTAL", "CI_NODE_INDEX", 1, sp, err,
                        errlen);
    }
    return 0;
}

struct item {
    const char *id;
    long long w;
    size_t at;       /* index in the caller's arrays */
};

static int heaviest_first(const void *a, const void *b)
{
    const struct item *x = a, *y = b;

    if (x->w != y->w) {
        return x->w > y->w ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

static int by_weight(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return (x > y) - (x < y);
}

/* The median of the recorded weights (< 0: none recorded); -1 if none. */
static long long median(const long long *us, size_t n)
{
    long long *known, m;
    size_t k = 0;

    known = malloc((n ? n : 1) * sizeof *known);
    if (known == NULL) {
        return -2;
    }
    for (size_t i = 0; us != NULL && i < n; i++) {
        if (us[i] >= 0) {
            known[k++] = us[i];
        }
    }
    if (k == 0) {
        free(known);
        return -1;
    }
    qsort(known, k, sizeof *known, by_weight);
    m = k % 2 ? known[k / 2] : (known[k / 2 - 1] + known[k / 2]) / 2;
    free(known);
    return m;
}

int shard_assign(const char *const *ids, const long long *us, size_t n,
                 int total, int *share)
{
    struct item *it = malloc((n ? n : 1) * sizeof *it);
    long long *load = calloc((size_t)total, sizeof *load);
    size_t *count = calloc((size_t)total, sizeof *count);
    long long med = median(us, n);
    int rc = -1, used = 0;

    if (it == NULL || load == NULL || count == NULL || med == -2) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        it[i].id = ids[i];
        it[i].at = i;
        /* No record at all: every test weighs the same. */
        it[i].w = med < 0 ? 1 : (us[i] >= 0 ? us[i] : med);
    }
    qsort(it, n, sizeof *it, heaviest_first);
    for (size_t i = 0; i < n; i++) {
        int best = 0;

        /* An empty share (time 0, no test) beats every used one, and the
         * shares are used in order: only the used ones need a look. */
        if (used < total) {
            best = used++;
        } else {
            for (int s = 1; s < total; s++) {
                if (load[s] < load[best] ||
                    (load[s] == load[best] && count[s] < count[best])) {
                    best = s;
                }
            }
        }
        share[it[i].at] = best;
        load[best] += it[i].w;
        count[best]++;
    }
    rc = 0;
out:
    free(it);
    free(load);
    free(count);
    return rc;
}
