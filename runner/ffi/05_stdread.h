/* 05_stdread: a container in memory read into a new Python value (list,
 * tuple, dict, str), elements converted as results are. Uses 02_values,
 * 04_conv and 05_stdtype. */
#ifndef CROSSRUN_FFI_STDREAD_H
#define CROSSRUN_FFI_STDREAD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/05_stdtype.h"

/* A new Python value for the container (or element) of type t at p; p
 * is left as it was. NULL with an exception set. */
PyObject *ffi_std_read(const struct sc_type *t, const char *p);

#endif
