"""Texts with bytes that C strings end at or that are not UTF-8: a NUL
in a failure message and in a skip reason, bytes parameters with NUL and
0xff in their ids."""
import crossrun
from crossrun import mark


def test_fail():
    assert False, "before\x00after"


def test_skip():
    crossrun.skip("why\x00not")


@mark.parametrize("value", [b"\xff\x00", b"\xff"])
def test_param(value):
    pass
