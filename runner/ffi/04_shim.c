/* 04_shim: a declaration the library does not export but its headers
 * define (an inline method, a template instantiation, an inline operator)
 * reached through a shim: one extern "C" function with the declaration's
 * own signature (the object first for a method) whose body calls it,
 * compiled from the headers given to load(headers=) by crossrun._shim
 * (cached by content) and loaded next to the library, in its link
 * namespace. Because the shim has the same parameter and result types as
 * the declaration, the rest of the call path (converters, hidden result
 * pointers, the fast path) is the one an exported function takes. The
 * declarations of one set (a lib.cls's methods, a lib.fns list) are one
 * source and one compile; one the headers do not define fails alone. */
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

/* lib's dict called name (borrowed), made on first use: _shim_addrs (key
 * -> address) and _shim_failed (key -> the DeclarationError of a
 * declaration that did not compile). NULL with an exception set. */
static PyObject *lib_table(LibraryObject *lib, const char *name)
{
    PyObject *t = PyDict_GetItemString(lib->dict, name);

    if (t == NULL) {
        t = PyDict_New();
        if (t == NULL || PyDict_SetItemString(lib->dict, name, t) != 0) {
            Py_XDECREF(t);
            return NULL;
        }
        Py_DECREF(t); /* the dict keeps it */
    }
    return t;
}

int ffi_shim_lookup(LibraryObject *lib, const struct ct_decl *d, int member,
                    void **fn)
{
    PyObject *addrs = lib_table(lib, "_shim_addrs");
    PyObject *failed = lib_table(lib, "_shim_failed");
    PyObject *key, *a = NULL, *e = NULL;

    if (addrs == NULL || failed == NULL ||
        (key = entry_key(d, member)) == NULL) {
        return -1;
    }
    a = PyDict_GetItemWithError(addrs, key);
    if (a == NULL && !PyErr_Occurred()) {
        e = PyDict_GetItemWithError(failed, key);
    }
    Py_DECREF(key);
    if (a != NULL) {
        *fn = PyLong_AsVoidPtr(a);
        return *fn != NULL ? 1 : -1;
    }
    if (e != NULL) {
        /* its own part of the set's compile error, kept */
        PyException_SetTraceback(e, Py_None);
        PyErr_SetObject((PyObject *)Py_TYPE(e), e);
        return -1;
    }
    return PyErr_Occurred() ? -1 : 0;
}

/* The lines of b so far, plus one: where the next text starts. */
static size_t next_line(const struct buf *b)
{
    size_t i, n = 1;

    for (i = 0; i < b->len; i++) {
        n += b->data[i] == '\n';
    }
    return n;
}

/* When the set is a lib.cls's methods (lib._shim_size, (name, size),
 * set by load()'s lib.cls wrapper), the size given checked against the
 * header's sizeof: a smaller one would let the object overrun the memory
 * crossrun gives it, so the set fails to compile with the compiler's own
 * comparison (a larger one is a safe upper bound). 0 or -1. */
static int size_check(LibraryObject *lib, struct buf *src)
{
    PyObject *spec = PyDict_GetItemString(lib->dict, "_shim_size");
    const char *name;
    Py_ssize_t size;

    if (spec == NULL || !PyArg_ParseTuple(spec, "sn", &name, &size)) {
        PyErr_Clear();
        return 0;
    }
    if (buf_printf(src, "static_assert(sizeof(crossrun_t<%s>) <= %zd, "
                   "\"lib.cls(\\\"%s\\\", size=%zd): the header's sizeof is "
                   "larger, so objects would overrun their memory: give at "
                   "least the size the comparison below shows\");\n", name,
                   size, name, size) != 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The shim source for the entries of v whose keys[i] is not None, into
 * src, and in starts[i] the line where crossrun_shim_<i> begins (0 for
 * an entry left out). 0, or -1 with an exception set. */
static int set_source(LibraryObject *lib, PyObject *spec,
                      const struct ffi_shim_decl *v, size_t n,
                      PyObject *keys, PyObject *starts, struct buf *src)
{
    size_t i;

    if (shim_prologue(src, PyTuple_GET_ITEM(spec, 0)) != 0 ||
        size_check(lib, src) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        int in = PyList_GET_ITEM(keys, i) != Py_None;
        PyObject *s = PyLong_FromSize_t(in ? next_line(src) : 0);

        if (s == NULL) {
            return -1;
        }
        PyList_SET_ITEM(starts, (Py_ssize_t)i, s);
        if (in && shim_function(src, i, v[i].d, v[i].member) != 0) {
            return -1;
        }
    }
    return 0;
}

/* keys[i]: v[i]'s key, or None when it is already compiled, already
 * failed, or repeats an earlier entry; texts[i]: v[i]'s text. 0 or -1. */
static int set_keys(LibraryObject *lib, const struct ffi_shim_decl *v,
                    size_t n, PyObject *keys, PyObject *texts)
{
    PyObject *addrs = lib_table(lib, "_shim_addrs");
    PyObject *failed = lib_table(lib, "_shim_failed");
    PyObject *seen = PySet_New(NULL);
    size_t i;
    int rc = -1;

    if (addrs == NULL || failed == NULL || seen == NULL) {
        goto out;
    }
    for (i = 0; i < n; i++) {
        PyObject *k = entry_key(v[i].d, v[i].member);
        PyObject *t = PyUnicode_DecodeUTF8(v[i].text,
                                           (Py_ssize_t)strlen(v[i].text),
                                           "replace");
        int known;

        if (k == NULL || t == NULL) {
            Py_XDECREF(k);
            Py_XDECREF(t);
            goto out;
        }
        PyList_SET_ITEM(texts, (Py_ssize_t)i, t);
        known = PyDict_Contains(addrs, k) || PyDict_Contains(failed, k) ||
                PySet_Contains(seen, k);
        if (PyErr_Occurred() || (!known && PySet_Add(seen, k) != 0)) {
            Py_DECREF(k);
            goto out;
        }
        PyList_SET_ITEM(keys, (Py_ssize_t)i, known ? Py_NewRef(Py_None) : k);
        if (known) {
            Py_DECREF(k);
        }
    }
    rc = 0;
out:
    Py_XDECREF(seen);
    return rc;
}

/* What crossrun._shim.build_set made of the set: each compiled entry's
 * address into _shim_addrs, each failed one's error into _shim_failed.
 * 0, or -1 with an exception set. */
static int set_record(LibraryObject *lib, PyObject *result, PyObject *keys,
                      const char *text)
{
    PyObject *path, *errs, *addrs = lib_table(lib, "_shim_addrs");
    PyObject *failed = lib_table(lib, "_shim_failed");
    const char *p;
    void *h = NULL;
    Py_ssize_t i;

    if (addrs == NULL || failed == NULL ||
        !PyArg_ParseTuple(result, "OO!", &path, &PyDict_Type, &errs)) {
        return -1;
    }
    if (path != Py_None &&
        ((p = PyUnicode_AsUTF8(path)) == NULL ||
         (h = shim_load(lib, p, text)) == NULL)) {
        return -1;
    }
    for (i = 0; i < PyList_GET_SIZE(keys); i++) {
        PyObject *k = PyList_GET_ITEM(keys, i), *idx, *e, *a;
        char name[40];
        void *fn;

        if (k == Py_None) {
            continue; /* not in this set */
        }
        if ((idx = PyLong_FromSsize_t(i)) == NULL) {
            return -1;
        }
        e = PyDict_GetItemWithError(errs, idx);
        Py_DECREF(idx);
        if (e != NULL) {
            if (PyDict_SetItem(failed, k, e) != 0) {
                return -1;
            }
            continue;
        }
        if (PyErr_Occurred()) {
            return -1;
        }
        if (h == NULL) {
            continue; /* left for its own declaration to compile */
        }
        snprintf(name, sizeof(name), "crossrun_shim_%zd", i);
        fn = dlsym(h, name);
        a = fn != NULL ? PyLong_FromVoidPtr(fn) : NULL;
        if (a == NULL || PyDict_SetItem(addrs, k, a) != 0) {
            Py_XDECREF(a);
            return PyErr_Occurred() ? -1 : (ffi_raise_decl_msg(
                       text, "the shim has no %s", name), -1);
        }
        Py_DECREF(a);
    }
    return 0;
}

int ffi_shim_compile(LibraryObject *lib, const struct ffi_shim_decl *v,
                     size_t n)
{
    PyObject *spec = ffi_shim_headers(lib), *mod = NULL, *r = NULL;
    PyObject *keys = PyList_New((Py_ssize_t)n);
    PyObject *starts = PyList_New((Py_ssize_t)n);
    PyObject *texts = PyList_New((Py_ssize_t)n);
    struct buf src = BUF_INIT;
    int rc = -1;

    if (spec == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: no headers= to "
                        "compile a shim from");
        goto out;
    }
    if (keys == NULL || starts == NULL || texts == NULL ||
        set_keys(lib, v, n, keys, texts) != 0 ||
        set_source(lib, spec, v, n, keys, starts, &src) != 0 ||
        (mod = PyImport_ImportModule("crossrun._shim")) == NULL) {
        goto out;
    }
    r = PyObject_CallMethod(mod, "build_set", "sOOOOs", src.data, starts,
                            texts, PyTuple_GET_ITEM(spec, 0),
                            PyTuple_GET_ITEM(spec, 1), lib->file);
    if (r != NULL && set_record(lib, r, keys, v[0].text) == 0) {
        rc = 0;
    }
out:
    buf_free(&src);
    Py_XDECREF(mod);
    Py_XDECREF(r);
    Py_XDECREF(keys);
    Py_XDECREF(starts);
    Py_XDECREF(texts);
    return rc;
}

/* The address of crossrun_shim_0 in a shim of its own whose source is
 * lib's headers then `body`, compiled once and kept under `key` in lib's
 * table; `what` names it in the error of a shim without it. NULL with an
 * exception set. */
static void *shim_single(LibraryObject *lib, PyObject *key,
                         const char *body, const char *text,
                         const char *what)
{
    PyObject *spec = ffi_shim_headers(lib), *addrs, *a;
    struct buf src = BUF_INIT;
    void *h, *sym = NULL;

    if (spec == NULL) {
        PyErr_Format(PyExc_SystemError, "crossrun: no headers= to compile "
                     "a %s from", what);
        return NULL;
    }
    if ((addrs = lib_table(lib, "_shim_addrs")) == NULL) {
        return NULL;
    }
    a = PyDict_GetItemWithError(addrs, key);
    if (a != NULL) {
        return PyLong_AsVoidPtr(a);
    }
    if (PyErr_Occurred() || shim_prologue(&src, PyTuple_GET_ITEM(spec, 0))
                                != 0) {
        buf_free(&src);
        return NULL;
    }
    if (buf_append(&src, body, strlen(body)) != 0) {
        PyErr_NoMemory();
    } else if ((h = shim_compile(lib, spec, src.data, text)) != NULL) {
        sym = dlsym(h, "crossrun_shim_0");
        a = sym != NULL ? PyLong_FromVoidPtr(sym) : NULL;
        if (a == NULL || PyDict_SetItem(addrs, key, a) != 0) {
            sym = NULL;
            if (!PyErr_Occurred()) {
                ffi_raise_decl_msg(text, "the shim has no %s", what);
            }
        }
        Py_XDECREF(a);
    }
    buf_free(&src);
    return sym;
}

/* shim_single for the key "KIND:type" and the body printed from fmt,
 * which names the type once or twice (printf ignores an unused
 * argument). */
static void *shim_for_type(LibraryObject *lib, const char *kind,
                           const char *type, const char *fmt,
                           const char *text, const char *what)
{
    PyObject *key = PyUnicode_FromFormat("%s:%s", kind, type);
    struct buf body = BUF_INIT;
    void *sym = NULL;

    if (key == NULL) {
        return NULL;
    }
    if (buf_printf(&body, fmt, type, type) != 0) {
        PyErr_NoMemory();
    } else {
        sym = shim_single(lib, key, body.data, text, what);
    }
    buf_free(&body);
    Py_DECREF(key);
    return sym;
}

void *ffi_shim_deleter(LibraryObject *lib, const char *type,
                       const char *text)
{
    return shim_for_type(lib, "delete", type,
                         "extern \"C\" void crossrun_shim_0("
                         "crossrun_t<%s>* p)\n{\n    delete p;\n}\n",
                         text, "deleter");
}

int ffi_shim_layout(LibraryObject *lib, const char *type, const char *text,
                    size_t out[2])
{
    const unsigned long *v = shim_for_type(
        lib, "layout", type,
        "extern \"C\" const unsigned long crossrun_shim_0[2] = "
        "{sizeof(crossrun_t<%s>), alignof(crossrun_t<%s>)};\n", text,
        "sizeof");

    if (v == NULL) {
        return -1;
    }
    out[0] = v[0];
    out[1] = v[1];
    return 0;
}
