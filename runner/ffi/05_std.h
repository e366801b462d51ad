/* 05_std: the C++ standard library's containers in signatures
 * (std::vector, std::pair, std::map, std::unordered_map,
 * std::string_view) as converters of 04_conv's table, and the
 * Python-owned containers crossrun.StdVector, StdMap, StdUnorderedMap.
 * Uses 01_errors, 02_values, 03_lib and 04_conv (whose conv_hooks it
 * fills: 05_function and 06_call reach it only through them). */
#ifndef CROSSRUN_FFI_STD_H
#define CROSSRUN_FFI_STD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/04_conv.h"

/* Fill conv_hooks' container part and ready the Python types. Returns 0,
 * or -1 with an exception set. */
int ffi_std_ready(void);

/* The module-level functions (StdVector, StdMap, StdUnorderedMap),
 * ending with a NULL-named entry. */
extern PyMethodDef ffi_std_functions[];

#endif
