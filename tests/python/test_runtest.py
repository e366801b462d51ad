"""Session: fixtures, the call, teardown and the outcome of each test."""

from crossrun import _runtest

from sample import by_name, collect, run


def test_outcomes_of_plain_tests():
    results, errors, _ = run("""
        import sys
        import crossrun

        def test_pass():
            pass

        def test_assert():
            assert 1 + 1 == 3

        def test_raise():
            raise ValueError("bad value\\nsecond line")

        def test_skip_inside():
            crossrun.skip("not on this box")

        def test_fail_inside():
            crossrun.fail("gave up")

        def test_exit():
            sys.exit(4)

        def test_exit_none():
            sys.exit()

        def test_catches_exception_but_not_skip():
            try:
                crossrun.skip("still skipped")
            except Exception:
                pass
    """)
    assert errors == []
    r = results
    assert r["test_pass"] == {"outcome": "passed", "type": None,
                              "message": None, "detail": None}
    assert r["test_assert"]["outcome"] == "failed"
    assert r["test_assert"]["type"] == "AssertionError"
    assert r["test_assert"]["message"] == "assert 1 + 1 == 3"
    assert r["test_raise"]["outcome"] == "failed"
    assert r["test_raise"]["type"] == "ValueError"
    assert r["test_raise"]["message"] == "ValueError: bad value"
    assert "second line" in r["test_raise"]["detail"]
    assert r["test_skip_inside"]["outcome"] == "skipped"
    assert r["test_skip_inside"]["message"] == "not on this box"
    assert r["test_fail_inside"]["outcome"] == "failed"
    assert r["test_fail_inside"]["type"] == "Failed"
    assert r["test_fail_inside"]["message"] == "gave up"
    assert r["test_exit"]["outcome"] == "failed"
    assert r["test_exit"]["type"] == "SystemExit"
    assert r["test_exit"]["message"] == "test called sys.exit(4)"
    assert r["test_exit_none"]["message"] == "test called sys.exit()"
    assert r["test_catches_exception_but_not_skip"]["outcome"] == "skipped"


def test_traceback_starts_at_the_test_and_names_lines():
    items, error, path = collect("""
        def helper(x):
            return 10 // x

        def test_div():
            y = 0
            helper(y)
    """)
    detail = _runtest.Session().run(items[0])["detail"]
    lines = detail.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == '  File "%s", line 7, in test_div' % path
    assert lines[2] == "    helper(y)"
    assert lines[3] == '  File "%s", line 3, in helper' % path
    assert lines[-1] == "ZeroDivisionError: integer division or modulo by zero"
    assert "_runtest.py" not in detail and "_collect.py" not in detail


def test_fixture_order_values_and_teardown_in_reverse():
    results, errors, module = run("""
        from crossrun import fixture

        LOG = []

        @fixture
        def first():
            LOG.append("first up")
            yield 1
            LOG.append("first down")

        @fixture
        def second(first):
            LOG.append("second up")
            yield first + 1
            LOG.append("second down")

        @fixture
        def plain():
            LOG.append("plain")
            return "p"

        def test_uses(second, plain, first):
            LOG.append(("test", first, second, plain))
    """)
    assert results["test_uses"]["outcome"] == "passed"
    assert module.LOG == ["first up", "second up", "plain",
                          ("test", 1, 2, "p"), "second down", "first down"]


def test_module_fixture_is_shared_and_torn_down_once():
    results, errors, module = run("""
        from crossrun import fixture

        LOG = []

        @fixture(scope="module")
        def conn():
            LOG.append("open")
            yield {"n": 0}
            LOG.append("close")

        @fixture
        def per_test(conn):
            conn["n"] += 1
            return conn["n"]

        def test_a(conn, per_test):
            assert per_test == 1

        def test_b(per_test):
            assert per_test == 2

        def test_c():
            LOG.append("c")
    """)
    assert [r["outcome"] for r in results.values()] == ["passed"] * 3
    assert errors == []
    assert module.LOG == ["open", "c", "close"]


def test_failing_module_fixture_errors_every_user_and_is_not_retried():
    items, error, _ = collect("""
        from crossrun import fixture

        CALLS = []

        @fixture(scope="module")
        def broken():
            CALLS.append(1)
            raise RuntimeError("no database")

        def test_a(broken):
            pass

        def test_b(broken):
            pass

        def test_free():
            pass
    """)
    assert error is None
    session = _runtest.Session()
    t = by_name(items)
    err = session.setup_module_fixtures(t["test_a"])
    assert err["outcome"] == "error"
    assert err["type"] == "RuntimeError"
    assert err["message"] == \
        "error in fixture 'broken': RuntimeError: no database"
    assert "in broken" in err["detail"]
    assert session.setup_module_fixtures(t["test_b"]) == err
    assert session.run(t["test_b"])["outcome"] == "error"
    assert session.setup_module_fixtures(t["test_free"]) is None
    assert session.run(t["test_free"])["outcome"] == "passed"
    assert t["test_a"].module.CALLS == [1]
    assert session.teardown_module() == []


def test_fixture_setup_error_and_teardown_error():
    results, errors, module = run("""
        from crossrun import fixture

        @fixture
        def bad_setup():
            raise OSError("cannot open")

        @fixture
        def bad_teardown():
            yield 5
            raise ValueError("cleanup failed")

        @fixture
        def twice():
            yield 1
            yield 2

        def test_setup(bad_setup):
            pass

        def test_teardown_after_pass(bad_teardown):
            pass

        def test_teardown_after_fail(bad_teardown):
            assert bad_teardown == 6

        def test_twice(twice):
            pass
    """)
    r = results["test_setup"]
    assert r["outcome"] == "error" and r["type"] == "OSError"
    assert r["message"] == "error in fixture 'bad_setup': OSError: cannot open"
    r = results["test_teardown_after_pass"]
    assert r["outcome"] == "error" and r["type"] == "teardown"
    assert r["message"] == ("error in teardown of fixture 'bad_teardown': "
                            "ValueError: cleanup failed")
    assert "cleanup failed" in r["detail"]
    r = results["test_teardown_after_fail"]
    assert r["outcome"] == "failed" and r["type"] == "AssertionError"
    assert "cleanup failed" in r["detail"]
    r = results["test_twice"]
    assert r["outcome"] == "error"
    assert "yielded more than once" in r["message"]


def test_module_fixture_teardown_errors_are_returned():
    results, errors, _ = run("""
        from crossrun import fixture

        @fixture(scope="module")
        def res():
            yield 1
            raise KeyError("gone")

        def test_a(res):
            pass
    """)
    assert results["test_a"]["outcome"] == "passed"
    assert len(errors) == 1
    assert errors[0]["outcome"] == "error" and errors[0]["type"] == "teardown"
    assert errors[0]["message"] == \
        "error in teardown of fixture 'res': KeyError: 'gone'"


def test_fixture_lookup_errors():
    results, _, _ = run("""
        from crossrun import fixture

        @fixture
        def per_test():
            return 1

        @fixture(scope="module")
        def wide(per_test):
            return 2

        @fixture
        def loop_a(loop_b):
            return 1

        @fixture
        def loop_b(loop_a):
            return 1

        def test_missing(nope):
            pass

        def test_scope(wide):
            pass

        def test_cycle(loop_a):
            pass
    """)
    r = results["test_missing"]
    assert r["outcome"] == "error"
    assert r["message"].startswith("fixture 'nope' not found (available: ")
    assert "per_test" in r["message"] and "tmp_path" in r["message"]
    r = results["test_scope"]
    assert r["outcome"] == "error"
    assert r["message"] == ("module-scoped fixture 'wide' requests "
                            "function-scoped fixture 'per_test'")
    assert results["test_cycle"]["outcome"] == "error"
    assert "requests itself" in results["test_cycle"]["message"]


def test_parametrize_overrides_fixture_and_feeds_fixtures():
    results, _, _ = run("""
        from crossrun import fixture, mark

        @fixture
        def n():
            return 100

        @fixture
        def doubled(n):
            return n * 2

        @mark.parametrize("n", [1, 2])
        def test_p(n, doubled):
            assert doubled == 2 * n < 10

        def test_default(doubled):
            assert doubled == 200
    """)
    assert {k: v["outcome"] for k, v in results.items()} == {
        "test_p[1]": "passed", "test_p[2]": "passed",
        "test_default": "passed"}


def test_class_tests_get_a_fresh_instance_and_class_fixtures():
    results, _, module = run("""
        from crossrun import fixture

        SEEN = []

        class TestK:
            @fixture
            def value(self):
                self.set_by_fixture = True
                return 7

            def test_one(self, value):
                SEEN.append(id(self))
                assert self.set_by_fixture and value == 7
                self.marker = 1

            def test_two(self):
                SEEN.append(id(self))
                assert not hasattr(self, "marker")

            @staticmethod
            def test_static():
                pass
    """)
    assert [r["outcome"] for r in results.values()] == ["passed"] * 3


def test_autouse_and_tmp_path():
    results, _, module = run("""
        import os
        from crossrun import fixture

        LOG = []

        @fixture(autouse=True)
        def always():
            LOG.append("auto")

        def test_tmp(tmp_path):
            LOG.append(str(tmp_path))
            (tmp_path / "f").write_text("x")
            assert os.listdir(tmp_path) == ["f"]
    """)
    assert results["test_tmp"]["outcome"] == "passed"
    assert module.LOG[0] == "auto"
    import os
    assert not os.path.exists(module.LOG[1])


def test_skip_marks_do_not_run_the_test_or_its_fixtures():
    results, _, module = run("""
        from crossrun import fixture, mark

        RAN = []

        @fixture(scope="module")
        def heavy():
            RAN.append("heavy")

        @mark.skip("reason here")
        def test_s(heavy):
            RAN.append("s")

        @mark.skipif(True, reason="cond")
        def test_si(heavy):
            RAN.append("si")

        @fixture
        def skipping():
            import crossrun
            crossrun.skip("from fixture")

        def test_fs(skipping):
            RAN.append("fs")
    """)
    assert results["test_s"] == {"outcome": "skipped", "type": None,
                                 "message": "reason here", "detail": None}
    assert results["test_si"]["message"] == "cond"
    assert results["test_fs"]["outcome"] == "skipped"
    assert results["test_fs"]["message"] == "from fixture"
    assert module.RAN == []


def test_xfail_variants():
    results, _, _ = run("""
        import crossrun
        from crossrun import mark

        @mark.xfail
        def test_bare_fails():
            assert False

        @mark.xfail(reason="bug 12")
        def test_reason_fails():
            raise ValueError("x")

        @mark.xfail(reason="fixed?")
        def test_passes():
            pass

        @mark.xfail(reason="must fail", strict=True)
        def test_strict_passes():
            pass

        @mark.xfail(raises=KeyError, reason="key")
        def test_raises_match():
            {}["k"]

        @mark.xfail(raises=KeyError)
        def test_raises_other():
            raise TypeError("wrong kind")

        @mark.xfail(False, reason="not now")
        def test_condition_false():
            assert False

        @mark.xfail(True, reason="now")
        def test_condition_true():
            assert False

        @mark.xfail(run=False, reason="would hang")
        def test_not_run():
            while True:
                pass

        def test_xfail_inside():
            crossrun.xfail("known broken")

        @mark.xfail(reason="skip wins")
        def test_skip_inside_xfail():
            crossrun.skip("skipped")
    """)
    out = {k: (v["outcome"], v["message"]) for k, v in results.items()}
    assert out["test_bare_fails"] == ("xfailed", "")
    assert out["test_reason_fails"] == ("xfailed", "bug 12")
    assert out["test_passes"] == ("xpassed", "fixed?")
    assert out["test_strict_passes"] == ("failed",
                                         "[XPASS(strict)] must fail")
    assert results["test_strict_passes"]["type"] == "XPASS(strict)"
    assert out["test_raises_match"] == ("xfailed", "key")
    assert out["test_raises_other"] == ("failed", "TypeError: wrong kind")
    assert out["test_condition_false"][0] == "failed"
    assert out["test_condition_true"] == ("xfailed", "now")
    assert out["test_not_run"] == ("xfailed", "[NOTRUN] would hang")
    assert out["test_xfail_inside"] == ("xfailed", "known broken")
    assert out["test_skip_inside_xfail"] == ("skipped", "skipped")


def test_keyboard_interrupt_propagates_after_teardown():
    items, error, _ = collect("""
        from crossrun import fixture

        LOG = []

        @fixture
        def res():
            yield
            LOG.append("torn down")

        def test_ctrl_c(res):
            raise KeyboardInterrupt
    """)
    session = _runtest.Session()
    try:
        session.run(items[0])
    except KeyboardInterrupt:
        pass
    else:
        assert False, "KeyboardInterrupt was swallowed"
    assert items[0].module.LOG == ["torn down"]


def test_async_test_is_run():
    results, _, module = run("""
        import asyncio

        DONE = []

        async def test_async():
            await asyncio.sleep(0)
            DONE.append(1)

        async def test_async_fails():
            await asyncio.sleep(0)
            assert 1 == 2
    """)
    assert results["test_async"]["outcome"] == "passed"
    assert module.DONE == [1]
    assert results["test_async_fails"]["outcome"] == "failed"


FAST_SOURCE = """
import sys
import crossrun
from crossrun import mark

def test_pass():
    pass

def test_assert():
    x = 2
    assert x == 3

def test_raises():
    raise KeyError("k")

def test_skip_inside():
    crossrun.skip("later")

def test_fail_inside():
    crossrun.fail("no")

def test_exit():
    sys.exit(4)

@mark.parametrize("a", [1, 2])
def test_param(a):
    assert a == 1

async def test_async():
    assert False

@crossrun.fixture
def thing():
    return 1

def test_uses_fixture(thing):
    pass

@mark.xfail
def test_xfail():
    assert False

class TestC:
    def test_m(self):
        pass
"""


def test_fast_path_gives_run_outcomes_and_refuses_what_it_cannot_run():
    # The fast path a worker's child takes for plain test functions must
    # give exactly what Session.run gives; items that need run()'s
    # machinery (fixtures, xfail, classes) do not take it.
    items, error, _ = collect(FAST_SOURCE)
    assert error is None
    session = _runtest.Session()
    fast = {it.name: session.fast(it) for it in items}
    assert not fast["test_uses_fixture"]
    assert not fast["test_xfail"]
    assert not fast["test_m"]
    assert sum(fast.values()) >= 3
    for item in items:
        if not fast[item.name]:
            continue
        got = session.run_fast(item)
        want = session.run(item)
        if want["outcome"] == "passed":
            assert got is None, (item.name, got)
        else:
            assert got is not None, item.name
            assert (got["outcome"], got["type"], got["message"]) == \
                (want["outcome"], want["type"], want["message"]), item.name
