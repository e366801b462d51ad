"""End-to-end: output written by C and Python code is captured per test,
capped, kept intact in the JUnit report whatever bytes it holds, and a
grandchild holding the pipes cannot hold up the run."""
import os
import signal
import subprocess
import time

from crossrun import mark

import e2e

OUTPUT = e2e.SUITES + "/output"


def test_output_capture_and_reports():
    t0 = time.monotonic()
    r = e2e.run(OUTPUT)
    elapsed = time.monotonic() - t0
    assert r.rc == 1, r.out + r.err
    e2e.validate(r)
    # The grandchild sleeps 30 s with the test's stdout open.
    assert elapsed < 25, elapsed
    out = r.child("test_c_output", "system-out").text
    assert "mb_say: from C" in out and "from Python" in out
    err = r.child("test_c_output", "system-err").text
    assert "mb_say on fd 2" in err
    assert "buffered: not flushed" in \
        r.child("test_unflushed_c_output", "system-out").text
    flood = r.child("test_flood", "system-out").text
    assert len(flood) < 1100 * 1024
    assert "more bytes of output cut" in flood
    hostile = r.child("test_hostile_bytes", "system-out").text
    assert "\\x1b[31m" in hostile and "\ufffd" in hostile
    assert "]]>" in hostile
    assert r.outcome("test_protocol_lookalikes") == "passed"
    assert "Bail out! fake" in \
        r.child("test_protocol_lookalikes", "system-out").text
    assert r.outcome("test_grandchild_keeps_pipes") == "passed"


def test_console_shows_failures_with_output_and_tracebacks():
    r = e2e.run(OUTPUT, e2e.SUITES + "/crash", junit=False)
    assert "--- captured stdout ---" in r.out
    assert "mb_say: from C" in r.out
    # Crash evidence: the signal, the Python traceback and native frames
    # with demangled C++ names.
    assert "test process died by SIGSEGV" in r.out
    assert "crashpp::Parser::parse(char const*)" in r.out
    assert 'test_crash.py", line' in r.out
    assert "\x1b" not in r.out  # no raw escape codes from tests


def test_crash_report_in_junit_names_signal_and_frames():
    r = e2e.run(e2e.SUITES + "/crash")
    node = r.child("test_cpp_crash", "failure")
    assert node.get("type") == "crash"
    assert "SIGSEGV" in node.get("message")
    assert "crashpp::Parser::parse(char const*)" in node.text
    assert "test_cpp_crash" in node.text
    hang = e2e.run(e2e.SUITES + "/hang")
    node = hang.child("test_python_sleep", "failure")
    assert node.get("type") == "timeout"
    assert "test_hang.py" in node.text and "test_python_sleep" in node.text


def _child_named(pid, name):
    """Whether process pid has a child called name (from /proc)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid and comm == name:
            return True
    return False


@mark.timeout(60)
@mark.parametrize("isolate", ["test", "file"])
def test_worker_output_goes_with_its_own_result_when_read_late(tmp_path,
                                                                isolate):
    # The runner is stopped while the worker imports the file, runs both
    # tests and tears down: it then finds everything in the pipes at once.
    done = tmp_path / "done"
    junit = tmp_path / "report.xml"
    p = subprocess.Popen(
        [e2e.CROSSRUN, "-j", "1", "--isolate=" + isolate, "--junitxml",
         str(junit), e2e.SUITES + "/lagging"], cwd=e2e.ROOT,
        env=dict(os.environ, CROSSRUN_E2E_DONE=str(done)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not _child_named(p.pid, "crossrun-worker"):
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.002)
    os.kill(p.pid, signal.SIGSTOP)
    try:
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)     # the worker's last writes
    finally:
        os.kill(p.pid, signal.SIGCONT)
    out, err = p.communicate(timeout=30)
    r = e2e.Run(p.returncode, out.decode(), err.decode(), str(junit))
    assert r.rc == 0, r.out + r.err
    a_out = r.child("test_a", "system-out").text
    b_out = r.child("test_b", "system-out").text
    # A test's own capture comes first, then what the worker printed
    # for it; under --isolate=file the test is the worker's own.
    assert a_out == ("import out\nsetup out\nout of a\n" if isolate == "file"
                     else "out of a\nimport out\nsetup out\n"), a_out
    assert r.child("test_a", "system-err").text == "err of a\n"
    assert b_out == "out of b\nteardown out\n", b_out
    assert r.child("test_b", "system-err") is None
