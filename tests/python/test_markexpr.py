"""-m expressions (crossrun._markexpr): mark names, whole and
case-sensitive, with and/or/not/()."""
from crossrun import _markexpr


class _Mark:
    def __init__(self, name):
        self.name = name


class _Item:
    def __init__(self, name, *marks):
        self.id = "t.py::" + name
        self.marks = [_Mark(m) for m in marks]


ITEMS = [_Item("a", "slow"), _Item("b", "slow", "net"), _Item("c", "net"),
         _Item("d"), _Item("e", "slowest")]


def names(expr):
    return [i.id[6:] for i in _markexpr.select(ITEMS, expr)]


def test_words_are_whole_mark_names():
    assert names("slow") == ["a", "b"]
    assert names("SLOW") == []
    assert names("slowest") == ["e"]
    assert names("a") == []        # not the test's id, unlike -k


def test_operators():
    assert names("not slow") == ["c", "d", "e"]
    assert names("slow and net") == ["b"]
    assert names("(slow or net) and not (slow and net)") == ["a", "c"]
    assert names("") == ["a", "b", "c", "d", "e"]


def test_errors_name_the_option_and_column():
    assert _markexpr.error("slow") is None
    assert _markexpr.error("slow or") == \
        ("-m 'slow or': expected a name, 'not' or '(' at column 8, but the "
         "expression ends there")
    assert _markexpr.error("(slow") == \
        ("-m '(slow': expected ')' at column 6, but the expression ends "
         "there")
