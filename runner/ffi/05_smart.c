/* 05_smart: std::unique_ptr<T> and std::shared_ptr<T> in signatures, as
 * libstdc++ lays them out (bits/unique_ptr.h: the pointer, or with a
 * function-pointer deleter a std::tuple that puts the deleter first and
 * the pointer at 8; bits/shared_ptr_base.h: the pointer, then the
 * control block). A smart pointer returned by value becomes a
 * crossrun.SmartPtr that owns it: its deleter runs on close(), `with` exit
 * or garbage collection; get() (and attribute access) reaches the object,
 * as a view of T's lib.cls class when there is one. A shared_ptr passed
 * by value is a copy sharing ownership; a unique_ptr passed by value moves
 * out of its SmartPtr. Copying and releasing a shared_ptr is libstdc++'s
 * own code (cxx/stdcont); the default deleter of a class is "delete p"
 * compiled from load(headers=) (04_shim). Uses 01_errors, 02_values,
 * 03_lib, 04_conv (whose conv_hooks it fills) and 04_shim. */
#include "ffi/05_smart.h"

#include <string.h>

#include "cxx/stdcont.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/04_shim.h"

enum sp_kind { SP_UNIQUE, SP_UNIQUE_FN, SP_UNIQUE_SHIM, SP_SHARED };

/* How a parameter or result uses a smart pointer (conv.std). */
struct sp_use {
    enum sp_kind kind;
    const char *name;       /* canonical type text */
    const char *pointee;    /* T's name, NULL for a built-in T */
    void (*deleter)(void *); /* SP_UNIQUE_SHIM: "delete p" compiled from
                                the headers (04_shim) */
    unsigned char by_value, owned, is_ref;
};

#define SP_SIZE 16

typedef struct {
    PyObject_HEAD
    enum sp_kind kind;
    char *name;             /* the C++ type, for messages and matching */
    PyObject *cls;          /* T's lib.cls class, or NULL */
    void (*deleter)(void *); /* SP_UNIQUE_SHIM */
    int closed;
    _Alignas(16) unsigned char mem[SP_SIZE];
} SmartObject;

static PyTypeObject SmartType;

static void *sp_pointer(enum sp_kind kind, const unsigned char *mem)
{
    void *p;

    memcpy(&p, mem + (kind == SP_UNIQUE_FN ? 8 : 0), sizeof(p));
    return p;
}

/* Run the deleter of (or release) the smart pointer at mem; it is empty
 * afterwards. */
static void sp_release(enum sp_kind kind, void (*shim)(void *),
                       unsigned char *mem)
{
    void *p = sp_pointer(kind, mem);
    void (*del)(void *);

    if (kind == SP_UNIQUE_SHIM) {
        if (p != NULL) {
            shim(p);
        }
    } else if (kind == SP_SHARED) {
        sc_shared_reset(mem);
    } else if (kind == SP_UNIQUE_FN) {
        memcpy(&del, mem, sizeof(del));
        if (p != NULL && del != NULL) {
            del(p);
        }
    } else if (p != NULL) {
        sc_delete(p); /* default_delete of a number or a C struct */
    }
    memset(mem, 0, SP_SIZE);
}

/* ---- crossrun.SmartPtr ---- */

/* A new SmartPtr owning the smart pointer at mem (SP_SIZE bytes). NULL
 * with an exception set, and nothing released. */
static PyObject *smart_adopt(const struct sp_use *use, const void *mem,
                             PyObject *lib)
{
    char *name = PyMem_Malloc(strlen(use->name) + 1);
    SmartObject *s;

    if (name == NULL) {
        return PyErr_NoMemory();
    }
    s = PyObject_New(SmartObject, &SmartType);
    if (s == NULL) {
        PyMem_Free(name);
        return NULL;
    }
    s->kind = use->kind;
    s->deleter = use->deleter;
    s->cls = NULL;
    s->closed = 0;
    memcpy(s->mem, mem, SP_SIZE);
    s->name = name;
    strcpy(s->name, use->name);
    if (use->pointee != NULL && lib != NULL) {
        PyObject *k = ffi_lib_type(lib, use->pointee);

        if (k != NULL && conv_hooks.is_class(k)) {
            s->cls = Py_NewRef(k);
        }
    }
    return (PyObject *)s;
}

static void smart_dealloc(SmartObject *s)
{
    if (!s->closed) {
        sp_release(s->kind, s->deleter, s->mem);
    }
    Py_XDECREF(s->cls);
    PyMem_Free(s->name);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyObject *smart_get(SmartObject *s, PyObject *noargs)
{
    void *p = s->closed ? NULL : sp_pointer(s->kind, s->mem);

    (void)noargs;
    if (p == NULL) {
        Py_RETURN_NONE;
    }
    if (s->cls != NULL) {
        return conv_hooks.object_view(s->cls, p, (PyObject *)s);
    }
    return ffi_pointer_new(p, (PyObject *)s);
}

static PyObject *smart_close(SmartObject *s, PyObject *noargs)
{
    (void)noargs;
    if (!s->closed) {
        s->closed = 1;
        sp_release(s->kind, s->deleter, s->mem);
    }
    Py_RETURN_NONE;
}

static PyObject *smart_enter(SmartObject *s, PyObject *noargs)
{
    (void)noargs;
    return Py_NewRef((PyObject *)s);
}

static PyObject *smart_exit(SmartObject *s, PyObject *args)
{
    (void)args;
    return smart_close(s, NULL);
}

static PyObject *smart_use_count(SmartObject *s, PyObject *noargs)
{
    (void)noargs;
    if (s->kind != SP_SHARED) {
        PyErr_Format(PyExc_TypeError, "%s has no use_count()", s->name);
        return NULL;
    }
    return PyLong_FromLong(s->closed ? 0 : sc_shared_use_count(s->mem));
}

static int smart_bool(SmartObject *s)
{
    return !s->closed && sp_pointer(s->kind, s->mem) != NULL;
}

/* Attributes the SmartPtr does not have are the object's (p.get().x). */
static PyObject *smart_getattro(SmartObject *s, PyObject *name)
{
    PyObject *r = PyObject_GenericGetAttr((PyObject *)s, name), *obj;

    if (r != NULL || s->cls == NULL ||
        !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return r;
    }
    PyErr_Clear();
    obj = smart_get(s, NULL);
    if (obj == NULL) {
        return NULL;
    }
    if (obj == Py_None) {
        Py_DECREF(obj);
        PyErr_Format(PyExc_ValueError, "%s is empty (NULL or closed)",
                     s->name);
        return NULL;
    }
    r = PyObject_GetAttr(obj, name);
    Py_DECREF(obj);
    return r;
}

static PyObject *smart_repr(SmartObject *s)
{
    return PyUnicode_FromFormat("<crossrun.SmartPtr %s %p%s>", s->name,
                                s->closed ? NULL
                                          : sp_pointer(s->kind, s->mem),
                                s->closed ? " closed" : "");
}

static PyMethodDef smart_methods[] = {
    {"get", (PyCFunction)smart_get, METH_NOARGS,
     "get() -> the object (a view of its lib.cls class) or a Pointer; "
     "None when empty."},
    {"close", (PyCFunction)smart_close, METH_NOARGS,
     "Run the deleter (unique_ptr) or give up this share (shared_ptr)."},
    {"use_count", (PyCFunction)smart_use_count, METH_NOARGS,
     "use_count() -> how many shared_ptrs share the object."},
    {"__enter__", (PyCFunction)smart_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)smart_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyNumberMethods smart_number = {
    .nb_bool = (inquiry)smart_bool,
};

static PyTypeObject SmartType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.SmartPtr",
    .tp_doc = "A std::unique_ptr or std::shared_ptr a function returned, "
              "owned by Python: its deleter runs on close(), `with` exit "
              "or garbage collection; get() is the object.",
    .tp_basicsize = sizeof(SmartObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)smart_dealloc,
    .tp_repr = (reprfunc)smart_repr,
    .tp_getattro = (getattrofunc)smart_getattro,
    .tp_as_number = &smart_number,
    .tp_methods = smart_methods,
};

/* ---- the converter row ---- */

static size_t split2(const char *inner, struct ct_arena *a, char **x,
                     char **y)
{
    size_t i, n = strlen(inner);
    int depth = 0;

    for (i = 0; i < n; i++) {
        if (inner[i] == '<' || inner[i] == '(') {
            depth++;
        } else if (inner[i] == '>' || inner[i] == ')') {
            depth--;
        } else if (inner[i] == ',' && depth == 0) {
            *x = ct_strndup(a, inner, i);
            *y = ct_strndup(a, inner + i + 2, n - i - 2);
            return *x != NULL && *y != NULL ? 2 : 0;
        }
    }
    *x = ct_strndup(a, inner, n);
    return *x != NULL ? 1 : 0;
}

/* Fill use from the type's name: which smart pointer, of what. */
static int sp_describe(struct sp_use *use, const char *name, PyObject *lib,
                       const char *decl, struct ct_arena *a)
{
    int shared = strncmp(name, "std::shared_ptr<", 16) == 0;
    size_t skip = 16, len = strlen(name); /* both prefixes are 16 long */
    char *inner = ct_strndup(a, name + skip, len - skip - 1), *x, *y = NULL;
    struct decl_error err;
    struct ct_type *t, *d;
    PyObject *known = NULL;
    size_t n;

    if (inner == NULL || (n = split2(inner, a, &x, &y)) == 0) {
        PyErr_NoMemory();
        return -1;
    }
    t = decl_parse_type(x, a, &err);
    if (t == NULL) {
        ffi_raise_decl_msg(decl, "in %s: '%s' is not a type: %s", name, x,
                           err.msg);
        return -1;
    }
    use->name = name;
    use->kind = shared ? SP_SHARED : SP_UNIQUE;
    if (t->kind == CT_NAMED) {
        use->pointee = t->name;
        known = lib != NULL ? ffi_lib_type(lib, t->name) : NULL;
    }
    if (n == 2) {
        d = shared ? NULL : decl_parse_type(y, a, &err);
        if (d == NULL || d->kind != CT_PTR || d->sub->kind != CT_FUNC ||
            d->sub->nparams != 1) {
            ffi_raise_decl_msg(decl, "%s: only a function-pointer deleter "
                               "(std::unique_ptr<T, void (*)(T*)>) is "
                               "supported", name);
            return -1;
        }
        use->kind = SP_UNIQUE_FN;
    }
    if (use->kind == SP_UNIQUE && !ct_is_scalar(t->kind) &&
        !(known != NULL && !conv_hooks.is_class(known)) && lib != NULL &&
        ffi_shim_headers((LibraryObject *)lib) != NULL) {
        /* "delete p" needs T's destructor: the headers have it. */
        *(void **)&use->deleter = ffi_shim_deleter((LibraryObject *)lib, x,
                                                   decl);
        if (use->deleter == NULL) {
            return -1;
        }
        use->kind = SP_UNIQUE_SHIM;
    }
    if (use->kind == SP_UNIQUE && !ct_is_scalar(t->kind) &&
        !(known != NULL && !conv_hooks.is_class(known))) {
        ffi_raise_decl_msg(decl, "%s: deleting a '%s' needs its destructor, "
                           "which crossrun cannot see; crossrun deletes a "
                           "std::unique_ptr of a number or of a lib.struct, "
                           "runs a declared deleter "
                           "(std::unique_ptr<T, void (*)(T*)>), and compiles "
                           "\"delete\" for a class its header defines "
                           "(load(path, headers=[...]))", name, x);
        return -1;
    }
    if (t->kind == CT_VOID && use->kind == SP_UNIQUE) {
        ffi_raise_decl_msg(decl, "%s cannot be deleted", name);
        return -1;
    }
    return 0;
}

static int smart_build(struct conv *c, const struct ct_type *t,
                       PyObject *lib, enum conv_role role, const char *decl,
                       struct ct_arena *a)
{
    const struct ct_type *u = t;
    struct sp_use *use;

    if (t->kind == CT_REF || t->kind == CT_RREF) {
        u = t->sub;
    }
    if (u->kind != CT_NAMED || (strncmp(u->name, "std::unique_ptr<", 16) &&
                                strncmp(u->name, "std::shared_ptr<", 16))) {
        return 0;
    }
    if ((role != CONV_ARG && role != CONV_RET) ||
        (role == CONV_RET && u != t)) {
        ffi_raise_decl_msg(decl, "%s is supported as a parameter (by value "
                           "or const&) and as a result by value", u->name);
        return -1;
    }
    if (u != t && !u->is_const && t->kind != CT_RREF) {
        ffi_raise_decl_msg(decl, "%s& (not const) is not supported: the "
                           "callee could reset it behind crossrun's back",
                           u->name);
        return -1;
    }
    if (lib != NULL && ((LibraryObject *)lib)->isolated) {
        ffi_raise_decl_msg(decl, "%s: smart pointers of a library loaded "
                           "with isolated=True are not supported",
                           u->name);
        return -1;
    }
    use = ct_alloc(a, sizeof(*use));
    if (use == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (sp_describe(use, u->name, lib, decl, a) != 0) {
        return -1;
    }
    use->by_value = u == t;
    use->is_ref = u != t;
    use->owned = use->by_value && role == CONV_RET;
    c->kind = CV_SMART;
    c->std = use;
    c->ct = t;
    c->ft = &ffi_type_pointer; /* not trivially copyable: by address */
    if (role == CONV_ARG) {
        c->extra_size = 16 + SP_SIZE;
    }
    return 1;
}

static int smart_to_c(const struct conv *c, PyObject *o, void *dst,
                      void *extra, struct callctx *ctx, int argno)
{
    const struct sp_use *use = c->std;
    unsigned char *mem = (unsigned char *)extra + 16;
    SmartObject *s = (SmartObject *)o;
    void *addr;

    if (o != Py_None && (Py_TYPE(o) != &SmartType ||
                         strcmp(s->name, use->name) != 0)) {
        PyErr_Format(PyExc_TypeError, "argument %d: expected a SmartPtr "
                     "holding %s (or None), got %.100s", argno, use->name,
                     Py_TYPE(o) == &SmartType ? s->name
                                              : Py_TYPE(o)->tp_name);
        return -1;
    }
    if (o != Py_None && s->closed) {
        PyErr_Format(PyExc_ValueError, "argument %d: the %s is closed",
                     argno, use->name);
        return -1;
    }
    memset(mem, 0, SP_SIZE);
    if (o != Py_None && use->is_ref) {
        addr = s->mem; /* const&: the SmartPtr's own */
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    if (o != Py_None && use->kind == SP_SHARED) {
        sc_shared_copy(mem, s->mem); /* a copy shares ownership */
    } else if (o != Py_None) {
        memcpy(mem, s->mem, SP_SIZE); /* moved: the callee owns it now */
        memset(s->mem, 0, SP_SIZE);
        if (use->kind == SP_UNIQUE_FN) {
            memcpy(s->mem, mem, 8); /* a moved-from one keeps its deleter */
        }
    }
    memcpy(extra, &use->kind, sizeof(use->kind));
    memcpy((char *)extra + 8, &use->deleter, sizeof(use->deleter));
    if (ctx == NULL || conv_tmp_add(ctx, TMP_SMART, extra) != 0) {
        sp_release(use->kind, use->deleter, mem);
        return ctx == NULL ? (PyErr_SetString(PyExc_TypeError, "a smart "
                              "pointer passes only to a call"), -1) : -1;
    }
    addr = mem;
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}

static PyObject *smart_from_c(const struct conv *c, const void *src,
                              PyObject *keep)
{
    (void)keep;
    return smart_adopt(c->std, src, c->lib);
}

static int smart_score(const struct conv *c, PyObject *o)
{
    const struct sp_use *use = c->std;

    if (o == Py_None) {
        return 1;
    }
    return Py_TYPE(o) == &SmartType &&
                   strcmp(((SmartObject *)o)->name, use->name) == 0
               ? 2 : 0;
}

static void smart_release_tmp(void *p)
{
    enum sp_kind kind;
    void (*shim)(void *);

    memcpy(&kind, p, sizeof(kind));
    memcpy(&shim, (char *)p + 8, sizeof(shim));
    sp_release(kind, shim, (unsigned char *)p + 16);
}

static void smart_discard(const struct conv *c, void *mem)
{
    const struct sp_use *use = c->std;

    sp_release(use->kind, use->deleter, mem);
}

int ffi_smart_ready(void)
{
    conv_hooks.smart_build = smart_build;
    conv_hooks.smart_to_c = smart_to_c;
    conv_hooks.smart_from_c = smart_from_c;
    conv_hooks.smart_score = smart_score;
    conv_hooks.smart_release = smart_release_tmp;
    conv_hooks.smart_discard = smart_discard;
    return PyType_Ready(&SmartType);
}

PyTypeObject *ffi_smart_type(void)
{
    return &SmartType;
}

/* ---- smart pointers as container elements ---- */

/* Bytes of one in memory: a unique_ptr with the default deleter is just
 * the pointer (bits/unique_ptr.h); the rest are two words. */
static size_t sp_size(enum sp_kind kind)
{
    return kind == SP_UNIQUE || kind == SP_UNIQUE_SHIM ? 8 : SP_SIZE;
}

struct sp_use *ffi_smart_describe(const char *name, PyObject *lib,
                                  const char *decl, struct ct_arena *a,
                                  size_t *size)
{
    struct sp_use *use = ct_alloc(a, sizeof(*use));

    if (use == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (lib != NULL && ((LibraryObject *)lib)->isolated) {
        ffi_raise_decl_msg(decl, "%s: smart pointers of a library loaded "
                           "with isolated=True are not supported", name);
        return NULL;
    }
    if (sp_describe(use, name, lib, decl, a) != 0) {
        return NULL;
    }
    use->by_value = use->owned = 1;
    *size = sp_size(use->kind);
    return use;
}

PyObject *ffi_smart_take(const struct sp_use *use, void *mem, PyObject *lib)
{
    unsigned char tmp[SP_SIZE] = {0};
    size_t n = sp_size(use->kind);
    PyObject *s;

    memcpy(tmp, mem, n);
    s = smart_adopt(use, tmp, lib);
    if (s == NULL) {
        return NULL; /* nothing was moved */
    }
    if (use->kind == SP_UNIQUE_FN) {
        memset((char *)mem + 8, 0, 8); /* the pointer; the deleter stays */
    } else {
        memset(mem, 0, n);
    }
    return s;
}

int ffi_smart_is_shared(const struct sp_use *use)
{
    return use->kind == SP_SHARED;
}

int ffi_smart_put_shared(const struct sp_use *use, PyObject *o, void *mem,
                         int argno)
{
    SmartObject *s = (SmartObject *)o;

    if (o == Py_None) {
        memset(mem, 0, SP_SIZE);
        return 0;
    }
    if (Py_TYPE(o) != &SmartType || strcmp(s->name, use->name) != 0) {
        PyErr_Format(PyExc_TypeError, "argument %d: expected SmartPtrs "
                     "holding %s (or None) in the container, got %.100s",
                     argno, use->name,
                     Py_TYPE(o) == &SmartType ? s->name
                                              : Py_TYPE(o)->tp_name);
        return -1;
    }
    if (s->closed) {
        PyErr_Format(PyExc_ValueError, "argument %d: a %s in the container "
                     "is closed", argno, use->name);
        return -1;
    }
    sc_shared_copy(mem, s->mem); /* a copy shares ownership */
    return 0;
}

void ffi_smart_destroy(const struct sp_use *use, void *mem)
{
    unsigned char tmp[SP_SIZE] = {0};
    size_t n = sp_size(use->kind);

    memcpy(tmp, mem, n);
    sp_release(use->kind, use->deleter, tmp);
    memset(mem, 0, n);
}
