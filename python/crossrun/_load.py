"""Loading a test file with its asserts rewritten, without the parser in
the process that runs the tests.

Every page of the worker is copied into each test's process and torn down
after it, so the worker stays lean: the rewritten code comes from

- the runner's precompiler: a child of the runner that loads the parser
  once and rewrites every test file of the run, in the order they run,
  into a private directory (precompile(); CODE_DIR);
- else a cache next to the file (__pycache__/NAME.TAG.crossrun.pyc, like
  pytest's; not written when bytecode writing is off);
- else a short-lived child that parses and rewrites the file and sends the
  code back (marshal), writing the cache on the way.

Where the parser is loaded already (under pytest), the file is rewritten
in place. A file that does not compile is compiled here, so its
SyntaxError is raised here.
"""

import _frozen_importlib_external as _external
import marshal
import os
import sys

from . import _assert

_HERE = os.path.dirname(os.path.abspath(__file__))
_stamp = None

# The precompiler's directory, set in the runner before it forks anyone;
# file number N of the run is N.code there once it is compiled.
CODE_DIR = None


def _rewriter_stamp():
    """What identifies the rewriter's code and the helpers its code calls:
    a cache made by another version of them is not used."""
    global _stamp
    if _stamp is None:
        _stamp = ()
        for name in ("_rewrite.py", "_assert.py"):
            try:
                st = os.stat(os.path.join(_HERE, name))
                _stamp += (st.st_mtime_ns, st.st_size)
            except OSError:
                _stamp += (None,)
    return _stamp


def cache_path(path):
    """Where the rewritten code of the source file `path` is cached."""
    directory, base = os.path.split(path)
    stem = base[:-3] if base.endswith(".py") else base
    return os.path.join(directory, "__pycache__", "%s.%s.crossrun.pyc"
                        % (stem, sys.implementation.cache_tag))


def _key(path, st):
    return marshal.dumps((_external.MAGIC_NUMBER, path, st.st_mtime_ns,
                          st.st_size) + tuple(_rewriter_stamp()))


def precompiled_path(index):
    """Where the precompiler puts file number `index` of the run, or None
    (no precompiler)."""
    if CODE_DIR is None or index is None or index < 0:
        return None
    return os.path.join(CODE_DIR, "%d.code" % index)


def _read_cache(cache, key):
    try:
        with open(cache, "rb") as f:
            blob = f.read()
    except OSError:
        return None
    if not blob.startswith(key):
        return None
    try:
        code = marshal.loads(blob[len(key):])
    except (EOFError, ValueError, TypeError):
        return None
    return code if type(code) is type(_read_cache.__code__) else None


def _write(target, key, blob):
    """key + blob to the file `target`, whole or not at all."""
    tmp = "%s.%d.tmp" % (target, os.getpid())
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(key + blob)
        os.replace(tmp, target)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _write_cache(path, key, blob):
    if not sys.dont_write_bytecode:
        _write(cache_path(path), key, blob)


def _compile_in_child(data, path, key):
    """marshal bytes of the rewritten code, made by a forked child (which
    also writes the cache), or None when it could not."""
    try:
        r, w = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:
        status = 1
        try:
            os.close(r)
            from . import _rewrite
            blob = marshal.dumps(_rewrite.compile_source(data, path))
            _write_cache(path, key, blob)
            view = memoryview(blob)
            while view:
                view = view[os.write(w, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(w)
    chunks = []
    try:
        while True:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = -1
    return b"".join(chunks) if status == 0 and chunks else None


def rewritten_code(data, path, precompiled=None):
    """The code object of the source `data` (bytes) of the file at `path`
    with its asserts rewritten. Raises SyntaxError when it has one.
    precompiled: where the precompiler writes this file, or None."""
    try:
        key = _key(path, os.stat(path))
    except OSError:
        key = None
    for cache in (precompiled, cache_path(path)):
        code = _read_cache(cache, key) if key and cache else None
        if code is not None:
            return code
    if key is not None and "crossrun._rewrite" not in sys.modules \
            and "ast" not in sys.modules:
        blob = _compile_in_child(data, path, key)
        if blob is not None:
            return marshal.loads(blob)
    from . import _rewrite
    code = _rewrite.compile_source(data, path)
    if key is not None:
        _write_cache(path, key, marshal.dumps(code))
    return code


def precompile(directory, paths):
    """The precompiler (a child of the runner): write the rewritten code of
    each of `paths` (as given, in order; number N to N.code) into
    `directory`, and to the cache next to it. A file whose cache is fresh
    is skipped (its worker reads the cache). A file that does not compile,
    or warns when compiled, is left to its worker, where the error or
    warning is seen."""
    import warnings
    from . import _rewrite
    for n, path in enumerate(paths):
        path = os.path.abspath(path)
        try:
            key = _key(path, os.stat(path))
            if _read_cache(cache_path(path), key) is not None:
                continue
            with open(path, "rb") as f:
                data = f.read()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                blob = marshal.dumps(_rewrite.compile_source(data, path))
        except Exception:
            continue
        _write(os.path.join(directory, "%d.code" % n), key, blob)
        _write_cache(path, key, blob)


class RewritingLoader(_external.SourceFileLoader):
    """Loads one source file with its asserts rewritten; `precompiled`: where
    the precompiler writes it, or None."""

    precompiled = None

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return rewritten_code(self.get_data(path), path, self.precompiled)

    def exec_module(self, module):
        module.__dict__[_assert.HELPER] = _assert
        super().exec_module(module)
