import crossrun
from crossrun import mark

events = []


@crossrun.fixture
def resource():
    events.append("setup")
    yield {"value": 41}
    events.append("teardown")


@crossrun.fixture(scope="module")
def shared():
    return []


def test_pass():
    assert 1 + 1 == 2


def test_assert_values():
    total = 2 + 3
    assert total == 6


def test_fixture(resource):
    assert resource["value"] + 1 == 42


@mark.parametrize("a,b,total", [(1, 2, 3), (2, 2, 5)])
def test_sum(a, b, total):
    assert a + b == total


@mark.skip("not on this platform")
def test_skipped():
    raise RuntimeError("never runs")


def test_skip_inside():
    crossrun.skip("decided at run time")


@mark.xfail(reason="known bug")
def test_known_bug():
    assert False


def test_fail_call():
    crossrun.fail("explicit failure")


class TestGroup:
    def test_method(self):
        assert "abc".upper() == "ABC"


def test_module_fixture_a(shared):
    shared.append("a")
    assert shared == ["a"]


def test_module_fixture_b(shared):
    # isolate=test: the child's append in test_a was in another process
    assert shared == []
