/* 04_conv: the converters. A C type is one row of a table (conv_table,
 * in the manner of CPython _ctypes' format table in cfield.c: {code,
 * ffi_type, setfunc, getfunc}): for each kind of converter, how a Python
 * value becomes the C value (to_c), how the C value comes back (from_c),
 * how well a Python value fits (score, for overloads) and the bytes it
 * takes in memory. conv_build reads a declared type (cxx/decl.h) and
 * picks the row; conv_to_c and the others dispatch on it.
 *
 * Three kinds of value are Python types owned by files further along the
 * chain: struct instances (08_struct), objects of lib.cls classes
 * (09_class) and Callbacks (07_closure). The converters reach them through
 * conv_hooks, which those files fill when they are readied, so that this
 * file never names them. */
#include "ffi/04_conv.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "cxx/cxxrt.h"
#include "ffi/01_errors.h"
#include "ffi/02_typedef.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"

struct conv_hooks conv_hooks;

const char *conv_type_name(const struct conv *c, char *tmp, size_t n)
{
    struct buf b = BUF_INIT;

    if (c->kind == CV_THIS) {
        snprintf(tmp, n, "%s", "this (an object or Pointer)");
        return tmp;
    }
    if (c->ct == NULL || ct_print(c->ct, &b) != 0) {
        snprintf(tmp, n, "?");
    } else {
        snprintf(tmp, n, "%s", b.data);
    }
    buf_free(&b);
    return tmp;
}

static const char *argname(int argno, char *tmp, size_t n)
{
    if (argno > 0) {
        snprintf(tmp, n, "argument %d", argno);
    } else if (argno == 0) {
        snprintf(tmp, n, "'this'");
    } else {
        snprintf(tmp, n, "value");
    }
    return tmp;
}

/* TypeError: "argument 2: expected int for 'unsigned char', got str". */
static int type_error(const struct conv *c, PyObject *o, int argno,
                      const char *expected)
{
    char tn[160], an[32];

    PyErr_Format(PyExc_TypeError, "%s: expected %s for '%s', got %.100s",
                 argname(argno, an, sizeof(an)), expected,
                 conv_type_name(c, tn, sizeof(tn)), Py_TYPE(o)->tp_name);
    return -1;
}

static int range_error(const struct conv *c, PyObject *o, int argno)
{
    char tn[160], an[32];

    PyErr_Format(PyExc_OverflowError, "%s: %R is out of range for '%s'",
                 argname(argno, an, sizeof(an)), o,
                 conv_type_name(c, tn, sizeof(tn)));
    return -1;
}

static void store_int(void *dst, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: {
        uint8_t x = (uint8_t)v;
        memcpy(dst, &x, 1);
        break;
    }
    case 2: {
        uint16_t x = (uint16_t)v;
        memcpy(dst, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)v;
        memcpy(dst, &x, 4);
        break;
    }
    default:
        memcpy(dst, &v, 8);
        break;
    }
}

/* An int-like o as a 64-bit pattern, range-checked for size/signedness. */
static int int_to_c(const struct conv *c, PyObject *o, void *dst, int argno)
{
    unsigned size = c->size;

    if (PyLong_Check(o)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);

        if (v == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (overflow > 0 && !c->is_signed && size == 8) {
            unsigned long long u = PyLong_AsUnsignedLongLong(o);

            if (u == (unsigned long long)-1 && PyErr_Occurred()) {
                PyErr_Clear();
                return range_error(c, o, argno);
            }
            store_int(dst, 8, u);
            return 0;
        }
        if (overflow != 0) {
            return range_error(c, o, argno);
        }
        if (c->is_signed) {
            long long lim = size >= 8 ? LLONG_MAX
                            : (long long)((1ULL << (size * 8 - 1)) - 1);

            if (v > lim || v < -lim - 1) {
                /* A plain char also takes 128..255 (bytes values). */
                if (!(c->is_char && v >= 0 && v <= 255)) {
                    return range_error(c, o, argno);
                }
            }
        } else if (v < 0 ||
                   (size < 8 && (unsigned long long)v >> (size * 8) != 0)) {
            return range_error(c, o, argno);
        }
        store_int(dst, size, (uint64_t)v);
        return 0;
    }
    if (c->is_char && ((PyBytes_Check(o) && PyBytes_GET_SIZE(o) == 1))) {
        store_int(dst, 1, (unsigned char)PyBytes_AS_STRING(o)[0]);
        return 0;
    }
    if (c->is_char && PyUnicode_Check(o) && PyUnicode_GET_LENGTH(o) == 1 &&
        PyUnicode_READ_CHAR(o, 0) < 128) {
        store_int(dst, 1, PyUnicode_READ_CHAR(o, 0));
        return 0;
    }
    if (!PyFloat_Check(o) && PyIndex_Check(o)) {
        PyObject *i = PyNumber_Index(o);
        int rc;

        if (i == NULL) {
            return -1;
        }
        rc = int_to_c(c, i, dst, argno);
        Py_DECREF(i);
        return rc;
    }
    return type_error(c, o, argno, c->is_char ? "int or a 1-byte bytes"
                                              : "int");
}

int conv_tmp_add(struct callctx *ctx, enum tmp_kind kind, void *p)
{
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap * 2;
        struct tmp *v = PyMem_Malloc(cap * sizeof(*v));

        if (v == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(v, ctx->v, ctx->n * sizeof(*v));
        if (ctx->v != ctx->small) {
            PyMem_Free(ctx->v);
        }
        ctx->v = v;
        ctx->cap = cap;
    }
    ctx->v[ctx->n].kind = kind;
    ctx->v[ctx->n].p = p;
    ctx->n++;
    return 0;
}

void callctx_release(struct callctx *ctx)
{
    size_t i;

    for (i = 0; i < ctx->n; i++) {
        void *p = ctx->v[i].p;

        switch (ctx->v[i].kind) {
        case TMP_PYBUF:
            PyBuffer_Release(p);
            PyMem_Free(p);
            break;
        case TMP_STRING:
            ffi_cxx_string_destroy(p);
            break;
        case TMP_CLOSURE:
            conv_hooks.temp_free(p);
            break;
        case TMP_REF:
            Py_DECREF((PyObject *)p);
            break;
        case TMP_STD:
            conv_hooks.std_release(p);
            break;
        case TMP_SMART:
            conv_hooks.smart_release(p);
            break;
        }
    }
    if (ctx->v != ctx->small) {
        PyMem_Free(ctx->v);
    }
    ctx->v = ctx->small;
    ctx->n = 0;
    ctx->cap = sizeof(ctx->small) / sizeof(ctx->small[0]);
}

/* The address a pointer-like o stands for, when it is one of ours:
 * Pointer, buffer, object, struct, StdString, Callback. 1 with *addr set,
 * 0 when o is none of these, -1 with an exception (a closed object). */
static int address_of(PyObject *o, void **addr)
{
    PyTypeObject *t = Py_TYPE(o);
    int r;

    if (t == &ffi_PointerType || PyObject_TypeCheck(o, &ffi_PointerType)) {
        *addr = ((PointerObject *)o)->addr;
        return 1;
    }
    if (t == &ffi_BufferType) {
        *addr = ((BufferObject *)o)->data;
        return 1;
    }
    r = conv_hooks.object_address(o, addr);
    if (r != 0) {
        return r;
    }
    if ((*addr = conv_hooks.struct_data(o)) != NULL) {
        return 1;
    }
    if (t == &ffi_StdStringType) {
        *addr = ((StdStringObject *)o)->mem;
        return 1;
    }
    if ((*addr = conv_hooks.callback_code(o)) != NULL) {
        return 1;
    }
    return 0;
}

/* Copy a str/bytes/StdString/bytes-like o into a new std::string at mem,
 * destroyed after the call. 1 done, 0 not text, -1 error. */
static int temp_string(PyObject *o, void *mem, struct callctx *ctx)
{
    const char *p;
    Py_ssize_t n;
    size_t len;

    if (PyUnicode_Check(o)) {
        p = PyUnicode_AsUTF8AndSize(o, &n);
        if (p == NULL) {
            return -1;
        }
    } else if (PyBytes_Check(o)) {
        p = PyBytes_AS_STRING(o);
        n = PyBytes_GET_SIZE(o);
    } else if (Py_TYPE(o) == &ffi_StdStringType) {
        p = ffi_cxx_string_data(((StdStringObject *)o)->mem, &len);
        n = (Py_ssize_t)len;
    } else if (Py_TYPE(o) == &ffi_BufferType) {
        p = ((BufferObject *)o)->data;
        n = ((BufferObject *)o)->len;
    } else {
        return 0;
    }
    if (ffi_cxx_string_init(mem, p, (size_t)n) != 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (conv_tmp_add(ctx, TMP_STRING, mem) != 0) {
        ffi_cxx_string_destroy(mem);
        return -1;
    }
    return 1;
}

static int ptr_to_c(const struct conv *c, PyObject *o, void *dst,
                    struct callctx *ctx, int argno)
{
    void *addr = NULL;
    int r;

    if (o == Py_None) {
        if (c->is_ref) {
            char tn[160], an[32];

            PyErr_Format(PyExc_TypeError, "%s: a reference ('%s') cannot "
                         "be None: pass what it refers to (a crossrun.buffer, "
                         "Pointer or object)", argname(argno, an, sizeof(an)),
                         conv_type_name(c, tn, sizeof(tn)));
            return -1;
        }
        memset(dst, 0, sizeof(void *));
        return 0;
    }
    r = address_of(o, &addr);
    if (r < 0) {
        return -1;
    }
    if (r == 0 && ctx != NULL) {
        if (c->bytes_ok && PyBytes_Check(o)) {
            addr = PyBytes_AS_STRING(o);
            r = 1;
        } else if (c->str_ok && PyUnicode_Check(o)) {
            addr = (void *)PyUnicode_AsUTF8(o);
            if (addr == NULL) {
                return -1;
            }
            r = 1;
        } else if (PyObject_CheckBuffer(o) && !PyUnicode_Check(o) &&
                   !PyBytes_Check(o)) {
            Py_buffer *view = PyMem_Malloc(sizeof(*view));
            int flags = PyBUF_SIMPLE;

            if (view == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            if (c->ct != NULL && c->ct->sub != NULL &&
                !c->ct->sub->is_const) {
                flags |= PyBUF_WRITABLE;
            }
            if (PyObject_GetBuffer(o, view, flags) != 0) {
                PyMem_Free(view);
                return -1;
            }
            if (conv_tmp_add(ctx, TMP_PYBUF, view) != 0) {
                PyBuffer_Release(view);
                PyMem_Free(view);
                return -1;
            }
            addr = view->buf;
            r = 1;
        }
    }
    if (r == 0) {
        char what[160];

        snprintf(what, sizeof(what), "%s%sa Pointer, a crossrun.buffer, a "
                 "lib.cls object or None", c->bytes_ok ? "bytes, " : "",
                 c->str_ok ? "str, " : "");
        return type_error(c, o, argno, what);
    }
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}


/* ---- to C, one function per row ---- */

static int void_to_c(const struct conv *c, PyObject *o, void *dst,
                     void *extra, struct callctx *ctx, int argno)
{
    (void)c, (void)o, (void)dst, (void)extra, (void)ctx, (void)argno;
    return 0;
}

static int integer_to_c(const struct conv *c, PyObject *o, void *dst,
                        void *extra, struct callctx *ctx, int argno)
{
    (void)extra, (void)ctx;
    return int_to_c(c, o, dst, argno);
}

static int bool_to_c(const struct conv *c, PyObject *o, void *dst,
                     void *extra, struct callctx *ctx, int argno)
{
    (void)extra, (void)ctx;
    if (PyBool_Check(o) || PyLong_Check(o)) {
        int v = PyObject_IsTrue(o);

        if (v < 0) {
            return -1;
        }
        *(uint8_t *)dst = (uint8_t)v;
        return 0;
    }
    return type_error(c, o, argno, "bool");
}

/* float, double and long double. */
static int real_to_c(const struct conv *c, PyObject *o, void *dst,
                     void *extra, struct callctx *ctx, int argno)
{
    double v;

    (void)extra, (void)ctx;
    if (PyFloat_Check(o)) {
        v = PyFloat_AS_DOUBLE(o);
    } else if (PyLong_Check(o)) {
        v = PyLong_AsDouble(o);
        if (v == -1.0 && PyErr_Occurred()) {
            return -1;
        }
    } else {
        return type_error(c, o, argno, "float");
    }
    if (c->kind == CV_FLOAT) {
        float f = (float)v;

        if (isinf(f) && !isinf(v)) {
            return range_error(c, o, argno);
        }
        memcpy(dst, &f, sizeof(f));
    } else if (c->kind == CV_DOUBLE) {
        memcpy(dst, &v, sizeof(v));
    } else {
        long double l = v;

        memcpy(dst, &l, sizeof(l));
    }
    return 0;
}

static int pointer_to_c(const struct conv *c, PyObject *o, void *dst,
                        void *extra, struct callctx *ctx, int argno)
{
    (void)extra;
    return ptr_to_c(c, o, dst, ctx, argno);
}

static int this_to_c(const struct conv *c, PyObject *o, void *dst,
                     void *extra, struct callctx *ctx, int argno)
{
    void *addr;
    int r = address_of(o, &addr);

    (void)c, (void)extra, (void)ctx, (void)argno;
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        PyErr_Format(PyExc_TypeError, "'this': a method takes the object "
                     "it is called on first: an object of its class or a "
                     "Pointer to one, not %.100s", Py_TYPE(o)->tp_name);
        return -1;
    }
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}

static int funcptr_to_c(const struct conv *c, PyObject *o, void *dst,
                        void *extra, struct callctx *ctx, int argno)
{
    void *addr = NULL, *code = conv_hooks.callback_code(o);

    (void)extra;
    if (o == Py_None) {
        memset(dst, 0, sizeof(void *));
        return 0;
    }
    if (code != NULL) {
        addr = code; /* a Callback */
    } else if (PyObject_TypeCheck(o, &ffi_PointerType)) {
        addr = ((PointerObject *)o)->addr;
    } else if (PyCallable_Check(o) && ctx != NULL && c->sig != NULL) {
        void *handle;

        addr = conv_hooks.temp_new(c->sig, o, &handle);
        if (addr == NULL) {
            return -1;
        }
        if (conv_tmp_add(ctx, TMP_CLOSURE, handle) != 0) {
            conv_hooks.temp_free(handle);
            return -1;
        }
    } else {
        return type_error(c, o, argno, "a callable, callback or None");
    }
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}

static int struct_to_c(const struct conv *c, PyObject *o, void *dst,
                       void *extra, struct callctx *ctx, int argno)
{
    PyObject *tmp;
    int rc;

    if (PyObject_TypeCheck(o, (PyTypeObject *)c->type)) {
        memcpy(dst, conv_hooks.struct_data(o), c->struct_size);
        return 0;
    }
    if (PyTuple_Check(o)) {
        tmp = PyObject_Call(c->type, o, NULL);
    } else if (PyDict_Check(o)) {
        PyObject *empty = PyTuple_New(0);

        tmp = empty ? PyObject_Call(c->type, empty, o) : NULL;
        Py_XDECREF(empty);
    } else {
        return type_error(c, o, argno,
                          "an instance of the struct, a tuple or a dict");
    }
    if (tmp == NULL) {
        return -1;
    }
    rc = struct_to_c(c, tmp, dst, extra, ctx, argno);
    Py_DECREF(tmp);
    return rc;
}

static int string_to_c(const struct conv *c, PyObject *o, void *dst,
                       void *extra, struct callctx *ctx, int argno)
{
    int r;

    if (ctx == NULL) {
        return type_error(c, o, argno, "nothing here (std::string by "
                          "value)");
    }
    r = temp_string(o, extra, ctx);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        return type_error(c, o, argno, "str, bytes or StdString");
    }
    memcpy(dst, &extra, sizeof(extra));
    return 0;
}

static int strptr_to_c(const struct conv *c, PyObject *o, void *dst,
                       void *extra, struct callctx *ctx, int argno)
{
    void *addr = NULL;

    if (Py_TYPE(o) == &ffi_StdStringType) {
        addr = ((StdStringObject *)o)->mem;
    } else if (c->str_ok && ctx != NULL &&
               (PyUnicode_Check(o) || PyBytes_Check(o))) {
        if (temp_string(o, extra, ctx) < 0) {
            return -1;
        }
        addr = extra;
    } else if (PyObject_TypeCheck(o, &ffi_PointerType)) {
        addr = ((PointerObject *)o)->addr;
    } else if (o == Py_None && !c->is_ref) {
        addr = NULL;
    } else {
        return type_error(c, o, argno, c->str_ok
                          ? "StdString, str or bytes" : "StdString");
    }
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}

static int cref_to_c(const struct conv *c, PyObject *o, void *dst,
                     void *extra, struct callctx *ctx, int argno)
{
    void *addr;
    int r = address_of(o, &addr);

    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        if (extra == NULL) {
            return type_error(c, o, argno, "a Pointer or buffer");
        }
        if (conv_to_c(c->elem, o, extra, NULL, ctx, argno) != 0) {
            return -1;
        }
        addr = extra;
    }
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}

/* ---- back from C ---- */

static PyObject *int_from_c(const struct conv *c, const void *src)
{
    if (c->is_signed) {
        switch (c->size) {
        case 1:
            return PyLong_FromLong(*(const int8_t *)src);
        case 2:
            return PyLong_FromLong(*(const int16_t *)src);
        case 4:
            return PyLong_FromLong(*(const int32_t *)src);
        default:
            return PyLong_FromLongLong(*(const int64_t *)src);
        }
    }
    switch (c->size) {
    case 1:
        return PyLong_FromLong(*(const uint8_t *)src);
    case 2:
        return PyLong_FromLong(*(const uint16_t *)src);
    case 4:
        return PyLong_FromUnsignedLong(*(const uint32_t *)src);
    default:
        return PyLong_FromUnsignedLongLong(*(const uint64_t *)src);
    }
}

/* A pointer value: None, a view of a declared class, or a Pointer. */

static PyObject *void_from_c(const struct conv *c, const void *src,
                             PyObject *keep)
{
    (void)c, (void)src, (void)keep;
    Py_RETURN_NONE;
}

static PyObject *bool_from_c(const struct conv *c, const void *src,
                             PyObject *keep)
{
    (void)c, (void)keep;
    return PyBool_FromLong(*(const uint8_t *)src != 0);
}

static PyObject *integer_from_c(const struct conv *c, const void *src,
                                PyObject *keep)
{
    (void)keep;
    return int_from_c(c, src);
}

/* An enum value: the enum's member when the enum is declared and names
 * it, else the int. */
static PyObject *enum_from_c(const struct conv *c, const void *src,
                             PyObject *keep)
{
    PyObject *v = int_from_c(c, src), *m, *type = c->type;

    (void)keep;
    if (type == NULL) {
        /* Declared after this function was made? Look again. */
        type = ffi_lib_type(c->lib, c->pointee);
    }
    if (v == NULL || type == NULL || !PyType_Check(type) ||
        !PyType_IsSubtype((PyTypeObject *)type, &PyLong_Type)) {
        return v;
    }
    m = PyObject_CallOneArg(type, v);
    if (m == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        return v; /* a value the enum does not name */
    }
    Py_DECREF(v);
    return m;
}

static PyObject *float_from_c(const struct conv *c, const void *src,
                              PyObject *keep)
{
    float f;

    (void)c, (void)keep;
    memcpy(&f, src, sizeof(f));
    return PyFloat_FromDouble(f);
}

static PyObject *double_from_c(const struct conv *c, const void *src,
                               PyObject *keep)
{
    double d;

    (void)c, (void)keep;
    memcpy(&d, src, sizeof(d));
    return PyFloat_FromDouble(d);
}

static PyObject *ldouble_from_c(const struct conv *c, const void *src,
                                PyObject *keep)
{
    long double l;

    (void)c, (void)keep;
    memcpy(&l, src, sizeof(l));
    return PyFloat_FromDouble((double)l);
}

/* A pointer value: None, a view of a declared class, or a Pointer. */
static PyObject *pointer_from_c(const struct conv *c, const void *src,
                                PyObject *keep)
{
    void *addr;
    PyObject *cls;

    (void)keep;
    memcpy(&addr, src, sizeof(addr));
    if (addr == NULL) {
        Py_RETURN_NONE;
    }
    cls = ffi_lib_type(c->lib, c->pointee); /* borrowed */
    if (cls != NULL && conv_hooks.is_class(cls)) {
        return conv_hooks.object_view(cls, addr, NULL);
    }
    return ffi_pointer_new(addr, NULL);
}

static PyObject *strptr_from_c(const struct conv *c, const void *src,
                               PyObject *keep)
{
    void *addr;

    (void)keep;
    memcpy(&addr, src, sizeof(addr));
    if (addr != NULL && c->is_ref) {
        return ffi_stdstring_adopt(addr); /* a copy of the referent */
    }
    if (addr == NULL) {
        Py_RETURN_NONE;
    }
    return ffi_pointer_new(addr, NULL);
}

static PyObject *funcptr_from_c(const struct conv *c, const void *src,
                                PyObject *keep)
{
    void *addr;

    (void)c, (void)keep;
    memcpy(&addr, src, sizeof(addr));
    if (addr == NULL) {
        Py_RETURN_NONE;
    }
    return ffi_pointer_new(addr, NULL);
}

static PyObject *cref_from_c(const struct conv *c, const void *src,
                             PyObject *keep)
{
    void *addr;

    memcpy(&addr, src, sizeof(addr));
    return conv_from_c(c->elem, addr, keep);
}

static PyObject *struct_from_c(const struct conv *c, const void *src,
                               PyObject *keep)
{
    return conv_hooks.struct_new(c->type, src, keep);
}

static PyObject *string_from_c(const struct conv *c, const void *src,
                               PyObject *keep)
{
    (void)c, (void)keep;
    return ffi_stdstring_adopt(src);
}

/* ---- how well a Python value fits (overload resolution) ---- */

static int void_score(const struct conv *c, PyObject *o)
{
    (void)c, (void)o;
    return 0;
}

static int bool_score(const struct conv *c, PyObject *o)
{
    (void)c;
    return PyBool_Check(o) ? 2 : PyLong_Check(o) ? 1 : 0;
}

static int integer_score(const struct conv *c, PyObject *o)
{
    if (PyBool_Check(o)) {
        return 1;
    }
    if (PyLong_Check(o)) {
        char tmp[16];
        int ok = int_to_c(c, o, tmp, 0) == 0;

        if (!ok) {
            PyErr_Clear();
            return 0;
        }
        if (c->kind == CV_ENUM) {
            /* A member of the parameter's enum fits it best; a plain int
             * fits an int overload better than an enum one. */
            return c->type != NULL && PyType_Check(c->type) &&
                   PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 3 : 1;
        }
        return 2;
    }
    return c->is_char && PyBytes_Check(o) && PyBytes_GET_SIZE(o) == 1
           ? 2 : 0;
}

static int real_score(const struct conv *c, PyObject *o)
{
    (void)c;
    return PyFloat_Check(o) ? 2 : PyLong_Check(o) ? 1 : 0;
}

static int pointer_score(const struct conv *c, PyObject *o)
{
    void *addr;

    if (o == Py_None) {
        return c->is_ref || c->kind == CV_THIS ? 0 : 1;
    }
    if (c->pointee != NULL && conv_hooks.object_address(o, &addr) != 0) {
        PyObject *cls = ffi_lib_type(c->lib, c->pointee);

        PyErr_Clear(); /* a closed object still scores */
        return cls != NULL && PyType_Check(cls) &&
               PyObject_TypeCheck(o, (PyTypeObject *)cls) ? 2 : 1;
    }
    if (c->type != NULL && conv_hooks.struct_data(o) != NULL) {
        return PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 2 : 1;
    }
    if (PyBytes_Check(o)) {
        return c->bytes_ok ? 2 : 0;
    }
    if (PyUnicode_Check(o)) {
        return c->str_ok ? 2 : 0;
    }
    if (address_of(o, &addr) > 0) {
        return 1;
    }
    PyErr_Clear();
    return PyObject_CheckBuffer(o) ? 1 : 0;
}

static int funcptr_score(const struct conv *c, PyObject *o)
{
    (void)c;
    return o == Py_None ? 1 : PyCallable_Check(o) ||
           conv_hooks.callback_code(o) != NULL ? 2 : 0;
}

static int struct_score(const struct conv *c, PyObject *o)
{
    return PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 2
           : PyTuple_Check(o) || PyDict_Check(o) ? 1 : 0;
}

static int string_score(const struct conv *c, PyObject *o)
{
    (void)c;
    return Py_TYPE(o) == &ffi_StdStringType || PyUnicode_Check(o) ||
           PyBytes_Check(o) ? 2 : 0;
}

static int strptr_score(const struct conv *c, PyObject *o)
{
    return Py_TYPE(o) == &ffi_StdStringType ? 2
           : c->str_ok && (PyUnicode_Check(o) || PyBytes_Check(o)) ? 2
           : 0;
}

static int cref_score(const struct conv *c, PyObject *o)
{
    return conv_score(c->elem, o);
}

/* ---- lib.cls classes by value (09_byvalue through conv_hooks) ---- */

static int objval_to_c(const struct conv *c, PyObject *o, void *dst,
                       void *extra, struct callctx *ctx, int argno)
{
    void *ptr;

    (void)extra;
    (void)ctx;
    if (!PyObject_TypeCheck(o, (PyTypeObject *)c->type) ||
        (ptr = conv_hooks.object_ptr(o)) == NULL) {
        return type_error(c, o, argno, "an open object of the class");
    }
    memcpy(dst, ptr, conv_hooks.byvalue_size(c));
    return 0;
}

static int objref_to_c(const struct conv *c, PyObject *o, void *dst,
                       void *extra, struct callctx *ctx, int argno)
{
    PyObject *tmp;
    void *ptr;

    (void)extra;
    if (ctx == NULL) {
        return type_error(c, o, argno, "(no temporaries here)");
    }
    tmp = conv_hooks.byvalue_copy(c, o, argno);
    if (tmp == NULL || conv_tmp_add(ctx, TMP_REF, tmp) != 0) {
        Py_XDECREF(tmp);
        return -1;
    }
    ptr = conv_hooks.object_ptr(tmp);
    memcpy(dst, &ptr, sizeof(ptr));
    return 0;
}

static PyObject *objval_from_c(const struct conv *c, const void *src,
                               PyObject *keep)
{
    (void)keep;
    return conv_hooks.byvalue_from_c(c, src);
}

static PyObject *objref_from_c(const struct conv *c, const void *src,
                               PyObject *keep)
{
    void *addr;

    memcpy(&addr, src, sizeof(addr));
    return conv_hooks.object_view(c->type, addr, keep);
}

static int object_score(const struct conv *c, PyObject *o)
{
    return PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 2 : 0;
}

/* ---- the table ---- */

/* One row per kind of converter. size: bytes of one value in memory; 0
 * for the kinds whose size the converter holds (integers, structs). */
struct conv_row {
    int (*to_c)(const struct conv *c, PyObject *o, void *dst, void *extra,
                struct callctx *ctx, int argno);
    PyObject *(*from_c)(const struct conv *c, const void *src,
                        PyObject *keep);
    int (*score)(const struct conv *c, PyObject *o);
    size_t size;
};

static int std_to_c(const struct conv *c, PyObject *o, void *dst,
                    void *extra, struct callctx *ctx, int argno)
{
    return conv_hooks.std_to_c(c, o, dst, extra, ctx, argno);
}

static PyObject *std_from_c(const struct conv *c, const void *src,
                            PyObject *keep)
{
    return conv_hooks.std_from_c(c, src, keep);
}

static int std_score(const struct conv *c, PyObject *o)
{
    return conv_hooks.std_score(c, o);
}

static int smart_to_c(const struct conv *c, PyObject *o, void *dst,
                      void *extra, struct callctx *ctx, int argno)
{
    return conv_hooks.smart_to_c(c, o, dst, extra, ctx, argno);
}

static PyObject *smart_from_c(const struct conv *c, const void *src,
                              PyObject *keep)
{
    return conv_hooks.smart_from_c(c, src, keep);
}

static int smart_score(const struct conv *c, PyObject *o)
{
    return conv_hooks.smart_score(c, o);
}

static const struct conv_row conv_table[CV_NKINDS] = {
    [CV_VOID] = {void_to_c, void_from_c, void_score, 8},
    [CV_BOOL] = {bool_to_c, bool_from_c, bool_score, 1},
    [CV_INT] = {integer_to_c, integer_from_c, integer_score, 0},
    [CV_FLOAT] = {real_to_c, float_from_c, real_score, 4},
    [CV_DOUBLE] = {real_to_c, double_from_c, real_score, 8},
    [CV_LDOUBLE] = {real_to_c, ldouble_from_c, real_score, 16},
    [CV_ENUM] = {integer_to_c, enum_from_c, integer_score, 0},
    [CV_PTR] = {pointer_to_c, pointer_from_c, pointer_score, 8},
    [CV_FUNCPTR] = {funcptr_to_c, funcptr_from_c, funcptr_score, 8},
    [CV_STRUCT] = {struct_to_c, struct_from_c, struct_score, 0},
    [CV_STRING] = {string_to_c, string_from_c, string_score,
                   FFI_STDSTRING_SIZE},
    [CV_STRPTR] = {strptr_to_c, strptr_from_c, strptr_score, 8},
    [CV_CREF] = {cref_to_c, cref_from_c, cref_score, 8},
    [CV_THIS] = {this_to_c, pointer_from_c, pointer_score, 8},
    [CV_OBJVAL] = {objval_to_c, objval_from_c, object_score, 0},
    [CV_OBJREF] = {objref_to_c, objref_from_c, object_score, 8},
    [CV_STD] = {std_to_c, std_from_c, std_score, 8},
    [CV_SMART] = {smart_to_c, smart_from_c, smart_score, 8},
};

int conv_to_c(const struct conv *c, PyObject *o, void *dst, void *extra,
              struct callctx *ctx, int argno)
{
    return conv_table[c->kind].to_c(c, o, dst, extra, ctx, argno);
}

PyObject *conv_from_c(const struct conv *c, const void *src, PyObject *keep)
{
    return conv_table[c->kind].from_c(c, src, keep);
}

int conv_score(const struct conv *c, PyObject *o)
{
    return conv_table[c->kind].score(c, o);
}

size_t conv_mem_size(const struct conv *c)
{
    if (c->kind == CV_INT || c->kind == CV_ENUM) {
        return c->size;
    }
    if (c->kind == CV_STRUCT) {
        return c->struct_size;
    }
    if (c->kind == CV_OBJVAL) {
        return conv_hooks.byvalue_size(c);
    }
    return conv_table[c->kind].size;
}

/* ---- from a declared type to a row ---- */

static ffi_type *int_ffi_type(unsigned size, int is_signed)
{
    switch (size) {
    case 1:
        return is_signed ? &ffi_type_sint8 : &ffi_type_uint8;
    case 2:
        return is_signed ? &ffi_type_sint16 : &ffi_type_uint16;
    case 4:
        return is_signed ? &ffi_type_sint32 : &ffi_type_uint32;
    default:
        return is_signed ? &ffi_type_sint64 : &ffi_type_uint64;
    }
}

static int unsupported(const char *decl, const struct ct_type *t,
                       const char *why)
{
    struct buf b = BUF_INIT;

    if (ct_print(t, &b) != 0) {
        PyErr_NoMemory();
    } else {
        ffi_raise_decl_msg(decl, "type '%s' %s", b.data, why);
    }
    buf_free(&b);
    return -1;
}

/* Is type a struct class (lib.struct)? */
static int is_struct_class(PyObject *type)
{
    size_t size;
    ffi_type *ft;

    return conv_hooks.struct_layout(type, &size, &ft);
}

/* c becomes a pointer to a function of type fn; as an argument it also
 * gets the signature of the callbacks a Python callable passes as. */
static int funcptr(struct conv *c, const struct ct_type *fn, PyObject *lib,
                   enum conv_role role, const char *decl)
{
    c->kind = CV_FUNCPTR;
    c->ft = &ffi_type_pointer;
    if (role == CONV_ARG) {
        c->sig = conv_hooks.sig_new(fn, lib, decl);
        if (c->sig == NULL) {
            return -1;
        }
    }
    return 0;
}

int conv_build(struct conv *c, const struct ct_type *t, PyObject *lib,
               enum conv_role role, const char *decl, struct ct_arena *a)
{
    const struct ct_type *sub;
    PyObject *known;

    memset(c, 0, sizeof(*c));
    t = ffi_resolve_type(lib != NULL ? ((LibraryObject *)lib)->types : NULL,
                         t, a, decl);
    if (t == NULL) {
        return -1;
    }
    c->ct = t;
    c->lib = lib;
    if (conv_hooks.smart_build != NULL) {
        int r = conv_hooks.smart_build(c, t, lib, role, decl, a);

        if (r != 0) {
            return r < 0 ? -1 : 0;
        }
    }
    if (conv_hooks.std_build != NULL) {
        int r = conv_hooks.std_build(c, t, lib, role, decl, a);

        if (r != 0) {
            return r < 0 ? -1 : 0;
        }
    }
    if (ct_is_integer(t->kind) && t->kind != CT_BOOL) {
        if (t->kind == CT_INT128 || t->kind == CT_UINT128) {
            return unsupported(decl, t, "is not supported");
        }
        c->kind = CV_INT;
        c->size = (unsigned char)ct_scalar_size(t->kind);
        c->is_signed = (unsigned char)ct_is_signed(t->kind);
        c->is_char = t->kind == CT_CHAR;
        c->ft = int_ffi_type(c->size, c->is_signed);
        return 0;
    }
    switch (t->kind) {
    case CT_VOID:
        if (role != CONV_RET && role != CONV_CBRET) {
            return unsupported(decl, t, "is not a value type (did you mean "
                               "'void*'?)");
        }
        c->kind = CV_VOID;
        c->ft = &ffi_type_void;
        return 0;
    case CT_BOOL:
        c->kind = CV_BOOL;
        c->ft = &ffi_type_uint8;
        return 0;
    case CT_FLOAT:
        c->kind = CV_FLOAT;
        c->ft = &ffi_type_float;
        return 0;
    case CT_DOUBLE:
        c->kind = CV_DOUBLE;
        c->ft = &ffi_type_double;
        return 0;
    case CT_LDOUBLE:
        c->kind = CV_LDOUBLE;
        c->ft = &ffi_type_longdouble;
        return 0;
    case CT_NULLPTR:
        c->kind = CV_PTR;
        c->ft = &ffi_type_pointer;
        return 0;
    case CT_NAMED:
        known = ffi_lib_type(lib, t->name);
        if (known != NULL && conv_hooks.struct_layout(known, &c->struct_size,
                                                      &c->ft)) {
            if ((role == CONV_ARG || role == CONV_RET) &&
                conv_hooks.struct_check_trivial(lib, t->name, decl) != 0) {
                return -1;
            }
            c->kind = CV_STRUCT;
            c->type = Py_NewRef(known);
            return 0;
        }
        if (known != NULL && conv_hooks.is_class(known)) {
            return conv_hooks.byvalue_build(c, known, (int)role, decl);
        }
        if (known == NULL) {
            return ffi_unknown_type(decl, t->name);
        }
        /* A declared enum. */
        c->kind = CV_ENUM;
        c->pointee = t->name;
        c->size = 4;
        c->is_signed = 1;
        if (known != NULL) {
            PyObject *size = PyObject_GetAttrString(known, "_ctype_size_");

            if (size != NULL) {
                long v = PyLong_AsLong(size); /* negative: unsigned */

                c->size = (unsigned char)(v < 0 ? -v : v);
                c->is_signed = v > 0;
                Py_DECREF(size);
            } else {
                PyErr_Clear();
            }
            c->type = known;
            Py_INCREF(known);
        }
        c->ft = int_ffi_type(c->size, c->is_signed);
        return 0;
    case CT_STRING:
        if (role != CONV_ARG && role != CONV_RET) {
            return unsupported(decl, t, "by value is supported only as a "
                               "function's parameter or result");
        }
        c->kind = CV_STRING;
        c->ft = &ffi_type_pointer;
        c->extra_size = FFI_STDSTRING_SIZE;
        return 0;
    case CT_ARRAY:
    case CT_PTR:
    case CT_REF:
    case CT_RREF:
        sub = t->sub;
        c->ft = &ffi_type_pointer;
        c->is_ref = t->kind == CT_REF || t->kind == CT_RREF;
        if (sub->kind == CT_FUNC) {
            return funcptr(c, sub, lib, role, decl);
        }
        if (sub->kind == CT_STRING) {
            c->kind = CV_STRPTR;
            c->str_ok = (t->kind == CT_REF && sub->is_const) ||
                        t->kind == CT_RREF;
            c->extra_size = c->str_ok ? FFI_STDSTRING_SIZE : 0;
            return 0;
        }
        if (c->is_ref && ct_is_scalar(sub->kind) && sub->kind != CT_VOID &&
            (sub->is_const || t->kind == CT_RREF) && role == CONV_ARG) {
            c->kind = CV_CREF;
            c->elem = ct_alloc(a, sizeof(*c->elem));
            if (c->elem == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            c->extra_size = 16;
            return conv_build(c->elem, sub, lib, CONV_FIELD, decl, a);
        }
        c->kind = CV_PTR;
        c->bytes_ok = sub->kind == CT_VOID ||
                      (ct_is_scalar(sub->kind) &&
                       ct_scalar_size(sub->kind) == 1);
        c->str_ok = sub->kind == CT_CHAR && sub->is_const;
        if (sub->kind == CT_NAMED) {
            c->pointee = sub->name;
            known = ffi_lib_type(lib, sub->name);
            if (known != NULL && is_struct_class(known)) {
                c->type = known;
                Py_INCREF(known);
            }
        }
        return 0;
    case CT_FUNC:
        return funcptr(c, t, lib, role, decl);
    default:
        break;
    }
    return unsupported(decl, t, "is not supported");
}

void conv_clear(struct conv *c)
{
    if (c->kind == CV_STD && conv_hooks.std_clear != NULL) {
        conv_hooks.std_clear(c);
    }
    Py_CLEAR(c->type);
    if (c->sig != NULL) {
        conv_hooks.sig_free(c->sig);
        c->sig = NULL;
    }
    if (c->elem != NULL) {
        conv_clear(c->elem);
    }
}

/* ---- reading and writing typed memory (Pointer.read, Buffer.read) ---- */

/* Resolve a type argument of read/write: a type string or a struct class
 * into c (fields of a temporary arena a). */
static int type_arg(PyObject *type, struct conv *c, struct ct_arena *a,
                    size_t *size)
{
    const char *text;
    struct decl_error err;
    struct ct_type *t;

    memset(c, 0, sizeof(*c));
    if (conv_hooks.struct_layout(type, &c->struct_size, &c->ft)) {
        c->kind = CV_STRUCT;
        c->type = Py_NewRef(type);
        *size = c->struct_size;
        return 0;
    }
    if (!PyUnicode_Check(type)) {
        PyErr_Format(PyExc_TypeError, "the type to read or write must be "
                     "a C type name such as 'int' or a lib.struct class, not "
                     "%.100s",
                     Py_TYPE(type)->tp_name);
        return -1;
    }
    text = PyUnicode_AsUTF8(type);
    if (text == NULL) {
        return -1;
    }
    t = decl_parse_type(text, a, &err);
    if (t == NULL) {
        ffi_raise_decl_error(text, &err);
        return -1;
    }
    if (t->kind == CT_VOID) {
        ffi_raise_decl_msg(text, "void has no value to read or write: name "
                           "the type of the data, such as 'int' or "
                           "'char'");
        return -1;
    }
    if (conv_build(c, t, NULL, CONV_FIELD, text, a) != 0) {
        return -1;
    }
    *size = conv_mem_size(c);
    return 0;
}

/* Pointer.read: element i of type at addr (ffi_values_access.read). */
static PyObject *read_at(void *addr, PyObject *type, Py_ssize_t i,
                         PyObject *keep)
{
    struct ct_arena a = {0};
    struct conv c;
    size_t size;
    PyObject *r = NULL;

    if (type_arg(type, &c, &a, &size) == 0) {
        r = conv_from_c(&c, (char *)addr + (size_t)i * size, keep);
        conv_clear(&c);
    }
    ct_arena_free(&a);
    return r;
}

/* Pointer.write: value as element i of type at addr. */
static int write_at(void *addr, PyObject *type, Py_ssize_t i,
                    PyObject *value)
{
    struct ct_arena a = {0};
    struct conv c;
    size_t size;
    int rc = -1;

    if (type_arg(type, &c, &a, &size) == 0) {
        if (c.kind == CV_STRING) {
            PyErr_SetString(PyExc_TypeError, "write a std::string through "
                            "a StdString, not write()");
        } else {
            rc = conv_to_c(&c, value, (char *)addr + (size_t)i * size, NULL,
                           NULL, 0);
        }
        conv_clear(&c);
    }
    ct_arena_free(&a);
    return rc;
}

void callctx_init(struct callctx *ctx)
{
    ctx->v = ctx->small;
    ctx->n = 0;
    ctx->cap = sizeof(ctx->small) / sizeof(ctx->small[0]);
}

int conv_ready(void)
{
    ffi_values_access.read = read_at;
    ffi_values_access.write = write_at;
    return 0;
}
