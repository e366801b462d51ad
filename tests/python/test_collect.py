"""collect_file: items, ids, marks, parametrize expansion, import errors."""

import os
import signal
import sys

from crossrun import _collect

from sample import by_name, collect, run, write


def test_functions_and_classes_in_definition_order():
    items, error, path = collect("""
        def test_b():
            pass

        class TestThing:
            def test_one(self):
                pass

            def helper(self):
                pass

            def test_two(self):
                pass

        def test_a():
            pass

        def helper():
            pass

        class Helper:
            def test_not_collected(self):
                pass
    """)
    assert error is None
    assert [i.id for i in items] == [
        path + "::test_b",
        path + "::TestThing::test_one",
        path + "::TestThing::test_two",
        path + "::test_a",
    ]
    assert [i.name for i in items] == ["test_b", "test_one", "test_two",
                                       "test_a"]


def test_classname_file_and_def_line():
    items, error, path = collect("""
        import crossrun

        @crossrun.mark.timeout(2)
        @crossrun.mark.slow
        def test_decorated():
            pass

        class TestK:
            def test_m(self):
                pass
    """)
    assert error is None
    base = path[:-3].replace("/", ".").lstrip(".")
    f, m = items
    assert f.classname == base
    assert m.classname == base + ".TestK"
    assert f.file == path and m.file == path
    assert f.line == 6          # the def, not the first decorator
    assert m.line == 10


def test_path_is_kept_exactly_in_ids():
    path = write("def test_x():\n    pass\n")
    dotted = os.path.join(".", path)
    items, error = _collect.collect_file(dotted)
    assert error is None
    assert items[0].id == dotted + "::test_x"
    assert items[0].file == dotted
    assert not items[0].classname.startswith(".")


def test_class_with_init_and_dunder_test_false_are_skipped():
    items, error, _ = collect("""
        class TestHasInit:
            def __init__(self):
                pass

            def test_x(self):
                pass

        class TestOff:
            __test__ = False

            def test_y(self):
                pass

        def test_off():
            pass
        test_off.__test__ = False

        def test_on():
            pass
    """)
    assert error is None
    assert [i.name for i in items] == ["test_on"]


def test_generator_tests_are_not_run_and_do_not_pass():
    # Calling a generator function runs none of its body: such a test
    # would pass whatever it asserts. Like pytest: xfail, not run.
    results, _, _ = run("""
        def test_yields():
            assert False
            yield 1

        async def test_async_yields():
            assert False
            yield 1

        def test_plain():
            pass
    """)
    for name in ("test_yields", "test_async_yields"):
        assert results[name]["outcome"] == "xfailed", results[name]
        assert results[name]["message"].startswith(
            "[NOTRUN] %s is a generator function" % name)
    assert results["test_plain"]["outcome"] == "passed"


def test_inherited_tests_come_first_and_overrides_count_as_own():
    items, error, path = collect("""
        class Base:
            def test_base(self):
                pass

            def test_over(self):
                return "base"

        class TestChild(Base):
            def test_own(self):
                pass

            def test_over(self):
                return "child"
    """)
    assert error is None
    assert [i.name for i in items] == ["test_base", "test_own", "test_over"]
    over = by_name(items)["test_over"]
    assert over.func(over.cls()) == "child"


def test_parametrize_ids_like_pytest():
    items, error, path = collect("""
        from crossrun import mark

        class Thing:
            pass

        @mark.parametrize("a,b", [(2, 3), ("x", None), (1.5, True),
                                  (Thing(), [1])])
        def test_p(a, b):
            pass
    """)
    assert error is None
    assert [i.name for i in items] == [
        "test_p[2-3]", "test_p[x-None]", "test_p[1.5-True]", "test_p[a3-b3]"]
    assert items[0].id == path + "::test_p[2-3]"
    assert items[0].params == {"a": 2, "b": 3}
    assert items[1].params == {"a": "x", "b": None}


def test_parametrize_name_forms_and_explicit_ids():
    items, error, _ = collect("""
        from crossrun import mark, param

        @mark.parametrize("a", [10, 20])
        def test_single(a):
            pass

        @mark.parametrize(["a", "b"], [(1, 2)], ids=["first"])
        def test_list(a, b):
            pass

        @mark.parametrize(("a", "b"), [(1, 2), (3, 4)], ids=[None, "x"])
        def test_tuple(a, b):
            pass

        @mark.parametrize("n", [1, 2], ids=lambda v: "n=%d" % v)
        def test_callable(n):
            pass

        @mark.parametrize("a, b", [param(1, 2, id="named"), (5, 6)])
        def test_param(a, b):
            pass

        @mark.parametrize("a", [1, 1, 2])
        def test_dup(a):
            pass
    """)
    assert error is None
    assert [i.name for i in items] == [
        "test_single[10]", "test_single[20]",
        "test_list[first]",
        "test_tuple[1-2]", "test_tuple[x]",
        "test_callable[n=1]", "test_callable[n=2]",
        "test_param[named]", "test_param[5-6]",
        "test_dup[10]", "test_dup[11]", "test_dup[2]",
    ]


def test_stacked_parametrize_is_the_cartesian_product():
    items, error, _ = collect("""
        from crossrun import mark

        @mark.parametrize("x", [0, 1])
        @mark.parametrize("y", [2, 3])
        def test_foo(x, y):
            pass
    """)
    assert error is None
    # As in pytest: the nearest decorator's id first, the outer one
    # varying fastest.
    assert [i.name for i in items] == [
        "test_foo[2-0]", "test_foo[2-1]", "test_foo[3-0]", "test_foo[3-1]"]
    assert [i.params for i in items][1] == {"x": 1, "y": 2}


def test_parametrize_on_a_class_applies_to_each_method():
    items, error, _ = collect("""
        from crossrun import mark

        @mark.parametrize("n", [1, 2])
        class TestP:
            def test_a(self, n):
                pass

            def test_b(self, n):
                pass
    """)
    assert error is None
    assert [i.name for i in items] == ["test_a[1]", "test_a[2]",
                                       "test_b[1]", "test_b[2]"]


def test_empty_parameter_set_is_skipped():
    items, error, _ = collect("""
        from crossrun import mark

        @mark.parametrize("a", [])
        def test_none(a):
            pass
    """)
    assert error is None
    assert len(items) == 1
    assert "got empty parameter set" in items[0].skip_reason


def test_parametrize_unknown_argument_is_a_collection_error():
    items, error, path = collect("""
        from crossrun import mark

        @mark.parametrize("c", [1])
        def test_x(a):
            pass
    """)
    assert items == []
    assert error["type"] == "collection"
    assert error["message"] == "In test_x: function uses no argument 'c'"
    assert path in error["detail"]


def test_skip_skipif_xfail_timeout_crashes_attributes():
    items, error, _ = collect("""
        import sys
        from crossrun import mark

        def test_plain():
            pass

        @mark.skip
        def test_skip_bare():
            pass

        @mark.skip("why")
        def test_skip_reason():
            pass

        @mark.skipif(True, reason="always")
        def test_skipif_true():
            pass

        @mark.skipif(False, reason="never")
        def test_skipif_false():
            pass

        @mark.skipif("sys.platform != 'nowhere'")
        def test_skipif_str():
            pass

        @mark.xfail
        def test_xfail_bare():
            pass

        @mark.xfail(reason="bug 7", raises=KeyError, strict=True)
        def test_xfail_full():
            pass

        @mark.xfail(False, reason="not here")
        def test_xfail_false():
            pass

        @mark.timeout(2.5)
        @mark.crashes("SIGABRT")
        def test_limits():
            pass
    """)
    assert error is None
    t = by_name(items)
    assert t["test_plain"].skip_reason is None
    assert t["test_plain"].xfail is None
    assert t["test_plain"].timeout is None and t["test_plain"].crashes is None
    assert t["test_skip_bare"].skip_reason == "unconditional skip"
    assert t["test_skip_reason"].skip_reason == "why"
    assert t["test_skipif_true"].skip_reason == "always"
    assert t["test_skipif_false"].skip_reason is None
    assert t["test_skipif_str"].skip_reason == \
        "condition: sys.platform != 'nowhere'"
    x = t["test_xfail_bare"].xfail
    assert (x.reason, x.raises, x.strict, x.run) == ("", None, False, True)
    x = t["test_xfail_full"].xfail
    assert (x.reason, x.raises, x.strict) == ("bug 7", KeyError, True)
    assert t["test_xfail_false"].xfail is None
    assert t["test_limits"].timeout == 2.5
    assert isinstance(t["test_limits"].timeout, float)
    assert t["test_limits"].crashes == signal.SIGABRT
    assert [m.name for m in t["test_limits"].marks] == ["crashes", "timeout"]


def test_class_marks_apply_to_every_method():
    items, error, _ = collect("""
        from crossrun import mark

        @mark.skip("whole class")
        @mark.kind("slow")
        class TestS:
            def test_a(self):
                pass

            @mark.timeout(1)
            def test_b(self):
                pass
    """)
    assert error is None
    a, b = items
    assert a.skip_reason == "whole class" and b.skip_reason == "whole class"
    assert [m.name for m in b.marks] == ["timeout", "kind", "skip"]
    assert b.marks[1].args == ("slow",)


def test_param_marks_apply_to_their_case_only():
    items, error, _ = collect("""
        from crossrun import mark, param

        @mark.parametrize("a", [1, param(2, marks=mark.xfail(reason="two"))])
        def test_p(a):
            pass
    """)
    assert error is None
    one, two = items
    assert one.xfail is None
    assert two.xfail.reason == "two"


def test_syntax_error_is_a_collection_error():
    items, error, path = collect("""
        def test_ok():
            pass

        def broken(:
            pass
    """)
    name = os.path.basename(path)
    assert items == []
    assert error["type"] == "collection"
    assert error["message"] == \
        "SyntaxError: invalid syntax (%s, line 5)" % name
    assert path in error["detail"]
    assert "def broken(:" in error["detail"]
    assert "_collect.py" not in error["detail"]
    assert "importlib" not in error["detail"]


def test_exception_at_import_is_a_collection_error_with_traceback():
    items, error, path = collect("""
        import os

        def helper():
            return {}["missing"]

        VALUE = helper()

        def test_never():
            pass
    """)
    assert items == []
    assert error["message"] == "KeyError: 'missing'"
    detail = error["detail"]
    assert detail.startswith("Traceback (most recent call last):")
    assert 'File "%s", line 7, in <module>' % path in detail
    assert 'File "%s", line 5, in helper' % path in detail
    assert detail.rstrip().endswith("KeyError: 'missing'")
    assert "crossrun" not in detail.replace(path, "")


def test_system_exit_and_unknown_signal_at_import_are_errors():
    items, error, path = collect("""
        import sys
        sys.exit(3)
    """)
    assert items == [] and error["message"] == "SystemExit: 3"
    items, error, path = collect("""
        from crossrun import mark

        @mark.crashes("SIGNOPE")
        def test_x():
            pass
    """)
    assert items == []
    assert error["message"].startswith("ValueError: mark.crashes: "
                                       "unknown signal 'SIGNOPE'")
    assert 'File "%s", line 4' % path in error["detail"]


def test_rootdir_goes_on_sys_path_and_siblings_import():
    path = write("""
        import helper_mod_for_crossrun

        def test_uses_helper():
            assert helper_mod_for_crossrun.VALUE == 42
    """, extra={"helper_mod_for_crossrun.py": "VALUE = 42\n"})
    saved = list(sys.path)
    try:
        items, error = _collect.collect_file(path)
        assert error is None
        assert sys.path[0] == os.path.dirname(os.path.abspath(path))
    finally:
        sys.path[:] = saved
        sys.modules.pop("helper_mod_for_crossrun", None)
    assert [i.name for i in items] == ["test_uses_helper"]


def test_package_module_is_named_from_its_rootdir():
    path = write("""
        from . import sibling

        def test_rel():
            assert sibling.X == 1
    """, name="test_in_pkg.py", subdir="crossrun_sample_pkg",
        extra={"__init__.py": "", "sibling.py": "X = 1\n"})
    saved = list(sys.path)
    try:
        items, error = _collect.collect_file(path)
        root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
        assert sys.path[0] == root
    finally:
        sys.path[:] = saved
        for name in list(sys.modules):
            if name.startswith("crossrun_sample_pkg"):
                del sys.modules[name]
    assert error is None
    assert items[0].module.__name__ == "crossrun_sample_pkg.test_in_pkg"


def test_only_the_test_file_is_rewritten():
    path = write("""
        import helper_plain_for_crossrun

        def test_x():
            pass
    """, extra={"helper_plain_for_crossrun.py":
                "def check(v):\n    assert v == 1\n"})
    saved = list(sys.path)
    try:
        items, error = _collect.collect_file(path)
        assert error is None
        helper = items[0].module.helper_plain_for_crossrun
        try:
            helper.check(2)
        except AssertionError as e:
            assert str(e) == ""
        else:
            assert False
    finally:
        sys.path[:] = saved
        sys.modules.pop("helper_plain_for_crossrun", None)


def test_only_test_underscore_functions_are_tests():
    # DESIGN.md section 4: functions named test_*, Test* classes with
    # test_* methods; "testing" or "tester" helpers are not tests.
    items, error, _ = collect("""
def test_a():
    pass

def testing_helper():
    pass

def tester():
    pass

class TestThing:
    def test_m(self):
        pass

    def testless(self):
        pass
""")
    assert error is None
    assert [it.name for it in items] == ["test_a", "test_m"]


def test_ids_are_one_printable_ascii_line():
    # As pytest makes them: a newline or a non-ASCII character in a
    # parameter must not break the id (it is one line of every report).
    items, error, _ = collect("""
from crossrun import mark, param

@mark.parametrize("s", ["h\\u00e9llo", "x\\ny", param("z", id="\\u65e5")])
def test_ids(s):
    pass
""")
    assert error is None
    assert [it.name for it in items] == [
        "test_ids[h\\xe9llo]", "test_ids[x\\ny]", "test_ids[\\u65e5]"]


def test_argnames_agree_with_inspect():
    import functools
    from crossrun._collect import argnames, argnames_by_signature

    def plain(a, b):
        pass

    def defaults(a, b=1, *args, c, d=2, **kw):
        pass

    def positional_only(a, /, b, c=3):
        pass

    def keyword_only(*, a, b=1):
        pass

    def nothing():
        pass

    def locals_too(a):
        x = y = 1
        return x + y

    def decorator(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            return f(*args, **kwargs)
        return wrapper

    class K:
        def method(self, a, b=2):
            pass

        def method_posonly(self, /, a):
            pass

        @staticmethod
        def static(a, b):
            pass

    for func in (plain, defaults, positional_only, keyword_only, nothing,
                 locals_too, decorator(plain), K.method, K.method_posonly,
                 K.static, functools.partial(plain, 1),
                 lambda a, *, b: None):
        for is_method in (False, True):
            assert argnames(func, is_method) == \
                argnames_by_signature(func, is_method), (func, is_method)
