"""--crossrun-isolate changes no outcome: each suite here runs under plain
pytest and under the plugin isolating every test, and every test must
end the same way in both (JUnit kind and message); the plain run is also
checked against what the suite is written to do, so a suite that stopped
exercising its feature fails too."""

import os

from conftest import junit_outcomes


def same_outcomes(pytester, run, *args):
    """Run the suite in pytester's directory plainly and isolated, with
    `args`; assert every test ends the same way; return the plain run's
    {name: kind} (name: "Class::test" for a test of a class)."""
    logs.clear()
    run(*args, "--junitxml=plain.xml")
    logs.append(take_log(pytester))
    run(*args, "--crossrun-isolate", "--junitxml=iso.xml")
    logs.append(take_log(pytester))
    plain = junit_outcomes(pytester.path / "plain.xml")
    iso = junit_outcomes(pytester.path / "iso.xml")
    assert {k: v[:2] for k, v in iso.items()} == \
        {k: v[:2] for k, v in plain.items()}
    return {name if "." not in cls else cls.rsplit(".", 1)[1] + "::" + name:
            v[0] for (cls, name), v in plain.items()}


def take_log(pytester):
    """The words that the suite wrote to log.txt; it and the logs of
    pytest-xdist's workers (logNAME.txt) are removed for the next run."""
    path = pytester.path / "log.txt"
    words = path.read_text().split() if path.exists() else []
    for other in pytester.path.glob("log*.txt"):
        other.unlink()
    return words


# The log.txt words of the last same_outcomes: [plain run, isolated run].
logs = []


def each_log():
    assert len(logs) == 2
    return logs


def test_unittest_classes(pytester, run):
    pytester.makepyfile(test_ut="""
import os, unittest
LOG = os.path.join(os.path.dirname(__file__), "log.txt")

def log(what):
    with open(LOG, "a") as f:
        f.write(what + "\\n")

def setUpModule():
    log("module")

class TestSetups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        log("class")
        cls.shared = [1]

    def setUp(self):
        self.value = 2
        self.addCleanup(log, "cleanup")

    def test_uses_both(self):
        self.assertEqual(self.shared + [self.value], [1, 2])

    def test_fails(self):
        self.assertEqual(self.value, 3)

    def test_skips(self):
        self.skipTest("not here")

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        pass

    def test_subtests(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(i, 2)

    def test_setup_ran_once(self):
        with open(LOG) as f:
            self.assertEqual(f.read().split().count("class"), 1)

@unittest.skip("whole class")
class TestSkippedClass(unittest.TestCase):
    def test_a(self):
        pass

class TestBrokenSetUpClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("no class today")

    def test_a(self):
        pass

    def test_b(self):
        pass

class TestTearDownFails(unittest.TestCase):
    def tearDown(self):
        raise ValueError("teardown")

    def test_a(self):
        pass
""")
    got = same_outcomes(pytester, run)
    setups = {"test_uses_both": "passed", "test_fails": "failure",
              "test_skips": "skipped", "test_expected_failure": "skipped",
              "test_unexpected_success": "failure",
              "test_subtests": "failure", "test_setup_ran_once": "passed"}
    assert got == dict({"TestSetups::" + k: v for k, v in setups.items()},
                       **{"TestSkippedClass::test_a": "skipped",
                          "TestBrokenSetUpClass::test_a": "error",
                          "TestBrokenSetUpClass::test_b": "error",
                          "TestTearDownFails::test_a": "failure"})
    # setUpModule and setUpClass ran once, cleanups after each test.
    for log in each_log():
        assert log.count("module") == 1 and log.count("class") == 1
        assert log.count("cleanup") == 7


def test_pytest_classes_and_xunit_setups(pytester, run):
    pytester.makepyfile(test_xunit="""
import os
LOG = os.path.join(os.path.dirname(__file__), "log.txt")

def log(what):
    with open(LOG, "a") as f:
        f.write(what + "\\n")

def setup_module(module):
    log("module")

def teardown_module(module):
    log("module_end")

class TestX:
    @classmethod
    def setup_class(cls):
        log("class")
        cls.seen = []

    def setup_method(self, method):
        self.name = method.__name__

    def teardown_method(self, method):
        log("method_end")

    def test_one(self):
        assert self.name == "test_one"

    def test_two(self):
        assert self.name == "test_one"

def setup_function(function):
    function.ready = True

def test_function():
    assert test_function.ready
""")
    got = same_outcomes(pytester, run)
    assert got == {"TestX::test_one": "passed", "TestX::test_two": "failure",
                   "test_function": "passed"}
    for log in each_log():
        for word in ("module", "module_end", "class"):
            assert log.count(word) == 1, word
        assert log.count("method_end") == 2


FIXTURES = """
import os, pytest
# One log per pytest-xdist worker (each sets the wider fixtures up once):
# what a test counts does not depend on what the other worker did.
LOG = os.path.join(os.path.dirname(__file__), "log%s.txt"
                   % os.environ.get("PYTEST_XDIST_WORKER", ""))

def log(what):
    with open(LOG, "a") as f:
        f.write(what + "\\n")

def count(what):
    with open(LOG) as f:
        return f.read().split().count(what)

@pytest.fixture(scope="session")
def sess():
    log("session")
    yield {"n": 1}
    log("session_end")

@pytest.fixture(scope="module")
def mod(sess):
    log("module")
    return sess["n"] + 1

@pytest.fixture(scope="class")
def klass():
    log("class")
    return "k"

@pytest.fixture(scope="module", params=["a", "b"], ids=["first", "second"])
def letter(request):
    log("letter_" + request.param)
    return request.param

@pytest.fixture(autouse=True)
def every_test(request):
    request.node.autoused = True
    yield
    log("autouse_end")

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

@pytest.fixture(scope="module")
def broken_module():
    raise RuntimeError("module fixture broke")

@pytest.fixture
def bad_teardown():
    yield
    raise RuntimeError("teardown broke")

def test_wider_ones_set_up_once(sess, mod, request):
    assert (sess["n"], mod) == (1, 2)
    assert request.node.autoused
    assert count("session") == 1 and count("module") == 1

class TestInClass:
    def test_class_fixture(self, klass, mod):
        assert klass == "k" and count("class") == 1

    def test_again(self, klass):
        assert count("class") == 1

def test_param_fixture(letter):
    assert count("letter_" + letter) == 1

@pytest.mark.parametrize("x,y", [(1, 2), (2, 2),
                                 pytest.param(3, 3, id="three")])
def test_parametrized(x, y):
    assert x == y

@pytest.mark.parametrize("v", [1, 2], ids=["low", "high"])
def test_ids(v):
    assert v == 1

def test_request(request):
    assert request.node.name == "test_request"
    assert request.function.__name__ == "test_request"

def test_tmp_path(tmp_path):
    (tmp_path / "f").write_text("x")
    assert (tmp_path / "f").read_text() == "x"

def test_monkeypatch(monkeypatch):
    monkeypatch.setenv("CROSSRUN_OUTCOME_TEST", "1")
    assert os.environ["CROSSRUN_OUTCOME_TEST"] == "1"

def test_broken(broken):
    pass

def test_broken_module_a(broken_module):
    pass

def test_broken_module_b(broken_module):
    pass

def test_bad_teardown(bad_teardown):
    pass

def test_getfixturevalue(request):
    assert request.getfixturevalue("mod") == 2
"""


def test_fixtures_of_every_scope(pytester, run):
    pytester.makepyfile(test_fix=FIXTURES)
    got = same_outcomes(pytester, run)
    want = {"test_wider_ones_set_up_once": "passed",
            "TestInClass::test_class_fixture": "passed",
            "TestInClass::test_again": "passed",
            "test_param_fixture[first]": "passed",
            "test_param_fixture[second]": "passed",
            "test_parametrized[1-2]": "failure",
            "test_parametrized[2-2]": "passed",
            "test_parametrized[three]": "passed",
            "test_ids[low]": "passed", "test_ids[high]": "failure",
            "test_request": "passed", "test_tmp_path": "passed",
            "test_monkeypatch": "passed", "test_broken": "error",
            "test_broken_module_a": "error",
            "test_broken_module_b": "error",
            "test_bad_teardown": "error", "test_getfixturevalue": "passed"}
    assert got == want
    for log in each_log():
        assert log.count("session") == 1 and log.count("session_end") == 1
        assert log.count("letter_a") == 1 and log.count("class") == 1
        # Not for the two whose module fixture failed before it.
        assert log.count("autouse_end") == len(want) - 2
    # Under pytest-xdist too: each worker sets the wider fixtures up once,
    # and a class's tests go to one worker (--dist loadscope), so what the
    # tests count in the shared log does not depend on the scheduling.
    got = same_outcomes(pytester, run, "-p", "xdist", "-n", "2",
                        "--dist", "loadscope")
    assert set(got) == set(want)
    assert "CROSSRUN_OUTCOME_TEST" not in os.environ


def test_capture_logging_and_warnings(pytester, run):
    pytester.makepyfile(test_cap="""
import logging, os, sys, warnings, pytest

def test_capsys(capsys):
    print("to stdout")
    sys.stderr.write("to stderr\\n")
    out, err = capsys.readouterr()
    assert (out, err) == ("to stdout\\n", "to stderr\\n")

def test_capfd(capfd):
    os.write(1, b"fd one\\n")
    assert capfd.readouterr().out == "fd one\\n"

def test_caplog(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("hello %s", "log")
    assert caplog.messages == ["hello log"]

def test_caplog_fails(caplog):
    logging.getLogger("x").warning("seen in the report")
    n = len(caplog.records)
    assert n == 0

def test_warns():
    with pytest.warns(UserWarning, match="careful"):
        warnings.warn("careful", UserWarning)

def test_warning_escapes():
    warnings.warn("left to pytest", DeprecationWarning)

@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_filter_mark_makes_it_an_error():
    warnings.warn("now an error", RuntimeWarning)

def test_not_an_error_here():
    warnings.warn("only a warning", RuntimeWarning)
""")
    got = same_outcomes(pytester, run)
    assert got == {"test_capsys": "passed", "test_capfd": "passed",
                   "test_caplog": "passed", "test_caplog_fails": "failure",
                   "test_warns": "passed", "test_warning_escapes": "passed",
                   "test_filter_mark_makes_it_an_error": "failure",
                   "test_not_an_error_here": "passed"}
    # The warnings of isolated tests reach pytest's summary.
    result = run("--crossrun-isolate", "-k", "escapes")
    result.stdout.fnmatch_lines(["*warnings summary*",
                                 "*DeprecationWarning: left to pytest*"])
    got = same_outcomes(pytester, run, "-W", "error::DeprecationWarning")
    assert got["test_warning_escapes"] == "failure"
    assert got["test_not_an_error_here"] == "passed"


def test_skip_and_xfail(pytester, run):
    pytester.makepyfile(test_marks="""
import sys, pytest

@pytest.mark.skip(reason="no")
def test_skip():
    pass

@pytest.mark.skipif(sys.platform == "linux", reason="on linux")
def test_skipif():
    pass

def test_skip_inside():
    pytest.skip("inside")

def test_importorskip():
    pytest.importorskip("no_such_module_at_all")

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False

@pytest.mark.xfail(reason="known")
def test_xpass():
    pass

@pytest.mark.xfail(strict=True, reason="strict")
def test_xpass_strict():
    pass

@pytest.mark.xfail(raises=KeyError)
def test_xfail_wrong_exception():
    raise ValueError()

def test_xfail_inside():
    pytest.xfail("inside")

def test_fail_inside():
    pytest.fail("explicit")
""")
    got = same_outcomes(pytester, run)
    assert got == {"test_skip": "skipped", "test_skipif": "skipped",
                   "test_skip_inside": "skipped",
                   "test_importorskip": "skipped", "test_xfail": "skipped",
                   "test_xpass": "passed", "test_xpass_strict": "failure",
                   "test_xfail_wrong_exception": "failure",
                   "test_xfail_inside": "skipped",
                   "test_fail_inside": "failure"}
    plain = run("-rxX")
    iso = run("-rxX", "--crossrun-isolate")
    assert plain.parseoutcomes() == iso.parseoutcomes()


def test_exitfirst_lastfailed_and_xdist(pytester, run):
    pytester.makepyfile(test_sel="".join(
        "def test_%d():\n    assert %d %% 4\n" % (i, i) for i in range(1, 13)))
    got = same_outcomes(pytester, run, "-x")
    assert got == {"test_1": "passed", "test_2": "passed",
                   "test_3": "passed", "test_4": "failure"}
    # --lf: the failures of the first run, run again.
    for extra in ([], ["--crossrun-isolate"]):
        pytester.path.joinpath(".pytest_cache").exists() and \
            __import__("shutil").rmtree(pytester.path / ".pytest_cache")
        run("-p", "cacheprovider", *extra)
        again = run("-p", "cacheprovider", "--lf", *extra)
        again.assert_outcomes(failed=3, passed=0)
    got = same_outcomes(pytester, run, "-p", "xdist", "-n", "2")
    assert sorted(k for k, v in got.items() if v == "failure") == \
        ["test_12", "test_4", "test_8"]


def test_doctests(pytester, run):
    pytester.makepyfile(mod="""
def add(a, b):
    '''
    >>> add(1, 2)
    3
    >>> add(1, 1)
    3
    '''
    return a + b

def sub(a, b):
    '''
    >>> sub(3, 1)
    2
    '''
    return a - b
""")
    pytester.makeconftest("""
import pytest

@pytest.fixture(autouse=True)
def add_np(doctest_namespace):
    doctest_namespace["ten"] = 10
""")
    pytester.maketxtfile(test_doc="""
    >>> ten + 1
    11
""")
    got = same_outcomes(pytester, run, "--doctest-modules",
                        "--doctest-glob=*.txt")
    assert got == {"mod.add": "failure", "mod.sub": "passed",
                   "txt::test_doc.txt": "passed"}


def test_module_state_is_a_fresh_copy_per_test(pytester, run):
    """The one documented difference: a test that changes module state
    changes its own copy, which the next test does not see."""
    pytester.makepyfile(test_state="""
SEEN = []

def test_first():
    SEEN.append(1)

def test_second():
    assert SEEN == [1]
""")
    run().assert_outcomes(passed=2)
    run("--crossrun-isolate").assert_outcomes(passed=1, failed=1)


def test_isolated_tests_see_what_tests_run_in_pytest_did(pytester, run):
    """With only some tests isolated, the others run in pytest's process:
    an isolated test after them sees their changes, as in plain pytest."""
    pytester.makepyfile(test_mixed="""
import pytest
SEEN = []

@pytest.mark.isolated
def test_isolated_first():
    assert SEEN == []

def test_here():
    SEEN.append(1)

@pytest.mark.isolated
def test_isolated_after():
    assert SEEN == [1]

def test_here_again():
    SEEN.append(2)

@pytest.mark.isolated
def test_isolated_last():
    assert SEEN == [1, 2]
""")
    run().assert_outcomes(passed=5)


def test_output_of_wider_fixtures_goes_where_pytest_puts_it(pytester, run):
    pytester.makepyfile(test_out="""
import pytest

@pytest.fixture(scope="module")
def mod():
    print("MODULE-SETUP")
    yield
    print("MODULE-TEARDOWN")

def test_a(mod):
    pass

def test_b(mod):
    assert False
""")
    for extra in ([], ["--crossrun-isolate"]):
        result = run("-rA", *extra)
        result.assert_outcomes(passed=1, failed=1)
        text = result.stdout.str()
        # In test_a's setup and test_b's teardown sections, not loose.
        assert text.count("MODULE-SETUP") == 1
        assert text.count("MODULE-TEARDOWN") == 1
        result.stdout.fnmatch_lines(["*Captured stdout setup*",
                                     "MODULE-SETUP"])
        result.stdout.fnmatch_lines(["*Captured stdout teardown*",
                                     "MODULE-TEARDOWN"])
