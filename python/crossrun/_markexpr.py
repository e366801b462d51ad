"""-m: which tests a mark expression selects, as pytest's -m does.

    -m slow                 tests marked @mark.slow (any mark, custom or
                            crossrun's own: skip, xfail, parametrize, ...)
    -m "not slow"           all but those
    -m "slow and (db or network)"

A word is a mark's name, matched whole and case-sensitively (unlike -k,
which matches substrings of ids); and, or, not and parentheses combine
them, read by -k's parser (_keyword). An empty expression selects every
test.
"""

from . import _keyword


def error(expr):
    """What is wrong with expr, or None when it can be read."""
    try:
        _keyword.parse(expr)
    except _keyword.KeywordError as e:
        return "-m %r: %s" % (expr, e)
    return None


def _true(tree, names):
    kind = tree[0]
    if kind == "word":
        return tree[1] in names
    if kind == "not":
        return not _true(tree[1], names)
    if kind == "and":
        return _true(tree[1], names) and _true(tree[2], names)
    return _true(tree[1], names) or _true(tree[2], names)


def select(items, expr):
    """The items (collected tests) whose marks expr selects."""
    tree = _keyword.parse(expr)
    if tree is None:
        return list(items)
    return [item for item in items
            if _true(tree, frozenset(m.name for m in item.marks))]
