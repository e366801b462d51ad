/* ffi_api: the FFI half of the crossrun._native module (crossrun.load
 * and everything DESIGN.md section 5 names): its entry point, for
 * module.c. Implemented by 12_module.c; the interfaces of the FFI's parts
 * are the headers 01_errors.h ... 11_nsload.h. */
#ifndef CROSSRUN_FFI_H
#define CROSSRUN_FFI_H

#include <Python.h>

/* Add the FFI's types, functions and exceptions to the module m and
 * append their public names to m.__all__. Returns 0, or -1 with a Python
 * exception set. */
int ffi_module_init(PyObject *m);

#endif
