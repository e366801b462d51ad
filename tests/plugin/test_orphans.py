"""An isolated test's processes end with it, even one that left its
process group and holds the capture pipes (under xdist too)."""

import os
import random

SUITE = """
import subprocess, pytest

@pytest.mark.isolated
def test_leaves_a_session_leader_behind():
    # The grandchild keeps the test's stdout and stderr open.
    subprocess.Popen(["sh", "-c", "setsid sleep %s &"]).wait()
"""


def sleepers(arg):
    want = b"sleep\0" + arg.encode() + b"\0"
    found = []
    for name in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                if f.read() == want:
                    found.append(int(name))
        except (OSError, ValueError):
            continue
    return found


def test_a_setsid_grandchild_ends_with_the_test(pytester, run):
    arg = "%d.%06d" % (2000, random.randrange(10**6))
    pytester.makepyfile(test_orphan=SUITE % arg)
    result = run("-n", "1")
    result.assert_outcomes(passed=1)
    left = sleepers(arg)
    for pid in left:
        os.kill(pid, 9)
    assert left == []


TIMEOUT_SUITE = """
import subprocess, time, pytest

@pytest.mark.isolated(timeout=1)
def test_times_out_with_a_session_leader_running():
    subprocess.Popen(["setsid", "sleep", "%s"])
    time.sleep(60)
"""


def test_a_setsid_child_ends_with_a_test_that_times_out(pytester, run):
    arg = "%d.%06d" % (2001, random.randrange(10**6))
    pytester.makepyfile(test_orphan=TIMEOUT_SUITE % arg)
    result = run()
    result.assert_outcomes(failed=1)
    left = sleepers(arg)
    for pid in left:
        os.kill(pid, 9)
    assert left == []


# A test that dies (a crash, os._exit) cannot end what it started: what
# left its group comes to the pytest process while the test runs, and is
# ended there; a server a session fixture started before is not.
DYING_SUITE = """
import ctypes, os, subprocess, time, pytest

@pytest.fixture(scope="session")
def server():
    p = subprocess.Popen(["sleep", "%(server)s"])
    yield p
    p.kill()
    p.wait()

def leave_a_session_leader():
    # The middle process exits at once: the grandchild is the test's
    # orphan (its parent is the test process while the test lives).
    subprocess.Popen(["sh", "-c", "setsid sleep %(left)s &"]).wait()

@pytest.mark.isolated
def test_crashes(server):
    leave_a_session_leader()
    ctypes.string_at(0)

@pytest.mark.isolated
def test_exits(server):
    leave_a_session_leader()
    os._exit(3)

@pytest.mark.isolated
def test_aborts(server):
    leave_a_session_leader()
    os.abort()

@pytest.mark.isolated
def test_the_server_still_runs(server):
    # (Not server.poll(): this copy of pytest is not the server's parent.)
    with open("/proc/%%d/stat" %% server.pid) as f:
        assert f.read().rsplit(")", 1)[1].split()[0] in "RS"
"""


def _dying_run(pytester, run, *args):
    tag = random.randrange(10**6)
    server = "%d.%06d" % (2002, tag)
    left = "%d.%06d" % (2003, tag)
    pytester.makepyfile(test_dying=DYING_SUITE % {"server": server,
                                                  "left": left})
    result = run(*args)
    leftovers = sleepers(left)
    for pid in leftovers + sleepers(server):
        os.kill(pid, 9)
    return result, leftovers


def test_what_a_dying_test_started_ends_with_it(pytester, run):
    result, leftovers = _dying_run(pytester, run)
    result.assert_outcomes(failed=3, passed=1)
    assert leftovers == []


def test_what_a_dying_test_started_ends_with_it_under_xdist(pytester, run):
    result, leftovers = _dying_run(pytester, run, "-n", "2")
    result.assert_outcomes(failed=3, passed=1)
    assert leftovers == []
