"""crossrun._native.verdict and cut_note: how an isolated run ended, in
the words the runner uses (runner/core/verdict.c), for the worker and
the pytest plugin; and the worker's _judge built on them."""

import os
import signal
import time

from crossrun import _native, _worker

STOPPED = "Traceback where the test was when it was stopped:\n"


def _kill_self(sig):
    def job():
        os.kill(os.getpid(), sig)
        time.sleep(60)      # the signal ends it first
    return job


def test_a_signal_is_a_crash_unless_it_was_expected():
    r = _native.run_isolated(_kill_self(signal.SIGUSR1), timeout=60)
    assert _native.verdict(r, 60, None) == (
        "crash", "crash", "test process died by SIGUSR1 (signal 10)", "")
    assert _native.verdict(r, 60, signal.SIGUSR2)[2] == \
        "test process died by SIGUSR1 (signal 10)"
    assert _native.verdict(r, 60, signal.SIGUSR1) == (
        "passed", None, None, "")


def test_an_exit_before_reporting():
    r = _native.run_isolated(lambda: os._exit(3))
    assert _native.verdict(r, None) == (
        "exit", "exit",
        "test process exited with status 3 before the test finished", "")


def test_a_timeout_comes_first_and_heads_the_traceback():
    r = _native.run_isolated(lambda: time.sleep(60), timeout=0.2, grace=0.1)
    assert r.timed_out
    assert _native.verdict(r, 0.2, signal.SIGTERM) == (
        "timeout", "timeout", "timed out after 0.2 s", STOPPED)


def test_a_run_that_reported_is_judged_by_its_report():
    r = _native.run_isolated(lambda: b"report")
    assert _native.verdict(r, 5) == ("finished", None, None, "")
    assert _native.verdict(r, 5, signal.SIGABRT) == (
        "finished", "crash",
        "expected the test to die by SIGABRT, but it finished", "")
    # A run in this process that finished.
    assert _native.verdict(None, None, signal.SIGSEGV)[2] == \
        "expected the test to die by SIGSEGV, but it finished"
    assert _native.verdict(None, None) == ("finished", None, None, "")


def test_verdict_rejects_what_is_not_a_result():
    for bad, error in ((object(), AttributeError), (1, AttributeError)):
        try:
            _native.verdict(bad, 1)
        except error:
            pass
        else:
            raise AssertionError("verdict(%r) was accepted" % (bad,))
    try:
        _native.verdict(None, "soon")
    except TypeError:
        pass
    else:
        raise AssertionError("a timeout of 'soon' was accepted")


def test_cut_note():
    assert _native.cut_note(0) == b""
    assert _native.cut_note(1234) == \
        b"\n[crossrun: 1234 more bytes of output cut]\n"
    assert _worker._cut_note(b"out", 7) == \
        b"out\n[crossrun: 7 more bytes of output cut]\n"
    assert _worker._cut_note(b"out", 0) == b"out"
    try:
        _native.cut_note(-1)
    except OverflowError:
        pass
    else:
        raise AssertionError("cut_note(-1) was accepted")
