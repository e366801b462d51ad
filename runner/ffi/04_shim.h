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

/* One declaration of a set compiled into one shim: parsed, qualified and
 * resolved as lib.fn and lib.cls make it; member when the object comes
 * first; text as written, for messages. */
struct ffi_shim_decl {
    struct ct_decl *d;
    int member;
    const char *text;
};

/* The shim address of d (the object first when member) if a set compiled
 * it: 1 with *fn set; 0 when no set had it yet; -1 with an exception set,
 * DeclarationError with the compiler's message about d when its set did
 * not compile it. */
int ffi_shim_lookup(LibraryObject *lib, const struct ct_decl *d, int member,
                    void **fn);

/* Compile v[0..n) (those not compiled or failed before) from lib's
 * headers into one shim, cached by content by crossrun._shim.build_set,
 * loaded in lib's link namespace; then ffi_shim_lookup answers for each.
 * A declaration the headers do not define fails alone: the compiler's
 * message about it is kept for its lookup, and the rest are compiled
 * without it. 0, or -1 with an exception set: DeclarationError about
 * v[0] when the compiler's errors are in no declaration (the headers,
 * a class's size), nothing kept; the compiler cannot run; no memory. */
int ffi_shim_compile(LibraryObject *lib, const struct ffi_shim_decl *v,
                     size_t n);

/* The address of "void (T* p) { delete p; }" for type T (a class the
 * headers define), compiled from lib's headers like ffi_shim_compile;
 * NULL with an exception set (also when lib has no headers=). */
void *ffi_shim_deleter(LibraryObject *lib, const char *type,
                       const char *text);

/* sizeof and alignof type (a class the headers define) in out[0] and
 * out[1], compiled from lib's headers like ffi_shim_compile (cached).
 * 0, or -1 with an exception set (also when lib has no headers=). */
int ffi_shim_layout(LibraryObject *lib, const char *type, const char *text,
                    size_t out[2]);

#endif
