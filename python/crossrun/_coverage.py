"""Coverage through isolation (DESIGN.md section 10): the data and reports.

A run with coverage (crossrun --cov, pytest --crossrun-cov) has a data
directory, PATH/.crossrun-cov, named to its processes by the environment:

    CROSSRUN_COV  the data directory; a worker of the runner named by
                  CROSSRUN_COV_RUNNER (its parent) calls start(), as
                  pytest's processes do under --crossrun-cov
    GCOV_PREFIX   DATA/gcov: libgcov writes each .gcda there, under the
                  absolute path it was built for, so that a run starts
                  from no counts and leaves the build directory alone

start() has coverage.py measure the Python that runs from then on, in
this process and every process it forks (each saves to a data file of its
own: coverage.py names it by the process id when it saves in a forked
child), and turns the gcov flushing of crossrun._native on (covhook.c).
A test's process saves both before its _exit (covhook_end).

end() makes the reports: the gcov counts of every .gcda in DATA/gcov, read
with gcov --json-format (gcc's own reading of its files), and the Python
lines of coverage.py's combined data, each as (file, line) -> hits, then
  PATH/coverage.xml   Cobertura (coverage-04.dtd): GitLab, Jenkins, GitHub
  PATH/coverage.info  an lcov tracefile: genhtml -o PATH/html coverage.info
and one total per language for the console.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

ENV = "CROSSRUN_COV"
# The runner that made the data directory: only its own workers measure,
# not those of a crossrun that a test runs (it inherits the environment).
RUNNER_ENV = "CROSSRUN_COV_RUNNER"
DATA_DIR = ".crossrun-cov"

_cov = None


def _package_dir():
    return os.path.dirname(os.path.abspath(__file__))


def begin(path):
    """Before a run: make PATH and an empty data directory in it, and name
    it in the environment of the processes to come. The data directory.
    RuntimeError when coverage.py or gcov is missing or PATH cannot be a
    directory."""
    try:
        import coverage
        del coverage        # imported: the workers find it so
    except ImportError:
        raise RuntimeError("coverage.py is not installed (Debian: apt-get "
                           "install python3-coverage)") from None
    if shutil.which("gcov") is None:
        raise RuntimeError("gcov is not on PATH (Debian: apt-get install "
                           "gcc)")
    data = os.path.join(os.path.abspath(path), DATA_DIR)
    try:
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(os.path.join(data, "gcov"))
        os.makedirs(os.path.join(data, "python"))
    except OSError as e:
        raise RuntimeError("cannot make the reports' directory %s: %s "
                           "(--cov=PATH names a directory)"
                           % (path, e.strerror or e)) from None
    os.environ[ENV] = data
    os.environ[RUNNER_ENV] = str(os.getpid())
    os.environ["GCOV_PREFIX"] = os.path.join(data, "gcov")
    os.environ.pop("GCOV_PREFIX_STRIP", None)
    return data


def _notes():
    """DATA/ends: a line per test process that wrote its gcov counters
    from the crash handler ("crash") or the SIGTERM handler ("term"), and
    per one whose Python saved at SIGTERM too ("term-python")."""
    data = os.environ.get(ENV)
    return os.path.join(data, "ends") if data else None


def _on_term(signum, frame):
    # The C handler wrote the gcov counters already (gcovflush.c).
    save()
    notes = _notes()
    if notes and (_cov is not None or _current() is not None):
        fd = os.open(notes, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, b"term-python\n")
        os.close(fd)
    os._exit(128 + signum)


def _current():
    """The Coverage that measures this process (ours, or pytest-cov's),
    or None; without importing coverage when nobody did."""
    cov = sys.modules.get("coverage")
    return cov.Coverage.current() if cov is not None else None


def keep_in_children():
    """Have every isolated test's process forked from here from now on
    save what coverage.py measured in it (ours, or pytest-cov's: its
    combine then finds the file) before its _exit, also at a timeout's
    SIGTERM, and flush its gcov counters (covhook.c). Only when
    coverage.py measures this process or gcov flushing was asked for
    (start()). True if on."""
    if _cov is None and _current() is None:
        return False
    from . import _native
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_term)
    _native.cov_enable(save=save, notes=_notes())
    return True


def worker_start():
    """In a worker of the runner: start() when that runner runs with
    --cov (see RUNNER_ENV)."""
    if os.environ.get(RUNNER_ENV) == str(os.getppid()):
        start()


def start(python=True):
    """Measure from now on (see the module's docstring), if the
    environment names a data directory; else nothing. python=False: the
    gcov counters only (coverage.py is measured by someone else, e.g.
    pytest-cov). True if started."""
    global _cov
    data = os.environ.get(ENV)
    if not data or _cov is not None:
        return False
    if python:
        import coverage
        _cov = coverage.Coverage(
            data_file=os.path.join(data, "python", ".coverage"),
            data_suffix=True, config_file=False,
            omit=[os.path.join(_package_dir(), "*"), "/usr/lib/python3*"])
        # A process that ran no test (pytest-xdist's controller) is fine.
        _cov.set_option("run:disable_warnings", ["no-data-collected"])
        _cov.start()
    from . import _native
    if not keep_in_children():
        _native.cov_enable(notes=_notes())
    return True


def _note_stripped():
    """Libraries with gcov counters that cannot be written (no symbol
    table): one line each in DATA/stripped, for end() to say so."""
    data = os.environ.get(ENV)
    if not data:
        return
    from . import _native
    count, first = _native.gcov_stripped()
    if count:
        fd = os.open(os.path.join(data, "stripped"),
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (first + "\n").encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)


def save():
    """Write what coverage.py measured in this process (a data file of
    its own: its process id is in the name)."""
    _note_stripped()
    for cov in {id(c): c for c in (_cov, _current()) if c is not None
                }.values():
        try:
            cov.save()
        except Exception as e:  # a report without these lines, not a crash
            sys.stderr.write("crossrun: coverage: could not save "
                             "coverage.py's data: %s\n" % e)


# ---- reading the data ---------------------------------------------------

def _gcda_files(gcov_dir):
    for root, _, files in os.walk(gcov_dir):
        for name in files:
            if name.endswith(".gcda"):
                yield os.path.join(root, name)


def native_lines(gcov_dir, keep=None):
    """{source path: {line: hits}} and {source path: {function: (first
    line, calls)}} of every .gcda under gcov_dir (a GCOV_PREFIX), read by
    gcov from the notes file (.gcno) where it was built. keep(path): which
    sources to report (default: all but the system's, under /usr/)."""
    keep = keep or (lambda p: not p.startswith("/usr/"))
    lines, funcs = {}, {}
    gcdas = sorted(_gcda_files(gcov_dir))
    for gcda in gcdas:
        built = gcda[len(gcov_dir.rstrip("/")):]
        gcno = built[:-len(".gcda")] + ".gcno"
        beside = gcda[:-len(".gcda")] + ".gcno"
        if not os.path.exists(gcno):
            sys.stderr.write("crossrun: --cov: %s has no notes file %s "
                             "(rebuilt or moved since?): skipped\n"
                             % (gcda, gcno))
            continue
        if not os.path.lexists(beside):
            os.symlink(gcno, beside)
    if not gcdas:
        return lines, funcs
    out = subprocess.run(["gcov", "--json-format", "--stdout"] + gcdas,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=gcov_dir, check=False).stdout.decode()
    dec, pos = json.JSONDecoder(), 0
    while True:
        while pos < len(out) and out[pos].isspace():
            pos += 1
        if pos >= len(out):
            break
        doc, pos = dec.raw_decode(out, pos)
        cwd = doc.get("current_working_directory", "")
        for f in doc.get("files", []):
            path = os.path.normpath(os.path.join(cwd, f["file"]))
            if not keep(path):
                continue
            per = lines.setdefault(path, {})
            for ln in f.get("lines", []):
                n = ln["line_number"]
                per[n] = per.get(n, 0) + ln["count"]
            fn = funcs.setdefault(path, {})
            for g in f.get("functions", []):
                name = g.get("demangled_name") or g["name"]
                first, calls = fn.get(name, (g["start_line"], 0))
                fn[name] = (first, calls + g["execution_count"])
    return lines, funcs


def python_lines(py_dir):
    """{source path: {line: 1 or 0}}: every statement of every Python
    file that coverage.py measured, 1 if it ran. Combines the per-process
    data files of py_dir into one (py_dir/.coverage)."""
    import coverage
    from coverage.exceptions import NoDataError, NoSource
    cov = coverage.Coverage(data_file=os.path.join(py_dir, ".coverage"),
                            config_file=False)
    try:
        cov.combine([py_dir], keep=False)
    except NoDataError:
        return {}
    cov.save()
    lines = {}
    for path in cov.get_data().measured_files():
        try:
            _, statements, _, missing, _ = cov.analysis2(path)
        except (NoSource, coverage.CoverageException):
            continue
        missed = set(missing)
        lines[path] = {n: 0 if n in missed else 1 for n in statements}
    return lines


# ---- writing the reports --------------------------------------------------

def _totals(files):
    found = sum(len(per) for per in files.values())
    hit = sum(1 for per in files.values() for c in per.values() if c > 0)
    return found, hit


def _rate(found, hit):
    return hit / found if found else 0.0


# lcov's test names ("TN:") allow letters, digits and "_" only.
_TEST_NAMES = {"C/C++": "native", "Python": "python"}


def write_lcov(path, languages, funcs):
    """An lcov tracefile of languages ({name: {file: {line: hits}}})."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for name, files in languages.items():
            for src in sorted(files):
                per = files[src]
                out.write("TN:%s\nSF:%s\n" % (_TEST_NAMES[name], src))
                fn = funcs.get(src, {})
                for fname, (first, _) in sorted(fn.items()):
                    out.write("FN:%d,%s\n" % (first, fname))
                for fname, (_, calls) in sorted(fn.items()):
                    out.write("FNDA:%d,%s\n" % (calls, fname))
                if fn:
                    out.write("FNF:%d\nFNH:%d\n" % (
                        len(fn), sum(1 for _, c in fn.values() if c)))
                for n in sorted(per):
                    out.write("DA:%d,%d\n" % (n, per[n]))
                found, hit = _totals({src: per})
                out.write("LF:%d\nLH:%d\nend_of_record\n" % (found, hit))
    os.replace(tmp, path)


def _xml_attr(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def write_cobertura(path, languages, root):
    """A Cobertura report (coverage-04.dtd): one package per language and
    directory, one class per file, its lines with their hits. File names
    are relative to root (the <source>) when under it."""
    allfiles = {}
    for files in languages.values():
        allfiles.update(files)
    found, hit = _totals(allfiles)
    out = ['<?xml version="1.0" ?>\n',
           '<!DOCTYPE coverage SYSTEM '
           '"http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n',
           '<coverage line-rate="%.4f" branch-rate="0" lines-covered="%d" '
           'lines-valid="%d" branches-covered="0" branches-valid="0" '
           'complexity="0" version="crossrun" timestamp="%d">\n'
           % (_rate(found, hit), hit, found, int(time.time() * 1000)),
           '<sources>\n<source>%s</source>\n</sources>\n<packages>\n'
           % _xml_attr(root)]
    for lang, files in languages.items():
        packages = {}
        for src in files:
            rel = os.path.relpath(src, root) if src.startswith(root + "/") \
                else src
            packages.setdefault(os.path.dirname(rel), []).append((rel, src))
        for pkg in sorted(packages):
            pfiles = {src: files[src] for _, src in packages[pkg]}
            pf, ph = _totals(pfiles)
            out.append('<package name="%s" line-rate="%.4f" branch-rate="0" '
                       'complexity="0">\n<classes>\n'
                       % (_xml_attr("%s:%s" % (lang, pkg or ".")),
                          _rate(pf, ph)))
            for rel, src in sorted(packages[pkg]):
                per = files[src]
                cf, ch = _totals({src: per})
                out.append('<class name="%s" filename="%s" line-rate="%.4f" '
                           'branch-rate="0" complexity="0">\n<methods/>\n'
                           '<lines>\n' % (_xml_attr(os.path.basename(rel)),
                                          _xml_attr(rel), _rate(cf, ch)))
                for n in sorted(per):
                    out.append('<line number="%d" hits="%d" branch="false"/>\n'
                               % (n, per[n]))
                out.append('</lines>\n</class>\n')
            out.append('</classes>\n</package>\n')
    out.append('</packages>\n</coverage>\n')
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(out))
    os.replace(tmp, path)


def _ends_lines(data):
    """What the console says of the test processes that did not end
    normally (see _notes)."""
    try:
        with open(os.path.join(data, "ends")) as f:
            words = f.read().split()
    except OSError:
        return []
    crash, term = words.count("crash"), words.count("term")
    lost = term - words.count("term-python")
    out = []
    if crash:
        out.append("coverage: %d test process%s crashed: %s gcov counts up "
                   "to the crash are in, %s Python lines are not"
                   % (crash, "" if crash == 1 else "es",
                      "its" if crash == 1 else "their",
                      "its" if crash == 1 else "their"))
    if term:
        head = "coverage: %d test process%s stopped at a timeout: " % (
            term, "" if term == 1 else "es")
        if lost:
            out.append(head + "gcov counts up to then are in; the Python "
                       "lines of %d that hung in native code are not" % lost)
        else:
            out.append(head + "gcov counts and Python lines up to then "
                       "are in")
    return out


def end(path, root=None):
    """After a run: read the data of PATH's data directory and write
    PATH/coverage.xml and PATH/coverage.info. The console lines: one total
    per language, then where the reports are."""
    path = os.path.abspath(path)
    data = os.path.join(path, DATA_DIR)
    root = os.path.abspath(root or os.getcwd())
    native, funcs = native_lines(os.path.join(data, "gcov"))
    python = python_lines(os.path.join(data, "python"))
    languages = {"C/C++": native, "Python": python}
    write_cobertura(os.path.join(path, "coverage.xml"), languages, root)
    write_lcov(os.path.join(path, "coverage.info"), languages, funcs)
    console = []
    for name, files in languages.items():
        found, hit = _totals(files)
        if name == "C/C++" and not files:
            console.append("coverage C/C++: no library built with "
                           "--coverage wrote counts")
            continue
        if not files:
            console.append("coverage %s: no data" % name)
            continue
        console.append("coverage %s: %.1f%% of %d lines (%d hit) in %d file%s"
                       % (name, 100.0 * _rate(found, hit), found, hit,
                          len(files), "" if len(files) == 1 else "s"))
    try:
        with open(os.path.join(data, "stripped")) as f:
            stripped = sorted(set(f.read().split()))
    except OSError:
        stripped = []
    console.extend(_ends_lines(data))
    for lib in stripped:
        console.append("coverage: %s was built with --coverage but has no "
                       "symbol table (stripped), so its counts could not be "
                       "written from the tests' processes: build it without "
                       "strip or -s" % lib)
    rel = os.path.relpath(path) if path.startswith(os.getcwd()) else path
    console.append("coverage reports: %s/coverage.xml (Cobertura), "
                   "%s/coverage.info (lcov: genhtml -o %s/html %s/coverage"
                   ".info)" % (rel, rel, rel, rel))
    return console
