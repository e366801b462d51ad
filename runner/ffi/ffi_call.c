/* ffi_call: converters between Python values and C values, and
 * crossrun.Function, a C or C++ function called through libffi.
 *
 * How a call goes (function_vectorcall):
 *  1. The Function was built once by lib.fn(): the declaration parsed, the
 *     symbol found, one converter per parameter (struct conv) chosen by
 *     its declared type, the ffi_cif prepared, and the layout of the
 *     per-call argument area computed (one slot per argument plus extra
 *     room for temporaries such as a std::string copy).
 *  2. Arguments arrive by vectorcall (no tuple). Missing trailing ones
 *     take the declaration's default values.
 *  3. Each argument is converted into its slot; anything that must live
 *     until the call returns (a Py_buffer, a temporary std::string, a
 *     closure for a Python callable) is recorded in a callctx and
 *     released in one loop after the call.
 *  4. The call: on x86-64, functions whose arguments all travel in
 *     registers (up to 6 integer/pointer and 8 floating point) are called
 *     directly through a function pointer with every register argument
 *     (the fast path: no libffi work per call); everything else goes
 *     through ffi_call. Both run inside ffi_cxx's try/catch, so a C++
 *     exception comes back as CxxException.
 *  5. An exception raised by a Python callback during the call is raised
 *     now; otherwise the result converts back (std::string results come
 *     through a hidden first pointer argument and are copied into a
 *     StdString, then destroyed). */
#include "ffi/ffi_internal.h"
#include "ffi/cxxobj.h"

#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cxx/cxxrt.h"

/* ---- converters ---- */

static PyObject *lib_type(PyObject *lib, const char *name);

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

static int tmp_add(struct callctx *ctx, enum tmp_kind kind, void *p)
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
            cb_temp_free(p);
            break;
        case TMP_REF:
            Py_DECREF((PyObject *)p);
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

    if (t == &ffi_PointerType || PyObject_TypeCheck(o, &ffi_PointerType)) {
        *addr = ((PointerObject *)o)->addr;
        return 1;
    }
    if (t == &ffi_BufferType) {
        *addr = ((BufferObject *)o)->data;
        return 1;
    }
    if (PyObject_TypeCheck(o, &ffi_ObjectType)) {
        ObjectObject *ob = (ObjectObject *)o;

        if (ob->closed) {
            PyErr_Format(PyExc_ValueError, "%.100s object is closed",
                         t->tp_name);
            return -1;
        }
        *addr = ob->ptr;
        return 1;
    }
    if (PyObject_TypeCheck(o, &ffi_StructType)) {
        *addr = ((StructObject *)o)->data;
        return 1;
    }
    if (t == &ffi_StdStringType) {
        *addr = ((StdStringObject *)o)->mem;
        return 1;
    }
    if (ffi_is_callback(o)) {
        *addr = ffi_callback_addr(o);
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
    if (tmp_add(ctx, TMP_STRING, mem) != 0) {
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
                         "be None", argname(argno, an, sizeof(an)),
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
            if (tmp_add(ctx, TMP_PYBUF, view) != 0) {
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

        snprintf(what, sizeof(what), "a Pointer, buffer, object%s%s or None",
                 c->bytes_ok ? ", bytes" : "", c->str_ok ? ", str" : "");
        return type_error(c, o, argno, what);
    }
    memcpy(dst, &addr, sizeof(addr));
    return 0;
}

int conv_to_c(const struct conv *c, PyObject *o, void *dst, void *extra,
              struct callctx *ctx, int argno)
{
    switch (c->kind) {
    case CV_VOID:
        return 0;
    case CV_INT:
    case CV_ENUM:
        return int_to_c(c, o, dst, argno);
    case CV_BOOL:
        if (PyBool_Check(o) || PyLong_Check(o)) {
            int v = PyObject_IsTrue(o);

            if (v < 0) {
                return -1;
            }
            *(uint8_t *)dst = (uint8_t)v;
            return 0;
        }
        return type_error(c, o, argno, "bool");
    case CV_FLOAT:
    case CV_DOUBLE:
    case CV_LDOUBLE: {
        double v;

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
    case CV_PTR:
        return ptr_to_c(c, o, dst, ctx, argno);
    case CV_THIS: {
        void *addr;
        int r = address_of(o, &addr);

        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            return type_error(c, o, argno, "an object of the class");
        }
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    case CV_FUNCPTR: {
        void *addr = NULL;

        if (o == Py_None) {
            memset(dst, 0, sizeof(void *));
            return 0;
        }
        if (ffi_is_callback(o)) {
            addr = ffi_callback_addr(o);
        } else if (PyObject_TypeCheck(o, &ffi_PointerType)) {
            addr = ((PointerObject *)o)->addr;
        } else if (PyCallable_Check(o) && ctx != NULL && c->sig != NULL) {
            void *handle;

            addr = cb_temp_new(c->sig, o, &handle);
            if (addr == NULL) {
                return -1;
            }
            if (tmp_add(ctx, TMP_CLOSURE, handle) != 0) {
                cb_temp_free(handle);
                return -1;
            }
        } else {
            return type_error(c, o, argno, "a callable, callback or None");
        }
        memcpy(dst, &addr, sizeof(addr));
        return 0;
    }
    case CV_OBJVAL:
        if (!PyObject_TypeCheck(o, (PyTypeObject *)c->type) ||
            ((ObjectObject *)o)->ptr == NULL) {
            return type_error(c, o, argno, "an open object of the class");
        }
        memcpy(dst, ((ObjectObject *)o)->ptr, ffi_byvalue_size(c));
        return 0;
    case CV_OBJREF: {
        PyObject *tmp;

        if (ctx == NULL) {
            return type_error(c, o, argno, "(no temporaries here)");
        }
        tmp = ffi_byvalue_copy(c, o, argno);
        if (tmp == NULL || tmp_add(ctx, TMP_REF, tmp) != 0) {
            Py_XDECREF(tmp);
            return -1;
        }
        memcpy(dst, &((ObjectObject *)tmp)->ptr, sizeof(void *));
        return 0;
    }
    case CV_STRUCT: {
        LayoutObject *l = ffi_layout_of(c->type);
        PyObject *tmp;
        int rc;

        if (PyObject_TypeCheck(o, (PyTypeObject *)c->type)) {
            memcpy(dst, ((StructObject *)o)->data, l->size);
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
        rc = conv_to_c(c, tmp, dst, extra, ctx, argno);
        Py_DECREF(tmp);
        return rc;
    }
    case CV_STRING: {
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
    case CV_STRPTR: {
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
    case CV_CREF: {
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
    }
    PyErr_SetString(PyExc_SystemError, "crossrun: unknown converter");
    return -1;
}

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
static PyObject *ptr_from_c(const struct conv *c, void *addr,
                            PyObject *keep)
{
    if (addr == NULL) {
        Py_RETURN_NONE;
    }
    if (c->pointee != NULL && c->lib != NULL) {
        PyObject *types = ((LibraryObject *)c->lib)->types;
        PyObject *cls = PyDict_GetItemString(types, c->pointee); /* borrowed */

        if (cls != NULL && PyType_Check(cls) &&
            PyType_IsSubtype((PyTypeObject *)cls, &ffi_ObjectType)) {
            return ffi_object_view(cls, addr, NULL);
        }
    }
    (void)keep;
    return ffi_pointer_new(addr, NULL);
}

size_t conv_mem_size(const struct conv *c)
{
    switch (c->kind) {
    case CV_BOOL:
        return 1;
    case CV_INT:
    case CV_ENUM:
        return c->size;
    case CV_FLOAT:
        return 4;
    case CV_LDOUBLE:
        return 16;
    case CV_STRUCT:
        return ffi_layout_of(c->type)->size;
    case CV_OBJVAL:
        return ffi_byvalue_size(c);
    case CV_STRING:
        return FFI_STDSTRING_SIZE;
    default:
        return 8;
    }
}

PyObject *conv_from_c(const struct conv *c, const void *src, PyObject *keep)
{
    void *addr;

    switch (c->kind) {
    case CV_VOID:
        Py_RETURN_NONE;
    case CV_BOOL:
        return PyBool_FromLong(*(const uint8_t *)src != 0);
    case CV_INT:
        return int_from_c(c, src);
    case CV_ENUM: {
        PyObject *v = int_from_c(c, src), *m, *type = c->type;

        if (type == NULL) {
            /* Declared after this function was made? Look again. */
            type = lib_type(c->lib, c->pointee);
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
    case CV_FLOAT: {
        float f;

        memcpy(&f, src, sizeof(f));
        return PyFloat_FromDouble(f);
    }
    case CV_DOUBLE: {
        double d;

        memcpy(&d, src, sizeof(d));
        return PyFloat_FromDouble(d);
    }
    case CV_LDOUBLE: {
        long double l;

        memcpy(&l, src, sizeof(l));
        return PyFloat_FromDouble((double)l);
    }
    case CV_PTR:
    case CV_THIS:
        memcpy(&addr, src, sizeof(addr));
        return ptr_from_c(c, addr, keep);
    case CV_STRPTR:
        memcpy(&addr, src, sizeof(addr));
        if (addr != NULL && c->is_ref) {
            return ffi_stdstring_adopt(addr); /* a copy of the referent */
        }
        if (addr == NULL) {
            Py_RETURN_NONE;
        }
        return ffi_pointer_new(addr, NULL);
    case CV_FUNCPTR:
        memcpy(&addr, src, sizeof(addr));
        if (addr == NULL) {
            Py_RETURN_NONE;
        }
        return ffi_pointer_new(addr, NULL);
    case CV_CREF:
        memcpy(&addr, src, sizeof(addr));
        return conv_from_c(c->elem, addr, keep);
    case CV_STRUCT:
        return ffi_struct_new(c->type, src, keep);
    case CV_STRING:
        return ffi_stdstring_adopt(src);
    case CV_OBJVAL:
        return ffi_byvalue_from_c(c, src);
    case CV_OBJREF:
        memcpy(&addr, src, sizeof(addr));
        return ffi_object_view(c->type, addr, keep);
    }
    PyErr_SetString(PyExc_SystemError, "crossrun: unknown converter");
    return NULL;
}

int conv_score(const struct conv *c, PyObject *o)
{
    void *addr;

    switch (c->kind) {
    case CV_VOID:
        return 0;
    case CV_BOOL:
        return PyBool_Check(o) ? 2 : PyLong_Check(o) ? 1 : 0;
    case CV_INT:
    case CV_ENUM:
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
                /* A member of the parameter's enum fits it best; a plain
                 * int fits an int overload better than an enum one. */
                return c->type != NULL && PyType_Check(c->type) &&
                       PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 3
                       : 1;
            }
            return 2;
        }
        return c->is_char && PyBytes_Check(o) && PyBytes_GET_SIZE(o) == 1
               ? 2 : 0;
    case CV_FLOAT:
    case CV_DOUBLE:
    case CV_LDOUBLE:
        return PyFloat_Check(o) ? 2 : PyLong_Check(o) ? 1 : 0;
    case CV_PTR:
    case CV_THIS:
        if (o == Py_None) {
            return c->is_ref || c->kind == CV_THIS ? 0 : 1;
        }
        if (PyObject_TypeCheck(o, &ffi_ObjectType) && c->pointee != NULL) {
            PyObject *cls = PyDict_GetItemString(
                ((LibraryObject *)c->lib)->types, c->pointee);

            return cls != NULL && PyObject_TypeCheck(o, (PyTypeObject *)cls)
                   ? 2 : 1;
        }
        if (PyObject_TypeCheck(o, &ffi_StructType) && c->type != NULL) {
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
    case CV_FUNCPTR:
        return o == Py_None ? 1 : PyCallable_Check(o) ||
               ffi_is_callback(o) ? 2 : 0;
    case CV_STRUCT:
        return PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 2
               : PyTuple_Check(o) || PyDict_Check(o) ? 1 : 0;
    case CV_STRING:
        return Py_TYPE(o) == &ffi_StdStringType || PyUnicode_Check(o) ||
               PyBytes_Check(o) ? 2 : 0;
    case CV_STRPTR:
        return Py_TYPE(o) == &ffi_StdStringType ? 2
               : c->str_ok && (PyUnicode_Check(o) || PyBytes_Check(o)) ? 2
               : 0;
    case CV_CREF:
        return conv_score(c->elem, o);
    case CV_OBJVAL:
    case CV_OBJREF:
        return PyObject_TypeCheck(o, (PyTypeObject *)c->type) ? 2 : 0;
    }
    return 0;
}

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

/* The lib's registered type for a name: struct class, lib.cls class or
 * enum class (borrowed), or NULL. */
static PyObject *lib_type(PyObject *lib, const char *name)
{
    if (lib == NULL || name == NULL) {
        return NULL;
    }
    PyObject *v = PyDict_GetItemString(((LibraryObject *)lib)->types, name);

    return v != NULL && PyUnicode_Check(v) ? NULL : v; /* str: a typedef */
}

/* c becomes a pointer to a function of type fn; as an argument it also
 * gets the signature of the callbacks a Python callable passes as. */
static int funcptr(struct conv *c, const struct ct_type *fn, PyObject *lib,
                   enum conv_role role, const char *decl)
{
    c->kind = CV_FUNCPTR;
    c->ft = &ffi_type_pointer;
    if (role == CONV_ARG) {
        c->sig = cb_sig_new(fn, lib, decl);
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
    t = ffi_resolve_type(lib, t, a, decl);
    if (t == NULL) {
        return -1;
    }
    c->ct = t;
    c->lib = lib;
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
        known = lib_type(lib, t->name);
        if (known != NULL && ffi_layout_of(known) != NULL) {
            if ((role == CONV_ARG || role == CONV_RET) &&
                ffi_struct_check_trivial(lib, t->name, decl) != 0) {
                return -1;
            }
            c->kind = CV_STRUCT;
            c->type = known;
            Py_INCREF(known);
            c->ft = &ffi_layout_of(known)->ft;
            return 0;
        }
        if (known != NULL && PyType_Check(known) &&
            PyType_IsSubtype((PyTypeObject *)known, &ffi_ObjectType)) {
            return ffi_byvalue_build(c, known, role, decl);
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
            known = lib_type(lib, sub->name);
            if (known != NULL && ffi_layout_of(known) != NULL) {
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
    Py_CLEAR(c->type);
    if (c->sig != NULL) {
        cb_sig_free(c->sig);
        c->sig = NULL;
    }
    if (c->elem != NULL) {
        conv_clear(c->elem);
    }
}

/* ---- crossrun.Function ---- */

/* Register class of an argument on the fast path. */
enum { FR_INT = 1, FR_SSE_D = 2, FR_SSE_F = 3 };
/* Result kinds of the fast path. */
enum { FAST_NONE = 0, FAST_INT, FAST_DOUBLE, FAST_FLOAT };

typedef uint64_t (*fast_int_fn)(uint64_t, uint64_t, uint64_t, uint64_t,
                                uint64_t, uint64_t, double, double, double,
                                double, double, double, double, double);
typedef double (*fast_sse_fn)(uint64_t, uint64_t, uint64_t, uint64_t,
                              uint64_t, uint64_t, double, double, double,
                              double, double, double, double, double);

struct fast_call {
    void (*fn)(void);
    int kind;
    uint64_t i[6];
    double d[8];
    uint64_t ri;
    double rd;
};

#if defined(__x86_64__) && defined(__linux__)
#define HAVE_FAST_PATH 1
/* Call with every argument register loaded. On the System V x86-64 ABI a
 * function whose arguments are all INTEGER or SSE class reads the first
 * six of the first from rdi..r9 and the first eight of the second from
 * xmm0..7 in order, so the unused registers are never read. */
static void fast_invoke(void *arg)
{
    struct fast_call *f = arg;

    if (f->kind == FAST_INT) {
        f->ri = ((fast_int_fn)(void *)f->fn)(f->i[0], f->i[1], f->i[2],
                                              f->i[3], f->i[4], f->i[5],
                                              f->d[0], f->d[1], f->d[2],
                                              f->d[3], f->d[4], f->d[5],
                                              f->d[6], f->d[7]);
    } else {
        f->rd = ((fast_sse_fn)(void *)f->fn)(f->i[0], f->i[1], f->i[2],
                                             f->i[3], f->i[4], f->i[5],
                                             f->d[0], f->d[1], f->d[2],
                                             f->d[3], f->d[4], f->d[5],
                                             f->d[6], f->d[7]);
    }
}
#else
#define HAVE_FAST_PATH 0
#endif

struct ffi_invoke {
    ffi_cif *cif;
    void (*fn)(void);
    void *rvalue;
    void **avalues;
};

/* Decide whether f can take the fast path; sets f->fast and fast_map. */
static void classify_fast(FunctionObject *f)
{
    size_t i, nint = 0, nsse = 0;

    f->fast = FAST_NONE;
    if (!HAVE_FAST_PATH || f->sret || f->decl->variadic || f->nargs > 8) {
        return;
    }
    for (i = 0; i < f->nargs; i++) {
        switch (f->args[i].kind) {
        case CV_BOOL:
        case CV_INT:
        case CV_ENUM:
        case CV_PTR:
        case CV_THIS:
        case CV_FUNCPTR:
        case CV_STRPTR:
        case CV_CREF:
        case CV_STRING: /* passed as the address of a copy */
            f->fast_map[i] = FR_INT;
            nint++;
            break;
        case CV_DOUBLE:
            f->fast_map[i] = FR_SSE_D;
            nsse++;
            break;
        case CV_FLOAT:
            f->fast_map[i] = FR_SSE_F;
            nsse++;
            break;
        default:
            return;
        }
    }
    if (nint > 6 || nsse > 8) {
        return;
    }
    switch (f->ret.kind) {
    case CV_VOID:
    case CV_BOOL:
    case CV_INT:
    case CV_ENUM:
    case CV_PTR:
    case CV_THIS:
    case CV_FUNCPTR:
    case CV_STRPTR:
    case CV_CREF:
        f->fast = FAST_INT;
        break;
    case CV_DOUBLE:
        f->fast = FAST_DOUBLE;
        break;
    case CV_FLOAT:
        f->fast = FAST_FLOAT;
        break;
    default:
        break;
    }
}

/* The value of an INTEGER-class slot, extended to 64 bits as the ABI
 * expects of the caller. */
static uint64_t widen(const struct conv *c, const void *slot)
{
    uint64_t u = 0;

    if (c->kind == CV_BOOL) {
        return *(const uint8_t *)slot;
    }
    if (c->kind != CV_INT && c->kind != CV_ENUM) {
        memcpy(&u, slot, 8);
        return u;
    }
    if (c->is_signed) {
        switch (c->size) {
        case 1:
            return (uint64_t)(int64_t) * (const int8_t *)slot;
        case 2:
            return (uint64_t)(int64_t) * (const int16_t *)slot;
        case 4:
            return (uint64_t)(int64_t) * (const int32_t *)slot;
        }
    } else {
        switch (c->size) {
        case 1:
            return *(const uint8_t *)slot;
        case 2:
            return *(const uint16_t *)slot;
        case 4:
            return *(const uint32_t *)slot;
        }
    }
    memcpy(&u, slot, 8);
    return u;
}

/* Destroy a std::string result with the C++ runtime that built it. */
static void string_destroy(const FunctionObject *f, void *mem)
{
    const LibraryObject *lib = (const LibraryObject *)f->lib;

    if (lib != NULL && lib->string_dtor != NULL) {
        lib->string_dtor(mem);
    } else {
        ffi_cxx_string_destroy(mem);
    }
}

static void libffi_invoke(void *arg)
{
    struct ffi_invoke *v = arg;

    ffi_call(v->cif, v->fn, v->rvalue, v->avalues);
}

PyObject *ffi_raise_cxx(char *type, char *what)
{
    PyObject *msg, *exc;

    if (type == NULL) {
        free(what);
        return PyErr_NoMemory();
    }
    msg = what != NULL ? PyUnicode_FromFormat("%s: %s", type, what)
                       : PyUnicode_FromString(type);
    exc = msg != NULL ? PyObject_CallOneArg(ffi_CxxException, msg) : NULL;
    Py_XDECREF(msg);
    if (exc != NULL) {
        PyObject *t = PyUnicode_DecodeUTF8(type, (Py_ssize_t)strlen(type),
                                           "replace");
        PyObject *w = what != NULL
                      ? PyUnicode_DecodeUTF8(what, (Py_ssize_t)strlen(what),
                                             "replace")
                      : Py_NewRef(Py_None);

        if (t != NULL && w != NULL &&
            PyObject_SetAttrString(exc, "type", t) == 0 &&
            PyObject_SetAttrString(exc, "what", w) == 0) {
            PyErr_SetObject(ffi_CxxException, exc);
        }
        Py_XDECREF(t);
        Py_XDECREF(w);
        Py_DECREF(exc);
    }
    free(type);
    free(what);
    return NULL;
}

/* FunctionObject.sret: what the hidden first pointer receives. */
enum { SRET_STRING = 1, SRET_OBJECT = 2 };

/* Largest argument area kept on the C stack. */
#define AREA_STACK 512
#define MAX_STACK_ARGS 16

static PyObject *function_vectorcall(PyObject *self, PyObject *const *args,
                                     size_t nargsf, PyObject *kwnames)
{
    FunctionObject *f = (FunctionObject *)self;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    _Alignas(16) unsigned char stack[AREA_STACK];
    _Alignas(16) unsigned char rbuf[32];
    void *avalues_stack[MAX_STACK_ARGS];
    void **avalues = avalues_stack;
    unsigned char *area = stack, *rvalue = rbuf;
    struct callctx ctx;
    PyObject *result = NULL;
    char *etype = NULL, *ewhat = NULL;
    size_t i, first = f->sret ? 1 : 0;
    void *sret_ptr = NULL;
    PyObject *robj = NULL; /* the object a hidden result pointer fills */
    void (*fn)(void) = f->fn;
    int threw;

    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_Format(PyExc_TypeError, "%U takes no keyword arguments",
                     f->text);
        return NULL;
    }
    if ((size_t)n != f->nargs && ((size_t)n < f->nreq ||
                                  (size_t)n > f->nargs)) {
        size_t self_arg = f->is_method ? 1 : 0;

        PyErr_Format(PyExc_TypeError, "%s%U takes %zu argument%s (%zd "
                     "given)%s", f->is_method ? "method " : "", f->text,
                     f->nargs - self_arg, f->nargs - self_arg == 1 ? "" : "s",
                     n - (Py_ssize_t)self_arg,
                     f->is_method ? ", plus the object first" : "");
        return NULL;
    }
    ctx.v = ctx.small;
    ctx.n = 0;
    ctx.cap = sizeof(ctx.small) / sizeof(ctx.small[0]);
    if (f->area > AREA_STACK) {
        area = PyMem_Malloc(f->area);
        if (area == NULL) {
            return PyErr_NoMemory();
        }
    }
    if (f->nargs + first > MAX_STACK_ARGS) {
        avalues = PyMem_Malloc((f->nargs + first) * sizeof(*avalues));
        if (avalues == NULL) {
            PyErr_NoMemory();
            goto out;
        }
    }
    for (i = 0; i < f->nargs; i++) {
        const struct conv *c = &f->args[i];
        PyObject *o = i < (size_t)n ? args[i] : f->defaults[i];
        int argno = (int)i + (f->is_method ? 0 : 1);

        if (conv_to_c(c, o, area + c->slot, area + c->extra, &ctx,
                      argno) != 0) {
            goto out;
        }
        avalues[first + i] = area + c->slot;
    }
    if (f->vindex >= 0) {
        void *obj;

        memcpy(&obj, area + f->args[0].slot, sizeof(obj));
        if (obj == NULL) {
            PyErr_Format(PyExc_ValueError, "%U: 'this' is NULL", f->text);
            goto out;
        }
        fn = (*(void (***)(void))obj)[f->vindex];
    }
#if HAVE_FAST_PATH
    if (f->fast != FAST_NONE) {
        struct fast_call fc;
        size_t ni = 0, nd = 0;

        fc.fn = fn;
        fc.kind = f->fast == FAST_INT ? FAST_INT : FAST_DOUBLE;
        memset(fc.i, 0, sizeof(fc.i));
        memset(fc.d, 0, sizeof(fc.d));
        for (i = 0; i < f->nargs; i++) {
            const unsigned char *slot = area + f->args[i].slot;

            if (f->fast_map[i] == FR_INT) {
                fc.i[ni++] = widen(&f->args[i], slot);
            } else if (f->fast_map[i] == FR_SSE_D) {
                memcpy(&fc.d[nd++], slot, 8);
            } else {
                memcpy(&fc.d[nd++], slot, 4); /* low half of the register */
            }
        }
        threw = ffi_cxx_guard(fast_invoke, &fc, &etype, &ewhat);
        if (f->fast == FAST_INT) {
            memcpy(rvalue, &fc.ri, 8);
        } else {
            memcpy(rvalue, &fc.rd, 8);
        }
    } else
#endif
    {
        struct ffi_invoke inv;

        if (f->ret_size > sizeof(rbuf)) {
            rvalue = area + f->area - f->ret_size;
        }
        if (f->sret == SRET_OBJECT) {
            robj = ffi_object_alloc(f->ret.type);
            if (robj == NULL) {
                goto out;
            }
            sret_ptr = ((ObjectObject *)robj)->ptr;
            avalues[0] = &sret_ptr;
        } else if (f->sret) {
            sret_ptr = area + f->area - FFI_STDSTRING_SIZE;
            avalues[0] = &sret_ptr;
        }
        inv.cif = &f->cif;
        inv.fn = fn;
        inv.rvalue = rvalue;
        inv.avalues = avalues;
        threw = ffi_cxx_guard(libffi_invoke, &inv, &etype, &ewhat);
    }
    callctx_release(&ctx);
    if (threw) {
        if (robj != NULL) {
            ffi_object_abandon(robj); /* nothing was constructed */
        }
        ffi_raise_cxx(etype, ewhat);
        goto out;
    }
    if (robj != NULL) {
        ffi_object_constructed(robj);
        if (ffi_cb_failed) {
            Py_DECREF(robj); /* runs the destructor */
            ffi_cb_reraise();
            goto out;
        }
        result = robj;
        goto out;
    }
    if (ffi_cb_failed) {
        if (f->sret) {
            string_destroy(f, sret_ptr);
        }
        ffi_cb_reraise();
        goto out;
    }
    if (f->sret) {
        result = ffi_stdstring_adopt(sret_ptr);
        string_destroy(f, sret_ptr);
    } else {
        result = conv_from_c(&f->ret, rvalue, NULL);
    }
out:
    if (ctx.n > 0) {
        callctx_release(&ctx);
    }
    if (area != stack) {
        PyMem_Free(area);
    }
    if (avalues != avalues_stack) {
        PyMem_Free(avalues);
    }
    return result;
}

static PyObject *not_found(LibraryObject *lib, struct ct_decl *d,
                           const char *text)
{
    struct sym_table *t = ffi_lib_symbols(lib);
    const char *close[5];
    size_t n, i;
    PyObject *names, *msg, *exc;
    struct buf b = BUF_INIT;

    if (t == NULL) {
        return NULL;
    }
    n = sym_closest(t, d, close, 5);
    names = PyList_New(0);
    if (names == NULL) {
        return NULL;
    }
    if (decl_key(d, &b) != 0) {
        Py_DECREF(names);
        return PyErr_NoMemory();
    }
    msg = PyUnicode_FromFormat("no exported function in %s matches '%s' "
                               "(looked for %s)", lib->file, text, b.data);
    buf_free(&b);
    for (i = 0; i < n && msg != NULL; i++) {
        PyObject *s = PyUnicode_DecodeUTF8(close[i],
                                           (Py_ssize_t)strlen(close[i]),
                                           "replace");
        PyObject *m2;

        if (s == NULL || PyList_Append(names, s) != 0) {
            Py_XDECREF(s);
            Py_CLEAR(msg);
            break;
        }
        m2 = PyUnicode_FromFormat("%U%s\n    %U", msg,
                                  i == 0 ? "; closest exported:" : "", s);
        Py_DECREF(s);
        Py_SETREF(msg, m2);
    }
    if (msg == NULL) {
        Py_DECREF(names);
        return NULL;
    }
    exc = PyObject_CallOneArg(ffi_SymbolNotFound, msg);
    Py_DECREF(msg);
    if (exc != NULL) {
        PyObject *decl = PyUnicode_FromString(text);

        if (decl != NULL &&
            PyObject_SetAttrString(exc, "declaration", decl) == 0 &&
            PyObject_SetAttrString(exc, "candidates", names) == 0) {
            PyErr_SetObject(ffi_SymbolNotFound, exc);
        }
        Py_XDECREF(decl);
        Py_DECREF(exc);
    }
    Py_DECREF(names);
    return NULL;
}

/* Does d name a member function (so a `this` comes first)? */
static int is_member(LibraryObject *lib, struct ct_decl *d, const char *cls)
{
    const char *sep;
    char *prefix;
    int r;

    if (d->is_static) {
        return 0;
    }
    if (cls != NULL || d->is_const || d->is_dtor || d->is_virtual) {
        return 1;
    }
    sep = strstr(d->name, "::") != NULL ? d->base - 2 : NULL;
    if (sep == NULL) {
        return 0;
    }
    prefix = PyMem_Malloc((size_t)(sep - d->name) + 1);
    if (prefix == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(prefix, d->name, (size_t)(sep - d->name));
    prefix[sep - d->name] = '\0';
    r = PyDict_GetItemString(lib->types, prefix) != NULL;
    if (!r) {
        struct sym_table *t = ffi_lib_symbols(lib);

        if (t == NULL) {
            PyMem_Free(prefix);
            return -1;
        }
        r = sym_is_class(t, prefix);
    }
    PyMem_Free(prefix);
    return r;
}

/* Rename d to cls::name, in d's arena. */
static int qualify(struct ct_decl *d, const char *cls)
{
    size_t n = strlen(cls), m = strlen(d->name);
    char *name = ct_alloc(&d->arena, n + m + 3);

    if (name == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(name, cls, n);
    memcpy(name + n, "::", 2);
    memcpy(name + n + 2, d->name, m + 1);
    d->base = name + n + 2 + (d->base - d->name);
    d->name = name;
    return 0;
}

/* For a virtual method: its slot in the vtable of its class, found by
 * looking for its address among the class's vtable entries, so calls
 * dispatch on the object's dynamic type. -1 when not found (then the
 * symbol is called directly). */
static Py_ssize_t vtable_slot(LibraryObject *lib, struct ct_decl *d,
                              void *addr)
{
    struct sym_table *t = ffi_lib_symbols(lib);
    const struct sym_entry *vt;
    struct buf name = BUF_INIT;
    void **table;
    size_t i, n;

    if (t == NULL || d->base == d->name) {
        PyErr_Clear();
        return -1;
    }
    if (buf_puts(&name, "vtable for ") != 0 ||
        buf_append(&name, d->name, (size_t)(d->base - 2 - d->name)) != 0) {
        buf_free(&name);
        return -1;
    }
    vt = sym_find_data(t, name.data);
    buf_free(&name);
    if (vt == NULL || vt->size < 3 * sizeof(void *)) {
        return -1;
    }
    table = dlsym(lib->handle, vt->mangled);
    if (table == NULL) {
        return -1;
    }
    /* offset-to-top, typeinfo, then the virtual functions. */
    n = vt->size / sizeof(void *);
    for (i = 2; i < n; i++) {
        if (table[i] == addr) {
            return (Py_ssize_t)(i - 2);
        }
    }
    return -1;
}

static size_t align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* A library in a namespace of its own has its own libstdc++ and malloc:
 * it must never free or reallocate a string buffer crossrun allocated,
 * and crossrun must not free one it allocated. A const std::string& is
 * only read, a std::string result is destroyed with the library's own
 * destructor; the rest is refused. Returns 0, or -1 with
 * DeclarationError set. */
static int isolated_strings(const LibraryObject *lib,
                            const struct ct_decl *d, const char *text)
{
    size_t i;

    for (i = 0; i < d->nparams; i++) {
        const struct ct_type *p = d->params[i].type;
        int by_value = p->kind == CT_STRING;
        int mutable_ref = (p->kind == CT_PTR || p->kind == CT_REF ||
                           p->kind == CT_RREF) &&
                          p->sub->kind == CT_STRING &&
                          (!p->sub->is_const || p->kind == CT_RREF);

        if (by_value || mutable_ref) {
            ffi_raise_decl_msg(text, "parameter %zu: %s cannot be passed to "
                               "%s, loaded with isolated=True: the library "
                               "has its own C++ runtime and allocator, which "
                               "must not free or reallocate crossrun's "
                               "string memory; declare it const "
                               "std::string& (read only) or pass const "
                               "char*", i + 1,
                               by_value ? "std::string by value"
                                        : "a std::string it may modify",
                               lib->file);
            return -1;
        }
    }
    if (d->ret != NULL && d->ret->kind == CT_STRING &&
        lib->string_dtor == NULL) {
        ffi_raise_decl_msg(text, "%s, loaded with isolated=True, has no "
                           "std::string destructor of its own to free the "
                           "std::string it returns", lib->file);
        return -1;
    }
    return 0;
}

PyObject *ffi_function_new(LibraryObject *lib, PyObject *textobj,
                           const char *cls)
{
    return ffi_method_new(lib, textobj, cls, -1);
}

PyObject *ffi_method_new(LibraryObject *lib, PyObject *textobj,
                         const char *cls, Py_ssize_t slot)
{
    FunctionObject *f;
    struct decl_error err;
    const char *text = PyUnicode_AsUTF8(textobj);
    const struct sym_entry *e;
    struct sym_table *syms;
    size_t i, first, off;
    int oom, member;
    ffi_type *rtype;
    void *addr;

    if (text == NULL) {
        return NULL;
    }
    f = PyObject_GC_New(FunctionObject, &ffi_FunctionType);
    if (f == NULL) {
        return NULL;
    }
    memset((char *)f + sizeof(PyObject), 0,
           sizeof(*f) - sizeof(PyObject));
    f->vectorcall = function_vectorcall;
    f->text = Py_NewRef(textobj);
    f->lib = Py_NewRef((PyObject *)lib);
    PyObject_GC_Track(f);
    f->decl = decl_parse(text, DECL_NO_RETURN, &err);
    if (f->decl == NULL) {
        ffi_raise_decl_error(text, &err);
        goto error;
    }
    if (f->decl->variadic) {
        ffi_raise_decl_msg(text, "variadic functions ('...') are not "
                           "supported");
        goto error;
    }
    if (cls != NULL && qualify(f->decl, cls) != 0) {
        goto error;
    }
    if (ffi_resolve_decl((PyObject *)lib, f->decl, text) != 0) {
        goto error;
    }
    member = is_member(lib, f->decl, cls);
    if (member < 0) {
        goto error;
    }
    f->is_method = member;
    f->is_static = f->decl->is_static;
    /* Converters, this first. */
    f->nargs = f->decl->nparams + (size_t)f->is_method;
    f->args = PyMem_Calloc(f->nargs ? f->nargs : 1, sizeof(*f->args));
    f->defaults = PyMem_Calloc(f->nargs ? f->nargs : 1,
                               sizeof(*f->defaults));
    first = f->is_method ? 1 : 0;
    if (f->args == NULL || f->defaults == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (f->is_method) {
        f->args[0].kind = CV_THIS;
        f->args[0].ft = &ffi_type_pointer;
        f->args[0].lib = (PyObject *)lib;
    }
    for (i = 0; i < f->decl->nparams; i++) {
        if (conv_build(&f->args[first + i], f->decl->params[i].type,
                       (PyObject *)lib, CONV_ARG, text,
                       &f->decl->arena) != 0) {
            goto error;
        }
    }
    if (f->decl->ret != NULL) {
        if (conv_build(&f->ret, f->decl->ret, (PyObject *)lib, CONV_RET,
                       text, &f->decl->arena) != 0) {
            goto error;
        }
    } else {
        f->ret.kind = CV_VOID;
        f->ret.ft = &ffi_type_void;
    }
    if (lib->isolated && isolated_strings(lib, f->decl, text) != 0) {
        goto error;
    }
    /* Defaults: trailing parameters with a default value are optional. */
    f->nreq = f->nargs;
    for (i = f->decl->nparams; i > 0; i--) {
        const char *dv = f->decl->params[i - 1].defval;

        if (dv == NULL) {
            break;
        }
        f->defaults[first + i - 1] = ffi_default_value(
            &f->args[first + i - 1], dv, text);
        if (f->defaults[first + i - 1] == NULL) {
            goto error;
        }
        f->nreq = first + i - 1;
    }

    syms = ffi_lib_symbols(lib);
    if (syms == NULL) {
        goto error;
    }
    e = sym_find(syms, f->decl, &oom);
    if (e == NULL && !oom) {
        e = ffi_find_versioned(syms, f->decl, text);
        if (e == NULL && PyErr_Occurred()) {
            goto error;
        }
    }
    if (e == NULL && !oom && slot >= 0 && f->is_method) {
        /* A virtual method known by its declared slot: called through
         * the object's vtable, no symbol needed. */
        f->vindex = slot;
        f->symbol = PyMem_Malloc(1);
        if (f->symbol == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        f->symbol[0] = '\0';
        goto layout;
    }
    if (e == NULL) {
        if (oom) {
            PyErr_NoMemory();
        } else {
            not_found(lib, f->decl, text);
        }
        goto error;
    }
    dlerror();
    addr = dlsym(lib->handle, e->mangled);
    if (addr == NULL) {
        const char *why = dlerror();

        PyErr_Format(ffi_SymbolNotFound, "%s is in the symbol table of %s "
                     "but the loader does not resolve it: %s", e->demangled,
                     lib->file, why ? why : "NULL address");
        goto error;
    }
    f->fn = (void (*)(void))addr;
    if (slot >= 0 && f->is_method && !f->decl->is_dtor) {
        /* Where the library's own vtable can tell, the declared order
         * must agree with it. */
        Py_ssize_t real = vtable_slot(lib, f->decl, addr);

        if (real >= 0 && real != slot) {
            ffi_raise_decl_msg(text, "the declared order puts this virtual "
                               "method in vtable slot %zd, but the "
                               "library's vtable has it in slot %zd: list "
                               "the class's virtual methods, and its bases' "
                               "through base=, in the header's order with "
                               "none left out", slot, real);
            goto error;
        }
    }
    f->vindex = slot >= 0 && f->is_method ? slot
                : f->decl->is_virtual && f->is_method && !f->decl->is_dtor
                ? vtable_slot(lib, f->decl, addr) : -1;
    f->symbol = PyMem_Malloc(strlen(e->mangled) + 1);
    if (f->symbol == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    strcpy(f->symbol, e->mangled);
layout:

    /* The per-call area: slots, then extras, then room for a large or
     * std::string result at the very end. */
    f->sret = f->ret.kind == CV_STRING ? SRET_STRING
              : f->ret.kind == CV_OBJREF ? SRET_OBJECT : 0;
    off = 0;
    for (i = 0; i < f->nargs; i++) {
        struct conv *c = &f->args[i];
        size_t size = c->kind == CV_STRUCT ? ffi_layout_of(c->type)->size
                      : c->kind == CV_OBJVAL ? ffi_byvalue_size(c)
                      : c->kind == CV_LDOUBLE ? 16 : 8;

        c->slot = off;
        off += align16(size);
    }
    for (i = 0; i < f->nargs; i++) {
        struct conv *c = &f->args[i];

        c->extra = off;
        off += align16(c->extra_size);
    }
    rtype = f->sret ? &ffi_type_pointer : f->ret.ft;
    f->ret_size = f->ret.kind == CV_STRUCT
                  ? ffi_layout_of(f->ret.type)->size
                  : f->ret.kind == CV_OBJVAL ? ffi_byvalue_size(&f->ret) : 16;
    f->ret_size = align16(f->ret_size);
    if (f->sret) {
        off += FFI_STDSTRING_SIZE;
    } else if (f->ret_size > 32) {
        off += f->ret_size;
    }
    f->area = off;
    f->atypes = PyMem_Calloc(f->nargs + 2, sizeof(*f->atypes));
    if (f->atypes == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (f->sret) {
        f->atypes[0] = &ffi_type_pointer;
    }
    for (i = 0; i < f->nargs; i++) {
        f->atypes[i + (f->sret ? 1 : 0)] = f->args[i].ft;
    }
    if (ffi_prep_cif(&f->cif, FFI_DEFAULT_ABI,
                     (unsigned)(f->nargs + (f->sret ? 1 : 0)), rtype,
                     f->atypes) != FFI_OK) {
        ffi_raise_decl_msg(text, "libffi cannot describe this signature");
        goto error;
    }
    classify_fast(f);
    return (PyObject *)f;
error:
    Py_DECREF(f);
    return NULL;
}

static int function_traverse(FunctionObject *f, visitproc visit, void *arg)
{
    size_t i;

    Py_VISIT(f->lib);
    for (i = 0; f->args != NULL && i < f->nargs; i++) {
        Py_VISIT(f->args[i].type);
    }
    Py_VISIT(f->ret.type);
    return 0;
}

static int function_clear(FunctionObject *f)
{
    size_t i;

    for (i = 0; f->args != NULL && i < f->nargs; i++) {
        conv_clear(&f->args[i]);
    }
    conv_clear(&f->ret);
    Py_CLEAR(f->lib);
    return 0;
}

static void function_dealloc(FunctionObject *f)
{
    size_t i;

    PyObject_GC_UnTrack(f);
    if (f->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)f);
    }
    function_clear(f);
    for (i = 0; f->defaults != NULL && i < f->nargs; i++) {
        Py_XDECREF(f->defaults[i]);
    }
    PyMem_Free(f->defaults);
    PyMem_Free(f->args);
    PyMem_Free(f->atypes);
    PyMem_Free(f->symbol);
    decl_free(f->decl);
    Py_XDECREF(f->text);
    PyObject_GC_Del(f);
}

static PyObject *function_repr(FunctionObject *f)
{
    if (f->fn == NULL && f->vindex >= 0) {
        return PyUnicode_FromFormat("<crossrun.Function '%U' = vtable slot "
                                    "%zd>", f->text, f->vindex);
    }
    return PyUnicode_FromFormat("<crossrun.Function '%U' = %s>", f->text,
                                f->symbol ? f->symbol : "?");
}

static PyObject *function_get_symbol(FunctionObject *f, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(f->symbol);
}

static PyObject *function_get_address(FunctionObject *f, void *closure)
{
    (void)closure;
    return ffi_pointer_new((void *)f->fn, NULL);
}

static PyObject *function_get_declaration(FunctionObject *f, void *closure)
{
    (void)closure;
    return Py_NewRef(f->text);
}

static PyObject *function_get_signature(FunctionObject *f, void *closure)
{
    struct buf b = BUF_INIT;
    PyObject *r;

    (void)closure;
    if (decl_print(f->decl, &b) != 0) {
        buf_free(&b);
        return PyErr_NoMemory();
    }
    r = PyUnicode_FromString(b.data);
    buf_free(&b);
    return r;
}

static PyObject *function_get_is_method(FunctionObject *f, void *closure)
{
    (void)closure;
    return PyBool_FromLong(f->is_method);
}

static PyObject *function_get_fast(FunctionObject *f, void *closure)
{
    (void)closure;
    return PyBool_FromLong(f->fast != FAST_NONE);
}

static PyGetSetDef function_getset[] = {
    {"symbol", (getter)function_get_symbol, NULL,
     "The exported symbol called (mangled for C++).", NULL},
    {"address", (getter)function_get_address, NULL,
     "The function's address, a Pointer.", NULL},
    {"declaration", (getter)function_get_declaration, NULL,
     "The declaration as written.", NULL},
    {"signature", (getter)function_get_signature, NULL,
     "The declaration as crossrun understood it (canonical types).", NULL},
    {"is_method", (getter)function_get_is_method, NULL,
     "True when the object ('this') is the first argument.", NULL},
    {"direct", (getter)function_get_fast, NULL,
     "True when calls bypass libffi (all arguments in registers).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ffi_FunctionType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Function",
    .tp_doc = "A C or C++ function of a loaded library (lib.fn(decl)); "
              "call it with Python values.",
    .tp_basicsize = sizeof(FunctionObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(FunctionObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_dealloc = (destructor)function_dealloc,
    .tp_traverse = (traverseproc)function_traverse,
    .tp_clear = (inquiry)function_clear,
    .tp_repr = (reprfunc)function_repr,
    .tp_getset = function_getset,
    .tp_weaklistoffset = offsetof(FunctionObject, weakrefs),
};

int ffi_call_ready(void)
{
    return PyType_Ready(&ffi_FunctionType);
}
