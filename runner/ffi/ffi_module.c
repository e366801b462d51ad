/* ffi_module: adds the FFI's names to crossrun._native: the exceptions,
 * the types and load/buffer/callback; the only file that knows which
 * names are public. */
#include "ffi/ffi_internal.h"

#include <stdarg.h>
#include <string.h>

#include "ffi/ffi_api.h"

PyObject *ffi_CxxException;
PyObject *ffi_SymbolNotFound;
PyObject *ffi_DeclarationError;
PyObject *ffi_LoadError;

/* Raise DeclarationError(msg) with the attributes column, declaration
 * and reason. Consumes msg (NULL: an error is already set). Returns NULL. */
static PyObject *raise_decl(PyObject *msg, size_t column, const char *text,
                            const char *reason)
{
    PyObject *exc;

    if (msg == NULL) {
        return NULL;
    }
    exc = PyObject_CallOneArg(ffi_DeclarationError, msg);
    Py_DECREF(msg);
    if (exc != NULL) {
        PyObject *col = PyLong_FromSize_t(column);
        PyObject *decl = PyUnicode_FromString(text);
        PyObject *why = PyUnicode_FromString(reason);

        if (col != NULL && decl != NULL && why != NULL &&
            PyObject_SetAttrString(exc, "column", col) == 0 &&
            PyObject_SetAttrString(exc, "declaration", decl) == 0 &&
            PyObject_SetAttrString(exc, "reason", why) == 0) {
            PyErr_SetObject(ffi_DeclarationError, exc);
        }
        Py_XDECREF(col);
        Py_XDECREF(decl);
        Py_XDECREF(why);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *ffi_raise_decl_error(const char *text, const struct decl_error *err)
{
    char caret[256];
    size_t pad;

    if (err->column == 0) {
        return ffi_raise_decl_msg(text, "%s", err->msg);
    }
    /* PyUnicode_FromFormat has no %*s before 3.12: pad by hand. */
    pad = err->column - 1 < sizeof(caret) - 2 ? err->column - 1
                                              : sizeof(caret) - 2;
    memset(caret, ' ', pad);
    caret[pad] = '^';
    caret[pad + 1] = '\0';
    return raise_decl(PyUnicode_FromFormat("column %zu: %s\n    %s\n    %s",
                                           err->column, err->msg, text,
                                           caret),
                      err->column, text, err->msg);
}

PyObject *ffi_raise_decl_msg(const char *text, const char *fmt, ...)
{
    char why[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return raise_decl(PyUnicode_FromString(why), 0, text, why);
}

/* Add obj (a new reference, stolen) to m as name and list it in
 * __all__. */
static int add(PyObject *m, const char *name, PyObject *obj)
{
    PyObject *all = PyObject_GetAttrString(m, "__all__");
    PyObject *s = PyUnicode_FromString(name);
    int rc = -1;

    if (obj != NULL && all != NULL && s != NULL &&
        PyModule_AddObjectRef(m, name, obj) == 0 &&
        PyList_Append(all, s) == 0) {
        rc = 0;
    }
    Py_XDECREF(obj);
    Py_XDECREF(all);
    Py_XDECREF(s);
    return rc;
}

static PyObject *new_exception(const char *name, const char *doc,
                               PyObject *base)
{
    PyObject *dict = PyDict_New(), *mod = PyUnicode_FromString("crossrun");
    PyObject *e = NULL;

    if (dict != NULL && mod != NULL &&
        PyDict_SetItemString(dict, "__module__", mod) == 0) {
        e = PyErr_NewExceptionWithDoc(name, doc, base, dict);
    }
    Py_XDECREF(dict);
    Py_XDECREF(mod);
    return e;
}

int ffi_module_init(PyObject *m)
{
    static const struct {
        const char *name;
        PyTypeObject *type;
    } types[] = {
        {"Library", &ffi_LibraryType},     {"Function", &ffi_FunctionType},
        {"Pointer", &ffi_PointerType},     {"buffer", &ffi_BufferType},
        {"StdString", &ffi_StdStringType}, {"Callback", &ffi_CallbackType},
        {"Struct", &ffi_StructType},       {"Object", &ffi_ObjectType},
        {"Method", &ffi_OverloadsType},   {"Mock", &ffi_MockType},
    };
    PyMethodDef *f;
    size_t i;

    if (ffi_values_ready() != 0 || ffi_call_ready() != 0 ||
        ffi_struct_ready() != 0 || ffi_class_ready() != 0 ||
        ffi_closure_ready() != 0 || ffi_lib_ready() != 0 ||
        ffi_mock_init() != 0 || ffi_nsload_init() != 0) {
        return -1;
    }
    ffi_CxxException = new_exception(
        "crossrun.CxxException",
        "A C++ exception thrown by a library call: .type is its demangled "
        "type, .what its what() text (None for non-std exceptions).",
        PyExc_Exception);
    ffi_SymbolNotFound = new_exception(
        "crossrun.SymbolNotFound",
        "No exported function matches the declaration; .candidates lists "
        "the closest exported names.",
        PyExc_LookupError);
    ffi_DeclarationError = new_exception(
        "crossrun.DeclarationError",
        "A declaration that does not parse, or a type that cannot be "
        "passed; .column (1-based, 0 if none) and .reason say where and "
        "why.",
        PyExc_ValueError);
    ffi_LoadError = new_exception(
        "crossrun.LoadError",
        "The dynamic loader could not load the library; the message is the "
        "loader's.",
        PyExc_OSError);
    if (ffi_CxxException == NULL || ffi_SymbolNotFound == NULL ||
        ffi_DeclarationError == NULL || ffi_LoadError == NULL) {
        return -1;
    }
    if (add(m, "CxxException", Py_NewRef(ffi_CxxException)) != 0 ||
        add(m, "SymbolNotFound", Py_NewRef(ffi_SymbolNotFound)) != 0 ||
        add(m, "DeclarationError", Py_NewRef(ffi_DeclarationError)) != 0 ||
        add(m, "LoadError", Py_NewRef(ffi_LoadError)) != 0) {
        return -1;
    }
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (add(m, types[i].name, Py_NewRef((PyObject *)types[i].type)) != 0) {
            return -1;
        }
    }
    for (f = ffi_module_functions; f->ml_name != NULL; f++) {
        if (add(m, f->ml_name, PyCFunction_NewEx(f, NULL, NULL)) != 0) {
            return -1;
        }
    }
    return 0;
}
