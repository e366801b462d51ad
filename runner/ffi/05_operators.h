/* 05_operators: declared C++ operators handed to crossrun._cxxops, which
 * gives lib.cls and lib.struct classes Python's protocol. Uses
 * 05_function (a Function's declaration). */
#ifndef CROSSRUN_FFI_OPERATORS_H
#define CROSSRUN_FFI_OPERATORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/03_lib.h"

/* Give cls (a new lib.cls class) Python's protocol for the operators it
 * declares. 0, or -1 with an exception set. */
int ffi_ops_members(PyObject *cls);

/* When fn (a new Function of lib) is a free operator whose first operand
 * is a declared class, that class's protocol uses it. 0, or -1. */
int ffi_ops_free(LibraryObject *lib, PyObject *fn);

#endif
