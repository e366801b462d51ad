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

/* ---- classes by value (ffi_class.c, ffi_byvalue.c) ---- */

/* How a lib.cls class travels by value. */
struct class_abi {
    PyObject *name;          /* borrowed: "objs::Status" */
    size_t size;             /* as declared (an upper bound) */
    int trivial;             /* trivially copyable */
    int trivial_given;       /* trivial= said so (not inferred) */
    LayoutObject *layout;    /* fields=, or NULL */
    PyObject *copy;          /* borrowed: copy constructor, or NULL */
};

/* Fill out for cls. 0, or -1 (no exception) when cls is not a lib.cls
 * class. */
int ffi_class_abi(PyObject *cls, struct class_abi *out);
/* An object of lib.cls class cls with zeroed memory of its size, not yet
 * constructed (not owned). NULL with an exception set. */
PyObject *ffi_object_alloc(PyObject *cls);
/* o (from ffi_object_alloc) now holds a constructed object: it owns it,
 * and close(), `with` or garbage collection runs the destructor. */
void ffi_object_constructed(PyObject *o);
/* Free o's memory without a destructor (nothing was constructed in it)
 * and drop the reference. */
void ffi_object_abandon(PyObject *o);

/* c becomes the converter of lib.cls class cls by value in role; 0, or
 * -1 with DeclarationError naming decl (a trivial class without fields=,
 * a class that is not trivially copyable outside arguments and
 * results). */
int ffi_byvalue_build(struct conv *c, PyObject *cls, enum conv_role role,
                      const char *decl);
/* A copy of o (an instance of c's class) made with the class's copy
 * constructor: the temporary a by-value argument's address points to.
 * NULL with TypeError (wrong type, no copy constructor declared) or the
 * constructor's exception. */
PyObject *ffi_byvalue_copy(const struct conv *c, PyObject *o, int argno);
/* A new owned object holding a copy of the trivial class value at src. */
PyObject *ffi_byvalue_from_c(const struct conv *c, const void *src);
/* Bytes of the value of a CV_OBJVAL converter. */
size_t ffi_byvalue_size(const struct conv *c);
/* -1 with DeclarationError when the struct name declared with lib.struct
 * is a class the library gives a destructor, copy constructor or vtable
 * (not trivially copyable: a struct by value would use the wrong calling
 * convention); else 0. */
int ffi_struct_check_trivial(PyObject *lib, const char *name,
                             const char *decl);

/* ---- virtual calls (ffi_vtable.c) ---- */

/* crossrun.delete(obj): `delete obj` for an object the library made with
 * new: its virtual deleting destructor, else its destructor and operator
 * delete. The object is closed afterwards. */
PyObject *ffi_object_delete(PyObject *mod, PyObject *obj);

/* A new vtable layout (a list of slot keys) starting as a copy of base's
 * (NULL: empty). NULL with an exception. */
PyObject *ffi_vtable_layout(PyObject *base);
/* The vtable slot of method d (text: its declaration) in layout: the
 * slot it overrides, or a new one appended when d is virtual (two for a
 * virtual destructor: complete, then deleting); -1 when d is not
 * virtual; -2 with an exception set. */
Py_ssize_t ffi_vtable_slot(PyObject *layout, const struct ct_decl *d,
                           const char *text);

#endif
