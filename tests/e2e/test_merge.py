"""End-to-end: crossrun merge OUT.xml IN.xml...: the reports of the shares
of a sharded run joined into one valid report, totals recomputed, a test
in two inputs an error naming it (unless --allow-duplicates)."""
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import e2e

MIXED = [e2e.SUITES + "/basic", e2e.SUITES + "/importerr"]


def merge(*args):
    p = subprocess.run([e2e.CROSSRUN, "merge", *args], cwd=e2e.ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def shares(d, total):
    """The JUnit reports of the `total` shares of MIXED, in d."""
    paths = []
    for k in range(1, total + 1):
        path = os.path.join(d, "share%d.xml" % k)
        p = subprocess.run([e2e.CROSSRUN, "-q", "--durations-path",
                            os.devnull, "--shard", "%d/%d" % (k, total),
                            "--junitxml", path, *MIXED], cwd=e2e.ROOT,
                           stdout=subprocess.PIPE)
        assert p.returncode in (0, 1), p.stdout
        paths.append(path)
    return paths


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    r = e2e.Run(0, "", "", None)
    r.xml = data
    e2e.validate(r)
    return ET.fromstring(data)


def cases(root):
    return sorted((c.get("classname"), c.get("name"))
                  for c in root.iter("testcase"))


def test_merged_shares_are_the_whole_run():
    with tempfile.TemporaryDirectory() as d:
        ins = shares(d, 3)
        out = os.path.join(d, "all.xml")
        rc, stdout, err = merge(out, *ins)
        assert rc == 0, err
        assert stdout == "merged 3 reports into %s: 15 tests, 3 failures, " \
                         "2 errors\n" % out
        merged = read(out)
        whole = e2e.run(*MIXED)
        assert cases(merged) == cases(whole.tree.getroot())
        assert merged.tag == "testsuites"
        assert (merged.get("tests"), merged.get("failures"),
                merged.get("errors")) == ("15", "3", "2")
        # Every testsuite of every input, its counts recomputed.
        assert len(merged.findall("testsuite")) == sum(
            len(read(p).findall("testsuite")) for p in ins)
        for suite in merged.findall("testsuite"):
            tcs = suite.findall("testcase")
            assert suite.get("tests") == str(len(tcs))
            assert suite.get("skipped") == str(
                sum(c.find("skipped") is not None for c in tcs))
            assert suite.get("failures") == str(
                sum(c.find("failure") is not None for c in tcs))


def test_a_bare_testsuite_and_an_empty_report_merge_too():
    with tempfile.TemporaryDirectory() as d:
        bare = os.path.join(d, "bare.xml")
        with open(bare, "w") as f:
            f.write('<testsuite name="x" tests="9" failures="9" errors="0">'
                    '<testcase classname="c" name="n" time="0.5">'
                    '<failure message="m">text</failure></testcase>'
                    '</testsuite>')
        empty = os.path.join(d, "empty.xml")
        with open(empty, "w") as f:
            f.write("<testsuites/>")
        out = os.path.join(d, "out.xml")
        rc, stdout, err = merge(out, bare, empty)
        assert rc == 0, err
        merged = read(out)
        suite = merged.find("testsuite")
        assert (suite.get("tests"), suite.get("failures")) == ("1", "1")


def test_a_test_in_two_inputs_is_an_error_naming_it():
    with tempfile.TemporaryDirectory() as d:
        ins = shares(d, 2)
        out = os.path.join(d, "all.xml")
        rc, stdout, err = merge(out, ins[0], ins[1], ins[0])
        assert rc == 4
        # The first, as "classname::name" sorts, of the input given twice.
        first = min("%s::%s" % c for c in cases(read(ins[0])))
        assert err == ("crossrun: error: merge: test %s is in both %s and "
                       "%s (a test runs in one share: was a report given "
                       "twice? --allow-duplicates keeps both)\n"
                       % (first, ins[0], ins[0])), err
        assert not os.path.exists(out)
        rc, stdout, err = merge("--allow-duplicates", out, ins[0], ins[1],
                                ins[0])
        assert rc == 0, err
        assert len(cases(read(out))) == len(cases(read(ins[0]))) * 2 + \
            len(cases(read(ins[1])))


def test_bad_inputs_and_usage_are_errors():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.xml")
        missing = os.path.join(d, "missing.xml")
        rc, _, err = merge(out, missing)
        assert rc == 4
        assert err.startswith("crossrun: error: merge: %s: " % missing)
        other = os.path.join(d, "other.xml")
        with open(other, "w") as f:
            f.write("<html/>")
        rc, _, err = merge(out, other)
        assert rc == 4
        assert err == ("crossrun: error: merge: %s is not a JUnit report "
                       "(its root is <html>, not <testsuites> or "
                       "<testsuite>)\n" % other)
        broken = os.path.join(d, "broken.xml")
        with open(broken, "w") as f:
            f.write("<testsuites><testsuite")
        rc, _, err = merge(out, broken)
        assert rc == 4 and err.startswith("crossrun: error: merge: %s: "
                                          % broken)
        usage = " (usage: crossrun merge [--allow-duplicates] OUT.xml " \
                "IN.xml...)\n"
        rc, _, err = merge(out)
        assert rc == 4
        assert err == "crossrun: error: merge: no input report" + usage
        rc, _, err = merge()
        assert err == "crossrun: error: merge: no output and no input " \
                      "report" + usage
        rc, _, err = merge("--bogus", out, other)
        assert rc == 4
        assert err == "crossrun: error: merge: unknown option '--bogus'" + \
            usage
        assert not os.path.exists(out)


def test_an_output_that_cannot_be_written_exits_3():
    with tempfile.TemporaryDirectory() as d:
        ins = shares(d, 2)
        rc, _, err = merge(d, *ins)    # a directory
        assert rc == 3
        assert err.startswith("crossrun: error: merge: cannot write %s" % d)
