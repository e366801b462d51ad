/* test_shard: resolving a run's share from --shard and the environment,
 * and splitting tests into shares (every test in exactly one, balanced,
 * the same split whatever the input order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/unit.h"
#include "shard.h"

/* A fake environment: "NAME=VALUE" strings, NULL-terminated. */
static const char *const *fake_env;

static const char *fake_get(const char *name)
{
    size_t n = strlen(name);

    for (const char *const *e = fake_env; e && *e; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

static int resolve(const char *opt, const char *const *env,
                   struct shard_spec *sp, char *err, size_t errlen)
{
    fake_env = env;
    err[0] = '\0';
    return shard_resolve(opt, fake_get, sp, err, errlen);
}

static void test_option_and_variables(void)
{
    struct shard_spec sp;
    char err[256];
    const char *bazel[] = {"TEST_TOTAL_SHARDS=4", "TEST_SHARD_INDEX=0",
                           "TEST_SHARD_STATUS_FILE=/tmp/s",
                           "CI_NODE_TOTAL=3", "CI_NODE_INDEX=3", NULL};
    const char *gtest[] = {"GTEST_TOTAL_SHARDS=5", "GTEST_SHARD_INDEX=4",
                           "CI_NODE_TOTAL=3", "CI_NODE_INDEX=1", NULL};
    const char *gitlab[] = {"CI_NODE_TOTAL=3", "CI_NODE_INDEX=3", NULL};
    const char *single[] = {"CI_NODE_TOTAL=1", NULL};

    CHECK(resolve("2/4", bazel, &sp, err, sizeof err) == 1);
    CHECK(sp.index == 1 && sp.total == 4);
    CHECK_STR(sp.source, "--shard");
    CHECK(resolve("1/1", NULL, &sp, err, sizeof err) == 0);
    CHECK(resolve(NULL, NULL, &sp, err, sizeof err) == 0 && sp.total == 1);
    CHECK(resolve(NULL, bazel, &sp, err, sizeof err) == 1);
    CHECK(sp.index == 0 && sp.total == 4);
    CHECK_STR(sp.status_file, "/tmp/s");
    CHECK(resolve(NULL, gtest, &sp, err, sizeof err) == 1);
    CHECK(sp.index == 4 && sp.total == 5);
    CHECK_STR(sp.source, "GTEST_TOTAL_SHARDS");
    CHECK(resolve(NULL, gitlab, &sp, err, sizeof err) == 1);
    CHECK(sp.index == 2 && sp.total == 3);
    CHECK(resolve(NULL, single, &sp, err, sizeof err) == 0);
}

static void test_bad_values_name_what_is_wrong(void)
{
    struct shard_spec sp;
    char err[256];
    const char *zero_based[] = {"CI_NODE_TOTAL=3", "CI_NODE_INDEX=0", NULL};
    const char *too_big[] = {"TEST_TOTAL_SHARDS=2", "TEST_SHARD_INDEX=2",
                             NULL};
    const char *no_index[] = {"GTEST_TOTAL_SHARDS=2", NULL};
    const char *words[] = {"TEST_TOTAL_SHARDS=four", NULL};

    CHECK(resolve("0/4", NULL, &sp, err, sizeof err) == -1);
    CHECK(strstr(err, "option --shard: '0/4'") != NULL);
    CHECK(resolve("5/4", NULL, &sp, err, sizeof err) == -1);
    CHECK(resolve("2", NULL, &sp, err, sizeof err) == -1);
    CHECK(resolve("1/0", NULL, &sp, err, sizeof err) == -1);
    CHECK(resolve("-1/3", NULL, &sp, err, sizeof err) == -1);
    CHECK(resolve(NULL, zero_based, &sp, err, sizeof err) == -1);
    CHECK_STR(err, "CI_NODE_INDEX='0' is not a shard index from 1 to 3 "
                   "(CI_NODE_TOTAL=3)");
    CHECK(resolve(NULL, too_big, &sp, err, sizeof err) == -1);
    CHECK(strstr(err, "TEST_SHARD_INDEX='2'") != NULL);
    CHECK(resolve(NULL, no_index, &sp, err, sizeof err) == -1);
    CHECK_STR(err, "GTEST_TOTAL_SHARDS=2 is set but GTEST_SHARD_INDEX is "
                   "not (set both, or neither)");
    CHECK(resolve(NULL, words, &sp, err, sizeof err) == -1);
    CHECK(strstr(err, "TEST_TOTAL_SHARDS='four'") != NULL);
}

#define NT 40

static char *ids[NT];

static void make_ids(void)
{
    for (int i = 0; i < NT; i++) {
        char tmp[64];

        snprintf(tmp, sizeof tmp, "t.py::test_%02d", i);
        ids[i] = strdup(tmp);
    }
}

static void test_every_test_in_exactly_one_share(void)
{
    int share[NT];

    for (int total = 1; total <= NT + 5; total++) {
        int seen[NT + 5] = {0};
        int ok = shard_assign((const char *const *)ids, NULL, NT, total,
                              share) == 0;
        int most = 0, least = NT;

        for (int i = 0; i < NT; i++) {
            ok = ok && share[i] >= 0 && share[i] < total;
            if (share[i] >= 0 && share[i] < total) {
                seen[share[i]]++;
            }
        }
        for (int s = 0; s < total; s++) {
            most = seen[s] > most ? seen[s] : most;
            least = seen[s] < least ? seen[s] : least;
        }
        /* Without durations: counts differ by one at most. */
        if (!CHECK(ok && most - least <= 1)) {
            printf("# total %d: most %d least %d\n", total, most, least);
        }
    }
}

static void test_balanced_by_time_and_order_free(void)
{
    long long us[NT], rus[NT], load[4] = {0}, sum = 0, big = 0;
    const char *rev[NT];
    int share[NT], rshare[NT], same = 1;

    for (int i = 0; i < NT; i++) {
        /* Skewed: a few long tests, many short ones, some unknown. */
        us[i] = i < 3 ? 2000000 : (i % 7 == 0 ? -1 : 1000 * (i % 5 + 1));
    }
    CHECK(shard_assign((const char *const *)ids, us, NT, 4, share) == 0);
    for (int i = 0; i < NT; i++) {
        rev[i] = ids[NT - 1 - i];
        rus[i] = us[NT - 1 - i];
    }
    CHECK(shard_assign(rev, rus, NT, 4, rshare) == 0);
    for (int i = 0; i < NT; i++) {
        same = same && share[i] == rshare[NT - 1 - i];
        long long w = us[i] >= 0 ? us[i] : 3000;  /* the median */
        load[share[i]] += w;
        sum += w;
        big = w > big ? w : big;
    }
    CHECK(same);
    for (int s = 0; s < 4; s++) {
        CHECK(load[s] <= sum / 4 + big);
    }
    /* The three long tests go to three different shares. */
    CHECK(share[0] != share[1] && share[1] != share[2] &&
          share[0] != share[2]);
}

int main(void)
{
    make_ids();
    test_option_and_variables();
    test_bad_values_name_what_is_wrong();
    test_every_test_in_exactly_one_share();
    test_balanced_by_time_and_order_free();
    for (int i = 0; i < NT; i++) {
        free(ids[i]);
    }
    return unit_done();
}
