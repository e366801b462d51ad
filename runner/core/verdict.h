/* verdict: the one wording of how a test process ended. The runner
 * (schedule.c), the worker and the pytest plugin (through
 * crossrun._native.verdict and cut_note) all say it with these. */
#ifndef CROSSRUN_VERDICT_H
#define CROSSRUN_VERDICT_H

#include <stddef.h>

#include "core/buf.h"

/* What the end of a process means for the test it ran. */
enum verdict_kind {
    VERDICT_FINISHED,   /* it said it was done: its own report decides */
    VERDICT_PASSED,     /* it died by the signal it was expected to */
    VERDICT_TIMEOUT,    /* stopped at its deadline (its group killed) */
    VERDICT_CRASH,      /* died by a signal */
    VERDICT_EXIT        /* ended without saying it was done */
};

/* How a process ended, as its supervisor saw it. */
struct verdict_end {
    int status;         /* waitpid status (ignored when timed_out) */
    int timed_out;      /* killed at its deadline */
    double timeout;     /* that deadline, seconds from its start */
    int reported;       /* it said it was done (sent its report) */
    int crashes;        /* the signal it is expected to die by, 0 = none */
    int importing;      /* a worker importing a file, not a test process */
};

#define VERDICT_MESSAGE_MAX 160

struct verdict {
    enum verdict_kind kind;
    /* The result's type: "timeout", "crash", "exit"; for FINISHED with a
     * crash expected, "crash" (see message); else NULL. */
    const char *type;
    /* What to say: "timed out after 2 s", "test process died by SIGSEGV
     * (signal 11)", ...; for FINISHED with a crash expected, what to say
     * if the report says it passed ("expected the test to die by ...,
     * but it finished"); "" when there is nothing to say. */
    char message[VERDICT_MESSAGE_MAX];
    /* Goes before the crash text (the tracebacks) in the result's detail
     * when there is any: a heading for TIMEOUT, else "". */
    const char *detail_head;
};

/* Judge the end e into *v. Never fails. The order: a timeout, then a
 * signal (the expected one passes, unless importing), then no report
 * (an exit), else FINISHED. */
void verdict_judge(const struct verdict_end *e, struct verdict *v);

/* The name of signal sig ("SIGSEGV", "SIGRTMIN", or "signal 40" when it
 * has none) into name (n bytes, always terminated). Returns name. */
const char *verdict_signal_name(int sig, char *name, size_t n);

/* Append to b the note that `cut` bytes of output were dropped beyond
 * the capture cap; nothing when cut is 0. Returns 0, or -1 when memory
 * runs out. */
int verdict_cut_note(struct buf *b, size_t cut);

#endif
