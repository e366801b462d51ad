/* 11_nsload: load(path, isolated=, stubs=): a library in a link namespace
 * of its own, with stubs for dependencies that are not installed. Uses
 * 01_errors and 03_lib (its load hook). */
#ifndef CROSSRUN_FFI_NSLOAD_H
#define CROSSRUN_FFI_NSLOAD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Route load()'s keyword options here. Returns 0. */
int ffi_nsload_init(void);

#endif
