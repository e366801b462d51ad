"""Collection: import one test file and list its tests as Items.

collect_file(path) imports the file the way pytest's default ("prepend")
import mode does: the first directory upward from the file that has no
__init__.py (its "rootdir") goes first on sys.path, and the module is
named by its dotted path from there (tests/e2e/test_x.py → "test_x";
pkg/test_y.py with pkg/__init__.py → "pkg.test_y"). Only the test file
itself is loaded with its asserts rewritten (_load.py).

Tests are collected in definition order: functions named test_*, classes
named Test* without an __init__ and their test_* methods (inherited ones
first), each expanded into one Item per parametrize case (stacked
parametrize marks give the cartesian product, as in pytest). An object
with `__test__ = False` is not collected.
"""

import _frozen_importlib as _bootstrap
import _frozen_importlib_external as _external
import os
import sys

from . import _api, _size
from ._load import RewritingLoader
from ._tb import exception_line, format_exception, register_path

__all__ = ["collect_file", "Item", "XFail"]


class CollectError(Exception):
    """A mistake found while expanding the tests of an imported file."""


class XFail:
    """An xfail mark that applies to an item."""

    __slots__ = ("reason", "raises", "strict", "run")

    def __init__(self, reason="", raises=None, strict=False, run=True):
        self.reason = reason
        self.raises = raises
        self.strict = strict
        self.run = run

    def __repr__(self):
        return "XFail(reason=%r, raises=%r, strict=%r, run=%r)" % (
            self.reason, self.raises, self.strict, self.run)


class Item:
    """One test: what the report needs to name it, and what Session.run
    needs to run it.

    id, name, classname, file, line: how reports name it (see collect_file)
    timeout: float seconds from mark.timeout, or None
    memory_limit: bytes from mark.memory_limit, or None
    crashes: the signal number of mark.crashes, or None
    skip_reason: str when a skip/skipif mark applies, else None
    xfail: an XFail when an xfail mark applies, else None
    marks: every Mark of the test (case, function, class), nearest first
    func: the test function (for a method: the plain function)
    originalname: the function's name, without the parameter ids
    cls: the test class, or None
    is_static: func is a staticmethod of cls (called without instance)
    params: {argument name: value} of its parametrize case
    argnames: the names the function takes (fixtures and params)
    module: the imported test module
    fixtures: {name: FixtureDef} of the fixtures defined in the module
    """

    __slots__ = ("id", "name", "classname", "file", "line", "timeout",
                 "memory_limit",
                 "crashes", "skip_reason", "xfail", "marks", "func", "cls",
                 "params", "argnames", "module", "fixtures", "originalname",
                 "is_static")

    def __repr__(self):
        return "<Item %s>" % self.id


# -- importing ---------------------------------------------------------------

def _module_name(abspath):
    """(rootdir, dotted module name) of the file at `abspath`."""
    directory, filename = os.path.split(abspath)
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, pkg = os.path.split(directory)
        parts.append(pkg)
        if not pkg:
            break
    return directory, ".".join(reversed(parts))


def _import(abspath, precompiled=None):
    """Import the test file at `abspath` with its asserts rewritten and
    return the module (precompiled: see _load.RewritingLoader). Raises
    whatever the import raised."""
    rootdir, name = _module_name(abspath)
    if not sys.path or sys.path[0] != rootdir:
        sys.path.insert(0, rootdir)
    parent = name.rpartition(".")[0]
    if parent:
        __import__(parent)
    # A different file already imported under this name keeps it; this one
    # gets a unique name.
    unique = name
    n = 1
    while unique in sys.modules and \
            getattr(sys.modules[unique], "__file__", None) != abspath:
        unique = "%s__crossrun%d" % (name, n)
        n += 1
    loader = RewritingLoader(unique, abspath)
    loader.precompiled = precompiled
    spec = _external.spec_from_file_location(unique, abspath, loader=loader)
    module = _bootstrap.module_from_spec(spec)
    sys.modules[unique] = module
    try:
        loader.exec_module(module)
    except BaseException:
        if sys.modules.get(unique) is module:
            del sys.modules[unique]
        raise
    return module


# -- test ids ----------------------------------------------------------------

def _ascii_escaped(text):
    """Text for an id, as pytest makes it: non-ASCII and unprintable
    characters as backslash escapes ("h\\xe9llo", "a\\nb"), so an id
    is one printable line in every report."""
    return text.encode("unicode_escape").decode("ascii")


# The control characters of ASCII as pytest escapes them in an id made
# from bytes (the bytes beyond ASCII are \\xNN already).
_UNPRINTABLE = {c: "\\x%02x" % c for c in list(range(32)) + [127]}
_UNPRINTABLE.update({9: "\\t", 10: "\\n", 13: "\\r"})


def _value_id(value, argname, index):
    """The id of one parameter value, the way pytest makes it."""
    if isinstance(value, str):
        return _ascii_escaped(value)
    if isinstance(value, bytes):
        return value.decode("ascii", "backslashreplace").translate(
            _UNPRINTABLE)
    if value is None or isinstance(value, (bool, int, float, complex)):
        return str(value)
    if isinstance(value, (type, _FunctionType)):
        return value.__name__
    enum = sys.modules.get("enum")   # no Enum value without it
    if enum is not None and isinstance(value, enum.Enum):
        return str(value)
    return "%s%d" % (argname, index)


def _case_ids(names, cases, ids):
    """The id of each case of one parametrize mark, made unique."""
    out = []
    for index, case in enumerate(cases):
        cid = None if case.id is None else _ascii_escaped(str(case.id))
        if cid is None and ids is not None:
            if callable(ids):
                parts = []
                for name, value in zip(names, case.values):
                    made = ids(value)
                    parts.append(_value_id(value, name, index)
                                 if made is None else _ascii_escaped(str(made)))
                cid = "-".join(parts)
            elif ids[index] is not None:
                cid = _ascii_escaped(str(ids[index]))
        if cid is None:
            cid = "-".join(_value_id(v, n, index)
                           for n, v in zip(names, case.values))
        out.append(cid)
    counts = {}
    for cid in out:
        counts[cid] = counts.get(cid, 0) + 1
    suffix = {}
    for i, cid in enumerate(out):
        if counts[cid] > 1:
            out[i] = "%s%d" % (cid, suffix.get(cid, 0))
            suffix[cid] = suffix.get(cid, 0) + 1
    return out


# -- marks -------------------------------------------------------------------

def _condition(cond, module, what, testname):
    """The truth of a skipif/xfail condition; a str is evaluated with the
    module's globals (plus os, sys, platform), as pytest does."""
    if not isinstance(cond, str):
        return bool(cond)
    import platform
    env = {"os": os, "sys": sys, "platform": platform}
    env.update(vars(module))
    try:
        return bool(eval(cond, env))
    except Exception as e:
        raise CollectError("%s: error evaluating %s condition %r: %s"
                           % (testname, what, cond, exception_line(e)))


def _apply_marks(item, module):
    """Set skip_reason, xfail, timeout and crashes from item.marks."""
    item.skip_reason = None
    item.xfail = None
    item.timeout = None
    item.memory_limit = None
    item.crashes = None
    for m in item.marks:
        if m.name == "skip" and item.skip_reason is None:
            item.skip_reason = str(m.args[0] if m.args else
                                   m.kwargs.get("reason", "unconditional skip"))
        elif m.name == "skipif" and item.skip_reason is None:
            conds = m.args or (True,)
            for c in conds:
                if _condition(c, module, "skipif", item.name):
                    reason = m.kwargs.get("reason")
                    if not reason:
                        reason = ("condition: " + c) if isinstance(c, str) \
                            else "skipif condition is true"
                    item.skip_reason = str(reason)
                    break
        elif m.name == "xfail" and item.xfail is None:
            conds = m.args or (True,)
            if any(_condition(c, module, "xfail", item.name) for c in conds):
                reason = m.kwargs.get("reason", "")
                if not reason and m.args and isinstance(m.args[0], str):
                    reason = "condition: " + m.args[0]
                item.xfail = XFail(str(reason), m.kwargs.get("raises"),
                                   bool(m.kwargs.get("strict", False)),
                                   bool(m.kwargs.get("run", True)))
        elif m.name == "timeout" and item.timeout is None:
            item.timeout = float(m.args[0])
        elif m.name == "memory_limit" and item.memory_limit is None:
            item.memory_limit = _size.parse_size(m.args[0],
                                                 "mark.memory_limit")
        elif m.name == "crashes" and item.crashes is None:
            item.crashes = _api.signal_number(m.args[0])


# -- expanding functions into items ------------------------------------------

_FunctionType = type(_ascii_escaped)
# inspect.CO_GENERATOR | CO_ASYNC_GENERATOR, without importing inspect
_CO_GENERATORS = 0x20 | 0x200
_lines = {}     # file name -> its lines, for _def_line


def _source_lines(filename):
    if filename not in _lines:
        try:
            with open(filename, "rb") as f:
                _lines[filename] = f.read().decode(
                    "utf-8", "replace").splitlines()
        except OSError:
            _lines[filename] = []
    return _lines[filename]


def _unwrap(func):
    """func without its decorators' wrappers (__wrapped__), as
    inspect.unwrap gives it."""
    seen = {id(func)}
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
        if id(func) in seen:
            break
        seen.add(id(func))
    return func


def _def_line(func):
    """The 1-based line of the `def` of `func` (after its decorators)."""
    code = getattr(_unwrap(func), "__code__", None)
    if code is None:
        return 0
    first = code.co_firstlineno
    lines = _source_lines(code.co_filename)
    for n in range(first, min(first + 200, len(lines) + 1)):
        text = lines[n - 1].lstrip()
        if text.startswith("def ") or text.startswith("async def "):
            return n
    return first


def argnames(func, is_method):
    """The names a test or fixture function receives: its parameters
    without defaults, without the instance parameter of a method."""
    if type(func) is _FunctionType and not hasattr(func, "__wrapped__") \
            and not hasattr(func, "__signature__"):
        # What inspect.signature would say, from the code object (and
        # without loading inspect into the worker).
        code = func.__code__
        npos, nkw = code.co_argcount, code.co_kwonlyargcount
        names = code.co_varnames[:npos + nkw]
        required = npos - len(func.__defaults__ or ())
        positional = [(i, n) for i, n in enumerate(names[:npos])]
        if is_method and positional:
            positional = positional[1:]
        kwdefaults = func.__kwdefaults__ or {}
        return tuple(n for i, n in positional
                     if i >= code.co_posonlyargcount and i < required) + \
            tuple(n for n in names[npos:] if n not in kwdefaults)
    return argnames_by_signature(func, is_method)


def argnames_by_signature(func, is_method):
    """argnames() as inspect.signature says it, for any callable."""
    import inspect
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return ()
    params = list(sig.parameters.values())
    if is_method and params and params[0].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD):
        params = params[1:]
    return tuple(p.name for p in params
                 if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                               inspect.Parameter.KEYWORD_ONLY)
                 and p.default is inspect.Parameter.empty)


def _fixture_argnames(fixtures):
    names = set()
    for fd in fixtures.values():
        names.update(argnames(fd.func, False))
    return names


def _expand(func, cls, is_static, marks, ctx):
    """The Items of one test function (a method when cls is not None)."""
    module, path, fixtures, base_id, classname = ctx
    name = func.__name__
    takes = argnames(func, cls is not None and not is_static)
    line = _def_line(func)
    specs = []
    seen = set()
    for m in marks:
        if m.name != "parametrize":
            continue
        try:
            names, cases, ids = _api.parametrize_spec(m)
        except (TypeError, ValueError) as e:
            raise CollectError("In %s: %s" % (name, e))
        for n in names:
            if n in seen:
                raise CollectError("In %s: duplicate parametrization of %r"
                                   % (name, n))
            seen.add(n)
            if n not in takes and n not in _fixture_argnames(fixtures):
                raise CollectError("In %s: function uses no argument %r"
                                   % (name, n))
        specs.append((names, cases, ids))

    combos = [((), {}, ())]         # (ids, params, case marks)
    empty = None
    for names, cases, ids in specs:
        if not cases:
            empty = names
            continue
        case_ids = _case_ids(names, cases, ids)
        combos = [(cid + (case_ids[i],),
                   dict(params, **dict(zip(names, case.values))),
                   cmarks + case.marks)
                  for cid, params, cmarks in combos
                  for i, case in enumerate(cases)]

    items = []
    for cids, params, case_marks in combos:
        item = Item()
        suffix = "[%s]" % "-".join(cids) if cids else ""
        if empty is not None:
            suffix = "[NOTSET]"
        item.originalname = name
        item.name = name + suffix
        item.id = "%s::%s" % (base_id, item.name)
        item.classname = classname
        item.file = path
        item.line = line
        item.marks = list(case_marks) + list(marks)
        item.func = func
        item.cls = cls
        item.is_static = is_static
        item.params = params
        item.argnames = takes
        item.module = module
        item.fixtures = fixtures
        _apply_marks(item, module)
        if func.__code__.co_flags & _CO_GENERATORS:
            # Calling it only makes a generator: the body would never run,
            # and the test would pass whatever it says. pytest too marks
            # it xfail and does not run it.
            item.xfail = XFail("%s is a generator function (it yields), so "
                               "its body would never run; yield tests are "
                               "not supported" % name, run=False)
        if empty is not None and item.skip_reason is None:
            item.skip_reason = "got empty parameter set %r, function %s " \
                "at %s:%d" % (list(empty), name, path, line)
        items.append(item)
    return items


def _is_test_function(name, obj):
    return (name.startswith("test_") and isinstance(obj, _FunctionType)
            and getattr(obj, "__test__", True)
            and not isinstance(getattr(obj, _api.FIXTURE_ATTR, None),
                               _api.FixtureDef))


def _class_marks(cls):
    marks = []
    for klass in cls.__mro__:
        marks.extend(_api.get_marks(klass))
    return marks


def _class_tests(cls):
    """(function, is_static) of the test methods of `cls`, as pytest
    orders them: a base class's tests before the subclass's own; an
    overridden test counts as the subclass's."""
    seen = set()
    per_class = []
    for klass in cls.__mro__:
        found = []
        for name, obj in list(klass.__dict__.items()):
            if name in seen:
                continue
            seen.add(name)
            is_static = isinstance(obj, staticmethod)
            func = obj.__func__ if is_static else obj
            if _is_test_function(name, func):
                found.append((func, is_static))
        per_class.append(found)
    return [t for found in reversed(per_class) for t in found]


def _module_fixtures(module):
    fixtures = {}
    for obj in list(vars(module).values()):
        try:
            fd = getattr(obj, _api.FIXTURE_ATTR, None)
        except Exception:
            continue
        if isinstance(fd, _api.FixtureDef):
            fixtures[fd.name] = fd
    return fixtures


def _classname(path):
    base = path[:-3] if path.endswith(".py") else path
    while base.startswith("./"):
        base = base[2:]
    return base.replace(os.sep, ".").replace("/", ".").lstrip(".")


def _collect_module(module, path):
    fixtures = _module_fixtures(module)
    modclass = _classname(path)
    items = []
    for name, obj in list(vars(module).items()):
        if _is_test_function(name, obj):
            marks = _api.get_marks(obj)
            items.extend(_expand(obj, None, False, marks,
                                 (module, path, fixtures, path, modclass)))
        elif (isinstance(obj, type) and name.startswith("Test")
              and getattr(obj, "__test__", True)
              and obj.__init__ is object.__init__):
            cmarks = _class_marks(obj)
            ctx = (module, path, fixtures, "%s::%s" % (path, name),
                   "%s.%s" % (modclass, name))
            for func, is_static in _class_tests(obj):
                marks = _api.get_marks(func) + cmarks
                items.extend(_expand(func, obj, is_static, marks, ctx))
    return items


def _error(message, detail):
    return {"type": "collection", "message": message, "detail": detail}


def collect_file(path, precompiled=None):
    """Import the test file `path` and list its tests.

    path: as the user gave it (relative to the current directory, e.g.
    "tests/e2e/test_x.py"); item ids start with it unchanged.
    precompiled: where the runner's precompiler writes its code, or None.
    Returns (items, error): items, a list of Item in definition order;
    error, None, or when the file cannot be imported or its tests cannot
    be expanded {"type": "collection", "message": one line, "detail": the
    traceback text}, and then items is []. KeyboardInterrupt propagates;
    any other exception (SystemExit included) becomes the error."""
    abspath = os.path.abspath(path)
    register_path(abspath, path)
    try:
        module = _import(abspath, precompiled)
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        return [], _error(exception_line(e), format_exception(e))
    try:
        return _collect_module(module, path), None
    except CollectError as e:
        return [], _error(str(e), "%s: %s" % (path, e))
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        return [], _error(exception_line(e), format_exception(e))
    finally:
        _lines.clear()      # read for def lines; not for every test's copy

