"""-k expressions (crossrun._keyword): pytest's language of words, and,
or, not and parentheses; words match ids and mark names, ignoring case;
what cannot be read says where."""
from crossrun import _keyword, mark

from sample import collect

SOURCE = """
    from crossrun import mark

    def test_add():
        pass

    def test_add_big():
        pass

    @mark.slow
    def test_sub():
        pass

    @mark.parametrize("n", [1, 2])
    def test_mul(n):
        pass

    class TestDiv:
        def test_exact(self):
            pass
"""


def selected(expr):
    items, error, _ = collect(SOURCE)
    assert error is None, error
    return [item.name if item.cls is None else
            item.cls.__name__ + "." + item.name
            for item in _keyword.select(items, expr)]


def test_a_word_is_a_case_insensitive_substring_of_the_id():
    assert selected("add") == ["test_add", "test_add_big"]
    assert selected("ADD_B") == ["test_add_big"]
    assert selected("TestDiv") == ["TestDiv.test_exact"]
    assert selected("test_mul[2]") == ["test_mul[2]"]


def test_a_word_matches_mark_names():
    assert selected("slow") == ["test_sub"]
    assert selected("parametrize") == ["test_mul[1]", "test_mul[2]"]


def test_and_or_not_and_parentheses():
    assert selected("add and not big") == ["test_add"]
    assert selected("sub or exact") == ["test_sub", "TestDiv.test_exact"]
    assert selected("not (add or mul)") == ["test_sub", "TestDiv.test_exact"]
    assert selected("not not slow") == ["test_sub"]
    # and binds tighter than or
    assert selected("sub or add and big") == ["test_add_big", "test_sub"]


def test_an_empty_expression_selects_everything():
    assert len(selected("")) == 6
    assert len(selected("   ")) == 6


@mark.parametrize("expr,message", [
    ("(", "expected a name, 'not' or '(' at column 2, but the expression "
          "ends there"),
    ("add sub", "expected 'and', 'or' or the end at column 5, found 'sub'"),
    ("add and", "expected a name, 'not' or '(' at column 8, but the "
                "expression ends there"),
    ("(add", "expected ')' at column 5, but the expression ends there"),
    ("add)", "expected 'and', 'or' or the end at column 4, found ')'"),
    ("a @ b", "unexpected character '@' at column 3"),
    ("or", "expected a name, 'not' or '(' at column 1, found 'or'"),
])
def test_what_cannot_be_read_says_where(expr, message):
    assert _keyword.error(expr) == "-k %r: %s" % (expr, message)


def test_what_can_be_read_has_no_error():
    for expr in ("add", "not (a or b) and c", "test_mul[1-2]", "a/b.py::c",
                 ""):
        assert _keyword.error(expr) is None, expr
