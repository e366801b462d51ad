/* quote: the worker's protocol strings (runner/tap.h): bytes as a YAML
 * double-quoted scalar, escaped in one pass (test output can be 1 MiB). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/module.h"

PyDoc_STRVAR(quote_doc,
"quote(data)\n--\n\n"
"data (bytes) in double quotes, with control characters, DEL, quotes\n"
"and backslashes escaped (\\n \\r \\t \\0 \\\" \\\\ or \\xNN); every other\n"
"byte as it is.");

static PyObject *quote(PyObject *self, PyObject *arg)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;
    Py_ssize_t n, extra = 0;
    PyObject *out;
    char *q;

    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "quote: expected bytes");
        return NULL;
    }
    p = (const unsigned char *)PyBytes_AS_STRING(arg);
    n = PyBytes_GET_SIZE(arg);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            extra += (p[i] == '\n' || p[i] == '\r' || p[i] == '\t' ||
                      p[i] == 0) ? 1 : 3;
        } else if (p[i] == '"' || p[i] == '\\') {
            extra += 1;
        }
    }
    out = PyBytes_FromStringAndSize(NULL, n + extra + 2);
    if (out == NULL) {
        return NULL;
    }
    q = PyBytes_AS_STRING(out);
    *q++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = p[i];

        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
            *q++ = (char)c;
            continue;
        }
        *q++ = '\\';
        switch (c) {
        case '\n': *q++ = 'n'; break;
        case '\r': *q++ = 'r'; break;
        case '\t': *q++ = 't'; break;
        case 0: *q++ = '0'; break;
        case '"': *q++ = '"'; break;
        case '\\': *q++ = '\\'; break;
        default:
            *q++ = 'x';
            *q++ = hex[c >> 4];
            *q++ = hex[c & 15];
        }
    }
    *q = '"';
    return out;
}

static PyMethodDef quote_methods[] = {
    {"quote", quote, METH_O, quote_doc},
    {NULL, NULL, 0, NULL},
};

int quote_module_init(PyObject *m)
{
    return PyModule_AddFunctions(m, quote_methods);
}
