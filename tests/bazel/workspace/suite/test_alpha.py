import os

from crossrun import mark


def test_one():
    assert 1 + 1 == 2


def test_two():
    # Scratch files go under Bazel's TEST_TMPDIR.
    assert os.environ["TMPDIR"] == os.environ["TEST_TMPDIR"]


@mark.parametrize("n", [1, 2, 3])
def test_cases(n):
    assert n > 0
