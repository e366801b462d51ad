"""crossrun: test C and C++ libraries from Python, each test isolated.

The FFI (load, buffer, Pointer, ...) and the process isolation come from
the native module; the test-writing API (fixture, mark, skip, fail) is
plain Python.
"""
from . import _native
from ._native import *  # noqa: F401,F403  (the FFI names of DESIGN.md s5)
from ._api import fixture, mark, param, skip, fail, xfail, Skipped, Failed  # noqa: F401,E402
