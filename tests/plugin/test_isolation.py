"""Isolated tests: @pytest.mark.isolated, --crossrun-isolate,
--crossrun-timeout; crashes, hangs and exits become failed tests."""

import time

from conftest import CRASHPP, MISBEHAVE, by_name, junit_outcomes

HEAD = """
import ctypes, os, pytest
lib = ctypes.CDLL(%r)
pp = ctypes.CDLL(%r)
""" % (MISBEHAVE, CRASHPP)


def test_options_and_marker_are_registered(run):
    result = run("--help")
    result.stdout.fnmatch_lines(["*--crossrun-isolate*",
                                 "*--crossrun-timeout*SECONDS*"])
    result = run("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.isolated(timeout=None):*"])


def test_crashes_fail_the_test_and_the_run_goes_on(pytester, run):
    pytester.makepyfile(test_crash=HEAD + """
@pytest.mark.isolated
def test_segv():
    lib.mb_say(b"before the crash")
    lib.mb_segfault()

@pytest.mark.isolated
def test_abort():
    lib.mb_abort()

@pytest.mark.isolated
def test_terminate():
    pp.crashpp_throw_uncaught()

def test_after():
    assert lib.mb_add(2, 3) == 5
""")
    result = run("--junitxml=j.xml")
    result.assert_outcomes(failed=3, passed=1)
    result.stdout.fnmatch_lines([
        "*_ test_segv _*",
        "test process died by SIGSEGV (signal 11)",
        "Native backtrace (most recent call first):",
        # the library's frame, with its source line
        "*#0  mb_segfault+0x0 (misbehave.c:*) in libmisbehave.so*",
        "*test_crash.py*line 8 in test_segv*",
        "*Captured stdout call*",
        "mb_say: before the crash",
        "*Captured stderr call*",
        "mb_say on fd 2",
    ])
    result.stdout.fnmatch_lines([
        "FAILED test_crash.py::test_abort - test process died by SIGABRT*",
        "FAILED test_crash.py::test_terminate - test process died by "
        "SIGABRT*"])
    out = junit_outcomes(pytester.path / "j.xml")
    segv = out[("test_crash", "test_segv")]
    assert segv[:2] == ("failure", "test process died by SIGSEGV (signal 11)")
    assert "Native backtrace" in segv[2] and "in test_segv" in segv[2]
    assert out[("test_crash", "test_terminate")][:2] == (
        "failure", "test process died by SIGABRT (signal 6)")
    terminate = out[("test_crash", "test_terminate")][2]
    assert "__cxa_throw" in terminate and "libcrashpp.so" in terminate
    assert out[("test_crash", "test_after")][0] == "passed"


def test_hang_is_killed_at_the_timeout(pytester, run):
    pytester.makepyfile(test_hang=HEAD + """
@pytest.mark.isolated(timeout=0.5)
def test_marked():
    lib.mb_loop_forever()

@pytest.mark.isolated
def test_default():
    lib.mb_loop_forever()

def test_after():
    pass
""")
    t0 = time.monotonic()
    result = run("--crossrun-timeout", "0.3", "--junitxml=j.xml")
    assert time.monotonic() - t0 < 30
    result.assert_outcomes(failed=2, passed=1)
    result.stdout.fnmatch_lines([
        "timed out after 0.5 s", "",
        "Traceback where the test was when it was stopped:",
        "*line 7 in test_marked*"])
    out = junit_outcomes(pytester.path / "j.xml")
    assert out[("test_hang", "test_marked")][:2] == (
        "failure", "timed out after 0.5 s")
    assert out[("test_hang", "test_default")][:2] == (
        "failure", "timed out after 0.3 s")
    assert "in test_default" in out[("test_hang", "test_default")][2]


def test_exit_before_the_end_is_a_failure(pytester, run):
    pytester.makepyfile(test_exit=HEAD + """
@pytest.mark.isolated
def test_os_exit():
    os._exit(3)

@pytest.mark.isolated
def test_exit_in_c():
    lib.mb_exit(0)

@pytest.mark.isolated
def test_sys_exit():
    raise SystemExit(4)
""")
    result = run("--junitxml=j.xml")
    result.assert_outcomes(failed=3)
    out = junit_outcomes(pytester.path / "j.xml")
    assert out[("test_exit", "test_os_exit")][:2] == (
        "failure", "test process exited with status 3 before the test "
        "finished")
    assert out[("test_exit", "test_exit_in_c")][:2] == (
        "failure", "test process exited with status 0 before the test "
        "finished")
    assert out[("test_exit", "test_sys_exit")][1] == "SystemExit: 4"


def test_function_fixtures_run_in_the_child_wider_ones_once_in_parent(
        pytester, run):
    pytester.makepyfile(test_fix=HEAD + """
LOG = os.path.join(os.path.dirname(__file__), "log.txt")

def log(what):
    with open(LOG, "a") as f:
        f.write("%s %d\\n" % (what, os.getpid()))

@pytest.fixture(scope="module")
def shared():
    log("module-setup")
    yield []
    log("module-teardown")

@pytest.fixture
def each():
    log("function-setup")
    yield 1
    log("function-teardown")

def test_a(shared):
    log("parent")
    shared.append("a")

@pytest.mark.isolated
def test_b(shared, each):
    log("child")
    shared.append("b")
    assert shared == ["a", "b"]

@pytest.mark.isolated
def test_c(shared, each):
    assert shared == ["a"]
""", test_z="def test_z():\n    pass\n")
    result = run("-p", "no:randomly")
    result.assert_outcomes(passed=4)
    lines = [ln.split() for ln in
             (pytester.path / "log.txt").read_text().splitlines()]
    what = [w for w, _ in lines]
    assert what == ["module-setup", "parent",
                    "function-setup", "child", "function-teardown",
                    "function-setup", "function-teardown",
                    "module-teardown"]
    pid = dict(lines)
    parent = pid["parent"]
    assert pid["module-setup"] == parent == pid["module-teardown"]
    assert pid["child"] != parent
    child_pids = {p for w, p in lines if w.startswith("function")}
    assert parent not in child_pids and len(child_pids) == 2


def test_output_of_c_code_is_captured(pytester, run):
    pytester.makepyfile(test_out=HEAD + """
@pytest.mark.isolated
def test_says():
    print("from python")
    lib.mb_say(b"hello")
    lib.mb_say_buffered(b"unflushed")

@pytest.mark.isolated
def test_says_and_fails():
    lib.mb_say(b"bye")
    assert False
""")
    result = run("-rP")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*_ test_says_and_fails _*", "*assert False*",
        "*Captured stdout call*", "mb_say: bye",
        "*Captured stderr call*", "mb_say on fd 2",
        "*PASSES*", "*_ test_says _*",
        "*Captured stdout call*", "from python", "mb_say: hello",
        "buffered: unflushed",
        "*Captured stderr call*", "mb_say on fd 2"])
    # -s: no capture, the output goes straight to the terminal.
    result = run("-s", "-k", "test_says and not fails")
    result.stdout.fnmatch_lines(["*mb_say: hello*"])
    result.stdout.no_fnmatch_line("*Captured stdout*")


def test_isolate_option_isolates_every_test(pytester, run):
    pytester.makepyfile(test_state=HEAD + """
def test_first():
    assert lib.mb_count_next() == 1

def test_second():
    assert lib.mb_count_next() == 1
""")
    run().assert_outcomes(passed=1, failed=1)
    run("--crossrun-isolate").assert_outcomes(passed=2)


def test_xfail_and_skip_of_isolated_tests(pytester, run):
    pytester.makepyfile(test_marks=HEAD + """
@pytest.mark.isolated
@pytest.mark.xfail(reason="known crash")
def test_known_crash():
    lib.mb_segfault()

@pytest.mark.isolated
@pytest.mark.xfail(reason="known bug")
def test_known_bug():
    assert False

@pytest.mark.isolated
@pytest.mark.skip(reason="not here")
def test_skipped():
    lib.mb_segfault()

@pytest.mark.isolated
def test_skips_inside():
    pytest.skip("decided inside")
""")
    result = run("-rsx", "--junitxml=j.xml")
    result.assert_outcomes(xfailed=2, skipped=2)
    result.stdout.fnmatch_lines([
        "*XFAIL test_marks.py::test_known_crash*known crash: test process "
        "died by SIGSEGV*"])
    assert set(by_name(junit_outcomes(pytester.path / "j.xml")).values()) \
        == {"skipped"}


def test_setup_error_of_a_module_fixture_is_reported(pytester, run):
    pytester.makepyfile(test_err=HEAD + """
@pytest.fixture(scope="module")
def broken():
    raise RuntimeError("cannot set up")

@pytest.mark.isolated
def test_one(broken):
    pass

@pytest.mark.isolated
def test_two(broken):
    pass
""")
    result = run()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*RuntimeError: cannot set up*"])


def test_bad_timeout_is_a_usage_error(run):
    result = run("--crossrun-timeout", "-1")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--crossrun-timeout: seconds must be*"])
