"""Isolated-test overhead under pytest: plain, --forked, --crossrun-isolate.

1. Generates N trivial tests (default 500) in a temporary directory and
   times, in this one run, plain pytest (in-process), pytest --forked
   (pytest-forked) and pytest --crossrun-isolate on them, each in a fresh
   interpreter; prints the wall time per test of each and the ratio
   forked / crossrun. The collection and start-up cost is taken out by
   also timing a run that deselects every test (-k), so the figures are
   per test.
2. Real suites (when their Debian packages are installed): pyflakes'
   unittest-style tests and numpy's test_numeric, the selection of
   ../shared/tools/plugin-real-suites.sh, run the same three ways; prints
   the whole run's time of each, the ratio forked / crossrun, how many
   tests end differently under the plugin than under plain pytest, and
   the bound that the tests themselves set (plain pytest's collection
   plus the tests' own time: tests run one at a time).

    PYTHONPATH=python /usr/bin/python3 bench/plugin_bench.py [N] [--repeat R]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.join(os.path.dirname(HERE), "python")


def write_suite(directory, n):
    with open(os.path.join(directory, "test_trivial.py"), "w") as f:
        for i in range(n):
            f.write("def test_%d():\n    assert %d == %d\n" % (i, i, i))


def timed(directory, args, ok=(0, 5)):
    """Seconds the pytest run with `args` took."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [PYDIR] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                   if p])
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "-p", "crossrun.pytest_plugin", "-p", "no:xdist"] + args
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=directory, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    elapsed = time.monotonic() - t0
    if proc.returncode not in ok:
        sys.exit("bench: %s failed:\n%s" % (" ".join(cmd), proc.stdout))
    return elapsed


DIST = "/usr/lib/python3/dist-packages"
# The selection of plugin-real-suites.sh.
REAL_FILES = ["pyflakes/test/test_dict.py", "pyflakes/test/test_imports.py",
              "pyflakes/test/test_other.py", "np/test_numeric.py"]
REAL_KEYWORD = "not TestTypes"


def copy_real_suites(directory):
    """Copy the real suites' files into directory; False when a package
    is missing."""
    pyflakes = os.path.join(DIST, "pyflakes")
    numeric = os.path.join(DIST, "numpy", "core", "tests",
                           "test_numeric.py")
    if not (os.path.isdir(pyflakes) and os.path.isfile(numeric)):
        return False
    shutil.copytree(pyflakes, os.path.join(directory, "pyflakes"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(directory, "np"))
    shutil.copy(numeric, os.path.join(directory, "np"))
    return True


def junit_kinds(path):
    """{(classname, name): outcome} of a JUnit file."""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                kind = child.tag
        out[(case.get("classname"), case.get("name"))] = kind
    return out


def junit_test_seconds(path):
    """The tests' own time in a JUnit file: the sum of their durations
    (setup, call and teardown, as pytest measures them)."""
    return sum(float(case.get("time") or 0)
               for case in ET.parse(path).getroot().iter("testcase"))


def print_bound(took, tests_own, collect):
    """What this machine allows on the real suites: every way runs the
    tests one at a time in the order pytest gives, so none can take less
    than plain pytest's collection plus the tests' own time; and so the
    ratio forked / crossrun cannot pass forked / (that time)."""
    plain = took["plain pytest"]
    floor = collect + tests_own
    rest = max(plain - floor, 0.0)
    print("  bound: plain pytest %.2f s = start-up and collection %.2f s + "
          "the tests' own time %.2f s + pytest's work around each test "
          "%.2f s;" % (plain, collect, tests_own, rest))
    print("  one test at a time, no run takes less than %.2f s, so forked "
          "/ crossrun is at most %.1fx here (forked / plain: %.1fx)" % (
              floor, took["pytest --forked"] / floor,
              took["pytest --forked"] / plain))


def real_suites(modes):
    with tempfile.TemporaryDirectory(prefix="crossrun-bench-real-") as d:
        if not copy_real_suites(d):
            print("real suites: python3-pyflakes or python3-numpy is not "
                  "installed; skipped")
            return
        took, kinds = {}, {}
        for name, args in modes:
            xml = os.path.join(d, "%d.xml" % len(took))
            took[name] = timed(d, args + ["-k", REAL_KEYWORD,
                                          "--junitxml", xml] + REAL_FILES,
                               ok=(0, 1))
            kinds[name] = junit_kinds(xml)
            if name == "plain pytest":
                tests_own = junit_test_seconds(xml)
        collect = timed(d, ["--collect-only", "-k", REAL_KEYWORD]
                        + REAL_FILES)
    ref = kinds["plain pytest"]
    ours = kinds["pytest --crossrun-isolate"]
    differ = sum(1 for k, v in ref.items() if ours.get(k) != v)
    print("real suites (pyflakes, numpy test_numeric): %d tests, whole "
          "runs:" % len(ref))
    for name, _ in modes:
        print("  %-28s %7.2f s" % (name, took[name]))
    forked = took["pytest --forked"]
    cr = took["pytest --crossrun-isolate"]
    print("  forked / crossrun: %.1fx, plain / crossrun: %.2fx; outcomes "
          "differing from plain pytest: %d" % (
              forked / cr, took["plain pytest"] / cr, differ))
    print_bound(took, tests_own, collect)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=500,
                    help="number of tests (default 500)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each mode, the best counts (default 3)")
    opts = ap.parse_args()
    modes = [("plain pytest", []),
             ("pytest --forked", ["--forked"]),
             ("pytest --crossrun-isolate", ["--crossrun-isolate"])]
    with tempfile.TemporaryDirectory(prefix="crossrun-bench-") as d:
        write_suite(d, opts.n)
        base = min(timed(d, ["-k", "no_such_test"])
                   for _ in range(opts.repeat))
        per_test = {}
        for name, args in modes:
            best = min(timed(d, args) for _ in range(opts.repeat))
            per_test[name] = max(best - base, 0.0) / opts.n * 1000.0
    print("%d trivial tests, best of %d runs, start-up (%.0f ms) "
          "subtracted:" % (opts.n, opts.repeat, base * 1000))
    for name, _ in modes:
        print("  %-28s %7.3f ms/test" % (name, per_test[name]))
    forked = per_test["pytest --forked"]
    ours = per_test["pytest --crossrun-isolate"]
    print("  forked / crossrun: %.1fx" % (forked / ours if ours else
                                          float("inf")))
    real_suites(modes)


if __name__ == "__main__":
    main()
