"""crossrun --gdb TESTID: the test runs in the foreground under gdb, with
no fork, and gdb stops where the library crashes (gdb reads its commands
from a pipe here, as a person would type them)."""
import os
import subprocess

from crossrun import mark

import e2e

CRASH = e2e.SUITES + "/crash/test_crash.py"


def _gdb(test_id, commands):
    p = subprocess.run([e2e.CROSSRUN, "--gdb", test_id], cwd=e2e.ROOT,
                       input=commands.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120,
                       env=e2e.python_env())
    return p.returncode, p.stdout.decode("utf-8", "replace")


@mark.timeout(150)
def test_gdb_stops_in_the_library_where_it_crashes():
    rc, out = _gdb(CRASH + "::test_segfault", "bt 1\nkill\nquit\n")
    assert "crossrun --gdb: running %s::test_segfault" % CRASH in out, out
    assert "Program received signal SIGSEGV" in out, out
    # the frame gdb stopped in: the library's function, at its source line
    assert e2e.has_line(out, r"#0  .*mb_segfault \(\) at .*misbehave\.c:\d+"), \
        out


@mark.timeout(150)
def test_a_passing_test_runs_to_the_end_under_gdb():
    rc, out = _gdb(e2e.SUITES + "/basic/test_basic.py::test_sum[1-2-3]",
                   "quit\n")
    assert "crossrun --gdb: PASSED" in out, out
    assert "exited normally" in out, out


@mark.timeout(150)
def test_an_unknown_test_id_says_so():
    rc, out = _gdb(CRASH + "::test_nothing_by_that_name", "quit\n")
    assert "crossrun --gdb: no test %s::test_nothing_by_that_name" % CRASH \
        in out, out
    assert "exited with code 04" in out, out


def test_gdb_needs_a_test_id():
    r = e2e.run("--gdb", junit=False)
    assert r.rc == 4
    assert "--gdb" in r.err
