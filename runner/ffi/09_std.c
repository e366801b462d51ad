/* 09_std: the standard containers' row of 04_conv's table (std::vector,
 * std::pair, std::map, std::unordered_map, std::string_view in
 * signatures): how a parameter or result uses one (by value, const&,
 * pointer, reference), the temporary built for an argument and destroyed
 * after the call, a result read and then destroyed. The type is
 * described by 06_stdtype, read by 06_stdread, built by 07_stdwrite,
 * destroyed by 06_stddrop; 08_stdowned has the Python-owned containers. */
#include "ffi/09_std.h"

#include <string.h>

#include "ffi/01_errors.h"
#include "ffi/03_lib.h"
#include "ffi/06_stddrop.h"
#include "ffi/08_stdowned.h"
#include "ffi/06_stdread.h"
#include "ffi/06_stdtype.h"
#include "ffi/07_stdwrite.h"

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
        !ffi_std_is_container(u->name) &&
        (lib == NULL || ffi_lib_type(lib, u->name) == NULL)) {
        ffi_raise_decl_msg(decl, "%s by value is not supported (%s; a "
                           "pointer or reference to it passes as a "
                           "Pointer)", u->name, ffi_std_supported);
        return -1;
    }
    if (u->kind != CT_NAMED || !ffi_std_is_container(u->name)) {
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
    use->t = ffi_std_describe(u->name, lib, decl, a);
    if (use->t == NULL) {
        return -1;
    }
    use->by_value = u == t;
    use->is_const = u->is_const || t->kind == CT_RREF;
    use->is_ptr = t->kind == CT_PTR;
    use->owned = use->by_value && role == CONV_RET;
    if (!use->owned && ffi_std_has_smart(use->t) &&
        (role != CONV_ARG || ffi_std_has_unique(use->t))) {
        ffi_raise_decl_msg(decl, "%s: a container of smart pointers is "
                           "supported as a result by value (each moves "
                           "into a crossrun.SmartPtr), and of "
                           "std::shared_ptr as a parameter (made of "
                           "SmartPtrs, each a copy that shares ownership); "
                           "otherwise it is not", u->name);
        return -1;
    }
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
        static ffi_type sv = {SC_SV_SIZE, 8, FFI_TYPE_STRUCT, elems};

        c->ft = &sv;
        c->struct_size = SC_SV_SIZE;
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
    const struct sc_type *owned;
    char *mem, *omem = NULL;
    void *addr;

    if (use->t->kind == SC_SVIEW && use->by_value) {
        return ffi_std_write(use->t, o, dst, argno);
    }
    owned = ffi_std_owned(o, &omem);
    if (owned != NULL && strcmp(owned->name, use->t->name) == 0 &&
        !use->by_value) {
        addr = omem;
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    if (o == Py_None && use->is_ptr) {
        addr = NULL;
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    if (owned != NULL) {
        if (strcmp(owned->name, use->t->name) != 0) {
            PyErr_Format(PyExc_TypeError, "argument %d: a %s does not pass "
                         "as %s", argno, owned->name, use->t->name);
            return -1;
        }
        o = ffi_std_read(owned, omem, 0); /* by value: a copy */
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
        return ffi_std_write_error(use->t, o, argno, "nothing here");
    }
    mem = (char *)extra + 16;
    memcpy(extra, &use->t, sizeof(use->t));
    if (ffi_std_write(use->t, o, mem, argno) != 0) {
        Py_DECREF(o);
        return -1;
    }
    Py_DECREF(o);
    if (conv_tmp_add(ctx, TMP_STD, extra) != 0) {
        ffi_std_destroy(use->t, mem);
        return -1;
    }
    memcpy(dst, &mem, sizeof(mem));
    return 0;
}

static PyObject *std_from_c(const struct conv *c, const void *src,
                            PyObject *keep)
{
    const struct sc_use *use = c->std;
    char *p = (char *)src; /* an owned result: ours to move from */
    int owned = use->owned && use->t->kind != SC_SVIEW;
    PyObject *r;

    (void)keep;
    if (!use->by_value || (use->t->kind != SC_SVIEW && !use->owned)) {
        memcpy(&p, src, sizeof(p)); /* a pointer or reference to it */
        if (p == NULL) {
            Py_RETURN_NONE;
        }
    }
    if (ffi_std_check(use->t, p) != 0) {
        return NULL; /* misread, so not destroyed either: left to leak */
    }
    r = ffi_std_read(use->t, p, owned);
    if (owned) {
        ffi_std_destroy(use->t, p);
    }
    return r;
}

static int std_score(const struct conv *c, PyObject *o)
{
    const struct sc_use *use = c->std;
    enum sc_kind k = use->t->kind;
    const struct sc_type *owned;
    char *omem;

    if ((owned = ffi_std_owned(o, &omem)) != NULL) {
        return strcmp(owned->name, use->t->name) == 0 ? 2 : 0;
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
    if (k == SC_SET && PyAnySet_Check(o)) {
        return 1;
    }
    return PyList_Check(o) || PyTuple_Check(o) ? 1 : 0;
}

static void std_release(void *p)
{
    const struct sc_type *t;

    memcpy(&t, p, sizeof(t));
    ffi_std_destroy(t, (char *)p + 16);
}

static void std_clear(struct conv *c)
{
    const struct sc_use *use = c->std;

    if (use != NULL) {
        ffi_std_clear(use->t); /* the memory is the declaration's arena's */
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

    ffi_std_destroy(use->t, mem);
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
    return ffi_std_owned_ready();
}

