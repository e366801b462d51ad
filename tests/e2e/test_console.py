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
