/* 02_typedef: lib.typedef(name, existing) and the aliases it declares
 * substituted in declarations; the error for a type name nobody
 * declared (crossrun never guesses a size); names found with their hidden
 * versions (u_strToUpper as u_strToUpper_72). Works on a Library's types
 * dict (name -> class, or str: a typedef's text); uses 01_errors. */
#ifndef CROSSRUN_FFI_TYPEDEF_H
#define CROSSRUN_FFI_TYPEDEF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "cxx/decl.h"
#include "cxx/symbols.h"

/* lib.typedef(name, existing) on the types dict of a Library: name
 * stands for the type existing. None, or NULL with DeclarationError. */
PyObject *ffi_typedef_declare(PyObject *types, PyObject *args);

/* d's types with the aliases of types (a Library's types dict) substituted, in place. text names the
 * declaration in messages. 0, or -1 with DeclarationError set. */
int ffi_resolve_decl(PyObject *types, struct ct_decl *d, const char *text);

/* t with the aliases of types substituted (new nodes in a; t itself when none
 * applies). NULL with DeclarationError set. */
const struct ct_type *ffi_resolve_type(PyObject *types,
                                       const struct ct_type *t,
                                       struct ct_arena *a, const char *text);

/* Raise DeclarationError for a named type by value that lib does not
 * know: says how to declare it. Returns -1. */
int ffi_unknown_type(const char *decl, const char *name);

/* The export implementing d once versions are set aside (symver_find),
 * or NULL: with SymbolNotFound set when several match, MemoryError when
 * memory ran out, no exception when none does. */
const struct sym_entry *ffi_find_versioned(struct sym_table *t,
                                           const struct ct_decl *d,
                                           const char *text);

#endif
