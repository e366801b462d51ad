/* 07_stdwrite: a container of type t built in memory from a Python value
 * (list, tuple, dict, str), with storage from the C++ runtime's operator
 * new so the library may grow or free it. Uses 02_values, 04_conv,
 * 06_stdtype, 06_stddrop and cxx/stdcont. */
#ifndef CROSSRUN_FFI_STDWRITE_H
#define CROSSRUN_FFI_STDWRITE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/06_stdtype.h"

/* Build at p (uninitialised memory of t->size bytes) the container (or
 * element) of type t holding o. argno (1-based, -1: none) names the
 * argument in messages. Returns 0, or -1 with TypeError (or MemoryError)
 * set and nothing left to destroy at p. */
int ffi_std_write(const struct sc_type *t, PyObject *o, char *p,
                  int argno);

/* Raise TypeError: argument argno expected want for t, got o's type.
 * Returns -1. */
int ffi_std_write_error(const struct sc_type *t, PyObject *o, int argno,
                        const char *want);

#endif
