/* 05_smart: std::unique_ptr and std::shared_ptr in signatures, and
 * crossrun.SmartPtr, the owner of one a function returned. Uses
 * 01_errors, 02_values, 03_lib, 04_conv (whose conv_hooks it fills) and
 * 04_shim
 * (05_function and 06_call reach it only through them). */
#ifndef CROSSRUN_FFI_SMART_H
#define CROSSRUN_FFI_SMART_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/04_conv.h"

/* Fill conv_hooks' smart-pointer part and ready crossrun.SmartPtr.
 * Returns 0, or -1 with an exception set. */
int ffi_smart_ready(void);

/* The crossrun.SmartPtr type, for the module's names. */
PyTypeObject *ffi_smart_type(void);

#endif
