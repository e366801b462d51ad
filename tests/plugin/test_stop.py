"""Stopping pytest while an isolated test runs: Ctrl-C (SIGINT) stops it
at once, as it stops a test in plain pytest, and SIGTERM or SIGHUP end
pytest as they would; in every case what the test started, even what
left its group, ends with it (serially and under xdist)."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from test_orphans import sleepers

SUITE = """
import pathlib, subprocess, time, pytest

@pytest.mark.isolated(timeout=300)
def test_runs_long():
    subprocess.Popen(["setsid", "sleep", "%(left)s"])
    subprocess.Popen(["sleep", "%(left)s"])
    pathlib.Path(%(flag)r).write_text("started")
    time.sleep(120)
"""


def _stop(pytester, sig, *args):
    """Run the suite in a session of its own, send sig to that session's
    group (what a terminal's Ctrl-C or a job control kill does) once the
    test has started, and return (exit status, output, leftovers)."""
    left = "%d.%06d" % (2004, random.randrange(10**6))
    flag = str(pytester.path / "started")
    pytester.makepyfile(test_long=SUITE % {"left": left, "flag": flag})
    cmd = [sys.executable, "-m", "pytest", "-p", "crossrun.pytest_plugin",
           "-p", "no:cacheprovider", "--basetemp",
           str(pytester.path / "tmp")] + list(args)
    proc = subprocess.Popen(cmd, cwd=str(pytester.path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        while not os.path.exists(flag):
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.05)
        os.killpg(proc.pid, sig)
        # Far below the test's own two minutes: it was stopped.
        out = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    leftovers = sleepers(left)
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    return proc.returncode, out, leftovers


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_ctrl_c_stops_the_test_and_what_it_started(pytester, xdist):
    status, out, leftovers = _stop(pytester, signal.SIGINT, *xdist)
    assert status == 2, out              # pytest's "interrupted"
    assert "KeyboardInterrupt" in out and " passed" not in out, out
    assert leftovers == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_terminating_signal_ends_pytest_and_what_the_test_started(
        pytester, sig, xdist):
    status, out, leftovers = _stop(pytester, sig, *xdist)
    assert status == -sig, out           # it ends pytest, as without us
    assert leftovers == []
