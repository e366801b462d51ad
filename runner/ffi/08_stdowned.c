/* 08_stdowned: crossrun.StdVector("int"), StdList, StdSet, StdMap(key,
 * value) and StdUnorderedMap(key, value): a container in memory Python
 * owns (the
 * object's own bytes), destroyed with the object; it passes by pointer or
 * reference to calls that fill it, and value() reads it. */
#include "ffi/08_stdowned.h"

#include <string.h>

#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/06_stddrop.h"
#include "ffi/06_stdread.h"
#include "ffi/07_stdwrite.h"

typedef struct {
    PyObject_HEAD
    struct ct_arena arena;
    struct sc_type *t;
    PyObject *lib;
    _Alignas(16) unsigned char mem[CONV_SRET_SIZE];
} StdContainerObject;

static PyTypeObject StdContainerType;

static void container_dealloc(StdContainerObject *s)
{
    if (s->t != NULL) {
        ffi_std_destroy(s->t, (char *)s->mem);
        ffi_std_clear(s->t);
    }
    ct_arena_free(&s->arena);
    Py_XDECREF(s->lib);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

/* A new Python-owned container of type text (a std:: template spelled
 * out), filled from init (None: empty). */
static PyObject *container_new(const char *text, PyObject *init,
                               PyObject *lib)
{
    StdContainerObject *s;
    struct decl_error err;
    struct ct_type *ct;

    if (lib == Py_None) {
        lib = NULL;
    }
    s = PyObject_New(StdContainerObject, &StdContainerType);
    if (s == NULL) {
        return NULL;
    }
    memset(&s->arena, 0, sizeof(s->arena));
    s->t = NULL;
    s->lib = Py_XNewRef(lib);
    memset(s->mem, 0, sizeof(s->mem));
    ct = decl_parse_type(text, &s->arena, &err);
    if (ct == NULL) {
        ffi_raise_decl_error(text, &err);
        goto error;
    }
    if (ct->kind != CT_NAMED || !ffi_std_is_container(ct->name)) {
        ffi_raise_decl_msg(text, "not a container crossrun makes (%s)",
                           ffi_std_supported);
        goto error;
    }
    s->t = ffi_std_describe(ct->name, lib, text, &s->arena);
    if (s->t == NULL) {
        goto error;
    }
    if (ffi_std_has_smart(s->t)) {
        ffi_std_clear(s->t);
        s->t = NULL;
        ffi_raise_decl_msg(text, "a container of smart pointers is "
                           "supported only as a function's result by "
                           "value");
        goto error;
    }
    if (s->t->kind == SC_SVIEW || s->t->kind == SC_PAIR) {
        ffi_std_clear(s->t);
        s->t = NULL;
        ffi_raise_decl_msg(text, "make containers with StdVector, "
                           "StdList, StdSet, StdMap and StdUnorderedMap; a "
                           "pair or string_view passes as a tuple or str");
        goto error;
    }
    if (ffi_std_write(s->t, init, (char *)s->mem, -1) != 0) {
        ffi_std_clear(s->t);
        s->t = NULL;
        goto error;
    }
    return (PyObject *)s;
error:
    Py_DECREF(s);
    return NULL;
}

static PyObject *container_value(StdContainerObject *s, PyObject *noargs)
{
    (void)noargs;
    return ffi_std_read(s->t, (char *)s->mem, 0);
}

/* The number of elements, counted without reading them (a container
 * of objects would copy each). */
static Py_ssize_t container_len(StdContainerObject *s)
{
    size_t n = 0;

    if (ffi_std_count(s->t, (char *)s->mem, &n) != 0) {
        return -1;
    }
    return (Py_ssize_t)n;
}

static PyObject *container_iter(StdContainerObject *s)
{
    PyObject *v = ffi_std_read(s->t, (char *)s->mem, 0), *it;

    if (v == NULL) {
        return NULL;
    }
    it = PyObject_GetIter(v);
    Py_DECREF(v);
    return it;
}

static PyObject *container_repr(StdContainerObject *s)
{
    PyObject *v = ffi_std_read(s->t, (char *)s->mem, 0), *r;

    if (v == NULL) {
        return NULL;
    }
    r = PyUnicode_FromFormat("<crossrun %s %R>", s->t->name, v);
    Py_DECREF(v);
    return r;
}

static PyObject *container_address(StdContainerObject *s, void *closure)
{
    (void)closure;
    return ffi_pointer_new(s->mem, (PyObject *)s);
}

static PyObject *container_type(StdContainerObject *s, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(s->t->name);
}

static PyMethodDef container_methods[] = {
    {"value", (PyCFunction)container_value, METH_NOARGS,
     "value() -> list/dict: a copy of the current contents."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef container_getset[] = {
    {"address", (getter)container_address, NULL,
     "The container's address, a Pointer.", NULL},
    {"type", (getter)container_type, NULL,
     "The C++ type, as crossrun spells it.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods container_seq = {
    .sq_length = (lenfunc)container_len,
};

static PyTypeObject StdContainerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.StdContainer",
    .tp_doc = "A libstdc++ container owned by Python (StdVector, StdMap, "
              "StdUnorderedMap): passes as the container, a const& or a "
              "pointer or reference the callee fills; value() reads it.",
    .tp_basicsize = sizeof(StdContainerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)container_dealloc,
    .tp_repr = (reprfunc)container_repr,
    .tp_iter = (getiterfunc)container_iter,
    .tp_as_sequence = &container_seq,
    .tp_methods = container_methods,
    .tp_getset = container_getset,
};

static PyObject *make(const char *fmt, PyObject *args, PyObject *kw,
                      int nkinds)
{
    static char *kw1[] = {"type", "items", "lib", NULL};
    static char *kw2[] = {"key", "value", "items", "lib", NULL};
    const char *k = NULL, *v = NULL;
    PyObject *items = NULL, *lib = NULL, *text, *r, *empty = NULL;

    if (nkinds == 1 ? !PyArg_ParseTupleAndKeywords(args, kw, "s|OO", kw1,
                                                   &k, &items, &lib)
                    : !PyArg_ParseTupleAndKeywords(args, kw, "ss|OO", kw2,
                                                   &k, &v, &items, &lib)) {
        return NULL;
    }
    text = nkinds == 1 ? PyUnicode_FromFormat(fmt, k)
                       : PyUnicode_FromFormat(fmt, k, v);
    if (text == NULL) {
        return NULL;
    }
    if (items == NULL || items == Py_None) {
        empty = nkinds == 1 ? PyList_New(0) : PyDict_New();
        items = empty;
    }
    r = items == NULL ? NULL
                      : container_new(PyUnicode_AsUTF8(text), items, lib);
    Py_XDECREF(empty);
    Py_DECREF(text);
    return r;
}

static PyObject *std_vector(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::vector<%s>", args, kw, 1);
}

static PyObject *std_list(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::list<%s>", args, kw, 1);
}

static PyObject *std_set(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::set<%s>", args, kw, 1);
}

static PyObject *std_map(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::map<%s, %s>", args, kw, 2);
}

static PyObject *std_umap(PyObject *m, PyObject *args, PyObject *kw)
{
    (void)m;
    return make("std::unordered_map<%s, %s>", args, kw, 2);
}

PyMethodDef ffi_std_functions[] = {
    {"StdVector", (PyCFunction)(void (*)(void))std_vector,
     METH_VARARGS | METH_KEYWORDS,
     "StdVector(type, items=None, lib=None): a std::vector<type> owned by "
     "Python (lib: the Library whose lib.struct types it holds)."},
    {"StdList", (PyCFunction)(void (*)(void))std_list,
     METH_VARARGS | METH_KEYWORDS,
     "StdList(type, items=None, lib=None): a std::list<type> owned by "
     "Python."},
    {"StdSet", (PyCFunction)(void (*)(void))std_set,
     METH_VARARGS | METH_KEYWORDS,
     "StdSet(type, items=None, lib=None): a std::set<type> owned by "
     "Python (numbers, pointers or std::string)."},
    {"StdMap", (PyCFunction)(void (*)(void))std_map,
     METH_VARARGS | METH_KEYWORDS,
     "StdMap(key, value, items=None, lib=None): a std::map<key, value> "
     "owned by Python."},
    {"StdUnorderedMap", (PyCFunction)(void (*)(void))std_umap,
     METH_VARARGS | METH_KEYWORDS,
     "StdUnorderedMap(key, value, items=None, lib=None): a "
     "std::unordered_map<key, value> owned by Python."},
    {NULL, NULL, 0, NULL},
};

int ffi_std_owned_ready(void)
{
    return PyType_Ready(&StdContainerType);
}

const struct sc_type *ffi_std_owned(PyObject *o, char **mem)
{
    StdContainerObject *s = (StdContainerObject *)o;

    if (Py_TYPE(o) != &StdContainerType) {
        return NULL;
    }
    *mem = (char *)s->mem;
    return s->t;
}
