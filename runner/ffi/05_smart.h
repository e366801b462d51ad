/* 05_smart: std::unique_ptr and std::shared_ptr in signatures, and
 * crossrun.SmartPtr, the owner of one a function returned. Uses
 * 01_errors, 02_values, 03_lib, 04_conv (whose conv_hooks it fills) and
 * 04_shim
 * (05_function and 06_call reach it only through them). */
#ifndef CROSSRUN_FFI_SMART_H
#define CROSSRUN_FFI_SMART_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/04_conv.h"

/* Fill conv_hooks' smart-pointer part and ready crossrun.SmartPtr.
 * Returns 0, or -1 with an exception set. */
int ffi_smart_ready(void);

/* The crossrun.SmartPtr type, for the module's names. */
PyTypeObject *ffi_smart_type(void);

/* ---- smart pointers as container elements (06_stdtype, 06_stdread,
 * 06_stddrop) ---- */
struct sp_use;

/* The description of smart pointer type name (allocated in a), its size
 * in a container in *size. NULL with DeclarationError as for a
 * parameter. */
struct sp_use *ffi_smart_describe(const char *name, PyObject *lib,
                                  const char *decl, struct ct_arena *a,
                                  size_t *size);
/* A new SmartPtr owning the smart pointer at mem, moved out of it (mem
 * is left empty, as a moved-from one). NULL with an exception set (mem
 * is then left as it was). */
PyObject *ffi_smart_take(const struct sp_use *use, void *mem,
                         PyObject *lib);
/* Whether use is a std::shared_ptr (a container of them can be made
 * from SmartPtrs: each element a copy that shares ownership). */
int ffi_smart_is_shared(const struct sp_use *use);
/* Construct at mem a copy of the shared_ptr SmartPtr o holds (None: an
 * empty one), for a container being built. 0, or -1 with TypeError or
 * ValueError naming argument argno (mem is then left as it was). */
int ffi_smart_put_shared(const struct sp_use *use, PyObject *o, void *mem,
                         int argno);
/* Destroy the smart pointer at mem (its deleter runs when it owns). */
void ffi_smart_destroy(const struct sp_use *use, void *mem);

#endif
