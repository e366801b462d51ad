"""A test that fails once test_orphans.py's test has started its
processes: with -x it stops the run while they run."""
import os
import time


def test_fail_once_started():
    path = os.path.join(os.environ["CROSSRUN_ORPHAN_DIR"], "started")
    while not os.path.exists(path):
        time.sleep(0.01)
    assert False, "fails once the other test has started its processes"
