"""Calls into libtally (built with --coverage) that tally_driver.c makes
too: tests/e2e/test_coverage.py compares the counts line by line."""
import crossrun
from crossrun import mark

# At module level: the library's constructor runs in the worker, once.
lib = crossrun.load("fixtures/build-cov/libtally.so")
add = lib.fn("long tally_add(int)")
total_of_sum = lib.fn("long tally_sum(int)")
poke = lib.fn("int tally_poke(const int*)")


@mark.parametrize("k", list(range(20)))
def test_add(k):
    # The total starts at 0 in each test's process (at more under
    # --isolate=file, where the file's tests share one process).
    assert add(k) >= k
    assert add(-1) == -1


def test_sum():
    assert total_of_sum(10) == 45


@mark.crashes("SIGSEGV")
def test_crash():
    add(7)
    poke(None)
    raise AssertionError("not reached")
