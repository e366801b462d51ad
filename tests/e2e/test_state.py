"""End-to-end: what a test's process starts with. A library's global
state (fixtures/src/counter.c) is fresh in every test under
--isolate=test and shared by a file's tests under --isolate=file; a
library loaded with isolated=True is fresh either way. The JUnit report
says which tests saw which count. And the worker, of which each test's
process is a copy, carries little."""
import os
import subprocess

from crossrun import mark

import e2e

SUITE = e2e.SUITES + "/counter"


@mark.timeout(120)
def test_fresh_state_in_every_test():
    r = e2e.run("--isolate=test", SUITE)
    assert r.rc == 0, r.out + r.err
    assert e2e.last_line(r.out) == "4 passed, 0 failed", r.out
    e2e.validate(r)
    for name in ("test_first", "test_second", "test_third",
                 "test_own_namespace_is_always_fresh"):
        assert r.outcome(name) == "passed", (name, r.out)


@mark.timeout(120)
def test_shared_state_in_a_file():
    r = e2e.run("--isolate=file", "-j", "1", SUITE)
    assert r.rc == 1, r.out + r.err
    assert e2e.last_line(r.out) == "2 passed, 2 failed", r.out
    e2e.validate(r)
    assert r.outcome("test_first") == "passed"
    # the second and third tests see the count the earlier ones left
    for name, seen in (("test_second", 2), ("test_third", 3)):
        assert r.outcome(name) == "failure", (name, r.out)
        node = r.child(name, "failure")
        assert node.get("type") == "AssertionError"
        assert "where %d = counter_next()" % seen in (node.text or ""), \
            (name, node.text)
    assert r.outcome("test_own_namespace_is_always_fresh") == "passed"


def bare_interpreter_imports(env):
    """The modules that Python imports before running anything, with the
    site setup of env (its .pth files, a sitecustomize)."""
    p = subprocess.run([os.environ.get("PY", "/usr/bin/python3"), "-c",
                        "import sys; print(','.join(sys.modules))"],
                       stdout=subprocess.PIPE, env=dict(os.environ, **env),
                       check=True)
    return p.stdout.decode().strip()


@mark.timeout(120)
@mark.parametrize("startup", ["bare", "importing"])
def test_the_worker_stays_lean(tmp_path, startup):
    """Each test's process is a copy of its worker: the parser, inspect,
    json, re and traceback stay out of it until a test fails, whatever
    the machine's site setup imports at every start (as Debian's
    python3-matplotlib does through a .pth file)."""
    env = {}
    if startup == "importing":
        (tmp_path / "sitecustomize.py").write_text(
            "import importlib.util, json\n")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(tmp_path)] + [p for p in os.environ.get(
                "PYTHONPATH", "").split(os.pathsep) if p])
    env["CROSSRUN_LEAN_BASELINE"] = bare_interpreter_imports(env)
    r = e2e.run("-j", "1", e2e.SUITES + "/lean", env=env)
    assert r.rc == 1, r.out + r.err
    assert e2e.last_line(r.out) == "4 passed, 1 failed", r.out
    e2e.validate(r)
    for name in ("test_the_worker_loads_nothing_heavy",
                 "test_a_rewritten_assert_still_explains",
                 "test_code_page_tables_come_from_the_worker",
                 "test_2_then_tracebacks_are_loaded"):
        assert r.outcome(name) == "passed", (name, r.out)
    node = r.child("test_1_fails", "failure")
    assert "assert 1 == 2" in (node.text or ""), node.text


@mark.timeout(120)
def test_the_precompiler_leaves_nothing_behind():
    import shutil
    import tempfile
    # A fresh cache next to a file would make the precompiler skip it.
    shutil.rmtree(os.path.join(e2e.ROOT, e2e.SUITES, "precompiled",
                               "__pycache__"), ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix="crossrun-e2e-tmp-")
    r = e2e.run("-j", "1", e2e.SUITES + "/precompiled",
                env={"TMPDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1"})
    assert r.rc == 0, r.out + r.err
    assert e2e.last_line(r.out) == "3 passed, 0 failed", r.out
    assert os.listdir(tmp) == []
    os.rmdir(tmp)


@mark.parametrize("isolate", ["test", "file"])
def test_j1_runs_one_file_at_a_time(tmp_path, isolate):
    # The next file's worker may start while the last one exits, never
    # while it still runs a test or a teardown.
    r = e2e.run("-j", "1", "--isolate=" + isolate, e2e.SUITES + "/serial",
                env={"CROSSRUN_E2E_DIR": str(tmp_path)})
    assert r.rc == 0, r.out + r.err
    assert e2e.last_line(r.out) == "4 passed, 0 failed"
