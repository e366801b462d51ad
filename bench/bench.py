"""make bench: the targets of DESIGN.md section 8, measured side by side
with the peers in the same run, printed as ratios. Nothing here asserts a
threshold: the figures are for people to read.

  1. per-test isolation overhead (fork per test, trivial tests, -j 1)
     against pytest --forked (python3-pytest-forked);
  2. a 2,000-test suite with -j 2 against in-process pytest;
  3. runner memory for 10,000 and 100,000 tests;
  4. shard balance: the longest of 4 shares of a suite with skewed
     durations against the ideal (total / 4), split by recorded time and
     by count (DESIGN.md section 9);
  5. the FFI, declaration-lookup and pytest-plugin benchmarks, when
     present (bench/*_bench.py).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CROSSRUN = os.path.join(ROOT, "runner", "crossrun")
PY = os.environ.get("PY", "/usr/bin/python3")


def make_suite(where, files, per_file):
    os.makedirs(where, exist_ok=True)
    for f in range(files):
        with open(os.path.join(where, "test_gen%03d.py" % f), "w") as out:
            for t in range(per_file):
                out.write("def test_%d():\n    assert %d + 1 == %d\n\n"
                          % (t, t, t + 1))


def timed(cmd, cwd, repeat=3):
    """Best wall time of `repeat` runs (seconds); the command must pass."""
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit("bench: %s failed:\n%s" % (" ".join(cmd),
                                                 p.stdout.decode()[-2000:]))
        best = dt if best is None else min(best, dt)
    return best


def peak_rss_kib(cmd, cwd):
    """Peak resident memory of the runner process itself (VmHWM)."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.05)
    return peak


# Skewed durations (seconds): a few long tests, many short ones.
SKEWED = [1.2, 0.8, 0.5, 0.3, 0.3] + [0.1] * 5 + [0.03] * 30


def make_skewed_suite(where):
    """4 files of 10 tests that sleep SKEWED's durations, the long ones
    spread over the files; returns the total of the durations."""
    os.makedirs(where, exist_ok=True)
    for f in range(4):
        with open(os.path.join(where, "test_skew%d.py" % f), "w") as out:
            out.write("import time\n\n")
            for t in range(10):
                out.write("def test_%d():\n    time.sleep(%g)\n\n"
                          % (t, SKEWED[(t * 4 + f * 7) % len(SKEWED)]))
    return sum(SKEWED)


def recorded(tmp):
    """The durations the last run in tmp recorded: {id: seconds}."""
    with open(os.path.join(tmp, ".crossrun", "durations")) as f:
        return {line.split(" ", 1)[1].rstrip("\n"): float(line.split()[0])
                for line in f}


def share_ids(tmp, spec, extra):
    p = subprocess.run([CROSSRUN, "--collect-only", "-q", "--shard", spec]
                       + extra + ["skewed"], cwd=tmp, stdout=subprocess.PIPE)
    return [line for line in p.stdout.decode().splitlines() if "::" in line]


def shard_balance(tmp, shares=4):
    """Run the skewed suite once (recording its durations in
    .crossrun/), then split it into `shares` by time and by count: print
    the longest share against the ideal, by the recorded durations (what
    the split controls) and by each share's wall time (which adds
    crossrun's start and the collection of the files). It runs in a
    directory of its own: the other sections' runs record their tests
    in the .crossrun/ of theirs."""
    tmp = os.path.join(tmp, "balance")
    os.makedirs(tmp)
    suite = os.path.join(tmp, "skewed")
    make_skewed_suite(suite)
    subprocess.run([CROSSRUN, "-q", "-j", "1", "skewed"], cwd=tmp,
                   stdout=subprocess.DEVNULL)
    took = recorded(tmp)
    total = sum(took.values())
    ideal = total / shares
    goal = max(0.1 * ideal, max(took.values()))
    print("%d tests, %.3f s recorded in all, %d shares: ideal %.3f s, "
          "longest test %.3f s" % (len(took), total, shares, ideal,
                                   max(took.values())))
    for how, extra in (("by time ", []),
                       ("by count", ["--durations-path", os.devnull])):
        loads = [sum(took[i] for i in share_ids(tmp, "%d/%d" % (k, shares),
                                                 extra))
                 for k in range(1, shares + 1)]
        walls = [timed([CROSSRUN, "-q", "-j", "1", "--shard",
                        "%d/%d" % (k, shares)] + extra + ["skewed"], tmp,
                       repeat=1) for k in range(1, shares + 1)]
        print("split %s: recorded %s s, longest %.3f s = ideal %+.1f%% "
              "(%+.3f s; goal: at most %+.3f s, 10%% or one test: %s)"
              % (how, " ".join("%.2f" % x for x in loads), max(loads),
                 (max(loads) - ideal) / ideal * 100, max(loads) - ideal,
                 goal, "met" if max(loads) - ideal <= goal else "missed"))
        print("               wall     %s s, longest %.3f s"
              % (" ".join("%.2f" % w for w in walls), max(walls)))


def pytest_cmd(*extra):
    return [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + list(extra)


def main():
    tmp = tempfile.mkdtemp(prefix="crossrun-bench-")
    try:
        suite = os.path.join(tmp, "suite")
        n = 2000
        make_suite(suite, 20, n // 20)
        # Both pytest and crossrun cache rewritten test files unless
        # PYTHONDONTWRITEBYTECODE is set; the best of three runs is timed,
        # so the caches are warm when they are on.
        print("(bytecode caches %s)" % (
            "off: PYTHONDONTWRITEBYTECODE is set" if os.environ.get(
                "PYTHONDONTWRITEBYTECODE") else "on"))
        print("== isolation overhead, %d trivial tests in 20 files, -j 1" % n)
        iso = timed([CROSSRUN, "-q", "-j", "1", "suite"], tmp)
        inproc = timed([CROSSRUN, "-q", "-j", "1", "--isolate=file",
                        "suite"], tmp)
        py = timed(pytest_cmd("suite"), tmp)
        forked = timed(pytest_cmd("--forked", "suite"), tmp, repeat=1)
        over = (iso - inproc) / n * 1000
        fover = (forked - py) / n * 1000
        print("crossrun isolated     %7.3f ms/test" % (iso / n * 1000))
        print("crossrun in-process   %7.3f ms/test" % (inproc / n * 1000))
        print("pytest in-process     %7.3f ms/test" % (py / n * 1000))
        print("pytest --forked       %7.3f ms/test" % (forked / n * 1000))
        print("isolation overhead: crossrun %.3f ms/test (target < 0.5), "
              "pytest-forked %.3f ms/test" % (over, fover))
        print("ratio pytest-forked / crossrun overhead: %.1fx (target >= 10x)"
              % (fover / over if over > 0 else float("inf")))

        print("\n== %d tests, crossrun -j 2 against in-process pytest" % n)
        j2 = timed([CROSSRUN, "-q", "-j", "2", "suite"], tmp)
        print("crossrun -j 2 isolated %6.3f s, pytest in-process %6.3f s: "
              "ratio pytest / crossrun %.2fx (target > 1)" % (j2, py, py / j2))

        print("\n== runner memory (peak RSS of the runner process)")
        for total in (10000, 100000):
            big = os.path.join(tmp, "big%d" % total)
            make_suite(big, 100, total // 100)
            kib = peak_rss_kib([CROSSRUN, "-q", "-j", "2",
                                "--isolate=file", big], tmp)
            print("%6d tests: %6.1f MiB" % (total, kib / 1024))

        print("\n== shard balance (--shard K/4, -j 1 each)")
        shard_balance(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for extra in ("ffi_bench.py", "lookup_bench.py", "plugin_bench.py"):
        path = os.path.join(ROOT, "bench", extra)
        if os.path.exists(path):
            print("\n== %s" % extra)
            env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
            subprocess.run([PY, path], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
