/* 08_vtable: vtable slots from the declared order of a class's virtual
 * methods (Itanium C++ ABI). Uses 01_errors. */
#ifndef CROSSRUN_FFI_VTABLE_H
#define CROSSRUN_FFI_VTABLE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "cxx/decl.h"

/* A new vtable layout (a list of slot keys) starting as a copy of base's
 * (NULL: empty). NULL with an exception. */
PyObject *ffi_vtable_layout(PyObject *base);
/* The vtable slot of method d (text: its declaration) in layout: the
 * slot it overrides, or a new one appended when d is virtual (two for a
 * virtual destructor: complete, then deleting); -1 when d is not
 * virtual; -2 with an exception set. */
Py_ssize_t ffi_vtable_slot(PyObject *layout, const struct ct_decl *d,
                           const char *text);

#endif
