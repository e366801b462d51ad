"""Console transcripts: what a person reads after a run, line by line
(regular expressions stand for what changes between runs)."""
import os
import re
import tempfile

import e2e

MISSING = '''import crossrun


def test_missing():
    lib = crossrun.load("fixtures/build/libcalc.so")
    lib.fn("int calc::nothere(int)")
'''


def _transcript(out, expected):
    """Every line of expected (a regex) matches the next lines of out, in
    order; other lines of out may come between."""
    lines = out.splitlines()
    at = 0
    for want in expected:
        while at < len(lines) and not re.fullmatch(want, lines[at]):
            at += 1
        assert at < len(lines), "no line matches %r in:\n%s" % (want, out)
        at += 1


def test_an_exception_is_named_once_and_its_list_is_not_left_dangling():
    with tempfile.TemporaryDirectory(dir=e2e.ROOT) as tmp:
        with open(os.path.join(tmp, "test_missing.py"), "w") as f:
            f.write(MISSING)
        r = e2e.run(os.path.relpath(tmp, e2e.ROOT), junit=False)
    assert r.rc == 1
    _transcript(r.out, [
        r"=== FAILURES ===",
        r"___ .*test_missing.py::test_missing ___",
        r"SymbolNotFound: no exported function in fixtures/build/libcalc.so "
        r"matches 'int calc::nothere\(int\)' \(looked for "
        r"calc::nothere\(int\)\); closest exported: calc::\S+\(.*\) "
        r"\(\+\d+ more\)",
        r"=== short test summary ===",
        r"FAILED .*::test_missing - SymbolNotFound: .*; closest exported: "
        r"calc::.* \(\+\d+ more\)",
        r"ran in \d+\.\d\ds",
        r"0 passed, 1 failed",
    ])
    assert "SymbolNotFound: SymbolNotFound" not in r.out
    assert not any(line.endswith("closest exported:")
                   for line in r.out.splitlines()
                   if not line.startswith("crossrun.SymbolNotFound"))


BASIC = e2e.SUITES + "/basic"
COUNTER = e2e.SUITES + "/counter"
SUMMARY = r"\d+ passed, \d+ failed(, \d+ skipped)?(, \d+ xfailed)?" \
    r"(, \d+ errors?)?"


def _summary_is_last(out):
    """The closing line keeps the shape CI parses (DESIGN.md section 3)."""
    assert re.fullmatch(SUMMARY, out.splitlines()[-1]), out


def test_k_says_how_many_tests_it_deselected():
    r = e2e.run("-k", "sum", BASIC, junit=False)
    assert r.rc == 1
    _transcript(r.out, [
        r"tests/suites/basic/test_basic.py \.F",
        r"=== FAILURES ===",
        r"=== short test summary ===",
        r"FAILED tests/suites/basic/test_basic.py::test_sum\[2-2-5\] - .*",
        r"10 deselected",
        r"ran in \d+\.\d\ds",
        r"1 passed, 1 failed",
    ])
    _summary_is_last(r.out)


def test_k_that_selects_nothing_says_so_and_lists_no_files():
    r = e2e.run("-k", "nothing_is_called_this", BASIC, COUNTER, junit=False)
    assert r.rc == 5, r.out + r.err
    assert r.out.splitlines() == [
        "16 deselected: -k selected none of the tests, nothing ran",
        r.out.splitlines()[1],
        "0 passed, 0 failed",
    ], r.out
    assert re.fullmatch(r"ran in \d+\.\d\ds", r.out.splitlines()[1])


def test_k_with_collect_only_says_how_many_it_deselected():
    r = e2e.run("--collect-only", "-k", "sum", BASIC, junit=False)
    assert r.rc == 0, r.out + r.err
    _transcript(r.out, [
        r"tests/suites/basic/test_basic.py::test_sum\[1-2-3\]",
        r"tests/suites/basic/test_basic.py::test_sum\[2-2-5\]",
        r"10 deselected",
        r"2 tests collected",
    ])


def test_x_says_it_stopped_and_how_many_tests_did_not_run():
    r = e2e.run("-j1", "-x", BASIC, junit=False)
    assert r.rc == 1
    _transcript(r.out, [
        r"tests/suites/basic/test_basic.py \.F",
        r"=== FAILURES ===",
        r"___ tests/suites/basic/test_basic.py::test_assert_values ___",
        r"=== short test summary ===",
        r"FAILED tests/suites/basic/test_basic.py::test_assert_values - .*",
        r"!!! stopped after the first failure \(-x\): 10 more tests not "
        r"run !!!",
        r"ran in \d+\.\d\ds",
        r"1 passed, 1 failed",
    ])
    _summary_is_last(r.out)


def test_x_counts_the_files_it_did_not_begin():
    # -j1 runs one file at a time: when the first to fail stops the run,
    # the one that has not begun is counted as such
    r = e2e.run("-j1", "-x", "-k", "not fail", BASIC, COUNTER, junit=False)
    assert r.rc == 1
    _transcript(r.out, [
        r"=== short test summary ===",
        r"!!! stopped after the first failure \(-x\): \d+ more tests? not "
        r"run(, 1 more file not begun)? !!!",
        r"2 deselected",
        r"ran in \d+\.\d\ds",
        SUMMARY,
    ])
    _summary_is_last(r.out)


def _on_a_terminal(*args, **env):
    """Run crossrun with its stdout on a pseudo-terminal 80 columns wide
    (COLUMNS: a fresh pty says 0): rc and what it wrote."""
    import pty
    import subprocess

    master, slave = pty.openpty()
    full = dict(os.environ, COLUMNS="80", TERM="xterm")
    full.pop("NO_COLOR", None)
    full.update(env)
    p = subprocess.Popen([e2e.CROSSRUN] + list(args), cwd=e2e.ROOT,
                         stdout=slave, stderr=subprocess.DEVNULL, env=full)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:         # EIO: the other side is closed
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    rc = p.wait(timeout=120)
    return rc, data.decode("utf-8", "replace").replace("\r\n", "\n")


def test_a_terminal_shows_progress_at_the_end_of_each_file_line():
    rc, out = _on_a_terminal("-j1", "-k", "not fail", BASIC, COUNTER,
                             NO_COLOR="1")
    assert rc == 1
    assert "\033[" not in out      # NO_COLOR: no colours, still progress
    _transcript(out, [
        r"tests/suites/\w+/test_\w+\.py [.Fsx]+ +\[ 50%\]",
        r"tests/suites/\w+/test_\w+\.py [.Fsx]+ +\[100%\]",
        r"2 deselected",
        r"10 passed, 2 failed, 2 skipped",
    ])
    lines = [line for line in out.splitlines() if line.endswith("%]")]
    # as pytest: up to the last column but one (the last would wrap)
    assert [len(line) for line in lines] == [79, 79], out


def test_a_terminal_shows_the_marks_in_pytest_colours():
    rc, out = _on_a_terminal("-j1", BASIC)
    assert rc == 1
    green, red, yellow, reset = "\033[32m", "\033[31m", "\033[33m", \
        "\033[0m"
    line = next(line for line in out.splitlines()
                if line.startswith("tests/suites/basic/test_basic.py"))
    marks = re.sub(r" +\[100%\]$", "", line.split(" ", 1)[1])
    assert marks == "".join(color + m + reset for color, m in [
        (green, "."), (red, "F"), (green, "."), (green, "."), (red, "F"),
        (yellow, "s"), (yellow, "s"), (yellow, "x"), (red, "F"),
        (green, "."), (green, "."), (green, ".")]), repr(line)


def test_color_always_colours_and_shows_progress_when_piped():
    r = e2e.run("--color=always", "-j1", "-k", "sum", BASIC, junit=False)
    assert r.rc == 1
    assert re.search(r"test_basic\.py \033\[32m\.\033\[0m\033\[31mF"
                     r"\033\[0m +\[100%\]\n", r.out), repr(r.out)


def test_a_pipe_gets_neither_colours_nor_progress():
    for args in ([], ["--color=never"]):
        r = e2e.run(*(args + ["-k", "sum", BASIC]), junit=False)
        assert "\033[" not in r.out and "%]" not in r.out, r.out
        assert "tests/suites/basic/test_basic.py .F\n" in r.out
