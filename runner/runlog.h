/* runlog: what this run leaves for the cache (durations, failures), kept
 * on disk as the results come, so that the runner's memory does not grow
 * with the number of tests: a temporary file of results, and the 8-byte
 * hash of each id to tell which recorded entries this run replaces. */
#ifndef CROSSRUN_RUNLOG_H
#define CROSSRUN_RUNLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A set of id hashes; sorted once the log is sealed. */
struct runlog_set {
    uint64_t *at;
    size_t n, cap;
};

struct runlog {
    FILE *f;                 /* "DURATION FAILED ID" lines; NULL: closed */
    struct runlog_set all;   /* every id added */
    struct runlog_set timed; /* the ids added with a duration */
    int sealed;
};

/* Open an empty log (a temporary file, gone when closed). Returns 0, or
 * -1 with errno set. */
int runlog_open(struct runlog *r);

/* Add a result: its id, its duration in seconds (< 0: none to record)
 * and whether it failed. Returns 0, or -1 (no memory, no disk). */
int runlog_add(struct runlog *r, const char *id, double duration,
               int failed);

/* Whether id was added (timed: with a duration). Seals the log (no add
 * after). */
int runlog_has(struct runlog *r, const char *id, int timed);

/* Call fn for every result added, in order, until it returns non-zero
 * (which is returned). Returns 0, or -1 when the log cannot be read. */
int runlog_each(struct runlog *r,
                int (*fn)(void *ctx, const char *id, double duration,
                          int failed),
                void *ctx);

void runlog_close(struct runlog *r);

#endif
