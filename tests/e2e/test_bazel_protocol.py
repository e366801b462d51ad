"""End-to-end: Bazel's test protocol (DESIGN.md s9) with its variables
set as Bazel sets them, without Bazel (test_bazel.py runs real Bazel):
XML_OUTPUT_FILE, TEST_PREMATURE_EXIT_FILE, TEST_TMPDIR,
TEST_UNDECLARED_OUTPUTS_DIR, TESTBRIDGE_TEST_ONLY and
TEST_INFRASTRUCTURE_FAILURE_FILE."""
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import e2e

SUITE = e2e.SUITES + "/bazel"


class Bazel:
    """A temporary directory holding what Bazel would give a test."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.path = {name: os.path.join(d, name) for name in (
            "test.xml", "premature", "infra", "outputs", "tmp")}
        os.mkdir(self.path["outputs"])
        os.mkdir(self.path["tmp"])
        self.env = {"XML_OUTPUT_FILE": self.path["test.xml"],
                    "TEST_PREMATURE_EXIT_FILE": self.path["premature"],
                    "TEST_INFRASTRUCTURE_FAILURE_FILE": self.path["infra"],
                    "TEST_UNDECLARED_OUTPUTS_DIR": self.path["outputs"],
                    "TEST_TMPDIR": self.path["tmp"]}

    def run(self, *args, **env):
        full = dict(self.env, **env)
        return e2e.run(*args, junit=False, env=full)

    def exists(self, name):
        return os.path.exists(self.path[name])

    def read(self, name):
        with open(self.path[name], "rb") as f:
            return f.read()

    def cases(self):
        tree = ET.fromstring(self.read("test.xml"))
        return sorted(c.get("name") for c in tree.iter("testcase"))


def test_the_report_goes_to_xml_output_file():
    b = Bazel()
    r = b.run(SUITE)
    assert r.rc == 0, r.out + r.err
    assert b.cases() == ["test_other", "test_premature_exit_file_exists_"
                         "while_tests_run", "test_scratch_goes_under_test_"
                         "tmpdir"]
    r.xml = b.read("test.xml")
    e2e.validate(r)


def test_junitxml_wins_over_xml_output_file():
    b = Bazel()
    r = e2e.run(SUITE, env=b.env)
    assert r.rc == 0 and len(r.cases) == 3
    assert not b.exists("test.xml")


def test_premature_exit_file_is_removed_on_a_clean_exit():
    b = Bazel()
    r = b.run(SUITE)      # a test checks that it exists meanwhile
    assert r.rc == 0, r.out + r.err
    assert not b.exists("premature")
    r = b.run(e2e.SUITES + "/basic")   # failed tests: still a clean exit
    assert r.rc == 1
    assert not b.exists("premature")


def test_tap_stream_and_cache_go_to_the_undeclared_outputs():
    b = Bazel()
    r = b.run(SUITE)
    assert r.rc == 0
    outputs = b.path["outputs"]
    with open(os.path.join(outputs, "crossrun.tap")) as f:
        tap = f.read()
    assert tap.startswith("TAP version 13\n") and "1..3" in tap
    assert os.path.exists(os.path.join(outputs, ".crossrun", "durations"))
    assert not os.path.exists(os.path.join(e2e.ROOT, SUITE, "__pycache__"))


def test_crash_evidence_goes_to_the_undeclared_outputs():
    b = Bazel()
    r = b.run(e2e.SUITES + "/crash")
    assert r.rc == 1
    with open(os.path.join(b.path["outputs"],
                           "crossrun-crashes.txt")) as f:
        text = f.read()
    assert "== tests/suites/crash/test_crash.py::" in text
    assert "SIGSEGV" in text


def test_testbridge_test_only_filters_like_k():
    b = Bazel()
    r = b.run(SUITE, TESTBRIDGE_TEST_ONLY="scratch or other")
    assert r.rc == 0
    assert b.cases() == ["test_other", "test_scratch_goes_under_test_tmpdir"]
    r = b.run("-k", "not other", SUITE, TESTBRIDGE_TEST_ONLY="scratch or "
              "other")
    assert b.cases() == ["test_scratch_goes_under_test_tmpdir"]
    r = b.run(SUITE, TESTBRIDGE_TEST_ONLY="scratch or")
    assert r.rc == 4
    assert r.err.startswith("crossrun: error: -k 'scratch or': ")


def test_a_failure_of_crossrun_itself_is_written_for_bazel():
    b = Bazel()
    # A test puts a directory where the report is to go: the report
    # cannot be renamed there, and the run fails itself.
    r = b.run(e2e.SUITES + "/bazel_break")
    assert r.rc == 3, r.out + r.err
    text = b.read("infra").decode()
    assert text.startswith("crossrun failed (exit status 3): ")
    assert "Is a directory" in text
    assert b.exists("premature")     # not a clean exit
    b2 = Bazel()
    b2.run(SUITE)
    assert not b2.exists("infra")


def test_bazel_files_that_cannot_be_created_are_usage_errors():
    b = Bazel()
    bad = os.path.join(b.tmp.name, "no", "such", "dir", "file")
    r = b.run(SUITE, TEST_PREMATURE_EXIT_FILE=bad)
    assert r.rc == 4
    assert r.err == ("crossrun: error: TEST_PREMATURE_EXIT_FILE=%s: cannot "
                     "create it: No such file or directory\n" % bad)
    r = b.run(SUITE, TEST_TOTAL_SHARDS="2", TEST_SHARD_INDEX="0",
              TEST_SHARD_STATUS_FILE=bad)
    assert r.rc == 4
    assert r.err == ("crossrun: error: TEST_SHARD_STATUS_FILE=%s: cannot "
                     "create it: No such file or directory\n" % bad)
