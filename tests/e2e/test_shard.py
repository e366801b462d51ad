"""End-to-end: sharded runs (DESIGN.md s9): --shard K/N and the sharding
variables of Bazel, GoogleTest and GitLab pick a share of the tests, per
test; every test runs in exactly one share for any number of shares."""
import os
import tempfile

import e2e

BASIC = e2e.SUITES + "/basic"
# The suites' tests and collection errors, by file and across files.
MIXED = [BASIC, e2e.SUITES + "/importerr", e2e.SUITES + "/serial"]
SHARD_VARS = ("TEST_TOTAL_SHARDS", "TEST_SHARD_INDEX", "TEST_SHARD_STATUS_FILE",
              "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", "CI_NODE_TOTAL",
              "CI_NODE_INDEX")


def run(*args, env=None, **kw):
    """crossrun with no sharding variable but those in env, balancing by
    count: the durations other runs record here would change the split
    between the runs of one test (see test_durations.py)."""
    full = {name: "" for name in SHARD_VARS}
    full.update(env or {})
    clean = {k: v for k, v in full.items() if v != ""}
    for name in SHARD_VARS:
        os.environ.pop(name, None)
    return e2e.run("--durations-path", os.devnull, *args, env=clean, **kw)


def listed(*args, env=None):
    """The ids that --collect-only -q lists, and the run."""
    r = run("--collect-only", "-q", *args, env=env, junit=False)
    ids = [line for line in r.out.splitlines() if "::" in line]
    return ids, r


def test_every_test_in_exactly_one_share_for_any_count():
    everything, r = listed(BASIC)
    assert r.rc == 0 and len(everything) == 12, r.out + r.err
    for total in (1, 2, 5, 13):
        shares = [listed("--shard", "%d/%d" % (k, total), BASIC)[0]
                  for k in range(1, total + 1)]
        together = sorted(i for share in shares for i in share)
        assert together == sorted(everything), total
        sizes = [len(share) for share in shares]
        assert max(sizes) - min(sizes) <= 1, (total, sizes)


def test_a_file_is_split_per_test():
    one, _ = listed("--shard", "1/2", BASIC)
    two, _ = listed("--shard", "2/2", BASIC)
    assert len(one) == 6 and len(two) == 6
    assert not set(one) & set(two)


def test_shares_run_and_report_only_their_tests():
    cases = []
    for k in (1, 2, 3):
        r = run("--shard", "%d/3" % k, *MIXED)
        assert r.rc == 1 or k != 1, r.out + r.err
        assert ("shard %d/3 (--shard): " % k) in r.out
        e2e.validate(r)
        cases += [(c.get("classname"), c.get("name"))
                  for c in r.tree.iter("testcase")]
    whole = run(*MIXED)
    expected = sorted((c.get("classname"), c.get("name"))
                      for c in whole.tree.iter("testcase"))
    assert sorted(cases) == expected


def test_a_file_that_does_not_import_fails_in_one_share_only():
    errors = 0
    for k in (1, 2, 3, 4):
        r = run("--shard", "%d/4" % k, e2e.SUITES + "/importerr", junit=False)
        errors += r.out.count("ERROR tests/suites/importerr/test_raises.py")
    assert errors == 1


def test_a_share_with_no_tests_passes():
    r = run("--shard", "15/15", BASIC, junit=False)
    assert r.rc == 0, r.out + r.err
    assert "no tests in this share: 15 shares for 12 tests" in r.out


def test_bazel_variables_are_0_based_and_the_status_file_is_touched():
    with tempfile.TemporaryDirectory() as d:
        status = os.path.join(d, "status")
        for index in range(3):
            ids, r = listed(BASIC, env={"TEST_TOTAL_SHARDS": "3",
                                        "TEST_SHARD_INDEX": str(index),
                                        "TEST_SHARD_STATUS_FILE": status})
            assert r.rc == 0, r.out + r.err
            assert ids == listed("--shard", "%d/3" % (index + 1), BASIC)[0]
            assert os.path.exists(status)
            os.unlink(status)


def test_gtest_variables_are_0_based():
    for index in range(2):
        ids, r = listed(BASIC, env={"GTEST_TOTAL_SHARDS": "2",
                                    "GTEST_SHARD_INDEX": str(index)})
        assert r.rc == 0, r.out + r.err
        assert ids == listed("--shard", "%d/2" % (index + 1), BASIC)[0]


def test_gitlab_variables_are_1_based():
    for index in (1, 2, 3):
        ids, r = listed(BASIC, env={"CI_NODE_TOTAL": "3",
                                    "CI_NODE_INDEX": str(index)})
        assert r.rc == 0, r.out + r.err
        assert ids == listed("--shard", "%d/3" % index, BASIC)[0]


def test_gitlab_without_parallel_is_one_share():
    ids, r = listed(BASIC, env={"CI_NODE_TOTAL": "1"})
    assert r.rc == 0 and len(ids) == 12, r.out + r.err


def test_shard_option_wins_over_the_variables():
    env = {"TEST_TOTAL_SHARDS": "2", "TEST_SHARD_INDEX": "0",
           "GTEST_TOTAL_SHARDS": "4", "GTEST_SHARD_INDEX": "3",
           "CI_NODE_TOTAL": "3", "CI_NODE_INDEX": "3"}
    ids, _ = listed("--shard", "2/2", BASIC, env=env)
    assert ids == listed("--shard", "2/2", BASIC)[0]
    # Bazel's, then GoogleTest's, then GitLab's.
    ids, _ = listed(BASIC, env=env)
    assert ids == listed("--shard", "1/2", BASIC)[0]
    del env["TEST_TOTAL_SHARDS"], env["TEST_SHARD_INDEX"]
    ids, _ = listed(BASIC, env=env)
    assert ids == listed("--shard", "4/4", BASIC)[0]


def usage_error(args, env, message):
    r = run(BASIC, *args, env=env, junit=False)
    assert r.rc == 4, r.out + r.err
    assert r.err == "crossrun: error: %s\n" % message, r.err
    assert r.out == ""


def test_bad_shard_values_are_usage_errors_naming_the_variable():
    usage_error(["--shard", "0/3"], None,
                "option --shard: '0/3' is not K/N with 1 <= K <= N <= "
                "1000000 (e.g. --shard 2/4: the second of four shares)")
    usage_error(["--shard", "4/3"], None,
                "option --shard: '4/3' is not K/N with 1 <= K <= N <= "
                "1000000 (e.g. --shard 2/4: the second of four shares)")
    usage_error(["--shard"], None, "option --shard needs a value")
    usage_error([], {"TEST_TOTAL_SHARDS": "3", "TEST_SHARD_INDEX": "3"},
                "TEST_SHARD_INDEX='3' is not a shard index from 0 to 2 "
                "(TEST_TOTAL_SHARDS=3)")
    usage_error([], {"TEST_TOTAL_SHARDS": "x", "TEST_SHARD_INDEX": "0"},
                "TEST_TOTAL_SHARDS='x' is not a number of shards from 1 to "
                "1000000")
    usage_error([], {"GTEST_TOTAL_SHARDS": "2", "GTEST_SHARD_INDEX": "-1"},
                "GTEST_SHARD_INDEX='-1' is not a shard index from 0 to 1 "
                "(GTEST_TOTAL_SHARDS=2)")
    usage_error([], {"GTEST_TOTAL_SHARDS": "0", "GTEST_SHARD_INDEX": "0"},
                "GTEST_TOTAL_SHARDS='0' is not a number of shards from 1 to "
                "1000000")
    usage_error([], {"CI_NODE_TOTAL": "3", "CI_NODE_INDEX": "0"},
                "CI_NODE_INDEX='0' is not a shard index from 1 to 3 "
                "(CI_NODE_TOTAL=3)")
    usage_error([], {"CI_NODE_TOTAL": "3"},
                "CI_NODE_TOTAL=3 is set but CI_NODE_INDEX is not (set both, "
                "or neither)")
