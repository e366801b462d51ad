"""Real suites of Debian packages under the pytest plugin, as
../shared/tools/plugin-real-suites.sh runs pyflakes' and numpy's: each
package is copied into a work directory and its tests run three ways
(plain pytest: the reference outcomes; pytest --forked; pytest
--crossrun-isolate); prints the tests that end differently under the
plugin, and the times. Exit status 1 when any outcome differs.

    PYTHONPATH=python /usr/bin/python3 bench/plugin_real_suites.py \\
        [--only NAME ...] [--no-forked] WORKDIR
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

DIST = "/usr/lib/python3/dist-packages"
HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.join(os.path.dirname(HERE), "python")

# name: (Debian package, the package's folder copied, test paths in it,
# extra pytest arguments)
SUITES = {
    "simplejson": ("python3-simplejson", "simplejson", ["simplejson/tests"],
                   []),
    "toolz": ("python3-toolz", "toolz", ["toolz/tests"], []),
    "mpmath": ("python3-mpmath", "mpmath",
               ["mpmath/tests/test_basic_ops.py",
                "mpmath/tests/test_convert.py",
                "mpmath/tests/test_functions.py",
                "mpmath/tests/test_matrices.py",
                "mpmath/tests/test_linalg.py"], []),
    "networkx": ("python3-networkx", "networkx",
                 ["networkx/algorithms/tests/test_cycles.py",
                  "networkx/algorithms/tests/test_dag.py",
                  "networkx/algorithms/tests/test_simple_paths.py",
                  "networkx/classes/tests/test_graph.py",
                  "networkx/classes/tests/test_digraph.py"], []),
}


def kinds(path):
    """{(classname, name): outcome} of a JUnit file ({} if unreadable)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    out = {}
    for case in root.iter("testcase"):
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                kind = child.tag
        out[(case.get("classname"), case.get("name"))] = kind
    return out


def run(work, name, paths, extra, args):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [PYDIR] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                   if p])
    xml = os.path.join(work, name + ".xml")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "-p", "crossrun.pytest_plugin", "--junitxml", xml] + extra + \
        args + paths
    t0 = time.monotonic()
    with open(os.path.join(work, name + ".out"), "w") as out:
        subprocess.run(cmd, cwd=work, env=env, stdout=out,
                       stderr=subprocess.STDOUT, timeout=1800)
    return time.monotonic() - t0, kinds(xml)


def one_suite(root, name, forked):
    package, folder, paths, extra = SUITES[name]
    source = os.path.join(DIST, folder)
    if not os.path.isdir(source):
        print("%s: %s is not installed (apt-get install %s)"
              % (name, source, package))
        return None
    work = os.path.join(root, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    shutil.copytree(source, os.path.join(work, folder),
                    ignore=shutil.ignore_patterns("__pycache__"))
    modes = [("plain", [])] + ([("forked", ["--forked"])] if forked else []) \
        + [("crossrun", ["--crossrun-isolate"])]
    took, got = {}, {}
    for mode, args in modes:
        took[mode], got[mode] = run(work, mode, paths, extra, args)
    ref, ours = got["plain"], got["crossrun"]
    diff = [(k, v, ours.get(k)) for k, v in ref.items() if ours.get(k) != v]
    for (cls, test), a, b in diff[:10]:
        print("  %s::%s: plain pytest %s, crossrun plugin %s"
              % (cls, test, a, b))
    times = ", ".join("%s %.1fs" % (m, took[m]) for m, _ in modes)
    print("%s: %d tests; differing outcomes %d; %s%s" % (
        name, len(ref), len(diff), times,
        "; forked/crossrun %.2fx" % (took["forked"] / took["crossrun"])
        if forked else ""))
    return len(diff) == 0 and len(ref) > 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir")
    ap.add_argument("--only", nargs="*", choices=sorted(SUITES),
                    help="the suites to run (default: all)")
    ap.add_argument("--no-forked", action="store_true",
                    help="skip the pytest --forked run")
    opts = ap.parse_args()
    ok = True
    for name in opts.only or sorted(SUITES):
        ok = one_suite(opts.workdir, name, not opts.no_forked) is not False \
            and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
