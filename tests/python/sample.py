"""Helpers for the tests of the test-writing API: write a small test file
to a temporary directory, collect it, run its tests."""

import atexit
import itertools
import os
import shutil
import sys
import tempfile
import textwrap

from crossrun import _collect, _runtest

_BASE = tempfile.mkdtemp(prefix="crossrun-api-tests-")
atexit.register(shutil.rmtree, _BASE, True)
_count = itertools.count()


def write(source, name=None, subdir=None, extra=None):
    """Write `source` (dedented) as a new test file; returns its path,
    relative to the current directory. `extra`: {relative name: source}
    of other files to write next to it."""
    directory = tempfile.mkdtemp(dir=_BASE)
    if subdir:
        directory = os.path.join(directory, subdir)
        os.makedirs(directory)
    if name is None:
        name = "test_sample_%d_%d.py" % (os.getpid(), next(_count))
    for rel, text in (extra or {}).items():
        with open(os.path.join(directory, rel), "w") as f:
            f.write(textwrap.dedent(text))
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(source))
    return os.path.relpath(path)


def collect(source, **kw):
    """(items, error, path) of a new test file made from `source`."""
    path = write(source, **kw)
    saved = list(sys.path)
    try:
        items, error = _collect.collect_file(path)
    finally:
        sys.path[:] = saved
    return items, error, path


def by_name(items):
    return {item.name: item for item in items}


def run(source, **kw):
    """Collect `source` and run each test in this process, the way the
    worker does. Returns ({test name: outcome dict}, module teardown
    errors, module)."""
    items, error, path = collect(source, **kw)
    assert error is None, error
    session = _runtest.Session()
    results = {}
    for item in items:
        session.setup_module_fixtures(item)
        results[item.name] = session.run(item)
    module = items[0].module if items else None
    return results, session.teardown_module(), module
