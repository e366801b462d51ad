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
