/* 06_operators: declared C++ operators handed to crossrun._cxxops, which
 * gives lib.cls and lib.struct classes Python's protocol. Uses
 * 05_function (a Function's declaration); tells lib.fn, through
 * ffi_function_caller.declared, to hand it free operators. */
#ifndef CROSSRUN_FFI_OPERATORS_H
#define CROSSRUN_FFI_OPERATORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/03_lib.h"

/* Give cls (a new lib.cls class) Python's protocol for the operators it
 * declares. 0, or -1 with an exception set. */
int ffi_ops_members(PyObject *cls);

/* Fill ffi_function_caller.declared: a free operator lib.fn makes
 * serves its first operand's class. Returns 0. */
int ffi_operators_ready(void);

#endif
