"""pytest survives what an isolated test does to its process: every kind
of death is one failed test in the report and in --junitxml, with its
evidence, also under pytest-xdist, and nothing the test started is left
running."""

import os
import time

import pytest

from conftest import CRASHPP, MISBEHAVE, junit_outcomes

SUITE = """
import ctypes, os, subprocess, pytest
lib = ctypes.CDLL(%r)
pp = ctypes.CDLL(%r)
PIDS = os.path.join(os.path.dirname(__file__), "pids.txt")

def leave_sleeper():
    # A process of the test's own group, that would outlive it.
    p = subprocess.Popen(["sleep", "300"])
    with open(PIDS, "a") as f:
        f.write("%%d\\n" %% p.pid)

def test_segv():
    leave_sleeper()
    lib.mb_say(b"before the crash")
    lib.mb_segfault()

def test_abort():
    lib.mb_abort()

def test_terminate():
    pp.crashpp_throw_uncaught()

def test_os_exit():
    leave_sleeper()
    os._exit(7)

@pytest.mark.isolated(timeout=3)
def test_native_hang():
    leave_sleeper()
    lib.mb_loop_forever()

@pytest.mark.isolated(timeout=2)
def test_flood():
    lib.mb_flood(-1)

def test_big_output_then_fail():
    lib.mb_flood(3 << 20)
    assert False

def test_after():
    leave_sleeper()
    assert lib.mb_add(2, 3) == 5
""" % (MISBEHAVE, CRASHPP)

WANT = {
    "test_segv": "test process died by SIGSEGV (signal 11)",
    "test_abort": "test process died by SIGABRT (signal 6)",
    "test_terminate": "test process died by SIGABRT (signal 6)",
    "test_os_exit": "test process exited with status 7 before the test "
                    "finished",
    "test_native_hang": "timed out after 3 s",
    "test_flood": "timed out after 2 s",
}


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not running (its parent, pytest, is gone already).
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_every_death_is_one_failed_test(pytester, run, xdist):
    pytester.makepyfile(test_die=SUITE)
    t0 = time.monotonic()
    result = run("--crossrun-isolate", "--junitxml=j.xml", *xdist)
    assert time.monotonic() - t0 < 60
    result.assert_outcomes(failed=7, passed=1)
    out = junit_outcomes(pytester.path / "j.xml")
    got = {name: v[1] for (_, name), v in out.items()
           if name in WANT}
    assert got == WANT
    segv = out[("test_die", "test_segv")][2]
    # The library's frame (its function's name is there too, but a
    # sanitized build can show the inlined callee instead).
    assert "Native backtrace" in segv and "libmisbehave.so" in segv
    assert "in test_segv" in segv
    terminate = out[("test_die", "test_terminate")][2]
    assert "libcrashpp.so" in terminate
    assert "in test_native_hang" in out[("test_die", "test_native_hang")][2]
    big = out[("test_die", "test_big_output_then_fail")]
    assert big[0] == "failure" and big[1].startswith("assert False")
    assert out[("test_die", "test_after")][0] == "passed"
    # The evidence in the terminal report: the output before the crash,
    # and the flood cut at the cap.
    text = result.stdout.str()
    assert "mb_say: before the crash" in text
    assert "more bytes of output cut]" in text
    pids = [int(p) for p in
            (pytester.path / "pids.txt").read_text().split()]
    assert len(pids) == 4
    assert [p for p in pids if alive(p)] == []
