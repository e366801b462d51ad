"""Assertion rewriting: what a failing assert says, and that rewriting
changes nothing else (evaluation order, line numbers, scoping)."""

from crossrun import _runtest

from sample import collect, run


def failures(source):
    """{test name: AssertionError text} of the failing tests of `source`;
    passing tests map to None."""
    results, _, _ = run(source)
    out = {}
    for name, r in results.items():
        if r["outcome"] == "passed":
            out[name] = None
        else:
            assert r["type"] == "AssertionError", r
            text = r["detail"].split("AssertionError: ", 1)[1]
            assert text.split("\n", 1)[0] == r["message"]
            out[name] = text
    return out


def test_call_result_is_explained():
    f = failures("""
        def add(a, b):
            return a + b

        def test_add():
            assert add(2, 3) == 6
    """)
    assert f["test_add"] == "assert add(2, 3) == 6\n +  where 5 = add(2, 3)"


def test_names_and_nested_calls():
    f = failures("""
        def double(v):
            return 2 * v

        def test_nested():
            x = 4
            assert double(x) + 1 < 5

        def test_name():
            x = 0
            assert x

        def test_not():
            items = [1]
            assert not items
    """)
    assert f["test_nested"] == (
        "assert double(x) + 1 < 5\n"
        " +  where 9 = double(x) + 1\n"
        " +    where 8 = double(x)\n"
        " +      where 4 = x")
    assert f["test_name"] == "assert x\n +  where 0 = x"
    assert f["test_not"] == "assert not items\n +  where [1] = items"


def test_user_message_comes_first():
    f = failures("""
        def test_msg():
            n = 3
            assert n > 5, "n too small: %d" % n

        def test_msg_object():
            assert [], {"why": 1}
    """)
    assert f["test_msg"] == "n too small: 3\nassert n > 5\n +  where 3 = n"
    assert f["test_msg_object"] == "{'why': 1}\nassert []"


def test_sequence_dict_set_and_string_differences():
    f = failures("""
        def test_list():
            a = [1, 2, 3]
            assert a == [1, 2, 4]

        def test_longer():
            assert [1, 2, 3] == [1, 2]

        def test_dict():
            d = {"a": 1, "b": 2}
            assert d == {"a": 1, "b": 3, "c": 4}

        def test_set():
            assert {1, 2} == {2, 3}

        def test_str():
            s = "hello world"
            assert s == "hello wurld"

        def test_multiline():
            assert "a\\nb\\nc" == "a\\nB\\nc"

        def test_constant_on_the_left():
            data = b"abc"
            assert b"abd" == data

        def test_constants_in_a_chain():
            x = 5
            assert 1 < x < 3
    """)
    assert "  At index 2 diff: 3 != 4" in f["test_list"].splitlines()
    assert "  Left contains 1 more item, first extra item: 3" in \
        f["test_longer"]
    d = f["test_dict"].splitlines()
    assert d[:2] == ['assert d == {"a": 1, "b": 3, "c": 4}',
                     " +  where {'a': 1, 'b': 2} = d"]
    assert d[2:] == ["  Differing items:", "  {'b': 2} != {'b': 3}",
                     "  Right contains 1 more item:", "  {'c': 4}"]
    assert f["test_set"].splitlines()[1:] == [
        "  Extra items in the left set:", "  1",
        "  Extra items in the right set:", "  3"]
    assert "Strings differ at index 7" in f["test_str"]
    assert "- b" in f["test_multiline"] and "+ B" in f["test_multiline"]
    assert f["test_constant_on_the_left"].splitlines()[:2] == [
        'assert b"abd" == data', " +  where b'abc' = data"]
    assert "differ at index 2" in f["test_constant_on_the_left"]
    assert f["test_constants_in_a_chain"] == (
        "assert 1 < x < 3\n +  where 5 = x")


def test_attributes_subscripts_and_boolean_operators():
    f = failures("""
        class P:
            x = 1
            tags = {"k": "v"}

        def test_attr():
            p = P()
            assert p.x == 2

        def test_sub():
            p = P()
            assert p.tags["k"] == "w"

        def test_and():
            a, b = 1, 0
            assert a and b

        def test_or():
            a, b = 0, ""
            assert a or b
    """)
    assert " +  where 1 = p.x" in f["test_attr"]
    assert " +  where 'v' = p.tags['k']" in f["test_sub"].replace('"', "'")
    assert f["test_and"] == "assert a and b\n +  where 1 = a\n +  where 0 = b"
    assert f["test_or"] == "assert a or b\n +  where 0 = a\n +  where '' = b"


def test_each_subexpression_is_evaluated_once_and_short_circuits_kept():
    f = failures("""
        CALLS = []

        def count(v):
            CALLS.append(v)
            return v

        def test_once():
            assert count(1) == count(2)

        def test_short_circuit():
            del CALLS[:]
            assert count(0) and count("never")

        def test_chain():
            del CALLS[:]
            assert count(1) < count(5) < count(3) < count(9)

        def test_check():
            assert CALLS == [1, 5, 3]
    """)
    assert f["test_once"].count("where") == 2
    assert f["test_short_circuit"] == (
        'assert count(0) and count("never")\n +  where 0 = count(0)')
    assert " +  where 3 = count(3)" in f["test_chain"]
    assert "count(9)" not in f["test_chain"].split("\n", 1)[1]
    assert f["test_check"] is None


def test_an_assert_run_again_shows_the_values_of_its_failing_run():
    # Each run of an assert records into a new place: values of an
    # earlier run (a loop, a helper called twice) never stand in for the
    # failing one's.
    f = failures("""
        def half(v):
            return v // 2

        def check(v):
            assert half(v) * 2 == v, "odd %d" % v

        def test_loop():
            for v in (2, 4, 7, 8):
                assert half(v) * 2 == v

        def test_helper_twice():
            check(6)
            check(9)
    """)
    assert f["test_loop"] == (
        "assert half(v) * 2 == v\n +  where 6 = half(v) * 2\n"
        " +    where 3 = half(v)\n +      where 7 = v\n +  where 7 = v")
    assert f["test_helper_twice"].startswith("odd 9\nassert half(v) * 2 == v")
    assert " +    where 4 = half(v)" in f["test_helper_twice"]


def test_long_reprs_are_cut():
    f = failures("""
        def test_long():
            big = list(range(1000))
            assert big == []
    """)
    where = [l for l in f["test_long"].splitlines() if "where" in l][0]
    assert len(where) < 300 and "..." in where
    assert where.endswith("999] = big")


def test_passing_asserts_and_scoping_still_work():
    f = failures("""
        import os

        class Base:
            def value(self):
                return 1

        class TestScopes(Base):
            __private = 5

            def value(self):
                return 2

            def test_super_and_mangling(self):
                assert super().value() == 1
                assert self.__private == 5
                assert [x * 2 for x in range(3)] == [0, 2, 4]
                assert (lambda: 3)() == 3
                assert (n := 4) == 4 and n == 4
                assert max(*[1, 2], **{}) == 2
                assert f"{n}" == "4"
                assert os.path.sep
                assert {1: 2}[1] == 2 and (1, 2)[1:] == (2,)

        def test_generator_in_assert():
            assert all(v > 0 for v in [1, 2, 0])
    """)
    assert f["test_super_and_mangling"] is None
    assert f["test_generator_in_assert"].startswith(
        "assert all(v > 0 for v in [1, 2, 0])\n +  where False = all(")


def test_line_numbers_are_kept():
    items, error, path = collect("""
        def boom():
            raise RuntimeError("inside")

        def test_multiline_assert():
            x = 1
            assert (x ==
                    2)

        def test_raises_inside_assert():
            assert boom() == 1
    """)
    session = _runtest.Session()
    detail = session.run(items[0])["detail"]
    assert '"%s", line 7, in test_multiline_assert' % path in detail
    assert "    assert (x ==" in detail
    assert "AssertionError: assert x == 2\n +  where 1 = x" in detail
    detail = session.run(items[1])["detail"]
    assert '"%s", line 11, in test_raises_inside_assert' % path in detail
    assert '"%s", line 3, in boom' % path in detail
    assert detail.endswith("RuntimeError: inside")


def test_repr_that_raises_does_not_hide_the_failure():
    f = failures("""
        class Bad:
            def __repr__(self):
                raise ValueError("no repr")

            def __eq__(self, other):
                return False

        def test_bad():
            b = Bad()
            assert b == 1
    """)
    assert f["test_bad"].startswith("assert b == 1\n +  where <[ValueError "
                                    "raised in repr()] Bad object at 0x")
