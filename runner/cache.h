/* cache: what one run leaves for the next, in the cache directory
 * (.crossrun/ in the current directory; under Bazel, in the test's
 * undeclared outputs, never in the runfiles): per-test durations
 * ("durations": one "SECONDS ID" line per test; a share K of N of a
 * sharded run records its own in "durations-K-of-N", so that the shares
 * of one split read the same file; such files concatenated make one;
 * --durations-path names another to read, e.g. a committed one) and the tests that failed
 * ("lastfailed": one "1 ID" line per test), as pytest's cache keeps
 * them. A table is read whole and looked up by id (a split and --lf/--ff
 * need it); a run writes its results through runlog.h, never holding the
 * whole table. */
#ifndef CROSSRUN_CACHE_H
#define CROSSRUN_CACHE_H

#include <stddef.h>

struct cache_entry {
    char *id;         /* owned */
    double value;     /* seconds (durations) or 1 (lastfailed); < 0: the
                         entry is to be dropped when the table is saved */
    size_t seq;       /* order of the puts: the later of an id wins */
};

/* Invariant: after cache_load or cache_finish, e[0..n) is sorted by id
 * with each id once; cache_put appends (and unsorts) until the next
 * cache_finish. */
struct cache_table {
    struct cache_entry *e;
    size_t n, cap;
    size_t seq;       /* puts so far */
};

/* The cache directory: ".crossrun", or under Bazel (TEST_TMPDIR set)
 * $TEST_UNDECLARED_OUTPUTS_DIR/.crossrun, else $TEST_TMPDIR/.crossrun.
 * The string is static (valid until the next call). */
const char *cache_dir(void);

/* Read path into t (empty). A file that does not exist is an empty
 * table; a line that is not "NUMBER ID" is skipped (a cache never
 * stops a run). Returns 0, or -1 with a message in err (a file that
 * cannot be read, no memory). */
int cache_load(struct cache_table *t, const char *path, char *err,
               size_t errlen);
/* Record value for id (a later put of the same id wins). Returns 0, or
 * -1 when memory runs out. */
int cache_put(struct cache_table *t, const char *id, double value);
/* Sort and keep the last put of each id (see the invariant). */
void cache_finish(struct cache_table *t);
/* The value of id in a finished table, or -1 when it has none. */
double cache_get(const struct cache_table *t, const char *id);
void cache_free(struct cache_table *t);

#endif
