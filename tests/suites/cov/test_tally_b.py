"""More calls into libtally, from a second worker (its tests dump their
counts while test_tally_a.py's do), and the two kinds of timeout."""
import time

import crossrun
from crossrun import mark

lib = crossrun.load("fixtures/build-cov/libtally.so")
total_of_sum = lib.fn("long tally_sum(int)")
spin = lib.fn("void tally_spin(void)")


@mark.parametrize("k", list(range(20)))
def test_sum_many(k):
    assert total_of_sum(k) == k * (k - 1) // 2


@mark.timeout(1)
def test_native_hang():
    total_of_sum(3)
    spin()


@mark.timeout(1)
def test_python_hang():
    total_of_sum(4)
    while True:
        time.sleep(0.05)
    python_after_the_loop = "never runs"
    return python_after_the_loop
