"""Tests of a file whose worker has threads: forking a process that has
threads copies only the calling thread, and a lock another thread held
stays locked in the copy forever (a library that starts threads when a
module fixture loads it hangs or corrupts its tests). Such a file's tests
each run in a fresh crossrun started by posix_spawn (no fork of the
threaded worker: the new program is executed from a clean image), which
imports the file and runs just that test in its own worker, and writes
its JUnit report; the result is read back from there. Slower (the file
and its module fixtures are set up again for every test) but safe."""
import os
import sys


def thread_count():
    """How many threads this process has (/proc/self/task)."""
    return len(os.listdir("/proc/self/task"))


def note(path, threads):
    return ("%s: the worker has %d threads once the file and its module "
            "fixtures are set up, and a threaded process cannot be forked "
            "safely: each test runs in a fresh process instead "
            "(docs/threads.md)" % (path, threads))


def _text(node):
    return (node.text or "") if node is not None else ""


def _result(case):
    """The result dict of a JUnit testcase element."""
    for tag, outcome in (("failure", "failed"), ("error", "error"),
                         ("skipped", "skipped")):
        node = case.find(tag)
        if node is None:
            continue
        message = node.get("message")
        if tag == "skipped" and node.get("type") == "crossrun.xfail":
            outcome = "xfailed"
            if message and message.startswith("xfail: "):
                message = message[len("xfail: "):]
        return {"outcome": outcome,
                "type": node.get("type") if tag != "skipped" else None,
                "message": message, "detail": _text(node) or None}
    return {"outcome": "passed"}


def run(item, timeout, memory_limit, cap):
    """Run item in a fresh crossrun; returns (result dict, stdout bytes,
    stderr bytes)."""
    import tempfile
    import xml.etree.ElementTree as ET
    fd, report = tempfile.mkstemp(prefix="crossrun-spawned-", suffix=".xml")
    os.close(fd)
    args = [sys.executable, "--isolate=file", "-j", "1", "-q",
            "--color=never", "--timeout", "%g" % (timeout or 0),
            "--max-output", str(cap), "--junitxml", report, item.id]
    if memory_limit:
        args[1:1] = ["--memory-limit", str(memory_limit)]
    devnull = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    try:
        pid = os.posix_spawn(sys.executable, args, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                           (os.POSIX_SPAWN_DUP2, devnull, 2)])
    finally:
        os.close(devnull)
    _, status = os.waitpid(pid, 0)
    case = None
    try:
        with open(report, "rb") as f:
            data = f.read()
        if data:
            case = ET.fromstring(data).find(".//testcase")
    finally:
        os.unlink(report)
    if case is None:
        return ({"outcome": "failed", "type": "exit",
                 "message": "the fresh process for this test (%s) ended "
                 "with status %d and wrote no result"
                 % (" ".join(args), os.waitstatus_to_exitcode(status))},
                b"", b"")
    return (_result(case),
            _text(case.find("system-out")).encode("utf-8", "surrogateescape"),
            _text(case.find("system-err")).encode("utf-8", "surrogateescape"))
