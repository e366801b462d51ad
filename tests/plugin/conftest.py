"""Shared setup of the plugin tests: pytest runs pytest (pytester) with
the checkout's crossrun package, and checks the JUnit XML it writes."""

import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYDIR = os.path.join(REPO, "python")
MISBEHAVE = os.path.join(REPO, "fixtures", "build", "libmisbehave.so")
CRASHPP = os.path.join(REPO, "fixtures", "build", "libcrashpp.so")


def schema_path():
    """junit-10.xsd: in $CROSSRUN_SCHEMA_DIR, else <repo>/../shared/schemas."""
    directory = os.environ.get("CROSSRUN_SCHEMA_DIR") or os.path.join(
        REPO, "..", "shared", "schemas")
    return os.path.join(directory, "junit-10.xsd")


@pytest.fixture(autouse=True)
def checkout_on_path(monkeypatch):
    """Inner pytest runs (subprocesses in a temporary directory) import
    crossrun from this checkout."""
    old = [os.path.abspath(p) for p in
           os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([PYDIR] + old))


@pytest.fixture
def run(pytester):
    """run(*args): pytest with the crossrun plugin in a subprocess, in
    pytester's directory; returns pytester's RunResult."""
    def run(*args, plugin=True):
        full = (["-p", "crossrun.pytest_plugin"] if plugin else []) + \
            [str(a) for a in args]
        return pytester.runpytest_subprocess(*full, timeout=300)
    return run


def validate_junit(path):
    """Fail unless the file at `path` validates against junit-10.xsd."""
    schema = schema_path()
    assert os.path.isfile(schema), (
        "JUnit schema not found at %s: set CROSSRUN_SCHEMA_DIR to the "
        "directory holding junit-10.xsd" % schema)
    proc = subprocess.run(["xmllint", "--noout", "--schema", schema,
                           str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def junit_outcomes(path, validate=True):
    """{(classname, name): (kind, message, text)} of a JUnit file: kind is
    "passed", "failure", "error" or "skipped". Validates it first."""
    if validate:
        validate_junit(path)
    out = {}
    for case in ET.parse(str(path)).getroot().iter("testcase"):
        kind, message, text = "passed", None, None
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                kind, message, text = child.tag, child.get("message"), \
                    child.text
        out[(case.get("classname"), case.get("name"))] = (kind, message,
                                                          text)
    return out


def by_name(outcomes):
    """{name: kind} of junit_outcomes() (names unique within one file)."""
    return {name: v[0] for (_, name), v in outcomes.items()}
