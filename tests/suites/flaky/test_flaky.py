"""Tests that fail their first runs, for --reruns (tests/e2e/test_reruns.py).
Each counts its runs in a file under $CROSSRUN_FLAKY_DIR, which outlives
the test's process."""
import os
import signal
import time

from crossrun import mark


def runs(name):
    """This run's number (1 for the first) of the test `name`."""
    path = os.path.join(os.environ["CROSSRUN_FLAKY_DIR"], name)
    n = 1
    if os.path.exists(path):
        with open(path) as f:
            n = int(f.read()) + 1
    with open(path, "w") as f:
        f.write(str(n))
    return n


def test_passes():
    runs("passes")


def test_fails_once():
    assert runs("fails_once") > 1, "first run fails"


def test_fails_twice():
    assert runs("fails_twice") > 2, "first two runs fail"


def test_crashes_once():
    if runs("crashes_once") == 1:
        os.kill(os.getpid(), signal.SIGSEGV)


@mark.timeout(1)
def test_hangs_once():
    if runs("hangs_once") == 1:
        time.sleep(30)


def test_always_fails():
    runs("always_fails")
    assert False, "never passes"
