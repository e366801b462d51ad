"""Tracebacks and one-line messages for reports, without crossrun's frames.

The frames of crossrun's own Python code and of importlib's bootstrap are
cut, so a traceback starts at the test file; paths under the current
directory are shown relative to it, the way the test ids name files.

The traceback module (with linecache, tokenize, re, enum) is loaded when
a first traceback is formatted, not before: the worker's pages are copied
into every test's process, and most tests pass.
"""

import os
import sys

_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


_given = {}    # absolute path of a collected test file -> path as given


def register_path(abspath, given):
    """Show the file at `abspath` as `given` (the path the user gave, which
    the test ids use) in tracebacks."""
    _given[abspath] = given


def display_path(path):
    """`path` as tracebacks show it: as the user gave it for a test file,
    else relative to the current directory when it lies under it."""
    if path in _given:
        return _given[path]
    try:
        cwd = os.getcwd() + os.sep
    except OSError:
        return path
    if path.startswith(cwd):
        return path[len(cwd):]
    return path


def _keep(filename):
    return not (filename.startswith(_OWN_DIR)
                or filename.startswith("<frozen importlib"))


def loaded():
    """Whether formatting a traceback costs no import any more."""
    return "traceback" in sys.modules


def preload():
    """Load what formatting a traceback needs."""
    import traceback  # noqa: F401


def _trim(te, seen):
    """Cut our frames from TracebackException `te` and its chain."""
    import traceback
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        kept = []
        for frame in te.stack:
            if _keep(frame.filename):
                frame.line  # read the source line while the path is exact
                frame.filename = display_path(frame.filename)
                kept.append(frame)
        te.stack = traceback.StackSummary.from_list(kept)
        if getattr(te, "filename", None):       # SyntaxError
            te.filename = display_path(te.filename)
        if te.__cause__ is not None:
            _trim(te.__cause__, seen)
        te = te.__context__


def format_exception(exc):
    """The traceback text of `exc` (with its chained exceptions), as Python
    prints it, crossrun's frames cut. Ends without a newline."""
    import traceback
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__,
                                      compact=True)
    _trim(te, set())
    return "".join(te.format()).rstrip("\n")


def exception_line(exc):
    """One line naming `exc`: "ValueError: bad value", "KeyError: 'k'"
    (the first line of the text only), or the type name alone. A first
    line that ends with a colon takes the first item of what it
    introduces ("closest exported: calc::add(int, int) (+4 more)")."""
    name = type(exc).__name__
    try:
        text = str(exc)
    except Exception:
        text = ""
    lines = [line.strip() for line in text.strip().split("\n")]
    lines = [line for line in lines if line]
    text = lines[0] if lines else ""
    if text.endswith(":") and len(lines) > 1:
        text += " " + lines[1]
        if len(lines) > 2:
            text += " (+%d more)" % (len(lines) - 2)
    return "%s: %s" % (name, text) if text else name
