"""crossrun's test-writing API as a test author sees it: marks, fixtures,
skip/fail/xfail inside a test."""

import signal

import crossrun
from crossrun import mark, fixture
from crossrun._api import Mark, FixtureDef


def marks_of(obj):
    return obj.__crossrun_marks__


def test_bare_and_called_skip_store_marks():
    @mark.skip
    def a():
        pass

    @mark.skip("not today")
    def b():
        pass

    @mark.skip(reason="later")
    def c():
        pass

    assert marks_of(a) == [Mark("skip")]
    assert marks_of(b) == [Mark("skip", ("not today",))]
    assert marks_of(c) == [Mark("skip", (), {"reason": "later"})]


def test_marks_stack_nearest_first_and_return_the_function():
    def f():
        return 42

    g = mark.timeout(5)(mark.crashes("SIGSEGV")(mark.slow(f)))
    assert g is f and g() == 42
    assert [m.name for m in marks_of(f)] == ["slow", "crashes", "timeout"]


def test_custom_mark_keeps_arguments():
    @mark.needs_lib("libcalc.so", version=2)
    def f():
        pass

    assert marks_of(f) == [Mark("needs_lib", ("libcalc.so",),
                                {"version": 2})]


def test_class_marks_are_its_own_not_inherited_lists():
    @mark.skip("base")
    class Base:
        pass

    @mark.timeout(3)
    class Child(Base):
        pass

    assert [m.name for m in marks_of(Base)] == ["skip"]
    assert [m.name for m in Child.__dict__["__crossrun_marks__"]] == [
        "timeout"]


def test_crashes_accepts_names_and_numbers():
    for sig in ("SIGSEGV", "SEGV", "sigsegv", signal.SIGSEGV, 11):
        @mark.crashes(sig)
        def f():
            pass
        assert marks_of(f)[0].args == (sig,)


def test_crashes_rejects_unknown_signal_at_decoration():
    for bad in ("SIGFOO", "", 0, 999, 1.5, True):
        try:
            mark.crashes(bad)
        except ValueError as e:
            assert "mark.crashes" in str(e)
            assert repr(bad) in str(e) or str(bad) in str(e)
        else:
            assert False, "mark.crashes(%r) was accepted" % (bad,)


def test_timeout_must_be_a_number():
    for bad in (-1, "5", None):
        try:
            mark.timeout(bad)
        except (TypeError, ValueError) as e:
            assert "mark.timeout" in str(e)
        else:
            assert False, "mark.timeout(%r) was accepted" % (bad,)


def test_parametrize_checks_case_lengths_at_decoration():
    try:
        mark.parametrize("a,b", [(1, 2), (1, 2, 3)])
    except ValueError as e:
        assert "case 1 has 3 values for 2 names" in str(e)
    else:
        assert False, "a case of the wrong length was accepted"
    try:
        mark.parametrize("a", [1, 2], ids=["one"])
    except ValueError as e:
        assert "1 ids for 2 cases" in str(e)
    else:
        assert False, "too few ids were accepted"


def test_misspelt_parametrize_is_refused():
    try:
        mark.parameterize("a", [1])
    except AttributeError as e:
        assert "did you mean mark.parametrize" in str(e)
    else:
        assert False, "mark.parameterize was accepted"


def test_xfail_raises_must_be_exception_types():
    try:
        mark.xfail(raises="ValueError")
    except TypeError as e:
        assert "raises" in str(e)
    else:
        assert False
    mark.xfail(raises=(ValueError, KeyError))   # accepted


def test_fixture_forms():
    @fixture
    def plain():
        return 1

    @fixture(scope="module", name="other")
    def named():
        yield 2

    @fixture()
    def called():
        return 3

    assert plain() == 1     # the function itself stays callable
    fd = plain.__crossrun_fixture__
    assert isinstance(fd, FixtureDef)
    assert (fd.name, fd.scope, fd.autouse) == ("plain", "function", False)
    fd = named.__crossrun_fixture__
    assert (fd.name, fd.scope) == ("other", "module")
    assert called.__crossrun_fixture__.scope == "function"


def test_fixture_refuses_bad_scope():
    for bad in ("session", "class", "Module"):
        try:
            fixture(scope=bad)
        except ValueError as e:
            assert "scope" in str(e) and repr(bad) in str(e)
        else:
            assert False, "scope %r was accepted" % bad
    try:
        fixture("module")
    except TypeError as e:
        assert "scope=" in str(e)
    else:
        assert False


def test_skip_fail_xfail_raise_outcome_exceptions():
    for func, exc_type, text in ((crossrun.skip, crossrun.Skipped, "s"),
                                 (crossrun.fail, crossrun.Failed, "f"),
                                 (crossrun.xfail, crossrun.Failed, "x")):
        try:
            func(text)
        except Exception:
            assert False, "an outcome must not be an Exception"
        except exc_type as e:
            assert str(e) == text and e.msg == text
        assert issubclass(exc_type, BaseException)
        assert not issubclass(exc_type, Exception)


def test_param_carries_id_and_marks():
    p = crossrun.param(1, 2, id="small", marks=mark.xfail)
    assert p.values == (1, 2) and p.id == "small"
    assert [m.name for m in p.marks] == ["xfail"]


def test_signal_names_and_numbers_are_those_of_the_signal_module():
    from crossrun import _api
    for number in range(0, 70):
        try:
            expected = signal.Signals(number).name
        except ValueError:
            expected = None
        assert _api.signal_name(number) == expected, number
    for member in signal.Signals:
        assert _api.signal_number(member.name) == member.value
        assert _api.signal_number(member.name[3:].lower()) == member.value
    assert _api.signal_number("SIGIOT") == signal.SIGABRT
