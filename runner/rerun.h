/* rerun: --reruns N. A test that fails (an assertion, a crash, a
 * timeout) is run again in a fresh worker up to N times, and reported
 * once (DESIGN.md s6): passed with a flakyFailure per failed try when a
 * rerun passed, else failed with its first failure and a rerunFailure per
 * further try. The results of a file with a failed test are held back
 * from the reporters until its reruns are done. */
#ifndef CROSSRUN_RERUN_H
#define CROSSRUN_RERUN_H

#include <stdio.h>

#include "cli.h"
#include "result.h"
#include "schedule.h"

struct rerun_file;

struct rerun {
    int reruns;                 /* N; 0: nothing is held */
    struct rerun_file *files;   /* held files, in the order they ended */
    size_t n, cap;
    int oom;
};

/* Should the reporters wait for t (a result as it arrives)? */
int rerun_holds_test(const struct rerun *r, const struct res_test *t);

/* f has ended: hold a copy of it when it has a failed test. Returns 1
 * when held (the reporters wait), 0 when not. */
int rerun_hold_file(struct rerun *r, const struct res_file *f);

/* Rerun the failed tests of the held files (as o says, each round in
 * fresh workers), up to r->reruns rounds. Returns how the last round
 * ended; internal_errors counts workers that bailed out. */
enum sched_end rerun_run(struct rerun *r, const struct cli_opts *o,
                         int *internal_errors, char *err, size_t errlen);

/* Hand the held files to the reporters (h->on_test for each test that
 * was held, then h->on_file), list the flaky tests on out, and free
 * what was held. From then on nothing is held (r->reruns is 0). */
void rerun_release(struct rerun *r, const struct sched_hooks *h,
                   FILE *out);

#endif
