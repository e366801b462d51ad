/* 06_stdread: reading a container is plain memory walking: a vector's
 * [begin, end), a pair's two members, a map's tree in key order
 * (cxx/stdcont's walk), an unordered_map's node list; each element
 * converted by its leaf converter as a result is. */
#include "ffi/06_stdread.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/stdcont.h"
#include "ffi/02_values.h"
#include "ffi/05_smart.h"

static PyObject *text_value(const char *p, size_t n)
{
    PyObject *s = PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");

    if (s == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear(); /* not UTF-8: the exact bytes */
        return PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
    }
    return s;
}

static int read_pair_into(const struct sc_type *t, char *val,
                          PyObject *dict, int take)
{
    PyObject *k = ffi_std_read(t->a, val, take), *v;
    int rc;

    if (k == NULL) {
        return -1;
    }
    v = ffi_std_read(t->b, val + t->off_b, take);
    if (v == NULL) {
        Py_DECREF(k);
        return -1;
    }
    rc = PyDict_SetItem(dict, k, v);
    Py_DECREF(k);
    Py_DECREF(v);
    return rc;
}

/* Call the constructor ctor with this = dst (an object) and the object
 * at src (a view of it made here). 0, or -1 with its exception. */
static int construct(const struct sc_type *t, PyObject *ctor, PyObject *dst,
                     void *src)
{
    PyObject *view = conv_hooks.object_view(t->cls, src, NULL), *args[2];
    PyObject *r;

    if (view == NULL) {
        return -1;
    }
    args[0] = dst;
    args[1] = view;
    r = PyObject_Vectorcall(ctor, args, 2, NULL);
    Py_DECREF(view);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* A new object of t's class (SC_OBJ) that Python owns, made from the
 * element at p: moved out with the move constructor when take (p is
 * destroyed next) and the class declares one, else copied with the copy
 * constructor; a trivially copyable class byte for byte, never an object
 * that is not. NULL with an exception set. */
static PyObject *read_obj(const struct sc_type *t, char *p, int take)
{
    PyObject *o = conv_hooks.object_alloc(t->cls), *ctor;

    if (o == NULL) {
        return NULL;
    }
    if (t->obj.trivial) {
        memcpy(conv_hooks.object_ptr(o), p, t->size);
    } else {
        ctor = take && t->obj.move != NULL ? t->obj.move : t->obj.copy;
        if (construct(t, ctor, o, p) != 0) {
            conv_hooks.object_abandon(o); /* nothing was constructed */
            return NULL;
        }
    }
    conv_hooks.object_constructed(o);
    return o;
}

/* The elements of the vector of t at p in *begin and *n. -1 with
 * ValueError when its bytes are not a whole number of elements: the
 * element's size is not its sizeof (size= of a lib.cls class must be
 * exact in a container). */
static int vector_span(const struct sc_type *t, const char *p, char **begin,
                       size_t *n)
{
    char *end, *cap;

    memcpy(begin, p, sizeof(*begin));
    memcpy(&end, p + 8, sizeof(end));
    memcpy(&cap, p + 16, sizeof(cap));
    *n = 0;
    if (*begin == NULL) {
        return 0;
    }
    if (end < *begin || cap < end ||
        (size_t)(end - *begin) % t->a->size != 0 ||
        (size_t)(cap - *begin) % t->a->size != 0) {
        PyErr_Format(PyExc_ValueError, "%s: the vector holds %zu bytes "
                     "(room for %zu), not a whole number of %zu-byte "
                     "elements: the element's size is not %zu (a lib.cls "
                     "class in a container needs size= to be exactly its "
                     "sizeof; load(headers=) lets crossrun check it)",
                     t->name, (size_t)(end - *begin),
                     (size_t)(cap - *begin), t->a->size, t->a->size);
        return -1;
    }
    *n = (size_t)(end - *begin) / t->a->size;
    return 0;
}

/* Does t hold a vector anywhere (what ffi_std_check must look at)? */
static int has_vector(const struct sc_type *t)
{
    return t != NULL && (t->kind == SC_VECTOR || has_vector(t->a) ||
                         has_vector(t->b));
}

/* Check the value of the pair-like t (a pair, a map's node value) at
 * val. */
static int check_pair(const struct sc_type *t, const char *val)
{
    return ffi_std_check(t->a, val) != 0 ||
                   ffi_std_check(t->b, val + t->off_b) != 0
               ? -1 : 0;
}

int ffi_std_check(const struct sc_type *t, const char *p)
{
    const char *node;
    char *begin;
    size_t n, i;

    if (!has_vector(t)) {
        return 0;
    }
    switch (t->kind) {
    case SC_VECTOR:
        if (vector_span(t, p, &begin, &n) != 0) {
            return -1;
        }
        for (i = 0; i < n && has_vector(t->a); i++) {
            if (ffi_std_check(t->a, begin + i * t->a->size) != 0) {
                return -1;
            }
        }
        return 0;
    case SC_PAIR:
        return check_pair(t, p);
    case SC_MAP:
        for (node = sc_map_first(p); node != NULL;
             node = sc_map_next(p, (void *)node)) {
            if (check_pair(t, node + SC_RB_VALUE) != 0) {
                return -1;
            }
        }
        return 0;
    case SC_UMAP:
    case SC_LIST:
        memcpy(&node, p + (t->kind == SC_UMAP ? 16 : 0), sizeof(node));
        for (; node != NULL && node != p; memcpy(&node, node, sizeof(node))) {
            if (t->kind == SC_UMAP ? check_pair(t, node + t->node_val) != 0
                                   : ffi_std_check(t->a, node + t->node_val)
                                         != 0) {
                return -1;
            }
        }
        return 0;
    default:
        return 0; /* a set's elements are never vectors */
    }
}

int ffi_std_count(const struct sc_type *t, const char *p, size_t *n)
{
    char *begin;
    size_t off = t->kind == SC_LIST ? 16 : t->kind == SC_UMAP ? 24
                                                              : SC_MAP_COUNT;

    if (t->kind == SC_VECTOR) {
        return vector_span(t, p, &begin, n);
    }
    memcpy(n, p + off, sizeof(*n)); /* _M_size, _M_element_count,
                                       _M_node_count */
    return 0;
}

static PyObject *read_vector(const struct sc_type *t, const char *p,
                             int take)
{
    char *begin;
    size_t n, i;
    PyObject *list;

    if (vector_span(t, p, &begin, &n) != 0) {
        return NULL;
    }
    list = PyList_New((Py_ssize_t)n);
    for (i = 0; list != NULL && i < n; i++) {
        PyObject *e = ffi_std_read(t->a, begin + i * t->a->size, take);

        if (e == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, e);
    }
    return list;
}

/* A std::list: from the header's next round to the header. */
static PyObject *read_list(const struct sc_type *t, char *p, int take)
{
    PyObject *r = PyList_New(0), *x;
    char *node;

    memcpy(&node, p, sizeof(node));
    while (r != NULL && node != NULL && node != p) {
        x = ffi_std_read(t->a, node + t->node_val, take);
        if (x == NULL || PyList_Append(r, x) != 0) {
            Py_CLEAR(r);
        }
        Py_XDECREF(x);
        memcpy(&node, node, sizeof(node));
    }
    return r;
}

PyObject *ffi_std_read(const struct sc_type *t, char *p, int take)
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
        return read_vector(t, p, take);
    case SC_OBJ:
        return read_obj(t, p, take);
    case SC_SMART:
        if (!take) { /* std_build refuses it; never copied */
            PyErr_Format(PyExc_TypeError, "a %s in a container is read "
                         "only out of a result by value", t->name);
            return NULL;
        }
        return ffi_smart_take(t->sp, p, t->lib);
    case SC_PAIR:
        x = ffi_std_read(t->a, p, take);
        y = x == NULL ? NULL : ffi_std_read(t->b, p + t->off_b, take);
        r = y == NULL ? NULL : PyTuple_Pack(2, x, y);
        Py_XDECREF(x);
        Py_XDECREF(y);
        return r;
    case SC_MAP:
        r = PyDict_New();
        for (node = sc_map_first(p); r != NULL && node != NULL;
             node = sc_map_next(p, node)) {
            if (read_pair_into(t, (char *)node + SC_RB_VALUE, r, take) != 0) {
                Py_CLEAR(r);
            }
        }
        return r;
    case SC_SET:
        r = PySet_New(NULL);
        for (node = sc_map_first(p); r != NULL && node != NULL;
             node = sc_map_next(p, node)) {
            x = ffi_std_read(t->a, (char *)node + SC_RB_VALUE, take);
            if (x == NULL || PySet_Add(r, x) != 0) {
                Py_CLEAR(r);
            }
            Py_XDECREF(x);
        }
        return r;
    case SC_LIST:
        return read_list(t, p, take);
    case SC_UMAP:
        r = PyDict_New();
        memcpy(&node, p + 16, sizeof(node)); /* _M_before_begin._M_nxt */
        for (; r != NULL && node != NULL; memcpy(&node, node, sizeof(node))) {
            if (read_pair_into(t, (char *)node + t->node_val, r, take) != 0) {
                Py_CLEAR(r);
            }
        }
        return r;
    }
    return NULL;
}
