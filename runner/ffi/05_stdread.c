/* 05_stdread: reading a container is plain memory walking: a vector's
 * [begin, end), a pair's two members, a map's tree in key order
 * (cxx/stdcont's walk), an unordered_map's node list; each element
 * converted by its leaf converter as a result is. */
#include "ffi/05_stdread.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/stdcont.h"
#include "ffi/02_values.h"

static PyObject *text_value(const char *p, size_t n)
{
    PyObject *s = PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");

    if (s == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear(); /* not UTF-8: the exact bytes */
        return PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
    }
    return s;
}

static int read_pair_into(const struct sc_type *t, const char *val,
                          PyObject *dict)
{
    PyObject *k = ffi_std_read(t->a, val), *v;
    int rc;

    if (k == NULL) {
        return -1;
    }
    v = ffi_std_read(t->b, val + t->off_b);
    if (v == NULL) {
        Py_DECREF(k);
        return -1;
    }
    rc = PyDict_SetItem(dict, k, v);
    Py_DECREF(k);
    Py_DECREF(v);
    return rc;
}

static PyObject *read_vector(const struct sc_type *t, const char *p)
{
    char *begin, *end;
    size_t n, i;
    PyObject *list;

    memcpy(&begin, p, sizeof(begin));
    memcpy(&end, p + 8, sizeof(end));
    n = begin == NULL ? 0 : (size_t)(end - begin) / t->a->size;
    list = PyList_New((Py_ssize_t)n);
    for (i = 0; list != NULL && i < n; i++) {
        PyObject *e = ffi_std_read(t->a, begin + i * t->a->size);

        if (e == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, e);
    }
    return list;
}

PyObject *ffi_std_read(const struct sc_type *t, const char *p)
{
    PyObject *r, *x, *y;
    const char *s;
    size_t n;
    void *node;

    switch (t->kind) {
    case SC_LEAF:
        return conv_from_c(&t->leaf, p, NULL);
    case SC_STRING:
        s = ffi_cxx_string_data(p, &n);
        return text_value(s, n);
    case SC_SVIEW:
        memcpy(&n, p, sizeof(n));
        memcpy(&s, p + 8, sizeof(s));
        return text_value(s != NULL ? s : "", s != NULL ? n : 0);
    case SC_VECTOR:
        return read_vector(t, p);
    case SC_PAIR:
        x = ffi_std_read(t->a, p);
        y = x == NULL ? NULL : ffi_std_read(t->b, p + t->off_b);
        r = y == NULL ? NULL : PyTuple_Pack(2, x, y);
        Py_XDECREF(x);
        Py_XDECREF(y);
        return r;
    case SC_MAP:
        r = PyDict_New();
        for (node = sc_map_first(p); r != NULL && node != NULL;
             node = sc_map_next(p, node)) {
            if (read_pair_into(t, (char *)node + SC_RB_VALUE, r) != 0) {
                Py_CLEAR(r);
            }
        }
        return r;
    case SC_UMAP:
        r = PyDict_New();
        memcpy(&node, p + 16, sizeof(node)); /* _M_before_begin._M_nxt */
        for (; r != NULL && node != NULL; memcpy(&node, node, sizeof(node))) {
            if (read_pair_into(t, (char *)node + t->node_val, r) != 0) {
                Py_CLEAR(r);
            }
        }
        return r;
    }
    return NULL;
}
