"""End-to-end: what a run leaves in .crossrun/ (durations, lastfailed)
and what the next run does with it: shares balanced by recorded time
(--durations-path), --lf and --ff. Each test runs crossrun in a fresh
directory holding a copy of a suite, so that no other run's cache is
read."""
import os
import shutil
import subprocess
import tempfile

import e2e

NAMES = ["test_pass", "test_assert_values", "test_fixture",
         "test_sum[1-2-3]", "test_sum[2-2-5]", "test_skipped",
         "test_skip_inside", "test_known_bug", "test_fail_call",
         "TestGroup::test_method", "test_module_fixture_a",
         "test_module_fixture_b"]
IDS = ["suite/test_basic.py::" + name for name in NAMES]


class Here:
    """A directory with suite/ (a copy of tests/suites/basic) where
    crossrun runs with no sharding variable set."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        shutil.copytree(os.path.join(e2e.ROOT, e2e.SUITES, "basic"),
                        os.path.join(self.dir, "suite"))

    def run(self, *args, env=None):
        full = {k: v for k, v in os.environ.items()
                if not k.startswith(("TEST_", "GTEST_", "CI_NODE_"))}
        full.update(env or {})
        p = subprocess.run([e2e.CROSSRUN, *args], cwd=self.dir, env=full,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def listed(self, *args):
        rc, out, err = self.run("--collect-only", "-q", *args)
        assert rc == 0, out + err
        return [line for line in out.splitlines() if "::" in line]

    def read(self, name):
        with open(os.path.join(self.dir, ".crossrun", name)) as f:
            return f.read()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


def test_every_run_records_durations_and_failures():
    h = Here()
    rc, out, err = h.run("suite")
    assert rc == 1, out + err
    lines = h.read("durations").splitlines()
    recorded = [line.split(" ", 1)[1] for line in lines]
    # Every test that ran (not the skipped ones), once each, in the order
    # they ended (the file is written as the run goes, not held whole).
    assert len(recorded) == len(set(recorded))
    assert sorted(recorded) == sorted(set(IDS) - {
        "suite/test_basic.py::test_skipped",
        "suite/test_basic.py::test_skip_inside"})
    for line in lines:
        seconds = line.split(" ", 1)[0]
        assert float(seconds) >= 0 and len(seconds.split(".")[1]) == 6
    failed = [line.split(" ", 1)[1]
              for line in h.read("lastfailed").splitlines()]
    assert sorted(failed) == ["suite/test_basic.py::test_assert_values",
                      "suite/test_basic.py::test_fail_call",
                      "suite/test_basic.py::test_sum[2-2-5]"]
    assert not [n for n in os.listdir(os.path.join(h.dir, ".crossrun"))
                if ".tmp" in n]


def test_collect_only_records_nothing():
    h = Here()
    h.listed("suite")
    assert not os.path.exists(os.path.join(h.dir, ".crossrun"))


def test_a_later_run_keeps_the_durations_of_tests_it_did_not_run():
    h = Here()
    h.run("suite")
    h.run("suite/test_basic.py::test_pass")
    assert len(h.read("durations").splitlines()) == 10


def test_shares_are_balanced_by_recorded_time():
    h = Here()
    # One test as long as all the others together and more.
    path = h.write("durations.txt", "".join(
        "%.6f %s\n" % (100.0 if i.endswith("::test_pass") else 1.0, i)
        for i in IDS))
    one = h.listed("--durations-path", path, "--shard", "1/2", "suite")
    two = h.listed("--durations-path", path, "--shard", "2/2", "suite")
    assert one == ["suite/test_basic.py::test_pass"]
    assert sorted(two) == sorted(set(IDS) - set(one))
    # Read only: the run records its durations in .crossrun/ instead.
    h.run("--durations-path", path, "--shard", "2/2", "suite")
    with open(path) as f:
        assert "100.000000 suite/test_basic.py::test_pass" in f.read()
    assert len(h.read("durations-2-of-2").splitlines()) == 9
    assert not os.path.exists(os.path.join(h.dir, ".crossrun", "durations"))


def test_shares_run_one_after_another_here_split_alike():
    h = Here()
    h.run("suite")
    ran = []
    for k in (1, 2, 3):
        rc, out, err = h.run("-v", "--shard", "%d/3" % k, "suite")
        ran += [line.split()[1] for line in out.splitlines()
                if line.endswith("s)")]
    # Each share records in its own file: the next share's split reads
    # the same durations as the first one's.
    assert sorted(ran) == sorted(IDS)
    assert sum(len(h.read("durations-%d-of-3" % k).splitlines())
               for k in (1, 2, 3)) == 10


def test_tests_with_no_record_weigh_the_median():
    h = Here()
    # Recorded: 4 s, 2 s, 1 s; the other nine weigh the median, 2 s:
    # 25 s in all over 5 shares. Greedy from the heaviest: the 4 s test
    # first, the 2 s ones one per share and then beside each other, the
    # 1 s one last: the longest share is 6 s (ideal: 5 s).
    path = h.write("durations.txt",
                   "4 %s\n2 %s\n1 %s\n" % (IDS[0], IDS[1], IDS[2]))
    shares = [h.listed("--durations-path", path, "--shard", "%d/5" % k,
                       "suite") for k in range(1, 6)]
    assert IDS[0] in shares[0] and len(shares[0]) == 2
    assert IDS[2] in shares[2] and len(shares[2]) == 3
    assert [len(s) for s in shares] == [2, 3, 3, 2, 2]
    assert sorted(i for s in shares for i in s) == sorted(IDS)


def test_a_cache_line_that_cannot_be_read_is_ignored():
    h = Here()
    good = "12 %s\n0.5 %s\n" % (IDS[0], IDS[5])
    clean = h.write("clean.txt", good)
    path = h.write("durations.txt", "garbage\n-1 %s\n%s7 \n" % (IDS[1], good))
    for k in (1, 2, 3):
        shard = "%d/3" % k
        assert h.listed("--durations-path", path, "--shard", shard,
                        "suite") == \
            h.listed("--durations-path", clean, "--shard", shard, "suite")
    # A directory is not a file of durations: said, and not used.
    rc, out, err = h.run("--durations-path", h.dir, "--shard", "1/2",
                         "suite")
    assert rc == 1 and "crossrun: warning: cannot read %s" % h.dir in err


def test_durations_path_needs_a_value():
    h = Here()
    rc, out, err = h.run("suite", "--durations-path")
    assert rc == 4
    assert err == "crossrun: error: option --durations-path needs a value\n"
    rc, out, err = h.run("--durations-path=", "suite")
    assert rc == 4
    assert err == "crossrun: error: option --durations-path: empty path\n"


def test_last_failed_runs_only_the_failed_tests():
    h = Here()
    rc, out, err = h.run("--lf", "suite")
    assert "--lf: no failed tests recorded: running all" in out
    assert e2e.last_line(out) == \
        "6 passed, 3 failed, 2 skipped, 1 xfailed", out
    rc, out, err = h.run("--lf", "-v", "suite")
    assert rc == 1
    assert "--lf: running the tests that failed last time" in out
    assert e2e.last_line(out) == "0 passed, 3 failed", out


def test_failed_first_runs_them_before_the_others():
    h = Here()
    h.run("suite")
    rc, out, err = h.run("--ff", "-v", "-j", "1", "suite")
    assert rc == 1
    # -v: one line per test as it ends, "OUTCOME ID (TIME)".
    order = [line.split()[1] for line in out.splitlines()
             if line.endswith("s)") and line.split()[0] in
             ("PASSED", "FAILED", "SKIPPED", "XFAIL")]
    assert sorted(order[:3]) == ["suite/test_basic.py::test_assert_values",
                                 "suite/test_basic.py::test_fail_call",
                                 "suite/test_basic.py::test_sum[2-2-5]"]
    assert sorted(order) == sorted(IDS)
