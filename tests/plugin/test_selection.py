"""The plugin with pytest-xdist, -k, -x, --lf and -m."""

from conftest import MISBEHAVE, by_name, junit_outcomes

SUITE = """
import ctypes, pytest
lib = ctypes.CDLL(%r)

@pytest.mark.isolated
def test_segv():
    lib.mb_segfault()

@pytest.mark.isolated(timeout=0.5)
def test_hang():
    lib.mb_loop_forever()

@pytest.mark.isolated
def test_fails():
    assert lib.mb_add(1, 1) == 3

@pytest.mark.isolated
def test_passes():
    assert lib.mb_add(1, 1) == 2

def test_plain():
    pass
""" % MISBEHAVE

WANT = {"test_segv": "failure", "test_hang": "failure",
        "test_fails": "failure", "test_passes": "passed",
        "test_plain": "passed"}


def test_xdist_records_crashes_in_junit(pytester, run):
    pytester.makepyfile(test_suite=SUITE)
    result = run("-n", "2", "--junitxml=j.xml")
    result.assert_outcomes(failed=3, passed=2)
    out = junit_outcomes(pytester.path / "j.xml")
    assert by_name(out) == WANT
    assert out[("test_suite", "test_segv")][1] == \
        "test process died by SIGSEGV (signal 11)"
    assert "Native backtrace" in out[("test_suite", "test_segv")][2]
    assert out[("test_suite", "test_hang")][1] == "timed out after 0.5 s"


def test_xdist_with_every_test_isolated(pytester, run):
    pytester.makepyfile(test_state="""
import ctypes
lib = ctypes.CDLL(%r)
""" % MISBEHAVE + "".join(
        "def test_%d():\n    assert lib.mb_count_next() == 1\n" % i
        for i in range(20)))
    run("-n", "2", "--crossrun-isolate").assert_outcomes(passed=20)


def test_keyword_selection(pytester, run):
    pytester.makepyfile(test_suite=SUITE)
    result = run("-k", "segv or passes", "--junitxml=j.xml")
    result.assert_outcomes(failed=1, passed=1)
    assert by_name(junit_outcomes(pytester.path / "j.xml")) == {
        "test_segv": "failure", "test_passes": "passed"}


def test_exitfirst_stops_after_a_crash(pytester, run):
    pytester.makepyfile(test_suite=SUITE)
    result = run("-x")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])


def test_last_failed_reruns_the_crashed_tests(pytester, run):
    pytester.makepyfile(test_suite=SUITE)
    run().assert_outcomes(failed=3, passed=2)
    result = run("--lf", "--junitxml=j.xml")
    result.assert_outcomes(failed=3)
    assert by_name(junit_outcomes(pytester.path / "j.xml")) == {
        "test_segv": "failure", "test_hang": "failure",
        "test_fails": "failure"}


def test_marker_selection(pytester, run):
    pytester.makepyfile(test_suite=SUITE)
    run("-m", "not isolated").assert_outcomes(passed=1)
    run("-m", "isolated", "-k", "not hang").assert_outcomes(failed=2,
                                                            passed=1)
