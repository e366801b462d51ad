/* coverage: crossrun --cov in the runner (see coverage.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "coverage.h"
#include "pyworker.h"

/* crossrun._coverage.<fn>(path): a new reference, or NULL with err. */
static PyObject *call(const char *fn, const char *path, char *err,
                      size_t errlen)
{
    PyObject *mod = PyImport_ImportModule("crossrun._coverage");
    PyObject *r = NULL;

    if (mod != NULL) {
        r = PyObject_CallMethod(mod, fn, "(s)", path);
        Py_DECREF(mod);
    }
    if (r == NULL) {
        pyw_error(err, errlen, fn);
    }
    return r;
}

int cov_begin(const char *path, char *err, size_t errlen)
{
    PyObject *r = call("begin", path, err, errlen);

    Py_XDECREF(r);
    return r != NULL ? 0 : -1;
}

int cov_end(const char *path, FILE *out, char *err, size_t errlen)
{
    PyObject *r = call("end", path, err, errlen);
    Py_ssize_t n;

    if (r == NULL) {
        return -1;
    }
    if (!PyList_Check(r)) {
        Py_DECREF(r);
        snprintf(err, errlen, "end: did not return the console's lines");
        return -1;
    }
    n = PyList_GET_SIZE(r);
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *s = PyUnicode_AsUTF8(PyList_GET_ITEM(r, i));

        if (s != NULL) {
            fprintf(out, "%s\n", s);
        }
    }
    PyErr_Clear();
    Py_DECREF(r);
    return 0;
}
