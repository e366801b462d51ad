"""End-to-end: what each kind of test outcome looks like in the exit
status, on the console and in the JUnit report. The cases are data: a
suite, options, and what the report must say about each test."""
from crossrun import mark

import e2e

# (suite, options, exit status, closing line,
#  {testcase name: (junit outcome, type or None, message regex or None)})
CASES = [
    ("basic", [], 1, "6 passed, 3 failed, 2 skipped, 1 xfailed", {
        "test_pass": ("passed", None, None),
        "test_assert_values": ("failure", "AssertionError", r"total == 6"),
        "test_fixture": ("passed", None, None),
        "test_sum[1-2-3]": ("passed", None, None),
        "test_sum[2-2-5]": ("failure", "AssertionError", None),
        "test_skipped": ("skipped", None, "not on this platform"),
        "test_skip_inside": ("skipped", None, "decided at run time"),
        "test_known_bug": ("skipped", None, "known bug"),
        "test_fail_call": ("failure", None, "explicit failure"),
        "test_method": ("passed", None, None),
        "test_module_fixture_a": ("passed", None, None),
        "test_module_fixture_b": ("passed", None, None),
    }),
    ("crash", [], 1, "2 passed, 9 failed", {
        "test_segfault": ("failure", "crash", r"SIGSEGV"),
        "test_abort": ("failure", "crash", r"SIGABRT"),
        "test_cpp_crash": ("failure", "crash", r"SIGSEGV"),
        "test_terminate": ("failure", "crash", r"SIGABRT"),
        "test_expected_segfault": ("passed", None, None),
        "test_expected_but_no_crash": ("failure", "crash",
                                       r"expected .*SIGSEGV.*finished"),
        "test_expected_other_signal": ("failure", "crash", r"SIGABRT"),
        "test_exit_from_library": ("failure", "exit",
                                   r"exited with status 0 before"),
        "test_sys_exit": ("failure", "SystemExit", r"sys.exit\(3\)"),
        "test_os_exit": ("failure", "exit", r"status 0"),
        "test_after_crashes": ("passed", None, None),
    }),
    ("hang", [], 1, "1 passed, 3 failed", {
        "test_native_loop": ("failure", "timeout", r"timed out after 1 s"),
        "test_python_sleep": ("failure", "timeout", r"timed out after 1 s"),
        "test_stopped": ("failure", "timeout", r"timed out"),
        "test_after_hangs": ("passed", None, None),
    }),
    ("isofile", ["--isolate=file"], 1, "5 passed, 4 failed, 1 xfailed", {
        "test_one": ("passed", None, None),
        "test_two_crashes": ("failure", "crash", r"SIGSEGV"),
        "test_three_fresh_worker": ("passed", None, None),
        "test_four_hangs": ("failure", "timeout", r"timed out after 1 s"),
        "test_five_after_hang": ("passed", None, None),
        "test_six_expected_abort": ("passed", None, None),
        "test_seven_exit": ("failure", "exit", r"status 0"),
        "test_eight_last": ("passed", None, None),
        "test_nine_expected_crash_that_does_not_come": (
            "failure", "crash", r"expected .*SIGSEGV.*finished"),
        "test_ten_known_crash": ("skipped", None, r"SIGSEGV"),
    }),
    ("state", [], 0, "3 passed, 0 failed", {
        "test_first": ("passed", None, None),
        "test_second": ("passed", None, None),
        "test_third": ("passed", None, None),
    }),
    ("state", ["--isolate=file"], 1, "1 passed, 2 failed", {
        "test_first": ("passed", None, None),
        "test_second": ("failure", "AssertionError", None),
        "test_third": ("failure", "AssertionError", None),
    }),
    ("importerr", [], 1, "1 passed, 0 failed, 2 errors", {
        "test_still_runs": ("passed", None, None),
    }),
]


def _ids():
    return ["%s%s" % (c[0], "".join(c[1])) for c in CASES]


@mark.timeout(120)
@mark.parametrize("suite,options,status,closing,expect", CASES, ids=_ids())
def test_suite_outcomes(suite, options, status, closing, expect):
    r = e2e.run(*(options + ["%s/%s" % (e2e.SUITES, suite)]))
    assert r.rc == status, r.out + r.err
    assert e2e.last_line(r.out) == closing, r.out
    e2e.validate(r)
    assert sorted(set(expect) - set(r.cases)) == []
    for name, (outcome, kind, message) in expect.items():
        assert r.outcome(name) == outcome, (name, r.out)
        if outcome == "passed":
            continue
        node = r.child(name, outcome)
        if kind is not None:
            assert node.get("type") == kind, (name, node.attrib)
        if message is not None:
            assert e2e.has_line(node.get("message", ""), message), \
                (name, node.attrib)
