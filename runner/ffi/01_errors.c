/* 01_errors: the FFI's exception classes and raising them (DeclarationError
 * with a caret under the column, CxxException with .type and .what), and
 * the exception of a Python callback kept until its C call returns. */
#include "ffi/01_errors.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
        /* Bytes that are not UTF-8 (none are meant to be) are shown
         * replaced, never raised instead of the DeclarationError. */
        PyObject *decl = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text),
                                              "replace");
        PyObject *why = PyUnicode_DecodeUTF8(reason,
                                             (Py_ssize_t)strlen(reason),
                                             "replace");

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
    /* the declaration under the reason, as under "column N: ..." */
    return raise_decl(PyUnicode_FromFormat("%s\n    %s", why, text), 0,
                      text, why);
}

PyObject *ffi_raise_cxx(char *type, char *what)
{
    PyObject *msg, *exc;

    if (type == NULL) {
        free(what);
        return PyErr_NoMemory();
    }
    msg = what != NULL ? PyUnicode_FromFormat("%s: %s", type, what)
                       : PyUnicode_FromString(type);
    exc = msg != NULL ? PyObject_CallOneArg(ffi_CxxException, msg) : NULL;
    Py_XDECREF(msg);
    if (exc != NULL) {
        PyObject *t = PyUnicode_DecodeUTF8(type, (Py_ssize_t)strlen(type),
                                           "replace");
        PyObject *w = what != NULL
                      ? PyUnicode_DecodeUTF8(what, (Py_ssize_t)strlen(what),
                                             "replace")
                      : Py_NewRef(Py_None);

        if (t != NULL && w != NULL &&
            PyObject_SetAttrString(exc, "type", t) == 0 &&
            PyObject_SetAttrString(exc, "what", w) == 0) {
            PyErr_SetObject(ffi_CxxException, exc);
        }
        Py_XDECREF(t);
        Py_XDECREF(w);
        Py_DECREF(exc);
    }
    free(type);
    free(what);
    return NULL;
}

int ffi_cb_failed;
static PyObject *cb_exc_type, *cb_exc_value, *cb_exc_tb;

void ffi_cb_store_error(void)
{
    if (!ffi_cb_failed) {
        ffi_cb_failed = 1;
        PyErr_Fetch(&cb_exc_type, &cb_exc_value, &cb_exc_tb);
        PyErr_NormalizeException(&cb_exc_type, &cb_exc_value, &cb_exc_tb);
        if (cb_exc_tb != NULL && cb_exc_value != NULL) {
            PyException_SetTraceback(cb_exc_value, cb_exc_tb);
        }
    } else {
        PyErr_Clear();
    }
}

int ffi_cb_reraise(void)
{
    ffi_cb_failed = 0;
    PyErr_Restore(cb_exc_type, cb_exc_value, cb_exc_tb);
    cb_exc_type = cb_exc_value = cb_exc_tb = NULL;
    return -1;
}

int ffi_callback_check(void)
{
    return ffi_cb_failed ? ffi_cb_reraise() : 0;
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

int ffi_errors_init(void)
{
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
    return 0;
}
