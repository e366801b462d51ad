"""End-to-end: what happens when a test file is done. Exit handlers
(atexit) that the file registered run once, in the worker that imported
it, as when an interpreter exits; one that raises is an error of the
module's teardown; output written after the last test goes with it."""
import os

from crossrun import mark

import e2e

SUITE = e2e.SUITES + "/teardown"


def _run(tmp_path, *args):
    mark_file = tmp_path / "mark"
    r = e2e.run(*args, SUITE, env={"CROSSRUN_E2E_MARK": str(mark_file)})
    ran = mark_file.read_text().splitlines() if mark_file.exists() else []
    return r, sorted(ran)


@mark.parametrize("isolate", ["test", "file"])
def test_exit_handlers_run_once_per_file(tmp_path, isolate):
    r, ran = _run(tmp_path, "-j", "1", "--isolate=" + isolate)
    assert ran == ["test_import_error_exit_handler ran",
                   "test_teardown_output ran"], r.out
    e2e.validate(r)


def test_an_exit_handler_that_raises_is_a_teardown_error(tmp_path):
    r, _ = _run(tmp_path)
    assert r.rc == 1, r.out + r.err
    assert r.outcome("test_passes") == "passed"
    error = r.child("<module teardown>", "error")
    assert "error in exit handler _cleanup_that_fails: ValueError: " \
           "cleanup failed" in error.get("message")
    assert "test_exit_handler_error.py\", line 6, in _cleanup_that_fails" \
        in error.text
    assert e2e.has_line(r.out, r"ERROR .*test_exit_handler_error.py::"
                               r"<module teardown> - error in exit handler")


def test_output_after_the_last_test_goes_with_it(tmp_path):
    r, _ = _run(tmp_path, "-j", "1")
    seen = "rc %d\n%s%s\n%s" % (r.rc, r.out, r.err,
                                  (r.xml or b"").decode("utf-8", "replace"))
    out = r.child("test_last", "system-out")
    assert out is not None, seen
    assert "fixture teardown out" in out.text, seen
    assert "exit handler out" in out.text, seen
    assert r.child("test_first", "system-out") is None, seen
