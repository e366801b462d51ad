"""crossrun.load(path, stubs=...): generated stub libraries stand in for
dependencies that are not installed, and mocks answer for them."""
import signal

import crossrun
from crossrun import _native, mark

INVENTORY = "fixtures/build/libinventory.so"
AVAILABLE = "int warehouse::available(const char*)"
RESERVE = "bool warehouse::reserve(const char*, int)"
UNMOCKED = ("crossrun: libwarehouse.so is not available: "
            "warehouse::available(char const*) was called without a mock")


def test_without_stubs_it_cannot_load():
    try:
        crossrun.load(INVENTORY)
    except crossrun.LoadError as e:
        assert "libwarehouse.so: cannot open shared object file" in str(e)
    else:
        assert False


@mark.parametrize("isolated", [False, True])
@mark.parametrize("stubs", [True, ["libwarehouse.so"]])
def test_stub_plus_mocks(stubs, isolated):
    inv = crossrun.load(INVENTORY, stubs=stubs, isolated=isolated)
    assert inv.imports() == ["warehouse::available(char const*)",
                             "warehouse::reserve(char const*, int)"]
    take = inv.fn("int inventory::take(const char*, int)")
    with inv.mock(AVAILABLE, 10) as avail, \
            inv.mock(RESERVE, lambda item, n: n <= 10) as reserve:
        assert take("bolt", 3) == 7
        assert take("nut", 30) == -1
    assert avail.calls == [("bolt",), ("nut",)]
    assert reserve.calls == [("bolt", 3)]


@mark.parametrize("isolated", [False, True])
def test_unmocked_stub_aborts_naming_the_function(isolated):
    inv = crossrun.load(INVENTORY, stubs=True, isolated=isolated)
    take = inv.fn("int inventory::take(const char*, int)")
    r = _native.run_isolated(lambda: take("bolt", 1) and b"")
    assert r.signal == signal.SIGABRT, (r.exitcode, r.stderr)
    assert UNMOCKED in r.stderr.decode(), r.stderr


def test_a_stub_can_replace_an_installed_dependency():
    # libordernet.so is installed; stubs=[...] keeps it out anyway
    orders = crossrun.load("fixtures/build/liborders.so",
                           stubs=["libordernet.so"])
    place = orders.fn("int orders::place(const char*, int)")
    with orders.mock("int db::query(const char*)", 4), \
            orders.mock("bool db::store(const char*, int)", True), \
            orders.mock("int net::send(const char*, size_t)", 100):
        assert place("cup", 1) == -3        # 100 bytes is not what it sent

    def child():
        with orders.mock("int db::query(const char*)", 4), \
                orders.mock("bool db::store(const char*, int)", True):
            place("cup", 1)
        return b"returned"
    r = _native.run_isolated(child)
    assert r.signal == signal.SIGABRT, r
    assert ("libordernet.so is not available: net::send(char const*, "
            "unsigned long) was called without a mock") in r.stderr.decode()


def test_stub_does_not_shadow_a_present_dependency():
    # the stub for liborderdb.so comes first in the search order and also
    # defines net::send (it stubs every in-house function the library
    # uses), but the library still reaches the real libordernet.so
    orders = crossrun.load("fixtures/build/liborders_now.so",
                           stubs=["liborderdb.so"])
    place = orders.fn("int orders::place(const char*, int)")
    with orders.mock("int db::query(const char*)", 4), \
            orders.mock("bool db::store(const char*, int)", True) as store:
        assert place("cup", 1) == -3        # the real network: no network
    assert store.calls == [("cup", 3)]


def test_stubs_argument_is_checked():
    for bad in ["libwarehouse.so", 3, [b"libwarehouse.so"]]:
        try:
            crossrun.load(INVENTORY, stubs=bad)
        except TypeError as e:
            assert "stubs" in str(e)
        else:
            assert False, bad


def test_stubs_only_for_direct_dependencies_and_named_ones():
    # a list that leaves the missing library out: the loader's error, with
    # what to do
    try:
        crossrun.load(INVENTORY, stubs=["libother.so"])
    except crossrun.LoadError as e:
        assert "libwarehouse.so: cannot open shared object file" in str(e)
        assert "stubs=True" in str(e)
    else:
        assert False
