"""What an isolated pytest test runs in its child, and the report it sends.

The pytest plugin (pytest_plugin.py, _pytest_isolate.py) runs each
isolated test in a child of a crossrun Chain: a copy of the pytest process
as it was at the chain's snapshot, which may be some tests old. The child
(run_item):

1. has pytest's global fd capture stopped (the parent stopped it for the
   snapshot, see quiet_capture), so everything written to fd 1 and 2
   goes to the supervisor's pipes and survives a crash;
2. drops from its setup state the collectors that are not the test's (the
   snapshot may still hold those of an earlier test: the parent set them
   up and tears them down, not the child);
3. runs pytest's runtestprotocol for the test (setup, call, teardown of
   its function-scoped fixtures; the wider ones are cached in the
   snapshot), under the test's own warning filters;
4. returns its report as bytes (encode), which the supervisor sends in
   the one write that says the child is done.

The report (decode reads it back in the parent; a test can write to any
descriptor, so nothing in it is trusted and it is never unpickled):
  b"P" DURATION DURATION DURATION   three phases that passed plainly
                                    (no output sections, no extras),
                                    durations separated by spaces
  b"J" JSON                         anything else: pytest's own
                                    serializable form of each report
                                    (pytest_report_to_serializable, as
                                    pytest-xdist sends them), without what
                                    the parent knows (node id, location,
                                    keywords), and the warnings recorded.
"""

import json
import warnings

from _pytest.runner import runtestprotocol

# The attributes of a TestReport that a plain pass has and the parent can
# make up itself (see _pytest.reports.TestReport.__init__).
_PLAIN_KEYS = frozenset(("nodeid", "location", "keywords", "outcome",
                         "longrepr", "when", "user_properties", "sections",
                         "duration"))
_PARENT_KEYS = ("nodeid", "location", "keywords")


class _Boundary:
    """The child's stand-in for the next item: teardown_exact() stops at
    its chain, so the child tears down only what belongs to the test
    itself (its function-scoped fixtures) and leaves the collectors and
    wider fixtures to the parent, which set them up."""

    def __init__(self, chain):
        self._chain = chain

    def listchain(self):
        return self._chain


class _WarningSink:
    """Stands for the item's hooks in catch_warnings_for_item: keeps the
    warnings it records, for the report (the child's own hooks would
    record them where nobody reads)."""

    def __init__(self):
        self.got = []
        self.pytest_warning_recorded = self

    def call_historic(self, kwargs):
        self.got.append(kwargs["warning_message"])


# The undo of quiet_capture while it holds in this process, else None.
_quiet_undo = None


def quiet_capture(config):
    """Stop pytest's global capture, so fd 1 and 2 stay the supervisor's
    pipes, with Python's streams flushed at each line. The parent does it
    just before a chain's snapshot (each child then inherits it instead
    of doing it: every page a child writes to is copied), and undoes it
    right after (undo_quiet_capture)."""
    global _quiet_undo
    import sys
    if _quiet_undo is not None:
        return
    capman = config.pluginmanager.getplugin("capturemanager")
    saved = None
    if capman is not None and capman._global_capturing is not None:
        # Replaced, not stopped: stopping would dup the saved terminal
        # back onto fd 1 and 2. It is suspended while no test runs, so
        # sys.stdout/sys.stderr are the real streams here.
        from _pytest.capture import MultiCapture
        saved = capman._global_capturing
        capman._global_capturing = MultiCapture(in_=None, out=None,
                                                err=None)
    buffering = []
    for stream in (sys.stdout, sys.stderr):
        try:
            buffering.append((stream, stream.line_buffering))
            stream.reconfigure(line_buffering=True)
        except Exception:
            pass
    _quiet_undo = (capman, saved, buffering)


def undo_quiet_capture():
    """Put back what quiet_capture changed."""
    global _quiet_undo
    if _quiet_undo is None:
        return
    capman, saved, buffering = _quiet_undo
    _quiet_undo = None
    if saved is not None:
        capman._global_capturing = saved
    for stream, line_buffering in buffering:
        try:
            stream.reconfigure(line_buffering=line_buffering)
        except Exception:
            pass


def _own_setup_state(item, chain):
    """Drop the collectors of the setup state that are not in `chain`
    (item's collectors): the snapshot may hold an earlier test's."""
    stack = item.session._setupstate.stack
    for col in [c for c in stack if c not in chain]:
        del stack[col]


def _is_plain(rep):
    return (rep.outcome == "passed" and rep.longrepr is None
            and not rep.sections and not rep.user_properties
            and rep.__dict__.keys() <= _PLAIN_KEYS)


def _warning_data(w):
    cat = w.category
    return [str(w.message), cat.__module__, cat.__qualname__,
            str(w.filename), w.lineno]


def encode(config, reports, recorded):
    """The bytes of the report of `reports` and the warnings `recorded`
    (see the module's docstring)."""
    if not recorded and len(reports) == 3 and all(map(_is_plain, reports)):
        return b"P" + b" ".join(b"%r" % rep.duration for rep in reports)
    data = []
    for rep in reports:
        d = config.hook.pytest_report_to_serializable(config=config,
                                                      report=rep)
        for key in _PARENT_KEYS:
            d.pop(key, None)
        data.append(d)
    out = {"reports": data, "warnings": [_warning_data(w) for w in recorded]}
    try:
        text = json.dumps(out)
    except (TypeError, ValueError):
        # Something a test put in user_properties is not plain data.
        for d in data:
            d["user_properties"] = [(str(k), repr(v)) for k, v in
                                    d.get("user_properties", ())]
        text = json.dumps(out, default=repr)
    return b"J" + text.encode("utf-8", "surrogateescape")


class BadReport(Exception):
    """What a child sent is not a report (see decode)."""


def decode(data):
    """("plain", [three durations]), ("json", {"reports": [...],
    "warnings": [...]}) or ("internal", text) from the bytes a child
    sent; raises BadReport."""
    try:
        if data.startswith(b"P"):
            durations = [float(x) for x in data[1:].split(b" ")]
            if len(durations) == 3:
                return "plain", durations
        elif data.startswith(b"J"):
            payload = json.loads(data[1:].decode("utf-8",
                                                 "surrogateescape"))
            if isinstance(payload, dict) and \
                    isinstance(payload.get("internal"), str):
                return "internal", payload["internal"]
            if isinstance(payload, dict) and \
                    isinstance(payload.get("reports"), list) and \
                    isinstance(payload.get("warnings"), list) and \
                    all(isinstance(d, dict) for d in payload["reports"]):
                return "json", payload
    except (ValueError, UnicodeDecodeError):
        pass
    raise BadReport(repr(data[:200]))


def run_item(item):
    """Run `item`'s protocol in this child; the report's bytes."""
    from _pytest.warnings import catch_warnings_for_item
    config = item.config
    quiet_capture(config)
    chain = item.listchain()[:-1]
    _own_setup_state(item, chain)
    sink = _WarningSink()
    with catch_warnings_for_item(config, ihook=sink, when="runtest",
                                 item=item):
        reports = runtestprotocol(item, log=False,
                                  nextitem=_Boundary(chain))
    return encode(config, reports, sink.got)


def internal_error(text):
    """The report of a child whose protocol itself raised: a failed call
    with `text`."""
    return b"J" + json.dumps({"internal": text}).encode()


def warning_message(data):
    """A warnings.WarningMessage for what _warning_data made (the category
    found again where the parent has it, else UserWarning)."""
    import sys
    text, module, qualname, filename, lineno = data
    cat = sys.modules.get(module)
    for part in qualname.split("."):
        cat = getattr(cat, part, None)
    if not (isinstance(cat, type) and issubclass(cat, Warning)):
        cat = UserWarning
    try:
        message = cat(text)
    except Exception:
        message = UserWarning(text)
    return warnings.WarningMessage(message, cat, filename, lineno)


def _noop():
    pass


_warm_item = None


def _make_warm_item(session):
    """A test that runs pytest's own path and nothing of the user's: a
    function doing nothing, without fixtures, and with hooks of no
    conftest.py (its path is the file system's root)."""
    import pathlib
    import pytest
    from _pytest.fixtures import FuncFixtureInfo
    item = pytest.Function.from_parent(
        session, name="crossrun_warm_up", callobj=_noop,
        fixtureinfo=FuncFixtureInfo((), (), [], {}))
    item.path = pathlib.Path("/")
    return item


def warm_up(session, times):
    """Run the warm-up test's protocol `times` times in this process (the
    parent, before a chain's snapshot): the interpreter specializes the
    code that every test runs here, once, instead of in each child (every
    page a child writes to is copied)."""
    global _warm_item
    from _pytest.runner import SetupState
    if _warm_item is None or _warm_item.session is not session:
        _warm_item = _make_warm_item(session)
    saved = session._setupstate
    session._setupstate = SetupState()
    try:
        for _ in range(times):
            sink = _WarningSink()
            from _pytest.warnings import catch_warnings_for_item
            with catch_warnings_for_item(session.config, ihook=sink,
                                         when="runtest", item=_warm_item):
                reports = runtestprotocol(_warm_item, log=False,
                                          nextitem=None)
            encode(session.config, reports, sink.got)
    finally:
        session._setupstate = saved
