"""End-to-end: --reruns N reruns a failed test (an assertion, a crash, a
timeout) in a fresh process up to N times and reports it once: passed
with a flakyFailure per failed try, or failed with a rerunFailure per
further try (DESIGN.md s6)."""
import os
import tempfile

import e2e

SUITE = e2e.SUITES + "/flaky"


def run(*args):
    """A run of the flaky suite with fresh run counters; its counters."""
    d = tempfile.mkdtemp(prefix="crossrun-flaky-")
    r = e2e.run(*args, SUITE, env={"CROSSRUN_FLAKY_DIR": d})
    counts = {}
    for name in os.listdir(d):
        with open(os.path.join(d, name)) as f:
            counts[name] = int(f.read())
    return r, counts


def tries(r, name, tag):
    return [el.get("type") for el in r.cases[name].findall(tag)]


def test_flaky_tests_pass_on_a_rerun_and_count_as_passed():
    r, counts = run("--reruns", "2")
    assert r.rc == 1, r.out + r.err
    assert e2e.last_line(r.out) == "5 passed, 1 failed"
    e2e.validate(r)
    assert r.outcome("test_fails_once") == "passed"
    assert tries(r, "test_fails_once", "flakyFailure") == ["AssertionError"]
    assert tries(r, "test_fails_twice", "flakyFailure") == \
        ["AssertionError", "AssertionError"]
    assert tries(r, "test_crashes_once", "flakyFailure") == ["crash"]
    assert tries(r, "test_hangs_once", "flakyFailure") == ["timeout"]
    assert "SIGSEGV" in r.cases["test_crashes_once"].find(
        "flakyFailure").get("message")
    assert tries(r, "test_passes", "flakyFailure") == []
    # Each test ran until it passed, the one that never does 1 + 2 times.
    assert counts == {"passes": 1, "fails_once": 2, "fails_twice": 3,
                      "crashes_once": 2, "hangs_once": 2, "always_fails": 3}


def test_a_test_that_never_passes_fails_with_its_reruns():
    r, _ = run("--reruns", "2")
    assert r.outcome("test_always_fails") == "failure"
    assert tries(r, "test_always_fails", "rerunFailure") == \
        ["AssertionError", "AssertionError"]
    assert r.cases["test_always_fails"].find("rerunFailure/stackTrace") \
        is not None


def test_the_console_lists_the_flaky_tests():
    r, _ = run("--reruns", "2")
    listed = [line for line in r.out.splitlines()
              if line.startswith("FLAKY ")]
    f = "tests/suites/flaky/test_flaky.py::"
    assert listed == [
        "FLAKY %stest_fails_once (failed 1 time, then passed)" % f,
        "FLAKY %stest_fails_twice (failed 2 times, then passed)" % f,
        "FLAKY %stest_crashes_once (failed 1 time, then passed)" % f,
        "FLAKY %stest_hangs_once (failed 1 time, then passed)" % f]
    assert "=== flaky: passed on a rerun ===" in r.out


def test_fewer_reruns_than_failures_fail():
    r, counts = run("--reruns", "1")
    assert e2e.last_line(r.out) == "4 passed, 2 failed"
    assert r.outcome("test_fails_twice") == "failure"
    assert tries(r, "test_fails_twice", "rerunFailure") == ["AssertionError"]
    assert counts["fails_twice"] == 2


def test_every_test_passing_on_a_rerun_exits_0():
    r, _ = run("--reruns", "2", "-k", "not always")
    assert r.rc == 0, r.out + r.err
    assert e2e.last_line(r.out) == "5 passed, 0 failed"


def test_without_reruns_nothing_is_rerun():
    r, counts = run()
    assert e2e.last_line(r.out) == "1 passed, 5 failed"
    assert set(counts.values()) == {1}
    assert "FLAKY" not in r.out and "=== flaky" not in r.out


def test_a_bad_count_is_a_usage_error():
    for bad, why in (("x", "'x' is not a number from 0 to 1000"),
                     ("1.5", "'1.5' is not a whole number")):
        r = e2e.run("--reruns", bad, SUITE, junit=False)
        assert r.rc == 4
        assert r.err == "crossrun: error: option --reruns: %s\n" % why
