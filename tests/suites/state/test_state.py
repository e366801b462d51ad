import ctypes
lib = ctypes.CDLL("fixtures/build/libmisbehave.so")  # run from the root


def test_first():
    assert lib.mb_count_next() == 1


def test_second():
    assert lib.mb_count_next() == 1


def test_third():
    assert lib.mb_count_next() == 1
