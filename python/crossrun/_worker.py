"""The worker: runs the tests of one file and reports them to the runner.

The runner forks a worker per test file from a process whose interpreter
is already initialised, and calls run_file(). The worker imports the file
once, collects its tests, and runs each one:

- isolate="test": in a forked child through _native.run_isolated (the C
  supervisor): the child's output is captured there, and a crash, hang or
  exit of the child is a result the worker reports;
- isolate="file": in this process; the runner captures this process's
  output, enforces the timeout, and resumes the file in a fresh worker
  (run_file(start=N)) after a crash.

Reports go to the runner as TAP version 14 on proto_fd (see runner/tap.h),
never on stdout, which belongs to the code under test. Before each piece
of work the worker writes "# begin INDEX TIMEOUT WHO SIGNAL XFAIL ID": WHO
is "child"
when a supervised child runs it, "worker" when this process does, so the
runner knows who enforces the timeout and what was running if the worker
dies.
"""

import atexit
import codecs
import os
import sys
import time

from . import _assert, _collect, _load, _native, _runtest, _spawned, _tb

# Everything this module (and so the worker) imports is in every test's
# process: no json, re, signal or traceback here (see _tb.py).


def _quote(value):
    """A YAML double-quoted value for the protocol: bytes survive as they
    are, except control characters, quotes and backslashes (escaped)."""
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    return _native.quote(value)


def _escape_bytes(e):
    """Codec error handler: a byte of a file name that is not UTF-8 (a
    surrogate of os.fsdecode) is shown as \\xNN, as pytest shows such
    bytes; anything else that cannot be encoded as \\uNNNN."""
    shown = []
    for c in e.object[e.start:e.end]:
        code = ord(c)
        if 0xDC80 <= code <= 0xDCFF:
            shown.append("\\x%02x" % (code - 0xDC00))
        else:
            shown.append("\\u%04x" % code)
    return "".join(shown), e.end


_ESCAPE = "crossrun.escape"
codecs.register_error(_ESCAPE, _escape_bytes)


def _desc(test_id):
    return test_id.replace("\\", "\\\\").replace("#", "\\#")


def _cut_note(data, cut):
    return data + _native.cut_note(cut) if cut else data


class _Emitter:
    """Writes protocol lines to the runner's pipe, whole lines at once.

    A test point waits in `held` until the next write (a "begin" line):
    both go in one write, so the runner wakes once per test. Nothing is
    held while work runs: begin() always writes."""

    def __init__(self, fd):
        self.fd = fd
        self.held = b""

    def write(self, data):
        view = memoryview(self.held + data)
        self.held = b""
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def begin(self, index, timeout, who, test_id, item=None):
        self.write(_begin_line(index, timeout, who, test_id, item))

    def point(self, number, test_id, res, out=b"", err=b"", item=None):
        # What this process wrote so far goes with this result (see
        # runner/outmark.h); results of the C loop (run_plain) need no mark.
        if res["outcome"] != "collected":
            _native.output_mark(number)
        self.held += _point_text(number, test_id, res, out, err, item,
                                 b"%.6f" % res.get("duration", 0.0))


def _begin_line(index, timeout, who, test_id, item=None):
    crashes = item.crashes if item is not None else None
    xfail = item is not None and item.xfail is not None
    return ("# begin %d %g %s %d %d %s\n"
            % (index, timeout or 0, who, crashes or 0, xfail,
               test_id)).encode("utf-8", _ESCAPE)


def _point_text(number, test_id, res, out, err, item, duration):
    """A test point and its YAML block; duration: its text (bytes)."""
    ok = res["outcome"] not in ("failed", "error")
    lines = [b"%sok %d - %s" % (b"" if ok else b"not ", number,
                                _desc(test_id).encode("utf-8", _ESCAPE)),
             b"  ---",
             b"  outcome: " + res["outcome"].encode(),
             b"  duration: " + duration]
    for key in ("type", "message", "detail"):
        if res.get(key):
            lines.append(b"  " + key.encode() + b": " + _quote(res[key]))
    if out:
        lines.append(b"  stdout: " + _quote(out))
    if err:
        lines.append(b"  stderr: " + _quote(err))
    if item is not None:
        lines.append(b"  file: " + _quote(item.file))
        lines.append(b"  line: %d" % (item.line or 0))
    lines.append(b"  ...\n")
    return b"\n".join(lines)


def _judge(item, r, timeout, res=None):
    """The result of a run of item: in a child, from what the supervisor
    saw (r, an IsolatedResult), or in this process (r None), which
    finished with res. The wording is the runner's (_native.verdict)."""
    kind, type_, message, head = _native.verdict(r, timeout, item.crashes)
    if kind == "finished":
        if r is not None:
            res = ({"outcome": "passed"} if r.report == _PASSED
                   else _decode(r.report))
        if message and res["outcome"] in ("passed", "xpassed"):
            # It was to die by a signal (mark.crashes), and finished.
            return {"outcome": "failed", "type": type_, "message": message}
        return res
    if kind == "passed":
        return {"outcome": "passed"}
    if item.xfail is not None and kind != "exit":
        return {"outcome": "xfailed", "message": message}
    crash = r.crash.strip()
    return {"outcome": "failed", "type": type_, "message": message,
            "detail": head + crash if crash else None}


# A plain pass is most results: the child sends it without building and
# encoding a dict (every page a child touches is copied, and that is most
# of what a fork per test costs).
_PASSED = b"P"


def _encode(res):
    """A child's outcome dict as bytes: b"P" for a plain pass, else "R"
    and each key and value (str() of it; None left out) as LENGTH:BYTES."""
    if res.get("outcome") == "passed" and not (
            res.get("type") or res.get("message") or res.get("detail")):
        return _PASSED
    out = [b"R"]
    for key, value in res.items():
        if value is None:
            continue
        for text in (key, value if isinstance(value, str) else str(value)):
            data = text.encode("utf-8", "surrogateescape")
            out.append(b"%d:" % len(data) + data)
    return b"".join(out)


def _decode(report):
    """The outcome a child sent (see _encode), or a failure saying what
    was wrong with it: a test can write to any descriptor it has, so
    nothing in it is trusted (no length beyond the data, no pickle)."""
    fields, i = [], 1
    ok = report.startswith(b"R")
    while ok and i < len(report):
        colon = report.find(b":", i, i + 12)
        ok = colon > i and report[i:colon].isdigit()
        if ok:
            end = colon + 1 + int(report[i:colon])
            ok = end <= len(report)
            fields.append(report[colon + 1:end].decode(
                "utf-8", "surrogateescape"))
            i = end
    res = dict(zip(fields[0::2], fields[1::2]))
    if not ok or len(fields) % 2 or "outcome" not in res:
        return {"outcome": "failed", "type": "protocol",
                "message": "the test process sent an unreadable result",
                "detail": repr(report[:200])}
    return res


_SPECS_AHEAD = 32     # Chain.run_plain specs made at a time


def _plain_spec(index, item, limit):
    """What Chain.run_plain needs to run item and report a plain pass
    without coming back here: (timeout, begin line, the test point's text
    before and after its duration)."""
    head, _, tail = _point_text(index + 1, item.id, {"outcome": "passed"},
                                b"", b"", item, b"\0").partition(b"\0")
    return (float(limit or 0), _begin_line(index, limit, "child", item.id,
                                           item), head, tail)


def _warmup_item(items):
    """A test that runs crossrun's own path (the one most tests take, see
    _job, and a passing rewritten assert) and nothing of the user's: this
    process runs it before the children's snapshot, so the code it runs
    is what they inherit (see Chain)."""
    if not items:
        return None
    warm = _collect.Item.__new__(_collect.Item)
    for name in _collect.Item.__slots__:
        setattr(warm, name, getattr(items[0], name, None))
    warm.func, warm.cls, warm.params = _assert.warm_up, None, {}
    warm.argnames = ()
    warm.fixtures, warm.skip_reason, warm.xfail = {}, None, None
    warm.marks, warm.crashes, warm.timeout = [], None, None
    return warm


def _exit_handler_errors():
    """Run the exit handlers (atexit) that the test file registered, as
    Python runs them when the interpreter that imported it exits (this
    process leaves by os._exit); the outcome dicts of those that raised."""
    if not atexit._ncallbacks():
        return []
    errors = []

    def unraisable(u):
        name = getattr(u.object, "__qualname__", None) or repr(u.object)
        errors.append({"outcome": "error", "type": "teardown",
                       "message": "error in exit handler %s: %s"
                       % (name, _tb.exception_line(u.exc_value)),
                       "detail": _tb.format_exception(u.exc_value)})

    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        atexit._run_exitfuncs()
    finally:
        sys.unraisablehook = hook
    sys.stdout.flush()
    sys.stderr.flush()
    return errors


def _end_file(emit, path, index, timeout, session=None, unmatched=()):
    """The file's end: its module teardown (the fixtures of `session`, if
    any, then the exit handlers) as work numbered `index`, test points
    from index + 1 on for the names selected on the command line that
    match no test (`unmatched`) and for what went wrong in the teardown,
    then "# idle"."""
    teardown_id = path + "::<module teardown>"
    emit.begin(index, timeout, "worker", teardown_id)
    errors = (session.teardown_module() if session is not None else []) + \
        _exit_handler_errors()
    number = index + 1
    for name in unmatched:
        emit.point(number, "%s::%s" % (path, name),
                   {"outcome": "error", "type": "collection",
                    "message": "no test %s in %s (crossrun --collect-only "
                               "%s lists its tests)" % (name, path, path)})
        number += 1
    for err in errors:
        emit.point(number, teardown_id, dict(err, outcome="error"))
        number += 1
    emit.write(b"# idle\n")


def _selected(items, path, select):
    """The items that the names in `select` (one per line: what followed
    "::" in the test ids on the command line) pick, as pytest takes them
    (a function or a class, with all its cases; a method; one case), and
    the names that pick none."""
    names = select.split("\n")
    picked = [False] * len(names)
    cut = len(path) + 2
    out = []
    for item in items:
        rest = item.id[cut:]
        hit = False
        for k, name in enumerate(names):
            if rest == name or rest.startswith(name + "[") or \
                    rest.startswith(name + "::"):
                picked[k] = hit = True
        if hit:
            out.append(item)
    return out, [name for k, name in enumerate(names) if not picked[k]]


def run_file(path, proto_fd, crash_fd, start=0, isolate="test",
             timeout=60.0, keyword=None, collect_only=False, number=None,
             select=None, marks=None):
    """Run (or list) the tests of path, reporting on proto_fd. number: the
    file's place in the run (the precompiler's numbering, see _load);
    select: the names of the tests to run, one per line (see _selected),
    or None for all; keyword, marks: -k and -m."""
    emit = _Emitter(proto_fd)
    worker_pid = os.getpid()
    threads = _spawned.thread_count()   # the worker's own, before the file
    atexit._clear()     # the runner's, if any: not this file's to run
    emit.write(b"TAP version 14\n")
    _native.enable_crash_reports(crash_fd)
    if "CROSSRUN_COV" in os.environ:    # --cov (see _coverage.py)
        from . import _coverage
        _coverage.worker_start()
    emit.begin(-1, timeout, "worker", path)
    t0 = time.monotonic()
    items, error = _collect.collect_file(
        path, _load.precompiled_path(number))
    if error is not None:
        error = dict(error, outcome="error",
                     duration=time.monotonic() - t0)
        emit.point(1, path, error)
        emit.write(b"1..1\n")
        _end_file(emit, path, 1, timeout)
        return
    unmatched = ()
    if select is not None:
        items, unmatched = _selected(items, path, select)
    chosen = items
    if keyword:
        from . import _keyword      # checked by the runner: it reads
        chosen = _keyword.select(chosen, keyword)
    if marks:
        from . import _markexpr     # checked by the runner too
        chosen = _markexpr.select(chosen, marks)
    if len(chosen) < len(items):
        # the runner counts them for the console ("N deselected")
        emit.write(b"# deselected %d\n" % (len(items) - len(chosen)))
    items = chosen
    # What the import printed goes with the first result.
    _native.output_mark(start + 1)
    if collect_only:
        for n, item in enumerate(items, 1):
            emit.point(n, item.id, {"outcome": "collected"}, item=item)
        emit.write(b"1..%d\n" % len(items))
        _end_file(emit, path, len(items), timeout, unmatched=unmatched)
        return
    emit.write(b"1..%d\n" % len(items))
    session = _runtest.Session()
    # The children of a chain are copies of this process as it was when
    # the first of them was forked, and call run_job(index) of that copy:
    # what it needs exists before (and little else: each page of it is
    # copied into every child).
    fast = [session.fast(item) for item in items]
    warm = _warmup_item(items)
    # A fast-path test without arguments is a plain call.
    plain_calls = [item.func if fast[i] and not item.argnames else None
                   for i, item in enumerate(items)]
    call_test = _runtest.call_test
    # --memory-limit and --max-output come from the runner's environment.
    cap = int(os.environ.get("CROSSRUN_MAX_OUTPUT") or 1 << 20)
    memory = [item.memory_limit if item.memory_limit is not None
              else int(os.environ.get("CROSSRUN_MEMORY_LIMIT") or 0)
              for item in items]
    if any(memory):
        from . import _memory

    def run_job(index):
        """Test `index` (-1: the warm-up), in its child: bytes of its
        outcome (see _encode)."""
        if index >= 0 and memory[index]:
            return _encode(_memory.run_limited(memory[index], session.run,
                                               items[index]))
        func = plain_calls[index] if index >= 0 else warm.func
        if func is not None:
            res = call_test(func)
        elif fast[index]:
            res = session.run_fast(items[index])
        else:
            return _encode(session.run(items[index]))
        return _PASSED if res is None else _encode(res)

    chain = _native.Chain(run_job, (lambda: run_job(-1)) if warm else None,
                          close_fd=proto_fd)

    def limit_of(item):
        return item.timeout if item.timeout is not None else timeout

    def report_isolated(index, item, r):
        res = _judge(item, r, limit_of(item))
        if memory[index]:
            res = _memory.crash_note(res, memory[index])
        res["duration"] = r.duration
        if r.report not in (b"", _PASSED) and not _tb.loaded() and \
                res["outcome"] in ("failed", "error"):
            # A test formatted a traceback: let the next children start
            # with what that takes, instead of each loading it.
            _tb.preload()
            chain.reset()
        emit.point(index + 1, item.id, res,
                   _cut_note(r.stdout, r.stdout_cut),
                   _cut_note(r.stderr, r.stderr_cut), item)

    def run_one(index, item):
        limit = limit_of(item)
        if item.skip_reason is not None:
            emit.point(index + 1, item.id, {"outcome": "skipped",
                                            "message": item.skip_reason},
                       item=item)
            return
        t0 = time.monotonic()
        res = None
        if isolate == "file" or not session.module_fixtures_ready(item):
            # New state for the children: they must be forked after it.
            chain.reset()
            emit.begin(index, limit, "worker", item.id, item)
            res = session.setup_module_fixtures(item)
        elif item.fixtures:
            res = session.setup_module_fixtures(item)  # a cached failure?
        if res is not None:
            res = dict(res, duration=time.monotonic() - t0)
            emit.point(index + 1, item.id, res, item=item)
            return
        if isolate == "file":
            res = _memory.run_limited(memory[index], session.run, item) \
                if memory[index] else session.run(item)
            if os.getpid() != worker_pid:
                # A process the test forked returned here: it must not
                # report or run the rest of the file.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)
            res = _judge(item, None, limit, res)
            res["duration"] = time.monotonic() - t0
            sys.stdout.flush()
            sys.stderr.flush()
            emit.point(index + 1, item.id, res, item=item)
            return
        emit.begin(index, limit, "child", item.id, item)
        if spawned(index):
            res, out, err = _spawned.run(item, limit, memory[index], cap)
            res["duration"] = time.monotonic() - t0
            emit.point(index + 1, item.id, res, out, err, item)
            return
        report_isolated(index, item, chain.run(index, timeout=limit or 0.0,
                                               cap=cap, left=end - index - 1))

    threaded = []

    def spawned(index):
        """Must test `index` run in a fresh process? Yes once the file or
        its module fixtures have started threads (see _spawned)."""
        if not threaded:
            now = _spawned.thread_count()
            if now <= threads:
                return False
            threaded.append(now)
            emit.write(b"# note " + _spawned.note(path, now).encode(
                "utf-8", _ESCAPE) + b"\n")
            for i in range(index, len(items)):
                eligible[i] = False
        return True

    # Fast-path tests need no judging here when they pass plainly (most
    # tests): Chain.run_plain runs a stretch of them and reports those
    # itself, and hands back the first that needs judging. Their specs are
    # made a stretch at a time, so that most are made after the children's
    # snapshot and are not copied into them.
    plain = [None] * len(items)
    eligible = [isolate == "test" and fast[i] and item.crashes is None
                and not memory[i] for i, item in enumerate(items)]
    # The chain's runs end after the last test that is not skipped: no
    # child is made for a run that will not come.
    end = max((i + 1 for i, item in enumerate(items)
               if item.skip_reason is None), default=0)

    index = start
    while index < len(items):
        if not eligible[index] or spawned(index):
            run_one(index, items[index])
            index += 1
            continue
        if plain[index] is None:
            for i in range(index, min(index + _SPECS_AHEAD, len(items))):
                if eligible[i] and plain[i] is None:
                    plain[i] = _plain_spec(i, items[i], limit_of(items[i]))
        index, emit.held, r = chain.run_plain(plain, index, emit.held,
                                              proto_fd, cap=cap, end=end)
        if r is not None:
            report_isolated(index, items[index], r)
            index += 1
    chain.reset()
    _end_file(emit, path, len(items), timeout, session, unmatched)
