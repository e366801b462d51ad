"""End-to-end: a test file whose name is not UTF-8 (file names are bytes)
runs like any other, its name shown with the bytes escaped as pytest
shows them."""
import os
import subprocess

import e2e

SOURCE = b"""
def test_a():
    pass

def test_b():
    assert False, "b fails"
"""


def crossrun(tmp_path, *args):
    p = subprocess.run([e2e.CROSSRUN] + list(args) + ["."],
                       cwd=str(tmp_path), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=100)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def test_a_file_named_in_bytes_that_are_not_utf8_runs(tmp_path):
    with open(os.path.join(os.fsencode(str(tmp_path)), b"test_\xffbad.py"),
              "wb") as f:
        f.write(SOURCE)
    rc, out, err = crossrun(tmp_path, "-v", "--junitxml", "r.xml")
    assert rc == 1, out + err
    assert "PASSED  test_\\xffbad.py::test_a" in out, out
    assert "FAILED test_\\xffbad.py::test_b - b fails" in out, out
    assert e2e.last_line(out) == "1 passed, 1 failed"
    assert "internal error" not in err, err
    r = e2e.Run(rc, out, err, str(tmp_path / "r.xml"))
    e2e.validate(r)
    assert sorted(r.cases) == ["test_a", "test_b"]


def test_it_is_listed_by_collect_only(tmp_path):
    with open(os.path.join(os.fsencode(str(tmp_path)), b"test_\xffbad.py"),
              "wb") as f:
        f.write(SOURCE)
    rc, out, err = crossrun(tmp_path, "--collect-only")
    assert rc == 0, out + err
    assert out.splitlines() == ["test_\\xffbad.py::test_a",
                                "test_\\xffbad.py::test_b",
                                "2 tests collected"], out
