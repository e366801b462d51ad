import time

from crossrun import mark
import ctypes
lib = ctypes.CDLL("fixtures/build/libmisbehave.so")  # run from the root


@mark.timeout(1)
def test_native_loop():
    lib.mb_loop_forever()


@mark.timeout(1)
def test_python_sleep():
    time.sleep(30)


@mark.timeout(1)
def test_stopped():
    lib.mb_stop_self()


def test_after_hangs():
    assert lib.mb_add(1, 1) == 2
