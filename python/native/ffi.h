/* ffi: the FFI half of the crossrun._native module (crossrun.load and
 * everything DESIGN.md section 5 names): its entry point and the C
 * interface other parts of the module build on (mocks, isolation).
 *
 * libffi's header is also called ffi.h and comes after this directory on
 * the include path, so this file pulls it in with #include_next: FFI
 * sources write `#include <ffi.h>` (angle brackets: a quoted include found
 * in this directory would make #include_next find this file again). */
#ifndef CROSSRUN_FFI_H
#define CROSSRUN_FFI_H

#include_next <ffi.h>

#include <Python.h>

/* Add the FFI's types, functions and exceptions to the module m and
 * append their public names to m.__all__. Returns 0, or -1 with a Python
 * exception set. */
int ffi_module_init(PyObject *m);

#endif
