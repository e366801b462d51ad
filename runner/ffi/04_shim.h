/* 04_shim: declarations the library does not export, compiled from the
 * headers given to load(headers=) into a shim next to the library. Uses
 * 01_errors and 03_lib; 05_function calls it when a symbol is missing. */
#ifndef CROSSRUN_FFI_SHIM_H
#define CROSSRUN_FFI_SHIM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "cxx/decl.h"
#include "ffi/03_lib.h"

/* The (headers, cflags) tuple load(headers=) gave lib (borrowed), or NULL
 * when it was loaded without headers. */
PyObject *ffi_shim_headers(LibraryObject *lib);

/* The address of a function with d's signature (the object first when
 * member) that calls what d declares, compiled from lib's headers (cached
 * by content) and loaded in lib's link namespace. NULL with an exception
 * set: DeclarationError with the compiler's message when the headers do
 * not define it. text is the declaration as written, for messages. */
void *ffi_shim_address(LibraryObject *lib, const struct ct_decl *d,
                       int member, const char *text);

/* The address of "void (T* p) { delete p; }" for type T (a class the
 * headers define), compiled from lib's headers like ffi_shim_address;
 * NULL with an exception set (also when lib has no headers=). */
void *ffi_shim_deleter(LibraryObject *lib, const char *type,
                       const char *text);

/* sizeof and alignof type (a class the headers define) in out[0] and
 * out[1], compiled from lib's headers like ffi_shim_address (cached).
 * 0, or -1 with an exception set (also when lib has no headers=). */
int ffi_shim_layout(LibraryObject *lib, const char *type, const char *text,
                    size_t out[2]);

#endif
