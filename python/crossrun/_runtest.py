"""Running one test: fixtures, the call, teardown, and its outcome.

The worker makes one Session per test file. Before forking the child of
each test it calls setup_module_fixtures(item), so module-scoped fixtures
are set up once, in the worker, and every child inherits their values;
the child calls run(item), which sets up the function-scoped fixtures,
calls the test, tears those fixtures down and returns the outcome. After
the file's last test the worker calls teardown_module(). Run in one
process (--isolate=file), the same calls work unchanged.

Fixture resolution: a name is looked up among the fixtures of the test's
class, then of the module, then the built-in ones (tmp_path). A
parametrize argument of the same name wins over a fixture, as in pytest.
Autouse fixtures come first, then the test's arguments, each after the
fixtures it requests. A module-scoped fixture may not request a
function-scoped one or a parametrize argument.

Outcome dicts: {"outcome": "passed" | "failed" | "error" | "skipped" |
"xfailed" | "xpassed", "type": str or None, "message": str or None,
"detail": str or None}; message is one line, detail the traceback text.
"""

from . import _api
from ._collect import argnames
from ._tb import exception_line, format_exception

__all__ = ["Session"]

_CO_GENERATOR = 0x20    # inspect.CO_GENERATOR (inspect stays unloaded)


async def _probe():
    pass


_coroutine = _probe()
_CoroutineType = type(_coroutine)
_coroutine.close()
del _coroutine


def _is_generator_function(func):
    """inspect.isgeneratorfunction(func), for functions, methods and
    functools.partial objects."""
    while True:
        if hasattr(func, "__func__"):
            func = func.__func__
        elif type(func).__name__ == "partial" and hasattr(func, "func"):
            func = func.func
        else:
            break
    code = getattr(func, "__code__", None)
    return code is not None and bool(code.co_flags & _CO_GENERATOR)


def _result(outcome, type_=None, message=None, detail=None):
    return {"outcome": outcome, "type": type_, "message": message,
            "detail": detail}


class _SetupError(Exception):
    """A fixture request that cannot be satisfied (unknown name, cycle,
    scope mismatch); its text is the report's message."""


def _tmp_path():
    """A fresh empty directory (a pathlib.Path), removed after the test."""
    import pathlib
    import shutil
    import tempfile
    directory = tempfile.mkdtemp(prefix="crossrun-")
    try:
        yield pathlib.Path(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


BUILTIN_FIXTURES = {
    "tmp_path": _api.FixtureDef(_tmp_path, "tmp_path", "function", False),
}


_argnames_cache = {}


def _argnames(func, is_method):
    """The parameters of fixture function `func` that name fixtures."""
    key = (func, is_method)
    names = _argnames_cache.get(key)
    if names is None:
        names = _argnames_cache[key] = argnames(func, is_method)
    return names


def _first_line(text):
    return text.strip().split("\n", 1)[0] if text else ""


def _assert_message(exc):
    """One line for a failed assert: the explanation's first line, or the
    source of the assert when it has no message (not rewritten)."""
    text = _first_line(str(exc))
    if text:
        return text
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        import linecache
        line = linecache.getline(tb.tb_frame.f_code.co_filename,
                                 tb.tb_lineno).strip()
        if line:
            return line
    return "AssertionError"


def _call_result(exc):
    """The outcome of a test whose call raised `exc`."""
    detail = format_exception(exc)
    if isinstance(exc, _api.Skipped):
        return _result("skipped", None, exc.msg, None)
    if isinstance(exc, _api.XFailed):
        return _result("xfailed", None, exc.msg, None)
    if isinstance(exc, _api.Failed):
        return _result("failed", "Failed", exc.msg, detail)
    if isinstance(exc, AssertionError):
        return _result("failed", "AssertionError", _assert_message(exc),
                       detail)
    if isinstance(exc, SystemExit):
        code = "" if exc.code is None else repr(exc.code)
        return _result("failed", "SystemExit",
                       "test called sys.exit(%s)" % code, detail)
    return _result("failed", type(exc).__name__, exception_line(exc),
                   detail)


def _setup_result(exc, name):
    """The outcome of a test whose fixture `name` raised `exc` in setup."""
    if isinstance(exc, _api.Skipped):
        return _result("skipped", None, exc.msg, None)
    what = "fixture %r" % name if name else "setup"
    line = exc.msg if isinstance(exc, _api.Failed) else exception_line(exc)
    return _result("error", type(exc).__name__,
                   "error in %s: %s" % (what, line), format_exception(exc))


def _finish(gen, name):
    """Run the teardown of a generator fixture. Returns None or the
    exception that it raised."""
    try:
        next(gen)
    except StopIteration:
        return None
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        return e
    gen.close()
    return RuntimeError("fixture %r yielded more than once" % name)



def call_test(func, kwargs=None):
    """Call the test function `func` (with kwargs) as Session.run does:
    None when it passed, else run()'s outcome dict. The worker's children
    call it directly for a test without arguments: every object a copied
    process touches costs it a page."""
    try:
        ret = func(**kwargs) if kwargs else func()
        if isinstance(ret, _CoroutineType):
            import asyncio
            asyncio.run(ret)
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        return _call_result(e)
    return None


class Session:
    """The fixture state of one test module (see the module docstring)."""

    def __init__(self):
        self._values = {}       # (FixtureDef, owner class) -> value
        self._errors = {}       # (FixtureDef, owner class) -> outcome dict
        self._module_keys = {}  # item id -> its module fixtures, for readiness
        self._teardowns = []    # (name, generator) of module fixtures
        self._class_maps = {}   # class -> {name: FixtureDef}
        self._instances = {}    # class -> instance module fixtures bind to
        self._plans = {}        # item id -> _plan(item)

    # -- resolution ----------------------------------------------------------

    def _class_fixtures(self, cls):
        found = self._class_maps.get(cls)
        if found is None:
            found = {}
            for klass in reversed(cls.__mro__):
                for obj in klass.__dict__.values():
                    fd = getattr(obj, _api.FIXTURE_ATTR, None)
                    if isinstance(fd, _api.FixtureDef):
                        found[fd.name] = fd
            self._class_maps[cls] = found
        return found

    def _lookup(self, name, item):
        """(FixtureDef, owner class or None) of fixture `name` for item."""
        if item.cls is not None:
            fd = self._class_fixtures(item.cls).get(name)
            if fd is not None:
                return fd, item.cls
        fd = item.fixtures.get(name) or BUILTIN_FIXTURES.get(name)
        if fd is None:
            known = sorted(set(item.fixtures) | set(BUILTIN_FIXTURES) | (
                set(self._class_fixtures(item.cls)) if item.cls else set()))
            raise _SetupError("fixture %r not found (available: %s)" % (
                name, ", ".join(known) or "none"))
        return fd, None

    def _plan(self, item):
        """[(name, FixtureDef, owner)] to set up for item, in order.
        Raises _SetupError."""
        plan = self._plans.get(item.id)
        if plan is None:
            plan = self._plans[item.id] = self._make_plan(item)
        return plan

    def _make_plan(self, item):
        order = []
        state = {}

        def visit(name, requester):
            if name in item.params:
                if requester is not None and requester.scope == "module":
                    raise _SetupError(
                        "module-scoped fixture %r requests the parametrize "
                        "argument %r" % (requester.name, name))
                return
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                raise _SetupError("fixture %r requests itself (through %s)"
                                  % (name, requester.name))
            fd, owner = self._lookup(name, item)
            if requester is not None and requester.scope == "module" \
                    and fd.scope == "function":
                raise _SetupError(
                    "module-scoped fixture %r requests function-scoped "
                    "fixture %r" % (requester.name, name))
            state[name] = "visiting"
            for dep in _argnames(fd.func, owner is not None):
                visit(dep, fd)
            state[name] = "done"
            order.append((name, fd, owner))

        autouse = [fd for fd in item.fixtures.values() if fd.autouse]
        if item.cls is not None:
            autouse += [fd for fd in self._class_fixtures(item.cls).values()
                        if fd.autouse]
        autouse.sort(key=lambda fd: fd.scope != "module")
        for fd in autouse:
            visit(fd.name, None)
        for name in item.argnames:
            visit(name, None)
        return order

    def _call(self, fd, owner, instance, values, teardowns, name):
        func = fd.func
        if owner is not None:
            func = func.__get__(instance, owner)
        kwargs = {dep: values[dep]
                  for dep in _argnames(fd.func, owner is not None)}
        if _is_generator_function(fd.func):
            gen = func(**kwargs)
            try:
                value = next(gen)
            except StopIteration:
                raise RuntimeError("fixture %r did not yield a value"
                                   % name) from None
            teardowns.append((name, gen))
            return value
        return func(**kwargs)

    # -- module fixtures -----------------------------------------------------

    def setup_module_fixtures(self, item):
        """Set up (once; later calls reuse the values) the module-scoped
        fixtures that `item` needs, in this process.

        Returns None, or the outcome dict every test needing a failed
        fixture gets: outcome "error" (or "skipped" when the fixture
        called skip()). A failed fixture is not tried again."""
        if item.skip_reason is not None or (
                item.xfail is not None and not item.xfail.run):
            return None
        try:
            plan = self._plan(item)
        except _SetupError as e:
            return _result("error", "fixture", str(e), None)
        for name, fd, owner in plan:
            if fd.scope != "module":
                continue
            key = (fd, owner)
            if key in self._errors:
                return self._errors[key]
            if key in self._values:
                continue
            try:
                instance = None
                if owner is not None:
                    instance = self._instances.get(owner)
                    if instance is None:
                        instance = self._instances[owner] = owner()
                values = {n: self._values[(f, o)] for n, f, o in plan
                          if f.scope == "module" and (f, o) in self._values}
                self._values[key] = self._call(fd, owner, instance, values,
                                               self._teardowns, name)
            except KeyboardInterrupt:
                raise
            except BaseException as e:
                self._errors[key] = _setup_result(e, name)
                return self._errors[key]
        return None

    def fast(self, item):
        """Whether run_fast() can run `item`: a plain test function with no
        fixtures, no class, no xfail and no skip."""
        if item.cls is not None or item.xfail is not None \
                or item.skip_reason is not None:
            return False
        try:
            return not self._plan(item)
        except _SetupError:
            return False

    def run_fast(self, item):
        """Run `item` (for which fast() is true) as run() would, with less
        of run()'s machinery: None when the test passed, else run()'s
        outcome dict.

        It matters in a forked child: every page the run touches is copied
        there, and most of that was this machinery."""
        return call_test(item.func, {n: item.params[n]
                                     for n in item.argnames})

    def module_fixtures_ready(self, item):
        """True when setup_module_fixtures(item) has nothing left to set
        up (so a child forked now sees everything the item needs)."""
        if item.skip_reason is not None or (
                item.xfail is not None and not item.xfail.run):
            return True
        keys = self._module_keys.get(item.id)
        if keys is None:
            try:
                plan = self._plan(item)
            except _SetupError:
                return True
            keys = self._module_keys[item.id] = [
                (fd, owner) for _, fd, owner in plan if fd.scope == "module"]
        return all(k in self._values or k in self._errors for k in keys)

    def teardown_module(self):
        """Tear the module-scoped fixtures down, last set up first.
        Returns a list of outcome dicts (type "teardown"), one per fixture
        whose teardown raised; empty when all went well."""
        errors = []
        while self._teardowns:
            name, gen = self._teardowns.pop()
            exc = _finish(gen, name)
            if exc is not None:
                errors.append(_result(
                    "error", "teardown",
                    "error in teardown of fixture %r: %s"
                    % (name, exception_line(exc)), format_exception(exc)))
        self._values.clear()
        self._instances.clear()
        return errors

    # -- one test ------------------------------------------------------------

    def run(self, item):
        """Run `item` to the end in this process and return its outcome
        dict. KeyboardInterrupt propagates (after the teardowns)."""
        if item.skip_reason is not None:
            return _result("skipped", None, item.skip_reason, None)
        xf = item.xfail
        if xf is not None and not xf.run:
            return _result("xfailed", None,
                           ("[NOTRUN] " + xf.reason).strip(), None)
        err = self.setup_module_fixtures(item)
        if err is not None:
            return dict(err)
        plan = self._plan(item)

        teardowns = []
        exc = None
        try:
            result, exc = self._setup_and_call(item, plan, teardowns)
        finally:
            errors = []
            for name, gen in reversed(teardowns):
                e = _finish(gen, name)
                if e is not None:
                    errors.append((name, e))

        if xf is not None and result["outcome"] in ("passed", "failed",
                                                    "error"):
            result = self._apply_xfail(xf, result, exc)
        if errors:
            result = self._add_teardown_errors(result, errors)
        return result

    def _setup_and_call(self, item, plan, teardowns):
        """(outcome dict, exception or None) of setup and call."""
        values = dict(item.params)
        current = None
        try:
            instance = None
            if item.cls is not None:
                instance = item.cls()
            for name, fd, owner in plan:
                current = name
                if fd.scope == "module":
                    values[name] = self._values[(fd, owner)]
                else:
                    values[name] = self._call(fd, owner, instance, values,
                                              teardowns, name)
        except KeyboardInterrupt:
            raise
        except BaseException as e:
            return _setup_result(e, current), e
        kwargs = {n: values[n] for n in item.argnames}
        try:
            if instance is not None and not item.is_static:
                ret = item.func(instance, **kwargs)
            else:
                ret = item.func(**kwargs)
            if isinstance(ret, _CoroutineType):
                import asyncio
                asyncio.run(ret)
        except KeyboardInterrupt:
            raise
        except BaseException as e:
            return _call_result(e), e
        return _result("passed"), None

    @staticmethod
    def _apply_xfail(xf, result, exc):
        if exc is not None:
            if isinstance(exc, _api.OutcomeException) and \
                    not isinstance(exc, _api.Failed):
                return result
            if xf.raises is not None and not isinstance(exc, xf.raises):
                return result
            return _result("xfailed", None, xf.reason, result["detail"])
        if xf.strict:
            return _result("failed", "XPASS(strict)",
                           ("[XPASS(strict)] " + xf.reason).strip(), None)
        return _result("xpassed", None, xf.reason, None)

    @staticmethod
    def _add_teardown_errors(result, errors):
        text = "\n\n".join("error in teardown of fixture %r:\n%s"
                           % (name, format_exception(e))
                           for name, e in errors)
        if result["outcome"] in ("failed", "error"):
            detail = result["detail"] or ""
            result["detail"] = (detail + "\n\n" + text).strip()
            return result
        name, e = errors[0]
        return _result("error", "teardown",
                       "error in teardown of fixture %r: %s"
                       % (name, exception_line(e)), text)
