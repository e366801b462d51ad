/* 05_std: std::vector, std::pair, std::map, std::unordered_map and
 * std::string_view in signatures, laid out as libstdc++ lays them out
 * (bits/stl_vector.h: three pointers; bits/stl_pair.h; bits/stl_tree.h:
 * an _Rb_tree header node; bits/hashtable.h: buckets, a singly linked
 * node list after _M_before_begin; string_view: length, then pointer).
 *
 * A container type is described once, when a declaration is read, as a
 * tree of sc_type (element kinds: numbers, bool, enums, pointers,
 * std::string, declared structs, and the containers themselves, nested).
 * Reading is plain memory walking; building allocates with the C++
 * runtime's operator new (cxx/stdcont) so the library may grow, shrink
 * or free what it is given; a map's tree is rebalanced by libstdc++'s
 * own exported functions. An element type that is not one of these is
 * refused with a DeclarationError, never guessed. */
#include "ffi/05_std.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/stdcont.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"

enum sc_kind { SC_LEAF, SC_STRING, SC_VECTOR, SC_PAIR, SC_MAP, SC_UMAP,
               SC_SVIEW };

struct sc_type {
    enum sc_kind kind;
    size_t size, align;
    struct conv leaf;      /* SC_LEAF: the element's converter */
    struct sc_type *a, *b; /* VECTOR: a; PAIR: first, second; MAPs: the
                              key and mapped type */
    size_t off_b;          /* PAIR/MAPs: offset of second in the pair */
    size_t vsize;          /* MAPs: bytes of the pair a node holds */
    size_t node_val;       /* UMAP: offset of the value in a node */
    size_t node_hash;      /* UMAP: offset of the cached hash, 0: none */
    const char *name;      /* canonical spelling, for messages */
};

/* How a parameter or result uses a container (conv.std). */
struct sc_use {
    struct sc_type *t;
    unsigned char by_value; /* the container itself */
    unsigned char is_const; /* const& / const* */
    unsigned char is_ptr;   /* a pointer (None passes NULL) */
    unsigned char owned;    /* a result by value: destroyed once read */
};

#define UMAP_SIZE 56
#define VEC_SIZE 24
#define SV_SIZE 16

static size_t round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* ---- describing a type ---- */

/* Split "std::map<K, V>" into its template name and arguments (copies
 * in a). Returns the number of arguments, or 0 when name has none. */
static size_t split_args(const char *name, struct ct_arena *a, char **tmpl,
                         char **args, size_t max)
{
    const char *lt = strchr(name, '<'), *p, *from;
    size_t n = 0;
    int depth = 0;

    if (lt == NULL || name[strlen(name) - 1] != '>') {
        return 0;
    }
    *tmpl = ct_strndup(a, name, (size_t)(lt - name));
    from = lt + 1;
    for (p = lt + 1; *p != '\0'; p++) {
        if (*p == '<' || *p == '(') {
            depth++;
        } else if ((*p == '>' || *p == ')') && depth > 0) {
            depth--;
        } else if ((*p == ',' && depth == 0) ||
                   (*p == '>' && depth == 0 && p[1] == '\0')) {
            while (*from == ' ') {
                from++;
            }
            if (n == max || *tmpl == NULL) {
                return 0;
            }
            args[n] = ct_strndup(a, from, (size_t)(p - from));
            if (args[n] == NULL) {
                return 0;
            }
            n++;
            from = p + 1;
        }
    }
    return n;
}

static int is_std_name(const char *name)
{
    return strcmp(name, "std::string_view") == 0 ||
           strcmp(name, "std::basic_string_view<char>") == 0 ||
           strcmp(name, "std::basic_string_view<char, "
                        "std::char_traits<char>>") == 0 ||
           strncmp(name, "std::vector<", 12) == 0 ||
           strncmp(name, "std::pair<", 10) == 0 ||
           strncmp(name, "std::map<", 9) == 0 ||
           strncmp(name, "std::unordered_map<", 19) == 0;
}

static const char supported[] =
    "supported: numbers, bool (not in std::vector), enums, pointers, "
    "std::string, structs declared with lib.struct, and std::vector, "
    "std::pair, std::map, std::unordered_map of these";

static struct sc_type *describe(const char *name, PyObject *lib,
                                const char *decl, struct ct_arena *a,
                                int depth);

/* The description of one template argument, a type's text. */
static struct sc_type *describe_arg(const char *text, const char *outer,
                                    PyObject *lib, const char *decl,
                                    struct ct_arena *a, int depth)
{
    struct decl_error err;
    struct ct_type *t = decl_parse_type(text, a, &err);
    struct sc_type *s;
    PyObject *known;

    if (t == NULL) {
        ffi_raise_decl_msg(decl, "in %s: '%s' is not a type crossrun "
                           "reads: %s", outer, text, err.msg);
        return NULL;
    }
    if (t->kind == CT_STRING) {
        s = ct_alloc(a, sizeof(*s));
        if (s == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        s->kind = SC_STRING;
        s->size = FFI_STDSTRING_SIZE;
        s->align = FFI_STDSTRING_ALIGN;
        s->name = "std::string";
        return s;
    }
    if (t->kind == CT_NAMED && is_std_name(t->name)) {
        return describe(t->name, lib, decl, a, depth + 1);
    }
    if (t->kind == CT_NAMED) {
        known = lib != NULL ? ffi_lib_type(lib, t->name) : NULL;
        if (known == NULL) {
            ffi_raise_decl_msg(decl, "in %s: the element type '%s' is not "
                               "declared: declare it first with "
                               "lib.struct(\"%s\", [...]) or lib.enum (%s)",
                               outer, t->name, t->name, supported);
            return NULL;
        }
        if (conv_hooks.is_class(known)) {
            ffi_raise_decl_msg(decl, "in %s: '%s' is a lib.cls class; a "
                               "container of objects is not supported, "
                               "declare a container of pointers (%s)",
                               outer, t->name, supported);
            return NULL;
        }
    } else if (!(ct_is_scalar(t->kind) && t->kind != CT_VOID &&
                 t->kind != CT_NULLPTR) && t->kind != CT_PTR) {
        ffi_raise_decl_msg(decl, "in %s: element type '%s' is not "
                           "supported (%s)", outer, text, supported);
        return NULL;
    }
    s = ct_alloc(a, sizeof(*s));
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s->kind = SC_LEAF;
    s->name = text;
    if (conv_build(&s->leaf, t, lib, CONV_FIELD, decl, a) != 0) {
        return NULL;
    }
    s->size = conv_mem_size(&s->leaf);
    s->align = s->leaf.kind == CV_STRUCT && s->leaf.ft != NULL &&
                       s->leaf.ft->alignment > 0
                   ? s->leaf.ft->alignment
                   : s->size >= 16 ? 16 : s->size;
    if (s->align == 0 || s->size == 0) {
        ffi_raise_decl_msg(decl, "in %s: element type '%s' has no size",
                           outer, text);
        return NULL;
    }
    return s;
}

/* Is text the default argument def ("std::allocator<" + ...)? */
static int is_default(const char *text, const char *def)
{
    return strncmp(text, def, strlen(def)) == 0;
}

static int key_ok(const struct sc_type *k)
{
    if (k->kind == SC_STRING) {
        return 1;
    }
    return k->kind == SC_LEAF &&
           (k->leaf.kind == CV_INT || k->leaf.kind == CV_ENUM ||
            k->leaf.kind == CV_BOOL || k->leaf.kind == CV_DOUBLE ||
            k->leaf.kind == CV_FLOAT || k->leaf.kind == CV_PTR);
}

/* Fill the layout of a pair-like s from s->a and s->b. */
static void pair_layout(struct sc_type *s)
{
    size_t al = s->a->align > s->b->align ? s->a->align : s->b->align;

    s->off_b = round_up(s->a->size, s->b->align);
    s->size = round_up(s->off_b + s->b->size, al);
    s->align = al;
}

/* The description of the container type called name. */
static struct sc_type *describe(const char *name, PyObject *lib,
                                const char *decl, struct ct_arena *a,
                                int depth)
{
    char *tmpl = NULL, *args[6];
    size_t n;
    struct sc_type *s;

    if (depth > 4) {
        ffi_raise_decl_msg(decl, "%s: containers nested this deep are not "
                           "supported", name);
        return NULL;
    }
    s = ct_alloc(a, sizeof(*s));
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s->name = name;
    if (strncmp(name, "std::basic_string_view", 22) == 0 ||
        strcmp(name, "std::string_view") == 0) {
        s->kind = SC_SVIEW;
        s->size = SV_SIZE;
        s->align = 8;
        return s;
    }
    n = split_args(name, a, &tmpl, args, 6);
    if (n == 0) {
        ffi_raise_decl_msg(decl, "cannot read the template arguments of "
                           "'%s'", name);
        return NULL;
    }
    if (strcmp(tmpl, "std::vector") == 0 &&
        (n == 1 || (n == 2 && is_default(args[1], "std::allocator<")))) {
        s->kind = SC_VECTOR;
        s->size = VEC_SIZE;
        s->align = 8;
        s->a = describe_arg(args[0], name, lib, decl, a, depth);
        if (s->a == NULL) {
            return NULL;
        }
        if (s->a->kind == SC_LEAF && s->a->leaf.kind == CV_BOOL) {
            ffi_raise_decl_msg(decl, "%s: std::vector<bool> packs bits and "
                               "is not supported (%s)", name, supported);
            return NULL;
        }
        return s;
    }
    if (strcmp(tmpl, "std::pair") == 0 && n == 2) {
        s->kind = SC_PAIR;
    } else if (strcmp(tmpl, "std::map") == 0 &&
               (n == 2 || (n >= 3 && is_default(args[2], "std::less<"))) &&
               (n <= 3 || (n == 4 && is_default(args[3],
                                                 "std::allocator<")))) {
        s->kind = SC_MAP;
    } else if (strcmp(tmpl, "std::unordered_map") == 0 && n >= 2 &&
               (n < 3 || is_default(args[2], "std::hash<")) &&
               (n < 4 || is_default(args[3], "std::equal_to<")) &&
               (n < 5 || is_default(args[4], "std::allocator<"))) {
        s->kind = SC_UMAP;
    } else {
        ffi_raise_decl_msg(decl, "'%s' is not a container crossrun reads "
                           "(custom comparators, hashes and allocators are "
                           "not supported; %s)", name, supported);
        return NULL;
    }
    s->a = describe_arg(args[0], name, lib, decl, a, depth);
    s->b = s->a == NULL ? NULL
                        : describe_arg(args[1], name, lib, decl, a, depth);
    if (s->b == NULL) {
        return NULL;
    }
    if (s->kind != SC_PAIR && !key_ok(s->a)) {
        ffi_raise_decl_msg(decl, "%s: a key of type '%s' is not supported "
                           "(numbers, pointers and std::string are)", name,
                           s->a->name);
        return NULL;
    }
    if (s->kind == SC_UMAP && s->a->kind == SC_LEAF &&
        s->a->leaf.kind != CV_INT && s->a->leaf.kind != CV_ENUM &&
        s->a->leaf.kind != CV_BOOL) {
        ffi_raise_decl_msg(decl, "%s: an unordered_map key of type '%s' is "
                           "not supported (integers and std::string are)",
                           name, s->a->name);
        return NULL;
    }
    pair_layout(s);
    s->vsize = s->size;
    if (s->kind == SC_MAP) {
        s->size = SC_MAP_SIZE;
        s->align = 8;
    } else if (s->kind == SC_UMAP) {
        s->node_val = round_up(sizeof(void *), s->align);
        /* std::hash<std::string> is not a "fast" hash: nodes cache it
         * (bits/hashtable.h __cache_default); integers' are not cached. */
        s->node_hash = s->a->kind == SC_STRING
                           ? round_up(s->node_val + s->vsize, 8) : 0;
        s->size = UMAP_SIZE;
        s->align = 8;
    }
    return s;
}

/* Release the references the leaves of t hold (declared struct types). */
static void sc_clear(struct sc_type *t)
{
    if (t == NULL) {
        return;
    }
    if (t->kind == SC_LEAF) {
        conv_clear(&t->leaf);
    }
    sc_clear(t->a);
    sc_clear(t->b);
}

/* ---- reading ---- */

static PyObject *text_value(const char *p, size_t n)
{
    PyObject *s = PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "strict");

    if (s == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear(); /* not UTF-8: the exact bytes */
        return PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
    }
    return s;
}

static PyObject *sc_read(const struct sc_type *t, const char *p);

static int read_pair_into(const struct sc_type *t, const char *val,
                          PyObject *dict)
{
    PyObject *k = sc_read(t->a, val), *v;
    int rc;

    if (k == NULL) {
        return -1;
    }
    v = sc_read(t->b, val + t->off_b);
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
        PyObject *e = sc_read(t->a, begin + i * t->a->size);

        if (e == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, e);
    }
    return list;
}

static PyObject *sc_read(const struct sc_type *t, const char *p)
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
        x = sc_read(t->a, p);
        y = x == NULL ? NULL : sc_read(t->b, p + t->off_b);
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

/* ---- destroying ---- */

static void sc_destroy(const struct sc_type *t, char *p);

static void destroy_pair_value(void *val, void *ctx)
{
    const struct sc_type *t = ctx;

    sc_destroy(t->a, val);
    sc_destroy(t->b, (char *)val + t->off_b);
}

static void sc_destroy(const struct sc_type *t, char *p)
{
    char *begin, *end, *node, *next, *buckets;
    size_t i, n;

    switch (t->kind) {
    case SC_LEAF:
    case SC_SVIEW:
        return;
    case SC_STRING:
        ffi_cxx_string_destroy(p);
        return;
    case SC_VECTOR:
        memcpy(&begin, p, sizeof(begin));
        memcpy(&end, p + 8, sizeof(end));
        n = begin == NULL ? 0 : (size_t)(end - begin) / t->a->size;
        for (i = 0; i < n; i++) {
            sc_destroy(t->a, begin + i * t->a->size);
        }
        sc_delete(begin);
        memset(p, 0, VEC_SIZE);
        return;
    case SC_PAIR:
        destroy_pair_value(p, (void *)t);
        return;
    case SC_MAP:
        sc_map_clear(p, destroy_pair_value, (void *)t);
        return;
    case SC_UMAP:
        memcpy(&node, p + 16, sizeof(node));
        while (node != NULL) {
            memcpy(&next, node, sizeof(next));
            destroy_pair_value(node + t->node_val, (void *)t);
            sc_delete(node);
            node = next;
        }
        memcpy(&buckets, p, sizeof(buckets));
        if (buckets != p + 48) { /* not _M_single_bucket */
            sc_delete(buckets);
        }
        return;
    }
}

/* ---- building ---- */

static int sc_write(const struct sc_type *t, PyObject *o, char *p,
                    int argno);

static int write_error(const struct sc_type *t, PyObject *o, int argno,
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
        return write_error(t, o, argno, "str, bytes or StdString");
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
        return write_error(t, o, argno, "a list or tuple");
    }
    seq = PySequence_Fast(o, "");
    if (seq == NULL) {
        PyErr_Clear();
        return write_error(t, o, argno, "a list or tuple");
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
        if (sc_write(t->a, PySequence_Fast_GET_ITEM(seq, i),
                     mem + (size_t)i * t->a->size, argno) != 0) {
            while (i-- > 0) {
                sc_destroy(t->a, mem + (size_t)i * t->a->size);
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
    if (sc_write(t->a, k, val, argno) != 0) {
        return -1;
    }
    if (sc_write(t->b, v, val + t->off_b, argno) != 0) {
        sc_destroy(t->a, val);
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
        return write_error(t, o, argno, "a dict");
    }
    sc_map_init(p);
    while (PyDict_Next(o, &pos, &k, &v)) {
        char *node = new_node(t, SC_RB_VALUE, SC_RB_VALUE + t->vsize, k, v,
                              argno);

        if (node == NULL) {
            sc_destroy(t, p);
            return -1;
        }
        if (!sc_map_insert(p, node, key_less, (void *)t)) {
            destroy_pair_value(node + SC_RB_VALUE, (void *)t);
            sc_delete(node); /* an equal key (1 and True) */
        }
    }
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
    size_t nsize = round_up((t->node_hash ? t->node_hash + 8
                                          : t->node_val + t->vsize), 8);

    if (!PyDict_Check(o)) {
        return write_error(t, o, argno, "a dict");
    }
    memset(p, 0, UMAP_SIZE);
    memcpy(p, &single, sizeof(single));      /* _M_buckets */
    memcpy(p + 8, &one, sizeof(one));        /* _M_bucket_count */
    memcpy(p + 32, &maxload, sizeof(maxload)); /* _M_rehash_policy */
    memcpy(p + 40, &zero, sizeof(zero));
    while (PyDict_Next(o, &pos, &k, &v)) {
        char *node = new_node(t, t->node_val, nsize, k, v, argno);

        if (node == NULL) {
            sc_destroy(t, p);
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

static int sc_write(const struct sc_type *t, PyObject *o, char *p,
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
    case SC_PAIR:
        if (!PyTuple_Check(o) && !PyList_Check(o)) {
            return write_error(t, o, argno, "a tuple of 2");
        }
        seq = PySequence_Fast(o, "");
        if (seq == NULL) {
            return -1;
        }
        if (PySequence_Fast_GET_SIZE(seq) != 2) {
            Py_DECREF(seq);
            return write_error(t, o, argno, "a tuple of 2");
        }
        rc = write_pair(t, PySequence_Fast_GET_ITEM(seq, 0),
                        PySequence_Fast_GET_ITEM(seq, 1), p, argno);
        Py_DECREF(seq);
        return rc;
    case SC_MAP:
        return write_map(t, o, p, argno);
    case SC_UMAP:
        return write_umap(t, o, p, argno);
    }
    return -1;
}

/* ---- Python-owned containers: crossrun.StdVector("int") ---- */

typedef struct {
    PyObject_HEAD
    struct ct_arena arena;
    struct sc_type *t;
    PyObject *lib;
    _Alignas(16) unsigned char mem[CONV_SRET_SIZE];
} StdContainerObject;

static PyTypeObject StdContainerType;

static void container_dealloc(StdContainerObject *s)
{
    if (s->t != NULL) {
        sc_destroy(s->t, (char *)s->mem);
        sc_clear(s->t);
    }
    ct_arena_free(&s->arena);
    Py_XDECREF(s->lib);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

/* A new Python-owned container of type text (a std:: template spelled
 * out), filled from init (None: empty). */
static PyObject *container_new(const char *text, PyObject *init,
                               PyObject *lib)
{
    StdContainerObject *s;
    struct decl_error err;
    struct ct_type *ct;

    if (lib == Py_None) {
        lib = NULL;
    }
    s = PyObject_New(StdContainerObject, &StdContainerType);
    if (s == NULL) {
        return NULL;
    }
    memset(&s->arena, 0, sizeof(s->arena));
    s->t = NULL;
    s->lib = Py_XNewRef(lib);
    memset(s->mem, 0, sizeof(s->mem));
    ct = decl_parse_type(text, &s->arena, &err);
    if (ct == NULL) {
        ffi_raise_decl_error(text, &err);
        goto error;
    }
    if (ct->kind != CT_NAMED || !is_std_name(ct->name)) {
        ffi_raise_decl_msg(text, "not a container crossrun makes (%s)",
                           supported);
        goto error;
    }
    s->t = describe(ct->name, lib, text, &s->arena, 0);
    if (s->t == NULL) {
        goto error;
    }
    if (s->t->kind == SC_SVIEW || s->t->kind == SC_PAIR) {
        s->t = NULL;
        ffi_raise_decl_msg(text, "make containers with StdVector, StdMap "
                           "and StdUnorderedMap; a pair or string_view "
                           "passes as a tuple or str");
        goto error;
    }
    if (sc_write(s->t, init, (char *)s->mem, -1) != 0) {
        s->t = NULL;
        goto error;
    }
    return (PyObject *)s;
error:
    Py_DECREF(s);
    return NULL;
}

static PyObject *container_value(StdContainerObject *s, PyObject *noargs)
{
    (void)noargs;
    return sc_read(s->t, (char *)s->mem);
}

static Py_ssize_t container_len(StdContainerObject *s)
{
    PyObject *v = sc_read(s->t, (char *)s->mem);
    Py_ssize_t n;

    if (v == NULL) {
        return -1;
    }
    n = PyObject_Length(v);
    Py_DECREF(v);
    return n;
}

static PyObject *container_iter(StdContainerObject *s)
{
    PyObject *v = sc_read(s->t, (char *)s->mem), *it;

    if (v == NULL) {
        return NULL;
    }
    it = PyObject_GetIter(v);
    Py_DECREF(v);
    return it;
}

static PyObject *container_repr(StdContainerObject *s)
{
    PyObject *v = sc_read(s->t, (char *)s->mem), *r;

    if (v == NULL) {
        return NULL;
    }
    r = PyUnicode_FromFormat("<crossrun %s %R>", s->t->name, v);
    Py_DECREF(v);
    return r;
}

static PyObject *container_address(StdContainerObject *s, void *closure)
{
    (void)closure;
    return ffi_pointer_new(s->mem, (PyObject *)s);
}

static PyObject *container_type(StdContainerObject *s, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(s->t->name);
}

static PyMethodDef container_methods[] = {
    {"value", (PyCFunction)container_value, METH_NOARGS,
     "value() -> list/dict: a copy of the current contents."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef container_getset[] = {
    {"address", (getter)container_address, NULL,
     "The container's address, a Pointer.", NULL},
    {"type", (getter)container_type, NULL,
     "The C++ type, as crossrun spells it.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods container_seq = {
    .sq_length = (lenfunc)container_len,
};

static PyTypeObject StdContainerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.StdContainer",
    .tp_doc = "A libstdc++ container owned by Python (StdVector, StdMap, "
              "StdUnorderedMap): passes as the container, a const& or a "
              "pointer or reference the callee fills; value() reads it.",
    .tp_basicsize = sizeof(StdContainerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)container_dealloc,
    .tp_repr = (reprfunc)container_repr,
    .tp_iter = (getiterfunc)container_iter,
    .tp_as_sequence = &container_seq,
    .tp_methods = container_methods,
    .tp_getset = container_getset,
};

static PyObject *make(const char *fmt, PyObject *args, PyObject *kw,
                      int nkinds)
{
    static char *kw1[] = {"type", "items", "lib", NULL};
    static char *kw2[] = {"key", "value", "items", "lib", NULL};
    const char *k = NULL, *v = NULL;
    PyObject *items = NULL, *lib = NULL, *text, *r, *empty = NULL;

    if (nkinds == 1 ? !PyArg_ParseTupleAndKeywords(args, kw, "s|OO", kw1,
                                                   &k, &items, &lib)
                    : !PyArg_ParseTupleAndKeywords(args, kw, "ss|OO", kw2,
                                                   &k, &v, &items, &lib)) {
        return NULL;
    }
    text = nkinds == 1 ? PyUnicode_FromFormat(fmt, k)
                       : PyUnicode_FromFormat(fmt, k, v);
    if (text == NULL) {
        return NULL;
    }
    if (items == NULL || items == Py_None) {
        empty = nkinds == 1 ? PyList_New(0) : PyDict_New();
        items = empty;
    }
    r = items == NULL ? NULL
                      : container_new(PyUnicode_AsUTF8(text), items, lib);
    Py_XDECREF(empty);
    Py_DECREF(text);
    return r;
}

static PyObject *std_vector(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::vector<%s>", args, kw, 1);
}

static PyObject *std_map(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::map<%s, %s>", args, kw, 2);
}

static PyObject *std_umap(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::unordered_map<%s, %s>", args, kw, 2);
}

PyMethodDef ffi_std_functions[] = {
    {"StdVector", (PyCFunction)(void (*)(void))std_vector,
     METH_VARARGS | METH_KEYWORDS,
     "StdVector(type, items=None, lib=None): a std::vector<type> owned by "
     "Python (lib: the Library whose lib.struct types it holds)."},
    {"StdMap", (PyCFunction)(void (*)(void))std_map,
     METH_VARARGS | METH_KEYWORDS,
     "StdMap(key, value, items=None, lib=None): a std::map<key, value> "
     "owned by Python."},
    {"StdUnorderedMap", (PyCFunction)(void (*)(void))std_umap,
     METH_VARARGS | METH_KEYWORDS,
     "StdUnorderedMap(key, value, items=None, lib=None): a "
     "std::unordered_map<key, value> owned by Python."},
    {NULL, NULL, 0, NULL},
};

/* ---- the converter row ---- */

static const char *role_name(enum conv_role role)
{
    return role == CONV_ARG ? "a parameter" : role == CONV_RET ? "a result"
           : role == CONV_FIELD ? "a field" : "a callback's value";
}

static int std_build(struct conv *c, const struct ct_type *t, PyObject *lib,
                     enum conv_role role, const char *decl,
                     struct ct_arena *a)
{
    const struct ct_type *u = t;
    struct sc_use *use;

    if (t->kind == CT_PTR || t->kind == CT_REF || t->kind == CT_RREF) {
        u = t->sub;
    }
    if (u == t && u->kind == CT_NAMED && strncmp(u->name, "std::", 5) == 0 &&
        !is_std_name(u->name) &&
        (lib == NULL || ffi_lib_type(lib, u->name) == NULL)) {
        ffi_raise_decl_msg(decl, "%s by value is not supported (%s; a "
                           "pointer or reference to it passes as a "
                           "Pointer)", u->name, supported);
        return -1;
    }
    if (u->kind != CT_NAMED || !is_std_name(u->name)) {
        return 0;
    }
    if (role == CONV_FIELD && u != t) {
        return 0; /* a pointer to a container in memory: a Pointer */
    }
    if (role == CONV_CBARG || role == CONV_CBRET || role == CONV_FIELD) {
        ffi_raise_decl_msg(decl, "%s as %s is not supported (parameters "
                           "and results of functions are)", u->name,
                           role_name(role));
        return -1;
    }
    use = ct_alloc(a, sizeof(*use));
    if (use == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    use->t = describe(u->name, lib, decl, a, 0);
    if (use->t == NULL) {
        return -1;
    }
    use->by_value = u == t;
    use->is_const = u->is_const || t->kind == CT_RREF;
    use->is_ptr = t->kind == CT_PTR;
    use->owned = use->by_value && role == CONV_RET;
    if (lib != NULL && ((LibraryObject *)lib)->isolated &&
        use->t->kind != SC_SVIEW && !(use->is_const && !use->by_value)) {
        ffi_raise_decl_msg(decl, "%s: %s loaded with isolated=True has its "
                           "own C++ runtime and allocator, which must not "
                           "free or grow crossrun's containers (nor "
                           "crossrun its); declare it const& (read only)",
                           u->name, ((LibraryObject *)lib)->file);
        return -1;
    }
    c->kind = CV_STD;
    c->std = use;
    c->ct = t;
    if (use->by_value && use->t->kind == SC_SVIEW) {
        static ffi_type *elems[] = {&ffi_type_uint64, &ffi_type_pointer,
                                    NULL};
        static ffi_type sv = {SV_SIZE, 8, FFI_TYPE_STRUCT, elems};

        c->ft = &sv;
        c->struct_size = SV_SIZE;
        return 1;
    }
    c->ft = &ffi_type_pointer;
    /* A container by value is not trivially copyable: it travels by
     * invisible reference to a temporary the caller destroys (Itanium
     * C++ ABI 3.1.2), and comes back through a hidden pointer. */
    if (role == CONV_ARG && (use->by_value || use->is_const)) {
        c->extra_size = 16 + use->t->size;
    }
    return 1;
}

static int std_to_c(const struct conv *c, PyObject *o, void *dst,
                    void *extra, struct callctx *ctx, int argno)
{
    const struct sc_use *use = c->std;
    char *mem;
    void *addr;

    if (use->t->kind == SC_SVIEW && use->by_value) {
        return sc_write(use->t, o, dst, argno);
    }
    if (Py_TYPE(o) == &StdContainerType &&
        strcmp(((StdContainerObject *)o)->t->name, use->t->name) == 0 &&
        !use->by_value) {
        addr = ((StdContainerObject *)o)->mem;
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    if (o == Py_None && use->is_ptr) {
        addr = NULL;
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    if (Py_TYPE(o) == &StdContainerType) {
        StdContainerObject *s = (StdContainerObject *)o;

        if (strcmp(s->t->name, use->t->name) != 0) {
            PyErr_Format(PyExc_TypeError, "argument %d: a %s does not pass "
                         "as %s", argno, s->t->name, use->t->name);
            return -1;
        }
        o = sc_read(s->t, (char *)s->mem); /* by value: a copy */
        if (o == NULL) {
            return -1;
        }
    } else if (!use->by_value && !use->is_const) {
        PyErr_Format(PyExc_TypeError, "argument %d: the callee may change "
                     "this %s: pass a crossrun container made for it (e.g. "
                     "crossrun.StdVector(\"int\")) and read it after the "
                     "call, not %.100s", argno, use->t->name,
                     Py_TYPE(o)->tp_name);
        return -1;
    } else {
        Py_INCREF(o);
    }
    if (ctx == NULL) {
        Py_DECREF(o);
        return write_error(use->t, o, argno, "nothing here");
    }
    mem = (char *)extra + 16;
    memcpy(extra, &use->t, sizeof(use->t));
    if (sc_write(use->t, o, mem, argno) != 0) {
        Py_DECREF(o);
        return -1;
    }
    Py_DECREF(o);
    if (conv_tmp_add(ctx, TMP_STD, extra) != 0) {
        sc_destroy(use->t, mem);
        return -1;
    }
    memcpy(dst, &mem, sizeof(mem));
    return 0;
}

static PyObject *std_from_c(const struct conv *c, const void *src,
                            PyObject *keep)
{
    const struct sc_use *use = c->std;
    const char *p = src;
    PyObject *r;

    (void)keep;
    if (!use->by_value || (use->t->kind != SC_SVIEW && !use->owned)) {
        memcpy(&p, src, sizeof(p)); /* a pointer or reference to it */
        if (p == NULL) {
            Py_RETURN_NONE;
        }
    }
    r = sc_read(use->t, p);
    if (use->owned && use->t->kind != SC_SVIEW) {
        sc_destroy(use->t, (char *)p);
    }
    return r;
}

static int std_score(const struct conv *c, PyObject *o)
{
    const struct sc_use *use = c->std;
    enum sc_kind k = use->t->kind;

    if (Py_TYPE(o) == &StdContainerType) {
        return strcmp(((StdContainerObject *)o)->t->name, use->t->name) == 0
                   ? 2 : 0;
    }
    if (o == Py_None) {
        return use->is_ptr ? 1 : 0;
    }
    if (!use->by_value && !use->is_const) {
        return 0;
    }
    if (k == SC_SVIEW) {
        return PyUnicode_Check(o) || PyBytes_Check(o) ? 1 : 0;
    }
    if (k == SC_MAP || k == SC_UMAP) {
        return PyDict_Check(o) ? 1 : 0;
    }
    return PyList_Check(o) || PyTuple_Check(o) ? 1 : 0;
}

static void std_release(void *p)
{
    const struct sc_type *t;

    memcpy(&t, p, sizeof(t));
    sc_destroy(t, (char *)p + 16);
}

static void std_clear(struct conv *c)
{
    const struct sc_use *use = c->std;

    if (use != NULL) {
        sc_clear(use->t); /* the memory is the declaration's arena's */
    }
}

static int std_sret(const struct conv *c)
{
    const struct sc_use *use = c->std;

    return c->kind == CV_STD && use->owned && use->t->kind != SC_SVIEW;
}

static void std_discard(const struct conv *c, void *mem)
{
    const struct sc_use *use = c->std;

    sc_destroy(use->t, mem);
}

int ffi_std_ready(void)
{
    conv_hooks.std_build = std_build;
    conv_hooks.std_to_c = std_to_c;
    conv_hooks.std_from_c = std_from_c;
    conv_hooks.std_score = std_score;
    conv_hooks.std_release = std_release;
    conv_hooks.std_clear = std_clear;
    conv_hooks.std_sret = std_sret;
    conv_hooks.std_discard = std_discard;
    return PyType_Ready(&StdContainerType);
}
