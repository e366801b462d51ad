/* ffi_cxxobj: the FFI's C++-object features kept apart from the call
 * machinery: type aliases (lib.typedef), the check that no type is
 * guessed, classes by value, virtual slots, operators and default
 * arguments. What ffi_call.c and ffi_class.c call into. */
#ifndef CROSSRUN_FFI_CXXOBJ_H
#define CROSSRUN_FFI_CXXOBJ_H

#include "ffi/ffi_internal.h"

/* lib.typedef(name, existing): name stands for the type existing. None,
 * or NULL with DeclarationError set. */
PyObject *ffi_lib_typedef(PyObject *lib, PyObject *args);

/* d's types with lib's aliases substituted, in place. text names the
 * declaration in messages. 0, or -1 with DeclarationError set. */
int ffi_resolve_decl(PyObject *lib, struct ct_decl *d, const char *text);

/* t with lib's aliases substituted (new nodes in a; t itself when none
 * applies). NULL with DeclarationError set. */
const struct ct_type *ffi_resolve_type(PyObject *lib, const struct ct_type *t,
                                       struct ct_arena *a, const char *text);

/* Raise DeclarationError for a named type by value that lib does not
 * know: says how to declare it. Returns -1. */
int ffi_unknown_type(const char *decl, const char *name);

#endif
