/* 07_stdwrite: building a container from a Python value. Storage comes
 * from the C++ runtime's operator new (cxx/stdcont) so the library may
 * grow, shrink or free what it is given; a std::map is built as
 * std::map::insert builds it, rebalanced by libstdc++'s own exported
 * tree functions; an unordered_map gets one bucket holding every node,
 * which the library's next insertion rehashes. */
#include "ffi/07_stdwrite.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/stdcont.h"
#include "ffi/02_values.h"
#include "ffi/06_stddrop.h"

int ffi_std_write_error(const struct sc_type *t, PyObject *o, int argno,
                        const char *want)
{
    if (argno > 0) {
        PyErr_Format(PyExc_TypeError, "argument %d: expected %s for '%s', "
                     "got %.100s", argno, want, t->name,
                     Py_TYPE(o)->tp_name);
    } else {
        PyErr_Format(PyExc_TypeError, "expected %s for '%s', got %.100s",
                     want, t->name, Py_TYPE(o)->tp_name);
    }
    return -1;
}

/* Construct at p (zeroed, t->size bytes) a copy of o, an object of t's
 * class, with its copy constructor (byte for byte when trivially
 * copyable). 0, or -1 with an exception set and nothing constructed. */
static int write_obj(const struct sc_type *t, PyObject *o, char *p,
                     int argno)
{
    PyObject *view, *args[2], *r;
    void *src = NULL;
    int rc;

    rc = PyObject_TypeCheck(o, (PyTypeObject *)t->cls)
             ? conv_hooks.object_address(o, &src) : 0;
    if (rc < 0) {
        return -1; /* closed */
    }
    if (rc == 0 || src == NULL) {
        return ffi_std_write_error(t, o, argno, "an object of its class");
    }
    if (t->obj.trivial) {
        memcpy(p, src, t->size);
        return 0;
    }
    view = conv_hooks.object_view(t->cls, p, NULL);
    if (view == NULL) {
        return -1;
    }
    args[0] = view;
    args[1] = o;
    r = PyObject_Vectorcall(t->obj.copy, args, 2, NULL);
    Py_DECREF(view);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

static int write_text(const struct sc_type *t, PyObject *o, char *p,
                      int argno)
{
    const char *s;
    Py_ssize_t n;
    size_t len;

    if (PyUnicode_Check(o)) {
        s = PyUnicode_AsUTF8AndSize(o, &n);
        if (s == NULL) {
            return -1;
        }
    } else if (PyBytes_Check(o)) {
        s = PyBytes_AS_STRING(o);
        n = PyBytes_GET_SIZE(o);
    } else if (Py_TYPE(o) == &ffi_StdStringType) {
        s = ffi_cxx_string_data(((StdStringObject *)o)->mem, &len);
        n = (Py_ssize_t)len;
    } else {
        return ffi_std_write_error(t, o, argno, "str, bytes or StdString");
    }
    if (t->kind == SC_SVIEW) { /* a view of o's own bytes */
        len = (size_t)n;
        memcpy(p, &len, sizeof(len));
        memcpy(p + 8, &s, sizeof(s));
        return 0;
    }
    if (ffi_cxx_string_init(p, s, (size_t)n) != 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int write_vector(const struct sc_type *t, PyObject *o, char *p,
                        int argno)
{
    PyObject *seq;
    Py_ssize_t n, i;
    char *mem = NULL;

    if (PyUnicode_Check(o) || PyBytes_Check(o) || PyDict_Check(o)) {
        return ffi_std_write_error(t, o, argno, "a list or tuple");
    }
    seq = PySequence_Fast(o, "");
    if (seq == NULL) {
        PyErr_Clear();
        return ffi_std_write_error(t, o, argno, "a list or tuple");
    }
    n = PySequence_Fast_GET_SIZE(seq);
    if (n > 0) {
        mem = sc_new((size_t)n * t->a->size);
        if (mem == NULL) {
            Py_DECREF(seq);
            PyErr_NoMemory();
            return -1;
        }
        memset(mem, 0, (size_t)n * t->a->size);
    }
    for (i = 0; i < n; i++) {
        if (ffi_std_write(t->a, PySequence_Fast_GET_ITEM(seq, i),
                     mem + (size_t)i * t->a->size, argno) != 0) {
            while (i-- > 0) {
                ffi_std_destroy(t->a, mem + (size_t)i * t->a->size);
            }
            sc_delete(mem);
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    mem = n > 0 ? mem : NULL;
    memcpy(p, &mem, sizeof(mem));
    mem = mem != NULL ? mem + (size_t)n * t->a->size : NULL;
    memcpy(p + 8, &mem, sizeof(mem));
    memcpy(p + 16, &mem, sizeof(mem));
    return 0;
}

/* Write the pair (k, v) at val. */
static int write_pair(const struct sc_type *t, PyObject *k, PyObject *v,
                      char *val, int argno)
{
    if (ffi_std_write(t->a, k, val, argno) != 0) {
        return -1;
    }
    if (ffi_std_write(t->b, v, val + t->off_b, argno) != 0) {
        ffi_std_destroy(t->a, val);
        return -1;
    }
    return 0;
}

/* Key order of std::less for the key kinds key_ok allows. */
static int key_less(const void *x, const void *y, void *ctx)
{
    const struct sc_type *k = ((const struct sc_type *)ctx)->a;

    if (k->kind == SC_STRING) {
        size_t nx, ny;
        const char *sx = ffi_cxx_string_data(x, &nx);
        const char *sy = ffi_cxx_string_data(y, &ny);
        int c = memcmp(sx, sy, nx < ny ? nx : ny);

        return c < 0 || (c == 0 && nx < ny);
    }
    if (k->leaf.kind == CV_DOUBLE) {
        double a, b;

        memcpy(&a, x, 8);
        memcpy(&b, y, 8);
        return a < b;
    }
    if (k->leaf.kind == CV_FLOAT) {
        float a, b;

        memcpy(&a, x, 4);
        memcpy(&b, y, 4);
        return a < b;
    }
    {
        size_t size = k->size;
        int is_signed = (k->leaf.kind == CV_INT || k->leaf.kind == CV_ENUM) &&
                        k->leaf.is_signed;
        long long a = 0, b = 0;
        unsigned long long ua = 0, ub = 0;

        memcpy(&ua, x, size); /* little-endian: the low bytes */
        memcpy(&ub, y, size);
        if (!is_signed) {
            return ua < ub;
        }
        if (size < 8) { /* sign-extend */
            unsigned shift = (unsigned)(64 - 8 * size);

            a = (long long)(ua << shift) >> shift;
            b = (long long)(ub << shift) >> shift;
        } else {
            a = (long long)ua;
            b = (long long)ub;
        }
        return a < b;
    }
}


/* Make a node of s (header bytes, then the pair) holding (k, v). */
static char *new_node(const struct sc_type *t, size_t header, size_t size,
                      PyObject *k, PyObject *v, int argno)
{
    char *node = sc_new(size);

    if (node == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(node, 0, size);
    if (write_pair(t, k, v, node + header, argno) != 0) {
        sc_delete(node);
        return NULL;
    }
    return node;
}

static int write_map(const struct sc_type *t, PyObject *o, char *p,
                     int argno)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;

    if (!PyDict_Check(o)) {
        return ffi_std_write_error(t, o, argno, "a dict");
    }
    sc_map_init(p);
    while (PyDict_Next(o, &pos, &k, &v)) {
        char *node = new_node(t, SC_RB_VALUE, SC_RB_VALUE + t->vsize, k, v,
                              argno);

        if (node == NULL) {
            ffi_std_destroy(t, p);
            return -1;
        }
        if (!sc_map_insert(p, node, key_less, (void *)t)) {
            ffi_std_destroy_pair(t, node + SC_RB_VALUE);
            sc_delete(node); /* an equal key (1 and True) */
        }
    }
    return 0;
}

/* A node of size bytes (zeroed, from operator new) holding o at off.
 * NULL with an exception set. */
static char *new_elem_node(const struct sc_type *t, size_t off, size_t size,
                           PyObject *o, int argno)
{
    char *node = sc_new(size);

    if (node == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(node, 0, size);
    if (ffi_std_write(t->a, o, node + off, argno) != 0) {
        sc_delete(node);
        return NULL;
    }
    return node;
}

/* The items of o (a list, tuple, or also a set when sets), new
 * reference; NULL with TypeError. */
static PyObject *items_of(const struct sc_type *t, PyObject *o, int argno,
                          int sets)
{
    if (PyList_Check(o) || PyTuple_Check(o) ||
        (sets && PyAnySet_Check(o))) {
        return PySequence_Fast(o, "");
    }
    ffi_std_write_error(t, o, argno, sets ? "a set, list or tuple"
                                          : "a list or tuple");
    return NULL;
}

static int write_set(const struct sc_type *t, PyObject *o, char *p,
                     int argno)
{
    PyObject *seq = items_of(t, o, argno, 1);
    Py_ssize_t i;

    if (seq == NULL) {
        return -1;
    }
    sc_map_init(p);
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        char *node = new_elem_node(t, SC_RB_VALUE, SC_RB_VALUE + t->vsize,
                                   PySequence_Fast_GET_ITEM(seq, i), argno);

        if (node == NULL) {
            ffi_std_destroy(t, p);
            Py_DECREF(seq);
            return -1;
        }
        if (!sc_map_insert(p, node, key_less, (void *)t)) {
            ffi_std_destroy(t->a, node + SC_RB_VALUE);
            sc_delete(node); /* an equal element: a set holds it once */
        }
    }
    Py_DECREF(seq);
    return 0;
}

/* A std::list: nodes linked in order between the header's next and
 * prev; the header of an empty one points at itself. */
static int write_list(const struct sc_type *t, PyObject *o, char *p,
                      int argno)
{
    PyObject *seq = items_of(t, o, argno, 0);
    size_t n = 0, size = sc_round_up(t->node_val + t->a->size, 8);
    char *last = p;
    Py_ssize_t i;

    if (seq == NULL) {
        return -1;
    }
    memcpy(p, &last, sizeof(last));
    memcpy(p + 8, &last, sizeof(last));
    memcpy(p + 16, &n, sizeof(n));
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        char *node = new_elem_node(t, t->node_val, size,
                                   PySequence_Fast_GET_ITEM(seq, i), argno);

        if (node == NULL) {
            ffi_std_destroy(t, p);
            Py_DECREF(seq);
            return -1;
        }
        memcpy(node, &p, sizeof(p));            /* next: the header */
        memcpy(node + 8, &last, sizeof(last));  /* prev */
        memcpy(last, &node, sizeof(node));      /* last's next */
        memcpy(p + 8, &node, sizeof(node));     /* the header's prev */
        last = node;
        n++;
        memcpy(p + 16, &n, sizeof(n));
    }
    Py_DECREF(seq);
    return 0;
}

/* An unordered_map with one bucket holding every node: valid for
 * lookups (each walks bucket 0), and the library's next insertion
 * rehashes it (next_resize 0) from the cached string hashes or the keys. */
static int write_umap(const struct sc_type *t, PyObject *o, char *p,
                      int argno)
{
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    char *single = p + 48, *before = p + 16, *last = before, *bkt;
    size_t one = 1, count = 0, zero = 0;
    float maxload = 1.0f;
    size_t nsize = sc_round_up((t->node_hash ? t->node_hash + 8
                                          : t->node_val + t->vsize), 8);

    if (!PyDict_Check(o)) {
        return ffi_std_write_error(t, o, argno, "a dict");
    }
    memset(p, 0, SC_UMAP_SIZE);
    memcpy(p, &single, sizeof(single));      /* _M_buckets */
    memcpy(p + 8, &one, sizeof(one));        /* _M_bucket_count */
    memcpy(p + 32, &maxload, sizeof(maxload)); /* _M_rehash_policy */
    memcpy(p + 40, &zero, sizeof(zero));
    while (PyDict_Next(o, &pos, &k, &v)) {
        char *node = new_node(t, t->node_val, nsize, k, v, argno);

        if (node == NULL) {
            ffi_std_destroy(t, p);
            return -1;
        }
        if (t->node_hash != 0) {
            size_t n, h;
            const char *s = ffi_cxx_string_data(node + t->node_val, &n);

            h = sc_hash_bytes(s, n);
            memcpy(node + t->node_hash, &h, sizeof(h));
        }
        memcpy(last, &node, sizeof(node)); /* appended to the list */
        last = node;
        count++;
    }
    memcpy(p + 24, &count, sizeof(count));   /* _M_element_count */
    bkt = count > 0 ? before : NULL;         /* bucket 0 starts after */
    memcpy(single, &bkt, sizeof(bkt));       /* _M_before_begin */
    return 0;
}

int ffi_std_write(const struct sc_type *t, PyObject *o, char *p,
                  int argno)
{
    PyObject *seq;
    int rc;

    switch (t->kind) {
    case SC_LEAF:
        return conv_to_c(&t->leaf, o, p, NULL, NULL, argno);
    case SC_STRING:
    case SC_SVIEW:
        return write_text(t, o, p, argno);
    case SC_VECTOR:
        return write_vector(t, o, p, argno);
    case SC_OBJ:
        return write_obj(t, o, p, argno);
    case SC_SMART: /* std_build and StdVector refuse the others */
        if (!ffi_smart_is_shared(t->sp)) {
            return ffi_std_write_error(t, o, argno, "nothing (a container "
                                       "of unique_ptr is only a result)");
        }
        return ffi_smart_put_shared(t->sp, o, p, argno);
    case SC_PAIR:
        if (!PyTuple_Check(o) && !PyList_Check(o)) {
            return ffi_std_write_error(t, o, argno, "a tuple of 2");
        }
        seq = PySequence_Fast(o, "");
        if (seq == NULL) {
            return -1;
        }
        if (PySequence_Fast_GET_SIZE(seq) != 2) {
            Py_DECREF(seq);
            return ffi_std_write_error(t, o, argno, "a tuple of 2");
        }
        rc = write_pair(t, PySequence_Fast_GET_ITEM(seq, 0),
                        PySequence_Fast_GET_ITEM(seq, 1), p, argno);
        Py_DECREF(seq);
        return rc;
    case SC_MAP:
        return write_map(t, o, p, argno);
    case SC_SET:
        return write_set(t, o, p, argno);
    case SC_LIST:
        return write_list(t, o, p, argno);
    case SC_UMAP:
        return write_umap(t, o, p, argno);
    }
    return -1;
}
