"""End-to-end: what test code and libraries do that could break a run
(fork and return, write to stray descriptors, catch SIGTERM): every test
still gets exactly one true result and the reports stay valid."""
from crossrun import mark

import e2e


def _names(r):
    return [c.get("name") for c in r.tree.iter("testcase")]


@mark.timeout(120)
def test_forked_child_returning_does_not_kill_the_file():
    # The child of os.fork() returns into the framework and writes a second
    # report: the worker must not die of it (internal error, exit 3) and
    # the file's other tests must still run and be reported.
    r = e2e.run("%s/hostile_fork" % e2e.SUITES)
    e2e.validate(r)
    assert "internal error" not in r.err, r.out + r.err
    assert r.rc in (0, 1), r.out + r.err
    assert sorted(_names(r)) == ["test_fork_child_returns", "test_second",
                                 "test_third"], r.out
    assert r.outcome("test_second") == "passed"
    assert r.outcome("test_third") == "passed"


@mark.timeout(120)
def test_forked_child_returning_isolate_file_reports_once():
    # Under --isolate=file the forked child goes on running the rest of the
    # file as a second worker: every test must still be reported once.
    r = e2e.run("--isolate=file", "%s/hostile_fork" % e2e.SUITES)
    e2e.validate(r)
    assert sorted(_names(r)) == ["test_fork_child_returns", "test_second",
                                 "test_third"], r.out
    assert e2e.last_line(r.out) == "3 passed, 0 failed", r.out


@mark.timeout(120)
def test_test_process_cannot_write_into_the_junit_report():
    # The runner's JUnit temporary file must not be open in test processes.
    r = e2e.run("%s/hostile_fdleak_junit" % e2e.SUITES)
    assert r.rc == 0, r.out + r.err
    e2e.validate(r)


@mark.timeout(120)
def test_test_process_cannot_interrupt_the_run_through_the_signal_pipe():
    # The runner's SIGINT/SIGTERM self-pipe must not be open in test
    # processes: a byte written there is not a Ctrl-C.
    r = e2e.run("%s/hostile_fdleak_sigpipe" % e2e.SUITES)
    assert "interrupted" not in r.out, r.out
    assert r.rc == 0, r.out + r.err
    assert e2e.last_line(r.out) == "2 passed, 0 failed", r.out


@mark.timeout(120)
@mark.parametrize("isolate", ["test", "file"])
def test_timeout_stays_a_timeout_when_sigterm_raises(isolate):
    # The runner's SIGTERM at the deadline makes the test's handler raise:
    # the test still failed by its timeout, not by sys.exit.
    r = e2e.run("--isolate=" + isolate, "%s/hostile_termhandler" % e2e.SUITES)
    e2e.validate(r)
    failure = r.child("test_slow_with_term_handler", "failure")
    assert failure is not None, r.out
    assert failure.get("type") == "timeout", r.out
    assert r.outcome("test_after") == "passed"
