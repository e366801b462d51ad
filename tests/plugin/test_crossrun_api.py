"""Tests written for the crossrun runner run under pytest unchanged:
crossrun fixtures and marks, crossrun.skip/fail; and they give the same
outcomes per test as runner/crossrun."""

import os
import subprocess
import sys

import pytest

from conftest import MISBEHAVE, PYDIR, REPO, by_name, junit_outcomes

CROSSRUN_STYLE = """
import ctypes, os
import crossrun
from crossrun import mark

lib = ctypes.CDLL(%r)
LOG = os.path.join(os.path.dirname(__file__), "log.txt")

def log(what):
    with open(LOG, "a") as f:
        f.write(what + "\\n")

@crossrun.fixture
def resource():
    log("resource-setup")
    yield {"value": 41}
    log("resource-teardown")

@crossrun.fixture(scope="module")
def shared():
    log("shared-setup")
    yield []
    log("shared-teardown")

@crossrun.fixture(name="renamed")
def _other(resource):
    return resource["value"] + 1

def test_fixture(resource, renamed):
    assert resource["value"] == 41 and renamed == 42

@mark.parametrize("a,b,total", [(1, 2, 3), (2, 2, 5), ("x", "y", "xy")])
def test_sum(a, b, total):
    assert a + b == total

@mark.parametrize("v", [None, 1.5, True, b"by", object()])
def test_ids(v):
    pass

@mark.parametrize("v", [1, 2], ids=["one", "two"])
@mark.parametrize("w", [crossrun.param(3, id="three"),
                        crossrun.param(4, marks=mark.xfail)])
def test_stacked(v, w):
    assert w == 3

@mark.skip("not on this platform")
def test_skip():
    raise RuntimeError("never runs")

@mark.skipif("sys.platform == 'linux'", reason="linux")
def test_skipif():
    pass

@mark.xfail(reason="known bug")
def test_xfail():
    assert False

def test_skip_inside():
    crossrun.skip("decided at run time")

def test_fail_inside():
    crossrun.fail("explicit failure")

def test_xfail_inside():
    crossrun.xfail("expected")

@mark.timeout(0.5)
def test_timeout():
    lib.mb_loop_forever()

@mark.crashes("SIGSEGV")
def test_crashes():
    lib.mb_segfault()

@mark.crashes("SIGSEGV")
def test_crashes_but_finishes():
    pass

@mark.slow
def test_custom_mark():
    pass

class TestGroup:
    @crossrun.fixture
    def own(self):
        return type(self).__name__

    def test_method(self, own, shared):
        shared.append(1)
        assert own == "TestGroup"

@mark.skip("class mark")
class TestSkipped:
    def test_a(self):
        pass
""" % MISBEHAVE


def test_crossrun_style_file(pytester, run):
    pytester.makepyfile(test_style=CROSSRUN_STYLE)
    result = run("-v", "--junitxml=j.xml", "-p", "no:randomly")
    out = by_name(junit_outcomes(pytester.path / "j.xml"))
    assert out == {
        "test_fixture": "passed",
        "test_sum[1-2-3]": "passed",
        "test_sum[2-2-5]": "failure",
        "test_sum[x-y-xy]": "passed",
        "test_ids[None]": "passed",
        "test_ids[1.5]": "passed",
        "test_ids[True]": "passed",
        "test_ids[by]": "passed",
        "test_ids[v4]": "passed",
        "test_stacked[three-one]": "passed",
        "test_stacked[three-two]": "passed",
        "test_stacked[4-one]": "skipped",
        "test_stacked[4-two]": "skipped",
        "test_skip": "skipped",
        "test_skipif": "skipped",
        "test_xfail": "skipped",
        "test_skip_inside": "skipped",
        "test_fail_inside": "failure",
        "test_xfail_inside": "skipped",
        "test_timeout": "failure",
        "test_crashes": "passed",
        "test_crashes_but_finishes": "failure",
        "test_custom_mark": "passed",
        "test_method": "passed",
        "test_a": "skipped",
    }
    messages = {name: v[1] for (_, name), v in
                junit_outcomes(pytester.path / "j.xml").items()}
    assert messages["test_fail_inside"] == "Failed: explicit failure"
    assert messages["test_crashes_but_finishes"] == \
        "expected the test to die by SIGSEGV, but it finished"
    assert messages["test_timeout"] == "timed out after 0.5 s"
    assert messages["test_skip"] == "not on this platform"
    log = (pytester.path / "log.txt").read_text().split()
    assert log == ["resource-setup", "resource-teardown",
                   "shared-setup", "shared-teardown"]
    # crossrun's custom marks are pytest marks: -m selects by them.
    result = run("-m", "slow")
    result.assert_outcomes(passed=1)


def test_crossrun_fixtures_do_not_become_tests(pytester, run):
    pytester.makepyfile(test_fx="""
import crossrun

@crossrun.fixture
def test_data():
    return 3

def test_uses(test_data):
    assert test_data == 3
""")
    run().assert_outcomes(passed=1)


def _suites():
    suite = os.path.join(REPO, "fixtures", "suite")
    if os.path.isdir(suite):
        return [suite]
    return [os.path.join(REPO, "tests", "suites", name)
            for name in ("basic", "crash", "state")]


def test_style_file_same_outcomes_as_the_runner(tmp_path):
    (tmp_path / "test_style.py").write_text(CROSSRUN_STYLE)
    want, got = _both(tmp_path, "test_style.py", "1", tmp_path)
    assert got == want
    assert len(want) == 25


@pytest.mark.parametrize("suite", _suites(),
                         ids=lambda p: os.path.relpath(p, REPO))
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_same_outcomes_as_the_runner(tmp_path, suite, jobs):
    want, got = _both(REPO, os.path.relpath(suite, REPO), jobs, tmp_path)
    assert got == want
    assert "failure" in want.values() or "passed" in want.values()


def _both(cwd, rel, jobs, out):
    """({(classname, name): kind} of runner/crossrun's JUnit, the same
    of pytest --crossrun-isolate's), both run on `rel` from `cwd`."""
    runner = os.path.join(REPO, "runner", "crossrun")
    assert os.access(runner, os.X_OK), "build runner/crossrun first: make"
    ours, theirs = str(out / "runner.xml"), str(out / "pytest.xml")
    env = dict(os.environ, PYTHONPATH=PYDIR)
    proc = subprocess.run([runner, "-j", "1", "--junitxml", ours, rel],
                          cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    args = [sys.executable, "-m", "pytest", "-p", "crossrun.pytest_plugin",
            "-p", "no:cacheprovider", "--crossrun-isolate", "--rootdir",
            str(cwd), "--junitxml", theirs, "-q", rel]
    if jobs != "1":
        args[5:5] = ["-n", jobs]
    proc = subprocess.run(args, cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    want = {k: v[0] for k, v in junit_outcomes(ours).items()}
    got = {k: v[0] for k, v in junit_outcomes(theirs).items()}
    return want, got
