"""Helpers of the end-to-end tests: run runner/crossrun as a user would,
and read back what it wrote (console, JUnit XML validated by xmllint)."""
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CROSSRUN = os.path.join(ROOT, "runner", "crossrun")
SCHEMA_DIR = os.environ.get(
    "CROSSRUN_SCHEMA_DIR",
    os.path.join(os.path.dirname(ROOT), "shared", "schemas"))
SUITES = "tests/suites"


class Run:
    """One finished run: rc, out, err, and the JUnit report if asked (its
    bytes in .xml; the file is removed once read)."""

    def __init__(self, rc, out, err, junit_path):
        self.rc = rc
        self.out = out
        self.err = err
        self.xml = None
        self.cases = {}
        if junit_path and os.path.exists(junit_path):
            with open(junit_path, "rb") as f:
                self.xml = f.read()
            os.unlink(junit_path)
            self.tree = ET.ElementTree(ET.fromstring(self.xml))
            for case in self.tree.iter("testcase"):
                self.cases[case.get("name")] = case

    def outcome(self, name):
        """'passed', or the tag of the case's child: failure, error,
        skipped."""
        case = self.cases[name]
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                return tag
        return "passed"

    def child(self, name, tag):
        return self.cases[name].find(tag)


def run(*args, junit=True, timeout=120, env=None):
    """Run crossrun with args from the repository root."""
    path = None
    cmd = [CROSSRUN]
    if junit:
        fd, path = tempfile.mkstemp(suffix=".xml", prefix="crossrun-e2e-")
        os.close(fd)
        os.unlink(path)
        cmd += ["--junitxml", path]
    cmd += list(args)
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=full_env)
    r = Run(p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), path)
    return r


def python_env(**extra):
    """The environment for a $PY that imports this checkout's crossrun
    package: under SANITIZE its extension needs the sanitizer runtime
    preloaded (make check says which in CROSSRUN_PY_PRELOAD)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    if os.environ.get("CROSSRUN_PY_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["CROSSRUN_PY_PRELOAD"]
    env.update(extra)
    return env


def validate(run, schema="junit-10.xsd"):
    """xmllint's verdict on the JUnit report of `run` (a Run) against a
    schema of ../shared/schemas."""
    assert run.xml is not None, "the run wrote no JUnit report"
    p = subprocess.run(["xmllint", "--noout", "--schema",
                        os.path.join(SCHEMA_DIR, schema), "-"],
                       input=run.xml, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    assert p.returncode == 0, p.stdout.decode("utf-8", "replace")


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def has_line(text, pattern):
    return any(re.search(pattern, line) for line in text.splitlines())
