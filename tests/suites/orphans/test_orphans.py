"""Tests that start processes and leave them running: one stays in the
test's process group, one leaves it (setsid). CROSSRUN_ORPHAN_SLEEP is
their `sleep` argument (a number unique to the e2e test that looks for
them); CROSSRUN_ORPHAN_DIR gets a file "started" once both run."""
import os
import subprocess
import time

from crossrun import mark


def spawn():
    arg = os.environ["CROSSRUN_ORPHAN_SLEEP"]
    subprocess.Popen(["sleep", arg])
    subprocess.Popen(["sleep", arg], start_new_session=True)
    # A grandchild that leaves the group, whose parent exits at once.
    subprocess.Popen(["sh", "-c", "setsid sleep %s & exit 0" % arg]).wait()
    path = os.path.join(os.environ["CROSSRUN_ORPHAN_DIR"], "started")
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(path + ".tmp", path)


def test_spawn_and_return():
    spawn()


def test_spawn_and_wait():
    spawn()
    time.sleep(600)


@mark.timeout(1)
def test_spawn_and_time_out():
    spawn()
    time.sleep(600)

