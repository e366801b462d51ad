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

/* The shim's C++ source for d. */
static int shim_source(struct buf *b, PyObject *headers,
                       const struct ct_decl *d, int member)
{
    Py_ssize_t i;
    size_t k;
    char *cls = NULL;
    int rc = -1, ctor = d->ret == NULL && !d->is_dtor;

    for (i = 0; i < PyTuple_GET_SIZE(headers); i++) {
        const char *h = PyUnicode_AsUTF8(PyTuple_GET_ITEM(headers, i));

        if (h == NULL) {
            return -1;
        }
        if (buf_printf(b, "#include \"%s\"\n", h) != 0) {
            return -1;
        }
    }
    if (buf_puts(b, "#include <new>\ntemplate <class T> using crossrun_t "
                 "= T;\nextern \"C\" ") != 0) {
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
    if (buf_puts(b, " crossrun_shim(") != 0) {
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

/* Load the compiled shim into lib's link namespace; its function. */
static void *shim_load(LibraryObject *lib, const char *path,
                       const char *text)
{
    Lmid_t lmid = LM_ID_BASE;
    void *h, *fn;

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
    fn = dlsym(h, "crossrun_shim");
    if (fn == NULL) {
        ffi_raise_decl_msg(text, "the shim %s has no crossrun_shim", path);
    }
    return fn; /* the shim stays loaded for the process's life */
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

void *ffi_shim_address(LibraryObject *lib, const struct ct_decl *d,
                       int member, const char *text)
{
    PyObject *spec = ffi_shim_headers(lib), *mod, *path;
    struct buf src = BUF_INIT;
    const char *p;
    void *fn = NULL;

    if (spec == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: no headers= to "
                        "compile a shim from");
        return NULL;
    }
    if (shim_source(&src, PyTuple_GET_ITEM(spec, 0), d, member) != 0) {
        buf_free(&src);
        return NULL;
    }
    mod = PyImport_ImportModule("crossrun._shim");
    if (mod == NULL) {
        buf_free(&src);
        return NULL;
    }
    path = PyObject_CallMethod(mod, "build", "sOOs", src.data,
                               PyTuple_GET_ITEM(spec, 0),
                               PyTuple_GET_ITEM(spec, 1), lib->file);
    Py_DECREF(mod);
    buf_free(&src);
    if (path == NULL) {
        return NULL;
    }
    p = PyUnicode_AsUTF8(path);
    if (p != NULL) {
        fn = shim_load(lib, p, text);
    }
    Py_DECREF(path);
    return fn;
}
