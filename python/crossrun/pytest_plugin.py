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

1. parent: gc.freeze() (the child's GC then never touches, and so never
   copies, the parent's objects), then run_isolated forks;
2. child: pytest's own fd capture is switched off, so everything written
   to fd 1 and 2 (Python and C alike) goes to the supervisor's pipes and
   survives a crash; runtestprotocol(item, log=False) runs; the reports
   go back as JSON;
3. parent: gc.unfreeze(); the reports are rebuilt (or made up from the
   IsolatedResult when there are none), the captured output is added as
   "Captured stdout/stderr call" sections, and the reports are logged
   through pytest_runtest_logreport, so the terminal, --junitxml, -x,
   --lf and pytest-xdist see them like any other test's.
"""

import functools
import gc
import json
import signal
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

def _register_fixtures(collector, fixtures, bind=None):
    """Register crossrun FixtureDefs as pytest fixtures visible under
    `collector`. `bind` is an instance for fixtures that are methods."""
    from _pytest.fixtures import FixtureFunctionMarker
    holder = types.SimpleNamespace()
    for name, fd in fixtures.items():
        func = fd.func
        marker = getattr(func, "_pytestfixturefunction", None)
        if marker is None:
            marker = FixtureFunctionMarker(scope=fd.scope, params=None,
                                           autouse=fd.autouse,
                                           name=fd.name)
            # Also keeps pytest from collecting it as a test.
            func._pytestfixturefunction = marker
        setattr(holder, name, func if bind is None else func.__get__(bind))
    if fixtures:
        collector.session._fixturemanager.parsefactories(holder,
                                                         collector.nodeid)


def _class_fixtures(cls):
    found = {}
    for klass in reversed(cls.__mro__):
        for obj in list(klass.__dict__.values()):
            fd = getattr(obj, _api.FIXTURE_ATTR, None)
            if isinstance(fd, _api.FixtureDef):
                found[fd.name] = fd
    return found


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
    call per collector registers that collector's crossrun fixtures and
    class marks; each call converts the marks of its function once."""
    node_obj = collector.obj
    if not collector.__dict__.get("_crossrun_seen"):
        collector.__dict__["_crossrun_seen"] = True
        if isinstance(collector, pytest.Module):
            _register_fixtures(collector, _collect._module_fixtures(node_obj))
        elif isinstance(collector, pytest.Class):
            fixtures = _class_fixtures(node_obj)
            if fixtures:
                _register_fixtures(collector, fixtures, node_obj())
            for pm in _pytest_marks(_collect._class_marks(node_obj)):
                collector.add_marker(pm)
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


# -- crossrun.skip / fail / xfail become pytest's ------------------------------

def _as_pytest_outcome(exc):
    """The pytest outcome exception for a crossrun one, raised and caught
    so that it has a traceback; None when `exc` is not crossrun's."""
    try:
        if isinstance(exc, _api.Skipped):
            pytest.skip(exc.msg)
        elif isinstance(exc, _api.XFailed):
            pytest.xfail(exc.msg)
        elif isinstance(exc, _api.Failed):
            pytest.fail(exc.msg, pytrace=False)
        else:
            return None
    except BaseException:
        from _pytest._code import ExceptionInfo
        return ExceptionInfo.from_current()
    return None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    if call.excinfo is not None:
        converted = _as_pytest_outcome(call.excinfo.value)
        if converted is not None:
            call.excinfo = converted
    yield


# -- the crossrun_lib fixture ---------------------------------------------------

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


def _child(item, nextitem):
    """Runs in the forked child; returns the serialized reports."""
    try:
        _quiet_capture(item.config)
        reports = runtestprotocol(item, log=False, nextitem=nextitem)
        hook = item.config.hook
        data = [hook.pytest_report_to_serializable(config=item.config,
                                                   report=rep)
                for rep in reports]
        return json.dumps({"reports": data}, default=repr).encode()
    except BaseException:
        return json.dumps({"internal": traceback.format_exc()}).encode()


def _signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


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
    rules, which these follow)."""
    crash = _trim_stack(r.crash.strip())
    if r.timed_out:
        return _made_up(item, "failed", _longrepr(
            item, "timed out after %g s" % timeout,
            "Traceback where the test was when it was stopped:\n" + crash
            if crash else None), r.duration)
    if r.signal is not None:
        if crashes == r.signal:
            return _made_up(item, "passed", None, r.duration)
        message = "test process died by %s (signal %d)" % (
            _signal_name(r.signal), r.signal)
        reason = _xfail_reason(item)
        if reason is not None and crashes is None:
            return _made_up(item, "skipped", None, r.duration,
                            wasxfail=(reason + ": " if reason else "")
                            + message)
        return _made_up(item, "failed", _longrepr(item, message,
                                                  crash or None),
                        r.duration)
    if internal is not None:
        return _made_up(item, "failed", _longrepr(
            item, "crossrun: the isolated test could not report", internal),
            r.duration)
    if reports is None:
        return _made_up(item, "failed", _longrepr(
            item, "test process exited with status %s before the test "
            "finished" % r.exitcode, crash or None), r.duration)
    if crashes is not None:
        for i, rep in enumerate(reports):
            if rep.when == "call" and rep.passed:
                new = _report(item, "call", "failed", _longrepr(
                    item, "expected the test to die by %s, but it finished"
                    % _signal_name(crashes), None), rep.duration)
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
        text = data.decode("utf-8", "replace")
        if cut:
            text += "\n[crossrun: %d more bytes of output cut]\n" % cut
        target.sections.append(("Captured %s %s" % (name, target.when),
                                text))


def _run_isolated(item, nextitem, timeout, crashes):
    config = item.config
    capture = config.getoption("capture", "fd") != "no"
    gc.freeze()
    try:
        r = _native.run_isolated(functools.partial(_child, item, nextitem),
                                 timeout=timeout, capture=capture)
    finally:
        gc.unfreeze()
    reports = internal = None
    if r.report:
        payload = json.loads(r.report)
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
    reports = _run_isolated(item, nextitem, timeout, crashes)
    # What the parent itself set up for earlier tests (not this one) is
    # torn down here, as runtestprotocol would have.
    from _pytest.runner import CallInfo
    td = CallInfo.from_call(
        lambda: item.session._setupstate.teardown_exact(nextitem),
        when="teardown")
    if td.excinfo is not None:
        reports = [rep for rep in reports if rep.when != "teardown"]
        reports.append(ihook.pytest_runtest_makereport(item=item, call=td))
    for rep in reports:
        ihook.pytest_runtest_logreport(report=rep)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
