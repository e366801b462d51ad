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

/* Give cls (a new lib.cls class) Python's protocol for the operators it
 * declares. 0, or -1 with an exception set. */
int ffi_ops_members(PyObject *cls);

/* When fn (a new Function of lib) is a free operator whose first operand
 * is a declared class, that class's protocol uses it. 0, or -1. */
int ffi_ops_free(LibraryObject *lib, PyObject *fn);

/* The Python value a default argument's text (as the header writes it)
 * stands for, for converter c; NULL with DeclarationError naming decl
 * when it is not a literal crossrun reads. */
PyObject *ffi_default_value(const struct conv *c, const char *text,
                            const char *decl);

/* The export implementing d once versions are set aside (symver_find),
 * or NULL: with SymbolNotFound set when several match, MemoryError when
 * memory ran out, no exception when none does. */
const struct sym_entry *ffi_find_versioned(struct sym_table *t,
                                           const struct ct_decl *d,
                                           const char *text);

#endif
