from crossrun import mark
import ctypes
lib = ctypes.CDLL("fixtures/build/libmisbehave.so")  # run from the root
pp = ctypes.CDLL("fixtures/build/libcrashpp.so")


def test_segfault():
    lib.mb_segfault()


def test_abort():
    lib.mb_abort()


def test_cpp_crash():
    pp.crashpp_parse_null()


def test_terminate():
    pp.crashpp_throw_uncaught()


@mark.crashes("SIGSEGV")
def test_expected_segfault():
    lib.mb_segfault()


@mark.crashes("SIGSEGV")
def test_expected_but_no_crash():
    pass


@mark.crashes("SIGSEGV")
def test_expected_other_signal():
    lib.mb_abort()


def test_exit_from_library():
    lib.mb_exit(0)


def test_sys_exit():
    import sys
    sys.exit(3)


def test_os_exit():
    import os
    os._exit(0)


def test_after_crashes():
    assert lib.mb_add(2, 3) == 5
