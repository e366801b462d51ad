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
