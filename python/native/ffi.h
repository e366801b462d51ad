/* ffi: the FFI half of the crossrun._native module (crossrun.load and
 * everything DESIGN.md section 5 names). */
#ifndef CROSSRUN_FFI_H
#define CROSSRUN_FFI_H

#include <Python.h>

/* Add the FFI's types, functions and exceptions to the module m and
 * append their public names to m.__all__. Returns 0, or -1 with a Python
 * exception set. */
int ffi_module_init(PyObject *m);

#endif
