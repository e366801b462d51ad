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
