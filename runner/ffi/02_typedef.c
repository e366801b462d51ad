/* 02_typedef: lib.typedef(name, existing), the aliases it declares
 * substituted in declarations, the error for a type name nobody
 * declared (a size is never guessed), and names found with their hidden
 * versions (u_strToUpper as u_strToUpper_72). Aliases live in lib.types as
 * str values: name -> the text of the type it stands for. */
#include "ffi/02_typedef.h"

#include <string.h>

#include "cxx/alias.h"
#include "cxx/symver.h"
#include "ffi/01_errors.h"

static const char *lookup(const char *name, void *ctx)
{
    PyObject *types = ctx, *v;

    if (types == NULL) {
        return NULL;
    }
    v = PyDict_GetItemString(types, name);
    return v != NULL && PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
}

int ffi_resolve_decl(PyObject *types, struct ct_decl *d, const char *text)
{
    struct decl_error err;

    if (types == NULL || PyDict_GET_SIZE(types) == 0) {
        return 0;
    }
    if (alias_resolve_decl(d, lookup, types, &err) != 0) {
        ffi_raise_decl_msg(text, "%s", err.msg);
        return -1;
    }
    return 0;
}

const struct ct_type *ffi_resolve_type(PyObject *types,
                                       const struct ct_type *t,
                                       struct ct_arena *a, const char *text)
{
    struct decl_error err;
    const struct ct_type *r;

    if (types == NULL || a == NULL || PyDict_GET_SIZE(types) == 0) {
        return t;
    }
    r = alias_resolve(t, a, lookup, types, &err);
    if (r == NULL) {
        ffi_raise_decl_msg(text, "%s", err.msg);
    }
    return r;
}

int ffi_unknown_type(const char *decl, const char *name)
{
    ffi_raise_decl_msg(decl, "unknown type '%s': crossrun does not know its "
                       "size or how it is passed, and never guesses. Declare "
                       "it first: lib.typedef(\"%s\", \"int64_t\") for a "
                       "typedef of a known type, lib.struct(\"%s\", "
                       "[(field, type), ...]) for a plain struct, "
                       "lib.cls(\"%s\", size=..., methods=[...]) for a "
                       "class, lib.enum(\"%s\") for an enum; or pass it by "
                       "pointer", name, name, name, name, name);
    return -1;
}

PyObject *ffi_typedef_declare(PyObject *types, PyObject *args)
{
    const char *name, *target;
    struct ct_arena a = {0};
    struct decl_error err;
    struct ct_type *t;
    PyObject *old, *text = NULL, *r = NULL;

    if (!PyArg_ParseTuple(args, "ss:typedef", &name, &target)) {
        return NULL;
    }
    t = decl_parse_type(name, &a, &err);
    if (t == NULL || t->kind != CT_NAMED || t->is_const || t->is_volatile) {
        ffi_raise_decl_msg(name, "typedef(): '%s' is not a new type name%s",
                           name, t != NULL ? " (it is a C/C++ type crossrun "
                           "already knows)" : "");
        goto out;
    }
    old = PyDict_GetItemString(types, t->name);
    if (old != NULL && !PyUnicode_Check(old)) {
        ffi_raise_decl_msg(name, "typedef(): '%s' is already declared as a "
                           "struct, class or enum of this library", t->name);
        goto out;
    }
    if (decl_parse_type(target, &a, &err) == NULL) {
        ffi_raise_decl_error(target, &err);
        goto out;
    }
    text = PyUnicode_FromString(target);
    if (text == NULL ||
        PyDict_SetItemString(types, t->name, text) != 0) {
        goto out;
    }
    /* A cycle or a bad chain is refused now, not at the first use. */
    if (alias_resolve(t, &a, lookup, types, &err) == NULL) {
        if (old != NULL) {
            PyDict_SetItemString(types, t->name, old);
        } else {
            PyDict_DelItemString(types, t->name);
        }
        ffi_raise_decl_msg(name, "typedef(): %s", err.msg);
        goto out;
    }
    r = Py_NewRef(Py_None);
out:
    Py_XDECREF(text);
    ct_arena_free(&a);
    return r;
}

const struct sym_entry *ffi_find_versioned(struct sym_table *t,
                                           const struct ct_decl *d,
                                           const char *text)
{
    size_t ambiguous;
    int oom;
    const struct sym_entry *e = symver_find(t, d, &ambiguous, &oom);

    if (oom) {
        PyErr_NoMemory();
    } else if (ambiguous > 0) {
        PyErr_Format(ffi_SymbolNotFound, "'%s' matches %zu exported "
                     "functions once their versions are set aside (name_NN, "
                     "ns_NN::); declare the one you mean with its version",
                     text, ambiguous);
    }
    return e;
}
