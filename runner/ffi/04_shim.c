/* 04_shim: a declaration the library does not export but its headers
 * define (an inline method, a template instantiation, an inline operator)
 * reached through a shim: one extern "C" function with the declaration's
 * own signature (the object first for a method) whose body calls it,
 * compiled from the headers given to load(headers=) by crossrun._shim
 * (cached by content) and loaded next to the library, in its link
 * namespace. Because the shim has the same parameter and result types as
 * the declaration, the rest of the call path (converters, hidden result
 * pointers, the fast path) is the one an exported function takes. */
#include "ffi/04_shim.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "core/buf.h"
#include "ffi/01_errors.h"

/* Names that are binary operators when written between two operands. */
static const char *const binary_ops[] = {
    "+", "-", "*", "/", "%", "^", "&", "|", "<", ">", "<=", ">=", "==",
    "!=", "<<", ">>", "&&", "||", "+=", "-=", "*=", "/=", "<=>", NULL,
};

static int is_binary_op(const char *op)
{
    size_t i;

    for (i = 0; binary_ops[i] != NULL; i++) {
        if (strcmp(op, binary_ops[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* "crossrun_t<T>" for type t: the alias spells any type (function
 * pointers included) in front of a name. */
static int put_type(struct buf *b, const struct ct_type *t)
{
    return buf_puts(b, "crossrun_t<") != 0 || ct_print(t, b) != 0 ||
           buf_puts(b, ">") != 0 ? -1 : 0;
}

/* The argument list "static_cast<crossrun_t<P>&&>(aN), ...": each
 * parameter forwarded as it was received. */
static int put_args(struct buf *b, const struct ct_decl *d, size_t from)
{
    size_t i;

    for (i = from; i < d->nparams; i++) {
        if ((i > from && buf_puts(b, ", ") != 0) ||
            buf_puts(b, "static_cast<") != 0 ||
            put_type(b, d->params[i].type) != 0 ||
            buf_printf(b, "&&>(a%zu)", i) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The body's expression: how the header's own users would call it. */
static int put_call(struct buf *b, const struct ct_decl *d, int member,
                    const char *cls)
{
    const char *base = d->base;
    int op = strncmp(base, "operator", 8) == 0 &&
             !(base[8] >= 'a' && base[8] <= 'z');

    if (d->ret == NULL && !d->is_dtor) { /* a constructor */
        return buf_printf(b, "new (self) %s(", cls) != 0 ||
               put_args(b, d, 0) != 0 || buf_puts(b, ")") != 0 ? -1 : 0;
    }
    if (d->is_dtor) {
        return buf_printf(b, "self->%s()", base);
    }
    if (op && !member && d->nparams == 2 && is_binary_op(base + 8)) {
        /* a free operator: the expression finds hidden friends too */
        return buf_puts(b, "static_cast<") != 0 ||
               put_type(b, d->params[0].type) != 0 ||
               buf_printf(b, "&&>(a0) %s static_cast<", base + 8) != 0 ||
               put_type(b, d->params[1].type) != 0 ||
               buf_puts(b, "&&>(a1)") != 0 ? -1 : 0;
    }
    if (member) {
        if (buf_printf(b, "self->%s(", base) != 0) {
            return -1;
        }
    } else if (buf_printf(b, "%s(", d->name) != 0) {
        return -1;
    }
    return put_args(b, d, 0) != 0 || buf_puts(b, ")") != 0 ? -1 : 0;
}

/* The includes of the shim's source. */
static int shim_prologue(struct buf *b, PyObject *headers)
{
    Py_ssize_t i;

    for (i = 0; i < PyTuple_GET_SIZE(headers); i++) {
        const char *h = PyUnicode_AsUTF8(PyTuple_GET_ITEM(headers, i));

        if (h == NULL) {
            return -1;
        }
        if (buf_printf(b, "#include \"%s\"\n", h) != 0) {
            return PyErr_NoMemory(), -1;
        }
    }
    if (buf_puts(b, "#include <new>\ntemplate <class T> using crossrun_t "
                 "= T;\n") != 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The shim function crossrun_shim_<index> for d, appended to b. */
static int shim_function(struct buf *b, size_t index,
                         const struct ct_decl *d, int member)
{
    size_t k;
    char *cls = NULL;
    int rc = -1, ctor = d->ret == NULL && !d->is_dtor;

    if (buf_puts(b, "extern \"C\" ") != 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (d->base != d->name) {
        size_t n = (size_t)(d->base - 2 - d->name);

        cls = PyMem_Malloc(n + 1);
        if (cls == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(cls, d->name, n);
        cls[n] = '\0';
    }
    if (d->ret == NULL || ctor ? buf_puts(b, "void") != 0
                               : put_type(b, d->ret) != 0) {
        goto out;
    }
    if (buf_printf(b, " crossrun_shim_%zu(", index) != 0) {
        goto out;
    }
    if (member && buf_printf(b, "%s%s* self%s", d->is_const ? "const " : "",
                             cls, d->nparams > 0 ? ", " : "") != 0) {
        goto out;
    }
    for (k = 0; k < d->nparams; k++) {
        if ((k > 0 && buf_puts(b, ", ") != 0) ||
            put_type(b, d->params[k].type) != 0 ||
            buf_printf(b, " a%zu", k) != 0) {
            goto out;
        }
    }
    if (buf_puts(b, ")\n{\n    ") != 0 ||
        (!ctor && !d->is_dtor && d->ret != NULL &&
         buf_puts(b, "return ") != 0) ||
        put_call(b, d, member, cls) != 0 || buf_puts(b, ";\n}\n") != 0) {
        goto out;
    }
    rc = 0;
out:
    PyMem_Free(cls);
    if (rc != 0 && !PyErr_Occurred()) {
        PyErr_NoMemory();
    }
    return rc;
}

/* Load the compiled shim into lib's link namespace; its handle. */
static void *shim_load(LibraryObject *lib, const char *path,
                       const char *text)
{
    Lmid_t lmid = LM_ID_BASE;
    void *h;

    if (lib->isolated && dlinfo(lib->handle, RTLD_DI_LMID, &lmid) != 0) {
        lmid = LM_ID_BASE;
    }
    h = lmid == LM_ID_BASE ? dlopen(path, RTLD_NOW | RTLD_LOCAL)
                           : dlmopen(lmid, path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *why = dlerror();

        ffi_raise_decl_msg(text, "the shim compiled from the headers "
                           "(%s) does not load: %s", path,
                           why ? why : "?");
        return NULL;
    }
    return h; /* the shim stays loaded for the process's life */
}

PyObject *ffi_shim_headers(LibraryObject *lib)
{
    PyObject *spec = PyDict_GetItemString(lib->dict, "_shim_headers");

    return spec != NULL && PyTuple_Check(spec) &&
                   PyTuple_GET_SIZE(spec) == 2 &&
                   PyTuple_GET_SIZE(PyTuple_GET_ITEM(spec, 0)) > 0
               ? spec
               : NULL;
}

/* One declaration of a shim: parsed, and its key in lib's table of
 * shim addresses. */
struct shim_entry {
    struct ct_decl *d;
    int member;
    PyObject *key;
};

/* The key under which d's shim address is kept: its printed declaration
 * and whether the object comes first. */
static PyObject *entry_key(const struct ct_decl *d, int member)
{
    struct buf b = BUF_INIT;
    PyObject *k;

    if (decl_print(d, &b) != 0) {
        buf_free(&b);
        return PyErr_NoMemory();
    }
    k = PyUnicode_FromFormat("%s%s", member ? "this:" : "", b.data);
    buf_free(&b);
    return k;
}

/* The declarations load()'s lib.cls wrapper announced (the methods of the
 * class being declared), parsed: they go into the same shim, so a
 * header-only class is one compile, not one per method. */
static size_t batch_entries(LibraryObject *lib, struct shim_entry *v,
                            size_t max)
{
    PyObject *batch = PyDict_GetItemString(lib->dict, "_shim_batch");
    Py_ssize_t i;
    size_t n = 0;

    if (batch == NULL || !PyList_Check(batch)) {
        return 0;
    }
    for (i = 0; i < PyList_GET_SIZE(batch) && n < max; i++) {
        PyObject *it = PyList_GET_ITEM(batch, i);
        const char *cls, *text;
        struct decl_error err;
        struct ct_decl *d;
        struct buf q = BUF_INIT;

        if (!PyTuple_Check(it) || PyTuple_GET_SIZE(it) != 2 ||
            (cls = PyUnicode_AsUTF8(PyTuple_GET_ITEM(it, 0))) == NULL ||
            (text = PyUnicode_AsUTF8(PyTuple_GET_ITEM(it, 1))) == NULL) {
            PyErr_Clear();
            continue;
        }
        d = decl_parse(text, DECL_NO_RETURN, &err);
        if (d == NULL || d->variadic || d->is_virtual ||
            buf_printf(&q, "%s::%s", cls, d->name) != 0) {
            buf_free(&q);
            decl_free(d);
            continue;
        }
        d->name = ct_strndup(&d->arena, q.data, q.len);
        buf_free(&q);
        if (d->name == NULL) {
            decl_free(d);
            continue;
        }
        d->base = strrchr(d->name, ':') + 1;
        if (strncmp(d->base - 2, "::", 2) != 0 || strstr(d->name, "operator")
            != NULL) {
            decl_free(d); /* operators' names hold ':'-free text only */
            continue;
        }
        v[n].d = d;
        v[n].member = !d->is_static;
        v[n].key = entry_key(d, v[n].member);
        if (v[n].key == NULL) {
            PyErr_Clear();
            decl_free(d);
            continue;
        }
        n++;
    }
    return n;
}

/* Compile src (crossrun._shim.build, cached) and load it next to lib:
 * its handle, or NULL with an exception set. */
static void *shim_compile(LibraryObject *lib, PyObject *spec,
                          const char *src, const char *text)
{
    PyObject *mod, *path;
    const char *p;
    void *h;

    mod = PyImport_ImportModule("crossrun._shim");
    if (mod == NULL) {
        return NULL;
    }
    path = PyObject_CallMethod(mod, "build", "sOOs", src,
                               PyTuple_GET_ITEM(spec, 0),
                               PyTuple_GET_ITEM(spec, 1), lib->file);
    Py_DECREF(mod);
    if (path == NULL) {
        return NULL;
    }
    p = PyUnicode_AsUTF8(path);
    h = p != NULL ? shim_load(lib, p, text) : NULL;
    Py_DECREF(path);
    return h;
}

/* Compile entries v[0..n) into one shim and record each address in
 * addrs. Returns 0, or -1 with an exception set. */
static int shim_build(LibraryObject *lib, PyObject *spec,
                      struct shim_entry *v, size_t n, PyObject *addrs,
                      const char *text)
{
    struct buf src = BUF_INIT;
    void *h;
    size_t i;
    int rc = -1;

    if (shim_prologue(&src, PyTuple_GET_ITEM(spec, 0)) != 0) {
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (shim_function(&src, i, v[i].d, v[i].member) != 0) {
            goto out;
        }
    }
    h = shim_compile(lib, spec, src.data, text);
    if (h == NULL) {
        goto out;
    }
    for (i = 0; i < n; i++) {
        char name[40];
        void *fn;
        PyObject *a;

        snprintf(name, sizeof(name), "crossrun_shim_%zu", i);
        fn = dlsym(h, name);
        a = fn != NULL ? PyLong_FromVoidPtr(fn) : NULL;
        if (a == NULL || PyDict_SetItem(addrs, v[i].key, a) != 0) {
            Py_XDECREF(a);
            if (!PyErr_Occurred()) {
                ffi_raise_decl_msg(text, "the shim has no %s", name);
            }
            goto out;
        }
        Py_DECREF(a);
    }
    rc = 0;
out:
    buf_free(&src);
    return rc;
}

/* lib's table of shim addresses (lib._shim_addrs, borrowed), made on
 * first use; NULL with an exception set. */
static PyObject *shim_addrs(LibraryObject *lib)
{
    PyObject *addrs = PyDict_GetItemString(lib->dict, "_shim_addrs");

    if (addrs == NULL) {
        addrs = PyDict_New();
        if (addrs == NULL ||
            PyDict_SetItemString(lib->dict, "_shim_addrs", addrs) != 0) {
            Py_XDECREF(addrs);
            return NULL;
        }
        Py_DECREF(addrs); /* the dict keeps it */
    }
    return addrs;
}

void *ffi_shim_address(LibraryObject *lib, const struct ct_decl *d,
                       int member, const char *text)
{
    PyObject *spec = ffi_shim_headers(lib), *addrs, *key, *a;
    struct shim_entry v[64];
    size_t n = 0, i;
    void *fn = NULL;

    if (spec == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: no headers= to "
                        "compile a shim from");
        return NULL;
    }
    addrs = shim_addrs(lib);
    if (addrs == NULL) {
        return NULL;
    }
    key = entry_key(d, member);
    if (key == NULL) {
        return NULL;
    }
    a = PyDict_GetItemWithError(addrs, key);
    if (a == NULL && !PyErr_Occurred()) {
        /* This declaration first, then the rest of its class's. */
        v[0].d = (struct ct_decl *)d;
        v[0].member = member;
        v[0].key = Py_NewRef(key);
        n = 1 + batch_entries(lib, v + 1, 63);
        if (shim_build(lib, spec, v, n, addrs, text) != 0 && n > 1) {
            PyErr_Clear(); /* another method broke it: this one alone */
            shim_build(lib, spec, v, 1, addrs, text);
        }
        a = PyErr_Occurred() ? NULL : PyDict_GetItemWithError(addrs, key);
    }
    if (a != NULL) {
        fn = PyLong_AsVoidPtr(a);
    }
    for (i = 0; i < n; i++) {
        Py_DECREF(v[i].key);
        if (i > 0) {
            decl_free(v[i].d);
        }
    }
    Py_DECREF(key);
    return fn;
}

void *ffi_shim_deleter(LibraryObject *lib, const char *type,
                       const char *text)
{
    PyObject *spec = ffi_shim_headers(lib), *addrs, *key, *a;
    struct buf src = BUF_INIT;
    void *h, *fn = NULL;

    if (spec == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: no headers= to "
                        "compile a deleter from");
        return NULL;
    }
    if ((addrs = shim_addrs(lib)) == NULL) {
        return NULL;
    }
    key = PyUnicode_FromFormat("delete:%s", type);
    if (key == NULL) {
        return NULL;
    }
    a = PyDict_GetItemWithError(addrs, key);
    if (a == NULL && !PyErr_Occurred() &&
        shim_prologue(&src, PyTuple_GET_ITEM(spec, 0)) == 0) {
        if (buf_printf(&src, "extern \"C\" void crossrun_shim_0("
                       "crossrun_t<%s>* p)\n{\n    delete p;\n}\n",
                       type) != 0) {
            PyErr_NoMemory();
        } else if ((h = shim_compile(lib, spec, src.data, text)) != NULL) {
            fn = dlsym(h, "crossrun_shim_0");
            a = fn != NULL ? PyLong_FromVoidPtr(fn) : NULL;
            if (a == NULL || PyDict_SetItem(addrs, key, a) != 0) {
                fn = NULL;
                if (!PyErr_Occurred()) {
                    ffi_raise_decl_msg(text, "the shim has no deleter");
                }
            }
            Py_XDECREF(a);
            a = NULL;
        }
    }
    if (a != NULL) {
        fn = PyLong_AsVoidPtr(a);
    }
    buf_free(&src);
    Py_DECREF(key);
    return fn;
}

int ffi_shim_layout(LibraryObject *lib, const char *type, const char *text,
                    size_t out[2])
{
    PyObject *spec = ffi_shim_headers(lib), *addrs, *key, *a;
    struct buf src = BUF_INIT;
    const size_t *v = NULL;
    void *h;

    if (spec == NULL || (addrs = shim_addrs(lib)) == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_SystemError, "crossrun: no headers= to "
                            "compile a sizeof from");
        }
        return -1;
    }
    key = PyUnicode_FromFormat("layout:%s", type);
    if (key == NULL) {
        return -1;
    }
    a = PyDict_GetItemWithError(addrs, key);
    if (a == NULL && !PyErr_Occurred() &&
        shim_prologue(&src, PyTuple_GET_ITEM(spec, 0)) == 0) {
        if (buf_printf(&src, "extern \"C\" const unsigned long "
                       "crossrun_shim_0[2] = {sizeof(crossrun_t<%s>), "
                       "alignof(crossrun_t<%s>)};\n", type, type) != 0) {
            PyErr_NoMemory();
        } else if ((h = shim_compile(lib, spec, src.data, text)) != NULL) {
            v = dlsym(h, "crossrun_shim_0");
            a = v != NULL ? PyLong_FromVoidPtr((void *)v) : NULL;
            if (a == NULL || PyDict_SetItem(addrs, key, a) != 0) {
                v = NULL;
                if (!PyErr_Occurred()) {
                    ffi_raise_decl_msg(text, "the shim has no sizeof");
                }
            }
            Py_XDECREF(a);
            a = NULL;
        }
    }
    if (a != NULL) {
        v = PyLong_AsVoidPtr(a);
    }
    buf_free(&src);
    Py_DECREF(key);
    if (v == NULL) {
        return -1;
    }
    out[0] = v[0];
    out[1] = v[1];
    return 0;
}
