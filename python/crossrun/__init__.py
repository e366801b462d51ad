"""crossrun: test C and C++ libraries from Python, each test isolated.

The FFI (load, buffer, Pointer, ...) and the process isolation come from
the native module; the test-writing API (fixture, mark, skip, fail) is
plain Python.
"""


def _use_builtin_native():
    """runner/crossrun has _native built in, but the import system looks
    for a package's submodules on the package's path only, and would load
    the extension module file as a second copy of the same code (which
    AddressSanitizer rejects as an ODR violation). Import the built-in
    one under its name first when there is one."""
    import _frozen_importlib as bootstrap   # importlib.util loads more
    import _imp
    import sys

    name = __name__ + "._native"
    if name in sys.modules or not _imp.is_builtin(name):
        return
    spec = bootstrap.BuiltinImporter.find_spec(name)
    module = bootstrap.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_use_builtin_native()
from . import _native  # noqa: E402
from ._native import *  # noqa: F401,F403  (the FFI names of DESIGN.md s5)
from ._api import fixture, mark, param, skip, fail, xfail, Skipped, Failed  # noqa: F401,E402


def load(path, headers=None, cflags=None, **options):
    """load(path, headers=None, cflags=None, isolated=False, stubs=None)
    -> Library. headers (names as #include writes them, or paths) and
    cflags (-I, -D, -std, ...) reach what the library does not export but
    its headers define: inline functions and methods, templates, inline
    operators, compiled once into a cached shim (crossrun._shim)."""
    import os
    lib = _native.load(path, **options)
    if headers is not None:
        if isinstance(headers, (str, bytes)) or isinstance(cflags, str):
            raise TypeError("headers= and cflags= take lists of strings, "
                            "e.g. headers=[\"re2/re2.h\"]")
        hs = tuple(os.path.abspath(h) if os.path.exists(h) else str(h)
                   for h in headers)
        lib._shim_headers = (hs, tuple(str(f) for f in (cflags or ())))
        lib.cls = _cls_announcing(lib, lib.cls)
    elif cflags:
        raise TypeError("cflags= is for compiling headers=: give the "
                        "headers too")
    return lib


def _cls_announcing(lib, cls):
    """lib.cls that first tells the shim builder every method of the class,
    so the ones only the headers define are compiled into one shim, and
    its size, checked there against the header's sizeof."""
    def announcing_cls(name, *args, **kw):
        methods = kw.get("methods", args[1] if len(args) > 1 else ())
        size = kw.get("size", args[0] if args else None)
        lib._shim_batch = [(str(name), str(m)) for m in methods or ()]
        if isinstance(size, int):   # checked against sizeof in the shim
            lib._shim_size = (str(name), size)
        try:
            return cls(name, *args, **kw)
        finally:
            del lib._shim_batch
            if hasattr(lib, "_shim_size"):
                del lib._shim_size
    announcing_cls.__doc__ = cls.__doc__
    return announcing_cls
