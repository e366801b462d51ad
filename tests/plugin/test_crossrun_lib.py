"""The crossrun_lib fixture."""

import pytest

import crossrun

from conftest import MISBEHAVE


def test_loads_through_crossrun_load_and_releases(pytester, run):
    # A stand-in for crossrun.load, so that the release is observable.
    pytester.makeconftest("""
import crossrun

EVENTS = []

class Lib:
    def __init__(self, path, **options):
        self.path, self.options = path, options
        EVENTS.append(("load", path, options))
    def close(self):
        EVENTS.append(("close", self.path))

class NoClose:
    pass

def load(path, **options):
    return NoClose() if path == "plain" else Lib(path, **options)

crossrun.load = load
""")
    pytester.makepyfile(test_lib="""
import pytest
from conftest import EVENTS, Lib

def test_loads(crossrun_lib):
    a = crossrun_lib("liba.so")
    b = crossrun_lib("libb.so", isolated=True)
    plain = crossrun_lib("plain")
    assert isinstance(a, Lib) and b.options == {"isolated": True}
    assert EVENTS == [("load", "liba.so", {}),
                      ("load", "libb.so", {"isolated": True})]

def test_released_last_first():
    assert EVENTS[2:] == [("close", "libb.so"), ("close", "liba.so")]

@pytest.mark.isolated
def test_isolated(crossrun_lib):
    crossrun_lib("libc.so")
""")
    run("-p", "no:randomly").assert_outcomes(passed=3)


@pytest.mark.skipif(not hasattr(crossrun, "load"),
                    reason="crossrun.load (the FFI) is not in this build")
def test_real_library(pytester, run):
    pytester.makepyfile(test_real="""
import crossrun, pytest

def test_call(crossrun_lib):
    lib = crossrun_lib(%r)
    assert type(lib) is type(crossrun.load(%r))
    assert lib.fn("int mb_add(int, int)")(2, 3) == 5

@pytest.mark.isolated
def test_call_isolated(crossrun_lib):
    lib = crossrun_lib(%r)
    assert lib.fn("int mb_count_next()")() == 1
""" % (MISBEHAVE, MISBEHAVE, MISBEHAVE))
    run().assert_outcomes(passed=2)
