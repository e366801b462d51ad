/* ffi_api: the FFI half of the crossrun._native module (crossrun.load
 * and everything DESIGN.md section 5 names): its entry point and the C
 * interface other parts of the module build on (mocks, isolation). */
#ifndef CROSSRUN_FFI_H
#define CROSSRUN_FFI_H

#include <ffi.h> /* libffi */

#include <Python.h>

/* Add the FFI's types, functions and exceptions to the module m and
 * append their public names to m.__all__. Returns 0, or -1 with a Python
 * exception set. */
int ffi_module_init(PyObject *m);

/* Opens a library for load(path, **options) when options are given
 * (isolated=True, ...): returns a handle that dlsym/dlinfo accept, or
 * NULL with a Python exception set (LoadError for loader failures). */
typedef void *(*ffi_load_hook)(const char *path, PyObject *options);

/* Route load() calls that pass keyword options to hook (one hook; a later
 * call replaces it). Without a hook such calls raise TypeError. Returns
 * 0. */
int ffi_set_load_hook(ffi_load_hook hook);

/* A new crossrun.Library around an open handle (path: the str given to
 * load). Returns a new reference or NULL with an exception set. */
PyObject *ffi_library_new(void *handle, PyObject *path);

/* Add methods to crossrun.Library (lib.mock, lib.imports, ...). Call after
 * ffi_module_init; defs ends with a NULL-named entry and must outlive the
 * module. A method receives the Library as self. Returns 0, or -1 with an
 * exception set. */
int ffi_library_add_methods(PyMethodDef *defs);

/* The dlopen handle and loaded file of a Library (NULL for anything
 * else); valid while the Library lives. */
void *ffi_library_handle(PyObject *lib);
const char *ffi_library_file(PyObject *lib);

/* crossrun.LoadError, the OSError subclass load() raises (a borrowed
 * reference, set by ffi_module_init). */
extern PyObject *ffi_LoadError;

#endif
