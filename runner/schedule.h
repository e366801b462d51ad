/* schedule: runs the test files in workers (-j N at a time), reads their
 * reports, enforces the timeouts that are the runner's to enforce,
 * restarts a worker after a crash, and hands every result and every
 * finished file to the reporters. */
#ifndef CROSSRUN_SCHEDULE_H
#define CROSSRUN_SCHEDULE_H

#include <stddef.h>

#include "cli.h"
#include "result.h"

/* What the scheduler tells the reporters, in this order: on_test for each
 * result as it arrives, on_file when a file is complete (its res_file is
 * freed after the call), on_collected for each id under --collect-only. */
struct sched_hooks {
    void *ctx;
    void (*on_test)(void *ctx, const struct res_file *f,
                    const struct res_test *t);
    int (*on_file)(void *ctx, const struct res_file *f);
    void (*on_collected)(void *ctx, const char *id);
    /* -x ended the run: tests_left of the files it had begun did not
     * run, and files_left files were not begun. May be NULL. */
    void (*on_stopped)(void *ctx, size_t tests_left, size_t files_left);
};

enum sched_end {
    SCHED_DONE,         /* every file ran (or -x stopped the run) */
    SCHED_INTERRUPTED,  /* SIGINT or SIGTERM */
    SCHED_FAILED        /* crossrun itself failed: message in err */
};

/* Run files[0..n) as o says; select[i]: the tests of files[i] to run
 * (see disc_list), NULL for all (select itself may be NULL). Returns how
 * the run ended; internal_errors counts workers that bailed out
 * (crossrun's own fault). */
enum sched_end sched_run(const struct cli_opts *o, char **files,
                         char **select, size_t n,
                         const struct sched_hooks *h, int *internal_errors,
                         char *err, size_t errlen);

#endif
