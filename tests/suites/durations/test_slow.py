"""One test far slower than the others, for --durations
(tests/e2e/test_durations_option.py)."""
import time


def test_sleeps():
    time.sleep(0.3)


def test_quick():
    pass


def test_quicker():
    pass
