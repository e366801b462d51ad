/* plan: the tests of a run when choosing them needs every test's id
 * before the run starts: this run's share of a sharded run (shard.h),
 * --lf and --ff (the tests that failed last time, cache.h). A
 * collection pass lists the tests (as --collect-only does, quietly),
 * then the chosen ones replace the run's files and selections. */
#ifndef CROSSRUN_PLAN_H
#define CROSSRUN_PLAN_H

#include <stddef.h>

#include "cache.h"
#include "cli.h"
#include "discover.h"
#include "shard.h"

struct plan_info {
    size_t collected;   /* tests (and collection errors) found in all */
    size_t chosen;      /* of them, those this run takes */
    size_t failed_last; /* of them, those in lastfailed */
};

enum plan_end { PLAN_OK, PLAN_INTERRUPTED, PLAN_FAILED };

/* Does this run need a plan (sharded, or --lf/--ff)? */
int plan_needed(const struct cli_opts *o, const struct shard_spec *sp);

/* Collect the tests of files (as o selects them: paths, -k, -m), choose
 * this run's: the share sp->index of sp->total, balanced by durations
 * (a finished table, may be empty); of those, with o->last_failed only
 * the ones in lastfailed (all when none of them is), with
 * o->failed_first those first. files is replaced by a list that runs
 * exactly the chosen tests (a file may be listed twice: its failed tests
 * first). Returns PLAN_OK with *info filled, PLAN_INTERRUPTED (SIGINT),
 * or PLAN_FAILED with a message in err (files is then unchanged). */
enum plan_end plan_make(const struct cli_opts *o, const struct shard_spec *sp,
                        const struct cache_table *durations,
                        const struct cache_table *lastfailed,
                        struct disc_list *files, struct plan_info *info,
                        char *err, size_t errlen);

#endif
