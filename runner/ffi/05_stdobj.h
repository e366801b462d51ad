/* 05_stdobj: container elements that are objects of a lib.cls class:
 * one read into a new object Python owns, one built from an object, one
 * destroyed, each with the class's own constructors and destructor.
 * Uses 04_conv (the class hooks) and 05_stdtype. */
#ifndef CROSSRUN_FFI_STDOBJ_H
#define CROSSRUN_FFI_STDOBJ_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/05_stdtype.h"

/* A new object of t's class (SC_OBJ) that Python owns, made from the
 * element at p: moved out with the move constructor when take (p is
 * destroyed next) and the class declares one, else copied with the copy
 * constructor; a trivially copyable class byte for byte. NULL with an
 * exception set (the constructor's, or MemoryError). */
PyObject *ffi_std_obj_read(const struct sc_type *t, char *p, int take);

/* Construct at p (zeroed, t->size bytes) a copy of o, an object of t's
 * class, with its copy constructor (byte for byte when trivially
 * copyable). Returns 0, or -1 with TypeError (not such an object, or
 * closed) or the constructor's exception set, nothing constructed. */
int ffi_std_obj_write(const struct sc_type *t, PyObject *o, char *p,
                      int argno);

/* Run the destructor of the element at p (nothing when trivially
 * copyable). An exception it raises is reported as unraisable; one
 * already set is kept. */
void ffi_std_obj_destroy(const struct sc_type *t, char *p);

#endif
