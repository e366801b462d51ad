/* 09_std: the C++ standard library's containers in signatures
 * (std::vector, std::pair, std::map, std::unordered_map,
 * std::string_view) as converters of 04_conv's table, and the
 * Python-owned containers crossrun.StdVector, StdMap, StdUnorderedMap
 * (08_stdowned). Uses 01_errors, 03_lib, 04_conv (whose conv_hooks it
 * fills: 05_function and 06_call reach it only through them) and
 * 06_stdtype, 06_stdread, 06_stddrop, 07_stdwrite and 08_stdowned. */
#ifndef CROSSRUN_FFI_STD_H
#define CROSSRUN_FFI_STD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/04_conv.h"
#include "ffi/08_stdowned.h"

/* Fill conv_hooks' container part and ready the Python types. Returns 0,
 * or -1 with an exception set. */
int ffi_std_ready(void);

#endif
