"""Run by tests/e2e/test_state.py: once a test of a file fails, the tests
after it start with the traceback machinery loaded."""
import sys


def test_1_fails():
    assert "traceback" not in sys.modules
    assert 1 == 2


def test_2_then_tracebacks_are_loaded():
    assert "traceback" in sys.modules
