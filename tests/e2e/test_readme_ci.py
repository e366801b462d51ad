"""The README's "Running in CI" snippets work as written: the GitLab
jobs and the GitHub Actions matrix, parsed as YAML, their commands run
for each node (crossrun for `crossrun`, the basic suite for `tests`),
and the merged report holds every test once."""
import glob
import os
import shlex
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import yaml

import e2e


def block(start, end):
    with open(os.path.join(e2e.ROOT, "README.md")) as f:
        text = f.read()
    i = text.index(start)
    j = text.index(end, i)
    return yaml.safe_load("\n".join(line[4:] for line in
                                    text[i:j].splitlines()))


def workdir():
    d = tempfile.mkdtemp(prefix="crossrun-ci-")
    shutil.copytree(os.path.join(e2e.ROOT, e2e.SUITES, "basic"),
                    os.path.join(d, "tests"))
    return d


def sh(d, command, env):
    """Run a snippet's command in d, as the CI would with env set."""
    for name, value in env.items():
        command = command.replace("$" + name, value)
    argv = []
    for word in shlex.split(command):       # as the shell globs
        matches = sorted(glob.glob(os.path.join(d, word)))
        argv += [os.path.relpath(m, d) for m in matches] \
            if "*" in word and matches else [word]
    if argv[0] in ("crossrun", "runner/crossrun"):
        argv[0] = e2e.CROSSRUN
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("CI_NODE", "TEST_", "GTEST_"))}
    full.update(env)
    return subprocess.run(argv, cwd=d, env=full, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)


def merged_cases(d):
    path = os.path.join(d, "reports", "junit.xml")
    with open(path, "rb") as f:
        r = e2e.Run(0, "", "", None)
        r.xml = f.read()
    e2e.validate(r)
    return sorted(c.get("name") for c in ET.fromstring(r.xml).iter(
        "testcase"))


ALL = sorted(["test_pass", "test_assert_values", "test_fixture",
              "test_sum[1-2-3]", "test_sum[2-2-5]", "test_skipped",
              "test_skip_inside", "test_known_bug", "test_fail_call",
              "test_method", "test_module_fixture_a",
              "test_module_fixture_b"])


def test_gitlab_parallel_and_merge():
    jobs = block("    test:\n      parallel: 4", "GitHub Actions")
    d = workdir()
    nodes = jobs["test"]["parallel"]
    for k in range(1, nodes + 1):
        env = {"CI_NODE_TOTAL": str(nodes), "CI_NODE_INDEX": str(k)}
        for command in jobs["test"]["script"]:
            p = sh(d, command, env)
            assert p.returncode in (0, 1), p.stdout.decode()
    for command in jobs["report"]["script"]:
        p = sh(d, command, {})
        assert p.returncode == 0, p.stdout.decode()
    assert merged_cases(d) == ALL
    assert jobs["report"]["artifacts"]["reports"]["junit"] == \
        "reports/junit.xml"


def test_github_actions_matrix_and_merge():
    wf = block("    jobs:\n      test:\n        runs-on", "## Isolating")
    d = workdir()
    shards = wf["jobs"]["test"]["strategy"]["matrix"]["shard"]
    runs = [s["run"] for s in wf["jobs"]["test"]["steps"]
            if "run" in s and s["run"] != "make"]
    for k in shards:
        for command in runs:
            p = sh(d, command.replace("${{ matrix.shard }}", str(k)), {})
            assert p.returncode in (0, 1), p.stdout.decode()
    for s in wf["jobs"]["report"]["steps"]:
        if s.get("run", "make") != "make":
            p = sh(d, s["run"], {})
            assert p.returncode == 0, p.stdout.decode()
    assert merged_cases(d) == ALL
