"""End-to-end: output written by C and Python code is captured per test,
capped, kept intact in the JUnit report whatever bytes it holds, and a
grandchild holding the pipes cannot hold up the run."""
import time

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
