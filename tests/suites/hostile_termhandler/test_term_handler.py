"""A test that turns SIGTERM into an exception (as services do for a clean
shutdown), then runs past its timeout."""
import signal
import sys
import time

from crossrun import mark


@mark.timeout(1)
def test_slow_with_term_handler():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    time.sleep(30)


def test_after():
    pass
