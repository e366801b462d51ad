"""The crossrun pytest plugin: crossrun's isolation and test API in pytest.

Load it with `pytest -p crossrun.pytest_plugin` (an installed crossrun
registers it as a `pytest11` entry point). It gives pytest:

- isolation: a test marked `@pytest.mark.isolated` (or
  `isolated(timeout=S)`), or every test under `--crossrun-isolate`, runs
  its whole runtestprotocol (setup, call, teardown) in a child forked by
  crossrun's C supervisor (`crossrun._native.run_isolated`). The child
  sends its reports back serialized with pytest's own
  pytest_report_to_serializable hook; the parent logs them. A child that
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

How one isolated test runs (pytest_runtest_protocol below):

1. parent: the collectors above the test and its fixtures of wider
   scope (module, class, session) are set up here, once, as crossrun's
   runner does, so every child inherits them and none tears them down;
   gc.freeze() (the child's GC then never touches, and so never copies,
   the parent's objects); run_isolated forks;
2. child: pytest's own fd capture is switched off, so everything written
   to fd 1 and 2 (Python and C alike) goes to the supervisor's pipes and
   survives a crash; runtestprotocol(item, log=False) runs setup, call
   and teardown of the test's own (function-scoped) fixtures; the reports
   go back pickled (tuples stay tuples, as pytest-xdist keeps them);
3. parent: gc.unfreeze(); the reports are rebuilt (or made up from the
   IsolatedResult when there are none), the captured output is added as
   "Captured stdout/stderr call" sections; what the next test does not
   share is torn down (teardown_exact, as pytest does after each test);
   the reports are logged through pytest_runtest_logreport, so the
   terminal, --junitxml, -x, --lf and pytest-xdist see them like any
   other test's.
"""

import functools
import gc
import os
import pickle
import sys
import traceback
import types

import pytest
from _pytest._code.code import (ExceptionChainRepr, ReprEntryNative,
                                ReprFileLocation, ReprTraceback)
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol

import crossrun
from crossrun import _api, _collect, _native

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


def _quiet_capture(config):
    """In the child: stop pytest's global capture, so fd 1 and 2 stay the
    supervisor's pipes (output survives a crash), with Python's streams
    flushed at each line."""
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None and capman._global_capturing is not None:
        # Replaced, not stopped: stopping would dup the saved terminal
        # back onto fd 1 and 2. It is suspended while no test runs, so
        # sys.stdout/sys.stderr are the real streams here.
        from _pytest.capture import MultiCapture
        capman._global_capturing = MultiCapture(in_=None, out=None,
                                                err=None)
    import sys
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except Exception:
            pass


class _Boundary:
    """The child's stand-in for the next item: teardown_exact() stops at
    its chain, so the child tears down only what belongs to the test
    itself (its function-scoped fixtures) and leaves the collectors and
    higher-scoped fixtures to the parent, which set them up."""

    def __init__(self, item):
        self._chain = item.listchain()[:-1]

    def listchain(self):
        return self._chain


def _setup_outer(item):
    """In the parent: set up the collectors above `item` (session, module,
    class) and its fixtures of wider than function scope, as pytest
    would for its setup, so that they are set up once and every child
    inherits them. A failure is left where pytest keeps it (the setup
    state, the fixture's cached result), for the child to report."""
    from _pytest.outcomes import TEST_OUTCOME
    from _pytest.skipping import evaluate_skip_marks
    caught = TEST_OUTCOME + (_api.OutcomeException,)
    try:
        if evaluate_skip_marks(item) is not None:
            return
    except caught:
        return
    state = item.session._setupstate
    for col in item.listchain()[:-1]:
        if col in state.stack:
            if state.stack[col][1] is not None:
                return
            continue
        state.stack[col] = ([col.teardown], None)
        try:
            col.setup()
        except TEST_OUTCOME as exc:
            state.stack[col] = (state.stack[col][0], exc)
            return
    info = getattr(item, "_fixtureinfo", None)
    if info is None or not hasattr(item, "_request"):
        return
    if not item._request:
        item._initrequest()
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if not defs or defs[-1].scope == "function":
            continue
        try:
            item._request.getfixturevalue(name)
        except caught:
            # A failed request leaves the request's lookup state behind;
            # the child starts from a fresh one and meets the cached
            # failure (or the same error) where pytest reports it.
            item._initrequest()
            return


def _child(item):
    """Runs in the forked child; returns the pickled reports."""
    try:
        _quiet_capture(item.config)
        reports = runtestprotocol(item, log=False, nextitem=_Boundary(item))
        hook = item.config.hook
        data = [hook.pytest_report_to_serializable(config=item.config,
                                                   report=rep)
                for rep in reports]
        try:
            return pickle.dumps({"reports": data}, pickle.HIGHEST_PROTOCOL)
        except Exception:
            # Something a test put in user_properties does not pickle.
            for d in data:
                d["user_properties"] = [
                    (str(k), repr(v)) for k, v in d.get("user_properties", ())]
            return pickle.dumps({"reports": data}, pickle.HIGHEST_PROTOCOL)
    except BaseException:
        return pickle.dumps({"internal": traceback.format_exc()})


_HARNESS = ("/_pytest/", "/pluggy/", "/crossrun/pytest_plugin.py",
            "<frozen runpy>", "/pytest/__main__.py", "/xdist/", "/execnet/")


def _trim_stack(text):
    """The crash text without the Python frames of pytest's own machinery
    (faulthandler prints the whole stack, most recent call first: from
    the first harness frame down, the frames are pytest's)."""
    out = []
    omitted = 0
    in_stack = False
    for line in text.splitlines():
        if line.startswith('  File "'):
            if in_stack and any(h in line for h in _HARNESS):
                in_stack = False
            if not in_stack:
                omitted += 1
                continue
        else:
            if omitted:
                out.append("  (%d frames of pytest omitted)" % omitted)
                omitted = 0
            in_stack = line.rstrip().endswith("(most recent call first):")
        out.append(line)
    if omitted:
        out.append("  (%d frames of pytest omitted)" % omitted)
    return "\n".join(out)


def _longrepr(item, message, detail):
    """A failure representation whose crash line is `message` (what
    --junitxml puts in the message attribute) and whose text is the
    message followed by `detail`; it serializes for pytest-xdist."""
    text = message + "\n" + ("\n" + detail.rstrip("\n") + "\n"
                             if detail else "")
    path, lineno, _ = item.location
    entry = ReprEntryNative(text.splitlines(keepends=True))
    crash = ReprFileLocation(path, (lineno or 0) + 1, message)
    return ExceptionChainRepr([(ReprTraceback([entry], None, "native"),
                                crash, None)])


def _report(item, when, outcome="passed", longrepr=None, duration=0.0):
    return TestReport(item.nodeid, item.location,
                      {k: 1 for k in item.keywords}, outcome, longrepr,
                      when, [], duration, list(item.user_properties))


def _made_up(item, outcome, longrepr, duration, wasxfail=None):
    """setup/call/teardown reports for a child that sent none."""
    call = _report(item, "call", outcome, longrepr, duration)
    if wasxfail is not None:
        call.wasxfail = wasxfail
    return [_report(item, "setup"), call, _report(item, "teardown")]


def _xfail_reason(item):
    from _pytest.skipping import evaluate_xfail_marks
    try:
        xf = evaluate_xfail_marks(item)
    except Exception:
        return None
    return xf.reason if xf is not None else None


def _judge(item, r, timeout, crashes, reports, internal):
    """The reports of one isolated run (see _worker._judge for the runner's
    rules, which these follow, in the runner's words: _native.verdict)."""
    kind, type_, message, head = _native.verdict(r, timeout, crashes)
    crash = _trim_stack(r.crash.strip())
    if kind == "passed":
        return _made_up(item, "passed", None, r.duration)
    if kind in ("timeout", "crash"):
        reason = _xfail_reason(item)
        if reason is not None and (kind == "timeout" or crashes is None):
            return _made_up(item, "skipped", None, r.duration,
                            wasxfail=(reason + ": " if reason else "")
                            + message)
        return _made_up(item, "failed", _longrepr(
            item, message, head + crash if crash else None), r.duration)
    if internal is not None:
        return _made_up(item, "failed", _longrepr(
            item, "crossrun: the isolated test could not report", internal),
            r.duration)
    if reports is None:
        return _made_up(item, "failed", _longrepr(item, message,
                                                  crash or None), r.duration)
    if message:
        # It was to die by a signal, and finished.
        for i, rep in enumerate(reports):
            if rep.when == "call" and rep.passed:
                new = _report(item, "call", "failed",
                              _longrepr(item, message, None), rep.duration)
                new.sections = rep.sections
                reports[i] = new
    return reports


def _add_output(reports, r):
    """Add the child's captured fd 1/2 to the call report (or the first
    failed one, else the last) as pytest's capture sections."""
    target = None
    for rep in reports:
        if rep.when == "call":
            target = rep
            break
    if target is None:
        failed = [rep for rep in reports if rep.failed]
        target = failed[0] if failed else reports[-1]
    for name, data, cut in (("stdout", r.stdout, r.stdout_cut),
                            ("stderr", r.stderr, r.stderr_cut)):
        if not data and not cut:
            continue
        text = (data + _native.cut_note(cut)).decode("utf-8", "replace")
        target.sections.append(("Captured %s %s" % (name, target.when),
                                text))


_crash_reports_ready = False


def _enable_crash_reports():
    """Set the crash handlers up once in this process, on a copy of its
    stderr: each child then only points that descriptor at its own crash
    pipe, instead of setting the handlers up again (which costs more than
    the fork)."""
    global _crash_reports_ready
    if not _crash_reports_ready:
        _crash_reports_ready = True
        try:
            fd = os.dup(sys.__stderr__.fileno())
        except (AttributeError, OSError, ValueError):
            return
        os.set_inheritable(fd, False)
        _native.enable_crash_reports(fd)


def _run_isolated(item, timeout, crashes):
    config = item.config
    capture = config.getoption("capture", "fd") != "no"
    _enable_crash_reports()
    _setup_outer(item)
    gc.freeze()
    try:
        r = _native.run_isolated(functools.partial(_child, item),
                                 timeout=timeout, capture=capture)
    finally:
        gc.unfreeze()
    reports = internal = None
    if r.report:
        payload = pickle.loads(r.report)
        internal = payload.get("internal")
        if internal is None:
            reports = [config.hook.pytest_report_from_serializable(
                config=config, data=d) for d in payload["reports"]]
    reports = _judge(item, r, timeout, crashes, reports, internal)
    _add_output(reports, r)
    return reports


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    spec = _isolation(item)
    if spec is None:
        return None
    timeout, crashes = spec
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = _run_isolated(item, timeout, crashes)
    # The parent tears down what it set up and the next test does not
    # need, as runtestprotocol would have; an error there is the test's
    # teardown error, unless the child already reported one.
    from _pytest.runner import CallInfo
    td = CallInfo.from_call(
        lambda: item.session._setupstate.teardown_exact(nextitem),
        when="teardown")
    if hasattr(item, "_request"):
        item._request = False
        item.funcargs = None
    if td.excinfo is not None and not any(
            rep.when == "teardown" and rep.failed for rep in reports):
        reports = [rep for rep in reports if rep.when != "teardown"]
        reports.append(ihook.pytest_runtest_makereport(item=item, call=td))
    for rep in reports:
        ihook.pytest_runtest_logreport(report=rep)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
