"""libcounter.so keeps a global count. Loaded once for the whole file:
under --isolate=test every test's process starts with a fresh copy, under
--isolate=file the tests share one. A library loaded with isolated=True
inside a test is fresh in either mode."""
import crossrun

lib = crossrun.load("fixtures/build/libcounter.so")  # run from the root
counter_next = lib.fn("int counter_next(void)")


def test_first():
    assert counter_next() == 1


def test_second():
    assert counter_next() == 1


def test_third():
    assert counter_next() == 1


def test_own_namespace_is_always_fresh():
    mine = crossrun.load("fixtures/build/libcounter.so", isolated=True)
    assert mine.fn("int counter_next(void)")() == 1
