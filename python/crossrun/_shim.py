"""Shims: what a library's headers define but the library does not export
(inline functions and methods, template instantiations, inline operators)
compiled with the system C++ compiler into a small shared library.

runner/ffi/04_shim.c writes the C++ source (one extern "C" function per
declaration, with the declaration's own signature); build() compiles it
once per distinct source, headers' text, flags and library, and keeps the
result in a cache directory, so later runs and every forked test reuse it.
"""

import hashlib
import os
import subprocess
import tempfile

from ._native import DeclarationError


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


def build(source, headers, cflags, libfile):
    """The path of a shared library compiled from source (C++ text that
    includes headers) and linked with libfile, from the cache when the
    same source, headers' text, flags, compiler and library were compiled
    before. Raises DeclarationError with the compiler's message when it
    does not compile."""
    h = hashlib.sha256()
    cxx = compiler()
    for part in [source.encode(), cxx.encode(), libfile.encode()]:
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
    key = h.hexdigest()[:32]
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
        raise DeclarationError(
            "the declaration is not exported by %s and compiling it from "
            "the headers %s failed (%s):\n%s\nThe shim source was:\n%s"
            % (libfile, list(headers), " ".join(cmd[:1] + list(cflags)),
               r.stdout.strip(), source))
    os.replace(tmp, out)
    os.unlink(src)
    return out
