"""The crossrun pytest plugin: crossrun's isolation and test API in pytest.

Load it with `pytest -p crossrun.pytest_plugin` (an installed crossrun
registers it as a `pytest11` entry point). It gives pytest:

- isolation: a test marked `@pytest.mark.isolated` (or
  `isolated(timeout=S)`), or every test under `--crossrun-isolate`, runs
  its runtestprotocol (setup, call, teardown) in a child of crossrun's C
  supervisor: a copy of the warm pytest process made in advance, as
  crossrun's runner makes them (`crossrun._native.Chain`). The child
  sends its reports back in one write; the parent logs them. A child that
  dies by a signal, hangs past its timeout, or exits before finishing
  becomes a failed test with the evidence (signal, Python traceback,
  native backtrace, captured output) in its report;
- the `crossrun_lib` fixture: `crossrun_lib(path)` is `crossrun.load`,
  with the library released when the test ends;
- crossrun's test API: `@crossrun.fixture` functions become pytest
  fixtures of their module (or class), `crossrun.mark.*` marks become
  pytest marks (parametrize keeps crossrun's ids; timeout and crashes
  run the test isolated), and `crossrun.skip/fail/xfail` inside a test or
  fixture become pytest's skip/fail/xfail.

How an isolated test runs is told in _pytest_isolate.py (the parent's
side) and _pytest_child.py (the child's).
"""

import types

import pytest

import crossrun
from crossrun import _api, _collect, _pytest_isolate

DEFAULT_TIMEOUT = 60.0
_DONE = "__crossrun_pytest_done__"


# -- options and configuration ----------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("crossrun", "crossrun isolation")
    group.addoption("--crossrun-isolate", action="store_true", default=False,
                    dest="crossrun_isolate",
                    help="run every test in a forked child supervised by "
                         "crossrun (a crash or hang fails only that test)")
    group.addoption("--crossrun-timeout", type=float, default=None,
                    dest="crossrun_timeout", metavar="SECONDS",
                    help="timeout of isolated tests, default %g; 0 = none"
                         % DEFAULT_TIMEOUT)
    group.addoption("--crossrun-cov", nargs="?", const="reports",
                    default=None, dest="crossrun_cov", metavar="PATH",
                    help="native (gcov) and Python coverage, isolated tests "
                         "included: Cobertura XML and lcov reports in PATH "
                         "(default: reports)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "isolated(timeout=None): run the test in a forked child "
        "supervised by crossrun; a crash or a hang (past timeout seconds) "
        "fails the test")
    config.addinivalue_line(
        "markers", "crossrun_crashes(signum): the isolated test passes only "
        "if its process dies by that signal (crossrun.mark.crashes)")
    timeout = config.getoption("crossrun_timeout")
    if timeout is not None and timeout < 0:
        raise pytest.UsageError("--crossrun-timeout: seconds must be >= 0, "
                                "got %g" % timeout)
    if config.getoption("crossrun_cov"):
        from crossrun import _covplugin
        config.pluginmanager.register(_covplugin.CovPlugin(
            config, config.getoption("crossrun_cov")), "crossrun-cov")


# -- crossrun's fixtures and marks at collection ------------------------------

class _Holder:
    """What pytest's parsefactories reads fixtures from (hashable)."""


def _as_pytest_fixture(fd):
    """Give crossrun fixture `fd`'s function the marker by which pytest
    knows its fixtures (which also keeps pytest from collecting it as a
    test). Returns the function."""
    from _pytest.fixtures import FixtureFunctionMarker
    func = fd.func
    if getattr(func, "_pytestfixturefunction", None) is None:
        func._pytestfixturefunction = FixtureFunctionMarker(
            scope=fd.scope, params=None, autouse=fd.autouse, name=fd.name)
    return func


def _register_module_fixtures(module_node):
    """Register the crossrun fixtures of an imported test module with
    pytest, visible to the module's tests."""
    holder = _Holder()
    for name, fd in _collect._module_fixtures(module_node.obj).items():
        setattr(holder, name, _as_pytest_fixture(fd))
    if vars(holder):
        module_node.session._fixturemanager.parsefactories(
            holder, module_node.nodeid)


def _mark_class_fixtures(cls):
    """Mark the crossrun fixtures among the methods of test class `cls`
    (and its bases); pytest registers them when it collects the class."""
    for klass in cls.__mro__:
        for obj in list(klass.__dict__.values()):
            fd = getattr(obj, _api.FIXTURE_ATTR, None)
            if isinstance(fd, _api.FixtureDef):
                _as_pytest_fixture(fd)


def _pytest_mark(m):
    """The pytest Marks that crossrun Mark `m` stands for (a list)."""
    if m.name == "parametrize":
        names, cases, ids = _api.parametrize_spec(m)
        case_ids = _collect._case_ids(names, cases, ids)
        values = [pytest.param(*case.values, id=cid,
                               marks=[pm for cm in case.marks
                                      for pm in _pytest_mark(cm)])
                  for case, cid in zip(cases, case_ids)]
        return [pytest.mark.parametrize(list(names), values).mark]
    if m.name == "timeout":
        return [pytest.mark.isolated(timeout=float(m.args[0])).mark]
    if m.name == "crashes":
        return [pytest.mark.isolated.mark,
                pytest.mark.crossrun_crashes(
                    _api.signal_number(m.args[0])).mark]
    return [getattr(pytest.mark, m.name).with_args(*m.args,
                                                   **m.kwargs).mark]


def _pytest_marks(marks):
    return [pm for m in marks for pm in _pytest_mark(m)]


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    """Map crossrun fixtures and marks before pytest makes items.

    pytest calls this for each attribute of a module or class, after it
    imported the module and before it made any item there, so the first
    call per collector registers a module's crossrun fixtures, or adds a
    class's marks; a class's fixture methods are marked before pytest
    collects the class; each call converts its function's marks once."""
    if not collector.__dict__.get("_crossrun_seen"):
        collector.__dict__["_crossrun_seen"] = True
        if isinstance(collector, pytest.Module):
            _register_module_fixtures(collector)
        elif isinstance(collector, pytest.Class):
            for pm in _pytest_marks(_collect._class_marks(collector.obj)):
                # What Node.add_marker does, for a Mark.
                collector.keywords[pm.name] = pm
                collector.own_markers.append(pm)
    if isinstance(obj, type):
        # Before pytest collects the class and reads its fixtures.
        _mark_class_fixtures(obj)
    func = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) \
        else obj
    if isinstance(func, types.FunctionType) and \
            not func.__dict__.get(_DONE):
        marks = _api.get_marks(func)
        func.__dict__[_DONE] = True
        if marks:
            func.pytestmark = (list(getattr(func, "pytestmark", []))
                               + _pytest_marks(marks))
    return None


# -- crossrun.skip / fail / xfail become pytest's ---------------------------

def _as_pytest_outcome(exc):
    """The ExceptionInfo of the pytest outcome exception that crossrun's
    skip/fail/xfail exception `exc` stands for, with `exc`'s traceback
    (so reports point at the test's line); None for other exceptions."""
    from _pytest._code import ExceptionInfo
    if isinstance(exc, _api.Skipped):
        new = pytest.skip.Exception(exc.msg)
    elif isinstance(exc, _api.XFailed):
        new = pytest.xfail.Exception(exc.msg)
    elif isinstance(exc, _api.Failed):
        new = pytest.fail.Exception(exc.msg)
    else:
        return None
    return ExceptionInfo.from_exc_info((type(new), new, exc.__traceback__))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    if call.excinfo is not None:
        converted = _as_pytest_outcome(call.excinfo.value)
        if converted is not None:
            call.excinfo = converted
    yield


# -- the crossrun_lib fixture ------------------------------------------------

@pytest.fixture
def crossrun_lib():
    """crossrun_lib(path, **options): crossrun.load(path, **options) for
    this test; each library loaded is released (close() when it has one,
    else the reference dropped) when the test ends, last loaded first."""
    loaded = []

    def load(path, **options):
        lib = crossrun.load(path, **options)
        loaded.append(lib)
        return lib

    yield load
    while loaded:
        lib = loaded.pop()
        close = getattr(lib, "close", None)
        if callable(close):
            close()
        del lib


# -- isolation ----------------------------------------------------------------

def _isolation(item):
    """(timeout seconds, expected signal or None) when `item` runs
    isolated, else None."""
    config = item.config
    marks = list(item.iter_markers("isolated"))
    crashes = item.get_closest_marker("crossrun_crashes")
    if not marks and crashes is None and \
            not config.getoption("crossrun_isolate"):
        return None
    timeout = config.getoption("crossrun_timeout")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    for m in marks:
        value = m.kwargs.get("timeout", m.args[0] if m.args else None)
        if value is not None:
            timeout = float(value)
            break
    return timeout, (crashes.args[0] if crashes is not None else None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    yield
    _pytest_isolate.end_of_run()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    spec = _isolation(item)
    if spec is None:
        # It runs here: later isolated tests must see what it changed.
        _pytest_isolate.ran_here()
        return None
    timeout, crashes = spec
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = _pytest_isolate.run_test(item, timeout, crashes)
    # The parent tears down what it set up and the next test does not
    # need, as runtestprotocol would have; an error there is the test's
    # teardown error, unless the child already reported one.
    from _pytest.runner import CallInfo
    td = CallInfo.from_call(
        lambda: _pytest_isolate.teardown_to(item, nextitem),
        when="teardown")
    if hasattr(item, "_request"):
        item._request = False
        item.funcargs = None
    if td.excinfo is not None and not any(
            rep.when == "teardown" and rep.failed for rep in reports):
        reports = [rep for rep in reports if rep.when != "teardown"]
        reports.append(ihook.pytest_runtest_makereport(item=item, call=td))
    _pytest_isolate.add_parent_sections(item, reports)
    for rep in reports:
        ihook.pytest_runtest_logreport(report=rep)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
