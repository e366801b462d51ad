/* 03_lib: crossrun.load() and crossrun.Library: a loaded file, its symbol
 * table and the types declared for it. Uses 01_errors. The files further
 * along the chain add their Library methods (fn, struct, cls, callback,
 * mock, imports) with ffi_library_add_methods. */
#ifndef CROSSRUN_FFI_LIB_H
#define CROSSRUN_FFI_LIB_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "cxx/symbols.h"

typedef struct {
    PyObject_HEAD
    void *handle;            /* from dlopen/dlmopen; never closed */
    PyObject *path;          /* as given to load() */
    char *file;              /* the file the loader found */
    struct sym_table syms;
    int syms_read;
    PyObject *types;         /* canonical name -> struct/class/enum type */
    PyObject *fns;           /* declaration text -> Function (lib.fn) */
    PyObject *dict;          /* instance attributes */
    int isolated;            /* loaded in a namespace of its own (it has
                                its own libc and C++ runtime) */
    void (*string_dtor)(void *); /* isolated: its libstdc++'s
                                std::string destructor, or NULL */
} LibraryObject;

extern PyTypeObject ffi_LibraryType;

/* Ready the Library type. Returns 0, or -1 with an exception set. */
int ffi_lib_ready(void);

/* The module-level functions of this file (load), ending with a
 * NULL-named entry. */
extern PyMethodDef ffi_lib_functions[];

/* The symbol table of lib, read on first use. NULL with LoadError set. */
struct sym_table *ffi_lib_symbols(LibraryObject *lib);

/* The type declared in lib (a Library, or NULL) under name: a struct
 * class, lib.cls class or enum class (borrowed), or NULL (no exception)
 * when there is none. */
PyObject *ffi_lib_type(PyObject *lib, const char *name);

/* Forget lib's cached Functions: a type declared later changes how they
 * convert. Returns 0. */
int ffi_lib_invalidate(LibraryObject *lib);

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

/* Add methods to crossrun.Library (lib.fn, lib.mock, ...). Call after
 * ffi_lib_ready; defs ends with a NULL-named entry and must outlive the
 * module. A method receives the Library as self. Returns 0, or -1 with an
 * exception set. */
int ffi_library_add_methods(PyMethodDef *defs);

/* The dlopen handle and loaded file of a Library (NULL for anything
 * else); valid while the Library lives. */
void *ffi_library_handle(PyObject *lib);
const char *ffi_library_file(PyObject *lib);

#endif
