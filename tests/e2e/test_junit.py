"""The JUnit report against what pytest writes for the same tests: the
same elements with the same attributes, and times that add up."""
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import e2e

SUITE = "tests/suites/basic"


def _pytest_junit():
    """pytest's own xunit2 report of SUITE (the crossrun plugin loaded so
    that crossrun's marks and fixtures work)."""
    fd, path = tempfile.mkstemp(suffix=".xml", prefix="crossrun-e2e-pt-")
    os.close(fd)
    env = e2e.python_env()
    try:
        subprocess.run([os.environ.get("PY", "/usr/bin/python3"), "-m",
                        "pytest", "-q", "-p", "no:cacheprovider", "-p",
                        "crossrun.pytest_plugin", "--junitxml", path,
                        "-o", "junit_family=xunit2", SUITE],
                       cwd=e2e.ROOT, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
        return ET.parse(path)
    finally:
        os.unlink(path)


def _attrs(tree, tag):
    return set().union(*(set(e.attrib) for e in tree.iter(tag)))


def test_every_element_has_the_attributes_pytest_writes():
    r = e2e.run("-j", "1", SUITE)
    e2e.validate(r)
    theirs = _pytest_junit()
    for tag in ("testsuite", "testcase", "failure", "skipped", "error"):
        mine = _attrs(r.tree, tag)
        assert _attrs(theirs, tag) <= mine, tag


def test_a_suite_takes_the_time_its_tests_took():
    r = e2e.run("-j", "1", SUITE)
    suite = next(r.tree.iter("testsuite"))
    total = float(suite.get("time"))
    cases = [float(c.get("time")) for c in suite.iter("testcase")]
    assert total > 0
    # each case's time is rounded to a millisecond
    assert total >= sum(cases) - 0.001 * len(cases)
    root = r.tree.getroot()
    if root.get("time") is not None:
        assert float(root.get("time")) >= total - 0.001
