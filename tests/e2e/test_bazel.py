"""End-to-end with real Bazel (Debian's bazel-bootstrap, offline): a
crossrun suite as an sh_test with shard_count = 4 (tests/bazel). Each
shard runs its share and writes its own JUnit report to XML_OUTPUT_FILE
(not Bazel's stand-in); together they hold every test exactly once; the
TAP stream and the cache land in the undeclared outputs; nothing is
written into the runfiles; --test_filter reaches crossrun as -k.

Skipped when Debian's Bazel is not installed (.ci/run installs it:
apt-get install bazel-bootstrap bazel-platforms bazel-rules-java)."""
import os
import shutil
import stat
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile

from crossrun import mark

import e2e

HERE = os.path.join(e2e.ROOT, "tests", "bazel")
PLATFORMS = "/usr/share/bazel/tools/platforms"
RULES_JAVA = "/usr/share/bazel/rules/java"
MISSING = shutil.which("bazel") is None or not os.path.isdir(PLATFORMS) or \
    not os.path.isdir(RULES_JAVA)
ALL = sorted(["test_one", "test_two", "test_cases[1]", "test_cases[2]",
              "test_cases[3]", "test_three", "test_four", "test_skipped"])


def bazel(tmp, *args):
    """bazel --batch test //:sharded in the copy of the workspace."""
    offline = os.path.join(tmp, "offline")
    cmd = ["bazel", "--batch", "--output_user_root=" + os.path.join(
        tmp, "root"), "test", "//:sharded",
        "--override_repository=remote_coverage_tools=%s/cov" % offline,
        "--override_repository=rules_cc=%s/rcc" % offline,
        "--override_repository=platforms=" + PLATFORMS,
        "--override_repository=rules_java=" + RULES_JAVA,
        "--test_env=CROSSRUN=" + e2e.CROSSRUN, "--test_output=errors"]
    if os.environ.get("ASAN_OPTIONS"):
        cmd.append("--test_env=ASAN_OPTIONS")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEST_", "XML_OUTPUT", "GTEST_", "CI_NODE"))}
    p = subprocess.run(cmd + list(args), cwd=os.path.join(tmp, "ws"),
                       env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=500)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def shard_cases(tmp):
    """{shard number: [testcase names]} from each shard's test.xml."""
    logs = os.path.join(tmp, "ws", "bazel-testlogs", "sharded")
    out = {}
    for k in range(1, 5):
        xml_path = os.path.join(logs, "shard_%d_of_4" % k, "test.xml")
        with open(xml_path, "rb") as f:
            data = f.read()
        r = e2e.Run(0, "", "", None)
        r.xml = data
        e2e.validate(r)
        out[k] = [c.get("name") for c in ET.fromstring(data).iter("testcase")]
    return out


def writable(func, path, _):
    os.chmod(os.path.dirname(path), stat.S_IRWXU)
    os.chmod(path, stat.S_IRWXU)
    func(path)


@mark.skipif(MISSING, reason="Debian's bazel-bootstrap is not installed "
             "(apt-get install bazel-bootstrap bazel-platforms "
             "bazel-rules-java)")
@mark.timeout(600)
def test_sharded_sh_test_under_real_bazel():
    tmp = tempfile.mkdtemp(prefix="crossrun-bazel-")
    try:
        shutil.copytree(os.path.join(HERE, "workspace"),
                        os.path.join(tmp, "ws"))
        shutil.copytree(os.path.join(HERE, "offline"),
                        os.path.join(tmp, "offline"))
        rc, out = bazel(tmp)
        assert rc == 0, out[-3000:]
        cases = shard_cases(tmp)
        assert sorted(n for names in cases.values() for n in names) == ALL
        assert all(cases.values()), cases     # 8 tests: none is empty
        logs = os.path.join(tmp, "ws", "bazel-testlogs", "sharded")
        with zipfile.ZipFile(os.path.join(
                logs, "shard_1_of_4", "test.outputs", "outputs.zip")) as z:
            names = z.namelist()
            tap = z.read("crossrun.tap").decode()
        assert ".crossrun/durations-1-of-4" in names
        assert tap.startswith("TAP version 13\n")
        runfiles = os.path.join(tmp, "ws", "bazel-bin", "sharded.runfiles")
        written = [os.path.join(d, n) for d, dirs, files in
                   os.walk(runfiles) for n in dirs + files
                   if n in ("__pycache__", ".crossrun") or
                   n.endswith((".pyc", ".tmp"))]
        assert written == []
        # bazel test --test_filter: TESTBRIDGE_TEST_ONLY, read as -k.
        rc, out = bazel(tmp, "--test_filter=test_cases or three")
        assert rc == 0, out[-3000:]
        cases = shard_cases(tmp)
        assert sorted(n for names in cases.values() for n in names) == \
            ["test_cases[1]", "test_cases[2]", "test_cases[3]", "test_three"]
    finally:
        shutil.rmtree(tmp, onerror=writable)
