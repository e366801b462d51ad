"""-k: which tests an expression selects, in pytest's language.

    -k add                  tests whose id (or a mark's name) contains "add"
    -k "add or sub"         either
    -k "not slow"           all but those
    -k "(add or sub) and not big[1]"

Words match case-insensitively, as substrings of the test's id
(path::Class::name[params]) or of the name of one of its marks; and, or,
not and parentheses combine them. An empty expression selects every test.
"""

_WORD_CHARS = frozenset(":+-.[]\\/_")


class KeywordError(Exception):
    """An expression that cannot be read: the message says where."""


def _tokens(expr):
    """(kind, text, column) of each token: "(", ")", "and", "or", "not",
    "word"; column counts from 1, as in the error messages."""
    out = []
    i = 0
    while i < len(expr):
        c = expr[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append((c, c, i + 1))
            i += 1
        elif c.isalnum() or c in _WORD_CHARS:
            j = i
            while j < len(expr) and (expr[j].isalnum() or
                                     expr[j] in _WORD_CHARS):
                j += 1
            word = expr[i:j]
            out.append((word if word in ("and", "or", "not") else "word",
                        word, i + 1))
            i = j
        else:
            raise KeywordError("unexpected character %r at column %d"
                               % (c, i + 1))
    return out


class _Parser:
    """Recursive descent over the tokens; builds nested tuples:
    ("or", a, b), ("and", a, b), ("not", a), ("word", text)."""

    def __init__(self, expr):
        self.tokens = _tokens(expr)
        self.at = 0
        self.end = len(expr) + 1

    def _peek(self):
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def _fail(self, wanted):
        if self.at < len(self.tokens):
            _, text, col = self.tokens[self.at]
            raise KeywordError("expected %s at column %d, found %r"
                               % (wanted, col, text))
        raise KeywordError("expected %s at column %d, but the expression "
                           "ends there" % (wanted, self.end))

    def parse(self):
        if not self.tokens:
            return None
        tree = self._or()
        if self.at < len(self.tokens):
            self._fail("'and', 'or' or the end")
        return tree

    def _or(self):
        tree = self._and()
        while self._peek() == "or":
            self.at += 1
            tree = ("or", tree, self._and())
        return tree

    def _and(self):
        tree = self._not()
        while self._peek() == "and":
            self.at += 1
            tree = ("and", tree, self._not())
        return tree

    def _not(self):
        kind = self._peek()
        if kind == "not":
            self.at += 1
            return ("not", self._not())
        if kind == "(":
            self.at += 1
            tree = self._or()
            if self._peek() != ")":
                self._fail("')'")
            self.at += 1
            return tree
        if kind == "word":
            self.at += 1
            return ("word", self.tokens[self.at - 1][1])
        self._fail("a name, 'not' or '('")


def parse(expr):
    """The tree of expr (None when it is empty); raises KeywordError."""
    return _Parser(expr).parse()


def error(expr):
    """What is wrong with expr, or None when it can be read."""
    try:
        parse(expr)
    except KeywordError as e:
        return "-k %r: %s" % (expr, e)
    return None


def _true(tree, names):
    kind = tree[0]
    if kind == "word":
        word = tree[1].lower()
        return any(word in name for name in names)
    if kind == "not":
        return not _true(tree[1], names)
    if kind == "and":
        return _true(tree[1], names) and _true(tree[2], names)
    return _true(tree[1], names) or _true(tree[2], names)


def select(items, expr):
    """The items (collected tests) that expr selects."""
    tree = parse(expr)
    if tree is None:
        return list(items)
    return [item for item in items
            if _true(tree, [item.id.lower()] +
                     [m.name.lower() for m in item.marks])]
