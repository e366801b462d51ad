"""Shims: what a library's headers define but the library does not export
(inline functions and methods, template instantiations, inline operators)
compiled with the system C++ compiler into a small shared library.

runner/ffi/04_shim.c writes the C++ source (one extern "C" function per
declaration, with the declaration's own signature); build() compiles it
once per distinct source, headers' text, flags and library, and keeps the
result in a cache directory, so later runs and every forked test reuse it.
build_set() compiles a set of declarations (a lib.cls's methods, a
lib.fns list) as one source, and tells which declaration an error is in.
"""

import hashlib
import os
import re
import subprocess
import tempfile

from ._native import DeclarationError

# How many times this process ran the compiler (cache hits do not count):
# what tests read to see that a set is one compile.
compiles = 0


class _CompileFailed(Exception):
    """The compiler ran and refused the source: its output, the source
    file's path as the output names it, and the command."""

    def __init__(self, output, src, cmd):
        Exception.__init__(self, output)
        self.output, self.src, self.cmd = output, src, cmd


def cache_dir():
    """The first writable one of $CROSSRUN_CACHE_DIR, $XDG_CACHE_HOME/crossrun,
    ~/.cache/crossrun, then a directory in the temp dir: a test directory
    may be read-only, a home directory may be missing."""
    tries = []
    if os.environ.get("CROSSRUN_CACHE_DIR"):
        tries.append(os.environ["CROSSRUN_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        tries.append(os.path.join(os.environ["XDG_CACHE_HOME"], "crossrun"))
    home = os.environ.get("HOME")
    if home:
        tries.append(os.path.join(home, ".cache", "crossrun"))
    tries.append(os.path.join(tempfile.gettempdir(),
                              "crossrun-cache-%d" % os.getuid()))
    for d in tries:
        try:
            os.makedirs(d, mode=0o700, exist_ok=True)
        except OSError:
            continue
        if os.access(d, os.W_OK | os.X_OK):
            return d
    raise DeclarationError("no writable cache directory for header shims "
                           "(tried %s); set CROSSRUN_CACHE_DIR"
                           % ", ".join(tries))


def _include_dirs(cflags):
    out = []
    flags = list(cflags)
    for i, f in enumerate(flags):
        if f in ("-I", "-isystem") and i + 1 < len(flags):
            out.append(flags[i + 1])
        elif f.startswith("-I") and len(f) > 2:
            out.append(f[2:])
        elif f.startswith("-isystem") and len(f) > 8:
            out.append(f[8:])
    return out + ["/usr/local/include", "/usr/include"]


def _header_text(h, cflags):
    """The text of header h as the compiler would find it (so a changed
    header makes a new shim), or its name when it is not found here (the
    compiler then says so)."""
    cands = [h] if os.path.isabs(h) else [h] + [
        os.path.join(d, h) for d in _include_dirs(cflags)]
    for c in cands:
        try:
            with open(c, "rb") as f:
                return c.encode() + b"\0" + f.read()
        except OSError:
            continue
    return h.encode()


def compiler():
    """The C++ compiler: $CXX, else c++."""
    return os.environ.get("CXX") or "c++"


def _key(source, headers, cflags, libfile):
    """The cache key of a shim: its source, the compiler, the library (and
    its size and time), the flags and the headers' text."""
    h = hashlib.sha256()
    for part in [source.encode(), compiler().encode(), libfile.encode()]:
        h.update(part + b"\0\1")
    for f in cflags:
        h.update(f.encode() + b"\0\2")
    for hd in headers:
        h.update(_header_text(hd, cflags) + b"\0\3")
    try:
        st = os.stat(libfile)
        h.update(b"%d:%d" % (st.st_size, st.st_mtime_ns))
    except OSError:
        pass
    return h.hexdigest()[:32]


def _compile(source, headers, cflags, libfile):
    """The cached shim's path, compiled now when not cached. Raises
    _CompileFailed when the compiler refuses the source, DeclarationError
    when it cannot run."""
    global compiles
    cxx = compiler()
    key = _key(source, headers, cflags, libfile)
    d = cache_dir()
    out = os.path.join(d, "shim-%s.so" % key)
    if os.path.exists(out):
        return out
    fd, src = tempfile.mkstemp(prefix="shim-%s-" % key, suffix=".cc", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write(source)
    tmp = src[:-3] + ".so"
    cmd = [cxx, "-shared", "-fPIC", "-O2", "-w"] + list(cflags) + \
        ["-o", tmp, src, os.path.abspath(libfile)]
    compiles += 1
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors="replace")
    except OSError as e:
        os.unlink(src)
        raise DeclarationError("cannot run the C++ compiler '%s' for the "
                               "headers %s: %s (set CXX)" % (cxx, headers, e))
    if r.returncode != 0:
        os.unlink(src)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise _CompileFailed(r.stdout.strip(), src, cmd)
    os.replace(tmp, out)
    os.unlink(src)
    return out


def build(source, headers, cflags, libfile):
    """The path of a shared library compiled from source (C++ text that
    includes headers) and linked with libfile, from the cache when the
    same source, headers' text, flags, compiler and library were compiled
    before. Raises DeclarationError with the compiler's message when it
    does not compile."""
    try:
        return _compile(source, headers, cflags, libfile)
    except _CompileFailed as e:
        raise DeclarationError(
            "the declaration is not exported by %s and compiling it from "
            "the headers %s failed (%s):\n%s\nThe shim source was:\n%s"
            % (libfile, list(headers), " ".join(e.cmd[:1] + list(cflags)),
               e.output, source))


def _pieces(source, starts):
    """source cut into its prologue and {index: the text of function
    index} (starts: the line each begins on, 0 for none)."""
    lines = source.splitlines(True)
    at = sorted((s, i) for i, s in enumerate(starts) if s)
    ends = [s for s, _ in at[1:]] + [len(lines) + 1]
    funcs = {i: "".join(lines[s - 1:e - 1]) for (s, i), e in zip(at, ends)}
    return "".join(lines[:at[0][0] - 1]) if at else source, funcs


# A line that opens a new diagnostic context, and the function a shim
# function's own diagnostics name.
_CONTEXT = re.compile(r"(^In file included from |: In (instantiation of|"
                      r"function|member function|static member function|"
                      r"constructor|destructor|substitution of) )")
_SHIM_FN = re.compile(r"crossrun_shim_(\d+)")


def _blame(output, src, lines_of):
    """{function index: its diagnostics} for output, each diagnostic given
    to the shim function whose line (lines_of: line -> index) or name it
    cites; the ones citing none are left out."""
    at_line = re.compile(re.escape(src) + r":(\d+):")
    blamed, pending, cur = {}, [], None
    for line in output.splitlines():
        if _CONTEXT.search(line):
            cur, pending = None, []
        m = at_line.search(line)
        n = _SHIM_FN.search(line) if line.startswith(src + ":") else None
        who = lines_of.get(int(m.group(1))) if m else None
        if n:
            who = int(n.group(1))
        if who is not None:
            cur = who
            blamed.setdefault(who, []).extend(pending)
            pending = []
        if cur is None:
            pending.append(line)
        else:
            blamed.setdefault(cur, []).append(line)
    return {i: "\n".join(ls) for i, ls in blamed.items()
            if any(": error:" in x for x in ls)}


def _failure(text, why, libfile, headers, cflags, shown):
    """The DeclarationError of one declaration of a set: what the compiler
    said about it, and shown: its shim function, or the whole source when
    the error is not in one."""
    msg = ("%s: not exported by %s, and compiling it from the headers %s "
           "(%s) failed:\n%s\n%s"
           % (text, libfile, list(headers),
              " ".join([compiler()] + list(cflags)), why, shown.rstrip()))
    e = DeclarationError(msg)
    e.declaration, e.reason, e.column = text, msg.split("\n")[0], 0
    return e


def build_set(source, starts, texts, headers, cflags, libfile):
    """Compile a set of declarations as one shim: source holds one
    function per declaration, function i (crossrun_shim_<i>, declared by
    texts[i]) starting on line starts[i] (0: not in this set). Returns
    (path or None, {i: DeclarationError}): a declaration the compiler
    refuses is told apart by the lines its diagnostics cite, gets its own
    error, and the rest are compiled again without it. When the errors
    cite no declaration (a header that does not compile, a class's size
    check), the one being declared, texts[0], raises the whole message
    and nothing is kept: the others compile when they are declared."""
    prologue, funcs = _pieces(source, starts)
    failed, live = {}, sorted(funcs)
    while live:
        src, lines_of = prologue, {}
        for i in live:
            first = src.count("\n") + 1
            for k in range(funcs[i].count("\n")):
                lines_of[first + k] = i
            src += funcs[i]
        try:
            return _compile(src, headers, cflags, libfile), failed
        except _CompileFailed as e:
            blamed = {i: w for i, w in _blame(e.output, e.src,
                                               lines_of).items() if i in live}
            if not blamed:
                if 0 not in live:
                    break       # the rest compile when they are declared
                raise _failure(texts[0], e.output, libfile, headers, cflags,
                               "The shim source was:\n" + src)
            for i, why in blamed.items():
                failed[i] = _failure(texts[i], why, libfile, headers, cflags,
                                     "Its shim function was:\n" + funcs[i])
            live = [i for i in live if i not in blamed]
    return None, failed
