"""Coverage through isolation in pytest: --crossrun-cov counts the native
calls and the Python of isolated tests like plain ones, and pytest-cov's
--cov keeps the data of isolated tests."""

import os
import subprocess

from conftest import REPO

TALLY = os.path.join(REPO, "fixtures", "build-cov", "libtally.so")
TALLY_C = os.path.join(REPO, "fixtures", "cov", "tally.c")
DTD = os.path.join(REPO, "tests", "schemas", "coverage-04.dtd")

SUITE = """
import ctypes, time, pytest
lib = ctypes.CDLL(%r)

@pytest.mark.parametrize("k", range(5))
def test_add(k):
    assert lib.tally_add(k) >= k

def test_sum():
    assert lib.tally_sum(4) == 6

@pytest.mark.isolated(timeout=1)
def test_python_hang():
    lib.tally_sum(3)
    while True:
        time.sleep(0.05)
""" % TALLY


def lcov_lines(path, source):
    """{line: hits} of source in an lcov tracefile."""
    hits, current = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                current = line[3:]
            elif line.startswith("DA:") and current == source:
                n, c = line[3:].split(",")
                hits[int(n)] = int(c)
    return hits


def line_of(path, text):
    with open(path) as f:
        return next(i for i, t in enumerate(f.read().split("\n"), 1)
                    if t.strip() == text)


def counts(pytester, run, *isolate):
    pytester.makepyfile(test_tally=SUITE)
    result = run("--crossrun-cov=cov", "-p", "no:cacheprovider", *isolate)
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines([
        "*crossrun coverage*",
        "coverage C/C++: *% of * lines (* hit) in 1 file",
        "coverage Python: *% of * lines (* hit) in 1 file"])
    info = str(pytester.path / "cov" / "coverage.info")
    return (lcov_lines(info, TALLY_C),
            lcov_lines(info, str(pytester.path / "test_tally.py")))


def test_isolated_tests_count_as_plain_ones(pytester, run):
    plain, _ = counts(pytester, run)
    isolated, python = counts(pytester, run, "--crossrun-isolate")
    # The same calls whether the tests ran in pytest's process or each in
    # its own (only test_python_hang is isolated in the plain run).
    assert plain == isolated and plain
    assert plain[line_of(TALLY_C, "total += a;")] == 5
    assert plain[line_of(TALLY_C, "s += i;")] == 4 + 3
    # The Python of an isolated test that timed out in Python is kept.
    assert python[line_of(str(pytester.path / "test_tally.py"),
                          "time.sleep(0.05)")] == 1
    # pytest-xdist's workers (each loads the library: its constructor
    # counts twice) write theirs too.
    spread, _ = counts(pytester, run, "--crossrun-isolate", "-n", "2")
    assert spread[line_of(TALLY_C, "total += a;")] == 5
    assert spread[line_of(TALLY_C, "s += i;")] == 4 + 3
    xml = str(pytester.path / "cov" / "coverage.xml")
    p = subprocess.run(["xmllint", "--noout", "--nonet", "--dtdvalid", DTD,
                        xml], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_pytest_cov_keeps_the_data_of_isolated_tests(pytester, run):
    pytester.makepyfile(mod="""
def size(x):
    if x > 2:
        return "big"
    return "small"
""", test_mod="""
import time, pytest, mod

@pytest.mark.isolated(timeout=1)
def test_big_then_hang():
    assert mod.size(3) == "big"
    while True:
        time.sleep(0.05)

def test_small():
    assert mod.size(1) == "small"
""")
    result = run("--cov=mod", "--cov-report=term-missing",
                 "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    # Both branches ran, one in an isolated child that timed out (pytest-
    # cov saves a forked test's data in its teardown, which a test that
    # times out never reaches: the SIGTERM handler saves it): nothing is
    # missing.
    result.stdout.fnmatch_lines(["mod.py * 4 * 0 * 100%*"])
