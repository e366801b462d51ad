/* 08_stdowned: crossrun.StdVector, StdMap and StdUnorderedMap, containers
 * owned by Python for out-parameters and for sharing between calls. Uses
 * 02_values, 06_stdtype, 06_stdread, 07_stdwrite and 06_stddrop. */
#ifndef CROSSRUN_FFI_STDOWNED_H
#define CROSSRUN_FFI_STDOWNED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/06_stdtype.h"

/* The module-level functions (StdVector, StdMap, StdUnorderedMap),
 * ending with a NULL-named entry. */
extern PyMethodDef ffi_std_functions[];

/* Ready the Python type. Returns 0, or -1 with an exception set. */
int ffi_std_owned_ready(void);

/* The type of o when o is a Python-owned container, else NULL; *mem then
 * is the container's memory. */
const struct sc_type *ffi_std_owned(PyObject *o, char **mem);

#endif
