/* ci: what a run does for the CI around it (DESIGN.md s9): its share of
 * a sharded run (shard.h, plan.h), the durations and lastfailed it reads
 * and leaves (cache.h), and Bazel's test protocol: XML_OUTPUT_FILE,
 * TEST_PREMATURE_EXIT_FILE, TEST_TMPDIR, TEST_UNDECLARED_OUTPUTS_DIR,
 * TESTBRIDGE_TEST_ONLY, TEST_INFRASTRUCTURE_FAILURE_FILE. main calls
 * ci_options, ci_begin, ci_note for every result, and ci_end. */
#ifndef CROSSRUN_CI_H
#define CROSSRUN_CI_H

#include <stdio.h>

#include "cache.h"
#include "cli.h"
#include "core/buf.h"
#include "discover.h"
#include "result.h"
#include "runlog.h"
#include "shard.h"

struct ci_run {
    struct shard_spec shard;
    int sharded;
    struct cache_table durations;   /* read for a split: balances it */
    struct cache_table lastfailed;  /* read for --lf/--ff */
    struct runlog run;              /* this run's results, on disk */
    char *durations_out;            /* where durations are written */
    char *lastfailed_path;
    char *keyword;                  /* -k and TESTBRIDGE_TEST_ONLY */
    char *tap_path;                 /* the TAP stream in Bazel's outputs */
    struct buf crashes;             /* crash evidence for Bazel's outputs */
    int noted;                      /* results seen */
    int write_cache;                /* the run leaves its cache */
};

/* Fill in o what the environment says when the command line does not
 * (Bazel's XML_OUTPUT_FILE, TESTBRIDGE_TEST_ONLY, the TAP stream into
 * TEST_UNDECLARED_OUTPUTS_DIR), and resolve the shard. Creates
 * TEST_PREMATURE_EXIT_FILE and touches TEST_SHARD_STATUS_FILE. Returns 0,
 * or -1 with a usage error in err (exit status 4). */
int ci_options(struct ci_run *c, struct cli_opts *o, char *err,
               size_t errlen);

/* Before the run, once Python is up: read the cache and, when the run is
 * sharded or --lf/--ff is given, choose its tests (files is replaced).
 * Returns -1 to go on with the run, or the exit status to end with
 * (2 interrupted, 3 with a message in err, 0 for a share with no tests:
 * a message is printed on out). */
int ci_begin(struct ci_run *c, const struct cli_opts *o,
             struct disc_list *files, FILE *out, char *err, size_t errlen);

/* A result of the run (its duration and outcome go to the cache). */
void ci_note(struct ci_run *c, const struct res_test *t);

/* --durations N: the N slowest tests of the run (0: all) on out, the
 * slowest first, as pytest prints them. */
void ci_print_durations(struct ci_run *c, int n, FILE *out);

/* After the run, whose exit status is status: write the cache and
 * Bazel's files (crash evidence; the infrastructure failure file with
 * why, when status is 3), remove TEST_PREMATURE_EXIT_FILE unless the
 * run was interrupted or failed itself, and free c. */
void ci_end(struct ci_run *c, int status, const char *why);

#endif
