/* ffi_class: lib.cls(name, size=, methods=[...]): C++ classes as Python
 * classes. An instance is either owned (Python allocated `size` bytes and
 * ran a constructor; close(), `with` or garbage collection runs the
 * destructor and frees) or a view of an object C++ owns (Cls.at(p), a
 * returned pointer). Methods are overload sets resolved per call by
 * argument count and types. */
#include "ffi/ffi_internal.h"
#include "ffi/cxxobj.h"

#include <string.h>

#include "structmember.h"

static PyObject *class_key; /* "_class_", interned */

/* What the class knows: kept on the class as _class_. */
typedef struct {
    PyObject_HEAD
    PyObject *name;          /* "tinyxml2::XMLDocument" */
    size_t size;
    PyObject *ctors;         /* Overloads, or NULL: no constructor */
    PyObject *dtor;          /* Function, or NULL */
    PyObject *lib;
} ClassInfoObject;

static void classinfo_dealloc(ClassInfoObject *c)
{
    Py_XDECREF(c->name);
    Py_XDECREF(c->ctors);
    Py_XDECREF(c->dtor);
    Py_XDECREF(c->lib);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyTypeObject ClassInfoType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun._ClassInfo",
    .tp_basicsize = sizeof(ClassInfoObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)classinfo_dealloc,
};

static ClassInfoObject *info_of(PyTypeObject *type)
{
    PyObject *i;

    if (type->tp_dict == NULL) {
        return NULL;
    }
    i = PyDict_GetItemWithError(type->tp_dict, class_key);
    if (i == NULL || Py_TYPE(i) != &ClassInfoType) {
        PyErr_Clear();
        return NULL;
    }
    return (ClassInfoObject *)i;
}

/* ---- overload sets ---- */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *name;          /* Python-visible name */
    PyObject *cls;           /* C++ class name, for messages */
    PyObject *funcs;         /* list of Function */
    PyObject *missing;       /* list of SymbolNotFound instances */
} OverloadsObject;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    OverloadsObject *ov;
    PyObject *self;
} BoundObject;

static PyObject *no_match(OverloadsObject *ov, PyObject *const *args,
                          size_t n)
{
    PyObject *types = PyList_New(0), *decls = PyList_New(0);
    PyObject *sep = NULL, *t = NULL, *d = NULL;
    Py_ssize_t i;

    if (types == NULL || decls == NULL) {
        goto out;
    }
    for (i = 0; i < (Py_ssize_t)n; i++) {
        PyObject *name = PyUnicode_FromString(Py_TYPE(args[i])->tp_name);

        if (name == NULL || PyList_Append(types, name) != 0) {
            Py_XDECREF(name);
            goto out;
        }
        Py_DECREF(name);
    }
    for (i = 0; i < PyList_GET_SIZE(ov->funcs); i++) {
        PyObject *text = ((FunctionObject *)PyList_GET_ITEM(ov->funcs, i))
                             ->text;

        if (PyList_Append(decls, text) != 0) {
            goto out;
        }
    }
    sep = PyUnicode_FromString(", ");
    t = sep ? PyUnicode_Join(sep, types) : NULL;
    Py_XSETREF(sep, PyUnicode_FromString("\n    "));
    d = sep && t ? PyUnicode_Join(sep, decls) : NULL;
    if (d != NULL) {
        PyErr_Format(PyExc_TypeError, "no overload of %U::%U takes (%U); "
                     "declared:\n    %U", ov->cls, ov->name, t, d);
    }
out:
    Py_XDECREF(types);
    Py_XDECREF(decls);
    Py_XDECREF(sep);
    Py_XDECREF(t);
    Py_XDECREF(d);
    return NULL;
}

/* Call the best overload. self (NULL for an unbound call) goes first to
 * non-static methods. */
static PyObject *overloads_call(OverloadsObject *ov, PyObject *self,
                                PyObject *const *args, size_t n)
{
    PyObject *small[9];
    PyObject **vec = small;
    FunctionObject *best = NULL;
    int best_score = 0, with_self = 0, fits = 0;
    Py_ssize_t k;
    size_t i;
    PyObject *r;

    for (k = 0; k < PyList_GET_SIZE(ov->funcs); k++) {
        FunctionObject *f = (FunctionObject *)PyList_GET_ITEM(ov->funcs, k);
        int ws = self != NULL && f->is_method;
        size_t total = n + (size_t)ws;
        int score = 1;

        if (total < f->nreq || total > f->nargs) {
            continue;
        }
        fits++;
        for (i = 0; i < total; i++) {
            PyObject *a = ws ? (i == 0 ? self : args[i - 1]) : args[i];
            int s = conv_score(&f->args[i], a);

            if (s == 0) {
                score = 0;
                break;
            }
            score += s;
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (score > best_score) {
            best = f;
            best_score = score;
            with_self = ws;
        }
        if (fits == 1 && best == NULL) {
            /* Remember the only candidate so far: its own conversion
             * error is the clearest message if nothing else fits. */
            best = f;
            with_self = ws;
        }
    }
    if (best == NULL) {
        if (PyList_GET_SIZE(ov->missing) > 0) {
            PyObject *e = PyList_GET_ITEM(ov->missing, 0);

            PyErr_SetObject((PyObject *)Py_TYPE(e), e);
            return NULL;
        }
        return no_match(ov, args, n);
    }
    if (best_score == 0 && fits > 1) {
        return no_match(ov, args, n);
    }
    if (n + 1 > sizeof(small) / sizeof(small[0])) {
        vec = PyMem_Malloc((n + 1) * sizeof(*vec));
        if (vec == NULL) {
            return PyErr_NoMemory();
        }
    }
    if (with_self) {
        vec[0] = self;
    }
    for (i = 0; i < n; i++) {
        vec[i + (size_t)with_self] = args[i];
    }
    r = PyObject_Vectorcall((PyObject *)best, vec, n + (size_t)with_self,
                            NULL);
    if (vec != small) {
        PyMem_Free(vec);
    }
    return r;
}

static PyObject *overloads_vectorcall(PyObject *o, PyObject *const *args,
                                      size_t nargsf, PyObject *kwnames)
{
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_SetString(PyExc_TypeError, "C++ methods take no keyword "
                        "arguments");
        return NULL;
    }
    return overloads_call((OverloadsObject *)o, NULL, args,
                          (size_t)PyVectorcall_NARGS(nargsf));
}

static PyObject *bound_vectorcall(PyObject *o, PyObject *const *args,
                                  size_t nargsf, PyObject *kwnames)
{
    BoundObject *b = (BoundObject *)o;

    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_SetString(PyExc_TypeError, "C++ methods take no keyword "
                        "arguments");
        return NULL;
    }
    return overloads_call(b->ov, b->self, args,
                          (size_t)PyVectorcall_NARGS(nargsf));
}

static PyObject *overloads_get(PyObject *self, PyObject *obj, PyObject *type)
{
    BoundObject *b;

    (void)type;
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    b = PyObject_GC_New(BoundObject, &ffi_BoundType);
    if (b == NULL) {
        return NULL;
    }
    b->vectorcall = bound_vectorcall;
    b->ov = (OverloadsObject *)Py_NewRef(self);
    b->self = Py_NewRef(obj);
    PyObject_GC_Track(b);
    return (PyObject *)b;
}

static int overloads_traverse(OverloadsObject *o, visitproc visit, void *arg)
{
    Py_VISIT(o->funcs);
    Py_VISIT(o->missing);
    return 0;
}

static int overloads_clear(OverloadsObject *o)
{
    Py_CLEAR(o->funcs);
    Py_CLEAR(o->missing);
    return 0;
}

static void overloads_dealloc(OverloadsObject *o)
{
    PyObject_GC_UnTrack(o);
    overloads_clear(o);
    Py_XDECREF(o->name);
    Py_XDECREF(o->cls);
    PyObject_GC_Del(o);
}

static PyObject *overloads_repr(OverloadsObject *o)
{
    return PyUnicode_FromFormat("<crossrun method %U::%U, %zd overload%s>",
                                o->cls, o->name,
                                PyList_GET_SIZE(o->funcs),
                                PyList_GET_SIZE(o->funcs) == 1 ? "" : "s");
}

static PyMemberDef overloads_members[] = {
    {"overloads", T_OBJECT, offsetof(OverloadsObject, funcs), READONLY,
     "The Functions of this name, in declaration order."},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject ffi_OverloadsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Method",
    .tp_doc = "The declared overloads of one C++ method name.",
    .tp_basicsize = sizeof(OverloadsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_vectorcall_offset = offsetof(OverloadsObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = overloads_get,
    .tp_dealloc = (destructor)overloads_dealloc,
    .tp_traverse = (traverseproc)overloads_traverse,
    .tp_clear = (inquiry)overloads_clear,
    .tp_repr = (reprfunc)overloads_repr,
    .tp_members = overloads_members,
};

static int bound_traverse(BoundObject *b, visitproc visit, void *arg)
{
    Py_VISIT(b->ov);
    Py_VISIT(b->self);
    return 0;
}

static int bound_clear(BoundObject *b)
{
    Py_CLEAR(b->ov);
    Py_CLEAR(b->self);
    return 0;
}

static void bound_dealloc(BoundObject *b)
{
    PyObject_GC_UnTrack(b);
    bound_clear(b);
    PyObject_GC_Del(b);
}

PyTypeObject ffi_BoundType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.BoundMethod",
    .tp_basicsize = sizeof(BoundObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(BoundObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_dealloc = (destructor)bound_dealloc,
    .tp_traverse = (traverseproc)bound_traverse,
    .tp_clear = (inquiry)bound_clear,
};

/* ---- objects ---- */

int ffi_is_object(PyObject *o)
{
    return PyObject_TypeCheck(o, &ffi_ObjectType);
}

PyObject *ffi_object_view(PyObject *type, void *ptr, PyObject *keep)
{
    ObjectObject *o;

    o = (ObjectObject *)((PyTypeObject *)type)->tp_alloc(
        (PyTypeObject *)type, 0);
    if (o == NULL) {
        return NULL;
    }
    o->ptr = ptr;
    o->keep = keep != NULL ? Py_NewRef(keep) : NULL;
    return (PyObject *)o;
}

/* Run the destructor (if declared) and free an owned object. Returns 0,
 * or -1 with the destructor's exception set (the memory is freed all the
 * same). */
static int destroy(ObjectObject *o)
{
    ClassInfoObject *info = info_of(Py_TYPE(o));
    int rc = 0;

    if (!o->owned || o->closed) {
        return 0;
    }
    o->owned = 0; /* once only, even if the destructor calls back */
    if (info != NULL && info->dtor != NULL) {
        PyObject *self = (PyObject *)o;
        PyObject *r = PyObject_Vectorcall(info->dtor, &self, 1, NULL);

        if (r == NULL) {
            rc = -1;
        }
        Py_XDECREF(r);
    }
    o->closed = 1;
    PyMem_Free(o->mem);
    o->mem = NULL;
    o->ptr = NULL;
    return rc;
}

static PyObject *object_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    ClassInfoObject *info = info_of(type);
    ObjectObject *o;
    PyObject *r;

    if (info == NULL) {
        PyErr_SetString(PyExc_TypeError, "make classes with lib.cls(name, "
                        "size=, methods=[...])");
        return NULL;
    }
    if (kw != NULL && PyDict_GET_SIZE(kw) > 0) {
        PyErr_SetString(PyExc_TypeError, "C++ constructors take no keyword "
                        "arguments");
        return NULL;
    }
    if (info->ctors == NULL && PyTuple_GET_SIZE(args) > 0) {
        PyErr_Format(PyExc_TypeError, "%U: no constructor was declared "
                     "(add one to methods=)", info->name);
        return NULL;
    }
    o = (ObjectObject *)type->tp_alloc(type, 0);
    if (o == NULL) {
        return NULL;
    }
    o->mem = PyMem_Calloc(info->size ? info->size : 1, 1);
    if (o->mem == NULL) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    o->ptr = o->mem;
    if (info->ctors != NULL) {
        r = overloads_call((OverloadsObject *)info->ctors, (PyObject *)o,
                           &PyTuple_GET_ITEM(args, 0),
                           (size_t)PyTuple_GET_SIZE(args));
        if (r == NULL) {
            /* No object was constructed: free without a destructor. */
            PyMem_Free(o->mem);
            o->mem = o->ptr = NULL;
            o->closed = 1;
            Py_DECREF(o);
            return NULL;
        }
        Py_DECREF(r);
    }
    o->owned = 1;
    return (PyObject *)o;
}

static void object_dealloc(ObjectObject *o)
{
    PyTypeObject *type = Py_TYPE(o);

    if (o->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)o);
    }
    if (o->owned && !o->closed) {
        PyObject *et, *ev, *tb;

        PyErr_Fetch(&et, &ev, &tb);
        if (destroy(o) != 0) {
            PyErr_WriteUnraisable((PyObject *)type);
        }
        PyErr_Restore(et, ev, tb);
    }
    Py_XDECREF(o->keep);
    type->tp_free((PyObject *)o);
}

static PyObject *object_close(ObjectObject *o, PyObject *noargs)
{
    (void)noargs;
    if (destroy(o) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *object_enter(ObjectObject *o, PyObject *noargs)
{
    (void)noargs;
    return Py_NewRef((PyObject *)o);
}

static PyObject *object_exit(ObjectObject *o, PyObject *args)
{
    (void)args;
    if (destroy(o) != 0) {
        return NULL;
    }
    Py_RETURN_FALSE;
}

static PyObject *object_at(PyObject *cls, PyObject *arg)
{
    void *addr = NULL;

    if (PyObject_TypeCheck(arg, &ffi_PointerType)) {
        addr = ((PointerObject *)arg)->addr;
    } else if (PyObject_TypeCheck(arg, &ffi_ObjectType)) {
        addr = ((ObjectObject *)arg)->ptr;
    } else if (PyLong_Check(arg)) {
        addr = PyLong_AsVoidPtr(arg);
        if (addr == NULL && PyErr_Occurred()) {
            return NULL;
        }
    } else {
        PyErr_Format(PyExc_TypeError, "at() takes a Pointer, an object or "
                     "an int address, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    if (addr == NULL) {
        PyErr_SetString(PyExc_ValueError, "at(): NULL pointer");
        return NULL;
    }
    if (info_of((PyTypeObject *)cls) == NULL) {
        PyErr_SetString(PyExc_TypeError, "at() needs a lib.cls class");
        return NULL;
    }
    return ffi_object_view(cls, addr,
                           PyObject_TypeCheck(arg, &ffi_PointerType)
                           ? ((PointerObject *)arg)->keep : NULL);
}

static PyObject *object_repr(ObjectObject *o)
{
    ClassInfoObject *info = info_of(Py_TYPE(o));

    return PyUnicode_FromFormat("<%U object at %p%s>",
                                info ? info->name : NULL, o->ptr,
                                o->closed ? ", closed"
                                : o->owned ? ", owned" : ", view");
}

static PyObject *object_address(ObjectObject *o, void *closure)
{
    (void)closure;
    if (o->ptr == NULL) {
        Py_RETURN_NONE;
    }
    return ffi_pointer_new(o->ptr, o->owned ? (PyObject *)o : o->keep);
}

static PyObject *object_owned(ObjectObject *o, void *closure)
{
    (void)closure;
    return PyBool_FromLong(o->owned && !o->closed);
}

static PyObject *object_int(ObjectObject *o)
{
    return PyLong_FromVoidPtr(o->ptr);
}

static PyObject *object_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) ||
        !PyObject_TypeCheck(b, &ffi_ObjectType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    return PyBool_FromLong((((ObjectObject *)a)->ptr ==
                            ((ObjectObject *)b)->ptr) == (op == Py_EQ));
}

static Py_hash_t object_hash(ObjectObject *o)
{
    Py_hash_t h = (Py_hash_t)((uintptr_t)o->ptr >> 4);

    return h == -1 ? -2 : h;
}

static PyMethodDef object_methods[] = {
    {"close", (PyCFunction)object_close, METH_NOARGS,
     "Run the destructor and free the object (owned objects; a view is "
     "left alone). Safe to call twice."},
    {"__enter__", (PyCFunction)object_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)object_exit, METH_VARARGS, NULL},
    {"at", (PyCFunction)object_at, METH_O | METH_CLASS,
     "Cls.at(pointer): a view of the object at that address (close() "
     "does not destroy it)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef object_getset[] = {
    {"address", (getter)object_address, NULL,
     "The object's address, a Pointer.", NULL},
    {"owned", (getter)object_owned, NULL,
     "True while Python owns the object (close() will destroy it).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyNumberMethods object_as_number = {
    .nb_int = (unaryfunc)object_int,
};

PyTypeObject ffi_ObjectType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Object",
    .tp_doc = "Base of the classes lib.cls() makes: a C++ object, owned "
              "(constructed by Python) or a view.",
    .tp_basicsize = sizeof(ObjectObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = object_new,
    .tp_dealloc = (destructor)object_dealloc,
    .tp_repr = (reprfunc)object_repr,
    .tp_richcompare = object_richcompare,
    .tp_hash = (hashfunc)object_hash,
    .tp_as_number = &object_as_number,
    .tp_methods = object_methods,
    .tp_getset = object_getset,
    .tp_weaklistoffset = offsetof(ObjectObject, weakrefs),
};

/* ---- lib.cls ---- */

static OverloadsObject *overloads_new(PyObject *name, PyObject *cls)
{
    OverloadsObject *o = PyObject_GC_New(OverloadsObject, &ffi_OverloadsType);

    if (o == NULL) {
        return NULL;
    }
    o->vectorcall = overloads_vectorcall;
    o->name = Py_NewRef(name);
    o->cls = Py_NewRef(cls);
    o->funcs = PyList_New(0);
    o->missing = PyList_New(0);
    PyObject_GC_Track(o);
    if (o->funcs == NULL || o->missing == NULL) {
        Py_DECREF(o);
        return NULL;
    }
    return o;
}

/* The overload set called name in methods (a dict), made on demand. */
static OverloadsObject *group(PyObject *methods, const char *name,
                              PyObject *cls)
{
    PyObject *key = PyUnicode_FromString(name);
    OverloadsObject *o;

    if (key == NULL) {
        return NULL;
    }
    o = (OverloadsObject *)PyDict_GetItemWithError(methods, key);
    if (o == NULL && !PyErr_Occurred()) {
        o = overloads_new(key, cls);
        if (o != NULL && PyDict_SetItem(methods, key, (PyObject *)o) != 0) {
            Py_CLEAR(o);
        }
        Py_XDECREF(o); /* the dict holds it */
    }
    Py_DECREF(key);
    return o;
}

PyObject *ffi_class_new(LibraryObject *lib, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "size", "methods", "base", NULL};
    PyObject *name, *methods = NULL, *base = NULL, *seq = NULL;
    PyObject *groups = NULL, *dict = NULL, *cls = NULL, *bases = NULL;
    PyObject *slots = NULL, *key, *value, *mod = NULL, *sizeobj = NULL;
    ClassInfoObject *info = NULL;
    Py_ssize_t size = 0, i, pos = 0;
    const char *cname, *last;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "Un|OO:cls", kwlist, &name,
                                     &size, &methods, &base)) {
        return NULL;
    }
    if (size <= 0) {
        PyErr_SetString(PyExc_ValueError, "cls(): size must be > 0 (an "
                        "upper bound of sizeof the class is fine)");
        return NULL;
    }
    if (base != NULL && base != Py_None &&
        (!PyType_Check(base) || info_of((PyTypeObject *)base) == NULL)) {
        PyErr_SetString(PyExc_TypeError, "cls(): base must be a class made "
                        "by lib.cls");
        return NULL;
    }
    cname = PyUnicode_AsUTF8(name);
    if (cname == NULL) {
        return NULL;
    }
    last = strrchr(cname, ':');
    last = last ? last + 1 : cname;
    info = PyObject_New(ClassInfoObject, &ClassInfoType);
    if (info == NULL) {
        return NULL;
    }
    info->name = Py_NewRef(name);
    info->size = (size_t)size;
    info->ctors = NULL;
    info->dtor = NULL;
    info->lib = Py_NewRef((PyObject *)lib);
    groups = PyDict_New();
    if (groups == NULL) {
        goto error;
    }
    seq = methods != NULL && methods != Py_None
          ? PySequence_Fast(methods, "methods must be a list of "
                            "declarations")
          : PyTuple_New(0);
    if (seq == NULL) {
        goto error;
    }
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(seq, i), *f;
        struct decl_error err;
        struct ct_decl *d;
        const char *t;
        char base_name[256];
        int is_ctor, is_dtor;
        OverloadsObject *g;

        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "cls(): method %zd must be a "
                         "declaration (str)", i + 1);
            goto error;
        }
        t = PyUnicode_AsUTF8(text);
        if (t == NULL) {
            goto error;
        }
        d = decl_parse(t, DECL_NO_RETURN, &err);
        if (d == NULL) {
            ffi_raise_decl_error(t, &err);
            goto error;
        }
        snprintf(base_name, sizeof(base_name), "%s", d->base);
        is_dtor = d->is_dtor;
        is_ctor = !is_dtor && d->ret == NULL && strcmp(d->base, last) == 0;
        if (!is_ctor && !is_dtor && d->ret == NULL) {
            decl_free(d);
            ffi_raise_decl_msg(t, "a method needs a return type (only "
                               "%s(...) and ~%s() have none)", last, last);
            goto error;
        }
        decl_free(d);
        f = ffi_function_new(lib, text, cname);
        if (f == NULL && !PyErr_ExceptionMatches(ffi_SymbolNotFound)) {
            goto error;
        }
        if (is_dtor) {
            if (f == NULL) {
                PyErr_Clear(); /* no destructor exported: nothing to run */
                continue;
            }
            Py_XSETREF(info->dtor, f);
            continue;
        }
        if (f == NULL) {
            PyObject *et, *ev, *tb;

            /* Kept and raised when called: inline methods may be absent. */
            PyErr_Fetch(&et, &ev, &tb);
            PyErr_NormalizeException(&et, &ev, &tb);
            if (tb != NULL) {
                PyException_SetTraceback(ev, tb);
            }
            g = group(groups, is_ctor ? "__init__" : base_name, name);
            if (g == NULL || PyList_Append(g->missing, ev) != 0) {
                Py_XDECREF(et);
                Py_XDECREF(ev);
                Py_XDECREF(tb);
                goto error;
            }
            Py_XDECREF(et);
            Py_XDECREF(ev);
            Py_XDECREF(tb);
            continue;
        }
        g = group(groups, is_ctor ? "__init__" : base_name, name);
        if (g == NULL) {
            Py_DECREF(f);
            goto error;
        }
        if (PyList_Append(g->funcs, f) != 0) {
            Py_DECREF(f);
            goto error;
        }
        Py_DECREF(f);
    }
    dict = PyDict_New();
    slots = PyTuple_New(0);
    mod = PyUnicode_FromString("crossrun");
    sizeobj = PyLong_FromSsize_t(size);
    if (dict == NULL || slots == NULL || mod == NULL || sizeobj == NULL ||
        PyDict_SetItem(dict, class_key, (PyObject *)info) != 0 ||
        PyDict_SetItemString(dict, "__slots__", slots) != 0 ||
        PyDict_SetItemString(dict, "__module__", mod) != 0 ||
        PyDict_SetItemString(dict, "__qualname__", name) != 0 ||
        PyDict_SetItemString(dict, "size", sizeobj) != 0) {
        goto error;
    }
    while (PyDict_Next(groups, &pos, &key, &value)) {
        if (PyUnicode_CompareWithASCIIString(key, "__init__") == 0) {
            info->ctors = Py_NewRef(value);
            continue;
        }
        if (PyDict_SetItem(dict, key, value) != 0) {
            goto error;
        }
    }
    bases = PyTuple_Pack(1, base != NULL && base != Py_None
                                ? base : (PyObject *)&ffi_ObjectType);
    if (bases == NULL) {
        goto error;
    }
    cls = PyObject_CallFunction((PyObject *)&PyType_Type, "OOO", name, bases,
                                dict);
    if (cls != NULL && (PyDict_SetItem(lib->types, name, cls) != 0 ||
                        ffi_ops_members(cls) != 0)) {
        Py_CLEAR(cls);
    }
error:
    Py_XDECREF(seq);
    Py_XDECREF(groups);
    Py_XDECREF(dict);
    Py_XDECREF(bases);
    Py_XDECREF(slots);
    Py_XDECREF(mod);
    Py_XDECREF(sizeobj);
    Py_XDECREF(info);
    return cls;
}

int ffi_class_ready(void)
{
    class_key = PyUnicode_InternFromString("_class_");
    if (class_key == NULL || PyType_Ready(&ClassInfoType) != 0 ||
        PyType_Ready(&ffi_OverloadsType) != 0 ||
        PyType_Ready(&ffi_BoundType) != 0 ||
        PyType_Ready(&ffi_ObjectType) != 0) {
        return -1;
    }
    return 0;
}
