/* verdict: how a test process ended, in words (see verdict.h). */
#include "core/verdict.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

const char *verdict_signal_name(int sig, char *name, size_t n)
{
    const char *abbrev = sigabbrev_np(sig);

    if (abbrev != NULL) {
        snprintf(name, n, "SIG%s", abbrev);
    } else if (sig == SIGRTMIN) {
        snprintf(name, n, "SIGRTMIN");
    } else if (sig == SIGRTMAX) {
        snprintf(name, n, "SIGRTMAX");
    } else {
        snprintf(name, n, "signal %d", sig);
    }
    return name;
}

static const char *who(const struct verdict_end *e)
{
    return e->importing ? "worker importing the file" : "test process";
}

void verdict_judge(const struct verdict_end *e, struct verdict *v)
{
    char name[32];
    int sig = WIFSIGNALED(e->status) ? WTERMSIG(e->status) : 0;

    memset(v, 0, sizeof *v);
    v->detail_head = "";
    if (e->timed_out) {
        v->kind = VERDICT_TIMEOUT;
        v->type = "timeout";
        v->detail_head = "Traceback where the test was when it was "
                         "stopped:\n";
        snprintf(v->message, sizeof v->message, "timed out after %g s",
                 e->timeout);
    } else if (sig != 0 && sig == e->crashes && !e->importing) {
        v->kind = VERDICT_PASSED;
    } else if (sig != 0) {
        v->kind = VERDICT_CRASH;
        v->type = "crash";
        snprintf(v->message, sizeof v->message, "%s died by %s (signal %d)",
                 who(e), verdict_signal_name(sig, name, sizeof name), sig);
    } else if (!e->reported) {
        v->kind = VERDICT_EXIT;
        v->type = "exit";
        snprintf(v->message, sizeof v->message,
                 "%s exited with status %d before %s finished", who(e),
                 WEXITSTATUS(e->status),
                 e->importing ? "the import" : "the test");
    } else {
        v->kind = VERDICT_FINISHED;
        if (e->crashes != 0) {
            v->type = "crash";
            snprintf(v->message, sizeof v->message,
                     "expected the test to die by %s, but it finished",
                     verdict_signal_name(e->crashes, name, sizeof name));
        }
    }
}

int verdict_cut_note(struct buf *b, size_t cut)
{
    if (cut == 0) {
        return 0;
    }
    return buf_printf(b, "\n[crossrun: %zu more bytes of output cut]\n",
                      cut);
}
