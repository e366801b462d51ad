"""End-to-end: coverage through isolation (DESIGN.md section 10) against
an independent truth. tests/suites/cov calls libtally (built with
--coverage) from isolated tests; fixtures/cov/tally_driver makes the same
calls in one plain C process that exits normally, so gcov writes its
counts itself. Both are read by gcov --json-format, and compared line by
line: equal for the tests that end normally; for a crash and a timeout,
what the test did before it counts too."""
import os
import re
import shutil
import subprocess
import tempfile

from crossrun import _coverage, mark

import e2e

LIB = os.path.join(e2e.ROOT, "fixtures", "build-cov", "libtally.so")
DRIVER = os.path.join(e2e.ROOT, "fixtures", "build-cov", "tally_driver")
SOURCE = os.path.join(e2e.ROOT, "fixtures", "cov", "tally.c")
SUITE = "tests/suites/cov"
DTD = os.path.join(e2e.ROOT, "tests", "schemas", "coverage-04.dtd")
NORMAL = ["-k", "not crash and not hang"]


def driver_counts(mode):
    """tally.c's {line: count} when tally_driver makes the calls."""
    data = tempfile.mkdtemp(prefix="crossrun-cov-truth-")
    try:
        subprocess.run([DRIVER, LIB, mode], check=True,
                       env=dict(os.environ, GCOV_PREFIX=data))
        return _coverage.native_lines(data)[0][SOURCE]
    finally:
        shutil.rmtree(data)


def crossrun_counts(*options):
    """(tally.c's {line: count}, the run, the reports' directory) of a
    crossrun --cov run of the suite; the caller removes the directory."""
    out = tempfile.mkdtemp(prefix="crossrun-cov-")
    run = e2e.run("--cov=" + out, "-j", "2", *options, SUITE, junit=False)
    native = _coverage.native_lines(
        os.path.join(out, _coverage.DATA_DIR, "gcov"))[0]
    return native.get(SOURCE, {}), run, out


def function_lines(name):
    """The lines of tally.c from the one that opens function `name` to
    its closing brace."""
    with open(SOURCE) as f:
        text = f.read().split("\n")
    first = next(i for i, t in enumerate(text, 1)
                 if re.match(r"\w.*\b%s\(" % name, t))
    last = next(i for i, t in enumerate(text, 1) if i > first and t == "}")
    return set(range(first, last + 1))


@mark.parametrize("isolate", ["test", "file"])
def test_tests_that_end_normally_count_exactly_what_the_driver_counts(
        isolate):
    got, run, out = crossrun_counts("--isolate=" + isolate, *NORMAL)
    try:
        assert e2e.last_line(run.out) == "41 passed, 0 failed", \
            run.out + run.err
        truth = driver_counts("normal")
        assert truth, "the driver's run wrote no counts"
        # Every line gcov knows, with its count: the library's constructor
        # (once per worker), 40 calls of tally_add, 21 of tally_sum with
        # their loop turns, and the functions never called (0).
        assert got == truth
    finally:
        shutil.rmtree(out)


def test_a_crash_and_a_timeout_keep_what_ran_before_them():
    got, run, out = crossrun_counts()
    try:
        assert e2e.last_line(run.out) == "42 passed, 2 failed", run.out
        truth = driver_counts("all")
        fatal = function_lines("tally_poke") | function_lines("tally_spin")
        # What the crashing and the hanging tests called before the crash
        # or the hang is written (from the crash handler; from the SIGTERM
        # handler at the timeout), exactly once, with everything else.
        assert {n: c for n, c in got.items() if n not in fatal} == \
            {n: c for n, c in truth.items() if n not in fatal}
        # The call that crashed counts up to the crash: its lines ran once.
        poke = function_lines("tally_poke") & set(got)
        assert poke and all(got[n] == 1 for n in poke), got
        # The native loop that hung counts the turns it made.
        spin = sorted(function_lines("tally_spin") & set(got))
        assert got[spin[0]] == 1 and max(got[n] for n in spin) > 1, got
    finally:
        shutil.rmtree(out)


def python_hits(out, name):
    """{line: 0 or 1} of tests/suites/cov/<name> in the run's lcov file."""
    hits, current = {}, None
    with open(os.path.join(out, "coverage.info")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                current = line[3:]
            elif line.startswith("DA:") and current.endswith("/" + name):
                n, c = line[3:].split(",")
                hits[int(n)] = int(c)
    return hits


def source_line(name, text):
    with open(os.path.join(e2e.ROOT, SUITE, name)) as f:
        return next(i for i, t in enumerate(f.read().split("\n"), 1)
                    if t.strip() == text)


def test_python_lines_of_each_kind_of_end():
    _, run, out = crossrun_counts()
    try:
        a = python_hits(out, "test_tally_a.py")
        b = python_hits(out, "test_tally_b.py")
        # A test that ends normally: coverage.py's data saved before _exit.
        assert a[source_line("test_tally_a.py", "assert add(-1) == -1")] == 1
        # A timeout in Python: the SIGTERM handler saves it.
        assert b[source_line("test_tally_b.py", "time.sleep(0.05)")] == 1
        # A timeout in native code: Python never runs its handler, and the
        # process is killed: that test's Python lines are lost.
        assert b[source_line("test_tally_b.py", "spin()")] == 0
        # A crash: no Python runs in a crashed process: lost too.
        assert a[source_line("test_tally_a.py", "poke(None)")] == 0
        # What the worker ran (the module's import) is saved by the worker.
        assert a[source_line("test_tally_a.py", "import crossrun")] == 1
        # And the console says what is missing.
        assert e2e.has_line(run.out, r"^coverage: 1 test process crashed: "
                                     r"its gcov counts up to the crash are "
                                     r"in, its Python lines are not$")
        assert e2e.has_line(run.out, r"^coverage: 2 test processes stopped "
                                     r"at a timeout: gcov counts up to then "
                                     r"are in; the Python lines of 1 that "
                                     r"hung in native code are not$")
    finally:
        shutil.rmtree(out)


def test_reports_are_cobertura_lcov_and_a_total_per_language():
    _, run, out = crossrun_counts(*NORMAL)
    try:
        xml = os.path.join(out, "coverage.xml")
        p = subprocess.run(["xmllint", "--noout", "--nonet", "--dtdvalid",
                            DTD, xml], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        errors = [line for line in p.stderr.decode().splitlines()
                  if "failed to load external entity" not in line and
                  "coverage-04.dtd" not in line and line.strip() != "^"]
        assert p.returncode == 0 and not errors, p.stderr.decode()
        with open(xml) as f:
            text = f.read()
        assert 'filename="fixtures/cov/tally.c"' in text
        assert 'filename="tests/suites/cov/test_tally_a.py"' in text
        html = os.path.join(out, "html")
        p = subprocess.run(["genhtml", "-q", "-o", html,
                            os.path.join(out, "coverage.info")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert p.returncode == 0, p.stdout.decode()
        assert os.path.exists(os.path.join(html, "index.html"))
        assert e2e.has_line(run.out, r"^coverage C/C\+\+: \d+\.\d% of \d+ "
                                     r"lines \(\d+ hit\) in 1 file$")
        assert e2e.has_line(run.out, r"^coverage Python: \d+\.\d% of \d+ "
                                     r"lines \(\d+ hit\) in 2 files$")
        assert e2e.last_line(run.out) == "41 passed, 0 failed"
    finally:
        shutil.rmtree(out)


def test_an_empty_cov_path_is_a_usage_error():
    run = e2e.run("--cov=", SUITE, junit=False)
    assert run.rc == 4
    assert "--cov=: empty path" in run.err


def test_processes_that_write_at_once_lose_no_count():
    # 64 processes of one library write its .gcda at the same moment:
    # libgcov's fcntl lock on the file serialises their read-merge-write
    # (gcovflush.h), so the counts add up. (With fcntl's locks turned into
    # no-ops by an LD_PRELOAD shim, this loses one or two processes' counts
    # in many runs.) Each process zeroes what it inherited first
    # (gcov_reset), as a test's process does.
    import ctypes
    from crossrun import _native
    data = tempfile.mkdtemp(prefix="crossrun-cov-race-")
    old = os.environ.get("GCOV_PREFIX")
    os.environ["GCOV_PREFIX"] = data
    try:
        lib = ctypes.CDLL(LIB)
        lib.tally_add.argtypes = [ctypes.c_int]
        assert _native.cov_enable() >= 1
        for _ in range(5):
            lib.tally_add(1)            # the parent's: never written
        go_r, go_w = os.pipe()
        pids = []
        for _ in range(64):
            pid = os.fork()
            if pid == 0:
                os.close(go_w)
                _native.gcov_reset()
                for _ in range(1000):
                    lib.tally_add(1)
                os.read(go_r, 1)        # all at once, at the close below
                os._exit(0 if _native.gcov_dump() >= 1 else 1)
            pids.append(pid)
        os.close(go_r)
        os.close(go_w)
        for pid in pids:
            assert os.waitpid(pid, 0)[1] == 0
        got = _coverage.native_lines(data)[0][SOURCE]
        with open(SOURCE) as f:
            text = f.read().split("\n")
        line = text.index("    total += a;") + 1
        assert got[line] == 64 * 1000
    finally:
        if old is None:
            os.environ.pop("GCOV_PREFIX", None)
        else:
            os.environ["GCOV_PREFIX"] = old
        shutil.rmtree(data)


def test_libraries_in_link_namespaces_of_their_own_are_counted():
    # The order service, loaded with isolated=True (dlmopen), with its
    # database and network libraries: each namespace's objects are found.
    out = tempfile.mkdtemp(prefix="crossrun-cov-ns-")
    try:
        run = e2e.run("--cov=" + out, "fixtures/suite/test_orders.py",
                      junit=False, env={"ORDERS_BUILD": "fixtures/build-cov"})
        assert e2e.last_line(run.out) == "5 passed, 0 failed", run.out
        native = _coverage.native_lines(
            os.path.join(out, _coverage.DATA_DIR, "gcov"))[0]
        orders = os.path.join(e2e.ROOT, "fixtures", "src", "orders.cc")
        assert any(c > 0 for c in native[orders].values()), native
    finally:
        shutil.rmtree(out)


def test_a_stripped_library_is_named_not_silently_missing():
    with tempfile.TemporaryDirectory() as tmp:
        lib = os.path.join(tmp, "libtally_stripped.so")
        subprocess.run(["strip", "-o", lib, LIB], check=True)
        with open(os.path.join(tmp, "test_stripped.py"), "w") as f:
            f.write("import crossrun\n"
                    "add = crossrun.load(%r).fn('long tally_add(int)')\n"
                    "def test_add():\n"
                    "    assert add(1) == 1\n" % lib)
        out = os.path.join(tmp, "reports")
        run = e2e.run("--cov=" + out, tmp, junit=False)
        assert e2e.last_line(run.out) == "1 passed, 0 failed", run.out
        assert e2e.has_line(run.out, r"^coverage: .*libtally_stripped\.so "
                                     r"was built with --coverage but has "
                                     r"no symbol table")
        assert e2e.has_line(run.out, r"^coverage C/C\+\+: no library")


def test_a_cov_path_that_is_a_file_is_a_usage_error():
    with tempfile.NamedTemporaryFile() as f:
        run = e2e.run("--cov=" + f.name, SUITE, junit=False)
    assert run.rc == 4
    assert "cannot make the reports' directory %s: Not a directory" \
        % f.name in run.err
