from crossrun import mark
import ctypes
lib = ctypes.CDLL("fixtures/build/libmisbehave.so")  # run from the root


def test_one():
    assert lib.mb_count_next() == 1


def test_two_crashes():
    lib.mb_segfault()


def test_three_fresh_worker():
    # a fresh worker after the crash: the library's state is new
    assert lib.mb_count_next() == 1


@mark.timeout(1)
def test_four_hangs():
    lib.mb_loop_forever()


def test_five_after_hang():
    assert lib.mb_count_next() == 1


@mark.crashes("SIGABRT")
def test_six_expected_abort():
    lib.mb_abort()


def test_seven_exit():
    lib.mb_exit(0)


def test_eight_last():
    assert True


@mark.crashes("SIGSEGV")
def test_nine_expected_crash_that_does_not_come():
    assert True


@mark.xfail(reason="a known crash")
def test_ten_known_crash():
    lib.mb_segfault()
