"""The test-writing API: fixtures, marks, and skip/fail/xfail inside a test.

Everything here only records what the test author declared; _collect.py
reads the records and _runtest.py acts on them. Decorators return the
decorated object itself, so test files stay plain Python and a pytest
plugin can map the records onto pytest's own fixtures and marks:

- a fixture function carries `__crossrun_fixture__`, a FixtureDef;
- a marked function or class carries `__crossrun_marks__`, a list of Mark
  in the order the decorators were applied (the one nearest the `def`
  first), like pytest's `pytestmark`.

Mistakes that can be seen at decoration time (an unknown signal name, a
parametrize case of the wrong length, a bad scope) raise there, so they
surface as a collection error naming the test file and line.
"""

import _signal

from . import _size

__all__ = ["fixture", "mark", "param", "skip", "fail", "xfail",
           "Mark", "FixtureDef", "OutcomeException", "Skipped", "Failed",
           "XFailed"]

MARKS_ATTR = "__crossrun_marks__"
FIXTURE_ATTR = "__crossrun_fixture__"
SCOPES = ("function", "module")


# -- outcomes raised inside a test -------------------------------------------

class OutcomeException(BaseException):
    """Base of the exceptions that end a test with a given outcome.

    Derives from BaseException, as in pytest, so that a test's own
    `except Exception:` does not swallow a skip() or fail()."""

    def __init__(self, msg=""):
        super().__init__(msg)
        self.msg = msg

    def __str__(self):
        return self.msg


class Skipped(OutcomeException):
    """Raised by skip(): the test is reported as skipped."""


class Failed(OutcomeException):
    """Raised by fail(): the test is reported as failed with the message."""


class XFailed(Failed):
    """Raised by xfail(): the test is reported as an expected failure."""


def skip(reason=""):
    """End the running test (or fixture) as skipped with `reason`."""
    __tracebackhide__ = True
    raise Skipped(str(reason))


def fail(msg=""):
    """End the running test as failed with `msg`."""
    __tracebackhide__ = True
    raise Failed(str(msg))


def xfail(reason=""):
    """End the running test as an expected failure with `reason`."""
    __tracebackhide__ = True
    raise XFailed(str(reason))


# -- marks -------------------------------------------------------------------

class Mark:
    """One mark as written: `mark.NAME(*args, **kwargs)`."""

    __slots__ = ("name", "args", "kwargs")

    def __init__(self, name, args=(), kwargs=None):
        self.name = name
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def __repr__(self):
        return "Mark(%r, %r, %r)" % (self.name, self.args, self.kwargs)

    def __eq__(self, other):
        return (isinstance(other, Mark) and self.name == other.name
                and self.args == other.args and self.kwargs == other.kwargs)

    __hash__ = None


def store_mark(obj, m):
    """Append Mark `m` to the marks of function or class `obj`.

    A class gets its own list (never the one inherited from a base)."""
    own = obj.__dict__.get(MARKS_ATTR) if isinstance(obj, type) else \
        getattr(obj, MARKS_ATTR, None)
    if own is None:
        own = []
        setattr(obj, MARKS_ATTR, own)
    own.append(m)


def get_marks(obj):
    """The marks stored on a function or class (its own, a new list)."""
    if isinstance(obj, type):
        return list(obj.__dict__.get(MARKS_ATTR, ()))
    return list(getattr(obj, MARKS_ATTR, ()))


def _is_target(obj):
    """Can `obj` be what a bare `@mark.NAME` decorates?"""
    return isinstance(obj, type) or callable(obj)


_signals = None


def _signal_table():
    """Signal name -> number, the names signal.Signals has (read from
    _signal: the signal module would load enum into every test's
    process)."""
    global _signals
    if _signals is None:
        _signals = {name: value for name, value in vars(_signal).items()
                    if name.isupper() and name.startswith("SIG")
                    and not name.startswith("SIG_") and type(value) is int}
    return _signals


def signal_name(number):
    """The name of signal `number` ("SIGSEGV"; of aliases the one
    signal.Signals gives), or None."""
    names = [n for n, v in _signal_table().items() if v == number]
    return min(names) if names else None


def signal_number(sig):
    """The signal number that `sig` ("SIGSEGV", "SEGV", 11) names.

    Raises ValueError naming the accepted forms when it names none."""
    if isinstance(sig, bool):
        raise ValueError("mark.crashes: expected a signal name such as "
                         "'SIGSEGV' or a number, got %r" % (sig,))
    if isinstance(sig, int):
        if signal_name(sig) is None:
            raise ValueError("mark.crashes: %d is not a signal number on "
                             "this platform" % sig)
        return int(sig)
    if isinstance(sig, str):
        name = sig.strip().upper()
        if not name.startswith("SIG"):
            name = "SIG" + name
        number = _signal_table().get(name)
        if number is None:
            raise ValueError("mark.crashes: unknown signal %r (expected a "
                             "name such as SIGSEGV, SIGABRT, SIGBUS, SIGFPE, "
                             "SIGILL, SIGKILL, or a number)" % (sig,))
        return number
    raise ValueError("mark.crashes: expected a signal name such as "
                     "'SIGSEGV' or a number, got %r" % (sig,))


def parse_argnames(argnames):
    """Parametrize's argument names as a tuple of str.

    Accepts "a,b", "a, b", "a", or a list/tuple of names."""
    if isinstance(argnames, str):
        names = [n.strip() for n in argnames.split(",")]
        names = [n for n in names if n]
    elif isinstance(argnames, (list, tuple)):
        names = list(argnames)
    else:
        raise TypeError("mark.parametrize: argument names must be a str "
                        "like \"a,b\" or a list of str, got %r"
                        % (argnames,))
    if not names:
        raise ValueError("mark.parametrize: no argument names in %r"
                         % (argnames,))
    for n in names:
        if not isinstance(n, str) or not n.isidentifier():
            raise ValueError("mark.parametrize: %r is not a valid argument "
                             "name" % (n,))
    if len(set(names)) != len(names):
        raise ValueError("mark.parametrize: duplicate argument names in %r"
                         % (argnames,))
    return tuple(names)


class ParameterSet:
    """One case of a parametrize: its values, explicit id and marks."""

    __slots__ = ("values", "id", "marks")

    def __init__(self, values, id=None, marks=()):
        self.values = tuple(values)
        self.id = id
        self.marks = tuple(marks)

    def __repr__(self):
        return "param%r" % (self.values,)


def param(*values, id=None, marks=()):
    """One parametrize case with its own id and/or marks, like pytest.param.

    `marks` is a mark (`mark.xfail`) or a list of marks."""
    if id is not None and not isinstance(id, str):
        raise TypeError("param: id must be a str, got %r" % (id,))
    if isinstance(marks, (MarkDecorator, Mark)):
        marks = (marks,)
    out = []
    for m in marks:
        if isinstance(m, MarkDecorator):
            m = m.mark
        if not isinstance(m, Mark):
            raise TypeError("param: marks must be marks such as mark.xfail, "
                            "got %r" % (m,))
        out.append(m)
    return ParameterSet(values, id, out)


def normalize_cases(names, argvalues):
    """Parametrize's argvalues as a list of ParameterSet, each holding one
    value per name. Raises ValueError naming the case that does not fit."""
    try:
        cases = list(argvalues)
    except TypeError:
        raise TypeError("mark.parametrize: argument values must be a list, "
                        "got %r" % (argvalues,)) from None
    out = []
    for i, case in enumerate(cases):
        ps = case if isinstance(case, ParameterSet) else None
        if ps is not None:
            values = ps.values
            if len(names) == 1 and len(values) != 1:
                raise ValueError(
                    "mark.parametrize: case %d: param() has %d values for "
                    "1 name %r" % (i, len(values), names[0]))
        elif len(names) == 1:
            values = (case,)
        else:
            try:
                values = tuple(case)
            except TypeError:
                raise ValueError(
                    "mark.parametrize: case %d is %r; with names %s each "
                    "case must be a tuple of %d values"
                    % (i, case, ", ".join(names), len(names))) from None
        if len(values) != len(names):
            raise ValueError(
                "mark.parametrize: case %d has %d values for %d names "
                "(%s): %r" % (i, len(values), len(names), ", ".join(names),
                              case))
        out.append(ParameterSet(values, ps.id if ps else None,
                                ps.marks if ps else ()))
    return out


def parametrize_spec(m):
    """(names, cases, ids) of a parametrize Mark: names a tuple of str,
    cases a list of ParameterSet, ids None, a list or a callable."""
    args, kwargs = m.args, m.kwargs
    names = parse_argnames(args[0] if args else kwargs.get("argnames"))
    cases = normalize_cases(
        names, args[1] if len(args) > 1 else kwargs.get("argvalues"))
    ids = args[2] if len(args) > 2 else kwargs.get("ids")
    if ids is not None and not callable(ids):
        ids = list(ids)
    return names, cases, ids


def _check_mark(name, args, kwargs):
    """Validate the arguments of the marks crossrun acts on."""
    if name == "parametrize":
        if len(args) < 2 and "argvalues" not in kwargs:
            raise TypeError("mark.parametrize needs argument names and a "
                            "list of values: mark.parametrize(\"a,b\", "
                            "[(1, 2), (3, 4)])")
        argnames = args[0] if args else kwargs.get("argnames")
        argvalues = args[1] if len(args) > 1 else kwargs.get("argvalues")
        names = parse_argnames(argnames)
        cases = normalize_cases(names, argvalues)
        ids = args[2] if len(args) > 2 else kwargs.get("ids")
        if ids is not None and not callable(ids):
            ids = list(ids)
            if len(ids) != len(cases):
                raise ValueError("mark.parametrize: %d ids for %d cases"
                                 % (len(ids), len(cases)))
        unknown = set(kwargs) - {"argnames", "argvalues", "ids"}
        if unknown:
            raise TypeError("mark.parametrize: unexpected argument(s) %s"
                            % ", ".join(sorted(unknown)))
        # The Mark keeps what was written; parametrize_spec() normalises.
        return Mark(name, args, kwargs)
    if name == "timeout":
        if len(args) != 1 or kwargs:
            raise TypeError("mark.timeout takes one argument: seconds")
        t = args[0]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t < 0:
            raise ValueError("mark.timeout: seconds must be a number >= 0, "
                             "got %r" % (t,))
    elif name == "memory_limit":
        if len(args) != 1 or kwargs:
            raise TypeError("mark.memory_limit takes one argument: a size "
                            "such as '512M' or a number of bytes")
        _size.parse_size(args[0], "mark.memory_limit")
    elif name == "crashes":
        if len(args) != 1 or kwargs:
            raise TypeError("mark.crashes takes one argument: a signal name "
                            "such as 'SIGSEGV' or a number")
        signal_number(args[0])
    elif name == "xfail":
        raises = kwargs.get("raises")
        if raises is not None:
            group = raises if isinstance(raises, tuple) else (raises,)
            if not all(isinstance(r, type) and issubclass(r, BaseException)
                       for r in group):
                raise TypeError("mark.xfail: raises must be an exception "
                                "type or a tuple of them, got %r" % (raises,))
    elif name in ("parameterize", "parametrise", "parameterise"):
        raise AttributeError("mark.%s: unknown mark, did you mean "
                             "mark.parametrize?" % name)
    return Mark(name, args, kwargs)


class MarkDecorator:
    """`mark.NAME` and `mark.NAME(...)`: applied to a function or class it
    stores its Mark there and returns the object unchanged."""

    __slots__ = ("mark",)

    def __init__(self, m):
        self.mark = m

    @property
    def name(self):
        return self.mark.name

    @property
    def args(self):
        return self.mark.args

    @property
    def kwargs(self):
        return self.mark.kwargs

    def __repr__(self):
        return "<MarkDecorator %r>" % (self.mark,)

    def __call__(self, *args, **kwargs):
        # Applied: `@mark.skip`, or `@mark.skip("why")` whose result is
        # called with the decorated object alone.
        if len(args) == 1 and not kwargs and _is_target(args[0]):
            return self._apply(args[0])
        if self.mark.args or self.mark.kwargs:
            raise TypeError("mark.%s(...) takes the function or class to "
                            "decorate, got %r" % (self.mark.name, args))
        return MarkDecorator(_check_mark(self.mark.name, args, kwargs))

    def _apply(self, obj):
        m = self.mark
        if m.name in ("parametrize", "timeout", "crashes",
                      "memory_limit") and not m.args:
            raise TypeError("mark.%s needs arguments, e.g. %s" % (
                m.name, {"parametrize": "mark.parametrize(\"a\", [1, 2])",
                         "timeout": "mark.timeout(5)",
                         "memory_limit": "mark.memory_limit(\"512M\")",
                         "crashes": "mark.crashes(\"SIGSEGV\")"}[m.name]))
        store_mark(obj, m)
        return obj


class MarkGenerator:
    """`mark`: any attribute is a mark of that name."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in ("parameterize", "parametrise", "parameterise"):
            raise AttributeError("mark.%s: unknown mark, did you mean "
                                 "mark.parametrize?" % name)
        return MarkDecorator(Mark(name))


mark = MarkGenerator()


# -- fixtures ----------------------------------------------------------------

class FixtureDef:
    """What `@fixture` recorded about one fixture function."""

    __slots__ = ("func", "name", "scope", "autouse")

    def __init__(self, func, name, scope, autouse):
        self.func = func
        self.name = name
        self.scope = scope
        self.autouse = autouse

    def __repr__(self):
        return "<fixture %s scope=%s>" % (self.name, self.scope)


def fixture(func=None, *, scope="function", name=None, autouse=False):
    """Declare a fixture: `@fixture`, `@fixture(scope="module")`.

    The fixture's value is what the function returns, or what a generator
    function yields; the code after its `yield` runs as teardown. A test
    (or another fixture) receives it by naming it as a parameter. Scopes:
    "function" (a new value for each test) and "module" (one value for
    all tests of the file, set up in the worker before the tests fork).
    `autouse=True` sets it up for every test of the file."""
    if scope not in SCOPES:
        raise ValueError("fixture: scope must be one of %s, got %r"
                         % (", ".join(repr(s) for s in SCOPES), scope))
    if name is not None and (not isinstance(name, str)
                             or not name.isidentifier()):
        raise ValueError("fixture: name must be an identifier, got %r"
                         % (name,))

    def decorate(f):
        if not callable(f):
            raise TypeError("fixture: expected a function, got %r" % (f,))
        if isinstance(f, type):
            raise TypeError("fixture: expected a function, got class %s"
                            % f.__name__)
        setattr(f, FIXTURE_ATTR,
                FixtureDef(f, name or f.__name__, scope, bool(autouse)))
        return f

    if func is not None:
        if isinstance(func, str):
            raise TypeError("fixture: pass the scope by keyword: "
                            "@fixture(scope=%r)" % (func,))
        return decorate(func)
    return decorate
