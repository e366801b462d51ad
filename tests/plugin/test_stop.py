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


def _session(sid):
    """The live processes of session sid (a test's process outlives a
    killed pytest for a moment: up to five seconds are given)."""
    for _ in range(100):
        found = []
        for name in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z" and int(fields[3]) == sid:
                found.append(int(name))
        if not found:
            break
        time.sleep(0.05)
    return found


def _stop(pytester, sig, *args, group=True):
    """Run the suite in a session of its own, send sig to that session's
    group (what a terminal's Ctrl-C or a job control kill does; or, group
    false, to pytest alone) once the test has started, and return (exit
    status, output, leftovers)."""
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
        (os.killpg if group else os.kill)(proc.pid, sig)
        # Far below the test's own two minutes: it was stopped.
        out = proc.communicate(timeout=60)[0].decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    alive = sorted(set(sleepers(left) + _session(proc.pid)))
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc.returncode, out, alive


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


def test_pytest_killed_takes_the_test_and_what_it_started_along(pytester):
    # SIGKILL to pytest alone (as pytest-xdist ends a worker that does not
    # stop in time): nothing of pytest runs, the test's process learns it
    # from the kernel and ends what it started before it goes.
    status, out, leftovers = _stop(pytester, signal.SIGKILL, group=False)
    assert status == -signal.SIGKILL, out
    assert leftovers == []
