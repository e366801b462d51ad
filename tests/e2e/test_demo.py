"""The failure half of `make demo`: each way a library can misbehave is
one failed test whose report says what happened, in the console and in
the JUnit report a dashboard reads."""
import e2e

SUITE = "fixtures/demo-failures"


def test_each_misbehaviour_is_one_clear_failure():
    r = e2e.run("-j", "2", SUITE)
    e2e.validate(r)
    assert r.rc == 1
    assert e2e.last_line(r.out) == "2 passed, 6 failed"
    kinds = {name: r.child(name, "failure").get("type")
             for name in r.cases if r.outcome(name) == "failure"}
    assert kinds == {
        "test_library_segfaults": "crash",
        "test_library_aborts": "crash",
        "test_cxx_method_dereferences_null": "crash",
        "test_cxx_exception_escapes_noexcept": "crash",
        "test_library_hangs": "timeout",
        "test_library_calls_exit": "exit",
    }


def test_a_crash_report_names_the_library_frame_and_its_line():
    r = e2e.run("-j", "2", SUITE)
    text = r.child("test_library_segfaults", "failure").text
    assert "SIGSEGV" in r.child("test_library_segfaults",
                                "failure").get("message")
    assert "mb_segfault+0x0 (misbehave.c:" in text
    assert "frames of crossrun and Python below the code under test" in text
    assert "sched_run" not in text and "sup_prepare" not in text
    terminate = r.child("test_cxx_exception_escapes_noexcept", "failure")
    assert "crashpp_throw_uncaught" in terminate.text


def test_a_flood_is_capped_and_the_run_goes_on():
    r = e2e.run("-j", "2", SUITE)
    out = r.child("test_library_floods_its_output", "system-out").text
    assert len(out) < 2 << 20
    assert "more bytes of output cut" in out
    assert r.outcome("test_still_running_after_all_that") == "passed"
