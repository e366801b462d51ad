"""Tests with custom marks and crossrun's own, for -m
(tests/e2e/test_marks.py)."""
from crossrun import mark


@mark.slow
def test_slow():
    pass


@mark.slow
@mark.network
def test_slow_network():
    pass


@mark.network
def test_network():
    pass


@mark.Slow
def test_capital_slow():
    pass


def test_plain():
    pass


@mark.parametrize("n", [1, 2])
def test_cases(n):
    pass


@mark.db
class TestGroup:
    def test_in_class(self):
        pass
