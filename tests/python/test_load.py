"""Loading test files with their asserts rewritten (_load.py): the cache
next to the file, the compile child that keeps the parser out of the
worker, and errors raised where the file is imported."""

import os
import sys

from crossrun import _load

from sample import write

SOURCE = b"def test_x():\n    x = 2\n    assert x + 1 == %d\n"


EXPLAINED = "assert x + 1 == 4\n +  where 3 = x + 1\n +    where 2 = x"


def _file(value=4):
    path = os.path.abspath(write(""))
    with open(path, "wb") as f:
        f.write(SOURCE % value)
    return path


def _message(code):
    """What the rewritten test_x of `code` says when it fails."""
    namespace = {"@cr_r": sys.modules["crossrun._assert"]}
    exec(code, namespace)
    try:
        namespace["test_x"]()
    except AssertionError as e:
        return str(e)
    return None


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def test_rewritten_in_a_child_without_loading_the_parser_here():
    # A test runs in a copy of the worker, which never loads ast.
    assert "ast" not in sys.modules
    sys.dont_write_bytecode = True
    path = _file()
    code = _load.rewritten_code(_read(path), path)
    assert _message(code) == EXPLAINED
    assert "ast" not in sys.modules
    assert "crossrun._rewrite" not in sys.modules
    assert not os.path.exists(_load.cache_path(path))


def test_cache_is_written_then_used():
    sys.dont_write_bytecode = False
    path = _file()
    first = _load.rewritten_code(_read(path), path)
    assert os.path.exists(_load.cache_path(path))

    def no_compiling(*args):
        raise AssertionError("compiled again although cached")
    _load._compile_in_child = no_compiling
    second = _load.rewritten_code(_read(path), path)
    assert _message(first) == _message(second) == EXPLAINED


def test_changed_source_is_compiled_again():
    sys.dont_write_bytecode = False
    path = _file(4)
    _load.rewritten_code(_read(path), path)
    with open(path, "wb") as f:
        f.write(SOURCE % 44)        # another size: another key
    code = _load.rewritten_code(_read(path), path)
    assert _message(code).startswith("assert x + 1 == 44")


def test_cache_of_another_rewriter_is_ignored():
    sys.dont_write_bytecode = False
    path = _file()
    _load.rewritten_code(_read(path), path)
    _load._stamp = (1, 2)           # as if _rewrite.py had changed
    calls = []
    real = _load._compile_in_child

    def counting(*args):
        calls.append(args)
        return real(*args)
    _load._compile_in_child = counting
    _load.rewritten_code(_read(path), path)
    assert len(calls) == 1


def test_corrupt_cache_is_ignored():
    sys.dont_write_bytecode = False
    path = _file()
    _load.rewritten_code(_read(path), path)
    cache = _load.cache_path(path)
    blob = _read(cache)
    with open(cache, "wb") as f:
        f.write(blob[:-10])
    code = _load.rewritten_code(_read(path), path)
    assert _message(code) == EXPLAINED


def test_syntax_error_is_raised_where_the_file_is_loaded():
    sys.dont_write_bytecode = True
    path = os.path.abspath(write("def test_x(:\n    pass\n"))
    try:
        _load.rewritten_code(_read(path), path)
    except SyntaxError as e:
        assert e.filename == path and e.lineno == 1
    else:
        raise AssertionError("no SyntaxError")


def test_precompile_writes_each_file_by_number_and_skips_bad_ones():
    import tempfile
    sys.dont_write_bytecode = True
    good = _file()
    bad = os.path.abspath(write("def test_x(:\n    pass\n"))
    warns = os.path.abspath(write("def test_x():\n    assert (1, 'a')\n"))
    directory = tempfile.mkdtemp(dir=os.path.dirname(good))
    _load.precompile(directory, [good, bad, warns, good + ".missing"])
    assert sorted(os.listdir(directory)) == ["0.code"]
    _load.CODE_DIR = directory
    assert _load.precompiled_path(0) == os.path.join(directory, "0.code")
    assert _load.precompiled_path(None) is None

    def no_compiling(*args):
        raise AssertionError("compiled although precompiled")
    _load._compile_in_child = no_compiling
    code = _load.rewritten_code(_read(good), good, _load.precompiled_path(0))
    assert _message(code) == EXPLAINED


def test_precompiled_code_of_a_changed_file_is_not_used():
    import tempfile
    sys.dont_write_bytecode = True
    path = _file(4)
    directory = tempfile.mkdtemp(dir=os.path.dirname(path))
    _load.precompile(directory, [path])
    with open(path, "wb") as f:
        f.write(SOURCE % 44)
    code = _load.rewritten_code(_read(path), path,
                                os.path.join(directory, "0.code"))
    assert _message(code).startswith("assert x + 1 == 44")


def test_precompile_fills_the_cache_and_skips_what_it_holds():
    import tempfile
    sys.dont_write_bytecode = False
    path = _file()
    directory = tempfile.mkdtemp(dir=os.path.dirname(path))
    _load.precompile(directory, [path])
    assert os.listdir(directory) == ["0.code"]
    assert os.path.exists(_load.cache_path(path))
    os.unlink(os.path.join(directory, "0.code"))
    _load.precompile(directory, [path])     # cached: nothing to do
    assert os.listdir(directory) == []
    code = _load.rewritten_code(_read(path), path,
                                os.path.join(directory, "0.code"))
    assert _message(code) == EXPLAINED
