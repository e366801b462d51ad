/* 07_closure: libffi closures that call Python callables: temporary
 * ones for a Python callable passed straight to a function-pointer
 * parameter (freed when the call returns), and crossrun.Callback objects
 * that live as long as Python keeps them. */
#include "ffi/07_closure.h"

#include <stdlib.h>
#include <string.h>

#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"

/* A C function type made callable: its cif and converters. */
struct cb_sig {
    ffi_cif cif;
    ffi_type **atypes;
    struct conv *args;
    size_t nargs;
    struct conv ret;
};

/* One closure. Invariant: code is the executable address of closure,
 * which calls handler with this struct as user data. */
struct cb_closure {
    ffi_closure *closure;
    void *code;
    struct cb_sig *sig;  /* borrowed from the owner */
    PyObject *callable;  /* strong */
};

static void cb_sig_free(struct cb_sig *s)
{
    size_t i;

    if (s == NULL) {
        return;
    }
    for (i = 0; s->args != NULL && i < s->nargs; i++) {
        conv_clear(&s->args[i]);
    }
    conv_clear(&s->ret);
    PyMem_Free(s->args);
    PyMem_Free(s->atypes);
    PyMem_Free(s);
}

static struct cb_sig *cb_sig_new(const struct ct_type *func,
                                 PyObject *lib, const char *decl)
{
    struct cb_sig *s = PyMem_Calloc(1, sizeof(*s));
    size_t i;

    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (func->variadic) {
        ffi_raise_decl_msg(decl, "a variadic function pointer cannot be "
                           "made from Python");
        goto error;
    }
    s->nargs = func->nparams;
    s->args = PyMem_Calloc(s->nargs ? s->nargs : 1, sizeof(*s->args));
    s->atypes = PyMem_Calloc(s->nargs + 1, sizeof(*s->atypes));
    if (s->args == NULL || s->atypes == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < s->nargs; i++) {
        if (conv_build(&s->args[i], func->params[i], lib, CONV_CBARG, decl,
                       NULL) != 0) {
            goto error;
        }
        s->atypes[i] = s->args[i].ft;
    }
    if (conv_build(&s->ret, func->sub, lib, CONV_CBRET, decl, NULL) != 0) {
        goto error;
    }
    if (ffi_prep_cif(&s->cif, FFI_DEFAULT_ABI, (unsigned)s->nargs,
                     s->ret.ft, s->atypes) != FFI_OK) {
        ffi_raise_decl_msg(decl, "libffi cannot describe this callback");
        goto error;
    }
    return s;
error:
    cb_sig_free(s);
    return NULL;
}

/* Store a converted callback result the way libffi wants it: integers
 * narrower than a register widened to ffi_arg. */
static void store_result(const struct conv *c, void *ret, const void *tmp)
{
    ffi_arg a = 0;

    switch (c->kind) {
    case CV_BOOL:
        a = *(const uint8_t *)tmp;
        memcpy(ret, &a, sizeof(a));
        return;
    case CV_INT:
    case CV_ENUM:
        if (c->size < sizeof(ffi_arg)) {
            if (c->is_signed) {
                ffi_sarg v = c->size == 1 ? *(const int8_t *)tmp
                             : c->size == 2 ? *(const int16_t *)tmp
                                            : *(const int32_t *)tmp;

                a = (ffi_arg)v;
            } else {
                a = c->size == 1 ? *(const uint8_t *)tmp
                    : c->size == 2 ? *(const uint16_t *)tmp
                                   : *(const uint32_t *)tmp;
            }
            memcpy(ret, &a, sizeof(a));
            return;
        }
        break;
    case CV_STRUCT:
        memcpy(ret, tmp, c->struct_size);
        return;
    default:
        break;
    }
    memcpy(ret, tmp, c->kind == CV_FLOAT ? 4 : c->kind == CV_LDOUBLE ? 16
                                                                     : 8);
}

static void handler(ffi_cif *cif, void *ret, void **cargs, void *user)
{
    struct cb_closure *cl = user;
    struct cb_sig *s = cl->sig;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *args = NULL, *r = NULL;
    size_t i;

    if (cif->rtype->size > 0) {
        memset(ret, 0, cif->rtype->size > sizeof(ffi_arg)
                       ? cif->rtype->size : sizeof(ffi_arg));
    }
    if (ffi_cb_failed) {
        goto out; /* an earlier callback raised: run no more Python */
    }
    args = PyTuple_New((Py_ssize_t)s->nargs);
    if (args == NULL) {
        goto fail;
    }
    for (i = 0; i < s->nargs; i++) {
        PyObject *v = conv_from_c(&s->args[i], cargs[i], NULL);

        if (v == NULL) {
            goto fail;
        }
        PyTuple_SET_ITEM(args, (Py_ssize_t)i, v);
    }
    r = PyObject_Call(cl->callable, args, NULL);
    if (r == NULL) {
        goto fail;
    }
    if (s->ret.kind != CV_VOID) {
        _Alignas(16) unsigned char tmp[64];
        unsigned char *buf = tmp;
        size_t need = s->ret.kind == CV_STRUCT ? s->ret.struct_size : 16;

        if (need > sizeof(tmp)) {
            buf = PyMem_Calloc(need, 1);
            if (buf == NULL) {
                PyErr_NoMemory();
                goto fail;
            }
        }
        if (conv_to_c(&s->ret, r, buf, NULL, NULL, -1) != 0) {
            if (buf != tmp) {
                PyMem_Free(buf);
            }
            goto fail;
        }
        store_result(&s->ret, ret, buf);
        if (buf != tmp) {
            PyMem_Free(buf);
        }
    }
    goto out;
fail:
    ffi_cb_store_error();
out:
    Py_XDECREF(args);
    Py_XDECREF(r);
    PyGILState_Release(g);
}

/* Make cl a closure for sig calling callable. 0, or -1 with an exception. */
static int closure_init(struct cb_closure *cl, struct cb_sig *sig,
                        PyObject *callable)
{
    cl->closure = ffi_closure_alloc(sizeof(ffi_closure), &cl->code);
    if (cl->closure == NULL) {
        PyErr_SetString(PyExc_MemoryError, "libffi could not allocate a "
                        "closure");
        return -1;
    }
    if (ffi_prep_closure_loc(cl->closure, &sig->cif, handler, cl,
                             cl->code) != FFI_OK) {
        ffi_closure_free(cl->closure);
        cl->closure = NULL;
        PyErr_SetString(PyExc_RuntimeError, "libffi could not prepare a "
                        "closure");
        return -1;
    }
    cl->sig = sig;
    cl->callable = Py_NewRef(callable);
    return 0;
}

static void closure_fini(struct cb_closure *cl)
{
    if (cl->closure != NULL) {
        ffi_closure_free(cl->closure);
        cl->closure = NULL;
    }
    Py_CLEAR(cl->callable);
}

static void *cb_temp_new(struct cb_sig *sig, PyObject *callable,
                         void **handle)
{
    struct cb_closure *cl = PyMem_Calloc(1, sizeof(*cl));

    if (cl == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (closure_init(cl, sig, callable) != 0) {
        PyMem_Free(cl);
        return NULL;
    }
    *handle = cl;
    return cl->code;
}

static void cb_temp_free(void *handle)
{
    closure_fini(handle);
    PyMem_Free(handle);
}

/* ---- crossrun.Callback ---- */

typedef struct {
    PyObject_HEAD
    struct cb_closure cl;
    struct cb_sig *sig;
    struct ct_decl *decl;    /* owns the types sig refers to */
    PyObject *text;
    PyObject *lib;
} CallbackObject;

void *ffi_callback_code(PyObject *cb)
{
    return Py_TYPE(cb) == &ffi_CallbackType ? ((CallbackObject *)cb)->cl.code
                                            : NULL;
}

/* The function type decl describes, in d's arena. */
static const struct ct_type *callback_type(const char *text,
                                           struct ct_decl **out)
{
    struct decl_error err, err2;
    struct ct_decl *d = decl_parse(text, DECL_NO_NAME, &err);
    struct ct_type *t;
    size_t i;

    if (d != NULL) {
        t = ct_alloc(&d->arena, sizeof(*t));
        if (t == NULL) {
            decl_free(d);
            PyErr_NoMemory();
            return NULL;
        }
        t->kind = CT_FUNC;
        t->sub = d->ret;
        t->variadic = d->variadic;
        t->nparams = d->nparams;
        t->params = ct_alloc(&d->arena, (d->nparams + 1) * sizeof(*t->params));
        if (t->params == NULL) {
            decl_free(d);
            PyErr_NoMemory();
            return NULL;
        }
        for (i = 0; i < d->nparams; i++) {
            t->params[i] = d->params[i].type;
        }
        *out = d;
        return t;
    }
    /* "int (*)(int)": a pointer-to-function type. */
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    t = decl_parse_type(text, &d->arena, &err2);
    while (t != NULL && t->kind == CT_PTR) {
        t = t->sub;
    }
    if (t == NULL || t->kind != CT_FUNC) {
        decl_free(d);
        ffi_raise_decl_error(text, &err);
        return NULL;
    }
    *out = d;
    return t;
}

PyObject *ffi_callback_new(PyObject *lib, const char *text,
                           PyObject *callable)
{
    CallbackObject *cb;
    const struct ct_type *t;

    if (!PyCallable_Check(callable)) {
        PyErr_Format(PyExc_TypeError, "callback(): %.100s is not callable: "
                     "pass the Python function (or lambda) that C will call",
                     Py_TYPE(callable)->tp_name);
        return NULL;
    }
    cb = PyObject_GC_New(CallbackObject, &ffi_CallbackType);
    if (cb == NULL) {
        return NULL;
    }
    memset((char *)cb + sizeof(PyObject), 0, sizeof(*cb) - sizeof(PyObject));
    cb->lib = lib != NULL && lib != Py_None ? Py_NewRef(lib) : NULL;
    cb->text = PyUnicode_FromString(text);
    PyObject_GC_Track(cb);
    if (cb->text == NULL) {
        goto error;
    }
    t = callback_type(text, &cb->decl);
    if (t == NULL) {
        goto error;
    }
    cb->sig = cb_sig_new(t, cb->lib, text);
    if (cb->sig == NULL || closure_init(&cb->cl, cb->sig, callable) != 0) {
        goto error;
    }
    return (PyObject *)cb;
error:
    Py_DECREF(cb);
    return NULL;
}

static int callback_traverse(CallbackObject *cb, visitproc visit, void *arg)
{
    Py_VISIT(cb->cl.callable);
    Py_VISIT(cb->lib);
    return 0;
}

static int callback_clear(CallbackObject *cb)
{
    /* The closure stays valid (C may still hold its address) but its
     * callable is gone: such a call returns zero. */
    Py_CLEAR(cb->lib);
    return 0;
}

static void callback_dealloc(CallbackObject *cb)
{
    PyObject_GC_UnTrack(cb);
    closure_fini(&cb->cl);
    cb_sig_free(cb->sig);
    decl_free(cb->decl);
    Py_XDECREF(cb->text);
    Py_XDECREF(cb->lib);
    PyObject_GC_Del(cb);
}

static PyObject *callback_call(CallbackObject *cb, PyObject *args,
                               PyObject *kw)
{
    return PyObject_Call(cb->cl.callable, args, kw);
}

static PyObject *callback_repr(CallbackObject *cb)
{
    return PyUnicode_FromFormat("<crossrun.Callback '%U' at %p>", cb->text,
                                cb->cl.code);
}

static PyObject *callback_int(CallbackObject *cb)
{
    return PyLong_FromVoidPtr(cb->cl.code);
}

static PyObject *callback_address(CallbackObject *cb, void *closure)
{
    (void)closure;
    return ffi_pointer_new(cb->cl.code, (PyObject *)cb);
}

static PyGetSetDef callback_getset[] = {
    {"address", (getter)callback_address, NULL,
     "The C function pointer, a Pointer (keeps the callback alive).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyNumberMethods callback_as_number = {
    .nb_int = (unaryfunc)callback_int,
};

PyTypeObject ffi_CallbackType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Callback",
    .tp_doc = "A C function pointer that calls a Python callable; made by "
              "crossrun.callback(decl, f). Keep it alive while C may call "
              "it.",
    .tp_basicsize = sizeof(CallbackObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)callback_dealloc,
    .tp_traverse = (traverseproc)callback_traverse,
    .tp_clear = (inquiry)callback_clear,
    .tp_call = (ternaryfunc)callback_call,
    .tp_repr = (reprfunc)callback_repr,
    .tp_as_number = &callback_as_number,
    .tp_getset = callback_getset,
};

static PyObject *lib_callback(LibraryObject *lib, PyObject *args)
{
    const char *decl;
    PyObject *f;

    if (!PyArg_ParseTuple(args, "sO:callback", &decl, &f)) {
        return NULL;
    }
    return ffi_callback_new((PyObject *)lib, decl, f);
}

static PyObject *callback_fn(PyObject *module, PyObject *args)
{
    const char *decl;
    PyObject *f;

    (void)module;
    if (!PyArg_ParseTuple(args, "sO:callback", &decl, &f)) {
        return NULL;
    }
    return ffi_callback_new(NULL, decl, f);
}

static PyMethodDef closure_lib_methods[] = {
    {"callback", (PyCFunction)lib_callback, METH_VARARGS,
     "callback(decl, f): crossrun.callback whose pointer arguments come "
     "back as views of this library's classes."},
    {NULL, NULL, 0, NULL},
};

PyMethodDef ffi_closure_functions[] = {
    {"callback", callback_fn, METH_VARARGS,
     "callback(decl, f) -> Callback: a C function pointer of type decl "
     "(\"int(int, void*)\") calling f; keep it alive while C may call it."},
    {NULL, NULL, 0, NULL},
};

int ffi_closure_ready(void)
{
    if (PyType_Ready(&ffi_CallbackType) != 0) {
        return -1;
    }
    conv_hooks.sig_new = cb_sig_new;
    conv_hooks.sig_free = cb_sig_free;
    conv_hooks.temp_new = cb_temp_new;
    conv_hooks.temp_free = cb_temp_free;
    conv_hooks.callback_code = ffi_callback_code;
    return ffi_library_add_methods(closure_lib_methods);
}
