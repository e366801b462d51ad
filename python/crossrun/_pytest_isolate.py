"""The pytest plugin's isolation, parent side: one test in a Chain child.

How one isolated test runs (run_test, from the plugin's
pytest_runtest_protocol):

1. parent: the collectors above the test and its fixtures of wider scope
   (module, class, session) are set up here, once, as pytest does
   (setup_outer). When that made anything new, the chain is reset: its
   next child is then forked from this process as it is now, so every
   child has the wider fixtures' values and none tears them down;
2. child: a copy of the parent at the chain's snapshot, made while the
   test before ran (and while it waited, it copied the pages that the
   first test of the snapshot wrote: Chain's prefault), runs the test's
   protocol and sends its report in one write (_pytest_child.py);
3. parent: the reports are made from what the child sent (a plain pass
   is three durations; pytest makes its own reports from them), or from
   what the supervisor saw when the child died, hung or exited (judge);
   the child's fd 1/2 become the "Captured stdout/stderr" sections; what
   the next test does not share is torn down here (teardown_exact, as
   pytest does after each test); the reports are logged through
   pytest_runtest_logreport, so the terminal, --junitxml, -x, --lf and
   pytest-xdist see them like any other test's.

A test whose index the chain does not know (an item that is not in
session.items), and every test under `-s`, runs in a child forked for it
alone (run_isolated), which is slower but the same otherwise.
"""

import os
import sys
import traceback

from _pytest._code.code import (ExceptionChainRepr, ReprEntryNative,
                                ReprFileLocation, ReprTraceback)
from _pytest.reports import TestReport

from crossrun import _api, _native, _pytest_child


# -- the wider fixtures, in the parent ----------------------------------------

def _wider_fixturedefs(item):
    """The FixtureDefs of wider than function scope that item uses."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None or not hasattr(item, "_request"):
        return []
    out = []
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if defs and defs[-1].scope != "function":
            out.append(defs[-1])
    return out


def _outer_ready(item, defs):
    """True when all of item's collectors are set up and its wider
    fixtures cached with no parameter (nothing for setup_outer to do)."""
    stack = item.session._setupstate.stack
    for col in item.listchain()[:-1]:
        if col not in stack:
            return False
    return all(d.cached_result is not None and d.params is None
               for d in defs)


def _compute_outer(item, defs):
    """Set up item's collectors and wider fixtures (see setup_outer)."""
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
    if not defs:
        return
    if not item._request:
        item._initrequest()
    # A unittest class fixture (setUpClass) is a method of the TestCase:
    # pytest binds it to the instance of the test it sets up first.
    unittest_case = hasattr(item, "_testcase") and item._testcase is None
    if unittest_case:
        item._testcase = item.parent.obj(item.name)
    try:
        for d in defs:
            try:
                item._request.getfixturevalue(d.argname)
            except caught:
                # A failed request leaves the request's lookup state
                # behind; the child starts from a fresh one and meets the
                # cached failure where pytest reports it.
                item._initrequest()
                return
    finally:
        if unittest_case:
            item._testcase = None


def setup_outer(item):
    """In the parent: set up the collectors above `item` (session, module,
    class) and its fixtures of wider than function scope, as pytest
    would for its setup, so that they are set up once and every child
    inherits them. A failure is left where pytest keeps it (the setup
    state, the fixture's cached result), for the child to report. Output
    goes where pytest's capture of the setup puts it. Returns True when
    anything was set up (or set up again) that earlier children lack."""
    defs = _wider_fixturedefs(item)
    if _outer_ready(item, defs):
        return False
    stack = item.session._setupstate.stack
    before = [d.cached_result for d in defs]
    had = [col for col in item.listchain()[:-1] if col in stack]
    capman = item.config.pluginmanager.getplugin("capturemanager")
    if capman is not None and capman._global_capturing is not None:
        with capman.item_capture("setup", item):
            _compute_outer(item, defs)
        # Kept out of the item that children copy: the parent adds them
        # (add_parent_sections).
        _state.sections.extend(item._report_sections)
        item._report_sections = []
    else:
        _compute_outer(item, defs)
    now = [col for col in item.listchain()[:-1] if col in stack]
    # A collector that a child can set up itself (its setup does nothing)
    # is not new state: only the fixtures and other setups are.
    from _pytest.nodes import Node
    new_setup = any(type(col).setup is not Node.setup
                    for col in now if col not in had)
    return new_setup or any(a is not b for a, b in zip(
        before, [d.cached_result for d in defs]))


# -- the chain ------------------------------------------------------------------

class _State:
    """The plugin's isolation state in one pytest process."""

    def __init__(self):
        self.chain = None
        self.items = None        # the list the chain's jobs index
        self.index = {}          # id(item) -> its index in items
        self.crash_ready = False
        self.config = None       # the config of the test being run
        self.session = None
        self.warm = False        # warm_up ran in this process
        # Something ran in this process since the chain's snapshot that
        # its children would not see (a test run here, a teardown).
        self.dirty = False
        # (when, key, text) that the parent's capture of the current
        # test's setup took (see add_parent_sections).
        self.sections = []


_state = _State()


def _job(k):
    """A chain child's work: run test `k`; the report's bytes."""
    try:
        return _pytest_child.run_item(_state.items[k])
    except BaseException:
        return _pytest_child.internal_error(traceback.format_exc())


def _enable_crash_reports():
    """Set the crash handlers up once in this process, on a copy of its
    stderr: each child then only points that descriptor at its own crash
    pipe, instead of setting the handlers up again (which costs more than
    the fork)."""
    if _state.crash_ready:
        return
    _state.crash_ready = True
    try:
        fd = os.dup(sys.__stderr__.fileno())
    except (AttributeError, OSError, ValueError):
        return
    os.set_inheritable(fd, False)
    _native.enable_crash_reports(fd)
    # pytest-cov's --cov (or --crossrun-cov): each child saves its data.
    from crossrun import _coverage
    _coverage.keep_in_children()


def _chain_index(item):
    """item's index for the chain (making the chain, or a new one when
    session.items changed), or None when item is not in session.items."""
    items = getattr(item.session, "items", None)
    k = _state.index.get(id(item))
    if k is not None and _state.items is items and k < len(items) and \
            items[k] is item:
        return k
    if not isinstance(items, list):
        return None
    # A new list, or one changed in place: the children's copy is stale.
    reset()
    _state.items = items
    _state.index = {id(it): i for i, it in enumerate(items)}
    k = _state.index.get(id(item))
    return k if k is not None and items[k] is item else None


def ran_here():
    """Say that code ran in this process that the chain's children, made
    from an earlier snapshot, have not seen (a test that is not isolated,
    a teardown): the next isolated test takes a new snapshot."""
    _state.dirty = True


def teardown_to(item, nextitem):
    """pytest's teardown after `item` (teardown_exact) in this process;
    marks the chain stale (ran_here) when it ran more than collectors'
    teardowns that do nothing."""
    from _pytest.nodes import Node
    state = item.session._setupstate
    keep = set(nextitem.listchain()) if nextitem is not None else set()
    for col, (finalizers, _) in state.stack.items():
        if col not in keep and (len(finalizers) > 1 or
                                type(col).teardown is not Node.teardown):
            break
    else:
        state.teardown_exact(nextitem)
        return
    ran_here()
    capman = item.config.pluginmanager.getplugin("capturemanager")
    if capman is None or capman._global_capturing is None:
        state.teardown_exact(nextitem)
        return
    # What it prints goes to the test's teardown sections, as in pytest.
    with capman.item_capture("teardown", item):
        state.teardown_exact(nextitem)


_PHASES = {"setup": 0, "call": 1, "teardown": 2}


def add_parent_sections(item, reports):
    """Add what the parent's setup and teardown of `item` printed (pytest's
    capture took it) to the reports, as pytest does: each report has the
    sections of its phase and of the phases before it."""
    taken = _state.sections + item._report_sections
    _state.sections = []
    item._report_sections = []
    if not taken:
        return
    for rep in reports:
        phase = _PHASES.get(rep.when, 2)
        own = [("Captured %s %s" % (key, when), content)
               for when, key, content in taken
               if _PHASES.get(when, 2) <= phase]
        # The parent's setup came before the child's output, its teardown
        # after.
        first = [sec for sec in own if not sec[0].endswith(" teardown")]
        last = [sec for sec in own if sec[0].endswith(" teardown")]
        rep.sections[:0] = first
        rep.sections.extend(last)


def reset():
    """Drop the chain's waiting children (new state that they lack); the
    next run takes a new snapshot."""
    if _state.chain is not None:
        _state.chain.reset()


def end_of_run():
    """The run is over: no waiting child outlives it, and nothing of this
    session is kept for the next (pytester runs several in one
    process)."""
    reset()
    _state.items = None
    _state.index = {}
    _state.config = _state.session = None
    _state.sections = []
    _state.dirty = False


def _run_child(item, timeout, fresh):
    """The IsolatedResult of item's run in a child."""
    capture = item.config.getoption("capture", "fd") != "no"
    k = _chain_index(item) if capture else None
    if k is None:
        return _native.run_isolated(lambda: _job_of(item), timeout=timeout,
                                    capture=capture)
    if _state.chain is None:
        _state.chain = _native.Chain(_job, _snapshot, prefault=True)
    elif fresh or _state.dirty:
        _state.chain.reset()
    _state.dirty = False
    _state.config = item.config
    _state.session = item.session
    try:
        return _state.chain.run(k, timeout=timeout,
                                left=len(_state.items) - k - 1)
    finally:
        _pytest_child.undo_quiet_capture()


def _snapshot():
    """Called by the chain just before it forks the copy of this process
    that its children are made from: what every child would do first is
    done here, once (see _pytest_child.quiet_capture)."""
    _pytest_child.quiet_capture(_state.config)
    try:
        # The first time enough for the interpreter to specialize the
        # code (it does after some calls), then once per snapshot.
        _pytest_child.warm_up(_state.session, 1 if _state.warm else 12)
        _state.warm = True
    except Exception:
        # A plugin that does not take the stand-in test: no warm-up.
        _state.warm = True


def _job_of(item):
    try:
        return _pytest_child.run_item(item)
    except BaseException:
        return _pytest_child.internal_error(traceback.format_exc())


# -- the reports -----------------------------------------------------------------

_HARNESS = ("/_pytest/", "/pluggy/", "/crossrun/pytest_plugin.py",
            "/crossrun/_pytest_isolate.py", "/crossrun/_pytest_child.py",
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


def _report(item, when, outcome="passed", longrepr=None, duration=0.0,
            keywords=None):
    return TestReport(item.nodeid, item.location,
                      keywords if keywords is not None
                      else {k: 1 for k in item.keywords},
                      outcome, longrepr, when, [], duration,
                      item.user_properties)


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


def _sent_reports(item, data):
    """The reports of what a child sent (see _pytest_child.decode), or a
    made-up failure when it is not a report."""
    config = item.config
    try:
        kind, payload = _pytest_child.decode(data)
    except _pytest_child.BadReport as exc:
        return _made_up(item, "failed", _longrepr(
            item, "the test process sent an unreadable result",
            str(exc)), 0.0)
    if kind == "plain":
        keywords = {k: 1 for k in item.keywords}
        return [_report(item, when, duration=d, keywords=keywords)
                for when, d in zip(("setup", "call", "teardown"), payload)]
    if kind == "internal":
        return _made_up(item, "failed", _longrepr(
            item, "crossrun: the isolated test could not report", payload),
            0.0)
    keywords = {k: 1 for k in item.keywords}
    reports = []
    for d in payload["reports"]:
        d.update(nodeid=item.nodeid, location=item.location,
                 keywords=keywords)
        d.setdefault("$report_type", "TestReport")
        # JSON has no tuples: pytest reads a skip's (path, line, reason)
        # and the sections as tuples.
        if isinstance(d.get("longrepr"), list):
            d["longrepr"] = tuple(d["longrepr"])
        for key in ("sections", "user_properties"):
            if isinstance(d.get(key), list):
                d[key] = [tuple(x) if isinstance(x, list) else x
                          for x in d[key]]
        reports.append(config.hook.pytest_report_from_serializable(
            config=config, data=d))
    for w in payload["warnings"]:
        item.ihook.pytest_warning_recorded.call_historic(kwargs=dict(
            warning_message=_pytest_child.warning_message(w),
            nodeid=item.nodeid, when="runtest", location=None))
    return reports


def judge(item, r, timeout, crashes):
    """The reports of one isolated run (see _worker._judge for the
    runner's rules, which these follow, in the runner's words:
    _native.verdict)."""
    kind, _, message, head = _native.verdict(r, timeout, crashes)
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
    if kind == "exit":
        return _made_up(item, "failed", _longrepr(item, message,
                                                  crash or None), r.duration)
    reports = _sent_reports(item, r.report)
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
    if not (r.stdout or r.stderr or r.stdout_cut or r.stderr_cut):
        return
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


def run_test(item, timeout, crashes):
    """Run item isolated (see the module's docstring, steps 1 to 3, up to
    the teardown in the parent); its reports."""
    _enable_crash_reports()
    fresh = setup_outer(item)
    r = _run_child(item, timeout, fresh)
    reports = judge(item, r, timeout, crashes)
    _add_output(reports, r)
    return reports
