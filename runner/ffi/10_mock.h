/* 10_mock: lib.mock(decl, fake) and lib.imports(): calls a loaded
 * library makes to one imported function, redirected into Python through
 * a Callback patched into its GOT. Uses 01_errors, 02_values, 03_lib and
 * 07_closure. */
#ifndef CROSSRUN_FFI_MOCK_H
#define CROSSRUN_FFI_MOCK_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyTypeObject ffi_MockType;

/* Ready the Mock type and add lib.mock and lib.imports. Returns 0, or -1
 * with an exception set. */
int ffi_mock_init(void);

#endif
