/* 06_stdread: a container in memory read into a new Python value (list,
 * tuple, dict, str), elements converted as results are. Uses 02_values,
 * 04_conv (objects made with their constructors), 05_smart and
 * 06_stdtype. */
#ifndef CROSSRUN_FFI_STDREAD_H
#define CROSSRUN_FFI_STDREAD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/06_stdtype.h"

/* A new Python value for the container (or element) of type t at p.
 * take: p is destroyed next, so objects may be moved out of it (it is
 * left valid, as C++'s moved-from objects are); else p is left as it
 * was. NULL with an exception set. */
PyObject *ffi_std_read(const struct sc_type *t, char *p, int take);

/* Whether the container of type t at p is whole (the bytes of each
 * vector in it, nested ones too, a whole number of its elements): 0, or
 * -1 with ValueError, when it must be neither read nor destroyed. */
int ffi_std_check(const struct sc_type *t, const char *p);

/* The number of elements of the container of type t at p (a vector,
 * list, set, map or unordered_map) in *n, none read. 0, or -1 with
 * ValueError as ffi_std_check. */
int ffi_std_count(const struct sc_type *t, const char *p, size_t *n);

#endif
