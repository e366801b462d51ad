/* 02_values: the value types a test handles directly: crossrun.Pointer
 * (an address), crossrun.buffer (zeroed memory owned by Python) and
 * crossrun.StdString (a libstdc++ std::string owned by Python). */
#include "ffi/02_values.h"

#include <string.h>

#include "cxx/cxxrt.h"

/* ---- reading and writing typed memory (Pointer.read, Buffer.read) ---- */

struct values_access ffi_values_access;

static PyObject *read_at(void *addr, PyObject *type, Py_ssize_t i,
                         PyObject *keep)
{
    if (ffi_values_access.read == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: read() before the "
                        "converters are ready");
        return NULL;
    }
    return ffi_values_access.read(addr, type, i, keep);
}

static int write_at(void *addr, PyObject *type, Py_ssize_t i,
                    PyObject *value)
{
    if (ffi_values_access.write == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: write() before the "
                        "converters are ready");
        return -1;
    }
    return ffi_values_access.write(addr, type, i, value);
}


/* The method read(type, i=0) of an object whose memory starts at addr
 * (keep: what owns that memory). */
static PyObject *read_method(void *addr, PyObject *keep, PyObject *args,
                             PyObject *kw)
{
    static char *kwlist[] = {"type", "i", NULL};
    PyObject *type;
    Py_ssize_t i = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|n:read", kwlist, &type,
                                     &i)) {
        return NULL;
    }
    return read_at(addr, type, i, keep);
}

/* The method write(type, value, i=0) of an object whose memory starts at
 * addr. */
static PyObject *write_method(void *addr, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"type", "value", "i", NULL};
    PyObject *type, *value;
    Py_ssize_t i = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|n:write", kwlist, &type,
                                     &value, &i)) {
        return NULL;
    }
    if (write_at(addr, type, i, value) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- crossrun.Pointer ---- */

PyObject *ffi_pointer_new(void *addr, PyObject *keep)
{
    PointerObject *p = PyObject_New(PointerObject, &ffi_PointerType);

    if (p == NULL) {
        return NULL;
    }
    p->addr = addr;
    p->keep = keep;
    Py_XINCREF(keep);
    return (PyObject *)p;
}

static PyObject *pointer_new(PyTypeObject *type, PyObject *args,
                             PyObject *kw)
{
    static char *kwlist[] = {"address", NULL};
    PyObject *addr;
    void *v;

    (void)type;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O:Pointer", kwlist, &addr)) {
        return NULL;
    }
    if (PyObject_TypeCheck(addr, &ffi_PointerType)) {
        return ffi_pointer_new(((PointerObject *)addr)->addr,
                               ((PointerObject *)addr)->keep);
    }
    v = PyLong_AsVoidPtr(addr);
    if (v == NULL && PyErr_Occurred()) {
        return NULL;
    }
    return ffi_pointer_new(v, NULL);
}

static void pointer_dealloc(PointerObject *p)
{
    Py_XDECREF(p->keep);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyObject *pointer_repr(PointerObject *p)
{
    return PyUnicode_FromFormat("<crossrun.Pointer %p>", p->addr);
}

static PyObject *pointer_int(PointerObject *p)
{
    return PyLong_FromVoidPtr(p->addr);
}

static Py_hash_t pointer_hash(PointerObject *p)
{
    Py_hash_t h = (Py_hash_t)((uintptr_t)p->addr >> 4);

    return h == -1 ? -2 : h;
}

static PyObject *pointer_richcompare(PyObject *a, PyObject *b, int op)
{
    uintptr_t x, y;

    if (!PyObject_TypeCheck(a, &ffi_PointerType) ||
        !PyObject_TypeCheck(b, &ffi_PointerType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    x = (uintptr_t)((PointerObject *)a)->addr;
    y = (uintptr_t)((PointerObject *)b)->addr;
    Py_RETURN_RICHCOMPARE(x, y, op);
}

static PyObject *pointer_add(PyObject *a, PyObject *b)
{
    Py_ssize_t off;
    PointerObject *p;

    if (!PyObject_TypeCheck(a, &ffi_PointerType) || !PyLong_Check(b)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    off = PyLong_AsSsize_t(b);
    if (off == -1 && PyErr_Occurred()) {
        return NULL;
    }
    p = (PointerObject *)a;
    return ffi_pointer_new((char *)p->addr + off, p->keep);
}

static PyObject *pointer_sub(PyObject *a, PyObject *b)
{
    Py_ssize_t off;
    PointerObject *p;

    if (!PyObject_TypeCheck(a, &ffi_PointerType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    p = (PointerObject *)a;
    if (PyObject_TypeCheck(b, &ffi_PointerType)) {
        return PyLong_FromSsize_t((char *)p->addr -
                                  (char *)((PointerObject *)b)->addr);
    }
    if (!PyLong_Check(b)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    off = PyLong_AsSsize_t(b);
    if (off == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return ffi_pointer_new((char *)p->addr - off, p->keep);
}

static PyObject *pointer_string(PointerObject *p, PyObject *noargs)
{
    (void)noargs;
    return PyUnicode_DecodeUTF8(p->addr, (Py_ssize_t)strlen(p->addr),
                                "replace");
}

static PyObject *pointer_bytes(PointerObject *p, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);

    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "Pointer.bytes(%zd): the number of "
                     "bytes to read must be >= 0", n);
        return NULL;
    }
    return PyBytes_FromStringAndSize(p->addr, n);
}

static PyObject *pointer_read(PointerObject *p, PyObject *args,
                              PyObject *kw)
{
    return read_method(p->addr, p->keep, args, kw);
}

static PyObject *pointer_write(PointerObject *p, PyObject *args,
                               PyObject *kw)
{
    return write_method(p->addr, args, kw);
}

static PyMethodDef pointer_methods[] = {
    {"string", (PyCFunction)pointer_string, METH_NOARGS,
     "string() -> str: the NUL-terminated text here, UTF-8, errors "
     "replaced."},
    {"bytes", (PyCFunction)pointer_bytes, METH_O,
     "bytes(n) -> bytes: the n bytes here."},
    {"read", (PyCFunction)(void (*)(void))pointer_read,
     METH_VARARGS | METH_KEYWORDS,
     "read(type, i=0): element i of the C type (\"int\", \"double\", a "
     "lib.struct class) stored here."},
    {"write", (PyCFunction)(void (*)(void))pointer_write,
     METH_VARARGS | METH_KEYWORDS,
     "write(type, value, i=0): store value as element i of type."},
    {NULL, NULL, 0, NULL},
};

static PyNumberMethods pointer_as_number = {
    .nb_add = pointer_add,
    .nb_subtract = pointer_sub,
    .nb_int = (unaryfunc)pointer_int,
};

PyTypeObject ffi_PointerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Pointer",
    .tp_doc = "Pointer(address): a C address. int(p) is the address; "
              "p.string(), p.bytes(n), p.read(type, i) read memory there.",
    .tp_basicsize = sizeof(PointerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = pointer_new,
    .tp_dealloc = (destructor)pointer_dealloc,
    .tp_repr = (reprfunc)pointer_repr,
    .tp_hash = (hashfunc)pointer_hash,
    .tp_richcompare = pointer_richcompare,
    .tp_as_number = &pointer_as_number,
    .tp_methods = pointer_methods,
};

/* ---- crossrun.buffer ---- */

static PyObject *buffer_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"size", NULL};
    PyObject *arg;
    BufferObject *b;
    Py_buffer view;
    Py_ssize_t n;
    int copy = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O:buffer", kwlist, &arg)) {
        return NULL;
    }
    if (PyLong_Check(arg)) {
        n = PyLong_AsSsize_t(arg);
        if (n == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (n < 0) {
            PyErr_Format(PyExc_ValueError, "buffer(%zd): the size must be "
                         ">= 0 (buffer(16) makes 16 zero bytes)", n);
            return NULL;
        }
    } else if (PyObject_CheckBuffer(arg)) {
        if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0) {
            return NULL;
        }
        n = view.len;
        copy = 1;
    } else {
        PyErr_Format(PyExc_TypeError, "buffer() takes a size (int) or the "
                     "bytes to copy, not %.100s: write buffer(16) or "
                     "buffer(b'...')", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    b = (BufferObject *)type->tp_alloc(type, 0);
    if (b != NULL) {
        /* At least 16 bytes so that every buffer is a valid address. */
        b->data = PyMem_Calloc((size_t)(n > 16 ? n : 16), 1);
        b->len = n;
        if (b->data == NULL) {
            Py_DECREF(b);
            b = NULL;
            PyErr_NoMemory();
        } else if (copy) {
            memcpy(b->data, view.buf, (size_t)n);
        }
    }
    if (copy) {
        PyBuffer_Release(&view);
    }
    return (PyObject *)b;
}

static void buffer_dealloc(BufferObject *b)
{
    PyMem_Free(b->data);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static Py_ssize_t buffer_len(BufferObject *b)
{
    return b->len;
}

static PyObject *buffer_repr(BufferObject *b)
{
    return PyUnicode_FromFormat("<crossrun.buffer of %zd bytes at %p>",
                                b->len, b->data);
}

/* IndexError: "buffer index 9 out of range: the buffer has 4 bytes". */
static void out_of_range(const BufferObject *b, PyObject *key)
{
    PyErr_Format(PyExc_IndexError, "buffer index %S out of range: the "
                 "buffer has %zd bytes", key, b->len);
}

static PyObject *buffer_subscript(BufferObject *b, PyObject *key)
{
    if (PyIndex_Check(key)) {
        Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);

        if (i == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (i < 0) {
            i += b->len;
        }
        if (i < 0 || i >= b->len) {
            out_of_range(b, key);
            return NULL;
        }
        return PyLong_FromLong((unsigned char)b->data[i]);
    }
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step, n, i;
        PyObject *r;
        char *out;

        if (PySlice_Unpack(key, &start, &stop, &step) != 0) {
            return NULL;
        }
        n = PySlice_AdjustIndices(b->len, &start, &stop, step);
        if (step == 1) {
            return PyBytes_FromStringAndSize(b->data + start, n);
        }
        r = PyBytes_FromStringAndSize(NULL, n);
        if (r == NULL) {
            return NULL;
        }
        out = PyBytes_AS_STRING(r);
        for (i = 0; i < n; i++) {
            out[i] = b->data[start + i * step];
        }
        return r;
    }
    PyErr_Format(PyExc_TypeError, "buffer indices must be integers or "
                 "slices, not %.100s", Py_TYPE(key)->tp_name);
    return NULL;
}

static int buffer_ass_subscript(BufferObject *b, PyObject *key,
                                PyObject *value)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "a buffer's size is fixed: items "
                        "cannot be deleted");
        return -1;
    }
    if (PyIndex_Check(key)) {
        Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
        long v;

        if (i == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (i < 0) {
            i += b->len;
        }
        if (i < 0 || i >= b->len) {
            out_of_range(b, key);
            return -1;
        }
        v = PyLong_AsLong(value);
        if (v == -1 && PyErr_Occurred()) {
            return -1;
        }
        if (v < 0 || v > 255) {
            PyErr_Format(PyExc_ValueError, "buffer[%zd] = %ld: a byte must "
                         "be in range(0, 256)", i, v);
            return -1;
        }
        b->data[i] = (char)v;
        return 0;
    }
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step, n, i;
        Py_buffer view;

        if (PySlice_Unpack(key, &start, &stop, &step) != 0) {
            return -1;
        }
        n = PySlice_AdjustIndices(b->len, &start, &stop, step);
        if (PyObject_GetBuffer(value, &view, PyBUF_SIMPLE) != 0) {
            return -1;
        }
        if (view.len != n) {
            PyErr_Format(PyExc_ValueError, "a buffer's size is fixed: "
                         "cannot assign %zd bytes to a slice of %zd",
                         view.len, n);
            PyBuffer_Release(&view);
            return -1;
        }
        for (i = 0; i < n; i++) {
            b->data[start + i * step] = ((char *)view.buf)[i];
        }
        PyBuffer_Release(&view);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "buffer indices must be integers or "
                 "slices, not %.100s", Py_TYPE(key)->tp_name);
    return -1;
}

static int buffer_getbuffer(BufferObject *b, Py_buffer *view, int flags)
{
    if (PyBuffer_FillInfo(view, (PyObject *)b, b->data, b->len, 0,
                          flags) != 0) {
        return -1;
    }
    b->exports++;
    return 0;
}

static void buffer_releasebuffer(BufferObject *b, Py_buffer *view)
{
    (void)view;
    b->exports--;
}

static PyObject *buffer_read(BufferObject *b, PyObject *args, PyObject *kw)
{
    return read_method(b->data, (PyObject *)b, args, kw);
}

static PyObject *buffer_write(BufferObject *b, PyObject *args, PyObject *kw)
{
    return write_method(b->data, args, kw);
}

static PyObject *buffer_pointer(BufferObject *b, void *closure)
{
    (void)closure;
    return ffi_pointer_new(b->data, (PyObject *)b);
}

static PyMethodDef buffer_methods[] = {
    {"read", (PyCFunction)(void (*)(void))buffer_read,
     METH_VARARGS | METH_KEYWORDS,
     "read(type, i=0): element i of the C type stored in the buffer."},
    {"write", (PyCFunction)(void (*)(void))buffer_write,
     METH_VARARGS | METH_KEYWORDS,
     "write(type, value, i=0): store value as element i of type."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef buffer_getset[] = {
    {"pointer", (getter)buffer_pointer, NULL,
     "A Pointer to the buffer's memory (keeps the buffer alive).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods buffer_as_sequence = {
    .sq_length = (lenfunc)buffer_len,
};

static PyMappingMethods buffer_as_mapping = {
    .mp_length = (lenfunc)buffer_len,
    .mp_subscript = (binaryfunc)buffer_subscript,
    .mp_ass_subscript = (objobjargproc)buffer_ass_subscript,
};

static PyBufferProcs buffer_as_buffer = {
    .bf_getbuffer = (getbufferproc)buffer_getbuffer,
    .bf_releasebuffer = (releasebufferproc)buffer_releasebuffer,
};

PyTypeObject ffi_BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.buffer",
    .tp_doc = "buffer(size or bytes): zeroed memory owned by Python that "
              "passes as any T*; len(), bytes(), slicing like bytearray.",
    .tp_basicsize = sizeof(BufferObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = buffer_new,
    .tp_dealloc = (destructor)buffer_dealloc,
    .tp_repr = (reprfunc)buffer_repr,
    .tp_as_sequence = &buffer_as_sequence,
    .tp_as_mapping = &buffer_as_mapping,
    .tp_as_buffer = &buffer_as_buffer,
    .tp_methods = buffer_methods,
    .tp_getset = buffer_getset,
};

/* ---- crossrun.StdString ---- */

/* The bytes of a str (UTF-8) or bytes-like object, for std::string. */
static int text_of(PyObject *o, const char **p, Py_ssize_t *n,
                   Py_buffer *view, int *release)
{
    *release = 0;
    if (PyUnicode_Check(o)) {
        *p = PyUnicode_AsUTF8AndSize(o, n);
        return *p != NULL ? 0 : -1;
    }
    if (PyBytes_Check(o)) {
        *p = PyBytes_AS_STRING(o);
        *n = PyBytes_GET_SIZE(o);
        return 0;
    }
    if (PyObject_TypeCheck(o, &ffi_StdStringType)) {
        size_t len;

        *p = ffi_cxx_string_data(((StdStringObject *)o)->mem, &len);
        *n = (Py_ssize_t)len;
        return 0;
    }
    if (PyObject_CheckBuffer(o)) {
        if (PyObject_GetBuffer(o, view, PyBUF_SIMPLE) != 0) {
            return -1;
        }
        *release = 1;
        *p = view->buf;
        *n = view->len;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "a std::string is made of bytes, str, "
                 "a StdString or a buffer, not %.100s", Py_TYPE(o)->tp_name);
    return -1;
}

static PyObject *stdstring_new(PyTypeObject *type, PyObject *args,
                               PyObject *kw)
{
    static char *kwlist[] = {"value", NULL};
    PyObject *value = NULL;
    StdStringObject *s;
    const char *p = "";
    Py_ssize_t n = 0;
    Py_buffer view;
    int release = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:StdString", kwlist,
                                     &value)) {
        return NULL;
    }
    if (value != NULL && text_of(value, &p, &n, &view, &release) != 0) {
        return NULL;
    }
    s = (StdStringObject *)type->tp_alloc(type, 0);
    if (s != NULL && ffi_cxx_string_init(s->mem, p, (size_t)n) != 0) {
        /* No string was built: free without running the destructor. */
        type->tp_free((PyObject *)s);
        s = NULL;
        PyErr_NoMemory();
    }
    if (release) {
        PyBuffer_Release(&view);
    }
    return (PyObject *)s;
}

PyObject *ffi_stdstring_adopt(const void *mem)
{
    StdStringObject *s;
    const char *p;
    size_t n;

    s = (StdStringObject *)ffi_StdStringType.tp_alloc(&ffi_StdStringType,
                                                       0);
    if (s == NULL) {
        return NULL;
    }
    p = ffi_cxx_string_data(mem, &n);
    if (ffi_cxx_string_init(s->mem, p, n) != 0) {
        ffi_StdStringType.tp_free((PyObject *)s);
        return PyErr_NoMemory();
    }
    return (PyObject *)s;
}

static void stdstring_dealloc(StdStringObject *s)
{
    ffi_cxx_string_destroy(s->mem);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyObject *stdstring_bytes(StdStringObject *s, PyObject *noargs)
{
    size_t n;
    const char *p = ffi_cxx_string_data(s->mem, &n);

    (void)noargs;
    return PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
}

static PyObject *stdstring_str(StdStringObject *s)
{
    size_t n;
    const char *p = ffi_cxx_string_data(s->mem, &n);

    return PyUnicode_DecodeUTF8(p, (Py_ssize_t)n, "replace");
}

static PyObject *stdstring_repr(StdStringObject *s)
{
    PyObject *b = stdstring_bytes(s, NULL), *r;

    if (b == NULL) {
        return NULL;
    }
    r = PyUnicode_FromFormat("StdString(%R)", b);
    Py_DECREF(b);
    return r;
}

static Py_ssize_t stdstring_len(StdStringObject *s)
{
    size_t n;

    ffi_cxx_string_data(s->mem, &n);
    return (Py_ssize_t)n;
}

static PyObject *stdstring_richcompare(PyObject *a, PyObject *b, int op)
{
    const char *p, *q;
    Py_ssize_t n, m;
    Py_buffer view;
    int release, eq;
    size_t len;

    if ((op != Py_EQ && op != Py_NE) ||
        !PyObject_TypeCheck(a, &ffi_StdStringType) ||
        !(PyUnicode_Check(b) || PyBytes_Check(b) ||
          PyObject_TypeCheck(b, &ffi_StdStringType))) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    p = ffi_cxx_string_data(((StdStringObject *)a)->mem, &len);
    n = (Py_ssize_t)len;
    if (text_of(b, &q, &m, &view, &release) != 0) {
        return NULL;
    }
    eq = n == m && memcmp(p, q, (size_t)n) == 0;
    if (release) {
        PyBuffer_Release(&view);
    }
    if (op == Py_NE) {
        eq = !eq;
    }
    return PyBool_FromLong(eq);
}

static PyObject *stdstring_assign(StdStringObject *s, PyObject *value)
{
    const char *p;
    Py_ssize_t n;
    Py_buffer view;
    int release;

    if (text_of(value, &p, &n, &view, &release) != 0) {
        return NULL;
    }
    if (ffi_cxx_string_assign(s->mem, p, (size_t)n) != 0) {
        if (release) {
            PyBuffer_Release(&view);
        }
        return PyErr_NoMemory();
    }
    if (release) {
        PyBuffer_Release(&view);
    }
    Py_RETURN_NONE;
}

static PyObject *stdstring_address(StdStringObject *s, void *closure)
{
    (void)closure;
    return ffi_pointer_new(s->mem, (PyObject *)s);
}

static PyMethodDef stdstring_methods[] = {
    {"__bytes__", (PyCFunction)stdstring_bytes, METH_NOARGS,
     "The string's current content."},
    {"assign", (PyCFunction)stdstring_assign, METH_O,
     "assign(bytes or str): replace the content."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef stdstring_getset[] = {
    {"pointer", (getter)stdstring_address, NULL,
     "A Pointer to the std::string object itself.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods stdstring_as_sequence = {
    .sq_length = (lenfunc)stdstring_len,
};

PyTypeObject ffi_StdStringType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.StdString",
    .tp_doc = "StdString(b\"\"): a libstdc++ std::string owned by Python; "
              "passes as std::string, const std::string& and std::string*. "
              "bytes(s) reads its current content.",
    .tp_basicsize = sizeof(StdStringObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = stdstring_new,
    .tp_dealloc = (destructor)stdstring_dealloc,
    .tp_repr = (reprfunc)stdstring_repr,
    .tp_str = (reprfunc)stdstring_str,
    .tp_richcompare = stdstring_richcompare,
    .tp_as_sequence = &stdstring_as_sequence,
    .tp_methods = stdstring_methods,
    .tp_getset = stdstring_getset,
};

int ffi_values_ready(void)
{
    if (PyType_Ready(&ffi_PointerType) != 0 ||
        PyType_Ready(&ffi_BufferType) != 0 ||
        PyType_Ready(&ffi_StdStringType) != 0) {
        return -1;
    }
    return 0;
}
