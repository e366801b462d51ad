"""Holds a lock file from the first test of the file to its module
teardown: two files that run at once (more than -j allows) fail."""
import os
import time

import crossrun


@crossrun.fixture(scope="module")
def alone():
    lock = os.path.join(os.environ["CROSSRUN_E2E_DIR"], "lock")
    fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    yield
    time.sleep(0.05)
    os.close(fd)
    os.unlink(lock)


def test_one(alone):
    time.sleep(0.05)


def test_two(alone):
    time.sleep(0.05)
