"""End-to-end: the command line of DESIGN.md section 3: selection,
collection, stopping early, reports, usage errors and their exit
statuses."""
import os
import subprocess

from crossrun import mark

import e2e

BASIC = e2e.SUITES + "/basic"


def test_keyword_selects_by_id():
    r = e2e.run("-k", "test_sum", BASIC)
    assert r.rc == 1
    assert sorted(r.cases) == ["test_sum[1-2-3]", "test_sum[2-2-5]"]
    assert e2e.last_line(r.out) == "1 passed, 1 failed"


def test_keyword_expressions_as_in_pytest():
    r = e2e.run("-k", "SUM and not 5 or method", BASIC)
    assert r.rc == 0, r.out + r.err
    assert sorted(r.cases) == ["test_method", "test_sum[1-2-3]"]


def test_keyword_that_cannot_be_read_is_a_usage_error():
    r = e2e.run("-k", "test_sum and", BASIC, junit=False)
    assert r.rc == 4, r.out + r.err
    assert r.err == ("crossrun: error: -k 'test_sum and': expected a name, "
                     "'not' or '(' at column 13, but the expression ends "
                     "there\n")
    assert r.out == ""


def test_keyword_that_selects_nothing_exits_5():
    r = e2e.run("-k", "no_such_test", BASIC)
    assert r.rc == 5, r.out + r.err


def test_test_ids_select_functions_classes_methods_and_cases():
    f = BASIC + "/test_basic.py"
    r = e2e.run(f + "::test_sum", f + "::TestGroup", f + "::test_pass")
    assert r.rc == 1, r.out + r.err
    assert sorted(r.cases) == ["test_method", "test_pass",
                               "test_sum[1-2-3]", "test_sum[2-2-5]"]
    e2e.validate(r)
    r = e2e.run("./" + f + "::test_sum[1-2-3]", f + "::TestGroup::test_method",
                "--isolate=file")
    assert r.rc == 0, r.out + r.err
    assert sorted(r.cases) == ["test_method", "test_sum[1-2-3]"]
    assert e2e.last_line(r.out) == "2 passed, 0 failed"


def test_a_file_given_whole_and_by_test_id_runs_whole():
    f = BASIC + "/test_basic.py"
    r = e2e.run(f + "::test_pass", BASIC, junit=False)
    whole = e2e.run(BASIC, junit=False)
    assert e2e.last_line(r.out) == e2e.last_line(whole.out)


def test_a_test_id_that_matches_nothing_is_an_error():
    f = BASIC + "/test_basic.py"
    r = e2e.run(f + "::test_pass", f + "::test_nope", "-v")
    assert r.rc == 1, r.out + r.err
    assert list(r.cases) == ["test_pass", "test_nope"]
    error = r.child("test_nope", "error")
    assert error.get("message") == (
        "no test test_nope in %s (crossrun --collect-only %s lists its "
        "tests)" % (f, f))
    e2e.validate(r)
    listed = e2e.run("--collect-only", f + "::test_nope", junit=False)
    assert listed.rc != 0 and "no test test_nope" in listed.out


@mark.parametrize("arg,message", [
    ("nope.py::test_x", "file not found: nope.py, in test id nope.py::"),
    (BASIC + "::test_x", "not a Python test file: " + BASIC + ", in test "
                         "id"),
    (BASIC + "/test_basic.py::", "bad test id: " + BASIC + "/test_basic.py::"),
])
def test_bad_test_ids_are_usage_errors(arg, message):
    r = e2e.run(arg, junit=False)
    assert r.rc == 4, r.out + r.err
    assert r.err.startswith("crossrun: error: " + message), r.err


def test_collect_only_lists_ids_and_runs_nothing():
    r = e2e.run("--collect-only", BASIC, e2e.SUITES + "/crash", junit=False)
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert "tests/suites/basic/test_basic.py::test_sum[2-2-5]" in lines
    assert "tests/suites/basic/test_basic.py::TestGroup::test_method" in lines
    assert "tests/suites/crash/test_crash.py::test_segfault" in lines
    assert lines[-1] == "23 tests collected"


def test_exitfirst_stops_after_the_first_failure():
    r = e2e.run("-x", "-j", "1", e2e.SUITES + "/crash")
    assert r.rc == 1
    assert list(r.cases) == ["test_segfault"]
    e2e.validate(r)


def test_no_test_files_exits_5():
    r = e2e.run(e2e.SUITES + "/empty")
    assert r.rc == 5, r.out + r.err


@mark.parametrize("args,message", [
    (["--no-such-option"], "unknown option '--no-such-option'"),
    (["--isolate=thread"], "'thread' is not one of test, file"),
    (["--timeout", "soon"], "'soon' is not a number"),
    (["-j", "0"], "-j: '0' is not a number from 1"),
    (["--color=purple"], "'purple' is not one of auto, always, never"),
    (["--junit-family=xunit3"], "'xunit3' is not one of xunit2, xunit1"),
    (["tests/suites/no_such_dir"], "file or directory not found: "
                                   "tests/suites/no_such_dir"),
    (["Makefile"], "not a Python test file: Makefile"),
    (["--junitxml"], "option --junitxml needs a value"),
])
def test_usage_errors_exit_4(args, message):
    r = e2e.run(*args, junit=False)
    assert r.rc == 4, (r.out, r.err)
    assert message in r.err, r.err


def test_unwritable_junit_path_is_an_error():
    r = e2e.run("--junitxml", "/proc/no/such/dir/x.xml", BASIC, junit=False)
    assert r.rc == 4, r.err
    assert "/proc/no/such/dir/x.xml" in r.err


def test_xunit1_adds_file_and_line():
    r = e2e.run("--junit-family=xunit1", BASIC)
    case = r.cases["test_assert_values"]
    assert case.get("file") == "tests/suites/basic/test_basic.py"
    assert case.get("line") == "23"


def test_junit_classnames_and_suites():
    r = e2e.run(BASIC, e2e.SUITES + "/state")
    e2e.validate(r)
    suites = {s.get("name"): s for s in r.tree.iter("testsuite")}
    assert set(suites) == {"tests/suites/basic/test_basic.py",
                           "tests/suites/state/test_state.py"}
    basic = suites["tests/suites/basic/test_basic.py"]
    assert (basic.get("tests"), basic.get("failures"),
            basic.get("skipped")) == ("12", "3", "3")
    assert r.cases["test_method"].get("classname") == \
        "tests.suites.basic.test_basic.TestGroup"


def test_tap_report_is_accepted_by_prove(tmp_path):
    path = str(tmp_path / "report.tap")
    r = e2e.run("--tap=" + path, BASIC, e2e.SUITES + "/output",
                junit=False)
    assert r.rc == 1
    with open(path, "rb") as f:
        assert f.readline() == b"TAP version 13\n"
    p = subprocess.run(["prove", "--exec", "cat", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = p.stdout.decode("utf-8", "replace")
    assert "Parse errors" not in text, text
    assert "Failed 7/18 subtests" in text, text


def test_tap_on_stdout_moves_the_console_to_stderr():
    r = e2e.run("--tap", e2e.SUITES + "/state", junit=False)
    assert r.out.startswith("TAP version 13\n"), r.out
    assert r.out.rstrip().endswith("1..3"), r.out
    assert e2e.last_line(r.err) == "3 passed, 0 failed"


def test_help_and_version():
    r = e2e.run("--help", junit=False)
    assert r.rc == 0 and "--isolate=test|file" in r.out
    r = e2e.run("--version", junit=False)
    assert r.rc == 0 and r.out.startswith("crossrun ")


def test_symbols_lists_demangled_exports():
    r = e2e.run("symbols", "fixtures/build/libcrashpp.so", junit=False)
    assert r.rc == 0, r.err
    assert "crashpp::Parser::parse(char const*)" in r.out.splitlines()
    assert "crashpp_parse_null" in r.out.splitlines()


def test_symbols_takes_a_soname_and_a_pattern():
    # a name the dynamic linker finds, as crossrun.load takes it
    r = e2e.run("symbols", "libstdc++.so.6", "* std::use_facet<*",
                junit=False)
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert lines and all(" std::use_facet<" in line for line in lines), lines
    # a template's mangled name carries its return type: it is printed
    assert "std::ctype<char> const& std::use_facet<std::ctype<char> >" \
           "(std::locale const&)" in lines
    # no wildcard: a part of the name
    r = e2e.run("symbols", "fixtures/build/libcrashpp.so", "parse",
                junit=False)
    assert r.out.splitlines() == ["crashpp::Parser::parse(char const*)",
                                  "crashpp_parse_null"]


def test_symbols_says_when_a_pattern_selects_nothing():
    r = e2e.run("symbols", "fixtures/build/libcrashpp.so", "no_such*",
                junit=False)
    assert r.rc == 1 and r.out == ""
    assert r.err == ("crossrun: symbols: no exported function of "
                     "fixtures/build/libcrashpp.so matches 'no_such*' (a glob "
                     "when it has * ? or [, else a part of the name)\n")


def test_symbols_of_a_missing_library_is_an_error():
    r = e2e.run("symbols", "fixtures/build/libnothere.so", junit=False)
    assert r.rc == 4
    assert "libnothere.so" in r.err


@mark.timeout(120)
def test_a_console_nobody_reads_does_not_end_the_run(tmp_path):
    # crossrun | head: the pipe closes early; the run goes on, the report
    # is written whole and the temporary files are removed.
    junit = tmp_path / "report.xml"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    p = subprocess.Popen([e2e.CROSSRUN, "-j", "1", "--junitxml", str(junit),
                          BASIC, e2e.SUITES + "/state",
                          e2e.SUITES + "/lean"], cwd=e2e.ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, TMPDIR=str(tmp)))
    p.stdout.close()
    assert p.wait(timeout=100) == 1
    r = e2e.Run(1, "", "", str(junit))
    e2e.validate(r)
    whole = e2e.run("-j", "1", BASIC, e2e.SUITES + "/state",
                    e2e.SUITES + "/lean")
    assert sorted(r.cases) == sorted(whole.cases)
    assert os.listdir(tmp) == []
