/* 06_operators: declared C++ operators handed to crossrun._cxxops, which
 * gives lib.cls and lib.struct classes Python's protocol (v[k], ==, <,
 * bool(v), v(x), +): members when a class is made, free operators when
 * lib.fn declares one. */
#include "ffi/06_operators.h"

#include <stdarg.h>
#include <string.h>

#include "ffi/05_function.h"

static int call_helper(const char *fn, const char *fmt, ...)
{
    PyObject *mod = PyImport_ImportModule("crossrun._cxxops"), *f, *args, *r;
    va_list ap;

    if (mod == NULL) {
        return -1;
    }
    f = PyObject_GetAttrString(mod, fn);
    Py_DECREF(mod);
    if (f == NULL) {
        return -1;
    }
    va_start(ap, fmt);
    args = Py_VaBuildValue(fmt, ap);
    va_end(ap);
    r = args != NULL ? PyObject_CallObject(f, args) : NULL;
    Py_DECREF(f);
    Py_XDECREF(args);
    Py_XDECREF(r);
    return r != NULL ? 0 : -1;
}

int ffi_ops_members(PyObject *cls)
{
    PyObject *key, *value, *dict = ((PyTypeObject *)cls)->tp_dict;
    Py_ssize_t pos = 0;

    while (PyDict_Next(dict, &pos, &key, &value)) {
        const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;

        if (k != NULL && strncmp(k, "operator", 8) == 0) {
            return call_helper("members", "(O)", cls);
        }
    }
    return 0;
}

/* The class named by the first parameter of d (through const and a
 * reference), declared in lib; NULL (no exception) when none. */
static PyObject *first_operand_class(LibraryObject *lib,
                                     const struct ct_decl *d)
{
    const struct ct_type *t;
    PyObject *cls;

    if (d->nparams == 0) {
        return NULL;
    }
    t = d->params[0].type;
    if (t->kind == CT_REF || t->kind == CT_RREF) {
        t = t->sub;
    }
    if (t->kind != CT_NAMED) {
        return NULL;
    }
    cls = PyDict_GetItemString(lib->types, t->name);
    return cls != NULL && PyType_Check(cls) ? cls : NULL;
}

/* function_caller.declared: a free operator whose first operand is a
 * declared class serves that class's protocol. */
static int ops_free(LibraryObject *lib, PyObject *fn)
{
    FunctionObject *f = (FunctionObject *)fn;
    PyObject *cls;

    if (f->is_method || strncmp(f->decl->base, "operator", 8) != 0) {
        return 0;
    }
    cls = first_operand_class(lib, f->decl);
    if (cls == NULL) {
        return 0;
    }
    return call_helper("free", "(OOsn)", cls, fn, f->decl->base,
                       (Py_ssize_t)f->decl->nparams);
}

int ffi_operators_ready(void)
{
    ffi_function_caller.declared = ops_free;
    return 0;
}
