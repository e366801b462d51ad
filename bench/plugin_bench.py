"""Isolated-test overhead under pytest: plain, --forked, --crossrun-isolate.

Generates N trivial tests (default 500) in a temporary directory and times,
in this one run, plain pytest (in-process), pytest --forked (pytest-forked)
and pytest --crossrun-isolate on them, each in a fresh interpreter; prints
the wall time per test of each and the ratio forked / crossrun. The
collection and start-up cost is taken out by also timing a run that
deselects every test (-k), so the figures are per test.

    PYTHONPATH=python /usr/bin/python3 bench/plugin_bench.py [N] [--repeat R]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.join(os.path.dirname(HERE), "python")


def write_suite(directory, n):
    with open(os.path.join(directory, "test_trivial.py"), "w") as f:
        for i in range(n):
            f.write("def test_%d():\n    assert %d == %d\n" % (i, i, i))


def timed(directory, args):
    """Seconds the pytest run with `args` took, best of the runs made."""
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
    if proc.returncode not in (0, 5):
        sys.exit("bench: %s failed:\n%s" % (" ".join(cmd), proc.stdout))
    return elapsed


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


if __name__ == "__main__":
    main()
