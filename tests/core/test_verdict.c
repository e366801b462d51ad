/* test_verdict: every way a test process can end is worded as the
 * runner, the worker and the pytest plugin report it (their tests check
 * these texts end to end), and the output-cut note. */
#include "core/verdict.h"

#include "kit/unit.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

static struct verdict judge(struct verdict_end e)
{
    struct verdict v;

    verdict_judge(&e, &v);
    return v;
}

static void test_timeout(void)
{
    struct verdict v = judge((struct verdict_end){
        .timed_out = 1, .timeout = 0.5, .status = W_EXITCODE(0, SIGKILL),
        .crashes = SIGKILL});

    CHECK(v.kind == VERDICT_TIMEOUT);
    CHECK_STR(v.type, "timeout");
    CHECK_STR(v.message, "timed out after 0.5 s");
    CHECK_STR(v.detail_head,
              "Traceback where the test was when it was stopped:\n");
    v = judge((struct verdict_end){.timed_out = 1, .timeout = 60});
    CHECK_STR(v.message, "timed out after 60 s");
    v = judge((struct verdict_end){.timed_out = 1, .timeout = 1e7});
    CHECK_STR(v.message, "timed out after 1e+07 s");
}

static void test_crash(void)
{
    struct verdict v = judge((struct verdict_end){
        .status = W_EXITCODE(0, SIGSEGV), .reported = 1});

    CHECK(v.kind == VERDICT_CRASH);
    CHECK_STR(v.type, "crash");
    CHECK_STR(v.message, "test process died by SIGSEGV (signal 11)");
    CHECK_STR(v.detail_head, "");
    v = judge((struct verdict_end){.status = W_EXITCODE(0, SIGABRT),
                                   .crashes = SIGSEGV});
    CHECK_STR(v.message, "test process died by SIGABRT (signal 6)");
    v = judge((struct verdict_end){.status = W_EXITCODE(0, SIGKILL),
                                   .importing = 1});
    CHECK_STR(v.message,
              "worker importing the file died by SIGKILL (signal 9)");
}

static void test_expected_crash(void)
{
    struct verdict v = judge((struct verdict_end){
        .status = W_EXITCODE(0, SIGSEGV), .crashes = SIGSEGV});

    CHECK(v.kind == VERDICT_PASSED);
    CHECK(v.type == NULL);
    CHECK_STR(v.message, "");
    /* A worker importing a file is never expected to die. */
    v = judge((struct verdict_end){.status = W_EXITCODE(0, SIGSEGV),
                                   .crashes = SIGSEGV, .importing = 1});
    CHECK(v.kind == VERDICT_CRASH);
    /* Expected to die, and finished. */
    v = judge((struct verdict_end){.reported = 1, .crashes = SIGABRT});
    CHECK(v.kind == VERDICT_FINISHED);
    CHECK_STR(v.type, "crash");
    CHECK_STR(v.message,
              "expected the test to die by SIGABRT, but it finished");
}

static void test_exit(void)
{
    struct verdict v = judge((struct verdict_end){
        .status = W_EXITCODE(3, 0)});

    CHECK(v.kind == VERDICT_EXIT);
    CHECK_STR(v.type, "exit");
    CHECK_STR(v.message,
              "test process exited with status 3 before the test finished");
    v = judge((struct verdict_end){.status = W_EXITCODE(0, 0),
                                   .importing = 1});
    CHECK_STR(v.message, "worker importing the file exited with status 0 "
                         "before the import finished");
    /* It reported: its report decides, whatever its exit status. */
    v = judge((struct verdict_end){.status = W_EXITCODE(1, 0),
                                   .reported = 1});
    CHECK(v.kind == VERDICT_FINISHED);
    CHECK(v.type == NULL);
    CHECK_STR(v.message, "");
}

static void test_signal_names(void)
{
    char name[32], want[32];

    CHECK_STR(verdict_signal_name(SIGTERM, name, sizeof name), "SIGTERM");
    CHECK_STR(verdict_signal_name(SIGRTMIN, name, sizeof name), "SIGRTMIN");
    CHECK_STR(verdict_signal_name(SIGRTMAX, name, sizeof name), "SIGRTMAX");
    snprintf(want, sizeof want, "signal %d", SIGRTMIN + 1);
    CHECK_STR(verdict_signal_name(SIGRTMIN + 1, name, sizeof name), want);
    CHECK_STR(verdict_signal_name(200, name, sizeof name), "signal 200");
}

static void test_cut_note(void)
{
    struct buf b = BUF_INIT;

    CHECK(verdict_cut_note(&b, 0) == 0);
    CHECK(b.len == 0);
    buf_puts(&b, "out");
    CHECK(verdict_cut_note(&b, 1234) == 0);
    CHECK_STR(b.data, "out\n[crossrun: 1234 more bytes of output cut]\n");
    buf_free(&b);
}

int main(void)
{
    test_timeout();
    test_crash();
    test_expected_crash();
    test_exit();
    test_signal_names();
    test_cut_note();
    return unit_done();
}
