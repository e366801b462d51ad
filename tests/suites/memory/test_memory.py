"""Run by tests/e2e/test_limits.py with --memory-limit 600M: allocations
past the limit of a test fail in that test, with a message that says so."""
from crossrun import mark

MiB = 1 << 20


def test_within_the_limit():
    data = bytearray(64 * MiB)
    assert len(data) == 64 * MiB


def test_past_the_limit_of_the_run():
    bytearray(800 * MiB)


@mark.memory_limit("1G")
def test_a_mark_raises_the_limit():
    data = bytearray(800 * MiB)
    assert len(data) == 800 * MiB


@mark.memory_limit("100M")
def test_a_mark_lowers_it():
    bytearray(200 * MiB)


@mark.memory_limit(100 * MiB)
def test_a_library_that_fails_to_allocate():
    import ctypes
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    assert libc.malloc(200 * MiB) is None
