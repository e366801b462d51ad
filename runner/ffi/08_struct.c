/* 08_struct: lib.struct(name, fields): C structs by value. Each call
 * makes a Python class whose instances hold the struct's bytes; libffi
 * gets a struct ffi_type (arrays as repeated elements) and computes the
 * field offsets, so the layout is the C compiler's. */
#include "ffi/08_struct.h"

#include <string.h>

#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"

static PyObject *layout_key; /* "_layout_", interned */

/* ---- the layout (internal object kept on the class) ---- */

static void layout_dealloc(LayoutObject *l)
{
    size_t i;

    for (i = 0; i < l->nfields; i++) {
        Py_XDECREF(l->fields[i].name);
        conv_clear(&l->fields[i].conv);
    }
    PyMem_Free(l->fields);
    PyMem_Free(l->elements);
    ct_arena_free(&l->arena);
    Py_XDECREF(l->name);
    Py_XDECREF(l->lib);
    Py_TYPE(l)->tp_free((PyObject *)l);
}

PyTypeObject ffi_LayoutType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun._Layout",
    .tp_doc = "The field layout of a lib.struct class (internal).",
    .tp_basicsize = sizeof(LayoutObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)layout_dealloc,
};

LayoutObject *ffi_layout_of(PyObject *type)
{
    PyObject *l;

    if (type == NULL || !PyType_Check(type) ||
        !PyType_IsSubtype((PyTypeObject *)type, &ffi_StructType) ||
        ((PyTypeObject *)type)->tp_dict == NULL) {
        return NULL;
    }
    l = PyDict_GetItemWithError(((PyTypeObject *)type)->tp_dict,
                                layout_key); /* borrowed */
    if (l == NULL || !PyObject_TypeCheck(l, &ffi_LayoutType)) {
        PyErr_Clear();
        return NULL;
    }
    return (LayoutObject *)l;
}

/* Build the layout of struct name from fields [(name, type), ...]. */
static LayoutObject *layout_new(LibraryObject *lib, PyObject *name,
                                PyObject *fields)
{
    LayoutObject *l;
    const char *sname = PyUnicode_AsUTF8(name);
    Py_ssize_t n, i;
    size_t nelem = 0, k, j, *offsets = NULL;

    if (sname == NULL) {
        return NULL;
    }
    fields = PySequence_Fast(fields, "fields must be a list of (name, "
                             "type) pairs");
    if (fields == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(fields);
    if (n == 0) {
        PyErr_Format(PyExc_ValueError, "struct %s: no fields; give a list "
                     "of (name, type) pairs, e.g. [('x', 'double'), ('y', "
                     "'double')]", sname);
        Py_DECREF(fields);
        return NULL;
    }
    l = PyObject_New(LayoutObject, &ffi_LayoutType);
    if (l == NULL) {
        Py_DECREF(fields);
        return NULL;
    }
    memset((char *)l + sizeof(PyObject), 0, sizeof(*l) - sizeof(PyObject));
    l->name = Py_NewRef(name);
    l->lib = Py_NewRef((PyObject *)lib);
    l->fields = PyMem_Calloc((size_t)n, sizeof(*l->fields));
    if (l->fields == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(fields, i);
        PyObject *fname, *ftype;
        struct sfield *f = &l->fields[i];
        const char *tt;
        struct decl_error err;
        struct ct_type *t;

        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0)) ||
            !PyUnicode_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_Format(PyExc_TypeError, "struct %s: field %zd must be a "
                         "(name, type) pair of str such as ('x', 'double'), "
                         "not %R", sname, i + 1, pair);
            goto error;
        }
        fname = PyTuple_GET_ITEM(pair, 0);
        ftype = PyTuple_GET_ITEM(pair, 1);
        tt = PyUnicode_AsUTF8(ftype);
        if (tt == NULL) {
            goto error;
        }
        t = decl_parse_type(tt, &l->arena, &err);
        if (t == NULL) {
            ffi_raise_decl_error(tt, &err);
            goto error;
        }
        f->count = 0;
        while (t->kind == CT_ARRAY) {
            if (t->count == 0) {
                ffi_raise_decl_msg(tt, "a struct field array needs a size, "
                                   "such as 'int[4]'");
                goto error;
            }
            f->count = (f->count ? f->count : 1) * t->count;
            t = t->sub;
        }
        f->name = Py_NewRef(fname);
        PyUnicode_InternInPlace(&f->name);
        l->nfields = (size_t)i + 1;
        if (conv_build(&f->conv, t, (PyObject *)lib, CONV_FIELD, tt,
                       &l->arena) != 0) {
            goto error;
        }
        if (f->conv.kind == CV_VOID || f->conv.kind == CV_STRING) {
            ffi_raise_decl_msg(tt, "'%s' cannot be a lib.struct field "
                               "(only C types can): describe a struct with "
                               "such members as a class, with lib.cls", tt);
            goto error;
        }
        f->elsize = conv_mem_size(&f->conv);
        nelem += f->count ? f->count : 1;
    }
    l->elements = PyMem_Calloc(nelem + 1, sizeof(*l->elements));
    offsets = PyMem_Calloc(nelem + 1, sizeof(*offsets));
    if (l->elements == NULL || offsets == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0, k = 0; i < n; i++) {
        struct sfield *f = &l->fields[i];

        for (j = 0; j < (f->count ? f->count : 1); j++) {
            l->elements[k++] = f->conv.ft;
        }
    }
    l->ft.type = FFI_TYPE_STRUCT;
    l->ft.elements = l->elements;
    if (ffi_get_struct_offsets(FFI_DEFAULT_ABI, &l->ft, offsets) != FFI_OK) {
        PyErr_Format(PyExc_ValueError, "struct %s: libffi cannot lay it out",
                     sname);
        goto error;
    }
    for (i = 0, k = 0; i < n; i++) {
        struct sfield *f = &l->fields[i];

        f->offset = offsets[k];
        k += f->count ? f->count : 1;
    }
    l->size = l->ft.size;
    l->align = l->ft.alignment;
    PyMem_Free(offsets);
    Py_DECREF(fields);
    return l;
error:
    PyMem_Free(offsets);
    Py_DECREF(fields);
    Py_DECREF(l);
    return NULL;
}

/* ---- struct instances ---- */

static StructObject *struct_alloc(PyTypeObject *type, LayoutObject *l,
                                  const void *src, PyObject *owner)
{
    StructObject *s = (StructObject *)type->tp_alloc(type, 0);

    if (s == NULL) {
        return NULL;
    }
    s->layout = (LayoutObject *)Py_NewRef((PyObject *)l);
    if (owner != NULL) {
        s->owner = Py_NewRef(owner);
        s->data = (char *)src;
        return s;
    }
    s->data = PyMem_Calloc(l->size ? l->size : 1, 1);
    if (s->data == NULL) {
        Py_DECREF(s);
        return (StructObject *)PyErr_NoMemory();
    }
    if (src != NULL) {
        memcpy(s->data, src, l->size);
    }
    return s;
}

PyObject *ffi_struct_new(PyObject *type, const void *src, PyObject *owner)
{
    LayoutObject *l = ffi_layout_of(type);

    if (l == NULL) {
        PyErr_SetString(PyExc_TypeError, "not a lib.struct class");
        return NULL;
    }
    return (PyObject *)struct_alloc((PyTypeObject *)type, l, src, owner);
}

static struct sfield *field_of(LayoutObject *l, PyObject *name)
{
    size_t i;

    for (i = 0; i < l->nfields; i++) {
        if (l->fields[i].name == name) {
            return &l->fields[i];
        }
    }
    for (i = 0; i < l->nfields; i++) {
        if (PyUnicode_Compare(l->fields[i].name, name) == 0) {
            return &l->fields[i];
        }
    }
    return NULL;
}

static PyObject *field_get(StructObject *s, struct sfield *f)
{
    char *p = s->data + f->offset;
    PyObject *list;
    size_t i;

    if (f->count == 0) {
        return conv_from_c(&f->conv, p, (PyObject *)s);
    }
    if (f->conv.kind == CV_INT && f->conv.size == 1 && f->conv.is_char) {
        return PyBytes_FromStringAndSize(p, (Py_ssize_t)f->count);
    }
    list = PyList_New((Py_ssize_t)f->count);
    for (i = 0; list != NULL && i < f->count; i++) {
        PyObject *v = conv_from_c(&f->conv, p + i * f->elsize,
                                  (PyObject *)s);

        if (v == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    return list;
}

/* The struct whose own memory s is (s, or the struct s is a field of),
 * or NULL when s views memory of something else. */
static StructObject *struct_root(StructObject *s)
{
    while (s->owner != NULL && PyObject_TypeCheck(s->owner, &ffi_StructType)) {
        s = (StructObject *)s->owner;
    }
    return s->owner == NULL ? s : NULL;
}

/* Keep v (NULL: nothing) for the pointer field at p, dropping what the
 * field kept before. Returns 0, or -1 with an exception set. */
static int keep_for_field(StructObject *root, char *p, PyObject *v)
{
    PyObject *key;
    int rc = 0;

    if (v == NULL && root->kept == NULL) {
        return 0;
    }
    if (root->kept == NULL && (root->kept = PyDict_New()) == NULL) {
        return -1;
    }
    key = PyLong_FromVoidPtr(p);
    if (key == NULL) {
        return -1;
    }
    if (v != NULL) {
        rc = PyDict_SetItem(root->kept, key, v);
    } else if (PyDict_DelItem(root->kept, key) != 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
        } else {
            rc = -1;
        }
    }
    Py_DECREF(key);
    return rc;
}

/* bytes or str into a char* field: the field points at the object's own
 * NUL-terminated bytes (UTF-8 for str), kept alive by the struct as long
 * as it lives (as ctypes does). A struct that views memory crossrun does
 * not own cannot keep them: refused, saying what to do instead. */
static int text_field_set(StructObject *s, struct sfield *f, char *p,
                          PyObject *v)
{
    StructObject *root = struct_root(s);
    const char *addr;

    if (root == NULL) {
        PyErr_Format(PyExc_TypeError, "%U.%U: this %U views memory that "
                     "crossrun does not own, which would point at the %s "
                     "after Python frees it; assign a crossrun.buffer(%s) "
                     "that you keep alive while C uses it",
                     s->layout->name, f->name, s->layout->name,
                     Py_TYPE(v)->tp_name,
                     PyBytes_Check(v) ? "b'...'" : "'...'.encode()");
        return -1;
    }
    addr = PyBytes_Check(v) ? PyBytes_AS_STRING(v) : PyUnicode_AsUTF8(v);
    if (addr == NULL || keep_for_field(root, p, v) != 0) {
        return -1;
    }
    memcpy(p, &addr, sizeof(addr));
    return 0;
}

/* A conversion error of field f says "value: ..."; name the field
 * instead ("calc::Config.name: ..."). */
static int field_error(StructObject *s, struct sfield *f)
{
    PyObject *type, *value, *tb, *text = NULL;
    const char *msg;

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && (text = PyObject_Str(value)) != NULL &&
        (msg = PyUnicode_AsUTF8(text)) != NULL &&
        strncmp(msg, "value: ", 7) == 0) {
        PyErr_Format(type, "%U.%U: %s", s->layout->name, f->name, msg + 7);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
    } else {
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
    }
    Py_XDECREF(text);
    return -1;
}

static int field_set(StructObject *s, struct sfield *f, PyObject *v)
{
    char *p = s->data + f->offset;
    PyObject *seq;
    Py_ssize_t n, i;
    char tmp[64];

    if (v == NULL) {
        PyErr_Format(PyExc_TypeError, "del %U.%U: a struct field cannot be "
                     "deleted; assign it a value instead", s->layout->name,
                     f->name);
        return -1;
    }
    if (f->count == 0 && f->conv.kind == CV_PTR &&
        ((f->conv.bytes_ok && PyBytes_Check(v)) ||
         (f->conv.str_ok && PyUnicode_Check(v)))) {
        return text_field_set(s, f, p, v);
    }
    if (f->count == 0) {
        /* Convert first, store second: a failed conversion leaves the
         * field as it was. */
        if (f->elsize <= sizeof(tmp)) {
            if (conv_to_c(&f->conv, v, tmp, NULL, NULL, -1) != 0) {
                return field_error(s, f);
            }
            memcpy(p, tmp, f->elsize);
        } else if (conv_to_c(&f->conv, v, p, NULL, NULL, -1) != 0) {
            return field_error(s, f);
        }
        return f->conv.kind == CV_PTR && struct_root(s) != NULL
                   ? keep_for_field(struct_root(s), p, NULL)
                   : 0;
    }
    if (PyBytes_Check(v) && f->conv.kind == CV_INT && f->conv.size == 1) {
        if ((size_t)PyBytes_GET_SIZE(v) > f->count) {
            PyErr_Format(PyExc_ValueError, "%U.%U: %zd bytes do not fit in "
                         "its %zu; give at most %zu (the rest is filled "
                         "with NUL bytes)", s->layout->name, f->name,
                         PyBytes_GET_SIZE(v), f->count, f->count);
            return -1;
        }
        memset(p, 0, f->count);
        memcpy(p, PyBytes_AS_STRING(v), (size_t)PyBytes_GET_SIZE(v));
        return 0;
    }
    if (!PyList_Check(v) && !PyTuple_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%U.%U is an array of %zu: assign a "
                     "list or tuple of %zu values%s, not %.100s",
                     s->layout->name, f->name, f->count, f->count,
                     f->conv.kind == CV_INT && f->conv.size == 1
                         ? " (or bytes)" : "",
                     Py_TYPE(v)->tp_name);
        return -1;
    }
    seq = PySequence_Fast(v, "");
    if (seq == NULL) {
        return -1;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    if ((size_t)n != f->count) {
        PyErr_Format(PyExc_ValueError, "%U.%U is an array of %zu: assign "
                     "exactly %zu values, not %zd", s->layout->name,
                     f->name, f->count, f->count, n);
        Py_DECREF(seq);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (conv_to_c(&f->conv, PySequence_Fast_GET_ITEM(seq, i),
                      p + (size_t)i * f->elsize, NULL, NULL, -1) != 0) {
            Py_DECREF(seq);
            return field_error(s, f);
        }
    }
    Py_DECREF(seq);
    return 0;
}

static PyObject *struct_getattro(StructObject *s, PyObject *name)
{
    struct sfield *f = PyUnicode_Check(name) ? field_of(s->layout, name)
                                             : NULL;

    if (f != NULL) {
        return field_get(s, f);
    }
    return PyObject_GenericGetAttr((PyObject *)s, name);
}

static int struct_setattro(StructObject *s, PyObject *name, PyObject *v)
{
    struct sfield *f = PyUnicode_Check(name) ? field_of(s->layout, name)
                                             : NULL;

    if (f != NULL) {
        return field_set(s, f, v);
    }
    return PyObject_GenericSetAttr((PyObject *)s, name, v);
}

/* "x, y": the names of l's fields, or NULL with an exception set. */
static PyObject *field_names(const LayoutObject *l)
{
    PyObject *list = PyList_New((Py_ssize_t)l->nfields), *sep, *r = NULL;

    for (size_t i = 0; list != NULL && i < l->nfields; i++) {
        PyList_SET_ITEM(list, (Py_ssize_t)i, Py_NewRef(l->fields[i].name));
    }
    sep = list != NULL ? PyUnicode_FromString(", ") : NULL;
    if (sep != NULL) {
        r = PyUnicode_Join(sep, list);
    }
    Py_XDECREF(sep);
    Py_XDECREF(list);
    return r;
}

static PyObject *struct_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    LayoutObject *l = ffi_layout_of((PyObject *)type);
    StructObject *s;
    Py_ssize_t i, n = PyTuple_GET_SIZE(args);
    Py_ssize_t pos = 0;
    PyObject *k, *v;

    if (l == NULL) {
        PyErr_SetString(PyExc_TypeError, "crossrun.Struct is not made "
                        "directly: make struct classes with lib.struct(name, "
                        "fields)");
        return NULL;
    }
    if ((size_t)n > l->nfields) {
        PyObject *names = field_names(l);

        PyErr_Format(PyExc_TypeError, "%U(%U) has %zu fields, %zd values "
                     "given", l->name, names ? names : Py_None,
                     l->nfields, n);
        Py_XDECREF(names);
        return NULL;
    }
    s = struct_alloc(type, l, NULL, NULL);
    if (s == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (field_set(s, &l->fields[i], PyTuple_GET_ITEM(args, i)) != 0) {
            goto error;
        }
    }
    while (kw != NULL && PyDict_Next(kw, &pos, &k, &v)) {
        struct sfield *f = field_of(l, k);

        if (f == NULL) {
            PyObject *names = field_names(l);

            PyErr_Format(PyExc_TypeError, "%U has no field %R; its fields: "
                         "%U", l->name, k, names ? names : Py_None);
            Py_XDECREF(names);
            goto error;
        }
        if (field_set(s, f, v) != 0) {
            goto error;
        }
    }
    return (PyObject *)s;
error:
    Py_DECREF(s);
    return NULL;
}

static void struct_dealloc(StructObject *s)
{
    PyTypeObject *type = Py_TYPE(s);

    if (s->owner == NULL) {
        PyMem_Free(s->data);
    }
    Py_XDECREF(s->owner);
    Py_XDECREF(s->kept);
    Py_XDECREF(s->layout);
    /* A heap subclass's own dealloc (subtype_dealloc) drops the
     * reference to the class after this. */
    type->tp_free((PyObject *)s);
}

static PyObject *struct_repr(StructObject *s)
{
    PyObject *parts = PyList_New(0), *sep = NULL, *body = NULL, *r = NULL;
    size_t i;

    if (parts == NULL) {
        return NULL;
    }
    for (i = 0; i < s->layout->nfields; i++) {
        struct sfield *f = &s->layout->fields[i];
        PyObject *v = field_get(s, f), *item;

        if (v == NULL) {
            goto out;
        }
        item = PyUnicode_FromFormat("%U=%R", f->name, v);
        Py_DECREF(v);
        if (item == NULL || PyList_Append(parts, item) != 0) {
            Py_XDECREF(item);
            goto out;
        }
        Py_DECREF(item);
    }
    sep = PyUnicode_FromString(", ");
    body = sep ? PyUnicode_Join(sep, parts) : NULL;
    if (body != NULL) {
        r = PyUnicode_FromFormat("%U(%U)", s->layout->name, body);
    }
out:
    Py_XDECREF(parts);
    Py_XDECREF(sep);
    Py_XDECREF(body);
    return r;
}

static PyObject *struct_richcompare(PyObject *a, PyObject *b, int op)
{
    StructObject *x = (StructObject *)a, *y = (StructObject *)b;
    int eq;

    if ((op != Py_EQ && op != Py_NE) ||
        !PyObject_TypeCheck(b, &ffi_StructType) ||
        x->layout != y->layout) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    eq = memcmp(x->data, y->data, x->layout->size) == 0;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static int struct_getbuffer(StructObject *s, Py_buffer *view, int flags)
{
    return PyBuffer_FillInfo(view, (PyObject *)s, s->data,
                             (Py_ssize_t)s->layout->size, 0, flags);
}

static PyObject *struct_pointer(StructObject *s, void *closure)
{
    (void)closure;
    return ffi_pointer_new(s->data, (PyObject *)s);
}

static PyGetSetDef struct_getset[] = {
    {"pointer", (getter)struct_pointer, NULL,
     "A Pointer to the struct's bytes (keeps the struct alive).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs struct_as_buffer = {
    .bf_getbuffer = (getbufferproc)struct_getbuffer,
};

PyTypeObject ffi_StructType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Struct",
    .tp_doc = "Base of the classes lib.struct() makes: a C struct by "
              "value; fields are attributes; bytes(s) is its memory.",
    .tp_basicsize = sizeof(StructObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = struct_new,
    .tp_dealloc = (destructor)struct_dealloc,
    .tp_getattro = (getattrofunc)struct_getattro,
    .tp_setattro = (setattrofunc)struct_setattro,
    .tp_repr = (reprfunc)struct_repr,
    .tp_richcompare = struct_richcompare,
    .tp_as_buffer = &struct_as_buffer,
    .tp_getset = struct_getset,
};

PyObject *ffi_struct_class(LibraryObject *lib, PyObject *name,
                           PyObject *fields)
{
    LayoutObject *l = layout_new(lib, name, fields);
    PyObject *dict = NULL, *cls = NULL, *slots = NULL, *size = NULL;
    PyObject *qual = NULL;

    if (l == NULL) {
        return NULL;
    }
    dict = PyDict_New();
    slots = PyTuple_New(0);
    size = PyLong_FromSize_t(l->size);
    if (dict == NULL || slots == NULL || size == NULL ||
        PyDict_SetItem(dict, layout_key, (PyObject *)l) != 0 ||
        PyDict_SetItemString(dict, "__slots__", slots) != 0 ||
        PyDict_SetItemString(dict, "size", size) != 0 ||
        PyDict_SetItemString(dict, "__qualname__", name) != 0 ||
        PyDict_SetItemString(dict, "__module__",
                             qual = PyUnicode_FromString("crossrun")) != 0) {
        goto out;
    }
    cls = PyObject_CallFunction((PyObject *)&PyType_Type, "O(O)O", name,
                                (PyObject *)&ffi_StructType, dict);
out:
    Py_XDECREF(qual);
    Py_XDECREF(dict);
    Py_XDECREF(slots);
    Py_XDECREF(size);
    Py_DECREF(l);
    return cls;
}

static PyObject *lib_struct(LibraryObject *lib, PyObject *args)
{
    PyObject *name, *fields, *cls;

    if (!PyArg_ParseTuple(args, "UO:struct", &name, &fields)) {
        return NULL;
    }
    cls = ffi_struct_class(lib, name, fields);
    if (cls != NULL && (PyDict_SetItem(lib->types, name, cls) != 0 ||
                        ffi_lib_invalidate(lib) != 0)) {
        Py_CLEAR(cls);
    }
    return cls;
}

static PyMethodDef struct_lib_methods[] = {
    {"struct", (PyCFunction)lib_struct, METH_VARARGS,
     "struct(name, [(field, type), ...]) -> a class for the C struct, "
     "usable by value in declarations."},
    {NULL, NULL, 0, NULL},
};

/* conv_hooks.struct_layout: size and libffi type of a struct class. */
static int layout_hook(PyObject *type, size_t *size, ffi_type **ft)
{
    LayoutObject *l = ffi_layout_of(type);

    if (l == NULL) {
        return 0;
    }
    *size = l->size;
    *ft = &l->ft;
    return 1;
}

/* conv_hooks.struct_data: the memory of a struct instance. */
static void *data_hook(PyObject *o)
{
    return PyObject_TypeCheck(o, &ffi_StructType) ? ((StructObject *)o)->data
                                                  : NULL;
}

int ffi_struct_ready(void)
{
    layout_key = PyUnicode_InternFromString("_layout_");
    if (layout_key == NULL || PyType_Ready(&ffi_LayoutType) != 0 ||
        PyType_Ready(&ffi_StructType) != 0) {
        return -1;
    }
    conv_hooks.struct_layout = layout_hook;
    conv_hooks.struct_new = ffi_struct_new;
    conv_hooks.struct_data = data_hook;
    return ffi_library_add_methods(struct_lib_methods);
}
