"""End-to-end: -m EXPR selects tests by their marks, as pytest's -m."""
import e2e

SUITE = e2e.SUITES + "/marks"


def collected(*args):
    r = e2e.run("--collect-only", "-q", *args, SUITE, junit=False)
    return r, [line.split("::", 1)[1] for line in r.out.splitlines()
               if "::" in line]


def test_a_mark_name_selects_its_tests_whole_and_case_sensitively():
    r, names = collected("-m", "slow")
    assert r.rc == 0, r.out + r.err
    assert names == ["test_slow", "test_slow_network"]
    _, names = collected("-m", "Slow")
    assert names == ["test_capital_slow"]


def test_expressions_combine_marks():
    _, names = collected("-m", "slow and not network")
    assert names == ["test_slow"]
    _, names = collected("-m", "(network or db) and not slow")
    assert names == ["test_network", "TestGroup::test_in_class"]
    _, names = collected("-m", "parametrize")
    assert names == ["test_cases[1]", "test_cases[2]"]


def test_m_and_k_together():
    _, names = collected("-m", "slow or network", "-k", "network")
    assert names == ["test_slow_network", "test_network"]


def test_marks_select_what_runs():
    r = e2e.run("-m", "not (slow or network or Slow)", SUITE)
    assert r.rc == 0, r.out + r.err
    assert sorted(r.cases) == ["test_cases[1]", "test_cases[2]",
                               "test_in_class", "test_plain"]


def test_an_expression_that_selects_nothing_exits_5():
    r = e2e.run("-m", "nosuchmark", SUITE, junit=False)
    assert r.rc == 5


def test_an_expression_that_cannot_be_read_is_a_usage_error():
    r = e2e.run("-m", "slow and", SUITE, junit=False)
    assert r.rc == 4
    assert r.err == ("crossrun: error: -m 'slow and': expected a name, "
                     "'not' or '(' at column 9, but the expression ends "
                     "there\n")
    r = e2e.run(SUITE, "-m", junit=False)
    assert r.rc == 4
    assert r.err == "crossrun: error: option -m needs a value\n"
