"""The assert-rewrite cache where it cannot be written (a read-only
directory, as Bazel's runfiles are): the file loads, rewritten, and
nothing is cached or left behind."""

import os
import sys
import tempfile

from crossrun import _load

SOURCE = b"def test_x():\n    x = 2\n    assert x + 1 == 4\n"


def _blocked_dir():
    """A directory holding test_ro.py where __pycache__ cannot be made:
    a file of that name is in the way (a read-only directory does the
    same, except to root, which these tests may be)."""
    d = tempfile.mkdtemp(prefix="crossrun-ro-")
    path = os.path.join(d, "test_ro.py")
    with open(path, "wb") as f:
        f.write(SOURCE)
    with open(os.path.join(d, "__pycache__"), "wb"):
        pass
    if os.geteuid() != 0:
        os.chmod(d, 0o555)
    return d, path


def _check_rewritten(code):
    namespace = {"@cr_r": sys.modules["crossrun._assert"]}
    exec(code, namespace)
    try:
        namespace["test_x"]()
    except AssertionError as e:
        assert "where 3 = x + 1" in str(e)
    else:
        raise AssertionError("the rewritten assert did not fail")


def test_no_cache_where_it_cannot_be_written():
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        d, path = _blocked_dir()
        _check_rewritten(_load.rewritten_code(SOURCE, path))
        _check_rewritten(_load.rewritten_code(SOURCE, path))
        assert sorted(os.listdir(d)) == ["__pycache__", "test_ro.py"]
        assert os.path.getsize(os.path.join(d, "__pycache__")) == 0
    finally:
        sys.dont_write_bytecode = saved


def test_the_precompiler_skips_the_cache_where_it_cannot_be_written():
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        d, path = _blocked_dir()
        out = tempfile.mkdtemp(prefix="crossrun-code-")
        _load.precompile(out, [path])
        assert os.listdir(out) == ["0.code"]
        assert sorted(os.listdir(d)) == ["__pycache__", "test_ro.py"]
    finally:
        sys.dont_write_bytecode = saved
