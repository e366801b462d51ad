/* shard: which share of the tests a run takes (--shard K/N, and the
 * sharding variables of Bazel, GoogleTest and GitLab: DESIGN.md s9), and
 * the split of a list of tests into N shares balanced by recorded time.
 * Pure: no files, no processes (the environment is read through a
 * function the caller gives). */
#ifndef CROSSRUN_SHARD_H
#define CROSSRUN_SHARD_H

#include <stddef.h>

struct shard_spec {
    int index;               /* 0-based share of this run */
    int total;               /* number of shares, >= 1 */
    const char *source;      /* what set it: "--shard", "TEST_TOTAL_SHARDS",
                                "GTEST_TOTAL_SHARDS" or "CI_NODE_TOTAL" */
    const char *status_file; /* TEST_SHARD_STATUS_FILE under Bazel, or NULL */
};

/* The share this run takes. opt: the value of --shard ("K/N", K 1-based)
 * or NULL; get: reads a variable of the environment (getenv). --shard
 * wins, then Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX (0-based),
 * GoogleTest's GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX (0-based), GitLab's
 * CI_NODE_TOTAL/CI_NODE_INDEX (1-based). A total of 1 (or no variable
 * set) is no sharding. Returns 1 with *sp filled when the run is
 * sharded, 0 when not, -1 with a message naming the option or variable
 * and saying what to write instead (a usage error). */
int shard_resolve(const char *opt, const char *(*get)(const char *),
                  struct shard_spec *sp, char *err, size_t errlen);

/* Split ids[0..n) into total shares: share[i] gets the 0-based share of
 * test i. us[i]: the test's recorded duration in microseconds, or < 0
 * when none is recorded (us itself may be NULL: none recorded). Tests
 * with no record weigh the median of those recorded; with no record at
 * all every test weighs the same. The split is greedy from the heaviest
 * test down (equal weights: by id), each to the share with the least
 * time so far (then the fewest tests, then the lowest index), so it
 * depends only on the ids and weights, not on their order: every node of
 * a sharded run computes the same split. The longest share is at most
 * total weight / total + the heaviest test. Returns 0, or -1 when memory
 * runs out. */
int shard_assign(const char *const *ids, const long long *us, size_t n,
                 int total, int *share);

#endif
