/* 06_stddrop: destroying a container as libstdc++'s destructor does:
 * each element (strings, nested containers), then the vector's storage,
 * a map's nodes (cxx/stdcont), an unordered_map's nodes and buckets,
 * all given back to the C++ runtime's operator delete. */
#include "ffi/06_stddrop.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/stdcont.h"
#include "ffi/02_values.h"
#include "ffi/05_smart.h"

/* Run the destructor of the object at p (none when trivially copyable);
 * an exception it raises is unraisable, one already set is kept. */
static void destroy_obj(const struct sc_type *t, char *p)
{
    PyObject *et, *ev, *tb, *view, *r = NULL;

    if (t->obj.trivial) {
        return;
    }
    PyErr_Fetch(&et, &ev, &tb);
    view = conv_hooks.object_view(t->cls, p, NULL);
    if (view != NULL) {
        r = PyObject_Vectorcall(t->obj.dtor, &view, 1, NULL);
        Py_DECREF(view);
    }
    if (r == NULL) {
        PyErr_WriteUnraisable(t->cls);
    }
    Py_XDECREF(r);
    PyErr_Restore(et, ev, tb);
}

static void destroy_pair_value(void *val, void *ctx)
{
    const struct sc_type *t = ctx;

    ffi_std_destroy(t->a, val);
    ffi_std_destroy(t->b, (char *)val + t->off_b);
}

static void destroy_key(void *val, void *ctx)
{
    const struct sc_type *t = ctx;

    ffi_std_destroy(t->a, val);
}

void ffi_std_destroy_pair(const struct sc_type *t, char *val)
{
    destroy_pair_value(val, (void *)t);
}

void ffi_std_destroy(const struct sc_type *t, char *p)
{
    char *begin, *end, *node, *next, *buckets;
    size_t i, n;

    switch (t->kind) {
    case SC_LEAF:
    case SC_SVIEW:
        return;
    case SC_OBJ:
        destroy_obj(t, p);
        return;
    case SC_SMART:
        ffi_smart_destroy(t->sp, p);
        return;
    case SC_STRING:
        ffi_cxx_string_destroy(p);
        return;
    case SC_VECTOR:
        memcpy(&begin, p, sizeof(begin));
        memcpy(&end, p + 8, sizeof(end));
        n = begin == NULL ? 0 : (size_t)(end - begin) / t->a->size;
        for (i = 0; i < n; i++) {
            ffi_std_destroy(t->a, begin + i * t->a->size);
        }
        sc_delete(begin);
        memset(p, 0, SC_VEC_SIZE);
        return;
    case SC_PAIR:
        destroy_pair_value(p, (void *)t);
        return;
    case SC_MAP:
        sc_map_clear(p, destroy_pair_value, (void *)t);
        return;
    case SC_SET:
        sc_map_clear(p, destroy_key, (void *)t);
        return;
    case SC_LIST:
        memcpy(&node, p, sizeof(node));
        while (node != NULL && node != p) {
            memcpy(&next, node, sizeof(next));
            ffi_std_destroy(t->a, node + t->node_val);
            sc_delete(node);
            node = next;
        }
        next = p; /* empty: the header points at itself */
        memcpy(p, &next, sizeof(next));
        memcpy(p + 8, &next, sizeof(next));
        memset(p + 16, 0, 8);
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
